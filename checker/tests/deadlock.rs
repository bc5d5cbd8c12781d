//! Model checks of deadlock detection from delayed reports: the naive detector's phantom is
//! found, the confirming detector is sound, and each broken variant is caught. One thread, BFS.

use inflight_checker::deadlock::{self as dl, props, DeadlockCfg, Workload};
use inflight_checker::liveness::actor_faults;
use inflight_checker::network::NetworkKind;
use inflight_checker::report::{run_check, CheckOptions, Verdict};
use inflight_checker::testing;
use inflight_core::deadlock::{DetectorKind, Fault};
use stateright::{Checker, Expectation};

fn base() -> DeadlockCfg {
    DeadlockCfg::default()
}

fn naive() -> DeadlockCfg {
    DeadlockCfg { detector: DetectorKind::Naive, ..base() }
}

fn ring(processes: u8) -> DeadlockCfg {
    DeadlockCfg { processes, resources: processes, workload: Workload::Ring, ..base() }
}

fn assert_all_pass(cfg: DeadlockCfg) -> usize {
    testing::assert_all_pass(cfg.into_model(), actor_faults, &format!("{cfg:?}"))
}

#[test]
fn the_naive_detector_declares_a_phantom_and_the_checker_finds_the_path() {
    let checker = testing::check(naive().into_model());
    let path = checker.discovery(props::PHANTOM_REACHABLE).expect("the phantom is reachable");
    let states = path.clone().into_states();
    let last = states.last().expect("a path has states");
    assert!(dl::phantom(last), "the path ends in a phantom declaration");
    let declared = dl::detector(last).declared().expect("something is declared");
    assert!(declared.is_cycle());
    assert!(!dl::truth(last).has_cycle(), "no cycle exists in the true graph at that moment");
    assert!(!dl::phantom(&states[0]));
    // Nothing else fails: the naive detector is complete and declares what it merged.
    assert_eq!(assert_all_pass(naive()), 985);
}

#[test]
fn the_confirming_detector_never_declares_a_phantom() {
    let counts: Vec<usize> = NetworkKind::ALL
        .into_iter()
        .map(|network| assert_all_pass(DeadlockCfg { network, ..base() }))
        .collect();
    assert_eq!(counts, [1497, 2729, 10635]);
}

#[test]
fn both_detectors_declare_every_real_deadlock_of_the_ring() {
    for detector in [DetectorKind::Naive, DetectorKind::Confirming] {
        let cfg = DeadlockCfg { detector, ..ring(2) };
        // The eventually-property is not vacuous: some run really deadlocks.
        let model = cfg
            .into_model()
            .property(Expectation::Sometimes, "deadlock forms", |_, s| dl::truth(s).has_cycle());
        let checker = testing::check(model);
        assert!(checker.discovery("deadlock forms").is_some(), "{detector}");
        let report =
            run_check(cfg.into_model(), String::new(), CheckOptions::default(), actor_faults);
        let live = report
            .properties
            .iter()
            .find(|p| p.name == props::DEADLOCK_DECLARED)
            .expect("the liveness property is checked");
        assert_eq!(live.verdict, Verdict::Holds, "{detector}");
        assert!(live.semantics.as_deref().is_some_and(|s| s.contains("sound")), "decided soundly");
    }
}

#[test]
fn three_processes_one_site_and_duplicating_networks_pass() {
    let counts: Vec<usize> = [ring(3), DeadlockCfg { processes: 3, resources: 3, ..base() }]
        .into_iter()
        .map(assert_all_pass)
        .collect();
    assert_eq!(counts, [66141, 81270]);
    assert_eq!(assert_all_pass(DeadlockCfg { network: NetworkKind::Duplicating, ..ring(2) }), 1730);
    assert_eq!(assert_all_pass(DeadlockCfg { sites: 1, ..ring(2) }), 975);
}

#[test]
fn trusting_the_triggering_report_is_caught_as_a_phantom() {
    let cfg = DeadlockCfg { fault: Fault::TrustTriggeringReport, ..base() };
    let actions = testing::assert_caught(cfg.into_model(), props::NO_PHANTOM, "trust trigger");
    assert!(!actions.is_empty());
}

#[test]
fn a_declaration_that_is_never_withdrawn_is_caught() {
    for detector in [DetectorKind::Naive, DetectorKind::Confirming] {
        let cfg = DeadlockCfg { fault: Fault::StickyDeclaration, detector, ..base() };
        if detector == DetectorKind::Confirming {
            // Sound confirmations only declare real deadlocks, which are never broken.
            assert!(testing::check(cfg.into_model()).discovery(props::DECLARED_IN_VIEW).is_none());
        } else {
            testing::assert_caught(cfg.into_model(), props::DECLARED_IN_VIEW, "sticky");
        }
    }
}

#[test]
fn a_detector_that_accepts_stale_reports_misses_a_real_deadlock() {
    // A stale report overwrites the one that carried the deadlock's edge; the deadlocked site
    // never reports again, so the deadlock is never declared: a liveness violation, found by the
    // sound analysis of the whole graph.
    let cfg = DeadlockCfg { fault: Fault::AcceptStaleReports, ..ring(3) };
    let report = run_check(cfg.into_model(), String::new(), CheckOptions::default(), actor_faults);
    let live = report
        .properties
        .iter()
        .find(|p| p.name == props::DEADLOCK_DECLARED)
        .expect("the liveness property is checked");
    assert_eq!(live.verdict, Verdict::Violated);
    assert!(live.path.as_ref().is_some_and(|p| !p.is_empty()));
    // Safety still holds: the fault costs completeness, not soundness.
    for p in report.properties.iter().filter(|p| p.name != props::DEADLOCK_DECLARED) {
        assert!(p.verdict.is_pass(), "{}: {}", p.name, p.verdict);
    }
}

#[test]
fn invalid_configurations_are_rejected() {
    for cfg in [
        DeadlockCfg { processes: 1, ..base() },
        DeadlockCfg { processes: 5, resources: 5, ..base() },
        DeadlockCfg { sites: 0, ..base() },
        DeadlockCfg { sites: 4, resources: 4, ..base() },
        DeadlockCfg { resources: 1, ..base() },
        DeadlockCfg { resources: 9, ..base() },
        DeadlockCfg { sites: 3, resources: 2, ..base() },
    ] {
        assert!(cfg.validate().is_err(), "{cfg:?}");
    }
}
