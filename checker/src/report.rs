//! Running an exhaustive check and summarising it: verdicts, state counts, speed and
//! counterexample paths, for people (`Display`) and machines (`serde`).

use serde::Serialize;
use stateright::actor::{Actor, ActorModelState, Id, Network};
use stateright::{Checker, Expectation, Model};
use std::fmt::{self, Debug, Write as _};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crate::liveness::{check_eventually, check_eventually_reduced, Limit, Liveness};
use crate::readable::{Counted, Stop};
use crate::shortest::shortest_discoveries;
use crate::symmetry::Representative;

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
    /// Decide `eventually` properties soundly on the extracted graph when it has at most this
    /// many states (0: keep stateright's dead-end-only verdicts). The pass keeps about 60 bytes
    /// per state (a fingerprint, goal bits and edges), far less than stateright's own search.
    pub liveness_limit: usize,
    /// Run the sound liveness pass on a thread of its own while stateright searches (it needs
    /// nothing from the search), rather than after the search. The pass is called off when a
    /// bound stops the search, and when the process reaches three quarters of
    /// [`CheckOptions::max_memory`] during the search (or all of it after): it is then run
    /// after the search as if this were off, in the memory the search leaves.
    pub liveness_beside: bool,
    /// Show progress on stderr while the search runs (after the first second).
    pub progress: bool,
    /// Stop exploring once about this many unique states are known (within a few milliseconds
    /// of search), making the check bounded: see [`CheckReport::complete`].
    pub max_states: Option<usize>,
    /// Stop exploring after this much wall time, making the check bounded.
    pub timeout: Option<std::time::Duration>,
    /// Stop exploring once the process's resident memory reaches this bound, making the check
    /// bounded: a search too large for the machine ends with a report instead of being killed
    /// by the operating system. Checked every 50 ms; Linux only (elsewhere it never triggers).
    pub max_memory: Option<MemoryLimit>,
}

/// A bound on the resident memory of a check ([`CheckOptions::max_memory`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryLimit {
    /// The bound, in bytes.
    pub bytes: u64,
    /// Whether the user gave it (`--max-memory`), or it is the default of the CLI
    /// ([`default_memory_limit`]); only the report's wording differs.
    pub given: bool,
}

impl MemoryLimit {
    /// The option that sets it, as reports name the bound that stopped a search.
    fn option(&self) -> String {
        let option = format!("--max-memory {}", format_bytes(self.bytes));
        if self.given {
            option
        } else {
            format!("{option} (the default: 3/4 of the memory available when the check started)")
        }
    }
}

/// The memory bound a check gets when none is given: three quarters of the memory available
/// when it starts (Linux's `MemAvailable`, or less if the process's control group has a memory
/// limit: in a container the OOM killer acts at the group's limit), so that a search too large
/// for the machine stops with a report before the operating system kills it. `None` where
/// neither can be read.
pub fn default_memory_limit() -> Option<MemoryLimit> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let available = read("/proc/meminfo").and_then(|m| meminfo_kb(&m, "MemAvailable:"));
    // cgroup v2, else v1 (whose unlimited value is a huge number rather than "max").
    let group = || match read("/sys/fs/cgroup/memory.max") {
        Some(max) => headroom(&max, &read("/sys/fs/cgroup/memory.current")?),
        None => headroom(
            &read("/sys/fs/cgroup/memory/memory.limit_in_bytes")?,
            &read("/sys/fs/cgroup/memory/memory.usage_in_bytes")?,
        ),
    };
    let group = group();
    let bytes = match (available, group) {
        (Some(a), Some(g)) => a.min(g),
        (a, g) => a.or(g)?,
    };
    Some(MemoryLimit { bytes: bytes / 4 * 3, given: false })
}

/// What a control group's memory limit leaves, from the contents of its limit and usage files;
/// `None` when it has no limit (`max`, or v1's near-2⁶³ stand-in) or the files do not parse.
fn headroom(limit: &str, usage: &str) -> Option<u64> {
    let limit: u64 = limit.trim().parse().ok().filter(|&l| l < 1 << 60)?;
    let usage: u64 = usage.trim().parse().ok()?;
    Some(limit.saturating_sub(usage))
}

/// Bytes the sound liveness pass holds per state, with room to spare (it keeps about 60: a
/// fingerprint, goal bits and edges).
const LIVENESS_BYTES_PER_STATE: u64 = 100;

/// The most states the sound liveness pass may extract when the check holds `resident` bytes
/// under a bound of `bound` bytes: `limit`, or fewer if the pass would not fit in what is left.
/// A graph larger than that keeps stateright's dead-end-only verdicts, and says so.
fn liveness_room(limit: usize, bound: u64, resident: u64) -> usize {
    let room = bound.saturating_sub(resident) / LIVENESS_BYTES_PER_STATE;
    limit.min(usize::try_from(room).unwrap_or(usize::MAX))
}

/// This process's resident memory in bytes (`VmRSS` in Linux's `/proc/self/status`); `None`
/// where it cannot be read.
pub fn resident_bytes() -> Option<u64> {
    meminfo_kb(&std::fs::read_to_string("/proc/self/status").ok()?, "VmRSS:")
}

/// The value of a `name   123 kB` line of a Linux `/proc` file, in bytes.
fn meminfo_kb(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line[name.len()..].trim().strip_suffix("kB")?.trim().parse().ok()?;
    kb.checked_mul(1024)
}

/// Bytes in decimal units, as `--max-memory` takes them: `512MB`, `17.2GB`.
pub fn format_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1}GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{}MB", b / 1_000_000),
        b => format!("{b}B"),
    }
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            threads: 1,
            strategy: Strategy::Bfs,
            liveness_limit: 10_000_000,
            liveness_beside: true,
            progress: false,
            max_states: None,
            timeout: None,
            max_memory: None,
        }
    }
}

/// Graphs up to this many states also get shortest `sometimes` examples (one more search).
pub const SHORTEST_EXAMPLES_LIMIT: usize = 1_000_000;

/// What counts as a fault for the liveness analysis's "finitely many faults" assumption.
pub type FaultFn<A> = fn(&A) -> bool;

/// The semantics of a sound `eventually` verdict.
pub const LIVENESS_SEMANTICS: &str = "sound on the whole reachable graph: no dead end and no fair \
cycle avoids the goal, under weak fairness of every action and finitely many crashes and losses";

/// What an `eventually` verdict decided with the graph reduced by symmetry says
/// ([`crate::liveness::check_eventually_reduced`]): the same as [`LIVENESS_SEMANTICS`], found
/// without exploring the whole graph.
pub const REDUCED_LIVENESS: &str = "sound, decided on the graph reduced by symmetry, its cycles \
judged on the representatives where they run through representatives only and unfolded into the \
states they stand for elsewhere: no dead end and no fair cycle avoids the goal, under weak \
fairness of every action and finitely many crashes and losses";

/// What a sound `eventually` verdict says when the model's boundary cut the graph: `n` states
/// just beyond it were reached and not explored.
pub fn bounded_liveness_semantics(n: usize) -> String {
    let condition = LIVENESS_SEMANTICS.split_once(": ").map_or(LIVENESS_SEMANTICS, |(_, c)| c);
    format!(
        "sound only inside the model's boundary (--max-in-network): {condition}; {n} states just \
         beyond the boundary were not explored, so a cycle through them is not seen"
    )
}

/// [`bounded_liveness_semantics`] for a verdict decided on the graph reduced by symmetry: `n`
/// classes of states just beyond the boundary were reached and not explored.
pub fn bounded_reduced_liveness_semantics(n: usize) -> String {
    let condition = REDUCED_LIVENESS.split_once(": ").map_or(REDUCED_LIVENESS, |(_, c)| c);
    format!(
        "sound only inside the model's boundary (--max-in-network), decided on the graph reduced \
         by symmetry: {condition}; {n} classes of states just beyond the boundary were not \
         explored, so a cycle through them is not seen"
    )
}

/// The semantics of stateright's own `eventually` verdict.
pub const STATERIGHT_LIVENESS: &str = "stateright 0.31: only dead ends are checked; a cycle \
that avoids the goal would pass (the graph was too large for the sound check)";

/// The semantics of an `eventually` verdict when a bound stopped the search early.
pub const BOUNDED_LIVENESS: &str = "bounded: only the explored states were searched, for dead \
ends where the goal never held (a dead end is a real counterexample; no cycle was looked for)";

/// A property's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// An `always` or `eventually` property held in every reachable state or path.
    Holds,
    /// An `always` or `eventually` property failed; the path is a counterexample.
    Violated,
    /// A `sometimes` property was witnessed; the path is an example.
    Reachable,
    /// A `sometimes` property is witnessed in no reachable state.
    Unreachable,
    /// A bounded check stopped early, and no explored state violates this `always` property:
    /// evidence, not proof.
    NotViolated,
    /// A bounded check stopped early before deciding this `sometimes` or `eventually` property.
    Undecided,
}

impl Verdict {
    /// Whether this outcome is what the property asks for.
    pub fn is_pass(self) -> bool {
        matches!(self, Verdict::Holds | Verdict::Reachable)
    }

    /// Whether this outcome shows that the property fails (a counterexample, or no example in a
    /// complete search).
    pub fn is_fail(self) -> bool {
        matches!(self, Verdict::Violated | Verdict::Unreachable)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "VIOLATED",
            Verdict::Reachable => "reachable",
            Verdict::Unreachable => "UNREACHABLE",
            Verdict::NotViolated => "not violated so far (bounded)",
            Verdict::Undecided => "undecided (bounded)",
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
    /// After a check reduced by symmetry: the same run, up to names, in the explorer reduced
    /// by the same representative ([`crate::symmetry::Reduced::translate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduced_explorer_path: Option<String>,
    /// For a liveness counterexample: the step at which the repeating cycle starts (the path
    /// from there on repeats forever); `None` for a dead end or a safety path.
    pub cycle_from: Option<usize>,
    /// For a liveness counterexample after a check reduced by symmetry: the step of
    /// `reduced_explorer_path` after which its cycle starts. That path may go round the cycle
    /// more than once, renamed, before it comes back to exactly the state where its cycle
    /// starts ([`crate::symmetry::Reduced::translate_lasso`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reduced_cycle_from: Option<usize>,
    /// What the verdict means, for `eventually` properties.
    pub semantics: Option<String>,
}

/// Why step `step` of a path cannot take action `ix` of the `count` its state offers.
pub(crate) fn no_such_action(step: usize, ix: usize, count: usize) -> String {
    let state = match step - 1 {
        0 => "the initial state".to_string(),
        before => format!("the state after step {before}"),
    };
    let offers = match count {
        0 => "is a dead end".to_string(),
        1 => "offers only action 0".to_string(),
        _ => format!("offers actions 0 to {}", count - 1),
    };
    format!("step {step} asks for action {ix}, but {state} {offers}")
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
    /// Wall time of stateright's search, in seconds.
    pub elapsed_s: f64,
    /// Unique states per second of wall time.
    pub states_per_s: f64,
    /// Wall time of the sound liveness analysis (graph extraction included), in seconds: of
    /// the pass beside the search when it decided, else of the pass after it (plus the time the
    /// pass beside ran before it was called off).
    pub liveness_s: f64,
    /// Whether the liveness verdicts came from the pass run beside the search
    /// ([`CheckOptions::liveness_beside`]).
    pub liveness_beside: bool,
    /// Wall time from the start of the check to this report, in seconds: the search, the
    /// liveness analysis where it outlasted the search, and the shortest paths.
    pub total_s: f64,
    /// Worker threads.
    pub threads: usize,
    /// Search order.
    pub strategy: Strategy,
    /// Whether every reachable state was explored. `false` only when a bound
    /// ([`CheckOptions::max_states`], [`CheckOptions::timeout`]) stopped the search first: then
    /// no verdict is a proof, a property without a counterexample is
    /// [`Verdict::NotViolated`] or [`Verdict::Undecided`], and the sound liveness pass is
    /// skipped.
    pub complete: bool,
    /// The bound that stopped the search early, as the option that set it (`--max-states 1000`,
    /// `--timeout 2s`); `None` for a complete search.
    pub stopped_by: Option<String>,
    /// Transitions out of explored states left unexplored because of the bound (0 when
    /// complete).
    pub unexplored_transitions: usize,
}

impl CheckReport {
    /// Whether every property got the verdict it asks for (never, for an incomplete search).
    pub fn passed(&self) -> bool {
        self.properties.iter().all(|p| p.verdict.is_pass())
    }

    /// Whether some property is shown to fail: a counterexample, or a `sometimes` property no
    /// reachable state witnesses.
    pub fn failed(&self) -> bool {
        self.properties.iter().any(|p| p.verdict.is_fail())
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

/// Runs `model` to completion and reports. `name` says what was checked; `faults` names the
/// fault actions for the sound liveness analysis.
pub fn run_check<M>(
    model: M,
    name: String,
    opts: CheckOptions,
    faults: FaultFn<M::Action>,
) -> CheckReport
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Describe + Hash + Eq + Clone + Send + Sync + 'static,
    M::Action: Debug + Hash + Eq + Clone + Send + Sync + 'static,
{
    run_check_reduced(model, name, opts, faults, None)
}

/// [`run_check`] with symmetry reduction: the search keeps one state of each class that
/// `representative` maps to the same state, and follows the state it reached first, so every
/// path it reports is a real run. The properties must treat the states of a class alike (see
/// [`crate::symmetry`]). stateright applies a representative only depth-first, so the search
/// is depth-first whatever `opts.strategy` says; the shortest counterexamples are searched
/// breadth-first with the same reduction. `eventually` is decided soundly on the reduced graph
/// ([`crate::liveness::check_eventually_reduced`]), or on the whole graph when the reduced one
/// cannot decide, when either fits (`opts.liveness_limit`).
pub fn run_check_reduced<M>(
    model: M,
    name: String,
    opts: CheckOptions,
    faults: FaultFn<M::Action>,
    representative: Option<Representative<M>>,
) -> CheckReport
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Describe + Hash + Eq + Clone + Send + Sync + 'static,
    M::Action: Debug + Hash + Eq + Clone + Send + Sync + 'static,
{
    check(model, name, opts, faults, representative, &AtomicBool::new(false))
}

/// [`run_check_reduced`], with the flag that calls off the liveness pass beside the search
/// (raised already, it is called off before it starts; raised on return if a bound stopped the
/// search).
fn check<M>(
    model: M,
    name: String,
    mut opts: CheckOptions,
    faults: FaultFn<M::Action>,
    representative: Option<Representative<M>>,
    cancel: &AtomicBool,
) -> CheckReport
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Describe + Hash + Eq + Clone + Send + Sync + 'static,
    M::Action: Debug + Hash + Eq + Clone + Send + Sync + 'static,
{
    let start = Instant::now();
    let expanded = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(Stop::default());
    let model = Counted::new(model, expanded.clone(), stop.clone());
    let mut builder = model.checker().threads(opts.threads.max(1));
    if let Some(rep) = representative {
        builder = builder.symmetry_fn(rep);
        opts.strategy = Strategy::Dfs;
    }
    let polls = std::cell::Cell::new(0);
    let explored = AtomicUsize::new(0);
    let pass = Pass { cancel, explored: &explored };
    let watch = Watch { opts: &opts, start, expanded: &expanded, stop: &stop, polls, pass };
    let run = Run { opts: &opts, start, faults, stop: &stop, representative, pass };
    match opts.strategy {
        Strategy::Bfs => finish(builder.spawn_bfs(), name, &watch, &run),
        Strategy::Dfs => finish(builder.spawn_dfs(), name, &watch, &run),
    }
}

/// What [`summarize`] needs to know of the run.
struct Run<'a, M: Model> {
    opts: &'a CheckOptions,
    start: Instant,
    faults: FaultFn<M::Action>,
    stop: &'a Stop,
    representative: Option<Representative<M>>,
    pass: Pass<'a>,
}

/// How the liveness pass beside the search is called off and shows its progress.
#[derive(Clone, Copy)]
struct Pass<'a> {
    /// Raised to call it off.
    cancel: &'a AtomicBool,
    /// The states of the graph it is exploring.
    explored: &'a AtomicUsize,
}

/// Sound liveness verdicts, and whether they were decided on the graph reduced by symmetry.
type Verdicts<M> = (Vec<Liveness<<M as Model>::State, <M as Model>::Action>>, bool);

/// The liveness pass running beside the search: its verdicts (`None` when no graph fitted or
/// it was called off) and its wall time in seconds.
type Beside<'scope, M> = std::thread::ScopedJoinHandle<'scope, (Option<Verdicts<M>>, f64)>;

/// Waits for the search, with the sound liveness pass running beside it on a thread of its own
/// when there is one to run ([`CheckOptions::liveness_beside`]), and reports. The pass explores
/// the model itself, not through the counting wrapper: it must neither count as the search's
/// progress nor be stopped with it.
fn finish<M, C>(
    checker: C,
    name: String,
    watch: &Watch<'_>,
    run: &Run<'_, Counted<M>>,
) -> CheckReport
where
    M: Model + Sync,
    M::State: Debug + Describe + Hash + Eq + Clone + Send,
    M::Action: Debug + Hash + Eq + Clone + Send,
    C: Checker<Counted<M>>,
{
    let model = checker.model();
    let eventually =
        model.properties().iter().any(|p| matches!(p.expectation, Expectation::Eventually));
    let wanted = run.opts.liveness_beside && run.opts.liveness_limit > 0 && eventually;
    let inner = model.shared();
    std::thread::scope(|scope| {
        let beside = wanted.then(|| {
            let inner = &*inner;
            let limit = Limit {
                states: run.opts.liveness_limit,
                cancel: Some(run.pass.cancel),
                explored: Some(run.pass.explored),
            };
            let (faults, representative) = (run.faults, run.representative);
            scope.spawn(move || {
                let t = Instant::now();
                let verdicts = liveness_verdicts(inner, limit, faults, representative);
                (verdicts, t.elapsed().as_secs_f64())
            })
        });
        let (checker, stopped_by) = watch.run(checker, beside.is_some());
        summarize(&checker, name, run, watch, stopped_by, beside)
    })
}

/// Waits for a search: shows its progress, and stops it at the bounds of [`CheckOptions`].
struct Watch<'a> {
    opts: &'a CheckOptions,
    start: Instant,
    expanded: &'a AtomicUsize,
    stop: &'a Stop,
    /// Polls since the resident memory was last read.
    polls: std::cell::Cell<u32>,
    /// The liveness pass beside the search: called off when memory runs short, and shown.
    pass: Pass<'a>,
}

/// How many polls [`Watch`] lets pass between two reads of the resident memory (about 50 ms).
const MEMORY_POLLS: u32 = 25;

/// How often [`Watch`] asks whether the search has finished: the reported time is late by at
/// most this much.
const POLL: std::time::Duration = std::time::Duration::from_millis(2);

impl Watch<'_> {
    /// Waits for the search to finish, showing its progress on stderr when asked: refreshed in
    /// place on a terminal, a line at once and then every five seconds otherwise. Quiet for the
    /// first second, so short checks print nothing. The queue is the states discovered but not
    /// yet expanded. Raises the stop at the first bound reached and returns which one, as its
    /// option; the model behaves normally again when this returns. With a liveness pass
    /// `beside` the search, calls it off when a bound stops the search, or when the process
    /// holds three quarters of the memory bound: the search, whose verdicts come first, keeps
    /// the last quarter.
    fn run<M: Model, C: Checker<M>>(&self, checker: C, beside: bool) -> (C, Option<String>) {
        let mut stopped_by = None;
        self.show(&checker, &mut stopped_by, beside);
        let checker = checker.join();
        self.stop.lower();
        if stopped_by.is_some() {
            self.pass.cancel.store(true, Ordering::Relaxed);
        }
        (checker, stopped_by)
    }

    fn bound_reached<M: Model, C: Checker<M>>(&self, checker: &C, beside: bool) -> Option<String> {
        if let Some(max) = self.opts.max_states.filter(|&m| checker.unique_state_count() >= m) {
            return Some(format!("--max-states {max}"));
        }
        if let Some(timeout) = self.opts.timeout.filter(|&t| self.start.elapsed() >= t) {
            return Some(format!("--timeout {}s", timeout.as_secs_f64()));
        }
        let (limit, resident) = self.memory()?;
        if beside && resident >= limit.bytes / 4 * 3 {
            self.pass.cancel.store(true, Ordering::Relaxed);
        }
        (resident >= limit.bytes).then(|| limit.option())
    }

    /// The memory bound and the process's resident memory, read on one poll in
    /// [`MEMORY_POLLS`] (reading `/proc` every poll would cost more than the poll); `None` on
    /// the others, or without a bound.
    fn memory(&self) -> Option<(MemoryLimit, u64)> {
        let limit = self.opts.max_memory?;
        let polls = self.polls.get() + 1;
        self.polls.set(polls % MEMORY_POLLS);
        if polls < MEMORY_POLLS {
            return None;
        }
        Some((limit, resident_bytes()?))
    }

    fn show<M: Model, C: Checker<M>>(
        &self,
        checker: &C,
        stopped_by: &mut Option<String>,
        beside: bool,
    ) {
        let mut display = Progress::new(self.opts.progress);
        while !checker.is_done() {
            // Poll often, so that the time reported (and states per second) is the search's own
            // and not rounded up to the refresh interval, and a bound stops the search promptly;
            // refresh the display every 100 ms at most.
            std::thread::sleep(POLL);
            if stopped_by.is_none() {
                if let Some(bound) = self.bound_reached(checker, beside) {
                    self.stop.raise();
                    *stopped_by = Some(bound);
                }
            }
            let t = self.start.elapsed().as_secs_f64();
            if !display.due(t) {
                continue;
            }
            let (unique, total) = (checker.unique_state_count(), checker.state_count());
            let queue = unique.saturating_sub(self.expanded.load(Ordering::Relaxed));
            let mut line = format!(
                "exploring: {unique} unique states, {total} generated, {:.0} states/s, queue {queue}, depth {}, {t:.1} s",
                unique as f64 / t,
                checker.max_depth()
            );
            if beside {
                let explored = self.pass.explored.load(Ordering::Relaxed);
                let _ = write!(line, "; liveness pass {explored} states");
            }
            display.show(t, &line);
        }
        display.clear();
    }

    /// Waits for the liveness pass beside the search to end, showing its progress when asked
    /// and calling it off if the process reaches the memory bound meanwhile; returns what it
    /// decided and its wall time.
    fn wait<M: Model>(&self, pass: Beside<'_, M>) -> (Option<Verdicts<M>>, f64) {
        let mut display = Progress::new(self.opts.progress);
        while !pass.is_finished() {
            std::thread::sleep(POLL);
            if self.memory().is_some_and(|(limit, resident)| resident >= limit.bytes) {
                self.pass.cancel.store(true, Ordering::Relaxed);
            }
            let t = self.start.elapsed().as_secs_f64();
            if display.due(t) {
                let explored = self.pass.explored.load(Ordering::Relaxed);
                display.show(t, &format!("liveness pass: {explored} states, {t:.1} s"));
            }
        }
        display.clear();
        pass.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// A progress line on stderr: refreshed in place at most every 100 ms on a terminal, otherwise
/// printed at once and then every five seconds; nothing in the first second, nothing if off.
struct Progress {
    on: bool,
    tty: bool,
    shown: bool,
    last_line: f64,
    last_shown: f64,
}

impl Progress {
    fn new(on: bool) -> Self {
        use std::io::IsTerminal;
        let never = f64::NEG_INFINITY;
        let tty = std::io::stderr().is_terminal();
        Progress { on, tty, shown: false, last_line: never, last_shown: never }
    }

    /// Whether a line is due at `t` seconds from the start of the check.
    fn due(&mut self, t: f64) -> bool {
        if !self.on || t < 1.0 || t - self.last_shown < 0.1 {
            return false;
        }
        self.last_shown = t;
        true
    }

    fn show(&mut self, t: f64, line: &str) {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
            self.shown = true;
        } else if t - self.last_line >= 5.0 {
            let _ = writeln!(err, "{line}");
            self.last_line = t;
        }
    }

    /// Clears a line shown in place.
    fn clear(&mut self) {
        use std::io::Write;
        if std::mem::take(&mut self.shown) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

/// The sound `eventually` verdicts of `model`, when a graph fits in `limit` and the pass is not
/// called off. With a reduction they are decided on the reduced graph, which is much smaller,
/// and on the whole graph when the reduced one cannot decide.
fn liveness_verdicts<M>(
    model: &M,
    limit: Limit<'_>,
    faults: FaultFn<M::Action>,
    representative: Option<Representative<M>>,
) -> Option<Verdicts<M>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    if limit.states == 0 {
        return None;
    }
    let reduced =
        representative.and_then(|rep| check_eventually_reduced(model, limit, &faults, rep));
    match reduced {
        Some(verdicts) => Some((verdicts, true)),
        None => check_eventually(model, limit, &faults).map(|v| (v, false)),
    }
}

/// Replaces stateright's `eventually` verdicts by the sound analysis's, or says that they are
/// stateright's own when no graph fitted.
fn apply_liveness<M>(model: &M, report: &mut CheckReport, verdicts: Option<Verdicts<M>>)
where
    M: Model,
    M::State: Debug + Describe + Hash + Eq + Clone,
    M::Action: Debug + Hash + Eq + Clone,
{
    let Some((verdicts, on_reduced)) = verdicts else {
        for p in report.properties.iter_mut().filter(|p| p.expectation == "eventually") {
            p.semantics = Some(STATERIGHT_LIVENESS.into());
        }
        return;
    };
    for v in verdicts {
        let Some(p) = report.properties.iter_mut().find(|p| p.name == v.property) else { continue };
        p.semantics = Some(match (v.outside_boundary, on_reduced) {
            (0, false) => LIVENESS_SEMANTICS.into(),
            (0, true) => REDUCED_LIVENESS.into(),
            (n, false) => bounded_liveness_semantics(n),
            (n, true) => bounded_reduced_liveness_semantics(n),
        });
        p.explorer_path = None;
        match v.counterexample {
            None => {
                p.verdict = Verdict::Holds;
                p.path = None;
                p.initial = None;
                p.cycle_from = None;
            }
            Some(lasso) => {
                p.verdict = Verdict::Violated;
                p.initial = Some(lasso.init.describe());
                let step = |(a, s): (M::Action, M::State)| Step {
                    action: model.format_action(&a),
                    state: s.describe(),
                };
                let prefix_len = lasso.prefix.len();
                let has_cycle = !lasso.cycle.is_empty();
                // The explorer walks the prefix and one turn of the cycle.
                let actions = lasso.prefix.iter().chain(&lasso.cycle).map(|(a, _)| a);
                p.explorer_path =
                    stateright::Path::from_actions(model, lasso.init.clone(), actions)
                        .map(|path| path.encode(model));
                let mut steps: Vec<Step> = lasso.prefix.into_iter().map(step).collect();
                steps.extend(lasso.cycle.into_iter().map(step));
                p.path = Some(steps);
                p.cycle_from = has_cycle.then_some(prefix_len);
            }
        }
    }
}

fn summarize<M, C>(
    checker: &C,
    model_name: String,
    run: &Run<'_, M>,
    watch: &Watch<'_>,
    stopped_by: Option<String>,
    beside: Option<Beside<'_, M>>,
) -> CheckReport
where
    M: Model,
    M::State: Debug + Describe + Hash + Eq + Clone,
    M::Action: Debug + Hash + Eq + Clone,
    C: Checker<M>,
{
    let Run { opts, start, faults, stop, representative, pass: beside_pass } = *run;
    let elapsed = start.elapsed().as_secs_f64();
    let model = checker.model();
    let mut discoveries = checker.discoveries();
    // Re-search for the paths people will read: violated `always` properties, and `sometimes`
    // examples when the graph is small enough that a second search costs little.
    let examples = checker.unique_state_count() <= SHORTEST_EXAMPLES_LIMIT;
    let violated: Vec<&'static str> = model
        .properties()
        .iter()
        .filter(|p| match p.expectation {
            Expectation::Always => true,
            Expectation::Sometimes => examples,
            Expectation::Eventually => false,
        })
        .filter(|p| discoveries.contains_key(p.name))
        .map(|p| p.name)
        .collect();
    // A bound that stopped the search after it had explored everything leaves it complete.
    let complete = stop.withheld() == 0;
    if !violated.is_empty() {
        let limit = (!complete).then(|| checker.unique_state_count());
        discoveries.extend(shortest_discoveries(model, &violated, limit, representative));
    }
    let properties = model
        .properties()
        .into_iter()
        .map(|p| {
            let found = discoveries.remove(p.name);
            let verdict = match (&p.expectation, found.is_some(), complete) {
                (Expectation::Sometimes, true, _) => Verdict::Reachable,
                (Expectation::Sometimes, false, true) => Verdict::Unreachable,
                (Expectation::Always, false, false) => Verdict::NotViolated,
                (_, false, false) => Verdict::Undecided,
                (_, true, _) => Verdict::Violated,
                (_, false, true) => Verdict::Holds,
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
                reduced_explorer_path: None,
                cycle_from: None,
                reduced_cycle_from: None,
                semantics: None,
            }
        })
        .collect();
    let unique = checker.unique_state_count();
    let mut report = CheckReport {
        model: model_name,
        properties,
        unique_states: unique,
        total_states: checker.state_count() - stop.looped(),
        max_depth: checker.max_depth(),
        elapsed_s: elapsed,
        states_per_s: if elapsed > 0.0 { unique as f64 / elapsed } else { 0.0 },
        liveness_s: 0.0,
        liveness_beside: false,
        total_s: 0.0,
        threads: opts.threads.max(1),
        strategy: opts.strategy,
        complete,
        stopped_by: stopped_by.filter(|_| !complete),
        unexplored_transitions: stop.withheld(),
    };
    if !complete {
        // Only stateright's dead ends were checked, and only among the explored states. (The
        // watch has called the pass beside off; it ends when the scope does.)
        for p in report.properties.iter_mut().filter(|p| p.expectation == "eventually") {
            p.semantics = Some(BOUNDED_LIVENESS.into());
        }
        report.total_s = start.elapsed().as_secs_f64();
        return report;
    }
    if report.properties.iter().any(|p| p.expectation == "eventually") {
        let (mut verdicts, mut spent) = (None, 0.0);
        if let Some(pass) = beside {
            (verdicts, spent) = watch.wait::<M>(pass);
            report.liveness_beside =
                verdicts.is_some() || !beside_pass.cancel.load(Ordering::Relaxed);
        }
        if !report.liveness_beside {
            // Called off for memory, or not run beside: run it now in what the search left.
            let live = Instant::now();
            let states = match opts.max_memory {
                Some(m) => {
                    liveness_room(opts.liveness_limit, m.bytes, resident_bytes().unwrap_or(0))
                }
                None => opts.liveness_limit,
            };
            verdicts = liveness_verdicts(model, states.into(), faults, representative);
            spent += live.elapsed().as_secs_f64();
        }
        apply_liveness(model, &mut report, verdicts);
        report.liveness_s = spent;
    }
    report.total_s = start.elapsed().as_secs_f64();
    report
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.model)?;
        writeln!(
            f,
            "{} unique states ({} generated), max depth {}, {:.3} s, {:.0} states/s, {} thread(s), {:?}; liveness {:.3} s{}; {:.3} s in all",
            self.unique_states,
            self.total_states,
            self.max_depth,
            self.elapsed_s,
            self.states_per_s,
            self.threads,
            self.strategy,
            self.liveness_s,
            if self.liveness_beside { " beside the search" } else { "" },
            self.total_s
        )?;
        if let Some(bound) = &self.stopped_by {
            writeln!(
                f,
                "BOUNDED: {bound} stopped the search, leaving {} transitions unexplored: no verdict below is a proof",
                self.unexplored_transitions
            )?;
        }
        writeln!(f)?;
        // Names line up in a column at least 55 wide, and wider than the longest name.
        let width = self.properties.iter().map(|p| p.name.chars().count() + 1).fold(55, usize::max);
        for p in &self.properties {
            let mark = match p.verdict {
                v if v.is_pass() => "ok ",
                v if v.is_fail() => "FAIL",
                _ => " ?  ",
            };
            writeln!(f, "  {mark} {:<10} {:<width$} {}", p.expectation, p.name, p.verdict)?;
        }
        if let Some(sem) = self.properties.iter().find_map(|p| p.semantics.as_ref()) {
            writeln!(f, "  (eventually: {sem})")?;
        }
        for p in self.properties.iter().filter(|p| !p.verdict.is_pass()) {
            if p.path.is_some() {
                writeln!(f)?;
                write_path(f, "Counterexample", p)?;
            }
        }
        Ok(())
    }
}

impl CheckReport {
    /// The path found for property `name` (a counterexample, or a `sometimes` example), printed
    /// step by step under `heading`, if there is one.
    pub fn path_text(&self, name: &str, heading: &str) -> Option<String> {
        let p = self.properties.iter().find(|p| p.name == name && p.path.is_some())?;
        let mut s = String::new();
        write_path(&mut s, heading, p).ok()?;
        Some(s)
    }
}

/// Prints a property's path: the initial state, each action, and the states that matter (the
/// last one, and where a liveness cycle starts).
fn write_path(f: &mut impl fmt::Write, heading: &str, p: &PropertyReport) -> fmt::Result {
    let Some(steps) = &p.path else { return Ok(()) };
    writeln!(f, "{heading} for \"{}\" ({} steps):", p.name, steps.len())?;
    if let Some(init) = &p.initial {
        writeln!(f, "  0. initial state")?;
        for line in init.lines() {
            writeln!(f, "       {line}")?;
        }
    }
    for (i, step) in steps.iter().enumerate() {
        if p.cycle_from == Some(i) {
            writeln!(f, "  -- from here the cycle repeats forever, never reaching the goal --")?;
        }
        writeln!(f, "  {}. {}", i + 1, step.action)?;
        let loop_entry = p.cycle_from.is_some_and(|c| c > 0 && i + 1 == c);
        if i + 1 == steps.len() || loop_entry {
            for line in step.state.lines() {
                writeln!(f, "       {line}")?;
            }
        }
    }
    if p.cycle_from.is_none() && p.expectation == "eventually" {
        writeln!(f, "  -- a dead end: nothing more can happen, and the goal never held --")?;
    }
    Ok(())
}

/// A path re-run step by step, with what each property says along it.
#[derive(Clone, Debug, Serialize)]
pub struct ReplayReport {
    /// The initial state.
    pub initial: String,
    /// Each step: the action and the state it led to.
    pub steps: Vec<Step>,
    /// For each `always` property violated somewhere on the path: its name and the first step
    /// (0 = the initial state) where it fails.
    pub violations: Vec<(String, usize)>,
    /// The `sometimes` properties witnessed on the path, with the first step.
    pub witnessed: Vec<(String, usize)>,
}

/// The indices of an explorer path, `i0/i1/…` (a leading `#/steps/` and empty parts are
/// skipped).
pub fn parse_path(path: &str) -> Result<Vec<usize>, String> {
    let parts = path.trim().trim_start_matches("#/steps/").split('/').filter(|s| !s.is_empty());
    parts.map(|s| s.parse().map_err(|_| format!("'{s}' in '{path}' is not an index"))).collect()
}

/// Re-runs an explorer path (`i0/i1/…`: the initial state's index, then each action's index
/// among the state's actions, as `inflight check` prints it) deterministically, and evaluates
/// every property on every state along it. An index that does not exist is an error: the model
/// has changed since the path was recorded.
pub fn replay<M>(model: &M, path: &str) -> Result<ReplayReport, String>
where
    M: Model,
    M::State: Describe,
    M::Action: Debug,
{
    let indices = parse_path(path).map_err(|e| format!("--replay: {e}"))?;
    let (&first, indices) = indices.split_first().ok_or("--replay: the path is empty")?;
    let inits = model.init_states();
    let mut state = inits
        .into_iter()
        .nth(first)
        .ok_or_else(|| format!("--replay: there is no initial state {first}"))?;
    let props = model.properties();
    let mut violations: Vec<(String, usize)> = Vec::new();
    let mut witnessed: Vec<(String, usize)> = Vec::new();
    let judge =
        |s: &M::State, at: usize, v: &mut Vec<(String, usize)>, w: &mut Vec<(String, usize)>| {
            for p in &props {
                let holds = (p.condition)(model, s);
                let seen = |list: &Vec<(String, usize)>| list.iter().any(|(n, _)| n == p.name);
                match p.expectation {
                    Expectation::Always if !holds && !seen(v) => v.push((p.name.to_string(), at)),
                    Expectation::Sometimes if holds && !seen(w) => w.push((p.name.to_string(), at)),
                    _ => {}
                }
            }
        };
    judge(&state, 0, &mut violations, &mut witnessed);
    let initial = state.describe();
    let mut steps = Vec::new();
    for (n, &ix) in indices.iter().enumerate() {
        let mut actions = Vec::new();
        model.actions(&state, &mut actions);
        let count = actions.len();
        let action = actions.into_iter().nth(ix).ok_or_else(|| {
            format!(
                "--replay: {}; was the path printed for these options (a path for the explorer \
                 reduced by symmetry replays only with --symmetry)?",
                no_such_action(n + 1, ix, count)
            )
        })?;
        let label = model.format_action(&action);
        state = model
            .next_state(&state, action)
            .ok_or_else(|| format!("--replay: step {} ({label}) is ignored by the model", n + 1))?;
        judge(&state, n + 1, &mut violations, &mut witnessed);
        steps.push(Step { action: label, state: state.describe() });
    }
    Ok(ReplayReport { initial, steps, violations, witnessed })
}

impl fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  0. initial state")?;
        for line in self.initial.lines() {
            writeln!(f, "       {line}")?;
        }
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "  {}. {}", i + 1, s.action)?;
            for line in s.state.lines() {
                writeln!(f, "       {line}")?;
            }
        }
        if self.violations.is_empty() {
            writeln!(f, "no always-property is violated on this path")?;
        }
        for (name, at) in &self.violations {
            writeln!(f, "VIOLATED \"{name}\" at step {at}")?;
        }
        for (name, at) in &self.witnessed {
            writeln!(f, "witnessed \"{name}\" at step {at}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod memory_tests {
    use super::*;

    #[test]
    fn a_pass_beside_called_off_is_run_again_after_the_search() {
        // What happens when memory runs short during the search: the pass beside stops with
        // no verdicts, and the pass after the search decides, with the same verdicts.
        use crate::liveness::actor_faults;
        use crate::network::NetworkKind;
        use crate::replication::{props, ReplicationCfg};
        let cycle = ReplicationCfg {
            writes: 2,
            network: NetworkKind::Duplicating,
            lossy: true,
            retransmit: true,
            fault: inflight_core::replication::Fault::ResendNewestOnly,
            ..ReplicationCfg::default()
        };
        let opts = CheckOptions::default();
        let off = AtomicBool::new(true);
        let late = check(cycle.into_model(), String::new(), opts, actor_faults, None, &off);
        let usual = run_check(cycle.into_model(), String::new(), opts, actor_faults);
        assert!(!late.liveness_beside && usual.liveness_beside);
        let said = |r: &CheckReport| format!("{:?}", r.properties);
        assert_eq!(said(&late), said(&usual));
        let p = late.property(props::ALL_COMMITTED_EVENTUALLY).expect("property");
        assert!(p.verdict.is_fail() && p.cycle_from.is_some(), "{p:?}");
        assert_eq!(p.semantics.as_deref(), Some(LIVENESS_SEMANTICS));
    }

    #[test]
    fn a_bound_that_stops_the_search_calls_the_pass_beside_off() {
        // 123,194 states in all: a bound of 2,000 stops the search long before it would end,
        // and the watch must raise the flag, or the pass would run on for nothing. A complete
        // search leaves it down.
        use crate::liveness::actor_faults;
        use crate::replication::ReplicationCfg;
        let cfg = ReplicationCfg { replicas: 3, window: 3, writes: 5, ..ReplicationCfg::default() };
        let bounded = CheckOptions { max_states: Some(2_000), ..CheckOptions::default() };
        let flag = AtomicBool::new(false);
        let r = check(cfg.into_model(), String::new(), bounded, actor_faults, None, &flag);
        assert!(!r.complete && r.stopped_by.is_some(), "{r}");
        assert!(flag.load(Ordering::Relaxed), "the bound did not call the pass off");

        let flag = AtomicBool::new(false);
        let opts = CheckOptions::default();
        let r = check(cfg.into_model(), String::new(), opts, actor_faults, None, &flag);
        assert!(r.complete && r.liveness_beside, "{r}");
        assert!(!flag.load(Ordering::Relaxed), "a complete search called the pass off");
    }

    #[test]
    fn proc_lines_are_read_in_bytes_and_bad_ones_are_none() {
        let text = "MemTotal:       24576000 kB\nMemAvailable:    1000 kB\nVmRSS:\t  2048 kB\n";
        assert_eq!(meminfo_kb(text, "MemAvailable:"), Some(1_024_000));
        assert_eq!(meminfo_kb(text, "VmRSS:"), Some(2_097_152));
        assert_eq!(meminfo_kb(text, "SwapFree:"), None);
        assert_eq!(meminfo_kb("VmRSS: many kB\n", "VmRSS:"), None);
        assert_eq!(meminfo_kb("VmRSS: 12 MB\n", "VmRSS:"), None);
    }

    #[test]
    fn the_liveness_pass_gets_only_the_states_that_fit_under_the_memory_bound() {
        // 1 GB bound, 400 MB held: 600 MB left, room for 6 million states at 100 B each.
        assert_eq!(liveness_room(10_000_000, 1_000_000_000, 400_000_000), 6_000_000);
        assert_eq!(liveness_room(10_000_000, 100_000_000_000, 400_000_000), 10_000_000);
        assert_eq!(liveness_room(10_000_000, 1_000_000_000, 2_000_000_000), 0);
    }

    #[test]
    fn a_control_groups_limit_leaves_its_headroom_and_no_limit_leaves_none() {
        assert_eq!(headroom("8589934592\n", "2147483648\n"), Some(6_442_450_944));
        assert_eq!(headroom("max\n", "2147483648\n"), None);
        assert_eq!(headroom("9223372036854771712\n", "11538837504\n"), None);
        assert_eq!(headroom("1000\n", "3000\n"), Some(0));
        assert_eq!(headroom("1000\n", "much\n"), None);
    }

    #[test]
    fn the_default_memory_limit_is_three_quarters_of_what_is_available() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let limit = default_memory_limit().expect("Linux has /proc/meminfo");
        assert!(!limit.given);
        let rss = resident_bytes().expect("Linux has /proc/self/status");
        assert!(rss > 0 && limit.bytes > rss, "{limit:?} {rss}");
        assert!(limit.option().starts_with("--max-memory ") && limit.option().contains("default"));
        assert_eq!(MemoryLimit { bytes: 40_000_000, given: true }.option(), "--max-memory 40MB");
        assert_eq!(format_bytes(17_234_000_000), "17.2GB");
        assert_eq!(format_bytes(999), "999B");
    }
}

#[cfg(test)]
mod replay_tests {
    use super::no_such_action;

    #[test]
    fn a_step_past_the_actions_names_the_state_and_what_it_offers() {
        let said = no_such_action(1, 3, 2);
        assert_eq!(said, "step 1 asks for action 3, but the initial state offers actions 0 to 1");
        let said = no_such_action(4, 1, 1);
        assert_eq!(
            said,
            "step 4 asks for action 1, but the state after step 3 offers only action 0"
        );
        let said = no_such_action(16, 0, 0);
        assert_eq!(said, "step 16 asks for action 0, but the state after step 15 is a dead end");
    }
}
