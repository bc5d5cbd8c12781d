//! Running an exhaustive check and summarising it: verdicts, state counts, speed and
//! counterexample paths, for people (`Display`) and machines (`serde`).

use serde::Serialize;
use stateright::actor::{Actor, ActorModelState, Id, Network};
use stateright::{Checker, Expectation, Model};
use std::fmt::{self, Debug, Write as _};
use std::hash::Hash;
use std::time::Instant;

use crate::shortest::shortest_discoveries;

/// Which search stateright runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Breadth-first (more memory per state).
    Bfs,
    /// Depth-first (about 15–20 bytes per state, usually faster).
    Dfs,
}

/// How to run a check.
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// Worker threads.
    pub threads: usize,
    /// Search order.
    pub strategy: Strategy,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { threads: 1, strategy: Strategy::Bfs }
    }
}

/// A property's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// An `always` or `eventually` property held in every explored state or path.
    Holds,
    /// An `always` or `eventually` property failed; the path is a counterexample.
    Violated,
    /// A `sometimes` property was witnessed; the path is an example.
    Reachable,
    /// A `sometimes` property was never witnessed.
    Unreachable,
}

impl Verdict {
    /// Whether this outcome is what the property asks for.
    pub fn is_pass(self) -> bool {
        matches!(self, Verdict::Holds | Verdict::Reachable)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "VIOLATED",
            Verdict::Reachable => "reachable",
            Verdict::Unreachable => "UNREACHABLE",
        })
    }
}

/// One step of a counterexample or example path.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// The action taken, as stateright formats it.
    pub action: String,
    /// The state it led to, one line per actor for actor models.
    pub state: String,
}

/// A property and what the check found.
#[derive(Clone, Debug, Serialize)]
pub struct PropertyReport {
    /// The property's name.
    pub name: String,
    /// `always`, `sometimes` or `eventually`.
    pub expectation: &'static str,
    /// The outcome.
    pub verdict: Verdict,
    /// The initial state of the path, when there is one.
    pub initial: Option<String>,
    /// The path to the counterexample (or example), when there is one: a shortest one for a
    /// violated `always` property.
    pub path: Option<Vec<Step>>,
    /// The path as the web explorer's action indices (`#/steps/<this>`).
    pub explorer_path: Option<String>,
}

/// The outcome of an exhaustive check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// What was checked, in words.
    pub model: String,
    /// Every property with its verdict.
    pub properties: Vec<PropertyReport>,
    /// Distinct states visited.
    pub unique_states: usize,
    /// States generated, including revisits.
    pub total_states: usize,
    /// The deepest path explored.
    pub max_depth: usize,
    /// Wall time to the verdict, in seconds.
    pub elapsed_secs: f64,
    /// Unique states per second of wall time.
    pub states_per_sec: f64,
    /// Worker threads.
    pub threads: usize,
    /// Search order.
    pub strategy: Strategy,
}

impl CheckReport {
    /// Whether every property got the verdict it asks for.
    pub fn passed(&self) -> bool {
        self.properties.iter().all(|p| p.verdict.is_pass())
    }

    /// The report of the property called `name`.
    pub fn property(&self, name: &str) -> Option<&PropertyReport> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// Prints a model state for people. Actor models print one line per actor and the network.
pub trait Describe {
    /// A multi-line description.
    fn describe(&self) -> String;
}

impl<A> Describe for ActorModelState<A>
where
    A: Actor,
    A::Msg: Debug + Ord,
    A::State: Debug,
{
    fn describe(&self) -> String {
        let mut s = String::new();
        for (i, st) in self.actor_states.iter().enumerate() {
            let down =
                if self.crashed.get(i).copied().unwrap_or(false) { " (crashed)" } else { "" };
            let _ = writeln!(s, "n{i}{down}: {st:?}");
        }
        let _ = write!(s, "network: [{}]", describe_network(&self.network));
        s
    }
}

/// The messages in flight, sorted, in a compact form: `n0→n1 Msg`, `×k` for copies, and one
/// queue per channel for ordered networks. (stateright 0.31's `Network::iter_all` never ends on
/// an ordered network and repeats multiset entries once too often, so it is not used.)
pub fn describe_network<M: Debug + Eq + Hash + Ord>(network: &Network<M>) -> String {
    let node = |id: Id| format!("n{}", usize::from(id));
    let mut parts: Vec<String> = match network {
        Network::UnorderedDuplicating(set, _) => {
            let mut envs: Vec<_> = set.iter().collect();
            envs.sort();
            envs.iter().map(|e| format!("{}→{} {:?}", node(e.src), node(e.dst), e.msg)).collect()
        }
        Network::UnorderedNonDuplicating(multiset) => {
            let mut envs: Vec<_> = multiset.iter().collect();
            envs.sort();
            envs.iter()
                .map(|(e, &n)| {
                    let copies = if n > 1 { format!(" ×{n}") } else { String::new() };
                    format!("{}→{} {:?}{copies}", node(e.src), node(e.dst), e.msg)
                })
                .collect()
        }
        Network::Ordered(queues) => queues
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|((src, dst), q)| format!("{}→{} {:?}", node(*src), node(*dst), q))
            .collect(),
    };
    parts.dedup();
    parts.join(", ")
}

fn expectation_name(e: &Expectation) -> &'static str {
    match e {
        Expectation::Always => "always",
        Expectation::Sometimes => "sometimes",
        Expectation::Eventually => "eventually",
    }
}

/// Runs `model` to completion and reports. `name` says what was checked.
pub fn run_check<M>(model: M, name: String, opts: CheckOptions) -> CheckReport
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Describe + Hash + Clone + PartialEq + Send + Sync + 'static,
    M::Action: Debug + Clone + PartialEq + Send + Sync + 'static,
{
    let start = Instant::now();
    let builder = model.checker().threads(opts.threads.max(1));
    match opts.strategy {
        Strategy::Bfs => summarize(builder.spawn_bfs().join(), name, opts, start),
        Strategy::Dfs => summarize(builder.spawn_dfs().join(), name, opts, start),
    }
}

fn summarize<M, C>(
    checker: C,
    model_name: String,
    opts: CheckOptions,
    start: Instant,
) -> CheckReport
where
    M: Model,
    M::State: Debug + Describe + Hash + Clone + PartialEq,
    M::Action: Debug + Clone + PartialEq,
    C: Checker<M>,
{
    let elapsed = start.elapsed().as_secs_f64();
    let model = checker.model();
    let mut discoveries = checker.discoveries();
    // Re-search only for counterexamples people will read: violated `always` properties.
    let violated: Vec<&'static str> = model
        .properties()
        .iter()
        .filter(|p| p.expectation == Expectation::Always && discoveries.contains_key(p.name))
        .map(|p| p.name)
        .collect();
    if !violated.is_empty() {
        discoveries.extend(shortest_discoveries(model, &violated));
    }
    let properties = model
        .properties()
        .into_iter()
        .map(|p| {
            let found = discoveries.remove(p.name);
            let verdict = match (&p.expectation, found.is_some()) {
                (Expectation::Sometimes, true) => Verdict::Reachable,
                (Expectation::Sometimes, false) => Verdict::Unreachable,
                (_, true) => Verdict::Violated,
                (_, false) => Verdict::Holds,
            };
            let explorer_path = found.as_ref().map(|path| path.encode(model));
            let (initial, path) = match found {
                Some(path) => {
                    let states = path.into_vec();
                    let initial = states.first().map(|(s, _)| s.describe());
                    let steps = states
                        .windows(2)
                        .filter_map(|w| {
                            let action = w[0].1.as_ref()?;
                            Some(Step {
                                action: model.format_action(action),
                                state: w[1].0.describe(),
                            })
                        })
                        .collect();
                    (initial, Some(steps))
                }
                None => (None, None),
            };
            PropertyReport {
                name: p.name.to_string(),
                expectation: expectation_name(&p.expectation),
                verdict,
                initial,
                path,
                explorer_path,
            }
        })
        .collect();
    let unique = checker.unique_state_count();
    CheckReport {
        model: model_name,
        properties,
        unique_states: unique,
        total_states: checker.state_count(),
        max_depth: checker.max_depth(),
        elapsed_secs: elapsed,
        states_per_sec: if elapsed > 0.0 { unique as f64 / elapsed } else { 0.0 },
        threads: opts.threads.max(1),
        strategy: opts.strategy,
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.model)?;
        writeln!(
            f,
            "{} unique states ({} generated), max depth {}, {:.3} s, {:.0} states/s, {} thread(s), {:?}",
            self.unique_states,
            self.total_states,
            self.max_depth,
            self.elapsed_secs,
            self.states_per_sec,
            self.threads,
            self.strategy
        )?;
        writeln!(f)?;
        for p in &self.properties {
            let mark = if p.verdict.is_pass() { "ok " } else { "FAIL" };
            writeln!(f, "  {mark} {:<10} {:<55} {}", p.expectation, p.name, p.verdict)?;
        }
        for p in self.properties.iter().filter(|p| !p.verdict.is_pass()) {
            let Some(steps) = &p.path else { continue };
            writeln!(f)?;
            writeln!(f, "Counterexample for \"{}\" ({} steps):", p.name, steps.len())?;
            if let Some(init) = &p.initial {
                writeln!(f, "  0. initial state")?;
                for line in init.lines() {
                    writeln!(f, "       {line}")?;
                }
            }
            for (i, step) in steps.iter().enumerate() {
                writeln!(f, "  {}. {}", i + 1, step.action)?;
                if i + 1 == steps.len() {
                    for line in step.state.lines() {
                        writeln!(f, "       {line}")?;
                    }
                }
            }
        }
        Ok(())
    }
}
