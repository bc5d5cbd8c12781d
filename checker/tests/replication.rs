//! Model checks of the replication protocol: pinned state counts for small configurations, and
//! for every safety property a deliberately broken variant that the checker must catch.
//!
//! Counts are pinned with one thread and BFS (stateright's counts can vary with threads).

use inflight_checker::liveness::actor_faults;
use inflight_checker::network::NetworkKind;
use inflight_checker::replication::{props, ReplicationCfg, ReplicationModel};
use inflight_checker::report::{run_check, CheckOptions};
use inflight_checker::testing;
use inflight_core::replication::{AckPolicy, Fault};
use stateright::Checker;

fn base() -> ReplicationCfg {
    ReplicationCfg::default()
}

fn check(cfg: ReplicationCfg) -> impl Checker<ReplicationModel> {
    testing::check(cfg.into_model())
}

fn assert_all_pass(cfg: ReplicationCfg) -> usize {
    testing::assert_all_pass(cfg.into_model(), actor_faults, &format!("{cfg:?}"))
}

fn assert_caught(cfg: ReplicationCfg, property: &'static str) {
    testing::assert_caught(cfg.into_model(), property, &format!("{cfg:?}"));
}

#[test]
fn default_configuration_passes_and_its_state_count_is_pinned() {
    assert_eq!(assert_all_pass(base()), 159);
}

#[test]
fn state_counts_are_pinned_for_each_network() {
    let counts: Vec<usize> = NetworkKind::ALL
        .into_iter()
        .map(|network| assert_all_pass(ReplicationCfg { network, ..base() }))
        .collect();
    assert_eq!(counts, [82, 159, 369]);
}

#[test]
fn strict_synchronous_replication_is_a_single_line_of_states() {
    // k = 1, one replica: write, append, ack — nothing can overlap.
    let cfg = ReplicationCfg { replicas: 1, window: 1, writes: 3, ..base() };
    assert_eq!(assert_all_pass(cfg), 10);
}

#[test]
fn majority_of_three_replicas_passes() {
    let cfg =
        ReplicationCfg { replicas: 3, window: 2, writes: 2, ack: AckPolicy::Majority, ..base() };
    assert_eq!(assert_all_pass(cfg), 371);
}

#[test]
fn committed_writes_survive_a_crash_and_restart() {
    let cfg = ReplicationCfg { crashes: 1, ..base() };
    assert_eq!(assert_all_pass(cfg), 2572);
}

#[test]
fn lossy_network_with_retransmission_passes() {
    let cfg = ReplicationCfg {
        replicas: 1,
        window: 2,
        writes: 3,
        network: NetworkKind::Duplicating,
        lossy: true,
        retransmit: true,
        ..base()
    };
    assert_eq!(assert_all_pass(cfg), 1099);
    let two = ReplicationCfg { replicas: 2, window: 1, writes: 2, ..cfg };
    assert_eq!(assert_all_pass(two), 7413);
}

#[test]
fn retransmission_on_a_multiset_network_is_bounded_and_passes() {
    let cfg = ReplicationCfg {
        replicas: 1,
        window: 2,
        writes: 2,
        retransmit: true,
        max_in_network: Some(4),
        ..base()
    };
    assert_eq!(assert_all_pass(cfg), 140);
}

#[test]
fn on_a_lossy_network_a_retransmission_that_never_fills_the_gap_is_a_liveness_failure() {
    // Losses are faults, assumed finitely many, so every write must still commit. Resending
    // only the newest write never repairs a lost older one: every safety property holds, and
    // only the sound `eventually` check sees the writes stall.
    let lossy = ReplicationCfg {
        replicas: 1,
        network: NetworkKind::Duplicating,
        lossy: true,
        retransmit: true,
        ..base()
    };
    let broken = ReplicationCfg { fault: Fault::ResendNewestOnly, ..lossy };
    let path = testing::assert_caught_only_as_cycle(
        || broken.into_model(),
        actor_faults,
        props::ALL_COMMITTED_EVENTUALLY,
        &format!("{broken:?}"),
    );
    assert!(path.iter().any(actor_faults), "a write is lost on the way");
    // With the same losses the correct primary commits everything: the same configuration as
    // `lossy_network_with_retransmission_passes`.
}

#[test]
fn window_off_by_one_is_caught() {
    assert_caught(ReplicationCfg { fault: Fault::WindowOffByOne, ..base() }, props::IN_FLIGHT);
}

#[test]
fn ack_before_store_is_caught_even_without_crashes() {
    let cfg = ReplicationCfg { fault: Fault::AckBeforeStore, ..base() };
    assert_caught(cfg, props::COMMITTED_STORED);
}

#[test]
fn a_replica_that_does_not_persist_is_caught_only_when_it_can_crash() {
    let cfg = ReplicationCfg { fault: Fault::VolatileLog, ..base() };
    assert!(check(cfg).discovery(props::COMMITTED_STORED).is_none(), "no crash, no loss");
    let crashing = ReplicationCfg { crashes: 1, ..cfg };
    assert_caught(crashing, props::COMMITTED_STORED);
    let path = check(crashing).discovery(props::COMMITTED_STORED).expect("caught");
    let crashed = path.into_actions().iter().any(|a| format!("{a:?}").starts_with("Crash"));
    assert!(crashed, "the counterexample must go through a crash");
}

#[test]
fn storing_out_of_order_is_caught() {
    let cfg = ReplicationCfg { fault: Fault::StoreOutOfOrder, ..base() };
    assert_caught(cfg, props::PREFIX);
}

#[test]
fn an_ordered_network_hides_the_out_of_order_bug() {
    // The same bug cannot show on a FIFO network with no loss: the checker must not invent it.
    let cfg =
        ReplicationCfg { fault: Fault::StoreOutOfOrder, network: NetworkKind::Ordered, ..base() };
    assert!(check(cfg).discovery(props::PREFIX).is_none());
}

#[test]
fn invalid_configurations_are_rejected_with_a_reason() {
    let cases = [
        ReplicationCfg { replicas: 0, ..base() },
        ReplicationCfg { window: 0, ..base() },
        ReplicationCfg { writes: 0, ..base() },
        ReplicationCfg { writes: 17, ..base() },
        ReplicationCfg { lossy: true, retransmit: false, ..base() },
        ReplicationCfg { ack: AckPolicy::Count(3), ..base() },
    ];
    for cfg in cases {
        let err = cfg.validate().expect_err("invalid");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn reported_counterexamples_are_shortest() {
    // k = 2 admitting 3: three client writes in a row is the shortest way to break it.
    let cfg = ReplicationCfg { fault: Fault::WindowOffByOne, ..base() };
    let report =
        run_check(cfg.into_model(), "off by one".into(), CheckOptions::default(), actor_faults);
    let p = report.property(props::IN_FLIGHT).expect("property");
    assert_eq!(p.path.as_ref().map(Vec::len), Some(3));
    assert_eq!(p.explorer_path.as_deref(), Some("0/0/2/4"));
    // Storing out of order needs: write 1, write 2, deliver append 2 to a replica.
    let cfg = ReplicationCfg { fault: Fault::StoreOutOfOrder, replicas: 1, ..base() };
    let report =
        run_check(cfg.into_model(), "out of order".into(), CheckOptions::default(), actor_faults);
    let p = report.property(props::PREFIX).expect("property");
    assert_eq!(p.path.as_ref().map(Vec::len), Some(3));
}
