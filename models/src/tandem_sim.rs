//! A closed-loop tandem line on the simulator, driving the core source and stages
//! (MODELS.md §3): the application keeps the source at its concurrency cap, each job's work at
//! each stage is fixed (deterministic) or drawn from an exponential distribution, and the
//! completions in a window give the measured throughput X(C).

use crate::sim::{Client, LinkSpec, Sim};
use inflight_core::rng::SplitMix64;
use inflight_core::stage::{Cmd, CmdError, Event, Node, Work, MAX_STAGES};
use inflight_core::{Duration, Instant, NodeId};

/// Workers per stage the simulated stages hold.
pub const MAX_WORKERS: usize = 16;
/// Jobs a stage's queue holds (the most a cap can be).
pub const MAX_CAP: usize = 64;

type LineNode = Node<MAX_WORKERS, MAX_CAP>;

/// A line to simulate. Times are in ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct TandemSetup {
    /// Workers at each stage.
    pub workers: Vec<u8>,
    /// Mean work per job at each stage, in ticks.
    pub service: Vec<u64>,
    /// The concurrency cap C.
    pub cap: u32,
    /// Exponential work (else every job takes exactly the mean).
    pub exponential: bool,
    /// Seed of the work draws.
    pub seed: u64,
    /// Ticks before counting starts.
    pub warmup: u64,
    /// Ticks counted.
    pub window: u64,
}

/// What a run measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TandemRun {
    /// Jobs completed in the window.
    pub completed: u64,
    /// The window, in ticks.
    pub window: u64,
}

struct ClosedLoop {
    service: Vec<u64>,
    exponential: bool,
    rng: SplitMix64,
    blocked: bool,
    completions: Vec<u64>,
    pending: Option<Work>,
}

impl ClosedLoop {
    fn work(&mut self) -> Work {
        let mut w = [0u32; MAX_STAGES];
        for (i, &mean) in self.service.iter().enumerate() {
            w[i] = if self.exponential {
                (crate::sim::exp1(&mut self.rng) * mean as f64).ceil().clamp(1.0, u32::MAX as f64)
                    as u32
            } else {
                mean.min(u32::MAX as u64) as u32
            };
        }
        w
    }
}

impl Client<LineNode> for ClosedLoop {
    fn next(&mut self, _now: Instant) -> Option<(NodeId, Cmd)> {
        if self.blocked {
            return None;
        }
        let work = match self.pending.take() {
            Some(w) => w,
            None => self.work(),
        };
        self.pending = Some(work);
        Some((NodeId(0), Cmd::Submit(work)))
    }

    fn result(&mut self, _now: Instant, _node: NodeId, result: Result<(), CmdError>) {
        match result {
            Ok(()) => self.pending = None,
            Err(_) => self.blocked = true, // at the cap: wait for a completion
        }
    }

    fn on_event(&mut self, now: Instant, _node: NodeId, event: &Event, _m: &mut LineNode) {
        let Event::Completed { .. } = event;
        self.completions.push(now.ticks());
        self.blocked = false;
    }
}

/// Runs the line and counts completions in `[warmup, warmup + window)`.
pub fn run(s: &TandemSetup) -> Result<TandemRun, String> {
    if s.workers.len() != s.service.len() {
        return Err("one service time per stage".into());
    }
    if s.service.contains(&0) {
        return Err("service times must be at least 1 tick".into());
    }
    let nodes = LineNode::line(&s.workers, s.cap).map_err(|e| e.to_string())?.to_vec();
    let mut app = ClosedLoop {
        service: s.service.clone(),
        exponential: s.exponential,
        rng: SplitMix64::new(s.seed),
        blocked: false,
        completions: Vec::new(),
        pending: None,
    };
    let mut sim = Sim::new(nodes, LinkSpec::latency_only(Duration::ZERO), &mut app);
    let end = s.warmup + s.window;
    sim.run_until(Instant(end), &mut app);
    let completed = app.completions.iter().filter(|&&t| t >= s.warmup && t < end).count() as u64;
    Ok(TandemRun { completed, window: s.window })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_cycles_in_the_zero_load_round_trip() {
        let s = TandemSetup {
            workers: vec![1, 2],
            service: vec![3, 7],
            cap: 1,
            exponential: false,
            seed: 0,
            warmup: 100,
            window: 1000,
        };
        assert_eq!(run(&s).expect("runs").completed, 100);
    }

    #[test]
    fn bad_lines_are_refused() {
        let mut s = TandemSetup {
            workers: vec![1],
            service: vec![3, 7],
            cap: 1,
            exponential: false,
            seed: 0,
            warmup: 0,
            window: 10,
        };
        assert!(run(&s).is_err());
        s.service = vec![0];
        assert!(run(&s).is_err());
        s.service = vec![1];
        s.cap = 0;
        assert!(run(&s).is_err());
    }
}
