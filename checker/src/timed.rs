//! Timed exploration of the core machines under a global tick clock.
//!
//! Every edge of the explored graph is one tick. Within a tick: messages whose delay has run out
//! are delivered (each message takes L to L + J ticks from leaving the link to arriving, and the
//! checker explores every choice), timers that are due fire, the application issues commands (an
//! eager application as many as the protocol accepts; a free one any number of them, including
//! none), and the messages sent wait for the link, which starts at most c per tick, or one every
//! σ ticks (acknowledgements and other control messages are taken as negligible in size and
//! only propagate). Then time advances. An edge is rewarded by the completions (deliveries, commits) it
//! contains, so the best and worst long-run throughput over all schedules are the maximum and
//! minimum cycle means of the graph ([`crate::graph`]).
//!
//! The model is the same for every protocol: a [`TimedProtocol`] says which machines run, which
//! command the application keeps issuing, which events count as completions and how the
//! application reacts to events. Sequence numbers are shifted down to the common low-water mark
//! after every tick ([`Rebase`]), so a protocol that runs forever has a finite graph.
//!
//! Within a tick, messages are delivered in a fixed order (sorted), not in every order: the
//! interleavings inside a tick are left to the untimed models.

use crate::batch::LinkLimit;
use crate::graph::{extract, Extracted, GraphError};
use inflight_core::rebase::Rebase;
use inflight_core::{Effects, Instant, Machine, NodeId, Seq};
use std::fmt::Debug;
use std::hash::Hash;

/// What a protocol supplies to run under the timed model.
pub trait TimedProtocol {
    /// The core machine (one type for every role).
    type M: Machine + Clone + Eq + Hash + Debug + Rebase;

    /// The nodes, node i being `NodeId(i)`.
    fn nodes(&self) -> Vec<Self::M>;

    /// The command the application on `node` keeps issuing, if it issues any.
    fn command(&self, node: NodeId) -> Option<<Self::M as Machine>::Cmd>;

    /// How many completions `event` is worth (a delivery or a commit is 1).
    fn reward(&self, event: &<Self::M as Machine>::Event) -> u32;

    /// The application's reaction to an event on its node (for example, compacting a log).
    fn on_event(&self, event: &<Self::M as Machine>::Event, machine: &mut Self::M);

    /// Whether `msg` carries a payload, and so occupies link capacity and serialization time
    /// (s/B). Control messages such as acknowledgements are taken as negligible in size.
    fn payload(&self, msg: &<Self::M as Machine>::Msg) -> bool;
}

/// The timing of the links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimedCfg {
    /// Ticks from leaving the link to arriving (L ≥ 1), per hop.
    pub latency: u8,
    /// Extra ticks a message may take (J ≥ 0); every value in [L, L + J] is explored.
    pub jitter: u8,
    /// How each directed link limits sending.
    pub link: LinkLimit,
    /// Whether the application must issue commands whenever the protocol accepts them.
    pub eager: bool,
}

/// A message on its way.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flight<Msg> {
    /// Ticks since it started on the link.
    pub age: u8,
    /// Ticks of serialization before it propagates (σ on a serializing link, else 0).
    pub extra: u8,
    /// Sender.
    pub from: NodeId,
    /// Recipient.
    pub to: NodeId,
    /// The message.
    pub msg: Msg,
}

/// The timed state: the machines, messages waiting for a link or in flight, armed timers (ticks
/// left), and serialization left on each busy link.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimedState<M: Machine> {
    /// The machines.
    pub nodes: Vec<M>,
    /// Messages sent but not yet started by their link, in order.
    pub queued: Vec<(NodeId, NodeId, M::Msg)>,
    /// Messages propagating.
    pub flights: Vec<Flight<M::Msg>>,
    /// Armed timers: (node, timer, ticks left).
    pub timers: Vec<(NodeId, M::Timer, u64)>,
    /// Busy links: (from, to, ticks of serialization left).
    pub busy: Vec<(NodeId, NodeId, u8)>,
}

/// Collects one handler's effects.
struct Tick<M: Machine> {
    sends: Vec<(NodeId, M::Msg)>,
    set: Vec<(M::Timer, Instant)>,
    cancel: Vec<M::Timer>,
    events: Vec<M::Event>,
    draws: usize,
}

impl<M: Machine> Tick<M> {
    fn new() -> Self {
        Tick {
            sends: Vec::new(),
            set: Vec::new(),
            cancel: Vec::new(),
            events: Vec::new(),
            draws: 0,
        }
    }
}

impl<M: Machine> Effects<M> for Tick<M> {
    fn send(&mut self, to: NodeId, msg: M::Msg) {
        self.sends.push((to, msg));
    }
    fn set_timer(&mut self, timer: M::Timer, at: Instant) {
        self.set.push((timer, at));
    }
    fn cancel_timer(&mut self, timer: M::Timer) {
        self.cancel.push(timer);
    }
    fn emit(&mut self, event: M::Event) {
        self.events.push(event);
    }
    fn random(&mut self, _bound: u32) {
        self.draws += 1;
    }
}

/// Runs the timed model of protocol `P`.
pub struct Timed<'a, P: TimedProtocol> {
    protocol: &'a P,
    cfg: TimedCfg,
}

type St<P> = TimedState<<P as TimedProtocol>::M>;

impl<'a, P> Timed<'a, P>
where
    P: TimedProtocol,
    <P::M as Machine>::Msg: Clone + Eq + Hash + Ord + Debug + Rebase,
    <P::M as Machine>::Timer: Clone + Copy + Eq + Hash + Ord + Debug,
    <P::M as Machine>::Cmd: Clone,
{
    /// The timed model of `protocol` under `cfg`.
    pub fn new(protocol: &'a P, cfg: TimedCfg) -> Result<Self, String> {
        if cfg.latency == 0 {
            return Err("latency L must be at least 1 tick".into());
        }
        match cfg.link {
            LinkLimit::Capacity(0) => return Err("capacity c must be at least 1".into()),
            LinkLimit::Serialize(0) => return Err("serialization σ must be at least 1".into()),
            _ => {}
        }
        Ok(Timed { protocol, cfg })
    }

    /// The state before the first tick: every machine started.
    pub fn init(&self) -> St<P> {
        let mut s = TimedState {
            nodes: self.protocol.nodes(),
            queued: Vec::new(),
            flights: Vec::new(),
            timers: Vec::new(),
            busy: Vec::new(),
        };
        for i in 0..s.nodes.len() {
            let mut out = Tick::new();
            s.nodes[i].on_start(Instant::ZERO, &mut out);
            let _ = self.apply(&mut s, NodeId(i as u8), out);
        }
        s
    }

    /// Extracts the reachable graph, one edge per tick rewarded by its completions.
    pub fn extract(&self) -> Result<Extracted<St<P>>, GraphError> {
        extract(self.init(), |s, push| self.successors(s, push))
    }

    /// Applies a handler's effects to the state; returns the completions it emitted.
    fn apply(&self, s: &mut St<P>, node: NodeId, out: Tick<P::M>) -> u32 {
        let mut reward = 0;
        for (to, msg) in out.sends {
            s.queued.push((node, to, msg));
        }
        for t in out.cancel {
            s.timers.retain(|(n, x, _)| !(*n == node && *x == t));
        }
        for (t, at) in out.set {
            s.timers.retain(|(n, x, _)| !(*n == node && *x == t));
            s.timers.push((node, t, at.ticks()));
        }
        for e in out.events {
            reward += self.protocol.reward(&e);
            if let Some(m) = s.nodes.get_mut(node.0 as usize) {
                self.protocol.on_event(&e, m);
            }
        }
        // The timed model explores delays, not random draws: a draw gets its smallest outcome,
        // 0. (Protocols with randomness are checked by a model that branches on every draw, such
        // as `crate::retry`.)
        for _ in 0..out.draws {
            let mut more = Tick::new();
            if let Some(m) = s.nodes.get_mut(node.0 as usize) {
                m.on_random(Instant::ZERO, 0, &mut more);
            }
            reward += self.apply(s, node, more);
        }
        reward
    }

    /// Every way the next tick can go.
    pub fn successors(&self, s: &St<P>, push: &mut dyn FnMut(St<P>, u32)) {
        let window = |f: &Flight<_>| {
            let lo = self.cfg.latency as u32 + f.extra as u32;
            (lo, lo + self.cfg.jitter as u32)
        };
        // Messages that may arrive this tick (the age they reach is in [lo, hi)), and those that
        // must (it reaches hi).
        let may: Vec<usize> = (0..s.flights.len())
            .filter(|&i| {
                let (lo, hi) = window(&s.flights[i]);
                let a = s.flights[i].age as u32;
                a >= lo && a < hi
            })
            .collect();
        let choices = 1u64 << may.len().min(20);
        for mask in 0..choices {
            let mut next = s.clone();
            let mut reward = 0;
            let mut arriving = Vec::new();
            let mut staying = Vec::new();
            for (i, f) in next.flights.drain(..).enumerate() {
                let (_, hi) = window(&f);
                let a = f.age as u32;
                let chosen = may.iter().position(|&m| m == i).is_some_and(|k| mask >> k & 1 == 1);
                if a >= hi || chosen {
                    arriving.push(f);
                } else {
                    staying.push(f);
                }
            }
            next.flights = staying;
            arriving.sort();
            for f in arriving {
                let Some(m) = next.nodes.get_mut(f.to.0 as usize) else { continue };
                let mut out = Tick::new();
                let _ = m.on_message(Instant::ZERO, f.from, f.msg, &mut out);
                reward += self.apply(&mut next, f.to, out);
            }
            reward += self.fire_timers(&mut next);
            self.commands(next, reward, push);
        }
    }

    /// Fires every timer that is due (deadlines are relative: 0 means now).
    fn fire_timers(&self, s: &mut St<P>) -> u32 {
        let mut reward = 0;
        s.timers.sort();
        while let Some(i) = s.timers.iter().position(|&(_, _, left)| left == 0) {
            let (node, t, _) = s.timers.remove(i);
            let mut out = Tick::new();
            if let Some(m) = s.nodes.get_mut(node.0 as usize) {
                m.on_timer(Instant::ZERO, t, &mut out);
            }
            reward += self.apply(s, node, out);
        }
        reward
    }

    /// The application's commands: an eager one issues until refused; a free one may stop
    /// after any number.
    fn commands(&self, s: St<P>, reward: u32, push: &mut dyn FnMut(St<P>, u32)) {
        let mut cur = s;
        let mut reward = reward;
        for i in 0..cur.nodes.len() {
            let node = NodeId(i as u8);
            let Some(cmd) = self.protocol.command(node) else { continue };
            loop {
                if !self.cfg.eager {
                    self.finish(cur.clone(), reward, push);
                }
                let mut out = Tick::new();
                let mut trial = cur.clone();
                match trial.nodes[i].on_command(Instant::ZERO, cmd.clone(), &mut out) {
                    Ok(()) => {
                        reward += self.apply(&mut trial, node, out);
                        cur = trial;
                    }
                    Err(_) => break,
                }
            }
        }
        self.finish(cur, reward, push);
    }

    /// Starts queued messages on their links, advances time by one tick, and canonicalizes.
    fn finish(&self, s: St<P>, reward: u32, push: &mut dyn FnMut(St<P>, u32)) {
        let mut s = s;
        let (per_tick, sigma) = match self.cfg.link {
            LinkLimit::None => (usize::MAX, 0),
            LinkLimit::Capacity(c) => (c as usize, 0),
            LinkLimit::Serialize(sg) => (1, sg),
        };
        let mut started: Vec<(NodeId, NodeId, usize)> = Vec::new();
        let mut waiting = Vec::new();
        for (from, to, msg) in s.queued.drain(..) {
            if !self.protocol.payload(&msg) {
                s.flights.push(Flight { age: 0, extra: 0, from, to, msg });
                continue;
            }
            let busy = s.busy.iter().any(|&(f, t, left)| f == from && t == to && left > 0);
            let n = started.iter().find(|(f, t, _)| *f == from && *t == to).map_or(0, |x| x.2);
            if busy || n >= per_tick {
                waiting.push((from, to, msg));
                continue;
            }
            match started.iter_mut().find(|(f, t, _)| *f == from && *t == to) {
                Some(x) => x.2 += 1,
                None => started.push((from, to, 1)),
            }
            if sigma > 0 {
                // The message occupies the link for σ ticks before it arrives L ticks later.
                s.busy.push((from, to, sigma));
            }
            s.flights.push(Flight { age: 0, extra: sigma, from, to, msg });
        }
        s.queued = waiting;
        // Time advances.
        for f in s.flights.iter_mut() {
            f.age = f.age.saturating_add(1);
        }
        for (_, _, left) in s.timers.iter_mut() {
            *left = left.saturating_sub(1);
        }
        for (_, _, left) in s.busy.iter_mut() {
            *left = left.saturating_sub(1);
        }
        s.busy.retain(|&(_, _, left)| left > 0);
        self.canonicalize(&mut s);
        push(s, reward);
    }

    /// Sorts the unordered parts and shifts sequence numbers to the low-water mark.
    fn canonicalize(&self, s: &mut St<P>) {
        s.flights.sort();
        s.timers.sort();
        s.busy.sort();
        let low: Seq = s
            .nodes
            .iter()
            .map(Rebase::low_water)
            .chain(s.flights.iter().map(|f| f.msg.low_water()))
            .chain(s.queued.iter().map(|(_, _, m)| m.low_water()))
            .min()
            .unwrap_or(0);
        if low > 0 {
            for n in s.nodes.iter_mut() {
                n.rebase(low);
            }
            for f in s.flights.iter_mut() {
                f.msg.rebase(low);
            }
            for (_, _, m) in s.queued.iter_mut() {
                m.rebase(low);
            }
        }
    }
}

/// The timed model as a stateright [`stateright::Model`], so stateright's checkers and web
/// explorer can walk it: an action is "the i-th way the next tick can go", in the order
/// [`Timed::successors`] lists them, and its reward is not part of the state.
pub struct TimedModel<P: TimedProtocol> {
    /// The protocol.
    pub protocol: P,
    /// The link timing.
    pub cfg: TimedCfg,
}

impl<P> stateright::Model for TimedModel<P>
where
    P: TimedProtocol,
    <P::M as Machine>::Msg: Clone + Eq + Hash + Ord + Debug + Rebase,
    <P::M as Machine>::Timer: Clone + Copy + Eq + Hash + Ord + Debug,
    <P::M as Machine>::Cmd: Clone,
{
    type State = St<P>;
    type Action = usize;

    fn init_states(&self) -> Vec<St<P>> {
        match Timed::new(&self.protocol, self.cfg) {
            Ok(t) => vec![t.init()],
            Err(_) => Vec::new(),
        }
    }

    fn actions(&self, state: &St<P>, actions: &mut Vec<usize>) {
        let Ok(t) = Timed::new(&self.protocol, self.cfg) else { return };
        let mut n = 0;
        t.successors(state, &mut |_, _| n += 1);
        actions.extend(0..n);
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        // A message of age L + σ + J must arrive in the coming tick; none may be older.
        let bound = |m: &Self, s: &St<P>| {
            s.flights.iter().all(|f| {
                (f.age as u32) <= m.cfg.latency as u32 + f.extra as u32 + m.cfg.jitter as u32
            })
        };
        vec![stateright::Property::always("every message arrives within L + σ + J ticks", bound)]
    }

    fn next_state(&self, state: &St<P>, action: usize) -> Option<St<P>> {
        let t = Timed::new(&self.protocol, self.cfg).ok()?;
        let mut i = 0;
        let mut found = None;
        t.successors(state, &mut |s, _| {
            if i == action {
                found = Some(s);
            }
            i += 1;
        });
        found
    }
}
