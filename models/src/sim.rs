//! A deterministic discrete-event simulator that drives core machines through the same
//! [`Machine`] contract the checker and the firmware use.
//!
//! Virtual time is integer ticks. Each directed link (a, b) serializes messages one at a time (a
//! message waits for the link to be free, then occupies it for `serialize(msg)` ticks), then
//! delivers it after its latency plus a jitter drawn uniformly from `0 ..= jitter`, or loses it
//! with probability `loss_ppm` per million. Every link draws from its own seeded PRNG, and ties
//! are broken by scheduling order, so a run is a pure function of its inputs and seed. An
//! application [`Client`] issues local commands and observes events.

use inflight_core::rng::SplitMix64;
use inflight_core::{Duration, Effect, Effects, Instant, Machine, NodeId};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// An Exp(1) draw: −ln(1 − u) for u uniform on [0, 1) from the top 53 bits of `rng`. Scale it by
/// a mean (or divide by a rate) and round to ticks as the model needs.
pub fn exp1(rng: &mut SplitMix64) -> f64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    -(-u).ln_1p()
}

/// How every link of the simulated network behaves.
pub struct LinkSpec<Msg> {
    /// One-way propagation delay, in ticks.
    pub latency: Duration,
    /// Extra delay drawn uniformly from `0 ..= jitter` ticks per message (messages may overtake
    /// each other).
    pub jitter: Duration,
    /// Probability of losing each message, in parts per million.
    pub loss_ppm: u32,
    /// Seed of the links' PRNGs.
    pub seed: u64,
    /// How long a message occupies the sender's link (its size over the bandwidth), in ticks.
    pub serialize: Box<dyn Fn(&Msg) -> Duration>,
    /// Propagation delay per directed link `(from, to)`, in ticks, overriding `latency` (for
    /// example: processes next to their lock manager, a detector far away).
    pub route: Option<Box<dyn Fn(NodeId, NodeId) -> Duration>>,
}

impl<Msg> LinkSpec<Msg> {
    /// Lossless links with `latency` ticks of delay, no jitter and no serialization time.
    pub fn latency_only(latency: Duration) -> Self {
        LinkSpec {
            latency,
            jitter: Duration::ZERO,
            loss_ppm: 0,
            seed: 0,
            serialize: Box::new(|_| Duration::ZERO),
            route: None,
        }
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

    /// The same event, with every node of the group in view (for an observer that compares an
    /// event with the state of the whole system at that instant). By default it calls
    /// [`Client::on_event`] with the emitting node.
    fn on_event_with_group(
        &mut self,
        now: Instant,
        node: NodeId,
        event: &M::Event,
        group: &mut [M],
    ) {
        if let Some(machine) = group.get_mut(node.0 as usize) {
            self.on_event(now, node, event, machine);
        }
    }
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
    /// Messages the links lost.
    pub lost: u64,
}

enum Pending<M: Machine> {
    Deliver { from: NodeId, to: NodeId, msg: M::Msg },
    Fire { node: NodeId, timer: M::Timer },
}

/// A timer kind on a node: its current deadline (`None`: disarmed) and the time of the heap
/// entry that stands for it (`None`: none pending).
struct ArmedTimer<T> {
    timer: T,
    deadline: Option<Instant>,
    scheduled: Option<Instant>,
}

/// A scheduled input, ordered by time and then by scheduling order only.
struct Scheduled<M: Machine> {
    at: Instant,
    id: u64,
    what: Pending<M>,
}

impl<M: Machine> PartialEq for Scheduled<M> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.id) == (other.at, other.id)
    }
}

impl<M: Machine> Eq for Scheduled<M> {}

impl<M: Machine> PartialOrd for Scheduled<M> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<M: Machine> Ord for Scheduled<M> {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.id).cmp(&(other.at, other.id))
    }
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
    fn random(&mut self, bound: u32) {
        self.effects.push(Effect::Random { bound });
    }
}

/// A simulation of a group of nodes running machine `M`.
pub struct Sim<M: Machine> {
    now: Instant,
    nodes: Vec<M>,
    link: LinkSpec<M::Msg>,
    /// Per directed link (from · n + to): its latency, when it is free again, and its PRNG.
    link_latency: Vec<Duration>,
    link_free: Vec<Instant>,
    link_rng: Vec<SplitMix64>,
    /// Per node: the PRNG that answers its random draws.
    node_rng: Vec<SplitMix64>,
    queue: BinaryHeap<Reverse<Scheduled<M>>>,
    next_id: u64,
    scratch: Vec<Effect<M::Msg, M::Timer, M::Event>>,
    /// Per node: armed timers with their deadline and whether a heap entry at or before that
    /// deadline is already scheduled.
    timers: Vec<Vec<ArmedTimer<M::Timer>>>,
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
        let seed = link.seed;
        let link_latency = (0..n * n)
            .map(|l| match &link.route {
                Some(route) => route(NodeId((l / n) as u8), NodeId((l % n) as u8)),
                None => link.latency,
            })
            .collect();
        let mut sim = Sim {
            now: Instant::ZERO,
            nodes,
            link,
            link_latency,
            link_free: vec![Instant::ZERO; n * n],
            link_rng: (0..n * n)
                .map(|i| SplitMix64::new(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
                .collect(),
            node_rng: (0..n)
                .map(|i| SplitMix64::new(!seed ^ (i as u64).wrapping_mul(0xd1b5_4a32_d192_ed03)))
                .collect(),
            queue: BinaryHeap::new(),
            next_id: 0,
            scratch: Vec::new(),
            timers: (0..n).map(|_| Vec::new()).collect(),
            stats: Stats::default(),
        };
        for i in 0..n {
            let mut out = sim.collect();
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

    fn schedule(&mut self, at: Instant, what: Pending<M>) {
        let id = self.next_id;
        self.next_id += 1;
        self.queue.push(Reverse(Scheduled { at, id, what }));
    }

    /// An empty effects buffer, reusing the last one's allocation.
    fn collect(&mut self) -> Collect<M> {
        Collect { effects: std::mem::take(&mut self.scratch) }
    }

    fn apply(&mut self, node: NodeId, mut out: Collect<M>, client: &mut impl Client<M>) {
        for effect in out.effects.drain(..) {
            match effect {
                Effect::Send { to, msg } => {
                    self.stats.sends += 1;
                    let n = self.nodes.len();
                    if to.0 as usize >= n {
                        self.stats.undeliverable += 1;
                        continue;
                    }
                    let l = node.0 as usize * n + to.0 as usize;
                    let ser = (self.link.serialize)(&msg);
                    let done = self.link_free[l].max(self.now) + ser;
                    self.link_free[l] = done;
                    let (jitter, loss) = (self.link.jitter.ticks(), self.link.loss_ppm);
                    let rng = &mut self.link_rng[l];
                    let extra = if jitter > 0 { rng.below_or_eq(jitter) } else { 0 };
                    if loss > 0 && rng.chance_ppm(loss) {
                        self.stats.lost += 1;
                        continue;
                    }
                    let arrive = done + self.link_latency[l] + Duration(extra);
                    self.schedule(arrive, Pending::Deliver { from: node, to, msg });
                }
                Effect::SetTimer { timer, at } => {
                    let at = at.max(self.now);
                    let armed = &mut self.timers[node.0 as usize];
                    match armed.iter_mut().find(|a| a.timer == timer) {
                        // A heap entry at or before the new deadline exists: it will move on.
                        Some(a) if a.scheduled.is_some_and(|s| s <= at) => a.deadline = Some(at),
                        Some(a) => {
                            a.deadline = Some(at);
                            a.scheduled = Some(at);
                            self.schedule(at, Pending::Fire { node, timer });
                        }
                        None => {
                            armed.push(ArmedTimer {
                                timer,
                                deadline: Some(at),
                                scheduled: Some(at),
                            });
                            self.schedule(at, Pending::Fire { node, timer });
                        }
                    }
                }
                Effect::CancelTimer(timer) => {
                    if let Some(a) =
                        self.timers[node.0 as usize].iter_mut().find(|a| a.timer == timer)
                    {
                        a.deadline = None;
                    }
                }
                Effect::Emit(event) => {
                    client.on_event_with_group(self.now, node, &event, &mut self.nodes);
                }
                Effect::Random { bound } => {
                    let value = self.node_rng[node.0 as usize].below_or_eq(bound as u64) as u32;
                    let mut more = Collect { effects: Vec::new() };
                    self.nodes[node.0 as usize].on_random(self.now, value, &mut more);
                    self.apply(node, more, client);
                }
            }
        }
        self.scratch = out.effects;
    }

    fn poll_client(&mut self, client: &mut impl Client<M>) {
        while let Some((node, cmd)) = client.next(self.now) {
            if node.0 as usize >= self.nodes.len() {
                break;
            }
            let mut out = self.collect();
            let result = self.nodes[node.0 as usize].on_command(self.now, cmd, &mut out);
            self.apply(node, out, client);
            let refused = result.is_err();
            client.result(self.now, node, result);
            if refused {
                break;
            }
        }
    }

    /// Gives `node` the command `cmd` now, outside the client's polling: for workloads whose
    /// commands arrive at times of their own (Poisson reads, changes), run the simulation to
    /// each arrival with [`Sim::run_until`] and then call this. `None` if there is no such node.
    pub fn command(
        &mut self,
        node: NodeId,
        cmd: M::Cmd,
        client: &mut impl Client<M>,
    ) -> Option<Result<(), M::CmdError>> {
        let machine = self.nodes.get_mut(node.0 as usize)?;
        let mut out = Collect { effects: std::mem::take(&mut self.scratch) };
        let result = machine.on_command(self.now, cmd, &mut out);
        self.apply(node, out, client);
        Some(result)
    }

    /// Runs every event before `end`, then sets the clock to `end`.
    pub fn run_until(&mut self, end: Instant, client: &mut impl Client<M>) {
        self.poll_client(client);
        while let Some(Reverse(next)) = self.queue.peek() {
            if next.at >= end {
                break;
            }
            let Some(Reverse(Scheduled { at, what, .. })) = self.queue.pop() else { break };
            self.now = at;
            let mut out = self.collect();
            let node = match what {
                Pending::Deliver { from, to, msg } => {
                    let Some(machine) = self.nodes.get_mut(to.0 as usize) else {
                        self.stats.undeliverable += 1;
                        self.scratch = out.effects;
                        continue;
                    };
                    self.stats.events += 1;
                    if machine.on_message(at, from, msg, &mut out).is_err() {
                        self.stats.rejected += 1;
                    }
                    to
                }
                Pending::Fire { node, timer } => {
                    let armed = &mut self.timers[node.0 as usize];
                    let Some(a) =
                        armed.iter_mut().find(|a| a.timer == timer && a.scheduled == Some(at))
                    else {
                        self.scratch = out.effects;
                        continue; // superseded by an earlier entry
                    };
                    match a.deadline {
                        Some(d) if d > at => {
                            // Re-armed later since this entry was scheduled: move it on.
                            a.scheduled = Some(d);
                            self.schedule(d, Pending::Fire { node, timer });
                            self.scratch = out.effects;
                            continue;
                        }
                        None => {
                            a.scheduled = None; // cancelled
                            self.scratch = out.effects;
                            continue;
                        }
                        Some(_) => {
                            a.deadline = None;
                            a.scheduled = None;
                        }
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A machine driven by commands that arm or cancel one timer; each firing is an event
    /// carrying the tick it fired at.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Alarm;

    #[derive(Clone, Copy, Debug)]
    enum Cmd {
        Arm(u64),
        Cancel,
    }

    impl Machine for Alarm {
        type Msg = ();
        type Cmd = Cmd;
        type Timer = u8;
        type Event = u64;
        type CmdError = ();
        type MsgError = ();
        type Durable = ();
        fn on_start(&mut self, _: Instant, _: &mut impl Effects<Self>) {}
        fn on_command(
            &mut self,
            now: Instant,
            c: Cmd,
            out: &mut impl Effects<Self>,
        ) -> Result<(), ()> {
            match c {
                Cmd::Arm(after) => out.set_timer(0, now + Duration(after)),
                Cmd::Cancel => out.cancel_timer(0),
            }
            Ok(())
        }
        fn on_message(
            &mut self,
            _: Instant,
            _: NodeId,
            _: (),
            _: &mut impl Effects<Self>,
        ) -> Result<(), ()> {
            Ok(())
        }
        fn on_timer(&mut self, now: Instant, _: u8, out: &mut impl Effects<Self>) {
            out.emit(now.ticks());
        }
        fn durable(&self) {}
        fn recover(_: (), _: Instant, _: &mut impl Effects<Self>) -> Self {
            Alarm
        }
    }

    /// Issues a fixed list of (tick, command) and records firings.
    struct Script {
        cmds: Vec<(u64, Cmd)>,
        fired: Vec<u64>,
    }

    impl Client<Alarm> for Script {
        fn next(&mut self, now: Instant) -> Option<(NodeId, Cmd)> {
            let i = self.cmds.iter().position(|(t, _)| *t <= now.ticks())?;
            Some((NodeId(0), self.cmds.remove(i).1))
        }
        fn result(&mut self, _: Instant, _: NodeId, _: Result<(), ()>) {}
        fn on_event(&mut self, _: Instant, _: NodeId, e: &u64, _: &mut Alarm) {
            self.fired.push(*e);
        }
    }

    fn fired(cmds: Vec<(u64, Cmd)>) -> Vec<u64> {
        let mut script = Script { cmds, fired: Vec::new() };
        let mut sim = Sim::new(vec![Alarm], LinkSpec::latency_only(Duration(1)), &mut script);
        sim.run_until(Instant(100), &mut script);
        script.fired
    }

    #[test]
    fn rearming_replaces_the_deadline_later_or_earlier() {
        assert_eq!(fired(vec![(0, Cmd::Arm(10))]), [10]);
        assert_eq!(fired(vec![(0, Cmd::Arm(10)), (0, Cmd::Arm(30))]), [30]);
        assert_eq!(fired(vec![(0, Cmd::Arm(30)), (0, Cmd::Arm(10))]), [10]);
    }

    #[test]
    fn cancelled_timers_do_not_fire_and_can_be_armed_again() {
        assert_eq!(fired(vec![(0, Cmd::Arm(10)), (0, Cmd::Cancel)]), Vec::<u64>::new());
        assert_eq!(fired(vec![(0, Cmd::Arm(10)), (0, Cmd::Cancel), (0, Cmd::Arm(20))]), [20]);
        assert_eq!(fired(vec![(0, Cmd::Arm(30)), (0, Cmd::Cancel), (0, Cmd::Arm(5))]), [5]);
    }
}
