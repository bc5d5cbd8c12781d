//! How stale a read can be: the timed naming model explores every delay in [L, L + J] and every
//! moment of every read and change, and its worst read must be exactly `staleness::bound`. Each
//! timing fault must break the bound, and only the timed model may see it. One thread, BFS.

use inflight_checker::staleness::{bound, props, worst_staleness, StalenessCfg};
use inflight_checker::testing;
use inflight_checker::ttl::{PolicyKind, TtlCfg};
use inflight_core::ttl::Fault;

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
                        continue; // 2.8 and 13.9 million states: the sweep stays quick
                    }
                    let cfg = StalenessCfg { policy, ttl, latency, jitter, ..Default::default() };
                    let (worst, _) = worst_staleness(&cfg.into_model());
                    assert_eq!(worst, bound(policy, ttl, latency, jitter), "{cfg:?}");
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
            assert_eq!(states, worst_staleness(&cfg.into_model()).1, "{cfg:?}");
            states
        })
        .collect();
    assert_eq!(counts, [3900, 74823, 835, 11072]);
}

#[test]
fn more_changes_and_a_longer_horizon_find_nothing_staler() {
    for policy in POLICIES {
        let cfg = StalenessCfg { policy, ttl: 2, latency: 1, ..Default::default() };
        let more = StalenessCfg { changes: 3, ..cfg };
        let longer = StalenessCfg { horizon: Some(cfg.default_horizon() * 3 / 2), ..cfg };
        for c in [more, longer] {
            assert_eq!(worst_staleness(&c.into_model()).0, c.bound(), "{c:?}");
        }
    }
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
    assert_eq!(worst_staleness(&c.into_model()).0, c.bound() + 1);
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
fn scenarios_that_cannot_be_timed_or_are_too_short_to_reach_the_bound_are_refused() {
    let refused = |cfg: StalenessCfg| cfg.validate().expect_err("refused").to_string();
    assert!(refused(StalenessCfg { latency: 0, ..Default::default() }).contains("latency 0"));
    assert!(refused(StalenessCfg { ttl: 0, ..Default::default() }).contains("ttl 0"));
    assert!(refused(StalenessCfg { changes: 0, ..Default::default() }).contains("0 changes"));
    let short = StalenessCfg { horizon: Some(3), ..Default::default() };
    assert!(refused(short).contains("horizon 3"), "{}", refused(short));
}
