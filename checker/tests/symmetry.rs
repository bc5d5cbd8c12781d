//! Symmetry reduction of the replication model (`--symmetry`): the representative function is
//! checked against the whole state space, and reduced checks against full ones.
//!
//! The reduction is sound and complete when every state's class has exactly one representative
//! and the reduced search reaches every class. Both are checked here on every explored state,
//! exactly: for every state and every renaming of its replicas the representative is the same,
//! and the classes the reduced search reaches are exactly those of the whole graph. A
//! representative that forgets one part of the renaming is caught by the same check.
//!
//! The explorer's reduction ([`Reduced`]: one branch per class of next states) is checked the
//! same way: it offers a branch to every class each state's branches reach, its states are all
//! real, it reaches every class, and a counterexample's path translated into it walks the same
//! run up to names and breaks the same property at the same step.

use inflight_checker::liveness::{
    actor_faults, check_eventually, check_eventually_reduced, Liveness,
};
use inflight_checker::network::NetworkKind;
use inflight_checker::readable::Wrapper;
use inflight_checker::replication::{
    props, representative, ReplNode, ReplicationCfg, ReplicationState,
};
use inflight_checker::report::{
    parse_path, replay, run_check, run_check_reduced, CheckOptions, CheckReport, Describe, FaultFn,
};
use inflight_checker::symmetry::{self, Reduced, Representative};
use inflight_checker::testing::assert_counterexample;
use inflight_core::replication::{AckPolicy, Fault};
use inflight_core::{Effects, Instant, Machine, NodeId};
use stateright::actor::Id;
use stateright::Model;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

fn fp<T: Hash>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

fn rename_node(m: &ReplNode, rename: &dyn Fn(Id) -> Id) -> Option<ReplNode> {
    m.renamed(|id| NodeId(usize::from(rename(Id::from(id.0 as usize))) as u8))
}

/// `s` with its replicas renamed by `to` (actor i becomes actor `to[i]`).
fn renamed(s: &ReplicationState, to: &[usize]) -> ReplicationState {
    symmetry::permute(
        s,
        to,
        |st, r| {
            Some(inflight_checker::adapter::NodeState {
                machine: rename_node(&st.machine, r)?,
                ..st.clone()
            })
        },
        |st, r| {
            Some(inflight_checker::adapter::NodeState {
                machine: rename_node(&st.machine, r)?,
                ..st.clone()
            })
        },
        |m, _| Some(*m),
    )
    .expect("a permutation of the replicas")
}

/// Every renaming of actors 1..n that keeps actor 0.
fn renamings(n: usize) -> Vec<Vec<usize>> {
    fn go(rest: &mut Vec<usize>, done: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if rest.is_empty() {
            out.push(std::iter::once(0).chain(done.iter().copied()).collect());
        }
        for k in 0..rest.len() {
            let x = rest.remove(k);
            done.push(x);
            go(rest, done, out);
            done.pop();
            rest.insert(k, x);
        }
    }
    let mut out = Vec::new();
    go(&mut (1..n).collect(), &mut Vec::new(), &mut out);
    out
}

/// Explores the whole graph of `model`, which every renaming in `all` maps onto itself, and
/// checks `rep` on it (`renamed(s, to)` renames `s` by `to`). Returns the number of classes, or what
/// is wrong: a state whose renamings have different representatives, a representative that is
/// not a renaming of its state, or a reduced search that reaches other classes than the whole
/// graph has.
fn check_reduction<M, G: std::fmt::Debug>(
    model: &M,
    all: &[G],
    renamed: impl Fn(&M::State, &G) -> M::State,
    rep: fn(&M::State) -> M::State,
) -> Result<usize, String>
where
    M: Model,
    M::State: Hash + std::fmt::Debug,
{
    // As stateright does, states outside the model's boundary are neither counted nor explored.
    let successors = |s: &M::State| {
        let mut actions = Vec::new();
        model.actions(s, &mut actions);
        let next = actions.into_iter().filter_map(|a| model.next_state(s, a));
        next.filter(|n| model.within_boundary(n)).collect::<Vec<_>>()
    };
    // The whole graph, and the class of each state.
    let mut seen = HashSet::new();
    let mut classes = HashSet::new();
    let mut queue = VecDeque::new();
    for s in model.init_states() {
        if seen.insert(fp(&s)) {
            queue.push_back(s);
        }
    }
    while let Some(s) = queue.pop_front() {
        let r = fp(&rep(&s));
        if !all.iter().any(|to| fp(&renamed(&s, to)) == r) {
            return Err(format!("the representative of {s:?} is not a renaming of it"));
        }
        for to in all {
            if fp(&rep(&renamed(&s, to))) != r {
                return Err(format!("renaming {to:?} of {s:?} has another representative"));
            }
        }
        classes.insert(r);
        for next in successors(&s) {
            if seen.insert(fp(&next)) {
                queue.push_back(next);
            }
        }
    }
    // The reduced search: one state per class, the first reached, followed as it is.
    let mut reached = HashSet::new();
    let mut queue = VecDeque::new();
    for s in model.init_states() {
        if reached.insert(fp(&rep(&s))) {
            queue.push_back(s);
        }
    }
    while let Some(s) = queue.pop_front() {
        for next in successors(&s) {
            if reached.insert(fp(&rep(&next))) {
                queue.push_back(next);
            }
        }
    }
    if reached != classes {
        return Err(format!(
            "the reduced search reaches {} classes, {} of them not in the whole graph's {}",
            reached.len(),
            reached.difference(&classes).count(),
            classes.len()
        ));
    }
    Ok(classes.len())
}

/// The states along an explorer path (`i0/i1/…`) of `model`.
fn states_along<M: Model>(model: &M, path: &str) -> Vec<M::State>
where
    M::State: Clone,
{
    let indices = parse_path(path).expect("a path");
    let mut s = model.init_states().swap_remove(indices[0]);
    let mut along = vec![s.clone()];
    for &ix in &indices[1..] {
        let mut actions = Vec::new();
        model.actions(&s, &mut actions);
        s = model.next_state(&s, actions.swap_remove(ix)).expect("a step");
        along.push(s.clone());
    }
    along
}

/// The steps from `s` that stay within the model's boundary, as stateright explores them.
fn successors<M: Model>(model: &M, s: &M::State) -> Vec<M::State> {
    let mut actions = Vec::new();
    model.actions(s, &mut actions);
    let next = actions.into_iter().filter_map(|a| model.next_state(s, a));
    next.filter(|n| model.within_boundary(n)).collect()
}

/// Explores `model` as the explorer reduced by `explorer_rep` offers it, breadth-first, and
/// checks it against the whole graph, whose classes `rep` gives. Returns the states explored
/// and the classes, or what is wrong: a state the model does not reach, a state whose kept
/// branches reach fewer classes than all its branches do, or a class not reached.
fn check_explorer<M>(
    model: M,
    rep: Representative<M>,
    explorer_rep: Representative<M>,
) -> Result<(usize, usize), String>
where
    M: Model,
    M::State: Hash + Eq + Clone + std::fmt::Debug,
    M::Action: Clone + std::fmt::Debug,
{
    let explorer = Reduced::new(model, explorer_rep);
    let model = Wrapper::inner(&explorer);
    let class = |s: &M::State| fp(&rep(s));
    let mut states = HashSet::new();
    let mut classes = HashSet::new();
    let mut queue: VecDeque<M::State> = model.init_states().into();
    while let Some(s) = queue.pop_front() {
        if states.insert(fp(&s)) {
            classes.insert(class(&s));
            queue.extend(successors(model, &s));
        }
    }
    let mut explored = HashSet::new();
    let mut reached = HashSet::new();
    let mut queue: VecDeque<M::State> = explorer.init_states().into();
    while let Some(s) = queue.pop_front() {
        if !explored.insert(fp(&s)) {
            continue;
        }
        if !states.contains(&fp(&s)) {
            return Err(format!("{s:?} is not reached by the model"));
        }
        reached.insert(class(&s));
        let kept = successors(&explorer, &s);
        let offered: HashSet<u64> = kept.iter().map(class).collect();
        let all: HashSet<u64> = successors(model, &s).iter().map(class).collect();
        if offered != all {
            return Err(format!(
                "{s:?} offers {} of its {} classes of next states",
                offered.len(),
                all.len()
            ));
        }
        queue.extend(kept);
    }
    if reached != classes {
        return Err(format!("{} of {} classes reached", reached.len(), classes.len()));
    }
    Ok((explored.len(), classes.len()))
}

/// [`check_explorer`] on each scenario: the classes, and the states explored.
fn explorer_counts<C: std::fmt::Debug + Copy, M>(
    scenarios: Vec<C>,
    make: impl Fn(C) -> M,
    rep: Representative<M>,
) -> (Vec<usize>, Vec<usize>)
where
    M: Model,
    M::State: Hash + Eq + Clone + std::fmt::Debug,
    M::Action: Clone + std::fmt::Debug,
{
    let check = |cfg: C| {
        let (states, classes) =
            check_explorer(make(cfg), rep, rep).unwrap_or_else(|e| panic!("{cfg:?}: {e}"));
        (classes, states)
    };
    scenarios.into_iter().map(check).unzip()
}

/// [`check_reduction`]'s class count for each scenario, or a panic naming the scenario and
/// what is wrong.
fn class_counts<C: std::fmt::Debug + Copy>(
    scenarios: Vec<C>,
    reduction: impl Fn(C) -> Result<usize, String>,
) -> Vec<usize> {
    let count = |cfg: C| reduction(cfg).unwrap_or_else(|e| panic!("{cfg:?}: {e}"));
    scenarios.into_iter().map(count).collect()
}

fn replication(
    cfg: ReplicationCfg,
    rep: fn(&ReplicationState) -> ReplicationState,
) -> Result<usize, String> {
    let all = renamings(cfg.replicas as usize + 1);
    check_reduction(&cfg.into_model(), &all, |s, to| renamed(s, to), rep)
}

fn base() -> ReplicationCfg {
    ReplicationCfg::default()
}

/// Two replicas on a network that loses and duplicates, with retransmission.
fn lossy() -> ReplicationCfg {
    ReplicationCfg {
        window: 1,
        writes: 2,
        network: NetworkKind::Duplicating,
        lossy: true,
        retransmit: true,
        ..base()
    }
}

/// Small scenarios over every network, with crashes and with losses.
fn scenarios() -> Vec<ReplicationCfg> {
    let mut v = Vec::new();
    for network in NetworkKind::ALL {
        v.push(ReplicationCfg { network, ..base() });
        v.push(ReplicationCfg { network, replicas: 3, writes: 2, ..base() });
    }
    v.push(ReplicationCfg { crashes: 1, writes: 2, ..base() });
    v.push(ReplicationCfg { replicas: 3, ack: AckPolicy::Majority, writes: 2, ..base() });
    v.push(lossy());
    v
}

/// The classes of [`scenarios`]' state graphs.
const CLASSES: [usize; 9] = [49, 67, 90, 95, 186, 252, 462, 95, 3708];

#[test]
fn every_state_of_a_class_has_one_representative_and_the_reduced_search_reaches_every_class() {
    let counts = class_counts(scenarios(), |cfg| replication(cfg, representative));
    // The classes are what a reduced check counts (below); pinned so a change shows.
    assert_eq!(counts, CLASSES);
}

/// A representative that renames the replicas but leaves the primary's record of their
/// progress where it was: the renamed state is not the same system any more.
fn forgets_the_primarys_record(s: &ReplicationState) -> ReplicationState {
    let group = 1..s.actor_states.len();
    symmetry::canonical(
        s,
        group.clone(),
        |s, i| symmetry::actor_key(s, &symmetry::in_flight(&s.network), &group, i, ()),
        |st, _| Some(st.clone()),
        |st, _| Some(st.clone()),
        |m, _| Some(*m),
    )
}

#[test]
fn a_representative_that_forgets_part_of_the_renaming_is_caught() {
    let err = replication(base(), forgets_the_primarys_record).expect_err("caught");
    assert!(err.contains("not a renaming") || err.contains("another representative"), "{err}");
}

/// An actor's key holds what it has in flight: in order on an ordered network (a replica sent
/// 1 then 2 is not in the same place as one sent 2 then 1), as a multiset on the others (where
/// the order of the network's hash table is no order at all).
#[test]
fn an_actors_key_counts_the_order_of_its_messages_only_on_an_ordered_network() {
    use inflight_core::replication::Msg;
    use stateright::actor::{Envelope, Network};
    let s0 = base().into_model().init_states().remove(0);
    let group = 1..s0.actor_states.len();
    let (one, two) = (Msg::Append { seq: 1, value: 1 }, Msg::Append { seq: 2, value: 2 });
    let to = |dst: usize, msg| Envelope { src: Id::from(0), dst: Id::from(dst), msg };
    let sent = vec![to(1, one), to(1, two), to(2, two), to(2, one)];
    let keys = |network| {
        let s = ReplicationState { network, ..s0.clone() };
        let flight = symmetry::in_flight(&s.network);
        let key = |i| symmetry::actor_key(&s, &flight, &group, i, ());
        (key(1), key(2))
    };
    let (k1, k2) = keys(Network::new_ordered(sent.clone()));
    assert_ne!(k1, k2, "replica 1 is sent 1 then 2, replica 2 is sent 2 then 1");
    let (k1, k2) = keys(Network::new_unordered_nonduplicating(sent.clone()));
    assert_eq!(k1, k2, "each replica has 1 and 2 in flight");
    let (k1, k2) = keys(Network::new_unordered_duplicating(sent));
    assert_eq!(k1, k2, "each replica has 1 and 2 in flight");
}

fn verdicts(r: &CheckReport) -> Vec<(String, String)> {
    r.properties.iter().map(|p| (p.name.clone(), p.verdict.to_string())).collect()
}

/// The check of the model `make` builds, in full and reduced by `rep`.
fn full_and_reduced<M>(
    make: impl Fn() -> M,
    label: String,
    faults: FaultFn<M::Action>,
    rep: symmetry::Representative<M>,
) -> (CheckReport, CheckReport)
where
    M: Model + Send + Sync + 'static,
    M::State: std::fmt::Debug + Describe + Hash + Eq + Clone + Send + Sync + 'static,
    M::Action: std::fmt::Debug + Hash + Eq + Clone + Send + Sync + 'static,
{
    let opts = CheckOptions::default;
    let full = run_check(make(), label.clone(), opts(), faults);
    let reduced = run_check_reduced(make(), label, opts(), faults, Some(rep));
    (full, reduced)
}

/// Requires each pair of checks to pass with the same verdicts; returns their state counts,
/// full and reduced.
fn passing_counts<C: std::fmt::Debug>(
    checks: impl Iterator<Item = (C, (CheckReport, CheckReport))>,
) -> (Vec<usize>, Vec<usize>) {
    checks
        .map(|(cfg, (full, reduced))| {
            assert_eq!(verdicts(&reduced), verdicts(&full), "{cfg:?}");
            assert!(reduced.passed(), "{cfg:?}");
            (full.unique_states, reduced.unique_states)
        })
        .unzip()
}

/// Decides every `eventually` property of `model` on the whole graph and on the graph reduced
/// by `rep`: the same properties fail, their counterexamples take as many steps to their
/// cycles, and every counterexample either gives is a real one (a run into a dead end or a
/// fair cycle without the goal, `testing::assert_counterexample`). Each lasso of the whole
/// graph, translated into the explorer reduced by `rep`, closes exactly and walks the same
/// classes ([`lasso_translates`]). Returns how many properties fail, and how many of their
/// lassos took more than one turn to close in the reduced explorer.
fn liveness_alike<M>(
    model: M,
    rep: symmetry::Representative<M>,
    faults: FaultFn<M::Action>,
    label: &str,
) -> (usize, usize)
where
    M: Model,
    M::State: std::fmt::Debug + Hash + Eq + Clone,
    M::Action: std::fmt::Debug + Hash + Eq + Clone,
{
    let limit = CheckOptions::default().liveness_limit;
    let full = check_eventually(&model, limit, &faults).expect("the whole graph fits");
    let reduced = check_eventually_reduced(&model, limit, &faults, rep).expect("it fits");
    let failing = |v: &[Liveness<M::State, M::Action>]| -> Vec<&str> {
        v.iter().filter(|l| l.counterexample.is_some()).map(|l| l.property).collect()
    };
    assert_eq!(failing(&reduced), failing(&full), "{label}");
    // Both lead to the fair cycle (or dead end) nearest the initial state: distances to a
    // class are the same in both graphs.
    let prefix = |v: &[Liveness<M::State, M::Action>]| -> Vec<Option<usize>> {
        v.iter().map(|l| l.counterexample.as_ref().map(|c| c.prefix.len())).collect()
    };
    assert_eq!(prefix(&reduced), prefix(&full), "{label}: the paths to the cycles");
    for l in full.iter().chain(&reduced) {
        if let Some(lasso) = &l.counterexample {
            assert_counterexample(&model, lasso, faults, l.property, label);
        }
    }
    let explorer = Reduced::new(model, rep);
    let mut renamed = 0;
    // Dead ends have no cycle to close.
    let lassos = full.iter().filter_map(|l| l.counterexample.as_ref());
    for lasso in lassos.filter(|l| !l.cycle.is_empty()) {
        let actions = lasso.prefix.iter().chain(&lasso.cycle).map(|(a, _)| a);
        let plain = Wrapper::inner(&explorer);
        let path = stateright::Path::from_actions(plain, lasso.init.clone(), actions)
            .expect("the lasso is a path")
            .encode(plain);
        let (from, turns) = lasso_translates(&explorer, &path, lasso.prefix.len(), label);
        renamed += (from > lasso.prefix.len() || turns > 1) as usize;
    }
    (failing(&full).len(), renamed)
}

/// Translates `path`, a lasso of the model `explorer` reduces whose cycle starts after step
/// `from`, into `explorer`, and requires the result to close exactly (its last state is the
/// state where its cycle starts) and each of its states to be in the class of the state at the
/// same step of the plain lasso, unrolled. Returns the step its cycle starts after, and the
/// turns of the plain cycle it takes.
fn lasso_translates<M>(
    explorer: &Reduced<M>,
    path: &str,
    from: usize,
    label: &str,
) -> (usize, usize)
where
    M: Model,
    M::State: Hash + Eq + Clone + std::fmt::Debug,
    M::Action: Clone + std::fmt::Debug,
{
    let rep = explorer.representative();
    let (translated, start) = explorer.translate_lasso(path, from).expect("the lasso translates");
    let plain = states_along(Wrapper::inner(explorer), path);
    let along = states_along(explorer, &translated);
    let turn = plain.len() - 1 - from;
    assert_eq!(along[start], along[along.len() - 1], "{label}: {translated} does not close");
    assert!(start >= from && (start - from) % turn == 0, "{label}: {translated} from {start}");
    assert_eq!((along.len() - 1 - from) % turn, 0, "{label}: {translated} stops inside a turn");
    for (i, s) in along.iter().enumerate() {
        let unrolled = if i <= from { i } else { from + 1 + (i - from - 1) % turn };
        assert_eq!(fp(&rep(s)), fp(&rep(&plain[unrolled])), "{label}: step {i} of {translated}");
    }
    // No state repeats at the end of a turn before the cycle closes: the cycle is as short as
    // the turns allow.
    let ends: Vec<&M::State> = along[from..].iter().step_by(turn).collect();
    let first_repeat = (1..ends.len()).find(|&k| ends[..k].contains(&ends[k]));
    assert_eq!(first_repeat, Some(ends.len() - 1), "{label}: {translated}");
    (start, (along.len() - 1 - start) / turn)
}

fn both(cfg: ReplicationCfg) -> (CheckReport, CheckReport) {
    full_and_reduced(|| cfg.into_model(), format!("{cfg:?}"), actor_faults, representative)
}

#[test]
fn the_explorer_reduced_by_symmetry_reaches_every_class_through_real_states() {
    let (classes, states) =
        explorer_counts(scenarios(), ReplicationCfg::into_model, representative);
    assert_eq!(classes, CLASSES);
    // It merges a state's branches, not states: fewer states than the model's (82, 244, 159,
    // 371, 369, 1272, 896, 371, 7413, pinned above), more than the classes. Pinned so a
    // change shows.
    assert_eq!(states, [70, 117, 141, 184, 311, 567, 893, 184, 7412]);
}

#[test]
fn a_reduced_check_gives_the_full_checks_verdicts_on_fewer_states() {
    let (full, reduced) = passing_counts(scenarios().into_iter().map(|cfg| (cfg, both(cfg))));
    assert_eq!(full, [82, 244, 159, 371, 369, 1272, 896, 371, 7413]);
    // The reduced search counts exactly the classes of the whole graph.
    assert_eq!(reduced, CLASSES);
}

#[test]
fn broken_variants_are_caught_with_the_reduction_and_each_counterexample_is_a_real_run() {
    let cases = [
        (ReplicationCfg { fault: Fault::WindowOffByOne, ..base() }, props::IN_FLIGHT, 3),
        (ReplicationCfg { fault: Fault::AckBeforeStore, ..base() }, props::COMMITTED_STORED, 5),
        (ReplicationCfg { fault: Fault::StoreOutOfOrder, ..base() }, props::PREFIX, 3),
        (
            ReplicationCfg { fault: Fault::VolatileLog, crashes: 1, ..base() },
            props::COMMITTED_STORED,
            6,
        ),
    ];
    for (cfg, property, steps) in cases {
        let len = caught_alike(&cfg, both(cfg), property, cfg.into_model(), representative);
        assert_eq!(len, steps, "{cfg:?}");
    }
}

/// Requires the reduced check (second) to give the full check's verdicts and to catch
/// `property` with a counterexample as long as the full check's, whose path replays on the
/// unreduced model `plain` and breaks the property there; and that path, translated into the
/// explorer reduced by `rep`, to walk the same classes and break the property at the same
/// step. Returns the path's length.
fn caught_alike<C: std::fmt::Debug, M>(
    cfg: &C,
    (full, reduced): (CheckReport, CheckReport),
    property: &str,
    plain: M,
    rep: Representative<M>,
) -> usize
where
    M: Model,
    M::State: Describe + Hash + Eq + Clone + std::fmt::Debug,
    M::Action: Clone + std::fmt::Debug,
{
    assert_eq!(verdicts(&reduced), verdicts(&full), "{cfg:?}");
    let p = reduced.property(property).expect("property");
    assert!(p.verdict.is_fail(), "{cfg:?}: {property} not caught");
    // The same length as without the reduction: the reduced search is breadth-first too.
    let len = |r: &CheckReport| r.property(property).and_then(|p| p.path.as_ref()).map(Vec::len);
    let steps = len(&reduced).expect("a counterexample path");
    assert_eq!(len(&full), Some(steps), "{cfg:?}");
    let path = p.explorer_path.as_deref().expect("an explorer path");
    let replayed = replay(&plain, path).expect("the path applies");
    let at = |violations: &[(String, usize)]| {
        violations.iter().find(|(name, _)| name == property).map(|(_, at)| *at)
    };
    let step = at(&replayed.violations);
    assert!(step.is_some(), "{cfg:?}: replaying {path} does not break {property}");
    let explorer = Reduced::new(plain, rep);
    let translated = explorer.translate(path).expect("the path translates");
    let classes = |along: Vec<M::State>| along.iter().map(|s| fp(&rep(s))).collect::<Vec<_>>();
    assert_eq!(
        classes(states_along(&explorer, &translated)),
        classes(states_along(Wrapper::inner(&explorer), path)),
        "{cfg:?}: {path} translated to {translated}"
    );
    let replayed = replay(&explorer, &translated).expect("the translated path applies");
    assert_eq!(at(&replayed.violations), step, "{cfg:?}: {translated}");
    steps
}

mod ttl {
    //! The same checks for the naming model's resolvers.

    use super::*;
    use inflight_checker::ttl::{self, PolicyKind, TtlCfg, TtlState};
    use inflight_core::ttl::{Fault, Node};

    fn rename_node(m: &Node, rename: &dyn Fn(Id) -> Id) -> Option<Node> {
        m.renamed(|id| NodeId(usize::from(rename(Id::from(id.0 as usize))) as u8))
    }

    fn renamed(s: &TtlState, to: &[usize]) -> TtlState {
        let state = |st: &inflight_checker::adapter::NodeState<Node, ttl::Answers>,
                     r: &dyn Fn(Id) -> Id| {
            Some(inflight_checker::adapter::NodeState {
                machine: rename_node(&st.machine, r)?,
                ..st.clone()
            })
        };
        symmetry::permute(s, to, state, state, |m, _| Some(*m)).expect("a permutation")
    }

    pub(super) fn both(cfg: TtlCfg) -> (CheckReport, CheckReport) {
        full_and_reduced(|| cfg.into_model(), format!("{cfg:?}"), actor_faults, ttl::representative)
    }

    fn reduction(cfg: TtlCfg) -> Result<usize, String> {
        check_reduction(
            &cfg.into_model(),
            &renamings(cfg.resolvers as usize + 1),
            |s, to| renamed(s, to),
            ttl::representative,
        )
    }

    fn base() -> TtlCfg {
        TtlCfg { resolvers: 2, ..TtlCfg::default() }
    }

    /// Two and three resolvers under every policy, with losses and with a crash.
    fn scenarios() -> Vec<TtlCfg> {
        let one = TtlCfg { reads: 1, ..base() };
        let quiet = TtlCfg { changes: 0, ..one };
        vec![
            base(),
            TtlCfg { resolvers: 3, ..one },
            TtlCfg { resolvers: 3, policy: PolicyKind::NoCache, ..one },
            TtlCfg { policy: PolicyKind::Periodic, refreshes: 1, ..quiet },
            TtlCfg { policy: PolicyKind::Push, ..quiet },
            TtlCfg { policy: PolicyKind::PushRenew, ..quiet },
            TtlCfg { lossy: true, ..one },
            TtlCfg { crashes: 1, ..one },
        ]
    }

    /// The classes of [`scenarios`]' state graphs.
    const CLASSES: [usize; 8] = [500, 663, 663, 48, 671, 671, 1968, 1834];

    #[test]
    fn every_state_of_a_class_has_one_representative_and_the_reduced_search_reaches_every_class() {
        assert_eq!(class_counts(scenarios(), reduction), CLASSES);
    }

    #[test]
    fn a_reduced_check_gives_the_full_checks_verdicts_on_the_classes() {
        let checks = scenarios().into_iter().map(|cfg| (cfg, both(cfg)));
        let (full, reduced) = passing_counts(checks);
        assert_eq!(full, [994, 3556, 3556, 93, 1340, 1340, 3930, 3656]);
        assert_eq!(reduced, CLASSES);
    }

    #[test]
    fn broken_resolvers_are_caught_with_the_reduction() {
        let cases = [
            (TtlCfg { fault: Fault::AcceptStaleAnswers, ..base() }, ttl::props::MONOTONIC),
            (
                TtlCfg { fault: Fault::KeepWaitingReads, policy: PolicyKind::NoCache, ..base() },
                ttl::props::ONCE,
            ),
        ];
        for (cfg, property) in cases {
            caught_alike(&cfg, both(cfg), property, cfg.into_model(), ttl::representative);
        }
    }

    #[test]
    fn the_explorer_reduced_by_symmetry_reaches_every_class_through_real_states() {
        let (classes, states) =
            explorer_counts(scenarios(), TtlCfg::into_model, ttl::representative);
        assert_eq!(classes, CLASSES);
        assert_eq!(states, [820, 1101, 1101, 77, 1232, 1232, 3856, 3508]);
    }
}

mod retry {
    //! The same checks for the retry model's clients, and one more: the model itself is
    //! symmetric. Its clients act within a slot in an order fixed by their states, not their
    //! names, so renaming a state's clients renames each of its steps.

    use super::*;
    use inflight_checker::retry::{self, RetryCfg, RetryModel, RetryPolicy, RetryState};
    use inflight_core::retry::{Fault, Node};

    /// `s` with its clients renamed by `to` (node i becomes node `to[i]`), written here apart
    /// from the model's own renaming, so that a renaming that forgets something is caught.
    fn renamed(s: &RetryState, to: &[usize]) -> RetryState {
        let id = |i: usize| to[i];
        let mut nodes = s.nodes.clone();
        for (i, node) in s.nodes.iter().enumerate() {
            nodes[id(i)] = match node {
                Node::Server(x) => Node::Server(x.renamed(|n| NodeId(id(n.0 as usize) as u8))),
                c => *c,
            };
        }
        let mut timers: Vec<_> =
            s.timers.iter().map(|&(n, t, left)| (id(n as usize) as u8, t, left)).collect();
        timers.sort();
        RetryState { nodes, timers, clock: s.clock, retried: s.retried }
    }

    fn base() -> RetryCfg {
        RetryCfg::default()
    }

    /// Every policy, a server that serves two for two slots, a longer outage, clients that give
    /// up, and four clients.
    fn scenarios() -> Vec<RetryCfg> {
        let mut v: Vec<RetryCfg> =
            RetryPolicy::ALL.into_iter().map(|policy| RetryCfg { policy, ..base() }).collect();
        v.push(RetryCfg { capacity: 2, service: 2, ..base() });
        v.push(RetryCfg { outage: 2, slots: 2, ..base() });
        v.push(RetryCfg { max_attempts: Some(2), ..base() });
        v.push(RetryCfg { clients: 4, slots: 4, ..base() });
        v
    }

    fn reduction(cfg: RetryCfg) -> Result<usize, String> {
        let model = cfg.into_model();
        check_reduction(
            &model,
            &renamings(cfg.clients as usize + 1),
            |s, to| renamed(s, to),
            retry::representative,
        )
    }

    pub(super) fn both(cfg: RetryCfg) -> (CheckReport, CheckReport) {
        full_and_reduced(|| cfg.into_model(), format!("{cfg:?}"), |_| false, retry::representative)
    }

    /// The classes of [`scenarios`]' state graphs.
    const CLASSES: [usize; 9] = [12, 69, 16, 16, 282, 56, 84, 30, 511];

    /// Every reachable state, breadth-first.
    fn reachable(model: &RetryModel) -> Vec<RetryState> {
        let mut seen = HashSet::new();
        let mut queue: VecDeque<RetryState> = model.init_states().into();
        let mut all = Vec::new();
        while let Some(s) = queue.pop_front() {
            if !seen.insert(fp(&s)) {
                continue;
            }
            let mut actions = Vec::new();
            model.actions(&s, &mut actions);
            queue.extend(actions.into_iter().filter_map(|a| model.next_state(&s, a)));
            all.push(s);
        }
        all
    }

    /// The first state and renaming under which a step of the renamed state does not lead to
    /// the class of the step it renames: another list of actions, or an action that leads to
    /// another class. (Not to the renamed step itself: of clients alike in everything, the
    /// lower-numbered acts first, so a renaming that swaps two of them leaves the state as it
    /// is, and its steps too; they differ from the renamed steps only by those clients' names.)
    fn asymmetry(model: &RetryModel, n: usize) -> Option<String> {
        let class = |t: Option<RetryState>| t.map(|t| fp(&retry::representative(&t)));
        for s in reachable(model) {
            let mut actions = Vec::new();
            model.actions(&s, &mut actions);
            for to in renamings(n) {
                let r = renamed(&s, &to);
                let mut renamed_actions = Vec::new();
                model.actions(&r, &mut renamed_actions);
                if renamed_actions != actions {
                    return Some(format!("renaming {to:?} of {s:?} has other actions"));
                }
                for a in &actions {
                    let step = model.next_state(&s, *a);
                    let renamed_step = model.next_state(&r, *a);
                    if class(renamed_step) != class(step.map(|t| renamed(&t, &to))) {
                        return Some(format!("{a:?} from renaming {to:?} of {s:?} goes elsewhere"));
                    }
                }
            }
        }
        None
    }

    #[test]
    fn renaming_the_clients_of_a_state_renames_every_step() {
        for cfg in scenarios() {
            if let Some(e) = asymmetry(&cfg.into_model(), cfg.clients as usize + 1) {
                panic!("{cfg:?}: {e}");
            }
        }
    }

    #[test]
    fn every_state_of_a_class_has_one_representative_and_the_reduced_search_reaches_every_class() {
        assert_eq!(class_counts(scenarios(), reduction), CLASSES);
    }

    /// A representative that reorders the clients but leaves the server's requests in service
    /// under their old names.
    fn forgets_the_servers_requests(s: &RetryState) -> RetryState {
        let mut r = retry::representative(s);
        r.nodes[0] = s.nodes[0];
        r
    }

    #[test]
    fn a_representative_that_forgets_part_of_the_renaming_is_caught() {
        let cfg = RetryCfg { capacity: 2, service: 2, ..base() };
        let model = cfg.into_model();
        let err = check_reduction(
            &model,
            &renamings(4),
            |s, to| renamed(s, to),
            forgets_the_servers_requests,
        )
        .expect_err("caught");
        assert!(err.contains("not a renaming") || err.contains("another representative"), "{err}");
    }

    #[test]
    fn a_reduced_check_gives_the_full_checks_verdicts_on_the_classes() {
        let checks = scenarios().into_iter().map(|cfg| (cfg, both(cfg)));
        let (full, reduced) = passing_counts(checks);
        assert_eq!(full, [12, 160, 19, 19, 566, 140, 244, 80, 2978]);
        assert_eq!(reduced, CLASSES);
    }

    #[test]
    fn broken_servers_and_clients_are_caught_with_the_reduction() {
        let cases = [
            (RetryCfg { fault: Fault::CapacityOffByOne, ..base() }, retry::props::CAPACITY),
            (RetryCfg { fault: Fault::SilentShed, ..base() }, retry::props::NOTHING_LOST),
            (
                RetryCfg { fault: Fault::SilentGiveUp, max_attempts: Some(2), ..base() },
                retry::props::NOTHING_LOST,
            ),
        ];
        for (cfg, property) in cases {
            caught_alike(&cfg, both(cfg), property, cfg.into_model(), retry::representative);
        }
    }

    #[test]
    fn the_explorer_reduced_by_symmetry_reaches_every_class_through_real_states() {
        let (classes, states) =
            explorer_counts(scenarios(), RetryCfg::into_model, retry::representative);
        assert_eq!(classes, CLASSES);
        assert_eq!(states, [12, 72, 16, 16, 295, 56, 109, 31, 618]);
    }

    /// n + k − 1 choose k: the multisets of k values out of n.
    fn multisets(n: usize, k: usize) -> usize {
        (1..=k).fold(1, |acc, i| acc * (n + i - 1) / i)
    }

    #[test]
    fn the_reduced_explorer_lists_one_first_slot_per_multiset_of_draws() {
        // Every client fails at once, then draws one of six delays: clients alike in
        // everything, so the next states' classes are the multisets of the draws.
        for clients in 1..=5u8 {
            let explorer = Reduced::new(
                RetryCfg { clients, slots: 6, ..base() }.into_model(),
                retry::representative,
            );
            let init = explorer.init_states().remove(0);
            let (mut all, mut kept) = (Vec::new(), Vec::new());
            Wrapper::inner(&explorer).actions(&init, &mut all);
            explorer.actions(&init, &mut kept);
            let n = clients as usize;
            assert_eq!((all.len(), kept.len()), (6usize.pow(n as u32), multisets(6, n)));
        }
        assert_eq!(multisets(6, 5), 252);
    }

    /// A representative that forgets the clients' retry timers: it merges states whose clients
    /// retry at different times.
    fn forgets_the_timers(s: &RetryState) -> RetryState {
        let mut r = retry::representative(s);
        r.timers.clear();
        r
    }

    #[test]
    fn an_explorer_reduced_by_a_representative_that_merges_classes_is_caught() {
        let err = check_explorer(base().into_model(), retry::representative, forgets_the_timers)
            .expect_err("caught");
        // Three clients draw one of three delays: 10 multisets, all merged into one.
        assert!(err.contains(&format!("offers 1 of its {} classes", multisets(3, 3))), "{err}");
        // Translating a path into it fails too, rather than giving a path to another run.
        let explorer = Reduced::new(base().into_model(), forgets_the_timers);
        let err = explorer.translate("0/1/0").expect_err("caught");
        assert!(err.contains("not symmetric"), "{err}");
    }

    #[test]
    fn a_request_shed_in_silence_never_ends_with_or_without_the_reduction() {
        let cfg = RetryCfg { fault: Fault::SilentShed, ..base() };
        let (failing, renamed) =
            liveness_alike(cfg.into_model(), retry::representative, |_| false, "silent shed");
        assert_eq!((failing, renamed), (1, 0));
    }
}

mod liveness {
    //! `eventually` under the reduction: decided on the reduced graph when it has no cycle or
    //! dead end without the goal, on the whole graph otherwise, and never differently.

    use super::ttl::both as ttl_both;
    use super::*;
    use inflight_checker::report::{LIVENESS_SEMANTICS, REDUCED_LIVENESS};
    use inflight_checker::ttl::{self, TtlCfg};
    use inflight_core::ttl::Fault as TtlFault;

    fn semantics(r: &CheckReport, property: &str) -> Option<String> {
        r.property(property).and_then(|p| p.semantics.clone())
    }

    #[test]
    fn the_reduced_graph_decides_with_or_without_cycles() {
        // 5 replicas on an unordered network: nothing repeats, so nothing is unfolded.
        let cfg = ReplicationCfg { replicas: 5, ..base() };
        let (full, reduced) = both(cfg);
        assert_eq!(verdicts(&reduced), verdicts(&full));
        let goal = props::ALL_COMMITTED_EVENTUALLY;
        assert_eq!(semantics(&reduced, goal).as_deref(), Some(REDUCED_LIVENESS));
        assert_eq!(semantics(&full, goal).as_deref(), Some(LIVENESS_SEMANTICS));
        // Losses and retransmission make cycles, none of them fair: unfolded, the same way.
        let (full, reduced) = both(lossy());
        assert_eq!(verdicts(&reduced), verdicts(&full));
        assert!(reduced.passed(), "{reduced}");
        assert_eq!(semantics(&reduced, goal).as_deref(), Some(REDUCED_LIVENESS));
        // A bound on the network: the verdict says it covers only the inside, in classes.
        let bounded = ReplicationCfg {
            replicas: 3,
            network: NetworkKind::Unordered,
            max_in_network: Some(3),
            ..lossy()
        };
        let (full, reduced) = both(bounded);
        assert_eq!(verdicts(&reduced), verdicts(&full));
        let said = semantics(&reduced, goal).unwrap_or_default();
        assert!(said.starts_with("sound only inside") && said.contains("classes"), "{said}");
    }

    #[test]
    fn liveness_failures_are_still_caught_under_the_reduction() {
        // A fair cycle: resending only the newest write never repairs a lost older one.
        let cycle = ReplicationCfg {
            writes: 2,
            network: NetworkKind::Duplicating,
            lossy: true,
            retransmit: true,
            fault: Fault::ResendNewestOnly,
            ..base()
        };
        let (full, reduced) = both(cycle);
        assert_eq!(verdicts(&reduced), verdicts(&full));
        let p = reduced.property(props::ALL_COMMITTED_EVENTUALLY).expect("property");
        assert!(p.verdict.is_fail() && p.cycle_from.is_some(), "{:?}", p.verdict);
        // A dead end: a resolver that resends a lost query only once waits for ever.
        let cfg =
            TtlCfg { resolvers: 2, lossy: true, fault: TtlFault::ResendOnce, ..TtlCfg::default() };
        let (full, reduced) = ttl_both(cfg);
        assert_eq!(verdicts(&reduced), verdicts(&full));
        let p = reduced.property(ttl::props::ALL_ANSWERED_EVENTUALLY).expect("property");
        assert!(p.verdict.is_fail(), "{:?}", p.verdict);
    }
}

mod sweep {
    //! Every broken variant of both models, on networks with and without losses and crashes:
    //! the reduced check gives every verdict the full check gives, `eventually` included, so
    //! a reduced graph never passes a property the whole graph fails.

    use super::*;
    use inflight_checker::ttl::{self, PolicyKind, TtlCfg};
    use inflight_core::ttl::Fault as TtlFault;

    #[test]
    fn reduced_and_full_checks_agree_on_every_variant() {
        // Checks that fail a safety property, and checks that fail only an `eventually` one.
        let mut failing = [0, 0];
        let mut count = |r: &CheckReport| {
            let failed =
                |e: &str| r.properties.iter().any(|p| p.expectation == e && p.verdict.is_fail());
            if failed("always") || failed("sometimes") {
                failing[0] += 1;
            } else if failed("eventually") {
                failing[1] += 1;
            }
        };
        // `eventually` properties that fail, each decided on both graphs.
        let (mut eventually, mut renamed) = (0, 0);
        let mut add = |(failing, turns): (usize, usize)| {
            eventually += failing;
            renamed += turns;
        };
        // Window 2, so that resending only the newest write can leave an older one lost.
        let lossy = ReplicationCfg { window: 2, ..lossy() };
        let crash = ReplicationCfg { writes: 2, crashes: 1, ..base() };
        for fault in [
            Fault::None,
            Fault::WindowOffByOne,
            Fault::AckBeforeStore,
            Fault::StoreOutOfOrder,
            Fault::VolatileLog,
            Fault::ResendNewestOnly,
        ] {
            for cfg in [base(), lossy, crash] {
                let cfg = ReplicationCfg { fault, ..cfg };
                let (full, reduced) = both(cfg);
                assert_eq!(verdicts(&reduced), verdicts(&full), "{cfg:?}");
                count(&full);
                let label = format!("{cfg:?}");
                add(liveness_alike(cfg.into_model(), representative, actor_faults, &label));
            }
        }
        let ttl = TtlCfg { resolvers: 2, reads: 1, ..TtlCfg::default() };
        for fault in [
            TtlFault::None,
            TtlFault::AcceptStaleAnswers,
            TtlFault::KeepWaitingReads,
            TtlFault::RestartQueryNumbers,
            TtlFault::ResendOnce,
            TtlFault::RenewOnce,
        ] {
            // Push-renew with losses or crashes has 124,000 states or more: left to the CLI.
            let mut cfgs = vec![TtlCfg { fault, policy: PolicyKind::PushRenew, changes: 0, ..ttl }];
            for policy in [PolicyKind::OnDemand, PolicyKind::NoCache] {
                cfgs.push(TtlCfg { fault, policy, ..ttl });
                cfgs.push(TtlCfg { fault, policy, lossy: true, changes: 0, ..ttl });
                cfgs.push(TtlCfg { fault, policy, crashes: 1, changes: 0, ..ttl });
            }
            for cfg in cfgs {
                let (full, reduced) = super::ttl::both(cfg);
                assert_eq!(verdicts(&reduced), verdicts(&full), "{cfg:?}");
                count(&full);
                let (model, label) = (cfg.into_model(), format!("{cfg:?}"));
                add(liveness_alike(model, ttl::representative, actor_faults, &label));
            }
        }
        // The sweep includes failures, safety and liveness ones, not only passing checks.
        assert_eq!(failing, [8, 5], "(safety, liveness) failures");
        assert_eq!(eventually, 6, "`eventually` failures, with or without a safety failure");
        // Every lasso here closes in its first turn; the unit test of `translate_lasso` has
        // one that takes two.
        assert_eq!(renamed, 0, "lassos that closed only after a renamed turn");
    }
}

mod distinct_hashes {
    //! stateright 0.31 hashes each actor's timer set as its elements' hashes, with no count, one
    //! actor after another. Unless each timer names its actor (`adapter::ActorTimer`), two states
    //! that differ only in which actor holds a timer hash alike, and stateright's visited set,
    //! which keeps one hash per state, explores only one of them. The broken ttl variants have
    //! such states: a resolver that resends only once keeps its state as it was when its retry
    //! timer goes, so the timer's owner is all that tells two states apart.

    use super::*;
    use inflight_checker::ttl::TtlCfg;
    use inflight_core::ttl::Fault as TtlFault;
    use stateright::Checker;

    /// Records the bytes a state's `Hash` writes: what any byte-stream hasher sees of it.
    struct Record(Vec<u8>);

    impl Hasher for Record {
        fn write(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
        fn finish(&self) -> u64 {
            0
        }
    }

    /// Every reachable state of `model`, told apart by equality (not by hash), and how many
    /// pairs of unequal ones write the same bytes to a hasher.
    fn reachable_and_alike<M>(model: &M) -> (usize, usize)
    where
        M: Model,
        M::State: Hash + Eq + Clone,
    {
        let mut seen: HashSet<M::State> = HashSet::new();
        let mut by_bytes: std::collections::HashMap<Vec<u8>, M::State> = Default::default();
        let mut alike = 0;
        let mut todo: Vec<M::State> = model.init_states();
        while let Some(s) = todo.pop() {
            if !seen.insert(s.clone()) {
                continue;
            }
            let mut r = Record(Vec::new());
            s.hash(&mut r);
            match by_bytes.get(&r.0) {
                Some(other) => alike += (other != &s) as usize,
                None => drop(by_bytes.insert(r.0, s.clone())),
            }
            let mut actions = Vec::new();
            model.actions(&s, &mut actions);
            todo.extend(actions.into_iter().filter_map(|a| model.next_state(&s, a)));
        }
        (seen.len(), alike)
    }

    #[test]
    fn states_that_differ_only_in_a_timers_owner_hash_apart_and_are_all_explored() {
        let cfg =
            TtlCfg { resolvers: 2, reads: 1, fault: TtlFault::ResendOnce, ..TtlCfg::default() };
        for cfg in [cfg, TtlCfg { lossy: true, changes: 0, ..cfg }] {
            let (reachable, alike) = reachable_and_alike(&cfg.into_model());
            // Untagged timers: 466 reachable states, 26 pairs alike (441 and 36 when lossy).
            assert_eq!(alike, 0, "{cfg:?}: {alike} pairs of states hash alike");
            let checked = cfg.into_model().checker().spawn_bfs().join();
            assert_eq!(checked.unique_state_count(), reachable, "{cfg:?}");
        }
    }

    /// A node whose one command asks for a draw and records nothing of it: which node has a
    /// draw pending is then only in stateright's map of pending draws.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct Forgetful;

    impl Machine for Forgetful {
        type Msg = u8;
        type Cmd = ();
        type Timer = u8;
        type Event = ();
        type CmdError = ();
        type MsgError = ();
        type Durable = Self;
        fn on_start(&mut self, _: Instant, _: &mut impl Effects<Self>) {}
        fn on_command(
            &mut self,
            _: Instant,
            _: (),
            out: &mut impl Effects<Self>,
        ) -> Result<(), ()> {
            out.random(1);
            Ok(())
        }
        fn on_message(
            &mut self,
            _: Instant,
            _: NodeId,
            _: u8,
            _: &mut impl Effects<Self>,
        ) -> Result<(), ()> {
            Ok(())
        }
        fn on_timer(&mut self, _: Instant, _: u8, _: &mut impl Effects<Self>) {}
        fn durable(&self) -> Self {
            self.clone()
        }
        fn recover(durable: Self, _: Instant, _: &mut impl Effects<Self>) -> Self {
            durable
        }
    }

    #[test]
    fn states_that_differ_only_in_a_pending_draws_owner_hash_apart_and_are_all_explored() {
        use inflight_checker::adapter::NodeActor;
        use stateright::actor::{ActorModel, Network};
        let model = || {
            ActorModel::<NodeActor<Forgetful>, (), ()>::new((), ())
                .actors((0..2).map(|_| NodeActor::new(Forgetful).with_script([()])))
                .init_network(Network::new_unordered_nonduplicating([]))
                // stateright stops a search once every property is decided: one that never is.
                .property(stateright::Expectation::Always, "anything", |_, _| true)
        };
        let (reachable, alike) = reachable_and_alike(&model());
        // Both nodes issue; then either draws first, leaving the other's draw pending.
        assert!(reachable > 4, "{reachable}");
        assert_eq!(alike, 0, "{alike} pairs of states hash alike");
        assert_eq!(model().checker().spawn_bfs().join().unique_state_count(), reachable);
    }
}

mod deadlock {
    //! The same checks for the deadlock ring's rotations: shifting every process, resource and
    //! site by one maps the ring (process i locks resource i, then i + 1) onto itself when there
    //! are as many resources as processes and the sites divide them. Here the group is a cyclic
    //! one, so the renamings are the shifts, and the model's symmetry itself is checked too:
    //! every step of a shifted state is the shifted step.

    use super::*;
    use inflight_checker::deadlock::{self as dl, DeadlockCfg, DeadlockModel, DeadlockState};
    use inflight_checker::deadlock::{props, Workload};
    use inflight_core::deadlock::{DetectorKind, Fault};
    use stateright::Expectation;

    fn ring(processes: u8, sites: u8) -> DeadlockCfg {
        DeadlockCfg {
            processes,
            sites,
            resources: processes,
            workload: Workload::Ring,
            ..DeadlockCfg::default()
        }
    }

    /// Two and three processes, each detector, every network, one site or one per process.
    fn scenarios() -> Vec<DeadlockCfg> {
        let mut v = vec![ring(2, 1), ring(2, 2)];
        v.push(DeadlockCfg { detector: DetectorKind::Naive, ..ring(2, 2) });
        for network in [NetworkKind::Ordered, NetworkKind::Duplicating] {
            v.push(DeadlockCfg { network, ..ring(2, 2) });
        }
        v.push(ring(3, 1));
        v.push(ring(3, 3));
        v.push(DeadlockCfg { fault: Fault::TrustTriggeringReport, ..ring(3, 3) });
        v
    }

    fn shifts(cfg: DeadlockCfg) -> Vec<u8> {
        (0..cfg.processes).collect()
    }

    fn shifted(s: &DeadlockState, k: &u8) -> DeadlockState {
        dl::rotation(s, *k).expect("the sites divide the processes")
    }

    fn reduction(cfg: DeadlockCfg) -> Result<usize, String> {
        check_reduction(&cfg.into_model(), &shifts(cfg), shifted, dl::representative)
    }

    /// The first state and shift under which the steps of the shifted state are not the
    /// shifted steps, compared as sets of states.
    fn asymmetry(model: &DeadlockModel, all: &[u8]) -> Option<String> {
        let steps = |s: &DeadlockState| -> HashSet<u64> {
            let mut actions = Vec::new();
            model.actions(s, &mut actions);
            actions.into_iter().filter_map(|a| model.next_state(s, a)).map(|t| fp(&t)).collect()
        };
        let mut seen = HashSet::new();
        let mut queue: VecDeque<DeadlockState> = model.init_states().into();
        while let Some(s) = queue.pop_front() {
            if !seen.insert(fp(&s)) {
                continue;
            }
            let mut actions = Vec::new();
            model.actions(&s, &mut actions);
            let next: Vec<_> =
                actions.into_iter().filter_map(|a| model.next_state(&s, a)).collect();
            for k in all {
                let image: HashSet<u64> = next.iter().map(|t| fp(&shifted(t, k))).collect();
                if steps(&shifted(&s, k)) != image {
                    return Some(format!("the steps of {s:?} shifted by {k} are not its steps"));
                }
            }
            queue.extend(next);
        }
        None
    }

    #[test]
    fn shifting_a_state_shifts_every_step() {
        for cfg in scenarios() {
            if let Some(e) = asymmetry(&cfg.into_model(), &shifts(cfg)) {
                panic!("{cfg:?}: {e}");
            }
        }
    }

    /// The classes of [`scenarios`]' state graphs: about a half of the states with two
    /// processes, a third with three.
    const CLASSES: [usize; 8] = [491, 555, 550, 390, 866, 30561, 18531, 18529];

    #[test]
    fn every_state_of_a_class_has_one_representative_and_the_reduced_search_reaches_every_class() {
        assert_eq!(class_counts(scenarios(), reduction), CLASSES);
    }

    #[test]
    fn the_explorer_reduced_by_symmetry_reaches_every_class_through_real_states() {
        let (classes, states) =
            explorer_counts(scenarios(), DeadlockCfg::into_model, dl::representative);
        assert_eq!(classes, CLASSES);
        assert_eq!(states, [491, 556, 551, 391, 874, 79576, 43098, 43110]);
    }

    /// A representative that shifts the nodes but leaves the messages in flight as they were.
    fn forgets_the_messages(s: &DeadlockState) -> DeadlockState {
        DeadlockState { network: s.network.clone(), ..dl::representative(s) }
    }

    #[test]
    fn a_representative_that_forgets_part_of_the_renaming_is_caught() {
        let cfg = ring(2, 2);
        let err = check_reduction(&cfg.into_model(), &shifts(cfg), shifted, forgets_the_messages)
            .expect_err("caught");
        assert!(err.contains("is not a renaming of it"), "{err}");
    }

    #[test]
    fn reduced_checks_give_the_full_checks_verdicts() {
        let both = |cfg: DeadlockCfg| {
            full_and_reduced(
                || cfg.into_model(),
                format!("{cfg:?}"),
                actor_faults,
                dl::representative,
            )
        };
        let confirming = scenarios().into_iter().filter(|c| c.detector == DetectorKind::Confirming);
        let (full, reduced) = passing_counts(confirming.map(|cfg| (cfg, both(cfg))));
        assert_eq!(full, [975, 1099, 769, 1730, 91669, 55571, 55571]);
        assert_eq!(reduced, [491, 555, 390, 866, 30561, 18531, 18529]);
        // The naive detector's phantom is unreachable in the ring, in full and reduced alike.
        let (full, reduced) = both(DeadlockCfg { detector: DetectorKind::Naive, ..ring(3, 3) });
        assert_eq!(verdicts(&reduced), verdicts(&full));
        let phantom = reduced.properties.iter().find(|p| p.name == props::PHANTOM_REACHABLE);
        assert_eq!(phantom.map(|p| p.verdict.to_string()).as_deref(), Some("UNREACHABLE"));
    }

    /// The ring deadlocks: a check that no cycle is ever declared fails, reduced as in full,
    /// and the reduced check's counterexample is a real run of the plain model that ends in a
    /// declared deadlock of every process.
    #[test]
    fn the_reduced_check_finds_the_rings_deadlock() {
        let cfg = ring(3, 3);
        let never = "no cycle is ever declared";
        let make = || {
            cfg.into_model()
                .property(Expectation::Always, never, |_, s| dl::detector(s).declared().is_none())
        };
        let (full, reduced) =
            full_and_reduced(make, "ring".into(), actor_faults, dl::representative);
        assert_eq!(verdicts(&reduced), verdicts(&full));
        let found = reduced.properties.iter().find(|p| p.name == never).expect("checked");
        let path = found.explorer_path.as_deref().expect("a counterexample");
        let last = states_along(&make(), path).pop().expect("a state");
        let declared = dl::detector(&last).declared().copied().expect("declared");
        assert!(declared.is_cycle() && declared.edge_count() == 3, "{declared}");
        assert!(dl::truth(&last).contains(&declared), "a real deadlock");
    }
}
