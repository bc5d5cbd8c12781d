//! How stale a read can be: the timed naming model explores every delay in [L, L + J] and every
//! moment of every read and change, for ever, and its worst read must be exactly
//! `staleness::bound`. Each timing fault must break the bound, and only the timed model may see
//! it. One thread, BFS.

use inflight_checker::staleness::{
    bound, delay, props, renewal_delay, resend_period, wait_bound, worst, StalenessCfg,
    StalenessModel, StalenessState, Step,
};
use inflight_checker::testing;
use inflight_checker::ttl::{PolicyKind, TtlCfg};
use inflight_core::ttl::Fault;
use stateright::Model;
use std::collections::{HashMap, HashSet};

const POLICIES: [PolicyKind; 5] = [
    PolicyKind::NoCache,
    PolicyKind::OnDemand,
    PolicyKind::Push,
    PolicyKind::Periodic,
    PolicyKind::PushRenew,
];

#[test]
fn the_worst_read_is_exactly_the_bound_for_every_policy_latency_jitter_and_ttl() {
    // θ = 1 refreshes faster than any round trip: a periodic resolver that took only the answer
    // to its latest query never filled its cache there, so no read was answered at all, and the
    // bound was never reached.
    for policy in POLICIES {
        for latency in 1..=2u8 {
            for jitter in 0..=2u8 {
                for ttl in [1u8, 3, 6] {
                    let every_tick = matches!(policy, PolicyKind::Periodic | PolicyKind::PushRenew);
                    if every_tick && ttl == 1 && jitter == 2 {
                        // A query (or a renewal) every tick, each answered up to 2(L + J) = 6 or
                        // 8 ticks later: the answers in flight, their versions and ages make
                        // millions of states (1.8 and 15.6 million periodic). The sweep stays
                        // quick.
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
    assert_eq!(counts, [314, 749, 3513, 1765, 5107]);
}

#[test]
fn time_always_passes_so_every_tick_of_every_run_is_explored() {
    // The graph is finite because states hold no clock: a state from which the clock could
    // never advance again would end every run through it, and "for ever" would be vacuous.
    // From every state, steps within the tick must lead to one where a tick may pass.
    let lossy =
        [PolicyKind::NoCache, PolicyKind::OnDemand, PolicyKind::Periodic, PolicyKind::PushRenew]
            .map(|p| (p, 1));
    for (policy, losses) in POLICIES.map(|p| (p, 0)).into_iter().chain(lossy) {
        let model = StalenessCfg { policy, ttl: 3, losses, ..Default::default() }.into_model();
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
        assert!(stuck.is_empty(), "{policy:?} {losses}: time stops in {:?}", states[stuck[0]]);
        // And the graph closes on itself: some tick leads back to a state already seen, so
        // runs go on for ever within it.
        let back = (0..states.len())
            .any(|i| edges[i].iter().any(|&(step, j)| step == Step::Tick && j <= i));
        assert!(back, "{policy:?} {losses}: no tick returns to an earlier state");
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
        losses: 0,
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
fn losses_delay_reads_by_exactly_d_and_only_the_periodic_record_grows_staler() {
    // k losses delay the query that gets through by D(k) (staleness::delay): the explored
    // worst wait must be 2(L + J) + D and the worst staleness the lossless bound, plus D for a
    // periodic resolver. θ from 1 to 8 against R = 2(L + J) + 1 from 3 to 7 covers a refresh
    // before the first resend (θ ≤ R), resends within a period (θ > R) and both in one run.
    for policy in [PolicyKind::NoCache, PolicyKind::OnDemand, PolicyKind::Periodic] {
        for latency in 1..=2u8 {
            for jitter in 0..=1u8 {
                for ttl in [1u8, 2, 3, 5, 8] {
                    if policy == PolicyKind::NoCache && ttl != 1 {
                        continue; // θ is unused
                    }
                    if policy == PolicyKind::Periodic && ttl == 1 && latency + jitter == 3 {
                        // A query every tick, each answered up to 6 ticks later: 0.5 and 1.1
                        // million states with one and two losses at L = 2, J = 1, 6 s, where
                        // the rest of the sweep takes 3. θ = 1 is covered at L + J ≤ 2.
                        continue;
                    }
                    for losses in 1..=3u8 {
                        let cfg = StalenessCfg {
                            policy,
                            ttl,
                            latency,
                            jitter,
                            losses,
                            ..Default::default()
                        };
                        let w = worst(&cfg.into_model());
                        let d = delay(policy, ttl, latency, jitter, losses);
                        let grows = if policy == PolicyKind::Periodic { d } else { 0 };
                        assert_eq!(w.stale, bound(policy, ttl, latency, jitter) + grows, "{cfg:?}");
                        assert_eq!(w.wait, wait_bound(latency, jitter) + d, "{cfg:?}");
                        assert!(d > 0, "{cfg:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_lost_push_is_made_good_by_the_next_renewal_so_each_loss_costs_one_period() {
    // A push resolver that renews its subscription every θ: k losses make a read exactly
    // L + 2J + kθ stale at worst (staleness::renewal_delay), and make it wait as an on-demand
    // read does, 2(L + J) + kR, for the query it sends when it starts.
    for latency in 1..=2u8 {
        for jitter in 0..=1u8 {
            for ttl in [1u8, 2, 3, 5, 8] {
                for losses in 1..=3u8 {
                    // Renewals faster than the round trip pile up in flight, each with its own
                    // age: with J = 1, θ ≤ 2 makes 0.05 to 28 million states. So does a third
                    // loss away from L = 1, J = 0. This keeps the sweep to a few seconds; the
                    // larger cases were checked once, to the same formulas.
                    let crowded =
                        jitter == 1 && (ttl <= 2 || (latency == 2 && ttl == 3 && losses >= 2));
                    if crowded || (losses == 3 && (latency, jitter) != (1, 0)) {
                        continue;
                    }
                    let policy = PolicyKind::PushRenew;
                    let cfg =
                        StalenessCfg { policy, ttl, latency, jitter, losses, ..Default::default() };
                    let w = worst(&cfg.into_model());
                    let lossless = bound(policy, ttl, latency, jitter);
                    assert_eq!(w.stale, lossless + u32::from(losses) * u32::from(ttl), "{cfg:?}");
                    assert_eq!(w.stale, cfg.bound(), "{cfg:?}");
                    let r = resend_period(latency, jitter);
                    assert_eq!(
                        w.wait,
                        wait_bound(latency, jitter) + u32::from(losses) * r,
                        "{cfg:?}"
                    );
                }
            }
        }
    }
    assert_eq!([renewal_delay(4, 0), renewal_delay(4, 1), renewal_delay(3, 3)], [0, 4, 9]);
}

#[test]
fn a_push_resolver_that_renews_only_once_is_stale_past_the_bound_after_one_loss() {
    let cfg = |losses| StalenessCfg {
        policy: PolicyKind::PushRenew,
        losses,
        fault: Fault::RenewOnce,
        ..Default::default()
    };
    // The one renewal goes out, then a change's push is lost: nothing brings the record again.
    testing::assert_failures(
        cfg(1).into_model(),
        |_| false,
        "renew once, 1 loss",
        &[(props::WITHIN_BOUND, 25)],
    );
    // Without a loss every push arrives.
    testing::assert_all_pass(cfg(0).into_model(), |_| false, "renew once, no loss");
}

#[test]
fn the_delay_of_k_losses_is_the_kth_query_after_the_first() {
    // Worked by hand from the schedule of queries after one sent at tick 0: resends every R,
    // restarted by a refresh every θ (periodic).
    assert_eq!(resend_period(1, 0), 3);
    assert_eq!(resend_period(2, 1), 7);
    let periodic = |ttl, l, j, k| delay(PolicyKind::Periodic, ttl, l, j, k);
    // R = 3. θ = 1: refreshes at 1, 2 come first. θ = 5: a resend at 3, then the refresh at 5.
    // θ = 8: resends at 3 and 6, the refresh at 8. θ = 3: the refresh and the resend coincide.
    assert_eq!([periodic(1, 1, 0, 1), periodic(1, 1, 0, 2)], [1, 2]);
    assert_eq!([periodic(5, 1, 0, 1), periodic(5, 1, 0, 2), periodic(5, 1, 0, 3)], [3, 5, 8]);
    assert_eq!([periodic(8, 1, 0, 2), periodic(8, 1, 0, 3)], [6, 8]);
    assert_eq!(periodic(3, 1, 0, 2), 6);
    // Without refreshes, every loss costs a whole resend period.
    assert_eq!(delay(PolicyKind::OnDemand, 8, 2, 1, 2), 14);
    assert_eq!(delay(PolicyKind::NoCache, 1, 2, 1, 3), 21);
    assert_eq!(delay(PolicyKind::OnDemand, 8, 2, 1, 0), 0);
}

#[test]
fn losses_are_explored_with_pinned_state_counts() {
    let counts: Vec<usize> =
        [PolicyKind::NoCache, PolicyKind::OnDemand, PolicyKind::Periodic, PolicyKind::PushRenew]
            .into_iter()
            .map(|policy| {
                let cfg = StalenessCfg { policy, ttl: 6, losses: 2, ..Default::default() };
                let states =
                    testing::assert_all_pass(cfg.into_model(), |_| false, &format!("{cfg:?}"));
                assert_eq!(states, worst(&cfg.into_model()).states, "{cfg:?}");
                states
            })
            .collect();
    assert_eq!(counts, [1990, 4325, 9001, 216_975]);
}

#[test]
fn a_resolver_that_resends_only_once_leaves_a_read_waiting_after_two_losses() {
    let cfg = |policy, losses| StalenessCfg {
        policy,
        losses,
        fault: Fault::ResendOnce,
        ..Default::default()
    };
    // Query lost, its one resend lost: the read waits past 2(L + J) + D = 20 ticks.
    for policy in [PolicyKind::NoCache, PolicyKind::OnDemand] {
        let c = cfg(policy, 2);
        let expected = [(props::WAIT_BOUND, 25)];
        testing::assert_failures(c.into_model(), |_| false, &format!("{c:?}"), &expected);
        // One loss is made good by the one resend.
        let c = cfg(policy, 1);
        testing::assert_all_pass(c.into_model(), |_| false, &format!("{c:?}"));
    }
    // A periodic resolver's next refresh sends a new query, which makes the second loss good.
    let c = cfg(PolicyKind::Periodic, 2);
    testing::assert_all_pass(c.into_model(), |_| false, &format!("{c:?}"));
}

#[test]
fn scenarios_that_cannot_be_timed_are_refused() {
    let refused = |cfg: StalenessCfg| cfg.validate().expect_err("refused").to_string();
    assert!(refused(StalenessCfg { latency: 0, ..Default::default() }).contains("latency 0"));
    assert!(refused(StalenessCfg { ttl: 0, ..Default::default() }).contains("ttl 0"));
    let long = StalenessCfg { latency: 200, jitter: 100, ..Default::default() };
    assert!(refused(long).contains("at most 255 ticks"), "{}", refused(long));
    let lost_push = StalenessCfg { policy: PolicyKind::Push, losses: 1, ..Default::default() };
    assert!(refused(lost_push).contains("a lost push is never repaired"), "{}", refused(lost_push));
    assert!(refused(lost_push).contains("use push-renew"), "{}", refused(lost_push));
    let no_period = StalenessCfg { policy: PolicyKind::PushRenew, ttl: 0, ..Default::default() };
    assert!(refused(no_period).contains("ttl 0"), "{}", refused(no_period));
    let many = StalenessCfg { losses: 4, ..Default::default() };
    assert!(refused(many).contains("at most 3"), "{}", refused(many));
}
