//! Model checks of windowed pipelining: pinned state counts, and for each safety property a
//! deliberately broken variant that the checker must catch. One thread, BFS.

use inflight_checker::liveness::actor_faults;
use inflight_checker::network::NetworkKind;
use inflight_checker::pipeline::{props, PipelineCfg, PipelineModel};
use inflight_checker::testing;
use inflight_core::pipeline::Fault;
use stateright::Checker;

fn base() -> PipelineCfg {
    PipelineCfg::default()
}

fn check(cfg: PipelineCfg) -> impl Checker<PipelineModel> {
    testing::check(cfg.into_model())
}

fn assert_all_pass(cfg: PipelineCfg) -> usize {
    testing::assert_all_pass(cfg.into_model(), actor_faults, &format!("{cfg:?}"))
}

fn assert_caught(cfg: PipelineCfg, property: &'static str) {
    testing::assert_caught(cfg.into_model(), property, &format!("{cfg:?}"));
}

#[test]
fn state_counts_are_pinned_for_each_network() {
    let counts: Vec<usize> = NetworkKind::ALL
        .into_iter()
        .map(|network| assert_all_pass(PipelineCfg { network, ..base() }))
        .collect();
    assert_eq!(counts, [16, 29, 61]);
}

#[test]
fn lossy_duplicating_link_with_retransmission_delivers_in_order_exactly_once() {
    let cfg = PipelineCfg {
        window: 2,
        messages: 3,
        network: NetworkKind::Duplicating,
        lossy: true,
        retransmit: true,
        ..base()
    };
    assert_eq!(assert_all_pass(cfg), 1451);
}

#[test]
fn on_a_lossy_link_a_retransmission_that_never_fills_the_gap_is_a_liveness_failure() {
    // Losses are faults, assumed finitely many, so every message must still be delivered.
    // Resending only the newest message never repairs a lost older one: every safety property
    // holds, and only the sound `eventually` check sees the window stall.
    let lossy =
        PipelineCfg { network: NetworkKind::Duplicating, lossy: true, retransmit: true, ..base() };
    let broken = PipelineCfg { fault: Fault::ResendNewestOnly, ..lossy };
    let path = testing::assert_caught_only_as_cycle(
        || broken.into_model(),
        actor_faults,
        props::ALL_DELIVERED_EVENTUALLY,
        &format!("{broken:?}"),
    );
    assert!(path.iter().any(actor_faults), "a message is lost on the way");
    // With the same losses the correct sender delivers everything: the same configuration as
    // `lossy_duplicating_link_with_retransmission_delivers_in_order_exactly_once`.
}

#[test]
fn retransmission_on_a_reordering_multiset_link_passes_within_a_bound() {
    let cfg = PipelineCfg { retransmit: true, max_in_network: Some(4), ..base() };
    assert_eq!(assert_all_pass(cfg), 525);
}

#[test]
fn crashes_with_durable_endpoints_pass() {
    assert_eq!(assert_all_pass(PipelineCfg { crashes: 1, ..base() }), 87);
}

#[test]
fn window_off_by_one_is_caught() {
    assert_caught(PipelineCfg { fault: Fault::WindowOffByOne, ..base() }, props::IN_FLIGHT);
}

#[test]
fn redelivering_a_duplicate_is_caught() {
    let cfg = PipelineCfg {
        fault: Fault::RedeliverDuplicates,
        network: NetworkKind::Duplicating,
        ..base()
    };
    assert_caught(cfg, props::PREFIX);
}

#[test]
fn delivering_out_of_order_is_caught() {
    assert_caught(PipelineCfg { fault: Fault::DeliverOutOfOrder, ..base() }, props::PREFIX);
}

#[test]
fn fifo_without_loss_or_duplication_hides_both_receiver_bugs() {
    for fault in [Fault::RedeliverDuplicates, Fault::DeliverOutOfOrder] {
        let cfg = PipelineCfg { fault, network: NetworkKind::Ordered, ..base() };
        assert!(check(cfg).discovery(props::PREFIX).is_none(), "{fault:?} cannot show on FIFO");
    }
}

#[test]
fn invalid_configurations_are_rejected() {
    for cfg in [
        PipelineCfg { window: 0, ..base() },
        PipelineCfg { window: 17, ..base() },
        PipelineCfg { messages: 0, ..base() },
        PipelineCfg { lossy: true, ..base() },
    ] {
        assert!(cfg.validate().is_err(), "{cfg:?}");
    }
}
