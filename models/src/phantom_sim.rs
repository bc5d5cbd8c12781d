//! Monte Carlo of the phantom-deadlock law on the simulator, driving the core's processes,
//! sites and detector (MODELS.md §4, model A).
//!
//! One trial: `n` processes, each on its own site's resource, form the cycle p0 → p1 → … → p0
//! at tick 0 (process i holds resource i and waits for resource i + 1, which process i + 1
//! holds). Each wait has an independent Exp(μ) patience, after which the process gives up and
//! its edge goes. Processes sit next to their sites (no delay); every site's link to the
//! detector, and back, takes δ. So the sites' reports, all taken at tick 0, reach the detector at
//! δ: the snapshot model A, whose declaration is a phantom with probability 1 − e^(−nμδ).
//!
//! The observer checks each declaration against the sites' lock tables at the instant it is
//! made. The naive detector declares at δ; the confirming detector asks the sites (they answer
//! at 2δ and pin the confirmed edges) and declares at 3δ, when the cycle still holds, or not at
//! all: it declares with probability e^(−2nμδ) and never declares a phantom.

use crate::sim::{Client, LinkSpec, Sim};
use inflight_core::deadlock::{
    Cmd, CmdError, Config, DetectorKind, Event, Fault, Layout, Node, WaitFor,
};
use inflight_core::rng::SplitMix64;
use inflight_core::{Duration, Instant, NodeId};

/// The most processes (and sites) a trial holds.
pub const MAX_N: usize = 16;

type DlNode = Node<MAX_N, MAX_N, 1>;

/// A Monte Carlo experiment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhantomExperiment {
    /// Edges in the cycle (2 ..= [`MAX_N`]).
    pub n: u8,
    /// Release rate μ of each edge, per second.
    pub mu_per_s: f64,
    /// The report delay δ, in ticks.
    pub delta: Duration,
    /// Seconds per tick.
    pub tick_secs: f64,
    /// Which detector runs.
    pub detector: DetectorKind,
    /// The protocol variant.
    pub fault: Fault,
    /// Independent trials.
    pub trials: u32,
    /// Seed of the patience draws.
    pub seed: u64,
}

/// What the trials measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhantomCounts {
    /// Trials run.
    pub trials: u32,
    /// Trials in which the detector declared a deadlock.
    pub declared: u32,
    /// Declarations of a cycle that was not in the sites' tables at that instant.
    pub phantoms: u32,
}

impl PhantomCounts {
    /// The measured false-positive rate: phantoms per trial.
    pub fn phantom_rate(&self) -> f64 {
        self.phantoms as f64 / self.trials.max(1) as f64
    }

    /// The measured declaration rate.
    pub fn declared_rate(&self) -> f64 {
        self.declared as f64 / self.trials.max(1) as f64
    }
}

/// Why an experiment cannot run.
#[derive(Clone, Debug, PartialEq)]
pub struct ExperimentError(pub String);

impl std::fmt::Display for ExperimentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExperimentError {}

/// The application: sets up the cycle, with patience drawn per wait, and watches declarations.
struct CycleApp {
    n: u8,
    /// Commands ready to issue.
    queue: Vec<(NodeId, Cmd)>,
    patience: Vec<Duration>,
    declared: Option<bool>,
    refused: u32,
}

impl Client<DlNode> for CycleApp {
    fn next(&mut self, _now: Instant) -> Option<(NodeId, Cmd)> {
        self.queue.pop()
    }

    fn result(&mut self, _now: Instant, _node: NodeId, result: Result<(), CmdError>) {
        if result.is_err() {
            self.refused += 1;
        }
    }

    fn on_event(&mut self, _: Instant, _: NodeId, _: &Event<MAX_N>, _: &mut DlNode) {}

    fn on_event_with_group(
        &mut self,
        _now: Instant,
        node: NodeId,
        event: &Event<MAX_N>,
        group: &mut [DlNode],
    ) {
        match *event {
            Event::Acquired(r) if r == node.0 => {
                // Holding its own resource, the process asks for the next one, patiently.
                let resource = (node.0 + 1) % self.n;
                let patience = Some(self.patience[node.0 as usize]);
                self.queue.push((node, Cmd::Acquire { resource, patience }));
            }
            Event::Declared(cycle) if self.declared.is_none() => {
                let truth = group
                    .iter()
                    .filter_map(|m| m.as_site())
                    .fold(WaitFor::new(), |g, s| g.union(&s.edges()));
                self.declared = Some(!truth.contains(&cycle));
            }
            _ => {}
        }
    }
}

/// Draws an Exp(μ) time and rounds it up to whole ticks (so P(T ≤ d ticks) = 1 − e^(−μ·d·tick)
/// exactly).
fn exp_ticks(rng: &mut SplitMix64, mu_per_s: f64, tick_secs: f64) -> Duration {
    let secs = crate::sim::exp1(rng) / mu_per_s;
    Duration((secs / tick_secs).ceil().max(1.0) as u64)
}

/// Runs the trials.
pub fn run(e: &PhantomExperiment) -> Result<PhantomCounts, ExperimentError> {
    if e.n < 2 || e.n as usize > MAX_N {
        return Err(ExperimentError(format!("n = {}: a cycle of 2 to {MAX_N} edges", e.n)));
    }
    if !(e.mu_per_s > 0.0 && e.mu_per_s.is_finite() && e.tick_secs > 0.0) {
        return Err(ExperimentError("μ and the tick must be positive".into()));
    }
    let config = Config {
        layout: Layout { processes: e.n, sites: e.n, resources: e.n },
        detector: e.detector,
        fault: e.fault,
    };
    let layout = config.layout;
    let mut rng = SplitMix64::new(e.seed);
    let mut counts = PhantomCounts::default();
    for _ in 0..e.trials {
        let nodes = (0..layout.nodes())
            .map(|i| DlNode::build(config, NodeId(i as u8)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| ExperimentError(err.to_string()))?;
        let delta = e.delta;
        let detector = layout.detector();
        let link = LinkSpec {
            route: Some(Box::new(move |a, b| {
                if a == detector || b == detector {
                    delta
                } else {
                    Duration::ZERO
                }
            })),
            ..LinkSpec::latency_only(Duration::ZERO)
        };
        let patience = (0..e.n).map(|_| exp_ticks(&mut rng, e.mu_per_s, e.tick_secs)).collect();
        let mut app = CycleApp {
            n: e.n,
            queue: (0..e.n)
                .rev()
                .map(|i| (NodeId(i), Cmd::Acquire { resource: i, patience: None }))
                .collect(),
            patience,
            declared: None,
            refused: 0,
        };
        let mut sim = Sim::new(nodes, link, &mut app);
        sim.run_until(Instant(4 * delta.ticks() + 1), &mut app);
        if app.refused > 0 {
            return Err(ExperimentError(format!("{} commands refused in setup", app.refused)));
        }
        counts.trials += 1;
        if let Some(phantom) = app.declared {
            counts.declared += 1;
            counts.phantoms += phantom as u32;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn experiment(detector: DetectorKind, fault: Fault) -> PhantomExperiment {
        PhantomExperiment {
            n: 4,
            mu_per_s: 20.0,
            delta: Duration(8_664),
            tick_secs: 1e-6,
            detector,
            fault,
            trials: 2_000,
            seed: 7,
        }
    }

    #[test]
    fn the_naive_detector_is_wrong_about_half_the_time_at_tau50() {
        let c = run(&experiment(DetectorKind::Naive, Fault::None)).expect("runs");
        assert_eq!(c.declared, c.trials, "the snapshot always shows the cycle");
        let p = 1.0 - (-4.0 * 20.0 * 8.664e-3f64).exp();
        let se = (p * (1.0 - p) / c.trials as f64).sqrt();
        assert!((c.phantom_rate() - p).abs() < 4.0 * se, "{} vs {p}", c.phantom_rate());
    }

    #[test]
    fn the_confirming_detector_never_declares_a_phantom_and_unpinned_sites_do() {
        let c = run(&experiment(DetectorKind::Confirming, Fault::None)).expect("runs");
        assert_eq!(c.phantoms, 0);
        assert!(c.declared > 0);
        let broken = run(&experiment(DetectorKind::Confirming, Fault::NoPin)).expect("runs");
        assert!(
            broken.phantoms > 0,
            "without pins a waiter gives up before the declaration: {broken:?} {c:?}"
        );
    }

    #[test]
    fn bad_experiments_are_refused() {
        let mut e = experiment(DetectorKind::Naive, Fault::None);
        e.n = 1;
        assert!(run(&e).is_err());
        e.n = 17;
        assert!(run(&e).is_err());
        e.n = 4;
        e.mu_per_s = 0.0;
        assert!(run(&e).is_err());
    }
}
