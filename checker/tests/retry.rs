//! Model checks of jittered retries against a load-shedding server, slot by slot with every
//! random draw explored: the herd is still possible under jitter, a fixed delay keeps it
//! together on every path, and each broken variant is caught. One thread, BFS.

use inflight_checker::report::{run_check, CheckOptions, Verdict};
use inflight_checker::retry::{props, RetryCfg, RetryPolicy};
use inflight_checker::testing;
use inflight_core::retry::Fault;
use stateright::Checker;

fn base() -> RetryCfg {
    RetryCfg::default()
}

fn assert_all_pass(cfg: RetryCfg) -> usize {
    testing::assert_all_pass(cfg.into_model(), |_| false, &format!("{cfg:?}"))
}

#[test]
fn every_policy_passes_and_state_counts_are_pinned() {
    let counts: Vec<usize> = RetryPolicy::ALL
        .into_iter()
        .map(|policy| assert_all_pass(RetryCfg { policy, ..base() }))
        .collect();
    assert_eq!(counts, [12, 160, 19, 19, 566]);
    assert_eq!(assert_all_pass(RetryCfg { clients: 4, ..base() }), 1259);
    assert_eq!(assert_all_pass(RetryCfg { max_attempts: Some(2), ..base() }), 80);
}

#[test]
fn jitter_does_not_prevent_the_herd() {
    let checker = testing::check(base().into_model());
    let path = checker.discovery(props::HERD).expect("the herd is reachable under jitter");
    // Slot 0 fails everyone; if all draw the same delay they all retry in one slot.
    let last = path.last_state();
    assert_eq!(last.retried, 3);
    assert!(checker.discovery(props::SPREAD).is_some(), "jitter can also spread them");
}

#[test]
fn a_fixed_delay_keeps_the_herd_together_on_every_path() {
    let cfg = RetryCfg { policy: RetryPolicy::Fixed, clients: 4, capacity: 2, ..base() };
    let checker = testing::check(cfg.into_model());
    assert!(checker.discovery(props::SYNCHRONIZED).is_none());
    assert!(checker.discovery(props::HERD).is_some());
}

#[test]
fn a_server_that_overfills_is_caught() {
    let cfg = RetryCfg { fault: Fault::CapacityOffByOne, ..base() };
    testing::assert_caught(cfg.into_model(), props::CAPACITY, "capacity off by one");
}

#[test]
fn shedding_without_an_answer_loses_the_request_and_is_caught() {
    let cfg = RetryCfg { fault: Fault::SilentShed, ..base() };
    testing::assert_caught(cfg.into_model(), props::NOTHING_LOST, "silent shed");
    // The stuck client also never finishes: the sound liveness analysis says so.
    let report = run_check(cfg.into_model(), String::new(), CheckOptions::default(), |_| false);
    let live = report.properties.iter().find(|p| p.name == props::ALL_DONE).expect("checked");
    assert_eq!(live.verdict, Verdict::Violated);
}

#[test]
fn giving_up_silently_is_caught() {
    let cfg = RetryCfg { fault: Fault::SilentGiveUp, max_attempts: Some(2), ..base() };
    testing::assert_caught(cfg.into_model(), props::NOTHING_LOST, "silent give-up");
    let ok = RetryCfg { max_attempts: Some(2), ..base() };
    assert!(testing::check(ok.into_model()).discovery(props::NOTHING_LOST).is_none());
}

#[test]
fn invalid_configurations_are_rejected() {
    for cfg in [
        RetryCfg { clients: 0, ..base() },
        RetryCfg { clients: 8, ..base() },
        RetryCfg { capacity: 0, ..base() },
        RetryCfg { capacity: 4, ..base() },
        RetryCfg { slots: 0, ..base() },
        RetryCfg { slots: 7, ..base() },
        RetryCfg { service: 0, ..base() },
        RetryCfg { outage: 0, ..base() },
        RetryCfg { max_attempts: Some(0), ..base() },
    ] {
        assert!(cfg.validate().is_err(), "{cfg:?}");
    }
}
