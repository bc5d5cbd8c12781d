//! The one stateright [`Actor`] adapter that runs any [`Machine`] of `inflight-core`.
//!
//! A new protocol needs no new adapter: its node enum implements [`Machine`], and
//! [`NodeActor`] turns handler calls into stateright commands. Local commands come from a
//! per-node script; issuing the next one is an `Issue` timer, so the checker explores every point
//! at which a client may write. A refused command (window full) leaves the script where it was
//! and the timer armed, which stateright recognises as a no-op, so refusal adds no states.
//!
//! stateright has no clock: every handler sees [`Instant::ZERO`], timers are tags that may fire
//! in any state, and a message delay is just another interleaving.

use inflight_core::{Effects, Instant, Machine, NodeId};
use stateright::actor::{model_timeout, Actor, Id, Out};
use std::borrow::Cow;
use std::fmt::{self, Debug};
use std::hash::Hash;

/// The bounds a core machine needs to run inside stateright (which hashes, orders and prints
/// states, messages and timers).
pub trait Checkable:
    Machine<
        Msg = Self::M,
        Timer = Self::T,
        Durable = Self::D,
        Cmd = Self::C,
        MsgError: Debug,
        CmdError: Debug,
        Event: Debug,
    > + Clone
    + Debug
    + Eq
    + Hash
{
    /// Local commands.
    type C: Clone + Debug;
    /// Messages.
    type M: Clone + Debug + Eq + Hash + Ord;
    /// Timer kinds.
    type T: Clone + Debug + Eq + Hash + Ord;
    /// Durable state.
    type D: Clone + Debug + Eq + Hash;
}

impl<X> Checkable for X
where
    X: Machine + Clone + Debug + Eq + Hash,
    X::MsgError: Debug,
    X::CmdError: Debug,
    X::Event: Debug,
    X::Msg: Clone + Debug + Eq + Hash + Ord,
    X::Timer: Clone + Debug + Eq + Hash + Ord,
    X::Durable: Clone + Debug + Eq + Hash,
    X::Cmd: Clone + Debug,
{
    type C = X::Cmd;
    type M = X::Msg;
    type T = X::Timer;
    type D = X::Durable;
}

/// Ghost state: what the application on a node has observed of its machine's events (for
/// example, the sequence of deliveries), kept beside the machine so properties can compare it with
/// the truth. It is checker-only bookkeeping, never part of the protocol.
pub trait Observer<M: Machine>: Clone + Debug + Default + Eq + Hash {
    /// Records one event emitted by the machine.
    fn observe(&mut self, event: &M::Event);
}

/// Observes nothing: for models whose properties read the machines' own state.
impl<M: Machine> Observer<M> for () {
    fn observe(&mut self, _event: &M::Event) {}
}

/// A ghost's record of numbered things an application saw (jobs completed, reads answered,
/// requests executed): which of the numbers 0 to 31 it saw, and the first it saw twice. Numbers
/// from 32 on are not recorded, so a model keeps its numbering below that.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SeenIds {
    bits: u32,
    twice: Option<u32>,
}

impl SeenIds {
    /// Records that `id` was seen.
    pub fn record(&mut self, id: u32) {
        let bit = 1u32.checked_shl(id).unwrap_or(0);
        if self.bits & bit != 0 && self.twice.is_none() {
            self.twice = Some(id);
        }
        self.bits |= bit;
    }

    /// Whether `id` was seen.
    pub fn contains(&self, id: u32) -> bool {
        self.bits & 1u32.checked_shl(id).unwrap_or(0) != 0
    }

    /// Whether every number 1 ..= `n` was seen.
    pub fn all_up_to(&self, n: u32) -> bool {
        (1..=n).all(|id| self.contains(id))
    }

    /// The first number seen a second time, if any.
    pub fn twice(&self) -> Option<u32> {
        self.twice
    }

    /// Whether nothing was seen.
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// The numbers seen, in order.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        (0..32).filter(|&id| self.contains(id))
    }
}

/// `[1, 3]`, then ` (2 TWICE)` if a number was seen twice.
impl Debug for SeenIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ids()).finish()?;
        match self.twice {
            Some(id) => write!(f, " ({id} TWICE)"),
            None => Ok(()),
        }
    }
}

/// A node under the checker: its initial machine, the client commands it will receive in order,
/// and whether its durable state is saved for crash recovery. `G` is the application's ghost
/// record of events.
#[derive(Clone)]
pub struct NodeActor<M: Machine, G = ()> {
    init: M,
    script: Vec<M::Cmd>,
    persist: bool,
    ghost: std::marker::PhantomData<G>,
}

impl<M: Machine, G> NodeActor<M, G> {
    /// A node that starts as `init` and receives no commands.
    pub fn new(init: M) -> Self {
        NodeActor { init, script: Vec::new(), persist: false, ghost: std::marker::PhantomData }
    }

    /// The commands its local client issues, one at a time, each retried until accepted.
    pub fn with_script(mut self, script: impl IntoIterator<Item = M::Cmd>) -> Self {
        self.script = script.into_iter().collect();
        assert!(self.script.len() <= u8::MAX as usize, "at most 255 commands per node");
        self
    }

    /// Save the durable state after every step, so a crash recovers it (costs state space; only
    /// needed when the model has crashes).
    pub fn persistent(mut self, persist: bool) -> Self {
        self.persist = persist;
        self
    }

    /// The script of client commands.
    pub fn script(&self) -> &[M::Cmd] {
        &self.script
    }
}

/// A node's state in the checker: the machine, how many scripted commands it has accepted, and
/// the application's ghost record of events.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NodeState<M, G = ()> {
    /// The core machine's state.
    pub machine: M,
    /// Scripted commands accepted so far.
    pub issued: u8,
    /// What the application observed.
    pub ghost: G,
}

impl<M: Debug, G: Debug + Default + PartialEq> Debug for NodeState<M, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.machine.fmt(f)?;
        if self.issued > 0 {
            write!(f, " [client: {} issued]", self.issued)?;
        }
        if std::mem::size_of::<G>() > 0 && self.ghost != G::default() {
            write!(f, " [app saw: {:?}]", self.ghost)?;
        }
        Ok(())
    }
}

/// What a node keeps across a crash: its machine's durable part, its client's progress and what
/// its application recorded.
pub type Saved<M, G> = NodeState<<M as Machine>::Durable, G>;

/// Timers of the adapter: the machine's own, or "the client issues its next command", each
/// tagged with the node that armed it.
///
/// The tag keeps distinct states apart. stateright 0.31 hashes a state's timers actor by actor,
/// each actor's set as its elements' hashes with no count, so untagged, two states that differ
/// only in which actor holds a timer (`[{Retry}, {}]` and `[{}, {Retry}]`, the actors' own
/// states equal) hash alike: its visited set, which keeps a hash per state, merged them and
/// never explored the second, and the liveness pass's fingerprints, taken from the same
/// `Hash`, merged them too. Tagged, each element names its actor and the sets read back
/// unambiguously. (This happened in broken ttl variants, whose timers outlive what the
/// resolver's state records; `tests/symmetry.rs` checks that no two states of them hash alike.)
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActorTimer<T> {
    /// A timer of the core machine, armed by node `.0`.
    Machine(NodeId, T),
    /// Node `.0`'s local client may issue its next scripted command.
    Issue(NodeId),
}

impl<T: Clone> crate::symmetry::Owned for ActorTimer<T> {
    fn with_owner(&self, owner: Id) -> Self {
        let owner = node_id(owner);
        match self {
            ActorTimer::Machine(_, t) => ActorTimer::Machine(owner, t.clone()),
            ActorTimer::Issue(_) => ActorTimer::Issue(owner),
        }
    }
}

/// As the machine names it (the owner is the actor the timer belongs to, shown beside it).
impl<T: Debug> Debug for ActorTimer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActorTimer::Machine(_, t) => t.fmt(f),
            ActorTimer::Issue(_) => f.write_str("ClientIssues"),
        }
    }
}

/// Translates [`Effects`] calls into stateright commands, and events into the ghost record.
struct Sink<'a, M: Checkable, G: Observer<M>> {
    /// The node whose handler runs.
    id: NodeId,
    out: &'a mut Out<NodeActor<M, G>>,
    ghost: &'a mut G,
}

impl<M: Checkable, G: Observer<M>> Effects<M> for Sink<'_, M, G> {
    fn send(&mut self, to: NodeId, msg: M::Msg) {
        self.out.send(Id::from(to.0 as usize), msg);
    }
    fn set_timer(&mut self, timer: M::Timer, _at: Instant) {
        self.out.set_timer(ActorTimer::Machine(self.id, timer), model_timeout());
    }
    fn cancel_timer(&mut self, timer: M::Timer) {
        self.out.cancel_timer(ActorTimer::Machine(self.id, timer));
    }
    fn emit(&mut self, event: M::Event) {
        crate::coverage::event(&event);
        self.ghost.observe(&event);
    }
    fn random(&mut self, bound: u32) {
        // Every outcome becomes a branch of the search. The key names the node, as timers do
        // (`ActorTimer`): stateright keeps each actor's pending draws in a map that it hashes
        // as its entries' hashes with no count, so `[{draw}, {}]` and `[{}, {draw}]` would hash
        // alike.
        self.out.choose_random(format!("draw by {}", self.id), (0..=bound).collect());
    }
}

/// The id a core machine sees for a stateright actor.
fn node_id(id: Id) -> NodeId {
    NodeId(usize::from(id) as u8)
}

impl<M: Checkable, G: Observer<M>> NodeActor<M, G> {
    /// Runs `step` on a copy of the machine; commits the copy only if it changed, so unchanged
    /// steps stay `Cow::Borrowed` and stateright can recognise no-ops.
    fn step(
        &self,
        id: Id,
        state: &mut Cow<NodeState<M, G>>,
        o: &mut Out<Self>,
        issued: u8,
        step: impl FnOnce(&mut M, &mut Sink<'_, M, G>),
    ) {
        let mut machine = state.machine.clone();
        let mut ghost = state.ghost.clone();
        step(&mut machine, &mut Sink { id: node_id(id), out: o, ghost: &mut ghost });
        if machine != state.machine || issued != state.issued || ghost != state.ghost {
            if self.persist {
                o.save(NodeState { machine: machine.durable(), issued, ghost: ghost.clone() });
            }
            *state = Cow::Owned(NodeState { machine, issued, ghost });
        }
    }

    fn arm_issue(&self, id: Id, issued: u8, o: &mut Out<Self>) {
        if (issued as usize) < self.script.len() {
            o.set_timer(ActorTimer::Issue(node_id(id)), model_timeout());
        }
    }
}

impl<M: Checkable, G: Observer<M>> Actor for NodeActor<M, G> {
    type Msg = M::Msg;
    type State = NodeState<M, G>;
    type Timer = ActorTimer<M::Timer>;
    type Random = u32;
    type Storage = Saved<M, G>;

    fn on_start(&self, id: Id, storage: &Option<Saved<M, G>>, o: &mut Out<Self>) -> Self::State {
        let mut ghost = storage.as_ref().map(|s| s.ghost.clone()).unwrap_or_default();
        let mut sink = Sink { id: node_id(id), out: o, ghost: &mut ghost };
        let (machine, issued) = match storage {
            Some(saved) => {
                (M::recover(saved.machine.clone(), Instant::ZERO, &mut sink), saved.issued)
            }
            None => {
                let mut machine = self.init.clone();
                machine.on_start(Instant::ZERO, &mut sink);
                (machine, 0)
            }
        };
        // Recorded only in a step: a restart after a crash, from what was saved or from nothing.
        crate::coverage::restarted(storage.is_some());
        let state = NodeState { machine, issued, ghost };
        self.arm_issue(id, state.issued, o);
        state
    }

    fn on_msg(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        src: Id,
        msg: Self::Msg,
        o: &mut Out<Self>,
    ) {
        let issued = state.issued;
        self.step(id, state, o, issued, |m, sink| {
            // A rejected message leaves the machine unchanged; the checker carries on.
            let copy = crate::coverage::recording().then(|| msg.clone());
            let result = m.on_message(Instant::ZERO, node_id(src), msg, sink);
            if let Some(msg) = copy {
                crate::coverage::message(&msg, &result);
            }
        });
    }

    fn on_random(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        random: &Self::Random,
        o: &mut Out<Self>,
    ) {
        let issued = state.issued;
        let value = *random;
        self.step(id, state, o, issued, |m, sink| m.on_random(Instant::ZERO, value, sink));
        crate::coverage::draw();
    }

    fn on_timeout(
        &self,
        id: Id,
        state: &mut Cow<Self::State>,
        timer: &Self::Timer,
        o: &mut Out<Self>,
    ) {
        match timer {
            ActorTimer::Machine(_, t) => {
                let issued = state.issued;
                let copy = crate::coverage::recording().then(|| t.clone());
                let t = t.clone();
                self.step(id, state, o, issued, |m, sink| m.on_timer(Instant::ZERO, t, sink));
                if let Some(t) = copy {
                    crate::coverage::timer(&t);
                }
            }
            ActorTimer::Issue(_) => {
                let Some(cmd) = self.script.get(state.issued as usize).cloned() else {
                    return;
                };
                let mut machine = state.machine.clone();
                let mut ghost = state.ghost.clone();
                let copy = crate::coverage::recording().then(|| cmd.clone());
                let result = machine.on_command(
                    Instant::ZERO,
                    cmd,
                    &mut Sink { id: node_id(id), out: o, ghost: &mut ghost },
                );
                if let Some(cmd) = copy {
                    crate::coverage::command(&cmd, &result);
                }
                match result {
                    Ok(()) => {
                        let issued = state.issued + 1;
                        self.arm_issue(id, issued, o);
                        self.step(id, state, o, issued, |m, sink| {
                            *m = machine;
                            *sink.ghost = ghost;
                        });
                    }
                    // Refused (window or log full): the client tries again later. Re-arming
                    // the same timer with the state unchanged is a no-op to stateright.
                    Err(_) => o.set_timer(ActorTimer::Issue(node_id(id)), model_timeout()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SeenIds;

    #[test]
    fn seen_ids_keep_each_number_once_and_the_first_seen_twice() {
        let mut seen = SeenIds::default();
        assert!(seen.is_empty() && !seen.all_up_to(1) && seen.all_up_to(0));
        for id in [2, 1, 2, 3, 1, 40] {
            seen.record(id);
        }
        assert_eq!(seen.ids().collect::<Vec<_>>(), [1, 2, 3], "40 is past the record");
        assert_eq!(seen.twice(), Some(2), "the first number seen again");
        assert!(seen.all_up_to(3) && !seen.all_up_to(4) && !seen.contains(40));
        assert_eq!(format!("{seen:?}"), "[1, 2, 3] (2 TWICE)");
    }
}
