//! Windowed pipelining over a lossy, reordering, duplicating link (MODELS.md §2).
//!
//! A sender keeps at most M messages unacknowledged (the shared [`Window`]); a receiver delivers
//! them to its application in order and exactly once, buffering what arrives early (selective
//! repeat) and acknowledging cumulatively (`Ack { through }` = "delivered everything up to
//! `through`"). A retransmission timer resends every unacknowledged message, so loss costs time
//! but never progress.
//!
//! The law it obeys: a window slot is held for L' (the round trip plus serialization), so the
//! throughput is min(M / L', B / s).
//!
//! Addressing: the sender is `n0` and the receiver `n1`.
//!
//! Fault injection: [`Fault`] selects a deliberately broken variant so the checker's tests can
//! prove each safety property catches its bug. The broken variants exist only with the `faults`
//! feature; production builds have [`Fault::None`] alone.

use crate::log::{drop_front, Log};
use crate::machine::{Effects, Machine, NodeId};
use crate::time::{Duration, Instant};
use crate::window::{Seq, Window, WindowError};
use core::fmt;
use heapless::Vec;
use serde::{Deserialize, Serialize};

/// The payload of one message.
pub type Value = u32;

/// The sender's id.
pub const SENDER: NodeId = NodeId(0);
/// The receiver's id.
pub const RECEIVER: NodeId = NodeId(1);

/// A deliberately broken variant, for proving that the checker catches each bug.
///
/// Only [`Fault::None`] exists unless the `faults` feature is on: a node built without it can
/// neither name nor run a broken variant, and carries none of their code.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[non_exhaustive]
pub enum Fault {
    /// The correct protocol.
    #[default]
    None,
    /// The sender's window check is off by one: it admits M + 1 unacknowledged messages.
    #[cfg(any(test, feature = "faults"))]
    WindowOffByOne,
    /// The receiver delivers a retransmitted message it has already delivered.
    #[cfg(any(test, feature = "faults"))]
    RedeliverDuplicates,
    /// The receiver delivers whatever arrives, without waiting for the gap to fill.
    #[cfg(any(test, feature = "faults"))]
    DeliverOutOfOrder,
    /// The sender's retransmission resends only its newest unacknowledged message, so a lost
    /// older one is never repaired. Every safety property still holds: only a lossy link shows
    /// it, as a liveness failure.
    #[cfg(any(test, feature = "faults"))]
    ResendNewestOnly,
}

/// The sender's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Config {
    /// The window M: messages unacknowledged at once, 1 ..= the buffer capacity.
    pub window: u16,
    /// Retransmission timeout; `None` disables retransmission (only sound on a lossless link).
    pub rto: Option<Duration>,
    /// The protocol variant.
    pub fault: Fault,
}

/// Why a [`Config`] cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConfigError {
    /// The window is 0 or larger than the buffers (`capacity`).
    Window {
        /// The window asked for.
        window: u16,
        /// The buffer capacity N.
        capacity: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ConfigError::Window { window, capacity } = self;
        write!(f, "window {window}: it must be 1 to the buffer capacity {capacity}")
    }
}

impl core::error::Error for ConfigError {}

/// Messages on the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Msg {
    /// Sender → receiver: message `seq` carrying `value`.
    Data {
        /// Sequence number (≥ 1).
        seq: Seq,
        /// Payload.
        value: Value,
    },
    /// Receiver → sender: everything up to and including `through` was delivered.
    Ack {
        /// The highest message delivered in order.
        through: Seq,
    },
}

/// Local commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cmd {
    /// Send a message with this payload (sender only).
    Send(Value),
}

/// Timer kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Timer {
    /// Sender: resend every unacknowledged message.
    Retransmit,
}

/// Events for the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// Receiver: message `seq` is delivered to the application (in order, exactly once).
    Delivered {
        /// Sequence number.
        seq: Seq,
        /// Payload.
        value: Value,
    },
    /// Sender: every message up to `through` is acknowledged.
    Acked {
        /// The highest message acknowledged.
        through: Seq,
    },
}

/// Why a send was refused. Every variant hands the payload back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SendError {
    /// M messages are unacknowledged; retry after an ack.
    WindowFull(Value),
    /// The sequence space is used up.
    Exhausted(Value),
    /// This node is the receiver.
    NotSender(Value),
}

impl SendError {
    /// The refused payload, handed back.
    pub const fn into_value(self) -> Value {
        match self {
            SendError::WindowFull(v) | SendError::Exhausted(v) | SendError::NotSender(v) => v,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::WindowFull(_) => "window full: too many unacknowledged messages",
            SendError::Exhausted(_) => "sequence numbers exhausted",
            SendError::NotSender(_) => "only the sender sends",
        })
    }
}

impl core::error::Error for SendError {}

/// Why a message was rejected. The machine's state is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RecvError {
    /// From a node that is not this one's peer.
    UnknownPeer(NodeId),
    /// This role never receives this kind of message.
    Unexpected,
    /// Sequence number 0 names no message.
    ZeroSeq,
    /// An ack beyond the last message sent.
    AckBeyondLast {
        /// The acknowledged message.
        through: Seq,
        /// The last message sent.
        last: Seq,
    },
    /// A message too far ahead of the next one expected to be buffered.
    BeyondWindow {
        /// The message that arrived.
        seq: Seq,
        /// The next message expected.
        expected: Seq,
    },
    /// A resent message disagrees with the buffered copy.
    Conflict(Seq),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::UnknownPeer(n) => write!(f, "message from {n}, not the peer"),
            RecvError::Unexpected => f.write_str("message kind not handled by this role"),
            RecvError::ZeroSeq => f.write_str("sequence number 0 names no message"),
            RecvError::AckBeyondLast { through, last } => {
                write!(f, "ack through {through} but only {last} sent")
            }
            RecvError::BeyondWindow { seq, expected } => {
                write!(f, "message {seq} is beyond the receive window starting at {expected}")
            }
            RecvError::Conflict(s) => write!(f, "message {s} conflicts with the buffered copy"),
        }
    }
}

impl core::error::Error for RecvError {}

/// The sender: numbers messages, keeps at most M unacknowledged, retransmits on a timer.
/// `N` is the buffer capacity (the largest window).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Sender<const N: usize> {
    cfg: Config,
    window: Window,
    unacked: Log<Value, N>,
    armed: bool,
}

impl<const N: usize> Sender<N> {
    /// A sender for a validated configuration.
    pub fn new(cfg: Config) -> Result<Self, ConfigError> {
        if cfg.window == 0 || cfg.window as usize > N {
            return Err(ConfigError::Window { window: cfg.window, capacity: N });
        }
        let limit = match cfg.fault {
            #[cfg(any(test, feature = "faults"))]
            Fault::WindowOffByOne => cfg.window + 1,
            _ => cfg.window,
        };
        Ok(Sender { cfg, window: Window::new(limit), unacked: Log::new(), armed: false })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The highest message sent.
    pub fn last(&self) -> Seq {
        self.window.last()
    }

    /// The highest message acknowledged.
    pub fn acked(&self) -> Seq {
        self.window.acked()
    }

    /// Messages sent and not yet acknowledged.
    pub fn in_flight(&self) -> u32 {
        self.window.in_flight()
    }

    fn arm(&mut self, now: Instant, out: &mut impl Effects<Node<N>>) {
        if let Some(rto) = self.cfg.rto {
            out.set_timer(Timer::Retransmit, now + rto);
            self.armed = true;
        }
    }

    fn send(
        &mut self,
        now: Instant,
        value: Value,
        out: &mut impl Effects<Node<N>>,
    ) -> Result<(), SendError> {
        if self.unacked.is_full() {
            return Err(SendError::WindowFull(value));
        }
        let seq = self.window.open().map_err(|e| match e {
            WindowError::Full => SendError::WindowFull(value),
            _ => SendError::Exhausted(value),
        })?;
        // Checked not full above; the buffer's last entry is the window's last.
        let stored = self.unacked.push(value);
        debug_assert_eq!(stored, Ok(seq));
        out.send(RECEIVER, Msg::Data { seq, value });
        if !self.armed {
            self.arm(now, out);
        }
        Ok(())
    }

    fn on_ack(
        &mut self,
        now: Instant,
        through: Seq,
        out: &mut impl Effects<Node<N>>,
    ) -> Result<(), RecvError> {
        match self.window.ack_through(through) {
            Err(_) => Err(RecvError::AckBeyondLast { through, last: self.window.last() }),
            Ok(0) => Ok(()), // stale or duplicate
            Ok(_) => {
                self.unacked.compact_through(through);
                out.emit(Event::Acked { through });
                if self.window.in_flight() == 0 {
                    if self.armed {
                        out.cancel_timer(Timer::Retransmit);
                        self.armed = false;
                    }
                } else {
                    self.arm(now, out); // progress: restart the retransmission clock
                }
                Ok(())
            }
        }
    }

    fn retransmit(&mut self, now: Instant, out: &mut impl Effects<Node<N>>) {
        self.armed = false;
        if self.window.in_flight() == 0 {
            return;
        }
        let from = match self.cfg.fault {
            #[cfg(any(test, feature = "faults"))]
            Fault::ResendNewestOnly => self.window.last(),
            _ => 0,
        };
        for (seq, &value) in (self.unacked.base() + 1..).zip(self.unacked.entries()) {
            if seq >= from {
                out.send(RECEIVER, Msg::Data { seq, value });
            }
        }
        self.arm(now, out);
    }
}

/// The receiver: delivers in order and exactly once, buffering up to `N` early messages.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Receiver<const N: usize> {
    fault: Fault,
    delivered: Seq,
    early: Vec<(Seq, Value), N, u8>,
}

impl<const N: usize> Receiver<N> {
    /// A receiver that has delivered nothing.
    pub const fn new(fault: Fault) -> Self {
        Receiver { fault, delivered: 0, early: Vec::new() }
    }

    /// The highest message delivered in order.
    pub fn delivered(&self) -> Seq {
        self.delivered
    }

    /// Messages buffered ahead of a gap.
    pub fn early(&self) -> &[(Seq, Value)] {
        &self.early
    }

    fn deliver(&mut self, seq: Seq, value: Value, out: &mut impl Effects<Node<N>>) {
        out.emit(Event::Delivered { seq, value });
        self.delivered = self.delivered.max(seq);
    }

    fn on_data(
        &mut self,
        seq: Seq,
        value: Value,
        out: &mut impl Effects<Node<N>>,
    ) -> Result<(), RecvError> {
        if seq == 0 {
            return Err(RecvError::ZeroSeq);
        }
        let expected = self.delivered + 1;
        if seq < expected {
            if injected!(self.fault, RedeliverDuplicates) {
                out.emit(Event::Delivered { seq, value });
            }
            // Already delivered: the ack was lost or is late; acknowledge again.
            out.send(SENDER, Msg::Ack { through: self.delivered });
            return Ok(());
        }
        if injected!(self.fault, DeliverOutOfOrder) {
            self.deliver(seq, value, out);
            out.send(SENDER, Msg::Ack { through: self.delivered });
            return Ok(());
        }
        if seq - expected >= N as Seq {
            return Err(RecvError::BeyondWindow { seq, expected });
        }
        if seq > expected {
            match self.early.iter().find(|(s, _)| *s == seq) {
                Some(&(_, v)) if v != value => return Err(RecvError::Conflict(seq)),
                Some(_) => {}
                None => {
                    let at =
                        self.early.iter().position(|(s, _)| *s > seq).unwrap_or(self.early.len());
                    // Capacity N holds every seq in (expected, expected + N), checked above.
                    if self.early.is_full() {
                        return Err(RecvError::BeyondWindow { seq, expected });
                    }
                    // Into its place, in order, the later ones moving up by one. (Not
                    // `insert`, which has a panic compiled in.)
                    let mut carried = (seq, value);
                    for later in self.early.iter_mut().skip(at) {
                        core::mem::swap(later, &mut carried);
                    }
                    if self.early.push(carried).is_err() {
                        return Err(RecvError::BeyondWindow { seq, expected });
                    }
                }
            }
            out.send(SENDER, Msg::Ack { through: self.delivered });
            return Ok(());
        }
        self.deliver(seq, value, out);
        // Then whatever was waiting for it, in order.
        let mut taken = 0;
        while let Some(&(s, v)) = self.early.get(taken) {
            if s != self.delivered + 1 {
                break;
            }
            self.deliver(s, v, out);
            taken += 1;
        }
        drop_front(&mut self.early, taken);
        out.send(SENDER, Msg::Ack { through: self.delivered });
        Ok(())
    }
}

/// A pipeline node in either role. `N` is the buffer capacity (≤ 255).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Node<const N: usize> {
    /// The sender, `n0`.
    Sender(Sender<N>),
    /// The receiver, `n1`.
    Receiver(Receiver<N>),
}

impl<const N: usize> Node<N> {
    /// The sender `n0` and the receiver `n1`.
    pub fn pair(cfg: Config) -> Result<[Node<N>; 2], ConfigError> {
        Ok([Node::Sender(Sender::new(cfg)?), Node::Receiver(Receiver::new(cfg.fault))])
    }

    /// The sender, if this node is one.
    pub fn as_sender(&self) -> Option<&Sender<N>> {
        match self {
            Node::Sender(s) => Some(s),
            Node::Receiver(_) => None,
        }
    }

    /// The receiver, if this node is one.
    pub fn as_receiver(&self) -> Option<&Receiver<N>> {
        match self {
            Node::Receiver(r) => Some(r),
            Node::Sender(_) => None,
        }
    }
}

impl<const N: usize> Machine for Node<N> {
    type Msg = Msg;
    type Cmd = Cmd;
    type Timer = Timer;
    type Event = Event;
    type CmdError = SendError;
    type MsgError = RecvError;
    type Durable = Node<N>;

    fn on_start(&mut self, _now: Instant, _out: &mut impl Effects<Self>) {}

    fn on_command(
        &mut self,
        now: Instant,
        cmd: Cmd,
        out: &mut impl Effects<Self>,
    ) -> Result<(), SendError> {
        let Cmd::Send(value) = cmd;
        match self {
            Node::Sender(s) => s.send(now, value, out),
            Node::Receiver(_) => Err(SendError::NotSender(value)),
        }
    }

    fn on_message(
        &mut self,
        now: Instant,
        from: NodeId,
        msg: Msg,
        out: &mut impl Effects<Self>,
    ) -> Result<(), RecvError> {
        match (self, msg) {
            (Node::Sender(_), _) if from != RECEIVER => Err(RecvError::UnknownPeer(from)),
            (Node::Receiver(_), _) if from != SENDER => Err(RecvError::UnknownPeer(from)),
            (Node::Sender(s), Msg::Ack { through }) => s.on_ack(now, through, out),
            (Node::Receiver(r), Msg::Data { seq, value }) => r.on_data(seq, value, out),
            _ => Err(RecvError::Unexpected),
        }
    }

    fn on_timer(&mut self, now: Instant, timer: Timer, out: &mut impl Effects<Self>) {
        match (self, timer) {
            (Node::Sender(s), Timer::Retransmit) => s.retransmit(now, out),
            (Node::Receiver(_), Timer::Retransmit) => {}
        }
    }

    /// Both roles keep everything: a pipeline endpoint that forgets what it delivered would
    /// deliver again.
    fn durable(&self) -> Node<N> {
        self.clone()
    }

    fn recover(durable: Node<N>, now: Instant, out: &mut impl Effects<Self>) -> Self {
        let mut node = durable;
        if let Node::Sender(s) = &mut node {
            s.armed = false;
            if s.in_flight() > 0 {
                s.arm(now, out);
            }
        }
        node
    }
}

impl<const N: usize> fmt::Debug for Sender<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sender {{ last: {}, acked: {}", self.last(), self.acked())?;
        f.write_str(if self.armed { ", rto armed }" } else { " }" })
    }
}

impl<const N: usize> fmt::Debug for Receiver<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Receiver {{ delivered: 1..={}", self.delivered)?;
        if !self.early.is_empty() {
            let seqs: Vec<Seq, N, u8> = self.early.iter().map(|(s, _)| *s).collect();
            write!(f, ", early: {:?}", &seqs[..])?;
        }
        f.write_str(" }")
    }
}

impl<const N: usize> fmt::Debug for Node<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Sender(s) => s.fmt(f),
            Node::Receiver(r) => r.fmt(f),
        }
    }
}

impl<const N: usize> crate::rebase::Rebase for Node<N> {
    fn low_water(&self) -> Seq {
        match self {
            Node::Sender(s) => s.window.acked(),
            Node::Receiver(r) => r.delivered,
        }
    }

    fn rebase(&mut self, by: Seq) {
        match self {
            Node::Sender(s) => {
                s.window.rebase(by);
                s.unacked.rebase(by);
            }
            Node::Receiver(r) => {
                r.delivered -= by.min(r.delivered);
                for (seq, _) in r.early.iter_mut() {
                    *seq -= by.min(*seq);
                }
            }
        }
    }
}

impl crate::rebase::Rebase for Msg {
    fn low_water(&self) -> Seq {
        match *self {
            Msg::Data { seq, .. } => seq.saturating_sub(1),
            Msg::Ack { through } => through,
        }
    }

    fn rebase(&mut self, by: Seq) {
        match self {
            Msg::Data { seq, .. } => *seq -= by.min(*seq),
            Msg::Ack { through } => *through -= by.min(*through),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::{Effect, EffectBuf};

    type P = Node<8>;
    type Out = EffectBuf<Msg, Timer, Event, 64>;
    const RTO: Duration = Duration(30);

    fn cfg(window: u16) -> Config {
        Config { window, rto: Some(RTO), fault: Fault::None }
    }

    /// A sender that sent `n` messages (payloads 10, 11, …) at `now`.
    fn sender_with(window: u16, n: u32, now: Instant) -> P {
        let [mut s, _] = P::pair(cfg(window)).expect("valid");
        let mut out = Out::new();
        for i in 0..n {
            s.on_command(now, Cmd::Send(10 + i), &mut out).expect("room");
        }
        s
    }

    fn receiver() -> P {
        P::Receiver(Receiver::new(Fault::None))
    }

    fn sent(out: &Out) -> std::vec::Vec<Msg> {
        out.as_slice()
            .iter()
            .filter_map(|e| match e {
                Effect::Send { msg, .. } => Some(*msg),
                _ => None,
            })
            .collect()
    }

    fn delivered(out: &Out) -> std::vec::Vec<Seq> {
        out.as_slice()
            .iter()
            .filter_map(|e| match e {
                Effect::Emit(Event::Delivered { seq, .. }) => Some(*seq),
                _ => None,
            })
            .collect()
    }

    fn data(seq: Seq) -> Msg {
        Msg::Data { seq, value: 9 + seq }
    }

    #[test]
    fn window_must_fit_the_buffer() {
        assert!(P::pair(cfg(0)).is_err());
        assert!(P::pair(cfg(9)).is_err());
        assert!(P::pair(cfg(8)).is_ok());
    }

    #[test]
    fn full_window_refuses_and_hands_the_payload_back() {
        let now = Instant(0);
        let mut s = sender_with(2, 2, now);
        let before = s.clone();
        let mut out = Out::new();
        assert_eq!(s.on_command(now, Cmd::Send(7), &mut out), Err(SendError::WindowFull(7)));
        assert!(s == before && out.as_slice().is_empty());
    }

    #[test]
    fn receiver_delivers_in_order_exactly_once_across_reordering() {
        let now = Instant(0);
        let mut r = receiver();
        let mut out = Out::new();
        for seq in [3, 1, 3, 2, 1, 4] {
            r.on_message(now, SENDER, data(seq), &mut out).expect("accepted");
        }
        assert_eq!(delivered(&out), [1, 2, 3, 4]);
        let last_ack = out.as_slice().iter().rev().find_map(|e| match e {
            Effect::Send { msg: Msg::Ack { through }, .. } => Some(*through),
            _ => None,
        });
        assert_eq!(last_ack, Some(4));
    }

    #[test]
    fn receiver_rejects_bad_data_without_change() {
        let now = Instant(0);
        let mut r = receiver();
        let mut out = Out::new();
        r.on_message(now, SENDER, data(2), &mut out).expect("buffered");
        let before = r.clone();
        let mut out = Out::new();
        let cases = [
            (SENDER, Msg::Data { seq: 0, value: 1 }, RecvError::ZeroSeq),
            (SENDER, data(9), RecvError::BeyondWindow { seq: 9, expected: 1 }),
            (SENDER, Msg::Data { seq: 2, value: 99 }, RecvError::Conflict(2)),
            (NodeId(5), data(1), RecvError::UnknownPeer(NodeId(5))),
            (SENDER, Msg::Ack { through: 1 }, RecvError::Unexpected),
        ];
        for (from, msg, err) in cases {
            assert_eq!(r.on_message(now, from, msg, &mut out), Err(err));
        }
        assert!(r == before && out.as_slice().is_empty());
    }

    #[test]
    fn sender_handles_stale_and_impossible_acks() {
        let now = Instant(0);
        let mut s = sender_with(4, 3, now);
        let mut out = Out::new();
        s.on_message(now, RECEIVER, Msg::Ack { through: 2 }, &mut out).expect("ok");
        assert_eq!(s.as_sender().expect("sender").in_flight(), 1);
        let before = s.clone();
        let mut out = Out::new();
        s.on_message(now, RECEIVER, Msg::Ack { through: 1 }, &mut out).expect("stale");
        let beyond = s.on_message(now, RECEIVER, Msg::Ack { through: 5 }, &mut out);
        assert_eq!(beyond, Err(RecvError::AckBeyondLast { through: 5, last: 3 }));
        assert!(s == before && out.as_slice().is_empty());
    }

    #[test]
    fn retransmission_resends_every_unacked_message() {
        let now = Instant(40);
        let mut s = sender_with(4, 3, Instant(0));
        let mut out = Out::new();
        s.on_message(now, RECEIVER, Msg::Ack { through: 1 }, &mut out).expect("ok");
        let mut out = Out::new();
        s.on_timer(now, Timer::Retransmit, &mut out);
        let sent = sent(&out);
        assert_eq!(sent, [Msg::Data { seq: 2, value: 11 }, Msg::Data { seq: 3, value: 12 }]);
        assert!(out
            .as_slice()
            .contains(&Effect::SetTimer { timer: Timer::Retransmit, at: now + RTO }));
    }

    #[test]
    fn the_resend_newest_only_variant_leaves_the_gap_unfilled() {
        let now = Instant(40);
        let broken = Config { fault: Fault::ResendNewestOnly, ..cfg(4) };
        let [mut s, _] = P::pair(broken).expect("valid");
        let mut out = Out::new();
        for i in 0..3 {
            s.on_command(Instant(0), Cmd::Send(10 + i), &mut out).expect("room");
        }
        let mut out = Out::new();
        s.on_timer(now, Timer::Retransmit, &mut out);
        let sent = sent(&out);
        // The receiver lacks 1, 2 and 3; only 3 goes out, which it can only buffer.
        assert_eq!(sent, [Msg::Data { seq: 3, value: 12 }]);
        assert!(out
            .as_slice()
            .contains(&Effect::SetTimer { timer: Timer::Retransmit, at: now + RTO }));
    }

    #[test]
    fn broken_receivers_misdeliver() {
        let now = Instant(0);
        let mut dup = P::Receiver(Receiver::new(Fault::RedeliverDuplicates));
        let mut out = Out::new();
        dup.on_message(now, SENDER, data(1), &mut out).expect("ok");
        dup.on_message(now, SENDER, data(1), &mut out).expect("ok");
        assert_eq!(delivered(&out), [1, 1]);
        let mut ooo = P::Receiver(Receiver::new(Fault::DeliverOutOfOrder));
        let mut out = Out::new();
        ooo.on_message(now, SENDER, data(2), &mut out).expect("ok");
        ooo.on_message(now, SENDER, data(1), &mut out).expect("ok");
        assert_eq!(delivered(&out), [2]);
    }
}
