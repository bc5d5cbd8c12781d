//! Sound `eventually` under weak fairness, against stateright 0.31's dead-end-only check.

use inflight_checker::liveness::{actor_faults, check_eventually};
use inflight_checker::network::NetworkKind;
use inflight_checker::pipeline::PipelineCfg;
use inflight_checker::replication::ReplicationCfg;
use inflight_checker::testing::assert_livelock_caught;
use stateright::{Checker, Model, Property};

/// A tiny model: from 0 the system may `Spin` (stay at 0), `Detour` to 1 and back, or `Finish`
/// to 2, where the goal holds. `finish_everywhere` makes `Finish` enabled in 1 too.
#[derive(Clone)]
struct Toy {
    finish_from_zero: bool,
    finish_everywhere: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Act {
    Spin,
    Detour,
    Back,
    Finish,
}

impl Model for Toy {
    type State = u8;
    type Action = Act;
    fn init_states(&self) -> Vec<u8> {
        vec![0]
    }
    fn actions(&self, s: &u8, out: &mut Vec<Act>) {
        match s {
            0 => {
                out.push(Act::Spin);
                out.push(Act::Detour);
                if self.finish_from_zero {
                    out.push(Act::Finish);
                }
            }
            1 => {
                out.push(Act::Back);
                if self.finish_everywhere {
                    out.push(Act::Finish);
                }
            }
            _ => {}
        }
    }
    fn next_state(&self, s: &u8, a: Act) -> Option<u8> {
        Some(match (s, a) {
            (_, Act::Spin) => *s,
            (0, Act::Detour) => 1,
            (1, Act::Back) => 0,
            (_, Act::Finish) => 2,
            _ => return None,
        })
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::eventually("finished", |_, s| *s == 2)]
    }
}

#[test]
fn a_cycle_that_avoids_the_goal_fails_where_stateright_says_holds() {
    // Finish is possible from 0 but not from 1: a fair run may alternate 0 ⇄ 1 forever.
    let toy = Toy { finish_from_zero: true, finish_everywhere: false };
    let stateright = toy.clone().checker().spawn_bfs().join();
    assert!(stateright.discovery("finished").is_none(), "stateright 0.31 misses the cycle");
    let ours = check_eventually(&toy, 1000, &|_| false).expect("fits");
    let lasso = ours[0].counterexample.as_ref().expect("a fair cycle avoids the goal");
    assert!(!lasso.cycle.is_empty());
    assert!(lasso.cycle.iter().all(|(_, s)| *s != 2));
    assert_eq!(
        lasso.cycle.last().map(|(_, s)| *s),
        Some(lasso.prefix.last().map_or(lasso.init, |p| p.1))
    );
}

#[test]
fn weak_fairness_forces_an_action_enabled_throughout_the_cycle() {
    // Finish is enabled in both 0 and 1: any cycle that never takes it is unfair.
    let toy = Toy { finish_from_zero: true, finish_everywhere: true };
    let ours = check_eventually(&toy, 1000, &|_| false).expect("fits");
    assert!(ours[0].counterexample.is_none());
}

/// Two loops through state 0: one through `near`, where `Finish` stays enabled, and one
/// through `far`, where it is not. Only the loop through `far` is a fair run that avoids the
/// goal (3). `near` and `far` are 1 and 2 in either order, so that whichever loop the search
/// happens to see first, the counterexample must be the fair one.
#[derive(Clone)]
struct TwoLoops {
    near: u8,
}

/// `Go(n)` leaves 0 for n, `Back` returns to 0, `Finish` reaches the goal: one action wherever
/// it is enabled, as weak fairness counts actions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Step {
    Go(u8),
    Back,
    Finish,
}

impl Model for TwoLoops {
    type State = u8;
    type Action = Step;
    fn init_states(&self) -> Vec<u8> {
        vec![0]
    }
    fn actions(&self, s: &u8, out: &mut Vec<Step>) {
        match *s {
            0 => out.extend([Step::Go(1), Step::Go(2), Step::Finish]),
            n if n == self.near => out.extend([Step::Back, Step::Finish]),
            n if n < 3 => out.push(Step::Back),
            _ => {}
        }
    }
    fn next_state(&self, s: &u8, a: Step) -> Option<u8> {
        match (*s, a) {
            (0, Step::Go(n)) => Some(n),
            (1 | 2, Step::Back) => Some(0),
            (_, Step::Finish) => Some(3),
            _ => None,
        }
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::eventually("finished", |_, s| *s == 3)]
    }
}

#[test]
fn the_cycle_of_a_counterexample_is_itself_fair() {
    for near in [1, 2] {
        let far = 3 - near;
        let label = format!("near {near}");
        let path = assert_livelock_caught(TwoLoops { near }, |_| false, "finished", &label);
        // `assert_livelock_caught` requires the cycle to be fair, so it passes through `far`.
        assert!(path.contains(&Step::Go(far)), "{label}: {path:?}");
    }
}

#[test]
fn the_counterexample_leads_to_the_nearest_fair_cycle() {
    /// 0 → 1 → … → 5 spins at 5; 0 → 10 spins at 10. The goal is never reached: both spins
    /// are fair cycles, and the search meets the far one first.
    #[derive(Clone)]
    struct Two;
    impl Model for Two {
        type State = u8;
        type Action = u8;
        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }
        fn actions(&self, s: &u8, out: &mut Vec<u8>) {
            match *s {
                0 => out.extend([1, 10]),
                n @ 1..=4 => out.push(n + 1),
                n => out.push(n),
            }
        }
        fn next_state(&self, _: &u8, a: u8) -> Option<u8> {
            Some(a)
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::eventually("never", |_, _| false)]
        }
    }
    let ours = check_eventually(&Two, 100, &|_| false).expect("fits");
    let lasso = ours[0].counterexample.as_ref().expect("a fair cycle");
    assert_eq!(lasso.prefix, [(10, 10)], "the path to the nearest cycle");
    assert_eq!(lasso.cycle, [(10, 10)]);
}

#[test]
fn a_dead_end_before_the_goal_fails() {
    #[derive(Clone)]
    struct Stuck;
    impl Model for Stuck {
        type State = u8;
        type Action = u8;
        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }
        fn actions(&self, s: &u8, out: &mut Vec<u8>) {
            if *s == 0 {
                out.extend([1, 2]);
            }
        }
        fn next_state(&self, _: &u8, a: u8) -> Option<u8> {
            Some(a)
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::eventually("two", |_, s| *s == 2)]
        }
    }
    let ours = check_eventually(&Stuck, 10, &|_| false).expect("fits");
    let lasso = ours[0].counterexample.as_ref().expect("dead end at 1");
    assert!(lasso.cycle.is_empty());
    assert_eq!(lasso.prefix.last().map(|p| p.1), Some(1));
}

#[test]
fn replication_and_pipeline_commit_everything_under_weak_fairness() {
    let repl = [
        ReplicationCfg::default(),
        ReplicationCfg {
            network: NetworkKind::Duplicating,
            retransmit: true,
            ..Default::default()
        },
        ReplicationCfg { crashes: 1, ..Default::default() },
    ];
    for cfg in repl {
        let v = check_eventually(&cfg.into_model(), 1_000_000, &actor_faults).expect("fits");
        assert_eq!(v.len(), 1);
        assert!(
            v[0].counterexample.is_none(),
            "{cfg:?}: {:?}",
            v[0].counterexample.as_ref().map(|l| l.cycle.len())
        );
    }
    let pipe = [
        PipelineCfg::default(),
        PipelineCfg { network: NetworkKind::Duplicating, retransmit: true, ..Default::default() },
    ];
    for cfg in pipe {
        let v = check_eventually(&cfg.into_model(), 1_000_000, &actor_faults).expect("fits");
        assert!(v[0].counterexample.is_none(), "{cfg:?}");
    }
}

#[test]
fn a_receiver_that_drops_the_gap_forever_is_a_liveness_failure() {
    // Delivering out of order skips messages, which are then treated as duplicates and never
    // delivered: the goal "all delivered in order" is never reached.
    let cfg = PipelineCfg {
        fault: inflight_core::pipeline::Fault::DeliverOutOfOrder,
        network: NetworkKind::Duplicating,
        retransmit: true,
        ..Default::default()
    };
    let label = format!("{cfg:?}");
    let prop = inflight_checker::pipeline::props::ALL_DELIVERED_EVENTUALLY;
    inflight_checker::testing::assert_livelock_caught(cfg.into_model(), actor_faults, prop, &label);
}

#[test]
#[should_panic(expected = "not deterministic")]
fn a_model_whose_replay_differs_is_reported_not_trusted() {
    // The search keeps fingerprints, not states, and rebuilds a counterexample by replaying its
    // actions. A model whose next_state changes between calls cannot be replayed faithfully.
    struct Drifting(std::cell::Cell<u8>);
    impl Model for Drifting {
        type State = u8;
        type Action = u8;
        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }
        fn actions(&self, s: &u8, out: &mut Vec<u8>) {
            if *s == 0 {
                out.push(1);
            }
        }
        fn next_state(&self, _: &u8, _: u8) -> Option<u8> {
            self.0.set(self.0.get() + 1);
            Some(self.0.get()) // 1 while searching, 2 on the replay
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::eventually("never", |_, _| false)]
        }
    }
    let _ = check_eventually(&Drifting(std::cell::Cell::new(0)), 10, &|_| false);
}

#[test]
fn a_verdict_inside_a_boundary_says_that_it_covers_only_the_inside() {
    use inflight_checker::replication::props;
    use inflight_checker::report::{run_check, CheckOptions, LIVENESS_SEMANTICS};
    // Retransmission on a multiset network is bounded by the messages in flight: states with
    // more are reached but not explored, and a cycle through them could not be seen.
    let bounded = ReplicationCfg {
        replicas: 1,
        window: 2,
        writes: 2,
        retransmit: true,
        max_in_network: Some(4),
        ..Default::default()
    };
    let v = check_eventually(&bounded.into_model(), 1_000_000, &actor_faults).expect("fits");
    assert!(v[0].outside_boundary > 0);
    let report =
        run_check(bounded.into_model(), String::new(), CheckOptions::default(), actor_faults);
    let p = report.property(props::ALL_COMMITTED_EVENTUALLY).expect("property");
    let said = p.semantics.as_deref().unwrap_or_default();
    let n = v[0].outside_boundary;
    assert!(said.starts_with("sound only inside the model's boundary"), "{said}");
    assert!(said.contains(&format!("{n} states just beyond the boundary")), "{said}");
    // Without a boundary the verdict covers the whole graph, and says so.
    let whole = ReplicationCfg::default();
    let v = check_eventually(&whole.into_model(), 1_000_000, &actor_faults).expect("fits");
    assert_eq!(v[0].outside_boundary, 0);
    let report =
        run_check(whole.into_model(), String::new(), CheckOptions::default(), actor_faults);
    let p = report.property(props::ALL_COMMITTED_EVENTUALLY).expect("property");
    assert_eq!(p.semantics.as_deref(), Some(LIVENESS_SEMANTICS));
}

/// Two interchangeable players pass a ball. Either may hit at any moment: the one holding the
/// ball passes it, and a hit by the other ends the rally, which is the goal. Passing for ever
/// is a fair run that never ends the rally: both hits are enabled throughout and both are
/// taken. The state is (holder, ended), the action the hitter.
struct Rally;

impl Model for Rally {
    type State = (u8, bool);
    type Action = u8;
    fn init_states(&self) -> Vec<(u8, bool)> {
        vec![(0, false)]
    }
    fn actions(&self, s: &(u8, bool), out: &mut Vec<u8>) {
        if !s.1 {
            out.extend([0, 1]);
        }
    }
    fn next_state(&self, &(holder, ended): &(u8, bool), hitter: u8) -> Option<(u8, bool)> {
        Some(if hitter == holder { (1 - holder, ended) } else { (holder, true) })
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::eventually("the rally ends", |_, s: &(u8, bool)| s.1)]
    }
}

/// The players renamed so that player 0 holds the ball: swapping them is a symmetry of
/// [`Rally`] (it swaps the hitters too), and this picks one state of each class.
fn holder_is_player_0(s: &(u8, bool)) -> (u8, bool) {
    (0, s.1)
}

/// The reduced graph of [`Rally`] has one class without the goal, whose one edge inside (player
/// 0 passes) leads to a renaming of its representative, not to the representative itself.
/// Judged on the representatives as they stand, player 1's hit would be enabled throughout and
/// never taken, and the pass for ever would look unfair: the check must unfold that class into
/// its states to find the fair cycle.
#[test]
fn a_cycle_through_renamed_states_is_unfolded_before_it_is_judged() {
    use inflight_checker::liveness::check_eventually_reduced;
    use inflight_checker::testing::assert_counterexample;
    let rally = Rally;
    let whole = check_eventually(&rally, 100, &|_| false).expect("fits");
    let reduced =
        check_eventually_reduced(&rally, 100, &|_| false, holder_is_player_0).expect("a symmetry");
    for (graph, v) in [("whole", &whole), ("reduced", &reduced)] {
        let lasso = v[0]
            .counterexample
            .as_ref()
            .unwrap_or_else(|| panic!("the {graph} graph misses the rally that never ends"));
        assert_eq!(lasso.cycle.len(), 2, "{graph}: one pass each way: {lasso:?}");
        assert_counterexample(&rally, lasso, |_| false, "the rally ends", graph);
    }
}

/// One of two interchangeable players may get ready, and only the first: after that the only
/// thing that can happen is waiting, for ever, for the other. Reduced, that wait is an edge from
/// the representative to itself, so it is judged as it stands, and it is fair: the check must
/// not dismiss a component on the representatives without judging it.
#[test]
fn a_fair_cycle_through_representatives_only_is_a_counterexample() {
    use inflight_checker::liveness::check_eventually_reduced;
    use inflight_checker::testing::assert_counterexample;
    #[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
    enum Act {
        Ready(usize),
        Wait,
    }
    struct FirstOnly;
    impl Model for FirstOnly {
        type State = [bool; 2];
        type Action = Act;
        fn init_states(&self) -> Vec<[bool; 2]> {
            vec![[false; 2]]
        }
        fn actions(&self, s: &[bool; 2], out: &mut Vec<Act>) {
            match s {
                [false, false] => out.extend([Act::Ready(0), Act::Ready(1)]),
                [true, true] => {}
                _ => out.push(Act::Wait),
            }
        }
        fn next_state(&self, s: &[bool; 2], a: Act) -> Option<[bool; 2]> {
            let mut s = *s;
            if let Act::Ready(i) = a {
                s[i] = true;
            }
            Some(s)
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::eventually("both ready", |_, s| s == &[true, true])]
        }
    }
    // The players sorted, the ready ones last.
    let sorted = |s: &[bool; 2]| -> [bool; 2] {
        let mut r = *s;
        r.sort();
        r
    };
    let v = check_eventually_reduced(&FirstOnly, 100, &|_| false, sorted).expect("a symmetry");
    let lasso = v[0].counterexample.as_ref().expect("waiting for ever is a fair cycle");
    assert_eq!(lasso.cycle.iter().map(|(a, _)| *a).collect::<Vec<_>>(), [Act::Wait]);
    assert_counterexample(&FirstOnly, lasso, |_| false, "both ready", "reduced");
    // Without the wait, the state after the first is ready is a dead end: a counterexample too.
    assert!(check_eventually(&FirstOnly, 100, &|_| false).expect("fits")[0]
        .counterexample
        .is_some());
}

mod beside_the_search {
    //! The sound liveness pass runs on a thread of its own while stateright searches
    //! (`CheckOptions::liveness_beside`). It must decide exactly as the pass after the search
    //! does, and stop when it is called off.
    use super::*;
    use inflight_checker::liveness::{check_eventually_reduced, Limit};
    use inflight_checker::replication;
    use inflight_checker::report::{run_check_reduced, CheckOptions, CheckReport, FaultFn};
    use inflight_checker::symmetry::Representative;
    use inflight_checker::ttl::{self, TtlCfg};
    use inflight_core::replication::Fault;
    use inflight_core::ttl::Fault as TtlFault;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Everything a report says of its properties (timings aside).
    fn said(r: &CheckReport) -> Vec<String> {
        r.properties.iter().map(|p| format!("{p:?}")).collect()
    }

    /// Checks `model` with the pass beside the search and after it, reduced by `rep` if given,
    /// and requires the same report of both; returns the one from beside.
    fn alike<M>(
        make: impl Fn() -> M,
        faults: FaultFn<M::Action>,
        rep: Option<Representative<M>>,
    ) -> CheckReport
    where
        M: Model + Send + Sync + 'static,
        M::State: std::fmt::Debug
            + inflight_checker::report::Describe
            + std::hash::Hash
            + Eq
            + Clone
            + Send
            + Sync
            + 'static,
        M::Action: std::fmt::Debug + std::hash::Hash + Eq + Clone + Send + Sync + 'static,
    {
        let run = |beside| {
            let opts = CheckOptions { liveness_beside: beside, ..CheckOptions::default() };
            run_check_reduced(make(), String::new(), opts, faults, rep)
        };
        let (beside, after) = (run(true), run(false));
        assert!(beside.liveness_beside && !after.liveness_beside);
        assert_eq!(said(&beside), said(&after));
        assert_eq!(beside.unique_states, after.unique_states);
        assert!(beside.total_s >= beside.elapsed_s && after.total_s >= after.liveness_s);
        beside
    }

    #[test]
    fn the_pass_beside_decides_as_the_pass_after_with_the_same_counterexamples() {
        // A fair cycle that avoids the goal, on the whole graph and on the reduced one.
        let cycle = ReplicationCfg {
            replicas: 2,
            writes: 2,
            network: NetworkKind::Duplicating,
            lossy: true,
            retransmit: true,
            fault: Fault::ResendNewestOnly,
            ..ReplicationCfg::default()
        };
        for rep in [
            None,
            Some(replication::representative as Representative<replication::ReplicationModel>),
        ] {
            let r = alike(|| cycle.into_model(), actor_faults, rep);
            let p = r.property(replication::props::ALL_COMMITTED_EVENTUALLY).expect("property");
            assert!(p.verdict.is_fail() && p.cycle_from.is_some(), "{p:?}");
        }
        // A dead end, and a passing check, each reduced.
        let ttl_rep = Some(ttl::representative as Representative<ttl::TtlModel>);
        let stuck =
            TtlCfg { resolvers: 2, lossy: true, fault: TtlFault::ResendOnce, ..TtlCfg::default() };
        let r = alike(|| stuck.into_model(), actor_faults, ttl_rep);
        let p = r.property(ttl::props::ALL_ANSWERED_EVENTUALLY).expect("property");
        assert!(p.verdict.is_fail() && p.cycle_from.is_none(), "{p:?}");
        let fine = TtlCfg { resolvers: 2, lossy: true, ..TtlCfg::default() };
        assert!(alike(|| fine.into_model(), actor_faults, ttl_rep).passed());
    }

    #[test]
    fn a_pass_called_off_stops_short_and_decides_nothing() {
        let model = ReplicationCfg::default().into_model();
        let raised = AtomicBool::new(true);
        let explored = AtomicUsize::new(0);
        let off = Limit { states: 1_000_000, cancel: Some(&raised), explored: Some(&explored) };
        assert!(check_eventually(&model, off, &actor_faults).is_none());
        let rep = replication::representative;
        assert!(check_eventually_reduced(&model, off, &actor_faults, rep).is_none());
        assert_eq!(explored.load(Ordering::Relaxed), 0, "called off before the first state");
        // Not raised, the same limit decides, and shows the whole graph explored (159 states,
        // as stateright counts them).
        let lowered = AtomicBool::new(false);
        let on = Limit { cancel: Some(&lowered), ..off };
        assert!(check_eventually(&model, on, &actor_faults).is_some());
        assert_eq!(explored.load(Ordering::Relaxed), 159);
    }

    #[test]
    fn a_bounded_search_keeps_the_bounded_verdicts_and_not_the_pass_beside() {
        // 781,697 states in all: the bound stops the search, and the pass beside is called off.
        let big = ReplicationCfg { replicas: 3, window: 3, writes: 6, ..ReplicationCfg::default() };
        let opts = CheckOptions { max_states: Some(20_000), ..CheckOptions::default() };
        let r = run_check_reduced(big.into_model(), String::new(), opts, actor_faults, None);
        assert!(!r.complete && !r.liveness_beside);
        let p = r.property(replication::props::ALL_COMMITTED_EVENTUALLY).expect("property");
        assert_eq!(p.semantics.as_deref(), Some(inflight_checker::report::BOUNDED_LIVENESS));
    }
}
