//! The TTL caching resolver on the simulator (MODELS.md §5): the core authority and resolver of
//! `inflight_core::ttl`, with the record changing as a Poisson process of rate c and reads
//! arriving as a Poisson process of rate r. A read is stale when the record it returns is older
//! than the authority's at the instant it is answered.
//!
//! One tick is one microsecond. Arrival times are drawn in `f64` and rounded to the tick, which
//! at the rates and TTLs a name sees (rates up to thousands per second, TTLs of milliseconds and
//! more) moves the measured fractions by far less than their standard errors.

use crate::sim::{Client, LinkSpec, Sim};
use crate::ttl::{self, TtlError};
use inflight_core::rng::SplitMix64;
use inflight_core::ttl::{Cmd, CmdError, Event, Node, Policy};
use inflight_core::{Duration, Instant, NodeId};

/// Ticks per second in this simulation.
pub const TICKS_PER_SECOND: f64 = 1e6;

/// How the resolver keeps its cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// On-demand TTL cache.
    OnDemand,
    /// Refresh every TTL.
    Periodic,
    /// The authority pushes changes.
    Push,
    /// No cache.
    NoCache,
}

/// One experiment: several independent runs of the same set-up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TtlExperiment {
    /// Record changes per second (c).
    pub churn: f64,
    /// The TTL or refresh period θ, in seconds.
    pub ttl: f64,
    /// Reads per second (r).
    pub reads: f64,
    /// The resolver's policy.
    pub policy: CachePolicy,
    /// One-way latency between resolver and authority, in seconds (the laws assume 0).
    pub latency: f64,
    /// Simulated seconds per run.
    pub horizon: f64,
    /// Independent runs (their spread gives the standard error).
    pub runs: u32,
    /// Seed of the first run.
    pub seed: u64,
}

/// What an experiment measured.
#[derive(Clone, Debug, PartialEq)]
pub struct TtlMeasured {
    /// Reads answered, over all runs.
    pub reads: u64,
    /// Of which stale.
    pub stale: u64,
    /// Messages that kept the cache fresh, over all runs: queries the resolver started, or for
    /// push the authority's pushes.
    pub fetches: u64,
    /// Reads refused because too many waited for a fetch.
    pub refused: u64,
    /// The mean over runs of each run's stale-read fraction.
    pub stale_fraction: f64,
    /// Its standard error, from the spread between runs (reads within a run are correlated).
    pub stale_se: f64,
    /// Those messages per simulated second.
    pub fetch_rate: f64,
    /// The law's P(stale read) for this policy (MODELS.md §5), for comparison.
    pub law_stale: f64,
    /// The law's message rate per second for this policy.
    pub law_messages: f64,
}

struct Observer {
    reads: u64,
    stale: u64,
    refused: u64,
    changes: u64,
}

impl Client<Node> for Observer {
    fn next(&mut self, _now: Instant) -> Option<(NodeId, Cmd)> {
        None
    }

    fn result(&mut self, _now: Instant, _node: NodeId, _result: Result<(), CmdError>) {}

    fn on_event(&mut self, _now: Instant, _node: NodeId, _event: &Event, _m: &mut Node) {}

    fn on_event_with_group(
        &mut self,
        _now: Instant,
        _node: NodeId,
        event: &Event,
        group: &mut [Node],
    ) {
        if let Event::Changed { .. } = event {
            self.changes += 1;
        }
        if let Event::Answered { record, .. } = event {
            let current = group.first().and_then(Node::as_authority).map(|a| a.record());
            self.reads += 1;
            if current.is_some_and(|c| c.newer_than(record)) {
                self.stale += 1;
            }
        }
    }
}

fn exp_ticks(rng: &mut SplitMix64, rate: f64) -> u64 {
    if rate <= 0.0 {
        return u64::MAX;
    }
    (crate::sim::exp1(rng) / rate * TICKS_PER_SECOND).round().max(1.0) as u64
}

fn check(e: &TtlExperiment) -> Result<(), TtlError> {
    let finite = |x: f64| x.is_finite() && x >= 0.0;
    if !finite(e.churn) || !finite(e.reads) {
        return Err(TtlError::Domain("rates must be finite and not negative"));
    }
    if !(e.ttl.is_finite() && e.ttl * TICKS_PER_SECOND >= 1.0) {
        return Err(TtlError::Domain("the TTL must be at least one tick (1 µs)"));
    }
    if !(finite(e.latency) && e.horizon.is_finite() && e.horizon > 0.0) {
        return Err(TtlError::Domain(
            "latency must not be negative and the horizon must be positive",
        ));
    }
    if e.runs < 2 {
        return Err(TtlError::Domain("at least 2 runs are needed for a standard error"));
    }
    Ok(())
}

/// The law's (P(stale read), messages per second) for the experiment's policy.
pub fn law(e: &TtlExperiment) -> Result<(f64, f64), TtlError> {
    let cmp = ttl::compare(e.churn, e.ttl, e.reads)?;
    Ok(match e.policy {
        CachePolicy::OnDemand => (cmp.on_demand.1, cmp.on_demand.0),
        CachePolicy::Periodic => (cmp.periodic.1, cmp.periodic.0),
        CachePolicy::Push => (cmp.push.1, cmp.push.0),
        CachePolicy::NoCache => (cmp.no_cache.1, cmp.no_cache.0),
    })
}

/// Runs the experiment.
pub fn run(e: &TtlExperiment) -> Result<TtlMeasured, TtlError> {
    check(e)?;
    let (law_stale, law_messages) = law(e)?;
    let ttl = Duration((e.ttl * TICKS_PER_SECOND).round() as u64);
    let policy = match e.policy {
        CachePolicy::OnDemand => Policy::OnDemand { ttl },
        CachePolicy::Periodic => Policy::Periodic { every: ttl },
        CachePolicy::Push => Policy::Push,
        CachePolicy::NoCache => Policy::NoCache,
    };
    let latency = Duration((e.latency * TICKS_PER_SECOND).round() as u64);
    // A query is lost only on lossy links; retry well after a round trip.
    let retry = Duration(latency.ticks().saturating_mul(4).max(1_000));
    let end = (e.horizon * TICKS_PER_SECOND).round() as u64;
    let (mut reads, mut stale, mut fetches, mut refused) = (0, 0, 0, 0);
    let mut fractions = Vec::with_capacity(e.runs as usize);
    let mut master = SplitMix64::new(e.seed);
    for _ in 0..e.runs {
        // Each run's seed is an output of the master generator, not a shifted copy of its state:
        // SplitMix64 seeded s and s + γ give the same stream one draw apart.
        let seed = master.next_u64();
        let mut rng = SplitMix64::new(seed);
        let nodes = vec![Node::authority(0), Node::resolver(NodeId(0), policy, retry)];
        let mut obs = Observer { reads: 0, stale: 0, refused: 0, changes: 0 };
        let mut link = LinkSpec::latency_only(latency);
        link.seed = seed;
        let mut sim = Sim::new(nodes, link, &mut obs);
        let (mut next_change, mut next_read) =
            (exp_ticks(&mut rng, e.churn), exp_ticks(&mut rng, e.reads));
        let mut id = 0u32;
        loop {
            let t = next_change.min(next_read);
            if t >= end {
                break;
            }
            sim.run_until(Instant(t), &mut obs);
            if next_change == t {
                next_change = t.saturating_add(exp_ticks(&mut rng, e.churn));
                sim.command(NodeId(0), Cmd::Change { value: id }, &mut obs);
            } else {
                next_read = t.saturating_add(exp_ticks(&mut rng, e.reads));
                id = id.wrapping_add(1);
                if let Some(Err(_)) = sim.command(NodeId(1), Cmd::Read { id }, &mut obs) {
                    obs.refused += 1;
                }
            }
        }
        sim.run_until(Instant(end), &mut obs);
        fetches += match e.policy {
            CachePolicy::Push => obs.changes,
            _ => sim.nodes()[1].as_resolver().map_or(0, |r| r.queries() as u64),
        };
        reads += obs.reads;
        refused += obs.refused;
        stale += obs.stale;
        if obs.reads > 0 {
            fractions.push(obs.stale as f64 / obs.reads as f64);
        }
    }
    let k = fractions.len().max(1) as f64;
    let mean = fractions.iter().sum::<f64>() / k;
    let var = fractions.iter().map(|f| (f - mean) * (f - mean)).sum::<f64>() / (k - 1.0).max(1.0);
    Ok(TtlMeasured {
        reads,
        stale,
        fetches,
        refused,
        stale_fraction: mean,
        stale_se: (var / k).sqrt(),
        fetch_rate: fetches as f64 / (e.horizon * e.runs as f64),
        law_stale,
        law_messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn experiment(policy: CachePolicy) -> TtlExperiment {
        TtlExperiment {
            churn: 2.0,
            ttl: 0.5,
            reads: 20.0,
            policy,
            latency: 0.0,
            horizon: 200.0,
            runs: 8,
            seed: 1,
        }
    }

    #[test]
    fn without_a_cache_or_with_push_no_read_is_stale_at_zero_latency() {
        for policy in [CachePolicy::NoCache, CachePolicy::Push] {
            let m = run(&experiment(policy)).expect("runs");
            assert!(m.reads > 20_000, "{m:?}");
            assert_eq!(m.stale, 0, "{policy:?}");
        }
        let m = run(&experiment(CachePolicy::NoCache)).expect("runs");
        assert_eq!(m.fetches, m.reads, "one query per read");
    }

    #[test]
    fn latency_makes_even_push_stale() {
        let mut e = experiment(CachePolicy::Push);
        e.latency = 0.05;
        let m = run(&e).expect("runs");
        assert!(m.stale > 0, "{m:?}");
    }

    #[test]
    fn bad_experiments_are_refused() {
        let mut e = experiment(CachePolicy::OnDemand);
        e.runs = 1;
        assert!(run(&e).is_err());
        e.runs = 2;
        e.churn = -1.0;
        assert!(run(&e).is_err());
        e.churn = 1.0;
        e.ttl = 0.0;
        assert!(run(&e).is_err());
    }
}
