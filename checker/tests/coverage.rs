//! Coverage (`check … --coverage`): the visit is checked against stateright's own counts, and
//! its table against what each configuration can and cannot do.
//!
//! The counts: a passing check visits every reachable state, and stateright's "generated" is
//! the initial states plus every step that reaches a state within the boundary, so the visit
//! must find exactly the checker's unique states and generated steps, for every protocol.
//!
//! The table: each claim pairs a configuration that must exercise a path with one that cannot
//! (a replica meets a gap only if messages can overtake one another, a detector confirms only
//! if it is the confirming one), so a table that listed every path, or none, fails.

use inflight_checker::coverage::{collect, Bounds, Coverage};
use inflight_checker::deadlock::DeadlockCfg;
use inflight_checker::network::NetworkKind;
use inflight_checker::pipeline::PipelineCfg;
use inflight_checker::replication::{self, ReplicationCfg};
use inflight_checker::retry::{RetryCfg, RetryPolicy};
use inflight_checker::stage::StageCfg;
use inflight_checker::staleness::StalenessCfg;
use inflight_checker::symmetry::Representative;
use inflight_checker::ttl::{PolicyKind, TtlCfg};
use inflight_core::deadlock::DetectorKind;
use stateright::{Checker, Model};
use std::fmt::Debug;
use std::hash::Hash;

/// The visit's counts against a breadth-first stateright check of the same model (depth-first
/// with the symmetry, which stateright reduces only depth-first).
fn agrees_with_stateright<M>(what: &str, model: M, class: Option<Representative<M>>) -> Coverage
where
    M: Model + Clone + Send + Sync + 'static,
    M::State: Hash + Eq + Debug + Clone + Send + Sync + 'static,
    M::Action: Hash + Eq + Debug + Clone + Send + Sync + 'static,
{
    let coverage = collect(&model, Bounds::default(), class);
    let inits = model.init_states().iter().filter(|s| model.within_boundary(s)).count();
    let (unique, generated) = match class {
        Some(rep) => counts(&model, model.clone().checker().symmetry_fn(rep).spawn_dfs().join()),
        None => counts(&model, model.clone().checker().spawn_bfs().join()),
    };
    assert!(coverage.complete && coverage.stopped_by.is_none(), "{what}");
    assert_eq!(coverage.states, unique, "{what}: unique states");
    if class.is_none() {
        assert_eq!(inits as u64 + coverage.successors, generated as u64, "{what}: generated");
    }
    let calls: u64 = coverage.rows.iter().map(|r| r.calls).sum();
    assert!(calls >= coverage.steps, "{what}: every step is counted at least once");
    coverage
}

/// A finished check's unique and generated states, once it is known to pass: a counterexample
/// would stop stateright short of the states the visit finds.
fn counts<M: Model>(model: &M, checker: impl Checker<M>) -> (usize, usize)
where
    M::State: Debug + Clone + PartialEq,
    M::Action: Debug + Clone + PartialEq,
{
    for p in model.properties() {
        if p.expectation == stateright::Expectation::Always {
            assert!(checker.discovery(p.name).is_none(), "\"{}\" fails", p.name);
        }
    }
    (checker.unique_state_count(), checker.state_count())
}

/// One replica, which may crash and recover its durable log.
fn crashes() -> ReplicationCfg {
    ReplicationCfg { replicas: 1, writes: 2, crashes: 1, ..Default::default() }
}

/// One write over a network that loses messages, resent on a timer, at most 3 in flight.
fn lossy() -> ReplicationCfg {
    ReplicationCfg {
        writes: 1,
        lossy: true,
        retransmit: true,
        max_in_network: Some(3),
        ..Default::default()
    }
}

#[test]
fn the_visit_finds_what_stateright_finds_for_every_protocol() {
    agrees_with_stateright("replication", ReplicationCfg::default().into_model(), None);
    agrees_with_stateright("replication crashes", crashes().into_model(), None);
    // Bounded by what is in flight: steps beyond the boundary are taken but lead nowhere.
    agrees_with_stateright("replication lossy", lossy().into_model(), None);
    let three = ReplicationCfg { replicas: 3, ..Default::default() };
    let reduced = agrees_with_stateright(
        "replication 3",
        three.into_model(),
        Some(replication::representative),
    );
    let full = collect(&three.into_model(), Bounds::default(), None);
    assert!(reduced.states < full.states, "{} classes of {} states", reduced.states, full.states);
    agrees_with_stateright("pipeline", PipelineCfg::default().into_model(), None);
    agrees_with_stateright("deadlock", DeadlockCfg::default().into_model(), None);
    let ring = DeadlockCfg {
        workload: inflight_checker::deadlock::Workload::Ring,
        processes: 3,
        sites: 3,
        resources: 3,
        ..Default::default()
    };
    agrees_with_stateright(
        "deadlock ring reduced",
        ring.into_model(),
        Some(inflight_checker::deadlock::representative),
    );
    agrees_with_stateright("stage", StageCfg::default().into_model(), None);
    agrees_with_stateright("ttl", TtlCfg::default().into_model(), None);
    let ttl = TtlCfg { resolvers: 2, ..Default::default() };
    agrees_with_stateright(
        "ttl 2 reduced",
        ttl.into_model(),
        Some(inflight_checker::ttl::representative),
    );
    agrees_with_stateright("retry", RetryCfg::default().into_model(), None);
    let retry = RetryCfg { clients: 4, ..Default::default() };
    agrees_with_stateright(
        "retry 4 reduced",
        retry.into_model(),
        Some(inflight_checker::retry::representative),
    );
    agrees_with_stateright("staleness", StalenessCfg::default().into_model(), None);
}

#[test]
fn a_replica_meets_a_gap_only_where_messages_overtake() {
    let cov = |network, window| {
        let cfg = ReplicationCfg { network, window, ..Default::default() };
        collect(&cfg.into_model(), Bounds::default(), None)
    };
    let unordered = cov(NetworkKind::Unordered, 2);
    assert!(unordered.calls("message Append", "rejected: Gap") > 0, "{unordered}");
    assert!(unordered.calls("command Write", "refused: WindowFull") > 0, "{unordered}");
    // In order per link, or one write in flight: a replica never sees a write before the last.
    for (what, c) in
        [("ordered", cov(NetworkKind::Ordered, 2)), ("k = 1", cov(NetworkKind::Unordered, 1))]
    {
        let appends = c.outcomes("message Append");
        assert!(appends.iter().all(|(outcome, _)| outcome.starts_with("accepted")), "{what}: {c}");
        assert!(c.calls("message Append", "accepted, emits Stored") > 0, "{what}: {c}");
    }
    // Nothing is lost, so nothing is resent, and nobody crashes.
    assert!(unordered.outcomes("timer Retransmit").is_empty(), "{unordered}");
    assert!(
        unordered.outcomes("recover").is_empty() && unordered.outcomes("action Crash").is_empty()
    );
}

#[test]
fn the_events_a_handler_emits_tell_a_first_delivery_from_a_repeat() {
    // On a duplicating network a replica meets each write again: it acknowledges it again
    // without storing it. In order and without duplicates, every append it takes is stored.
    let cov = |network| {
        let cfg = ReplicationCfg { network, ..Default::default() };
        collect(&cfg.into_model(), Bounds::default(), None)
    };
    let (duplicating, ordered) = (cov(NetworkKind::Duplicating), cov(NetworkKind::Ordered));
    assert!(duplicating.calls("message Append", "accepted, emits Stored") > 0, "{duplicating}");
    assert!(duplicating.calls("message Append", "accepted") > 0, "{duplicating}");
    assert_eq!(ordered.calls("message Append", "accepted"), 0, "{ordered}");
    // Only an acknowledgement that completes a write's quorum commits it.
    assert!(ordered.calls("message Ack", "accepted, emits Committed") > 0, "{ordered}");
}

#[test]
fn crashes_and_losses_show_as_their_own_steps() {
    let c = collect(&crashes().into_model(), Bounds::default(), None);
    assert!(c.calls("action Crash", "no handler ran") > 0, "{c}");
    assert!(c.calls("recover", "from its durable state") > 0, "{c}");
    let c = collect(&lossy().into_model(), Bounds::default(), None);
    assert!(c.calls("action Drop", "no handler ran") > 0, "{c}");
    assert!(c.calls("timer Retransmit", "fired") > 0, "{c}");
}

#[test]
fn only_the_confirming_detector_confirms() {
    let cov = |detector| {
        let cfg = DeadlockCfg { detector, ..Default::default() };
        collect(&cfg.into_model(), Bounds::default(), None)
    };
    let confirming = cov(DetectorKind::Confirming);
    let naive = cov(DetectorKind::Naive);
    for input in ["message Confirm", "message Confirmation", "message Resolve"] {
        assert!(confirming.calls(input, "accepted") > 0, "{input}: {confirming}");
        assert!(naive.outcomes(input).is_empty(), "{input}: {naive}");
    }
    // A confirmation that comes after its round ended is stale; reports overtake each other.
    assert!(confirming.calls("message Confirmation", "rejected: Stale") > 0, "{confirming}");
    assert!(naive.calls("message Report", "rejected: StaleReport") > 0, "{naive}");
}

#[test]
fn a_bound_stops_the_visit_breadth_first_and_says_which() {
    let lossy = ReplicationCfg { writes: 2, lossy: true, retransmit: true, ..Default::default() };
    let bounds = Bounds { states: Some(20_000), ..Bounds::default() };
    let c = collect(&lossy.into_model(), bounds, None);
    assert_eq!((c.complete, c.stopped_by, c.states), (false, Some("states"), 20_000));
    // Breadth-first: the shallow paths are all there, both writes and the gap among them.
    assert!(c.calls("command Write", "accepted") > 0, "{c}");
    assert!(c.calls("message Append", "rejected: Gap") > 0, "{c}");
    assert!(c.to_string().contains("(stopped by the states bound: not every state)"));
}

#[test]
fn each_protocol_runs_a_path_only_where_its_scenario_can() {
    // Pipeline: the sender resends only on a network that loses.
    let pipeline = |lossy| {
        let cfg =
            PipelineCfg { lossy, retransmit: lossy, max_in_network: Some(3), ..Default::default() };
        collect(&cfg.into_model(), Bounds::default(), None)
    };
    let (lossless, lossy) = (pipeline(false), pipeline(true));
    assert!(lossy.calls("timer Retransmit", "fired") > 0, "{lossy}");
    assert!(lossy.calls("action Drop", "no handler ran") > 0, "{lossy}");
    assert!(lossless.outcomes("timer Retransmit").is_empty(), "{lossless}");

    // Stage: the source is refused at its cap only if it has more jobs than the cap.
    let stage = |cap, jobs| {
        let cfg = StageCfg { cap, jobs, ..Default::default() };
        collect(&cfg.into_model(), Bounds::default(), None)
    };
    let (over, within) = (stage(2, 3), stage(3, 3));
    assert!(over.calls("command Submit", "refused: AtCap") > 0, "{over}");
    assert!(within.calls("command Submit", "accepted") > 0, "{within}");
    assert_eq!(within.calls("command Submit", "refused: AtCap"), 0, "{within}");

    // TTL: only a push resolver subscribes and takes pushes.
    let ttl = |policy| {
        let cfg = TtlCfg { policy, ..Default::default() };
        collect(&cfg.into_model(), Bounds::default(), None)
    };
    let (push, on_demand) = (ttl(PolicyKind::Push), ttl(PolicyKind::OnDemand));
    for input in ["message Subscribe", "message Push"] {
        assert!(push.calls(input, "accepted") > 0, "{input}: {push}");
        assert!(on_demand.outcomes(input).is_empty(), "{input}: {on_demand}");
    }

    // Retry: a fixed delay draws nothing; jitter draws.
    let retry = |policy| {
        let cfg = RetryCfg { policy, ..Default::default() };
        collect(&cfg.into_model(), Bounds::default(), None)
    };
    let (fixed, jitter) = (retry(RetryPolicy::Fixed), retry(RetryPolicy::Jitter));
    // A client draws its delay as it starts to back off.
    assert!(jitter.calls("draw", "answered, emits Retrying") > 0, "{jitter}");
    assert!(fixed.outcomes("draw").is_empty(), "{fixed}");
}
