//! A byte-driven harness that feeds every protocol role untrusted input: raw frames from any
//! sender (including nodes outside the group), real messages delivered late, twice, out of
//! order or with one byte of their frame changed, timers at any moment, and local commands. It
//! is what the cargo-fuzz targets and the proptests run, and it is `no_std` and
//! allocation-free, so it can run on a node too.
//!
//! After every step it checks what must hold whatever a peer sends:
//! - no handler panics (the harness itself has no panicking path: a panic is a finding);
//! - a handler that returns an error left its node exactly as it was;
//! - no handler produces more effects than a fixed host buffer holds;
//! - each protocol's own invariants, read through the roles' public accessors (see
//!   [`Protocol`]).
//!
//! The input is read as a sequence of steps; a step is a node byte, a kind byte and that kind's
//! operands, so that a fuzzer's mutations stay meaningful. Running out of input ends the run.

use crate::effects::{Effect, EffectBuf};
use crate::machine::{Machine, NodeId};
use crate::time::{Duration, Instant};
use crate::wire;
use crate::{deadlock, pipeline, replication, retry, stage, ttl};
use core::fmt;

/// The most effects a handler may produce in one call on a node's host.
pub const HOST_EFFECTS: usize = 32;
/// The most nodes in a harness group.
const MAX_NODES: usize = 6;
/// Messages the harness keeps in flight for later (possibly repeated) delivery.
const IN_FLIGHT: usize = 24;

/// The protocols the harness drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// A primary and two replicas, majority acks, window 3. Invariants: commit ≤ last written,
    /// at most `window` writes in flight, no replica acked beyond what was written, and committed
    /// sequence numbers strictly increase.
    Replication,
    /// A sender and a receiver, window 4. Invariants: acked ≤ last sent, in flight = last − acked
    /// ≤ window, the receiver's early buffer holds only entries beyond what it delivered, and
    /// delivered sequence numbers are 1, 2, 3, … in order.
    Pipeline,
    /// Two processes, two sites and a confirming detector. Invariants: a declared cycle is made
    /// of edges the detector holds reports for, and is a cycle.
    Deadlock,
    /// A server with capacity 2 and two backoff clients. Invariant: at most `capacity` requests
    /// in service.
    Retry,
    /// A capped source and two stages. Invariants: no stage runs more jobs than it has workers,
    /// and the source has at most `cap` jobs outstanding.
    Stage,
    /// An authority, an on-demand resolver and a periodic resolver. Invariant: at most
    /// [`ttl::MAX_WAITING`] reads wait.
    Ttl,
}

impl Protocol {
    /// Every protocol, in a fixed order.
    pub const ALL: [Protocol; 6] = [
        Protocol::Replication,
        Protocol::Pipeline,
        Protocol::Deadlock,
        Protocol::Retry,
        Protocol::Stage,
        Protocol::Ttl,
    ];

    /// Runs the harness on `input` for this protocol.
    pub fn run(self, input: &[u8]) -> Result<Summary, Violation> {
        self.run_noting(input, &mut |_| {})
    }

    /// [`Self::run`], handing `note` every error a handler returned, as it returns it: which
    /// rejection and refusal paths of the roles an input reached.
    pub fn run_noting(
        self,
        input: &[u8],
        note: &mut dyn FnMut(Refusal<'_>),
    ) -> Result<Summary, Violation> {
        match self {
            Protocol::Replication => drive::<Replication>(input, note),
            Protocol::Pipeline => drive::<Pipeline>(input, note),
            Protocol::Deadlock => drive::<Deadlock>(input, note),
            Protocol::Retry => drive::<Retry>(input, note),
            Protocol::Stage => drive::<Stage>(input, note),
            Protocol::Ttl => drive::<Ttl>(input, note),
        }
    }
}

/// An error a handler returned in a harness run ([`Protocol::run_noting`]).
#[derive(Clone, Copy, Debug)]
pub enum Refusal<'a> {
    /// A message the node rejected, and the error.
    Rejected(&'a dyn fmt::Debug),
    /// A command the node refused, and the error.
    Refused(&'a dyn fmt::Debug),
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Steps taken.
    pub steps: u32,
    /// Frames that decoded into a message (raw or re-encoded).
    pub decoded: u32,
    /// Frames rejected by the wire format.
    pub undecodable: u32,
    /// Messages a node rejected (and stayed unchanged).
    pub rejected: u32,
    /// Commands a node refused (and stayed unchanged).
    pub refused: u32,
    /// Events the nodes emitted (commits, deliveries, answers …).
    pub events: u32,
}

/// Something that must not happen, at step `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The step (from 0).
    pub step: u32,
    /// What went wrong.
    pub what: &'static str,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {}: {}", self.step, self.what)
    }
}

/// Reads the input a byte at a time; `None` when it runs out.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(b)
    }

    fn u32(&mut self) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..2 {
            v = v << 8 | self.byte()? as u32;
        }
        Some(v)
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }
}

type Out<M> =
    EffectBuf<<M as Machine>::Msg, <M as Machine>::Timer, <M as Machine>::Event, HOST_EFFECTS>;

/// One protocol's group, inputs and invariants.
trait Scenario {
    type M: Machine + Clone + PartialEq;
    /// The group, node i being `NodeId(i)`.
    fn nodes() -> heapless::Vec<Self::M, MAX_NODES>;
    /// A timer of this protocol from a byte.
    fn timer(b: u8) -> <Self::M as Machine>::Timer;
    /// A command from the input.
    fn command(r: &mut Reader<'_>) -> Option<<Self::M as Machine>::Cmd>;
    /// Invariants over the group, and over each event as it is emitted.
    fn check(nodes: &[Self::M]) -> Result<(), &'static str>;
    /// Per-run memory for event checks (for example the last committed sequence number).
    fn event(
        seen: &mut [u32; MAX_NODES],
        node: usize,
        e: &<Self::M as Machine>::Event,
    ) -> Result<(), &'static str>;
}

fn drive<S: Scenario>(input: &[u8], note: &mut dyn FnMut(Refusal<'_>)) -> Result<Summary, Violation>
where
    <S::M as Machine>::Msg: wire::Message + Clone,
    <S::M as Machine>::Timer: Copy,
    <S::M as Machine>::MsgError: fmt::Debug,
    <S::M as Machine>::CmdError: fmt::Debug,
{
    let mut nodes = S::nodes();
    let n = nodes.len();
    let mut r = Reader { bytes: input };
    let mut now = Instant(0);
    let mut flight: heapless::Vec<(NodeId, NodeId, <S::M as Machine>::Msg), IN_FLIGHT> =
        heapless::Vec::new();
    let mut draws: [Option<u32>; MAX_NODES] = [None; MAX_NODES];
    let mut seen = [0u32; MAX_NODES];
    let mut sum = Summary::default();
    let mut out = Out::<S::M>::new();
    for (i, node) in nodes.iter_mut().enumerate() {
        node.on_start(now, &mut out);
        let v = |what| Violation { step: 0, what };
        absorb::<S>(i, &mut out, &mut flight, &mut draws, &mut seen, &mut sum.events).map_err(v)?;
    }
    while let (Some(target), Some(kind)) = (r.byte(), r.byte()) {
        let step = sum.steps;
        let v = |what| Violation { step, what };
        let i = target as usize % n;
        now = now + Duration(r.byte().unwrap_or(0) as u64);
        let before = nodes[i].clone();
        match kind % 5 {
            // A raw frame from anyone, including a stranger (id n).
            0 => {
                let from = NodeId(r.byte().unwrap_or(0) % (n as u8 + 1));
                let len = r.byte().unwrap_or(0) as usize % 24;
                let Some(frame) = r.take(len) else { break };
                match wire::decode::<<S::M as Machine>::Msg>(frame) {
                    Ok(msg) => {
                        sum.decoded += 1;
                        if let Err(e) = nodes[i].on_message(now, from, msg, &mut out) {
                            note(Refusal::Rejected(&e));
                            sum.rejected += 1;
                            if nodes[i] != before {
                                return Err(v("a rejected message changed the node"));
                            }
                        }
                    }
                    Err(_) => sum.undecodable += 1,
                }
            }
            // A message the group sent: delivered through the wire format, kept for a
            // duplicate or dropped, and with one byte of its frame changed if the pick says so:
            // a near-miss (another sequence number, value, resource or round) that random
            // frames seldom decode to.
            1 => {
                if flight.is_empty() {
                    continue;
                }
                let pick = r.byte().unwrap_or(0) as usize;
                let k = pick % flight.len();
                let (from, to, msg) =
                    if pick & 0x80 != 0 { flight[k].clone() } else { flight.swap_remove(k) };
                let mut buf = [0u8; wire::MAX_FRAME];
                let len = wire::encode(&msg, &mut buf)
                    .map_err(|_| v("a message did not fit MAX_FRAME"))?
                    .len();
                if pick & 0x40 != 0 {
                    let (at, flip) = (r.byte().unwrap_or(0) as usize, r.byte().unwrap_or(1));
                    if let Some(b) = buf[..len].get_mut(at % len.max(1)) {
                        *b ^= flip.max(1);
                    }
                }
                let Ok(msg) = wire::decode::<<S::M as Machine>::Msg>(&buf[..len]) else {
                    if pick & 0x40 == 0 {
                        return Err(v("a message did not survive the wire format"));
                    }
                    sum.undecodable += 1;
                    sum.steps += 1;
                    continue;
                };
                sum.decoded += 1;
                let j = to.0 as usize;
                if j < n {
                    let before = nodes[j].clone();
                    if let Err(e) = nodes[j].on_message(now, from, msg, &mut out) {
                        note(Refusal::Rejected(&e));
                        sum.rejected += 1;
                        if nodes[j] != before {
                            return Err(v("a rejected message changed the node"));
                        }
                    }
                    absorb::<S>(j, &mut out, &mut flight, &mut draws, &mut seen, &mut sum.events)
                        .map_err(v)?;
                    S::check(&nodes).map_err(v)?;
                }
                sum.steps += 1;
                continue;
            }
            2 => nodes[i].on_timer(now, S::timer(r.byte().unwrap_or(0)), &mut out),
            3 => {
                let Some(cmd) = S::command(&mut r) else { break };
                if let Err(e) = nodes[i].on_command(now, cmd, &mut out) {
                    note(Refusal::Refused(&e));
                    sum.refused += 1;
                    if nodes[i] != before {
                        return Err(v("a refused command changed the node"));
                    }
                }
            }
            // The answer to a draw the node asked for (the host contract: only then).
            _ => {
                if let Some(bound) = draws[i].take() {
                    let value = r.u32().unwrap_or(0) % bound.saturating_add(1).max(1);
                    nodes[i].on_random(now, value, &mut out);
                }
            }
        }
        absorb::<S>(i, &mut out, &mut flight, &mut draws, &mut seen, &mut sum.events).map_err(v)?;
        S::check(&nodes).map_err(v)?;
        sum.steps += 1;
    }
    Ok(sum)
}

/// Takes a handler's effects: sends go in flight (the oldest is lost when full, as a network
/// may), draws are remembered, events are checked.
fn absorb<S: Scenario>(
    node: usize,
    out: &mut Out<S::M>,
    flight: &mut heapless::Vec<(NodeId, NodeId, <S::M as Machine>::Msg), IN_FLIGHT>,
    draws: &mut [Option<u32>; MAX_NODES],
    seen: &mut [u32; MAX_NODES],
    events: &mut u32,
) -> Result<(), &'static str> {
    if out.overflowed() > 0 {
        return Err("a handler produced more effects than the host buffer holds");
    }
    let mut result = Ok(());
    for e in out.drain() {
        match e {
            Effect::Send { to, msg } => {
                if flight.is_full() {
                    flight.remove(0);
                }
                let _ = flight.push((NodeId(node as u8), to, msg));
            }
            Effect::Random { bound } => draws[node] = Some(bound),
            Effect::Emit(ev) => {
                *events = events.saturating_add(1);
                if result.is_ok() {
                    result = S::event(seen, node, &ev);
                }
            }
            Effect::SetTimer { .. } | Effect::CancelTimer(_) => {}
        }
    }
    result
}

struct Replication;

/// A primary and two replicas, majority acks, window 3, running `fault`.
fn replication_group(fault: replication::Fault) -> heapless::Vec<replication::Node<8>, MAX_NODES> {
    let cfg = replication::Config {
        replicas: 2,
        window: 3,
        policy: replication::AckPolicy::Majority,
        rto: Some(Duration(20)),
        fault,
    };
    replication::Node::group(cfg).map(|g| g.collect()).unwrap_or_default()
}

impl Scenario for Replication {
    type M = replication::Node<8>;

    fn nodes() -> heapless::Vec<Self::M, MAX_NODES> {
        replication_group(replication::Fault::None)
    }

    fn timer(b: u8) -> replication::Timer {
        if b & 1 == 0 {
            replication::Timer::Retransmit
        } else {
            replication::Timer::Flush
        }
    }

    fn command(r: &mut Reader<'_>) -> Option<replication::Cmd> {
        Some(replication::Cmd::Write(r.u32()?))
    }

    fn check(nodes: &[Self::M]) -> Result<(), &'static str> {
        let p = nodes.first().and_then(replication::Node::as_primary).ok_or("no primary")?;
        if p.commit() > p.last() {
            return Err("the primary committed beyond what was written");
        }
        if p.in_flight() > p.config().window as u32 {
            return Err("more writes in flight than the window");
        }
        if p.acked().iter().any(|&a| a > p.last()) {
            return Err("a replica is counted as storing more than was written");
        }
        Ok(())
    }

    fn event(
        seen: &mut [u32; MAX_NODES],
        node: usize,
        e: &replication::Event,
    ) -> Result<(), &'static str> {
        if let replication::Event::Committed(seq) = *e {
            if seq <= seen[node] {
                return Err("a commit that does not advance");
            }
            seen[node] = seq;
        }
        Ok(())
    }
}

struct Pipeline;

impl Scenario for Pipeline {
    type M = pipeline::Node<8>;

    fn nodes() -> heapless::Vec<Self::M, MAX_NODES> {
        let cfg =
            pipeline::Config { window: 4, rto: Some(Duration(20)), fault: pipeline::Fault::None };
        pipeline::Node::pair(cfg).map(|p| p.into_iter().collect()).unwrap_or_default()
    }

    fn timer(_: u8) -> pipeline::Timer {
        pipeline::Timer::Retransmit
    }

    fn command(r: &mut Reader<'_>) -> Option<pipeline::Cmd> {
        Some(pipeline::Cmd::Send(r.u32()?))
    }

    fn check(nodes: &[Self::M]) -> Result<(), &'static str> {
        let s = nodes.first().and_then(pipeline::Node::as_sender).ok_or("no sender")?;
        if s.acked() > s.last() {
            return Err("acknowledged beyond what was sent");
        }
        if s.in_flight() != s.last() - s.acked() || s.in_flight() > s.config().window as u32 {
            return Err("in flight is not last − acked within the window");
        }
        let r = nodes.get(1).and_then(pipeline::Node::as_receiver).ok_or("no receiver")?;
        if r.early().iter().any(|&(seq, _)| seq <= r.delivered()) {
            return Err("the receiver buffers an entry it already delivered");
        }
        Ok(())
    }

    fn event(
        seen: &mut [u32; MAX_NODES],
        node: usize,
        e: &pipeline::Event,
    ) -> Result<(), &'static str> {
        if let pipeline::Event::Delivered { seq, .. } = *e {
            if seq != seen[node] + 1 {
                return Err("a delivery out of order");
            }
            seen[node] = seq;
        }
        Ok(())
    }
}

struct Deadlock;

const DL: deadlock::Config = deadlock::Config {
    layout: deadlock::Layout { processes: 2, sites: 2, resources: 2 },
    detector: deadlock::DetectorKind::Confirming,
    fault: deadlock::Fault::None,
};

impl Scenario for Deadlock {
    type M = deadlock::Node<4, 2, 2>;

    fn nodes() -> heapless::Vec<Self::M, MAX_NODES> {
        (0..DL.layout.nodes() as u8)
            .filter_map(|i| deadlock::Node::build(DL, NodeId(i)).ok())
            .collect()
    }

    fn timer(_: u8) -> deadlock::Timer {
        deadlock::Timer::GiveUp
    }

    fn command(r: &mut Reader<'_>) -> Option<deadlock::Cmd> {
        let b = r.byte()?;
        let resource = (b >> 1) % 3; // 2 is out of range on purpose
        Some(if b & 1 == 0 {
            let patience = r.byte()?;
            let patience = (patience != 0).then_some(Duration(patience as u64));
            deadlock::Cmd::Acquire { resource, patience }
        } else {
            deadlock::Cmd::Release(resource)
        })
    }

    fn check(nodes: &[Self::M]) -> Result<(), &'static str> {
        let d = nodes.last().and_then(deadlock::Node::as_detector).ok_or("no detector")?;
        if let Some(cycle) = d.declared() {
            if !d.merged().contains(cycle) {
                return Err("a declared edge no report holds");
            }
            if !cycle.is_cycle() {
                return Err("a declaration that is not a cycle");
            }
        }
        Ok(())
    }

    fn event(
        _: &mut [u32; MAX_NODES],
        _: usize,
        _: &deadlock::Event<4>,
    ) -> Result<(), &'static str> {
        Ok(())
    }
}

struct Retry;

impl Scenario for Retry {
    type M = retry::Node<2>;

    fn nodes() -> heapless::Vec<Self::M, MAX_NODES> {
        let mut v = heapless::Vec::new();
        let server =
            retry::ServerConfig { capacity: 2, service: Duration(5), fault: retry::Fault::None };
        if let Ok(s) = retry::Server::new(server) {
            let _ = v.push(retry::Node::Server(s));
        }
        let client = retry::ClientConfig {
            server: NodeId(0),
            policy: retry::Policy::Backoff {
                base: Duration(4),
                cap: Duration(40),
                jitter: retry::Jitter::Decorrelated,
            },
            max_attempts: Some(4),
            fault: retry::Fault::None,
        };
        for _ in 0..2 {
            if let Ok(c) = retry::Client::new(client) {
                let _ = v.push(retry::Node::Client(c));
            }
        }
        v
    }

    fn timer(b: u8) -> retry::Timer {
        if b & 1 == 0 {
            retry::Timer::Retry
        } else {
            retry::Timer::ServiceDone(b >> 1)
        }
    }

    fn command(r: &mut Reader<'_>) -> Option<retry::Cmd> {
        Some(match r.byte()? % 3 {
            0 => retry::Cmd::Request,
            1 => retry::Cmd::Fail,
            _ => retry::Cmd::Recover,
        })
    }

    fn check(nodes: &[Self::M]) -> Result<(), &'static str> {
        let s = nodes.first().and_then(retry::Node::as_server).ok_or("no server")?;
        if s.in_service() > s.capacity() {
            return Err("more requests in service than the capacity");
        }
        Ok(())
    }

    fn event(_: &mut [u32; MAX_NODES], _: usize, _: &retry::Event) -> Result<(), &'static str> {
        Ok(())
    }
}

struct Stage;

impl Scenario for Stage {
    type M = stage::Node<2, 4>;

    fn nodes() -> heapless::Vec<Self::M, MAX_NODES> {
        stage::Node::line(&[1, 2], 3).map(|l| l.into_iter().collect()).unwrap_or_default()
    }

    fn timer(b: u8) -> stage::WorkerDone {
        stage::WorkerDone(b % 3)
    }

    fn command(r: &mut Reader<'_>) -> Option<stage::Cmd> {
        let (a, b) = (r.byte()?, r.byte()?);
        Some(stage::Cmd::Submit([a as u32, b as u32, 0, 0]))
    }

    fn check(nodes: &[Self::M]) -> Result<(), &'static str> {
        let src = nodes.first().and_then(stage::Node::as_source).ok_or("no source")?;
        if src.outstanding() > 3 {
            return Err("more jobs outstanding than the cap");
        }
        for (st, workers) in nodes[1..].iter().filter_map(stage::Node::as_stage).zip([1, 2]) {
            if st.busy() > workers {
                return Err("a stage runs more jobs than it has workers");
            }
        }
        Ok(())
    }

    fn event(_: &mut [u32; MAX_NODES], _: usize, _: &stage::Event) -> Result<(), &'static str> {
        Ok(())
    }
}

struct Ttl;

impl Scenario for Ttl {
    type M = ttl::Node;

    fn nodes() -> heapless::Vec<Self::M, MAX_NODES> {
        let a = NodeId(0);
        [
            ttl::Node::authority(0),
            ttl::Node::resolver(a, ttl::Policy::OnDemand { ttl: Duration(30) }, Duration(10)),
            ttl::Node::resolver(a, ttl::Policy::Periodic { every: Duration(25) }, Duration(10)),
            ttl::Node::resolver(a, ttl::Policy::Push, Duration(10)),
            ttl::Node::resolver(a, ttl::Policy::PushRenew { every: Duration(20) }, Duration(10)),
        ]
        .into_iter()
        .collect()
    }

    fn timer(b: u8) -> ttl::Timer {
        if b & 1 == 0 {
            ttl::Timer::Refresh
        } else {
            ttl::Timer::Retry
        }
    }

    fn command(r: &mut Reader<'_>) -> Option<ttl::Cmd> {
        let b = r.byte()?;
        Some(if b & 1 == 0 {
            ttl::Cmd::Read { id: b as u32 }
        } else {
            ttl::Cmd::Change { value: b as u32 }
        })
    }

    fn check(nodes: &[Self::M]) -> Result<(), &'static str> {
        if nodes.iter().filter_map(ttl::Node::as_resolver).any(|r| r.waiting() > ttl::MAX_WAITING) {
            return Err("more reads waiting than the resolver holds");
        }
        Ok(())
    }

    fn event(_: &mut [u32; MAX_NODES], _: usize, _: &ttl::Event) -> Result<(), &'static str> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// The replication group with the primary's window check off by one.
    struct Broken;

    impl Scenario for Broken {
        type M = replication::Node<8>;
        fn nodes() -> heapless::Vec<Self::M, MAX_NODES> {
            replication_group(replication::Fault::WindowOffByOne)
        }
        fn timer(b: u8) -> replication::Timer {
            Replication::timer(b)
        }
        fn command(r: &mut Reader<'_>) -> Option<replication::Cmd> {
            Replication::command(r)
        }
        fn check(nodes: &[Self::M]) -> Result<(), &'static str> {
            Replication::check(nodes)
        }
        fn event(
            s: &mut [u32; MAX_NODES],
            n: usize,
            e: &replication::Event,
        ) -> Result<(), &'static str> {
            Replication::event(s, n, e)
        }
    }

    /// Steps: (node, kind, then operands) as the harness reads them.
    fn write(value: u16) -> [u8; 5] {
        [0, 3, 1, (value >> 8) as u8, value as u8]
    }

    #[test]
    fn four_writes_break_the_off_by_one_window_and_not_the_correct_one() {
        let input: Vec<u8> = (1..=4).flat_map(write).collect();
        assert_eq!(
            drive::<Broken>(&input, &mut |_| {}).map(|_| ()),
            Err(Violation { step: 3, what: "more writes in flight than the window" })
        );
        let sum = drive::<Replication>(&input, &mut |_| {}).expect("the correct primary");
        assert_eq!((sum.steps, sum.refused), (4, 1), "the fourth write is refused");
    }

    #[test]
    fn delivered_traffic_reaches_commits_and_in_order_delivery() {
        // Write, deliver the two appends, deliver an ack: one commit.
        let mut input: Vec<u8> = write(7).to_vec();
        input.extend([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
        let sum = drive::<Replication>(&input, &mut |_| {}).expect("runs");
        assert_eq!(sum.decoded, 3, "{sum:?}");
        assert_eq!((sum.rejected, sum.events), (0, 3), "two stores and a commit: {sum:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Arbitrary bytes fed to every role of every protocol never panic and never break an
        /// invariant.
        #[test]
        fn arbitrary_input_never_breaks_a_role(input in proptest::collection::vec(any::<u8>(), 0..1200)) {
            for p in Protocol::ALL {
                if let Err(v) = p.run(&input) {
                    prop_assert!(false, "{p:?}: {v}");
                }
            }
        }

        /// Arbitrary well-formed message sequences: every step a valid frame of the protocol,
        /// mixed with replays of real traffic, timers and commands.
        #[test]
        fn arbitrary_message_sequences_never_break_a_role(
            steps in proptest::collection::vec((any::<u8>(), 0u8..5, any::<[u8; 6]>()), 0..200)
        ) {
            let mut input = Vec::new();
            for (node, kind, ops) in &steps {
                input.extend([*node, *kind]);
                input.extend(ops);
            }
            for p in Protocol::ALL {
                if let Err(v) = p.run(&input) {
                    prop_assert!(false, "{p:?}: {v}");
                }
            }
        }

    }

    /// The inputs the proptests draw reach the roles' error paths, not only their happy paths:
    /// every rejection and refusal of every protocol, by the error's name, from 10,000
    /// arbitrary byte strings and 10,000 step sequences (fixed seed), except three that these
    /// groups cannot reach and unit tests cover: a replica's `Busy` (only the ack-before-store
    /// variant flushes late), `Exhausted` (a primary or sender past 2³² − 1 writes) and the
    /// authority's `TooManySubscribers` (five subscribers; the group has four ids).
    #[test]
    fn random_input_reaches_every_rejection_path() {
        use std::collections::BTreeSet;
        use std::string::String;
        let floor: [(Protocol, &[&str]); 6] = [
            (
                Protocol::Replication,
                &[
                    "rejected AckBeyondLast",
                    "rejected Conflict",
                    "rejected Gap",
                    "rejected LogFull",
                    "rejected Unexpected",
                    "rejected UnknownPeer",
                    "rejected ZeroSeq",
                    "refused LogFull",
                    "refused NotPrimary",
                    "refused WindowFull",
                ],
            ),
            (
                Protocol::Pipeline,
                &[
                    "rejected AckBeyondLast",
                    "rejected BeyondWindow",
                    "rejected Conflict",
                    "rejected Unexpected",
                    "rejected UnknownPeer",
                    "rejected ZeroSeq",
                    "refused NotSender",
                    "refused WindowFull",
                ],
            ),
            (
                Protocol::Deadlock,
                &[
                    "rejected Malformed",
                    "rejected NotHolder",
                    "rejected Stale",
                    "rejected StaleReport",
                    "rejected UnexpectedSender",
                    "refused AlreadyHeld",
                    "refused Busy",
                    "refused NotAProcess",
                    "refused NotHeld",
                    "refused UnknownResource",
                ],
            ),
            (
                Protocol::Retry,
                &["rejected Stale", "rejected Unexpected", "refused Busy", "refused WrongRole"],
            ),
            (
                Protocol::Stage,
                &[
                    "rejected QueueFull",
                    "rejected Unexpected",
                    "rejected UnknownJob",
                    "refused AtCap",
                    "refused NotTheSource",
                ],
            ),
            (
                Protocol::Ttl,
                &[
                    "rejected Stale",
                    "rejected Stranger",
                    "rejected Unexpected",
                    "refused Busy",
                    "refused WrongRole",
                ],
            ),
        ];
        for (p, expected) in floor {
            let mut reached: BTreeSet<String> = BTreeSet::new();
            let mut rng = crate::rng::SplitMix64::new(1);
            for k in 0..20_000 {
                // As `arbitrary_input_never_breaks_a_role`, then as
                // `arbitrary_message_sequences_never_break_a_role`.
                let input: Vec<u8> = if k % 2 == 0 {
                    (0..rng.below_or_eq(1199)).map(|_| rng.next_u64() as u8).collect()
                } else {
                    let mut steps = Vec::new();
                    for _ in 0..rng.below_or_eq(199) {
                        steps.extend([rng.next_u64() as u8, rng.below_or_eq(4) as u8]);
                        steps.extend((0..6).map(|_| rng.next_u64() as u8));
                    }
                    steps
                };
                let run = p.run_noting(&input, &mut |refusal| {
                    let (how, e) = match refusal {
                        Refusal::Rejected(e) => ("rejected", e),
                        Refusal::Refused(e) => ("refused", e),
                    };
                    let text = std::format!("{e:?}");
                    let name: String = text.chars().take_while(|c| c.is_alphanumeric()).collect();
                    reached.insert(std::format!("{how} {name}"));
                });
                assert!(run.is_ok(), "{p:?}: {run:?}");
            }
            let missing: Vec<&str> =
                expected.iter().copied().filter(|e| !reached.contains(*e)).collect();
            assert!(missing.is_empty(), "{p:?} never reached {missing:?}; reached {reached:?}");
        }
    }

    /// The harness finds the off-by-one window from random bytes: the check can fail. Fixed
    /// seeds, so the run is reproducible: with a fresh seed each run, 2,000 tries missed about
    /// one seed in 3,000 (the median seed needs 140 tries, the 99th percentile 980).
    #[test]
    fn random_bytes_find_the_broken_window() {
        for seed in 0..256 {
            let mut rng = crate::rng::SplitMix64::new(seed);
            let found = (0..10_000).any(|_| {
                let input: Vec<u8> = (0..64).map(|_| rng.next_u64() as u8).collect();
                drive::<Broken>(&input, &mut |_| {}).is_err()
            });
            assert!(found, "seed {seed}: 10,000 random inputs never broke the window");
        }
    }
}
