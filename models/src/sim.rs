//! A deterministic discrete-event simulator that drives core machines through the same
//! [`Machine`] contract the checker and the firmware use.
//!
//! Virtual time is integer ticks. Each directed link (a, b) carries messages with a fixed
//! latency after serializing them one at a time (a message waits for the link to be free, then
//! occupies it for `serialize(msg)` ticks). Ties are broken by scheduling order, so a run is a
//! pure function of its inputs. An application [`Client`] issues local commands and observes
//! events.

use inflight_core::{Duration, Effect, Effects, Instant, Machine, NodeId};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// How every link of the simulated network behaves.
pub struct LinkSpec<Msg> {
    /// One-way propagation delay, in ticks.
    pub latency: Duration,
    /// How long a message occupies the sender's link (its size over the bandwidth), in ticks.
    pub serialize: Box<dyn Fn(&Msg) -> Duration>,
}

impl<Msg> LinkSpec<Msg> {
    /// Links with `latency` ticks of delay and no serialization time.
    pub fn latency_only(latency: Duration) -> Self {
        LinkSpec { latency, serialize: Box::new(|_| Duration::ZERO) }
    }
}

/// The application on the simulated nodes: issues commands, sees events.
pub trait Client<M: Machine> {
    /// The next command to try now, if any. Called until it returns `None` or a command is
    /// refused.
    fn next(&mut self, now: Instant) -> Option<(NodeId, M::Cmd)>;
    /// The outcome of the command last returned by [`Client::next`].
    fn result(&mut self, now: Instant, node: NodeId, result: Result<(), M::CmdError>);
    /// An event a node emitted; the application may act on its node (for example compact a log).
    fn on_event(&mut self, now: Instant, node: NodeId, event: &M::Event, machine: &mut M);
}

/// Counters of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Deliveries and timer firings handled.
    pub events: u64,
    /// Messages sent.
    pub sends: u64,
    /// Messages a machine rejected with an error.
    pub rejected: u64,
    /// Messages addressed to a node that does not exist.
    pub undeliverable: u64,
}

enum Pending<M: Machine> {
    Deliver { from: NodeId, to: NodeId, msg: M::Msg },
    Fire { node: NodeId, timer: M::Timer, generation: u64 },
}

/// Collects a handler's effects so they can be applied after it returns.
struct Collect<M: Machine> {
    effects: Vec<Effect<M::Msg, M::Timer, M::Event>>,
}

impl<M: Machine> Effects<M> for Collect<M> {
    fn send(&mut self, to: NodeId, msg: M::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }
    fn set_timer(&mut self, timer: M::Timer, at: Instant) {
        self.effects.push(Effect::SetTimer { timer, at });
    }
    fn cancel_timer(&mut self, timer: M::Timer) {
        self.effects.push(Effect::CancelTimer(timer));
    }
    fn emit(&mut self, event: M::Event) {
        self.effects.push(Effect::Emit(event));
    }
}

/// A simulation of a group of nodes running machine `M`.
pub struct Sim<M: Machine> {
    now: Instant,
    nodes: Vec<M>,
    link: LinkSpec<M::Msg>,
    link_free: HashMap<(NodeId, NodeId), Instant>,
    queue: BinaryHeap<Reverse<(Instant, u64)>>,
    pending: HashMap<u64, Pending<M>>,
    next_id: u64,
    timers: Vec<Vec<(M::Timer, u64)>>,
    stats: Stats,
}

impl<M> Sim<M>
where
    M: Machine,
    M::Timer: Copy + PartialEq,
{
    /// Starts `nodes` (node i is `NodeId(i)`) at tick 0 on links described by `link`.
    pub fn new(nodes: Vec<M>, link: LinkSpec<M::Msg>, client: &mut impl Client<M>) -> Self {
        let n = nodes.len();
        let mut sim = Sim {
            now: Instant::ZERO,
            nodes,
            link,
            link_free: HashMap::new(),
            queue: BinaryHeap::new(),
            pending: HashMap::new(),
            next_id: 0,
            timers: vec![Vec::new(); n],
            stats: Stats::default(),
        };
        for i in 0..n {
            let mut out = Collect { effects: Vec::new() };
            sim.nodes[i].on_start(Instant::ZERO, &mut out);
            sim.apply(NodeId(i as u8), out, client);
        }
        sim
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The nodes' machines.
    pub fn nodes(&self) -> &[M] {
        &self.nodes
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    fn schedule(&mut self, at: Instant, p: Pending<M>) {
        let id = self.next_id;
        self.next_id += 1;
        self.queue.push(Reverse((at, id)));
        self.pending.insert(id, p);
    }

    fn apply(&mut self, node: NodeId, out: Collect<M>, client: &mut impl Client<M>) {
        for effect in out.effects {
            match effect {
                Effect::Send { to, msg } => {
                    self.stats.sends += 1;
                    let ser = (self.link.serialize)(&msg);
                    let free = self.link_free.entry((node, to)).or_insert(Instant::ZERO);
                    let done = (*free).max(self.now) + ser;
                    *free = done;
                    let arrive = done + self.link.latency;
                    self.schedule(arrive, Pending::Deliver { from: node, to, msg });
                }
                Effect::SetTimer { timer, at } => {
                    let generation = self.next_id;
                    let armed = &mut self.timers[node.0 as usize];
                    armed.retain(|(t, _)| *t != timer);
                    armed.push((timer, generation));
                    self.schedule(at.max(self.now), Pending::Fire { node, timer, generation });
                }
                Effect::CancelTimer(timer) => {
                    self.timers[node.0 as usize].retain(|(t, _)| *t != timer);
                }
                Effect::Emit(event) => {
                    client.on_event(self.now, node, &event, &mut self.nodes[node.0 as usize]);
                }
            }
        }
    }

    fn poll_client(&mut self, client: &mut impl Client<M>) {
        while let Some((node, cmd)) = client.next(self.now) {
            let Some(machine) = self.nodes.get_mut(node.0 as usize) else { break };
            let mut out = Collect { effects: Vec::new() };
            let result = machine.on_command(self.now, cmd, &mut out);
            self.apply(node, out, client);
            let refused = result.is_err();
            client.result(self.now, node, result);
            if refused {
                break;
            }
        }
    }

    /// Runs every event before `end`, then sets the clock to `end`.
    pub fn run_until(&mut self, end: Instant, client: &mut impl Client<M>) {
        self.poll_client(client);
        while let Some(&Reverse((at, id))) = self.queue.peek() {
            if at >= end {
                break;
            }
            self.queue.pop();
            self.now = at;
            let Some(p) = self.pending.remove(&id) else { continue };
            let mut out = Collect { effects: Vec::new() };
            let node = match p {
                Pending::Deliver { from, to, msg } => {
                    let Some(machine) = self.nodes.get_mut(to.0 as usize) else {
                        self.stats.undeliverable += 1;
                        continue;
                    };
                    self.stats.events += 1;
                    if machine.on_message(at, from, msg, &mut out).is_err() {
                        self.stats.rejected += 1;
                    }
                    to
                }
                Pending::Fire { node, timer, generation } => {
                    let armed = &mut self.timers[node.0 as usize];
                    let Some(i) = armed.iter().position(|&(t, g)| t == timer && g == generation)
                    else {
                        continue; // cancelled or re-armed since
                    };
                    armed.swap_remove(i);
                    self.stats.events += 1;
                    self.nodes[node.0 as usize].on_timer(at, timer, &mut out);
                    node
                }
            };
            self.apply(node, out, client);
            self.poll_client(client);
        }
        self.now = self.now.max(end);
    }
}
