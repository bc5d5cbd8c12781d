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
    let mut checked = 0;
    for policy in POLICIES {
        for latency in 1..=2u8 {
            for jitter in 0..=2u8 {
                for ttl in [1u8, 3, 6] {
                    let cfg = StalenessCfg { policy, ttl, latency, jitter, ..Default::default() };
                    if cfg.validate().is_err() {
                        // Only a periodic refresh faster than the longest round trip.
                        assert!(policy == PolicyKind::Periodic && ttl < 2 * (latency + jitter));
                        continue;
                    }
                    let (worst, _) = worst_staleness(&cfg.into_model());
                    assert_eq!(Some(worst), bound(policy, ttl, latency, jitter), "{cfg:?}");
                    checked += 1;
                }
            }
        }
    }
    // Periodic has a bound only for θ ≥ 2(L + J): 6 of its 18.
    assert_eq!(checked, 18 + 18 + 18 + 6);
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
    assert_eq!(counts, [3900, 74823, 835, 13233]);
}

#[test]
fn more_changes_and_a_longer_horizon_find_nothing_staler() {
    for policy in POLICIES {
        // A refresh period must cover the longest round trip, 4 ticks here.
        let ttl = if policy == PolicyKind::Periodic { 4 } else { 2 };
        let cfg = StalenessCfg { policy, ttl, latency: 1, ..Default::default() };
        let more = StalenessCfg { changes: 3, ..cfg };
        let longer = StalenessCfg { horizon: Some(cfg.default_horizon() * 3 / 2), ..cfg };
        for c in [more, longer] {
            assert_eq!(Some(worst_staleness(&c.into_model()).0), c.bound(), "{c:?}");
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
    assert_eq!(Some(worst_staleness(&c.into_model()).0), c.bound().map(|b| b + 1));
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
fn scenarios_without_a_derived_bound_or_too_short_to_reach_it_are_refused() {
    let refused = |cfg: StalenessCfg| cfg.validate().expect_err("refused").to_string();
    let periodic = StalenessCfg { policy: PolicyKind::Periodic, ttl: 5, ..Default::default() };
    assert!(refused(periodic).contains("shorter than the longest round trip, 2(L + J) = 6"));
    assert!(StalenessCfg { ttl: 6, ..periodic }.validate().is_ok());
    assert!(refused(StalenessCfg { latency: 0, ..Default::default() }).contains("latency 0"));
    assert!(refused(StalenessCfg { ttl: 0, ..Default::default() }).contains("ttl 0"));
    assert!(refused(StalenessCfg { changes: 0, ..Default::default() }).contains("0 changes"));
    let short = StalenessCfg { horizon: Some(3), ..Default::default() };
    assert!(refused(short).contains("horizon 3"), "{}", refused(short));
}
