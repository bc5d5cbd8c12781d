//! Model checks of an authority and its caching resolvers: pinned state counts for each policy,
//! and for each safety property a deliberately broken resolver that the checker must catch. One
//! thread, BFS.

use inflight_checker::liveness::actor_faults;
use inflight_checker::network::NetworkKind;
use inflight_checker::report::{run_check, CheckOptions};
use inflight_checker::testing;
use inflight_checker::ttl::{props, PolicyKind, TtlCfg};
use inflight_core::ttl::Fault;

fn base() -> TtlCfg {
    TtlCfg::default()
}

fn assert_all_pass(cfg: TtlCfg) -> usize {
    testing::assert_all_pass(cfg.into_model(), actor_faults, &format!("{cfg:?}"))
}

/// Requires exactly `expected` to fail, with those counterexample lengths (see
/// [`testing::assert_failures`]).
fn assert_failures(cfg: TtlCfg, expected: &[(&str, usize)]) {
    testing::assert_failures(cfg.into_model(), actor_faults, &format!("{cfg:?}"), expected);
}

const POLICIES: [PolicyKind; 5] = [
    PolicyKind::OnDemand,
    PolicyKind::Periodic,
    PolicyKind::Push,
    PolicyKind::NoCache,
    PolicyKind::PushRenew,
];

#[test]
fn state_counts_are_pinned_for_each_policy() {
    let counts: Vec<usize> =
        POLICIES.into_iter().map(|policy| assert_all_pass(TtlCfg { policy, ..base() })).collect();
    // Push and push-renew have the same graph here: a renewal sends the same subscription
    // again, which a duplicating network already holds. The unordered network below and the
    // lossy one tell them apart.
    assert_eq!(counts, [38, 492, 340, 110, 340]);
    // The resends pile up on an unordered network, so it needs a bound.
    let unordered = TtlCfg { network: NetworkKind::Unordered, max_in_network: Some(4), ..base() };
    let counts: Vec<usize> = POLICIES
        .into_iter()
        .map(|policy| assert_all_pass(TtlCfg { policy, ..unordered }))
        .collect();
    assert_eq!(counts, [218, 3064, 891, 905, 2818]);
}

#[test]
fn lost_queries_and_answers_are_sent_again_until_every_read_is_answered() {
    let counts: Vec<usize> = [PolicyKind::OnDemand, PolicyKind::Periodic, PolicyKind::NoCache]
        .into_iter()
        .map(|policy| assert_all_pass(TtlCfg { policy, lossy: true, ..base() }))
        .collect();
    assert_eq!(counts, [146, 4706, 1354]);
}

#[test]
fn a_resolver_that_resends_only_once_leaves_a_read_unanswered_when_the_resend_is_lost_too() {
    // On a lossy network the query and its one resend may both be lost (the timed check shows
    // the same with --losses 2): a read, two losses, and nothing left to happen.
    for policy in [PolicyKind::OnDemand, PolicyKind::NoCache] {
        let broken = TtlCfg { policy, lossy: true, fault: Fault::ResendOnce, ..base() };
        assert_failures(broken, &[(props::ALL_ANSWERED_EVENTUALLY, 5)]);
        assert_failures(TtlCfg { lossy: false, ..broken }, &[]); // without losses it is correct
    }
    // Periodic refreshes send new queries, so there it is correct.
    let periodic = TtlCfg { policy: PolicyKind::Periodic, lossy: true, ..base() };
    assert_failures(TtlCfg { fault: Fault::ResendOnce, ..periodic }, &[]);
}

#[test]
fn a_resolver_that_keeps_answered_reads_answers_them_twice() {
    for policy in [PolicyKind::Periodic, PolicyKind::NoCache] {
        let broken = TtlCfg { policy, fault: Fault::KeepWaitingReads, ..base() };
        testing::assert_caught(broken.into_model(), props::ONCE, &format!("{broken:?}"));
        assert_failures(broken, &[(props::ONCE, 6)]);
    }
    // On demand, an entry never expires in an untimed model, so no read waits twice.
    assert_failures(TtlCfg { fault: Fault::KeepWaitingReads, ..base() }, &[]);
}

#[test]
fn push_subscribers_end_on_the_last_change() {
    let push = TtlCfg { policy: PolicyKind::Push, changes: 2, ..base() };
    assert_eq!(assert_all_pass(push), 1722);
    let report =
        run_check(push.into_model(), format!("{push:?}"), CheckOptions::default(), actor_faults);
    assert!(report.property(props::CONVERGED).is_some(), "push is checked for convergence");
}

#[test]
fn a_renewing_push_resolver_makes_lost_pushes_good_and_the_checker_catches_one_that_renews_once() {
    // A lost push, or a lost subscription, is made good by the next renewal: every subscriber
    // still ends on the last change.
    let renew = TtlCfg { policy: PolicyKind::PushRenew, lossy: true, changes: 2, ..base() };
    assert_eq!(assert_all_pass(renew), 30_780);
    // Renewing once is not enough: a push lost after the renewal is never made good.
    let once = TtlCfg { fault: Fault::RenewOnce, ..renew };
    assert_failures(once, &[(props::CONVERGED, 10)]);
    // Only a loss shows it: without one every push arrives.
    assert_failures(TtlCfg { lossy: false, ..once }, &[]);
}

#[test]
fn unusable_scenarios_are_refused_with_the_reason() {
    let cases = [
        (TtlCfg { network: NetworkKind::Unordered, ..base() }, "pile up"),
        (TtlCfg { network: NetworkKind::Ordered, ..base() }, "pile up"),
        (TtlCfg { policy: PolicyKind::Push, lossy: true, ..base() }, "never repaired"),
        (TtlCfg { resolvers: 0, ..base() }, "0 resolvers"),
        (TtlCfg { resolvers: 4, ..base() }, "4 resolvers"),
        (TtlCfg { reads: 0, ..base() }, "0 reads"),
        (TtlCfg { reads: 9, ..base() }, "9 reads"),
        (TtlCfg { changes: 5, ..base() }, "5 changes"),
        (TtlCfg { refreshes: 0, ..base() }, "0 refreshes"),
        (TtlCfg { crashes: 3, ..base() }, "3 crashes"),
    ];
    for (cfg, why) in cases {
        let err = cfg.validate().expect_err(why).to_string();
        assert!(err.contains(why), "{cfg:?}: '{err}' does not say '{why}'");
    }
}
