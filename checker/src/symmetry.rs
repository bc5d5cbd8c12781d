//! Symmetry reduction for actor models whose nodes of one role are interchangeable.
//!
//! Two states that differ only by which replica is called n1 and which n2 behave alike: every
//! run from one is a run from the other with the names swapped, and a property that treats
//! every replica alike holds in both or in neither. A check then needs to explore only one
//! state of each such class, its *representative*, which can divide the state count by up to
//! R! for R interchangeable nodes.
//!
//! stateright 0.31 applies a representative function only in its depth-first search (its
//! breadth-first search and the explorer ignore it, `STATERIGHT.md`), and its own
//! `Representative` for actor models sorts every actor, roles included, and needs stateright's
//! `Rewrite` on the core's message types, which the orphan rule forbids here. So this module
//! builds the representative itself: [`permute`] renames the actors of a state everywhere they
//! appear (their states, timers, draws, crash flags and storage, and each envelope's sender and
//! receiver), and [`canonical`] puts the interchangeable actors in the order of a key that
//! holds everything the state says about each of them. Two states of one class then have the
//! same representative, which `tests/symmetry.rs` checks on every explored state.
//!
//! Not every symmetry lets any actors trade names. In the deadlock ring only the shifts of
//! every process, resource and site together map the group onto itself, so
//! [`crate::deadlock::representative`] uses [`permute`] with those shifts alone and picks one
//! of them, rather than sorting the actors.

use crate::adapter::{Checkable, NodeActor, NodeState, Observer};
use crate::readable::{Wrapper, MAX_PROPERTIES};
use inflight_core::NodeId;
use stateright::actor::{Actor, ActorModelState, Envelope, Id, Network, Timers};
use stateright::{Model, Property};
use std::collections::{HashSet, VecDeque};
use std::fmt::Debug;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};

/// A model's symmetry reduction: maps a state to the representative of its class (a plain
/// function, as stateright's checker takes it).
pub type Representative<M> = fn(&<M as Model>::State) -> <M as Model>::State;

/// A timer that names the actor it belongs to ([`crate::adapter::ActorTimer`], which says why):
/// renaming the actors renames it, and an actor's key reads it without its owner.
pub trait Owned {
    /// The same timer, belonging to `owner`.
    fn with_owner(&self, owner: Id) -> Self;
}

/// An actor's timers, handed to actor `owner`.
fn timers_of<T: Owned + Hash + Eq>(timers: &Timers<T>, owner: Id) -> Timers<T> {
    let mut moved = Timers::new();
    for t in timers.iter() {
        moved.set(t.with_owner(owner));
    }
    moved
}

/// Renames the actors of `s`: actor `i` becomes actor `to[i]`. `state`, `storage` and `msg`
/// rename what an actor's state, its durable storage and a message say about actors (they are
/// given the renaming as a function of ids); each returns `None` if it cannot, and then so
/// does this. The history is kept as it is, so only for models whose history names no actor.
/// `to` must be a permutation of `0..s.actor_states.len()`.
pub fn permute<A, H>(
    s: &ActorModelState<A, H>,
    to: &[usize],
    state: impl Fn(&A::State, &dyn Fn(Id) -> Id) -> Option<A::State>,
    storage: impl Fn(&A::Storage, &dyn Fn(Id) -> Id) -> Option<A::Storage>,
    msg: impl Fn(&A::Msg, &dyn Fn(Id) -> Id) -> Option<A::Msg>,
) -> Option<ActorModelState<A, H>>
where
    A: Actor,
    A::Timer: Clone + Owned,
    A::Random: Clone,
    H: Clone,
{
    permute_with(s, &in_flight(&s.network), to, state, storage, msg)
}

/// [`permute`], given the state's messages in flight ([`in_flight`]).
fn permute_with<A, H>(
    s: &ActorModelState<A, H>,
    in_flight: &[Envelope<&A::Msg>],
    to: &[usize],
    state: impl Fn(&A::State, &dyn Fn(Id) -> Id) -> Option<A::State>,
    storage: impl Fn(&A::Storage, &dyn Fn(Id) -> Id) -> Option<A::Storage>,
    msg: impl Fn(&A::Msg, &dyn Fn(Id) -> Id) -> Option<A::Msg>,
) -> Option<ActorModelState<A, H>>
where
    A: Actor,
    A::Timer: Clone + Owned,
    A::Random: Clone,
    H: Clone,
{
    let n = s.actor_states.len();
    if to.len() != n || !is_permutation(to) {
        return None;
    }
    let rename = |id: Id| -> Id {
        let i = usize::from(id);
        Id::from(to.get(i).copied().unwrap_or(i))
    };
    // `from[j]`: the actor that becomes actor j.
    let mut from = vec![0; n];
    for (i, &j) in to.iter().enumerate() {
        from[j] = i;
    }
    let moved = |i: usize| from[i];
    let actor_states = (0..n)
        .map(|j| state(&s.actor_states[moved(j)], &rename).map(Arc::new))
        .collect::<Option<Vec<_>>>()?;
    let actor_storages = (0..n)
        .map(|j| match &s.actor_storages[moved(j)] {
            Some(saved) => storage(saved, &rename).map(Some),
            None => Some(None),
        })
        .collect::<Option<Vec<_>>>()?;
    let envelope = |e: &Envelope<&A::Msg>| -> Option<Envelope<A::Msg>> {
        Some(Envelope { src: rename(e.src), dst: rename(e.dst), msg: msg(e.msg, &rename)? })
    };
    let envelopes = in_flight.iter().map(envelope).collect::<Option<Vec<_>>>()?;
    let network = match &s.network {
        Network::UnorderedDuplicating(_, last) => {
            let last = match last {
                Some(e) => Some(envelope(&Envelope { src: e.src, dst: e.dst, msg: &e.msg })?),
                None => None,
            };
            Network::new_unordered_duplicating_with_last_msg(envelopes, last)
        }
        Network::UnorderedNonDuplicating(_) => Network::new_unordered_nonduplicating(envelopes),
        // `in_flight` yields each flow's messages in order, so each flow keeps its order.
        Network::Ordered(_) => Network::new_ordered(envelopes),
    };
    Some(ActorModelState {
        actor_states,
        network,
        timers_set: (0..n)
            .map(|j| match moved(j) {
                i if i == j => s.timers_set[i].clone(),
                i => timers_of(&s.timers_set[i], Id::from(j)),
            })
            .collect(),
        random_choices: (0..n).map(|j| s.random_choices[moved(j)].clone()).collect(),
        crashed: (0..n).map(|j| s.crashed[moved(j)]).collect(),
        history: s.history.clone(),
        actor_storages,
    })
}

/// [`canonical`] for a model of core machines ([`NodeActor`]) whose actors `group` are
/// interchangeable: `rename` renames what a machine (running, or as its durable storage) knows
/// of other nodes, and `knows(s, i)` is what the other actors' states record of actor `i` (it
/// is added to the key). Messages must name no node.
pub fn canonical_nodes<M, G, E>(
    s: &ActorModelState<NodeActor<M, G>>,
    group: Range<usize>,
    knows: impl Fn(&ActorModelState<NodeActor<M, G>>, usize) -> E,
    rename: impl Fn(&M, &dyn Fn(NodeId) -> NodeId) -> Option<M>,
) -> ActorModelState<NodeActor<M, G>>
where
    M: Checkable<D = M>,
    M::Msg: Copy,
    G: Observer<M>,
    E: Hash,
{
    let node = |st: &NodeState<M, G>, rename_id: &dyn Fn(Id) -> Id| {
        let by_node = |n: NodeId| NodeId(usize::from(rename_id(Id::from(n.0 as usize))) as u8);
        Some(NodeState { machine: rename(&st.machine, &by_node)?, ..st.clone() })
    };
    // The messages in flight, listed once for all the actors' keys and the renaming.
    let in_flight = in_flight(&s.network);
    let key = |s: &ActorModelState<NodeActor<M, G>>, i: usize| {
        actor_key(s, &in_flight, &group, i, knows(s, i))
    };
    canonical_with(s, &in_flight, group.clone(), key, node, node, |m, _| Some(*m))
}

/// Every envelope in flight, a multiset's as many times as it holds it, an ordered flow's in
/// order. (stateright 0.31's `Network::iter_all` never ends on an ordered network and yields a
/// repeated multiset entry once too often, so it is not used.)
pub fn in_flight<M: Eq + Hash>(network: &Network<M>) -> Vec<Envelope<&M>> {
    let env = |src: Id, dst: Id, msg| Envelope { src, dst, msg };
    match network {
        Network::UnorderedDuplicating(set, _) => {
            set.iter().map(|e| env(e.src, e.dst, &e.msg)).collect()
        }
        Network::UnorderedNonDuplicating(multiset) => multiset
            .iter()
            .flat_map(|(e, &n)| std::iter::repeat_n(env(e.src, e.dst, &e.msg), n))
            .collect(),
        Network::Ordered(flows) => flows
            .iter()
            .flat_map(|(&(src, dst), queue)| queue.iter().map(move |m| env(src, dst, m)))
            .collect(),
    }
}

fn is_permutation(to: &[usize]) -> bool {
    let mut seen = vec![false; to.len()];
    to.iter().all(|&j| j < seen.len() && !std::mem::replace(&mut seen[j], true))
}

/// What a state says about actor `i`, apart from its name: its state, timers, draws, crash flag
/// and storage, and the messages it has in flight to and from each actor outside `group` (the
/// interchangeable actors are assumed not to talk to one another; `in_flight` is
/// [`in_flight`]`(&s.network)`, listed once for all the actors). `extra` adds what other
/// actors' states say about it (a primary's record of each replica's progress). Two actors of
/// the group with equal keys can swap names without changing the state.
pub fn actor_key<A, H>(
    s: &ActorModelState<A, H>,
    in_flight: &[Envelope<&A::Msg>],
    group: &Range<usize>,
    i: usize,
    extra: impl Hash,
) -> u64
where
    A: Actor,
    A::Timer: Owned,
    A::Storage: Hash,
{
    let outside = |id: Id| {
        let j = usize::from(id);
        (!group.contains(&j)).then_some(j)
    };
    // A set or multiset's order is its hash table's, not the network's: its messages are
    // folded in any order. An ordered network's are folded in order.
    let fold =
        if matches!(s.network, Network::Ordered(_)) { Fold::in_order } else { Fold::any_order };
    let (mut to_me, mut from_me) = (Fold::default(), Fold::default());
    for e in in_flight {
        if usize::from(e.dst) == i {
            fold(&mut to_me, &(outside(e.src), e.msg));
        }
        if usize::from(e.src) == i {
            fold(&mut from_me, &(outside(e.dst), e.msg));
        }
    }
    let last = match &s.network {
        Network::UnorderedDuplicating(_, Some(e)) => {
            let (src, dst) = (usize::from(e.src), usize::from(e.dst));
            (src == i || dst == i).then(|| (outside(e.src), outside(e.dst), &e.msg))
        }
        _ => None,
    };
    let mut timers = Fold::default();
    for t in s.timers_set[i].iter() {
        Fold::any_order(&mut timers, &t.with_owner(Id::from(0)));
    }
    // A fast hash, not a keyed one: two actors of different content with equal keys only
    // leave their order to their names, so a class may get two representatives (less
    // reduction); a representative is always a renaming of its state, so classes never merge.
    let mut h = rustc_hash::FxHasher::default();
    (&s.actor_states[i], s.crashed[i], &s.actor_storages[i], timers).hash(&mut h);
    (&s.random_choices[i], to_me, from_me, last, extra).hash(&mut h);
    h.finish()
}

/// A hash of a sequence or of a multiset, built without collecting it (the key of an actor is
/// computed for every actor of every state generated, so it allocates nothing).
#[derive(Clone, Copy, Default, Hash)]
struct Fold {
    hash: u64,
    count: u64,
}

impl Fold {
    /// One item's hash, mixed (murmur3's finalizer) so that sums of them do not cancel.
    fn item(x: &impl Hash) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        x.hash(&mut h);
        let mut z = h.finish();
        z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        z = (z ^ (z >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        z ^ (z >> 33)
    }

    /// Adds `x` after the items so far: the order counts.
    fn in_order(&mut self, x: &impl Hash) {
        self.hash = (self.hash.rotate_left(23) ^ Fold::item(x)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.count += 1;
    }

    /// Adds `x` to a multiset: the order does not count.
    fn any_order(&mut self, x: &impl Hash) {
        self.hash = self.hash.wrapping_add(Fold::item(x));
        self.count += 1;
    }
}

/// The representative of `s`'s class: the actors of `group` renamed so that their keys
/// ([`actor_key`]) ascend. `key(s, i)` gives actor i's key; `rename_state`, `rename_storage`
/// and `rename_msg` are as for [`permute`]. If a renaming fails, `s` is its own representative,
/// which is sound, only less reduced.
pub fn canonical<A, H>(
    s: &ActorModelState<A, H>,
    group: Range<usize>,
    key: impl Fn(&ActorModelState<A, H>, usize) -> u64,
    rename_state: impl Fn(&A::State, &dyn Fn(Id) -> Id) -> Option<A::State>,
    rename_storage: impl Fn(&A::Storage, &dyn Fn(Id) -> Id) -> Option<A::Storage>,
    rename_msg: impl Fn(&A::Msg, &dyn Fn(Id) -> Id) -> Option<A::Msg>,
) -> ActorModelState<A, H>
where
    A: Actor,
    A::Timer: Clone + Owned,
    A::Random: Clone,
    H: Clone,
{
    canonical_with(s, &in_flight(&s.network), group, key, rename_state, rename_storage, rename_msg)
}

/// [`canonical`], given the state's messages in flight ([`in_flight`]).
fn canonical_with<A, H>(
    s: &ActorModelState<A, H>,
    in_flight: &[Envelope<&A::Msg>],
    group: Range<usize>,
    key: impl Fn(&ActorModelState<A, H>, usize) -> u64,
    rename_state: impl Fn(&A::State, &dyn Fn(Id) -> Id) -> Option<A::State>,
    rename_storage: impl Fn(&A::Storage, &dyn Fn(Id) -> Id) -> Option<A::Storage>,
    rename_msg: impl Fn(&A::Msg, &dyn Fn(Id) -> Id) -> Option<A::Msg>,
) -> ActorModelState<A, H>
where
    A: Actor,
    A::Timer: Clone + Owned,
    A::Random: Clone,
    H: Clone,
{
    let n = s.actor_states.len();
    let mut order: Vec<(u64, usize)> = group.clone().map(|i| (key(s, i), i)).collect();
    order.sort_unstable();
    let mut to: Vec<usize> = (0..n).collect();
    for (k, &(_, i)) in order.iter().enumerate() {
        to[i] = group.start + k;
    }
    if to.iter().enumerate().all(|(i, &j)| i == j) {
        return s.clone();
    }
    permute_with(s, in_flight, &to, rename_state, rename_storage, rename_msg)
        .unwrap_or_else(|| s.clone())
}

/// A model that offers, in each state, one action per class of next states: of the actions
/// whose next states have the same representative, the first in the wrapped model's order.
///
/// This is how the explorer applies a symmetry reduction, which stateright's explorer ignores
/// (`STATERIGHT.md`). Unlike a reduced search, the states are the wrapped model's own, never
/// renamed: a path here is a real run of the wrapped model, and every action is one of its
/// actions. In a symmetric model a state's class decides the classes of its successors, so every
/// class the wrapped model reaches is reached here. What it saves is branches that differ only
/// by names: the retry model's first slot for five clients over six slots lists 252 branches,
/// one per multiset of draws, instead of 6⁵ = 7,776.
pub struct Reduced<M: Model> {
    inner: M,
    props: Vec<Property<M>>,
    representative: Representative<M>,
    /// The last states whose actions were reduced, with the actions kept: the explorer asks for
    /// the same state's actions several times in a row.
    recent: Mutex<VecDeque<Kept<M>>>,
}

/// A state, with the actions [`Reduced`] keeps in it.
type Kept<M> = (<M as Model>::State, Vec<<M as Model>::Action>);

/// States whose kept actions [`Reduced`] remembers.
const RECENT: usize = 32;

impl<M> Reduced<M>
where
    M: Model,
    M::State: Hash + Eq + Clone + Debug,
    M::Action: Clone + Debug,
{
    /// Wraps `inner`, reduced by `representative`, which must map every state of a class to the
    /// same state (`tests/symmetry.rs` checks that for each model's representative). Panics
    /// above [`MAX_PROPERTIES`] properties.
    pub fn new(inner: M, representative: Representative<M>) -> Self {
        let props = inner.properties();
        assert!(props.len() <= MAX_PROPERTIES, "at most {MAX_PROPERTIES} properties");
        Reduced { inner, props, representative, recent: Mutex::new(VecDeque::new()) }
    }

    /// The representative that reduces it.
    pub fn representative(&self) -> Representative<M> {
        self.representative
    }

    /// The actions kept in `state`: the first action to each class of next states.
    fn kept(&self, state: &M::State) -> Vec<M::Action> {
        let recent = || self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, kept)) = recent().iter().find(|(s, _)| s == state) {
            return kept.clone();
        }
        let mut all = Vec::new();
        self.inner.actions(state, &mut all);
        let mut classes = HashSet::new();
        let kept: Vec<M::Action> = all
            .into_iter()
            .filter(|a| match self.inner.next_state(state, a.clone()) {
                Some(next) => classes.insert((self.representative)(&next)),
                None => false,
            })
            .collect();
        let mut recent = recent();
        if recent.len() == RECENT {
            recent.pop_front();
        }
        recent.push_back((state.clone(), kept.clone()));
        kept
    }

    /// The path through this model that follows `path`, a path through the wrapped model (as
    /// `i0/i1/…`: the initial state's index, then each action's index among its state's
    /// actions): at each step, the kept action that leads to the same class. Each state on the
    /// result is a renaming of the state at the same step of `path`.
    pub fn translate(&self, path: &str) -> Result<String, String> {
        let (out, _) = self.follow(path)?;
        Ok(join(&out))
    }

    /// The lasso through this model that follows `path`, a lasso through the wrapped model
    /// whose cycle starts after step `cycle_from` and closes at its last step, and closes
    /// exactly: the state where its cycle starts is the state it ends in. Returns the path and
    /// the step after which its cycle starts.
    ///
    /// One turn of the cycle, followed class by class as [`translate`](Self::translate) does,
    /// ends in a renaming of the state it started from, not always in that state. So the turn
    /// is followed again from where it ended, as many times as it takes to come back to a
    /// state already reached at the end of a turn; the cycle is the turns from there on. Each
    /// turn walks the wrapped cycle's classes, so every state on the result is a renaming of
    /// the state at the same step of the wrapped lasso, unrolled. There are at most as many
    /// turns as the cycle's first state has renamings.
    pub fn translate_lasso(
        &self,
        path: &str,
        cycle_from: usize,
    ) -> Result<(String, usize), String> {
        let (mut out, states) = self.follow(path)?;
        let len = states.len() - 1;
        if cycle_from >= len {
            return Err(format!("the cycle starts after step {cycle_from} of a {len}-step path"));
        }
        if states[cycle_from].1 != states[len].1 {
            return Err(format!(
                "the path does not come back to its state after step {cycle_from}"
            ));
        }
        let classes: Vec<M::State> = states[cycle_from + 1..].iter().map(|s| s.1.clone()).collect();
        // The state at the start of each turn, first to last.
        let mut starts = vec![states[cycle_from].0.clone(), states[len].0.clone()];
        loop {
            let last = &starts[starts.len() - 1];
            if let Some(turn) = starts[..starts.len() - 1].iter().position(|s| s == last) {
                return Ok((join(&out), cycle_from + turn * classes.len()));
            }
            if starts.len() > MAX_TURNS {
                return Err(format!("the cycle does not close within {MAX_TURNS} turns"));
            }
            let mut r = last.clone();
            for class in &classes {
                let (k, next) = self.step(&r, class)?;
                out.push(k);
                r = next;
            }
            starts.push(r);
        }
    }

    /// Follows `path` through the wrapped model and, class by class, through this one: the
    /// indices of this model's path, and each of its states with the class of the wrapped
    /// model's state at the same step.
    #[allow(clippy::type_complexity)]
    fn follow(&self, path: &str) -> Result<(Vec<usize>, Vec<(M::State, M::State)>), String> {
        let rep = self.representative;
        let indices = crate::report::parse_path(path)?;
        let (&first, steps) = indices.split_first().ok_or("the path is empty")?;
        let mut s = self
            .inner
            .init_states()
            .into_iter()
            .nth(first)
            .ok_or_else(|| format!("there is no initial state {first}"))?;
        let inits = self.init_states();
        let class = rep(&s);
        let k = inits.iter().position(|r| rep(r) == class).ok_or(NOT_SYMMETRIC)?;
        let mut out = vec![k];
        let mut states = vec![(inits[k].clone(), class)];
        for (n, &ix) in steps.iter().enumerate() {
            let mut actions = Vec::new();
            self.inner.actions(&s, &mut actions);
            let count = actions.len();
            let action = actions
                .into_iter()
                .nth(ix)
                .ok_or_else(|| crate::report::no_such_action(n + 1, ix, count))?;
            s = self
                .inner
                .next_state(&s, action)
                .ok_or_else(|| format!("step {} is ignored by the model", n + 1))?;
            let class = rep(&s);
            let (k, next) = self.step(&states[n].0, &class)?;
            out.push(k);
            states.push((next, class));
        }
        Ok((out, states))
    }

    /// The kept action in `r` that leads to `class`: its index among the kept actions, and
    /// the state it leads to.
    fn step(&self, r: &M::State, class: &M::State) -> Result<(usize, M::State), String> {
        let rep = self.representative;
        self.kept(r)
            .into_iter()
            .enumerate()
            .find_map(|(k, a)| {
                self.inner.next_state(r, a).filter(|next| rep(next) == *class).map(|n| (k, n))
            })
            .ok_or_else(|| NOT_SYMMETRIC.to_string())
    }
}

/// A path as the explorer writes it: the indices joined by `/`.
fn join(indices: &[usize]) -> String {
    indices.iter().map(usize::to_string).collect::<Vec<_>>().join("/")
}

/// Turns of a cycle [`Reduced::translate_lasso`] follows before it gives up (a cycle's state
/// has at most as many renamings as there are orders of its interchangeable actors: 5,040 for
/// seven clients).
const MAX_TURNS: usize = 5_040;

/// Why [`Reduced::translate`] can fail on a valid path.
const NOT_SYMMETRIC: &str = "a step of the path has no counterpart from the renamed state: the \
                             model is not symmetric under its representative";

impl<M> Wrapper for Reduced<M>
where
    M: Model,
    M::State: Hash + Eq + Clone + Debug,
    M::Action: Clone + Debug,
{
    type Inner = M;
    fn inner(&self) -> &M {
        &self.inner
    }
    fn inner_properties(&self) -> &[Property<M>] {
        &self.props
    }
    fn inner_state(state: &M::State) -> &M::State {
        state
    }
}

impl<M> Model for Reduced<M>
where
    M: Model,
    M::State: Hash + Eq + Clone + Debug,
    M::Action: Clone + Debug,
{
    type State = M::State;
    type Action = M::Action;

    /// One initial state per class, the first of each.
    fn init_states(&self) -> Vec<M::State> {
        let mut classes = HashSet::new();
        let mut inits = self.inner.init_states();
        inits.retain(|s| classes.insert((self.representative)(s)));
        inits
    }

    fn actions(&self, state: &M::State, actions: &mut Vec<M::Action>) {
        actions.extend(self.kept(state));
    }

    fn next_state(&self, last: &M::State, action: M::Action) -> Option<M::State> {
        self.inner.next_state(last, action)
    }

    // A path here is one of the wrapped model's runs, so it draws it as its own.
    crate::readable::pass_through!();
}

#[cfg(test)]
mod tests {
    use super::{is_permutation, Reduced};
    use stateright::Model;

    /// Two interchangeable counters modulo 3; each action counts one of them up.
    struct Counters;

    impl Model for Counters {
        type State = [u8; 2];
        type Action = usize;
        fn init_states(&self) -> Vec<[u8; 2]> {
            vec![[0, 1]]
        }
        fn actions(&self, _: &[u8; 2], actions: &mut Vec<usize>) {
            actions.extend([0, 1]);
        }
        fn next_state(&self, s: &[u8; 2], i: usize) -> Option<[u8; 2]> {
            let mut next = *s;
            next[i] = (next[i] + 1) % 3;
            Some(next)
        }
    }

    /// A state's class: its counters sorted.
    fn sorted(s: &[u8; 2]) -> [u8; 2] {
        [s[0].min(s[1]), s[0].max(s[1])]
    }

    #[test]
    fn a_lasso_goes_round_until_it_closes_exactly() {
        // The cycle 01 → 11 → 12 → 22 → 20 → 00 → 01, counting the two up in turn. Followed
        // class by class, one turn from 01 ends in 10, its renaming: the reduced explorer
        // keeps the first counter's step wherever the two are equal. The next turn, from 10,
        // comes back to 10, so the lasso's cycle is that second turn.
        let explorer = Reduced::new(Counters, sorted);
        let lasso = "0/0/1/0/1/0/1";
        // (Indices count the kept actions: where both counters are equal, only the first's.)
        let turn = explorer.translate(lasso).expect("a path");
        assert_eq!(turn, "0/0/0/1/0/1/0", "01 → 11 → 21 → 22 → 02 → 00 → 10");
        let (closed, from) = explorer.translate_lasso(lasso, 0).expect("a lasso");
        let again = "1/0/1/0/1/0"; // 10 → 11 → 21 → 22 → 02 → 00 → 10
        assert_eq!((closed, from), (format!("{turn}/{again}"), 6));
        // A cycle that starts after step 1 of 11 → 12 → … is not taken for a lasso.
        let err = explorer.translate_lasso("0/0/1", 1).expect_err("no cycle");
        assert!(err.contains("does not come back"), "{err}");
        let err = explorer.translate_lasso(lasso, 6).expect_err("an empty cycle");
        assert!(err.contains("starts after step 6 of a 6-step path"), "{err}");
    }

    #[test]
    fn only_a_permutation_is_taken() {
        assert!(is_permutation(&[0, 2, 1]));
        assert!(is_permutation(&[]));
        assert!(!is_permutation(&[0, 0, 1]));
        assert!(!is_permutation(&[0, 3, 1]));
    }
}
