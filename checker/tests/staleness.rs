//! How stale a read can be: the timed naming model explores every delay in [L, L + J] and every
//! moment of every read and change, for ever, and its worst read must be exactly
//! `staleness::bound`. Each timing fault must break the bound, and only the timed model may see
//! it. One thread, BFS.

use inflight_checker::staleness::{
    bound, props, wait_bound, worst, StalenessCfg, StalenessModel, StalenessState, Step,
};
use inflight_checker::testing;
use inflight_checker::ttl::{PolicyKind, TtlCfg};
use inflight_core::ttl::Fault;
use stateright::Model;
use std::collections::{HashMap, HashSet};

const POLICIES: [PolicyKind; 4] =
    [PolicyKind::NoCache, PolicyKind::OnDemand, PolicyKind::Push, PolicyKind::Periodic];

#[test]
fn the_worst_read_is_exactly_the_bound_for_every_policy_latency_jitter_and_ttl() {
    // θ = 1 refreshes faster than any round trip: a periodic resolver that took only the answer
    // to its latest query never filled its cache there, so no read was answered at all, and the
    // bound was never reached.
    for policy in POLICIES {
        for latency in 1..=2u8 {
            for jitter in 0..=2u8 {
                for ttl in [1u8, 3, 6] {
                    if policy == PolicyKind::Periodic && ttl == 1 && jitter == 2 {
                        // A query every tick, each answered up to 2(L + J) = 6 or 8 ticks
                        // later: the answers in flight, their versions and ages make 1.8 and
                        // 15.6 million states. The sweep stays quick.
                        continue;
                    }
                    let cfg = StalenessCfg { policy, ttl, latency, jitter, ..Default::default() };
                    let w = worst(&cfg.into_model());
                    assert_eq!(w.stale, bound(policy, ttl, latency, jitter), "{cfg:?}");
                    assert_eq!(w.wait, wait_bound(latency, jitter), "{cfg:?}");
                }
            }
        }
    }
}

#[test]
fn the_checker_proves_the_bound_and_reaches_it_with_pinned_state_counts() {
    let counts: Vec<usize> = POLICIES
        .into_iter()
        .map(|policy| {
            let cfg = StalenessCfg { policy, ttl: 6, ..Default::default() };
            let states = testing::assert_all_pass(cfg.into_model(), |_| false, &format!("{cfg:?}"));
            // stateright's search and the model's own agree on the graph.
            assert_eq!(states, worst(&cfg.into_model()).states, "{cfg:?}");
            states
        })
        .collect();
    assert_eq!(counts, [314, 749, 3513, 1765]);
}

#[test]
fn time_always_passes_so_every_tick_of_every_run_is_explored() {
    // The graph is finite because states hold no clock: a state from which the clock could
    // never advance again would end every run through it, and "for ever" would be vacuous.
    // From every state, steps within the tick must lead to one where a tick may pass.
    for policy in POLICIES {
        let model = StalenessCfg { policy, ttl: 3, ..Default::default() }.into_model();
        let (states, edges) = graph(&model);
        let mut passes: HashSet<usize> = (0..states.len())
            .filter(|&i| edges[i].iter().any(|&(step, _)| step == Step::Tick))
            .collect();
        loop {
            let more: Vec<usize> = (0..states.len())
                .filter(|i| !passes.contains(i))
                .filter(|&i| edges[i].iter().any(|(_, j)| passes.contains(j)))
                .collect();
            if more.is_empty() {
                break;
            }
            passes.extend(more);
        }
        let stuck: Vec<_> = (0..states.len()).filter(|i| !passes.contains(i)).collect();
        assert!(stuck.is_empty(), "{policy:?}: time stops in {:?}", states[stuck[0]]);
        // And the graph closes on itself: some tick leads back to a state already seen, so
        // runs go on for ever within it.
        let back = (0..states.len())
            .any(|i| edges[i].iter().any(|&(step, j)| step == Step::Tick && j <= i));
        assert!(back, "{policy:?}: no tick returns to an earlier state");
    }
}

/// The explored graph: the states in breadth-first order, and each one's steps and successors.
fn graph(model: &StalenessModel) -> (Vec<StalenessState>, Vec<Vec<(Step, usize)>>) {
    let mut index: HashMap<StalenessState, usize> = HashMap::new();
    let mut states = model.init_states();
    for (i, s) in states.iter().enumerate() {
        index.insert(s.clone(), i);
    }
    let mut edges = Vec::new();
    let mut i = 0;
    while i < states.len() {
        let mut actions = Vec::new();
        model.actions(&states[i], &mut actions);
        let mut out = Vec::new();
        for a in actions {
            let Some(next) = model.next_state(&states[i], a) else { continue };
            let j = *index.entry(next.clone()).or_insert_with(|| {
                states.push(next);
                states.len() - 1
            });
            out.push((a, j));
        }
        edges.push(out);
        i += 1;
    }
    (states, edges)
}

#[test]
fn ignoring_expiry_or_keeping_an_entry_one_tick_too_long_breaks_the_bound() {
    let cfg = |fault| StalenessCfg { ttl: 3, fault, ..Default::default() };
    for fault in [Fault::IgnoreExpiry, Fault::ExpiryOffByOne] {
        let c = cfg(fault);
        let expected = [(props::WITHIN_BOUND, 13)];
        testing::assert_failures(c.into_model(), |_| false, &format!("{c:?}"), &expected);
    }
    // The bound is exact to the tick: an entry that lives one tick too long is one tick staler.
    let c = cfg(Fault::ExpiryOffByOne);
    assert_eq!(worst(&c.into_model()).stale, c.bound() + 1);
}

#[test]
fn a_resolver_that_takes_only_its_latest_answer_leaves_reads_waiting_for_ever() {
    // Bug 3, kept as a broken variant: refreshing every tick, faster than the round trip, it
    // never fills its cache. A read waits past the round trip of 2 ticks (in 10 steps: 3 ticks
    // and the refreshes and deliveries they force), and no read is ever answered, so the
    // stalest read is never reached either.
    let broken = |ttl| StalenessCfg {
        policy: PolicyKind::Periodic,
        ttl,
        latency: 1,
        jitter: 0,
        fault: Fault::TakeOnlyAwaitedAnswers,
    };
    let c = broken(1);
    let expected = [(props::BOUND_REACHED, 0), (props::WAIT_BOUND, 10)];
    testing::assert_failures(c.into_model(), |_| false, &format!("{c:?}"), &expected);
    // Refreshing slower than the round trip, each answer arrives before the next query leaves
    // and is awaited: the variant passes. (At θ = 2 the refresh may fire just before the
    // answer is delivered in the same tick, and it fails.)
    let c = broken(3);
    testing::assert_all_pass(c.into_model(), |_| false, &format!("{c:?}"));
}

#[test]
fn only_time_shows_the_timing_faults() {
    // The untimed naming model has no clock, so an entry never expires: both faults pass it.
    for fault in [Fault::IgnoreExpiry, Fault::ExpiryOffByOne] {
        let cfg = TtlCfg { fault, ..TtlCfg::default() };
        testing::assert_all_pass(
            cfg.into_model(),
            inflight_checker::liveness::actor_faults,
            &format!("{cfg:?}"),
        );
    }
}

#[test]
fn scenarios_that_cannot_be_timed_are_refused() {
    let refused = |cfg: StalenessCfg| cfg.validate().expect_err("refused").to_string();
    assert!(refused(StalenessCfg { latency: 0, ..Default::default() }).contains("latency 0"));
    assert!(refused(StalenessCfg { ttl: 0, ..Default::default() }).contains("ttl 0"));
    let long = StalenessCfg { latency: 200, jitter: 100, ..Default::default() };
    assert!(refused(long).contains("at most 255 ticks"), "{}", refused(long));
}
