//! Synchronous replication: a primary and its replicas (MODELS.md §1).
//!
//! The primary accepts client writes into a bounded log and keeps at most `k` of them
//! unacknowledged (the [`Window`]); `k = 1` is strict synchronous replication. Each write is sent
//! to every replica; a replica stores writes strictly in order and acknowledges cumulatively
//! (`Ack { through }` = "I have stored every write up to `through`"). A write is committed, and
//! reported to the client with [`Event::Committed`], once the [`AckPolicy`]'s number of replicas
//! have stored it. A retransmission timer resends what a replica has not acknowledged, so a lossy
//! network slows the protocol down but never stalls it.
//!
//! The law it obeys: a write holds its window slot for one round trip plus its serialization
//! and processing time T, so X(k) = min(k / T, B / s); `k = 1` gives 1 / RTT.
//!
//! Addressing: the group is the primary `n0` and the replicas `n1 ..= nR`.
//!
//! Fault injection: [`Fault`] selects a deliberately broken variant. It exists so the checker's
//! tests can prove that each safety property catches the bug it guards against. The broken
//! variants exist only with the `faults` feature; production builds have [`Fault::None`] alone.

use crate::log::Log;
use crate::machine::{Effects, Machine, NodeId};
use crate::time::{Duration, Instant};
use crate::window::{Seq, Window, WindowError};
use core::fmt;
use heapless::Vec;
use serde::{Deserialize, Serialize};

/// The payload of a client write.
pub type Value = u32;

/// The most replicas one primary serves.
pub const MAX_REPLICAS: usize = 7;

/// The id of the primary of a group.
pub const PRIMARY: NodeId = NodeId(0);

/// The id of replica `i` (0-based) of a group.
pub const fn replica_id(i: u8) -> NodeId {
    NodeId(i + 1)
}

/// How many replicas must have stored a write before it is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AckPolicy {
    /// Every replica.
    All,
    /// A majority of all copies, counting the primary's own: ⌊(R + 1) / 2⌋ replicas of R.
    Majority,
    /// Exactly this many replicas (1 ..= R).
    Count(u8),
}

impl AckPolicy {
    /// The number of replica acknowledgements this policy needs in a group of `replicas`.
    pub const fn required(self, replicas: u8) -> u8 {
        match self {
            AckPolicy::All => replicas,
            AckPolicy::Majority => replicas.div_ceil(2),
            AckPolicy::Count(q) => q,
        }
    }
}

/// A deliberately broken protocol variant, for proving that the checker catches each bug.
///
/// Only [`Fault::None`] exists unless the `faults` feature is on: a node built without it can
/// neither name nor run a broken variant, and carries none of their code. This fails to compile
/// without the feature, and compiles with it (`cargo test -p inflight-core --doc` checks the
/// first, the workspace's tests the second):
///
#[cfg_attr(not(feature = "faults"), doc = "```compile_fail,E0599")]
#[cfg_attr(feature = "faults", doc = "```")]
/// let broken = inflight_core::replication::Fault::WindowOffByOne;
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[non_exhaustive]
pub enum Fault {
    /// The correct protocol.
    #[default]
    None,
    /// The primary's window check is off by one: it admits `k + 1` unacknowledged writes.
    #[cfg(any(test, feature = "faults"))]
    WindowOffByOne,
    /// The replica acknowledges a write before storing it, and stores it on a later flush.
    #[cfg(any(test, feature = "faults"))]
    AckBeforeStore,
    /// The replica stores whatever arrives next, even past a gap, and acknowledges its log.
    #[cfg(any(test, feature = "faults"))]
    StoreOutOfOrder,
    /// The replica keeps its log only in volatile memory: a crash forgets every write.
    #[cfg(any(test, feature = "faults"))]
    VolatileLog,
    /// On its retransmission timer the primary resends only the newest unacknowledged write,
    /// not everything a replica lacks: once an older one is lost, the replica rejects every
    /// resend as a gap and nothing commits again. Only a lossy network shows it, as a liveness
    /// failure.
    #[cfg(any(test, feature = "faults"))]
    ResendNewestOnly,
}

/// A replication group's settings, shared by the primary and validated before use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Config {
    /// Number of replicas, 1 ..= [`MAX_REPLICAS`].
    pub replicas: u8,
    /// The window k: the most writes unacknowledged at once (1 = strict synchronous).
    pub window: u16,
    /// How many replicas must store a write before it commits.
    pub policy: AckPolicy,
    /// Retransmission timeout; `None` disables retransmission (only sound on a lossless network).
    pub rto: Option<Duration>,
    /// The protocol variant; [`Fault::None`] unless testing the checker.
    pub fault: Fault,
}

/// Why a [`Config`] cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConfigError {
    /// The replica count is 0 or above [`MAX_REPLICAS`].
    Replicas(u8),
    /// The window is 0: nothing could ever be written.
    ZeroWindow,
    /// The policy needs more replicas than the group has, or none.
    Quorum {
        /// Replicas the policy needs.
        required: u8,
        /// Replicas in the group.
        replicas: u8,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Replicas(n) => {
                write!(f, "{n} replicas: a group has 1 to {MAX_REPLICAS} replicas")
            }
            ConfigError::ZeroWindow => f.write_str("window 0: at least one write must fit"),
            ConfigError::Quorum { required, replicas } => {
                write!(f, "the ack policy needs {required} of {replicas} replicas")
            }
        }
    }
}

impl core::error::Error for ConfigError {}

impl Config {
    /// Strict synchronous replication to `replicas` replicas, all of which must ack, with
    /// retransmission after `rto`.
    pub const fn synchronous(replicas: u8, rto: Duration) -> Self {
        Config { replicas, window: 1, policy: AckPolicy::All, rto: Some(rto), fault: Fault::None }
    }

    /// Checks the settings make a working group.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.replicas == 0 || self.replicas as usize > MAX_REPLICAS {
            return Err(ConfigError::Replicas(self.replicas));
        }
        if self.window == 0 {
            return Err(ConfigError::ZeroWindow);
        }
        let required = self.policy.required(self.replicas);
        if required == 0 || required > self.replicas {
            return Err(ConfigError::Quorum { required, replicas: self.replicas });
        }
        Ok(())
    }
}

/// Messages between the primary and its replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Msg {
    /// Primary → replica: store `value` as entry `seq`.
    Append {
        /// The entry's sequence number (≥ 1).
        seq: Seq,
        /// The written value.
        value: Value,
    },
    /// Replica → primary: every entry up to and including `through` is stored.
    Ack {
        /// The highest entry stored, contiguously from 1.
        through: Seq,
    },
}

/// Local commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cmd {
    /// A client write, accepted only by the primary.
    Write(Value),
}

/// Timer kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Timer {
    /// Primary: resend what some replica has not acknowledged.
    Retransmit,
    /// Replica in the `Fault::AckBeforeStore` variant: store the buffered write.
    Flush,
}

/// Events for the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// Primary: write `seq` is stored on the replicas the policy requires.
    Committed(Seq),
    /// Replica: write `seq` is stored in this replica's log.
    Stored(Seq),
}

/// Why a write was refused. Every variant hands the value back: nothing is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WriteError {
    /// `k` writes are unacknowledged already; retry after a commit.
    WindowFull(Value),
    /// The log is full of entries some replica has not acknowledged; retry after it catches up.
    LogFull(Value),
    /// The sequence space is used up.
    Exhausted(Value),
    /// This node is a replica; writes go to the primary.
    NotPrimary(Value),
}

impl WriteError {
    /// The refused value, handed back.
    pub const fn into_value(self) -> Value {
        match self {
            WriteError::WindowFull(v)
            | WriteError::LogFull(v)
            | WriteError::Exhausted(v)
            | WriteError::NotPrimary(v) => v,
        }
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::WindowFull(_) => f.write_str("window full: too many unacknowledged writes"),
            WriteError::LogFull(_) => f.write_str("log full: a replica has not caught up"),
            WriteError::Exhausted(_) => f.write_str("sequence numbers exhausted"),
            WriteError::NotPrimary(_) => f.write_str("writes go to the primary"),
        }
    }
}

impl core::error::Error for WriteError {}

/// Why a message was rejected. The machine's state is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RecvError {
    /// The sender is not a member of this group in the role the message needs.
    UnknownPeer(NodeId),
    /// This role never receives this kind of message.
    Unexpected,
    /// Sequence number 0 names no entry.
    ZeroSeq,
    /// An acknowledgement beyond the last write sent.
    AckBeyondLast {
        /// The acknowledged entry.
        through: Seq,
        /// The last entry sent.
        last: Seq,
    },
    /// An entry arrived ahead of a missing one; it will be resent in order.
    Gap {
        /// The entry that arrived.
        seq: Seq,
        /// The entry the replica needs next.
        expected: Seq,
    },
    /// A resent entry disagrees with the stored one: not from this group's primary.
    Conflict(Seq),
    /// The replica's log is full; the application must compact it.
    LogFull(Seq),
    /// The replica is still flushing an earlier write.
    Busy(Seq),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::UnknownPeer(n) => write!(f, "message from {n}, not a peer in this role"),
            RecvError::Unexpected => f.write_str("message kind not handled by this role"),
            RecvError::ZeroSeq => f.write_str("sequence number 0 names no entry"),
            RecvError::AckBeyondLast { through, last } => {
                write!(f, "ack through {through} but only {last} sent")
            }
            RecvError::Gap { seq, expected } => write!(f, "entry {seq} arrived before {expected}"),
            RecvError::Conflict(s) => write!(f, "entry {s} conflicts with the stored one"),
            RecvError::LogFull(s) => write!(f, "log full, entry {s} not stored"),
            RecvError::Busy(s) => write!(f, "still flushing, entry {s} not taken"),
        }
    }
}

impl core::error::Error for RecvError {}

/// The primary: accepts writes, replicates them, commits them by the ack policy.
///
/// Invariants: the log holds exactly the entries `(min acked, last]`; `commit = window.acked()`;
/// `in_flight = last − commit ≤ k`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Primary<const N: usize> {
    cfg: Config,
    window: Window,
    log: Log<Value, N>,
    acked: Vec<Seq, MAX_REPLICAS, u8>,
    armed: bool,
}

/// The q-th highest of `acked`: the highest value that at least q of them have reached, with q
/// taken as at least 1 and at most how many there are; 0 if there are none (a validated
/// configuration has at least one replica). Counted rather than sorted and indexed, so that no
/// sort, bounds check or panic is compiled in; there are at most [`MAX_REPLICAS`].
fn qth_highest(acked: &[Seq], q: usize) -> Seq {
    let q = q.max(1).min(acked.len());
    let reached = |v: Seq| acked.iter().filter(|&&a| a >= v).count();
    acked.iter().copied().filter(|&v| reached(v) >= q).max().unwrap_or(0)
}

impl<const N: usize> Primary<N> {
    /// A primary with an empty log, for a validated configuration.
    pub fn new(cfg: Config) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let limit = match cfg.fault {
            #[cfg(any(test, feature = "faults"))]
            Fault::WindowOffByOne => cfg.window.saturating_add(1),
            _ => cfg.window,
        };
        let mut acked = Vec::new();
        for _ in 0..cfg.replicas {
            // NOTE(unwrap): validate() bounds replicas by MAX_REPLICAS, the capacity.
            let _ = acked.push(0);
        }
        Ok(Primary { cfg, window: Window::new(limit), log: Log::new(), acked, armed: false })
    }

    /// The group's configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The highest committed write: every write up to it is committed.
    pub fn commit(&self) -> Seq {
        self.window.acked()
    }

    /// The highest write accepted.
    pub fn last(&self) -> Seq {
        self.window.last()
    }

    /// Writes accepted and not yet committed.
    pub fn in_flight(&self) -> u32 {
        self.window.in_flight()
    }

    /// The highest write each replica has acknowledged, by replica index.
    pub fn acked(&self) -> &[Seq] {
        &self.acked
    }

    /// The entries some replica still lacks: `(min acked, last]`.
    pub fn log(&self) -> &Log<Value, N> {
        &self.log
    }

    fn min_acked(&self) -> Seq {
        self.acked.iter().copied().min().unwrap_or(0)
    }

    fn replica_index(&self, from: NodeId) -> Result<usize, RecvError> {
        let i = (from.0 as usize).wrapping_sub(1);
        if i < self.acked.len() {
            Ok(i)
        } else {
            Err(RecvError::UnknownPeer(from))
        }
    }

    /// The highest entry stored on at least `required` replicas.
    fn quorum_point(&self) -> Seq {
        qth_highest(&self.acked, self.cfg.policy.required(self.cfg.replicas) as usize)
    }

    fn arm(&mut self, now: Instant, out: &mut impl Effects<Node<N>>) {
        if let Some(rto) = self.cfg.rto {
            out.set_timer(Timer::Retransmit, now + rto);
            self.armed = true;
        }
    }

    fn write(
        &mut self,
        now: Instant,
        value: Value,
        out: &mut impl Effects<Node<N>>,
    ) -> Result<(), WriteError> {
        if self.log.is_full() {
            return Err(WriteError::LogFull(value));
        }
        let seq = self.window.open().map_err(|e| match e {
            WindowError::Full => WriteError::WindowFull(value),
            _ => WriteError::Exhausted(value),
        })?;
        // The log was checked not full, and its last entry is the window's last.
        let stored = self.log.push(value);
        debug_assert_eq!(stored, Ok(seq));
        for i in 0..self.cfg.replicas {
            out.send(replica_id(i), Msg::Append { seq, value });
        }
        if !self.armed {
            self.arm(now, out);
        }
        Ok(())
    }

    fn on_ack(
        &mut self,
        now: Instant,
        from: NodeId,
        through: Seq,
        out: &mut impl Effects<Node<N>>,
    ) -> Result<(), RecvError> {
        let r = self.replica_index(from)?;
        if through > self.window.last() {
            return Err(RecvError::AckBeyondLast { through, last: self.window.last() });
        }
        if through <= self.acked[r] {
            return Ok(()); // stale or duplicate: already known
        }
        let old_min = self.min_acked();
        self.acked[r] = through;
        let point = self.quorum_point();
        let commit = self.commit();
        if point > commit {
            for seq in commit + 1..=point {
                out.emit(Event::Committed(seq));
            }
            // `point` is an acked value, hence ≤ last: this cannot fail.
            let _ = self.window.ack_through(point);
        }
        let new_min = self.min_acked();
        if new_min > old_min {
            self.log.compact_through(new_min);
            if new_min == self.window.last() {
                if self.armed {
                    out.cancel_timer(Timer::Retransmit);
                    self.armed = false;
                }
            } else {
                // The slowest replica made progress: restart its retransmission clock.
                self.arm(now, out);
            }
        }
        Ok(())
    }

    fn retransmit(&mut self, now: Instant, out: &mut impl Effects<Node<N>>) {
        self.armed = false;
        let last = self.window.last();
        let mut lagging = false;
        let first = |acked: Seq| match self.cfg.fault {
            #[cfg(any(test, feature = "faults"))]
            Fault::ResendNewestOnly => last.max(acked + 1),
            _ => acked + 1,
        };
        for (i, &acked) in self.acked.iter().enumerate() {
            for seq in first(acked)..=last {
                if let Some(value) = self.log.get(seq) {
                    out.send(replica_id(i as u8), Msg::Append { seq, value });
                    lagging = true;
                }
            }
        }
        if lagging {
            self.arm(now, out);
        }
    }

    fn recovered(mut self, now: Instant, out: &mut impl Effects<Node<N>>) -> Self {
        // What each replica acknowledged was volatile; all we know is that every replica has
        // what was compacted. Replicas re-acknowledge resent entries cumulatively.
        let base = self.log.base();
        for a in self.acked.iter_mut() {
            *a = base;
        }
        self.armed = false;
        if base < self.window.last() {
            self.arm(now, out);
        }
        self
    }
}

/// A replica: stores writes strictly in order and acknowledges cumulatively.
///
/// Invariant: its log is a prefix of the primary's writes, with no gap, duplicate or reordering.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Replica<const N: usize> {
    primary: NodeId,
    fault: Fault,
    log: Log<Value, N>,
    pending: Option<(Seq, Value)>,
}

impl<const N: usize> Replica<N> {
    /// A replica with an empty log that accepts writes from `primary`.
    pub const fn new(primary: NodeId, fault: Fault) -> Self {
        Replica { primary, fault, log: Log::new(), pending: None }
    }

    /// The replica's durable log.
    pub fn log(&self) -> &Log<Value, N> {
        &self.log
    }

    /// Hands entries up to `seq` to the application, freeing log space.
    pub fn compact_through(&mut self, seq: Seq) {
        self.log.compact_through(seq);
    }

    fn acked(&self) -> Seq {
        self.pending.map_or(self.log.last(), |(s, _)| s)
    }

    fn on_append(
        &mut self,
        now: Instant,
        seq: Seq,
        value: Value,
        out: &mut impl Effects<Node<N>>,
    ) -> Result<(), RecvError> {
        if seq == 0 {
            return Err(RecvError::ZeroSeq);
        }
        let expected = self.acked() + 1;
        if seq < expected {
            if let Some(stored) = self.log.get(seq) {
                if stored != value {
                    return Err(RecvError::Conflict(seq));
                }
            }
            // A duplicate or a retransmission: re-acknowledge, so a lost ack is repaired.
            out.send(self.primary, Msg::Ack { through: self.acked() });
            return Ok(());
        }
        if seq > expected && !injected!(self.fault, StoreOutOfOrder) {
            return Err(RecvError::Gap { seq, expected });
        }
        if injected!(self.fault, AckBeforeStore) {
            if self.pending.is_some() {
                return Err(RecvError::Busy(seq));
            }
            self.pending = Some((seq, value));
            out.send(self.primary, Msg::Ack { through: seq });
            out.set_timer(Timer::Flush, now);
            return Ok(());
        }
        let stored = self.log.push(value).map_err(|_| RecvError::LogFull(seq))?;
        out.emit(Event::Stored(stored));
        out.send(self.primary, Msg::Ack { through: stored });
        Ok(())
    }

    fn flush(&mut self, now: Instant, out: &mut impl Effects<Node<N>>) {
        if let Some((seq, value)) = self.pending {
            match self.log.push(value) {
                Ok(_) => {
                    self.pending = None;
                    out.emit(Event::Stored(seq));
                }
                Err(_) => out.set_timer(Timer::Flush, now),
            }
        }
    }
}

/// A node of a replication group in either role: the one machine type a harness runs.
/// `N` is the log capacity in entries (≤ 255).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Node<const N: usize> {
    /// The primary.
    Primary(Primary<N>),
    /// A replica.
    Replica(Replica<N>),
}

impl<const N: usize> Node<N> {
    /// The primary, if this node is one.
    pub fn as_primary(&self) -> Option<&Primary<N>> {
        match self {
            Node::Primary(p) => Some(p),
            Node::Replica(_) => None,
        }
    }

    /// The replica, if this node is one.
    pub fn as_replica(&self) -> Option<&Replica<N>> {
        match self {
            Node::Replica(r) => Some(r),
            Node::Primary(_) => None,
        }
    }

    /// The same node in a group whose replicas were renamed: what it knew of replica `r` it now
    /// knows of `rename(r)`. For a checker's symmetry reduction: replicas are interchangeable, so
    /// a group and its renamed copy behave alike and need exploring once.
    ///
    /// `rename` must keep [`PRIMARY`] and permute the replica ids `n1 ..= nR`; otherwise this
    /// returns `None`. A primary moves what each replica acknowledged to that replica's new
    /// id; a replica knows no other replica, so only its primary's id is checked.
    pub fn renamed(&self, rename: impl Fn(NodeId) -> NodeId) -> Option<Self> {
        if rename(PRIMARY) != PRIMARY {
            return None;
        }
        match self {
            Node::Replica(r) => (rename(r.primary) == r.primary).then(|| Node::Replica(r.clone())),
            Node::Primary(p) => {
                let mut acked = p.acked.clone();
                let mut seen = 0u8; // a bit per replica: MAX_REPLICAS ≤ 8
                for (i, &a) in p.acked.iter().enumerate() {
                    let to = p.replica_index(rename(replica_id(i as u8))).ok()?;
                    if seen & (1 << to) != 0 {
                        return None; // two replicas renamed to one: not a permutation
                    }
                    seen |= 1 << to;
                    acked[to] = a;
                }
                Some(Node::Primary(Primary { acked, ..p.clone() }))
            }
        }
    }

    /// On a replica, hands entries up to `seq` to the application, freeing log space; a primary
    /// compacts on its own.
    pub fn compact_through(&mut self, seq: Seq) {
        if let Node::Replica(r) = self {
            r.compact_through(seq);
        }
    }

    /// The nodes of a group: the primary `n0` then replicas `n1 ..= nR`.
    pub fn group(cfg: Config) -> Result<impl Iterator<Item = Node<N>>, ConfigError> {
        let primary = Primary::new(cfg)?;
        let replicas =
            (0..cfg.replicas).map(move |_| Node::Replica(Replica::new(PRIMARY, cfg.fault)));
        Ok(core::iter::once(Node::Primary(primary)).chain(replicas))
    }
}

impl<const N: usize> Machine for Node<N> {
    type Msg = Msg;
    type Cmd = Cmd;
    type Timer = Timer;
    type Event = Event;
    type CmdError = WriteError;
    type MsgError = RecvError;
    type Durable = Node<N>;

    fn on_start(&mut self, _now: Instant, _out: &mut impl Effects<Self>) {}

    fn on_command(
        &mut self,
        now: Instant,
        cmd: Cmd,
        out: &mut impl Effects<Self>,
    ) -> Result<(), WriteError> {
        let Cmd::Write(value) = cmd;
        match self {
            Node::Primary(p) => p.write(now, value, out),
            Node::Replica(_) => Err(WriteError::NotPrimary(value)),
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
            (Node::Primary(p), Msg::Ack { through }) => p.on_ack(now, from, through, out),
            (Node::Replica(r), Msg::Append { seq, value }) => {
                if from != r.primary {
                    return Err(RecvError::UnknownPeer(from));
                }
                r.on_append(now, seq, value, out)
            }
            _ => Err(RecvError::Unexpected),
        }
    }

    fn on_timer(&mut self, now: Instant, timer: Timer, out: &mut impl Effects<Self>) {
        match (self, timer) {
            (Node::Primary(p), Timer::Retransmit) => p.retransmit(now, out),
            (Node::Replica(r), Timer::Flush) => r.flush(now, out),
            _ => {}
        }
    }

    fn durable(&self) -> Node<N> {
        match self {
            Node::Primary(p) => Node::Primary(p.clone()),
            Node::Replica(r) if injected!(r.fault, VolatileLog) => {
                Node::Replica(Replica::new(r.primary, r.fault))
            }
            Node::Replica(r) => Node::Replica(Replica { pending: None, ..r.clone() }),
        }
    }

    fn recover(durable: Node<N>, now: Instant, out: &mut impl Effects<Self>) -> Self {
        match durable {
            Node::Primary(p) => Node::Primary(p.recovered(now, out)),
            Node::Replica(r) => Node::Replica(Replica { pending: None, ..r }),
        }
    }
}

/// `[]`, or `#3..=5 [30, 40, 50]`: the sequence numbers held and their values.
fn write_log<const N: usize>(f: &mut fmt::Formatter<'_>, log: &Log<Value, N>) -> fmt::Result {
    if log.is_empty() {
        f.write_str("[]")
    } else {
        write!(f, "#{}..={} {:?}", log.base() + 1, log.last(), log.entries())
    }
}

/// Compact, one-line forms for counterexample traces and the web explorer.
impl<const N: usize> fmt::Debug for Primary<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Primary {{ last: {}, commit: {}, acked: {:?}, unacked log: ",
            self.last(),
            self.commit(),
            &self.acked[..]
        )?;
        write_log(f, &self.log)?;
        f.write_str(if self.armed { ", rto armed }" } else { " }" })
    }
}

impl<const N: usize> fmt::Debug for Replica<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Replica { stored: ")?;
        write_log(f, &self.log)?;
        if let Some((s, v)) = self.pending {
            write!(f, ", unflushed: #{s}={v}")?;
        }
        f.write_str(" }")
    }
}

impl<const N: usize> fmt::Debug for Node<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Primary(p) => p.fmt(f),
            Node::Replica(r) => r.fmt(f),
        }
    }
}

impl<const N: usize> crate::rebase::Rebase for Node<N> {
    fn low_water(&self) -> Seq {
        match self {
            Node::Primary(p) => p.min_acked(),
            Node::Replica(r) => r.log.base(),
        }
    }

    fn rebase(&mut self, by: Seq) {
        match self {
            Node::Primary(p) => {
                p.window.rebase(by);
                p.log.rebase(by);
                for a in p.acked.iter_mut() {
                    *a -= by.min(*a);
                }
            }
            Node::Replica(r) => {
                r.log.rebase(by);
                if let Some((seq, _)) = &mut r.pending {
                    *seq -= by.min(*seq);
                }
            }
        }
    }
}

impl crate::rebase::Rebase for Msg {
    fn low_water(&self) -> Seq {
        match *self {
            Msg::Append { seq, .. } => seq.saturating_sub(1),
            Msg::Ack { through } => through,
        }
    }

    fn rebase(&mut self, by: Seq) {
        match self {
            Msg::Append { seq, .. } => *seq -= by.min(*seq),
            Msg::Ack { through } => *through -= by.min(*through),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qth_highest_is_the_sorted_acks_at_q() {
        // Every list of up to 4 acknowledgements from 0 ..= 3, and every q from 0 to 8.
        for n in 0..=4u32 {
            for code in 0..4u32.pow(n) {
                let acked: std::vec::Vec<Seq> = (0..n).map(|i| code / 4u32.pow(i) % 4).collect();
                let mut sorted = acked.clone();
                sorted.sort_unstable_by(|a, b| b.cmp(a));
                for q in 0..=8 {
                    let want = if n == 0 { 0 } else { sorted[q.clamp(1, n as usize) - 1] };
                    assert_eq!(qth_highest(&acked, q), want, "{acked:?}, q = {q}");
                }
            }
        }
    }
    use crate::effects::{Effect, EffectBuf};

    type N8 = Node<8>;
    type Out = EffectBuf<Msg, Timer, Event, 64>;

    const RTO: Duration = Duration(50);

    fn cfg(replicas: u8, window: u16, policy: AckPolicy) -> Config {
        Config { replicas, window, policy, rto: Some(RTO), fault: Fault::None }
    }

    fn primary(c: Config) -> N8 {
        N8::Primary(Primary::new(c).expect("valid config"))
    }

    fn replica() -> N8 {
        N8::Replica(Replica::new(PRIMARY, Fault::None))
    }

    /// A primary that accepted `writes` writes (values 100, 101, …) at `now`.
    fn primary_with_writes(c: Config, writes: u32, now: Instant) -> N8 {
        let mut p = primary(c);
        let mut out = Out::new();
        for i in 0..writes {
            p.on_command(now, Cmd::Write(100 + i), &mut out).expect("room");
        }
        p
    }

    fn sends(out: &Out) -> std::vec::Vec<(NodeId, Msg)> {
        out.as_slice()
            .iter()
            .filter_map(|e| match e {
                Effect::Send { to, msg } => Some((*to, *msg)),
                _ => None,
            })
            .collect()
    }

    fn events(out: &Out) -> std::vec::Vec<Event> {
        out.as_slice()
            .iter()
            .filter_map(|e| match e {
                Effect::Emit(ev) => Some(*ev),
                _ => None,
            })
            .collect()
    }

    fn p(n: &N8) -> &Primary<8> {
        n.as_primary().expect("primary")
    }

    #[test]
    fn config_validation_names_the_problem() {
        assert_eq!(cfg(0, 1, AckPolicy::All).validate(), Err(ConfigError::Replicas(0)));
        assert_eq!(cfg(8, 1, AckPolicy::All).validate(), Err(ConfigError::Replicas(8)));
        assert_eq!(cfg(1, 0, AckPolicy::All).validate(), Err(ConfigError::ZeroWindow));
        assert_eq!(
            cfg(2, 1, AckPolicy::Count(3)).validate(),
            Err(ConfigError::Quorum { required: 3, replicas: 2 })
        );
        assert!(cfg(2, 1, AckPolicy::Count(0)).validate().is_err());
    }

    #[test]
    fn majority_counts_the_primary_copy() {
        let need: std::vec::Vec<u8> = (1..=5).map(|r| AckPolicy::Majority.required(r)).collect();
        assert_eq!(need, [1, 1, 2, 2, 3]);
    }

    #[test]
    fn write_is_sent_to_every_replica_and_arms_retransmission() {
        let now = Instant(10);
        let mut node = primary(cfg(2, 2, AckPolicy::All));
        let mut out = Out::new();
        node.on_command(now, Cmd::Write(7), &mut out).expect("room");
        assert_eq!(
            sends(&out),
            [
                (NodeId(1), Msg::Append { seq: 1, value: 7 }),
                (NodeId(2), Msg::Append { seq: 1, value: 7 })
            ]
        );
        assert!(out
            .as_slice()
            .contains(&Effect::SetTimer { timer: Timer::Retransmit, at: now + RTO }));
    }

    #[test]
    fn strict_synchronous_refuses_a_second_write_and_hands_it_back() {
        let now = Instant(0);
        let mut node = primary_with_writes(cfg(1, 1, AckPolicy::All), 1, now);
        let before = node.clone();
        let mut out = Out::new();
        assert_eq!(node.on_command(now, Cmd::Write(9), &mut out), Err(WriteError::WindowFull(9)));
        assert!(node == before && out.as_slice().is_empty());
    }

    #[test]
    fn commit_needs_every_replica_under_all_policy() {
        let now = Instant(5);
        let mut node = primary_with_writes(cfg(2, 4, AckPolicy::All), 3, now);
        let mut out = Out::new();
        node.on_message(now, NodeId(1), Msg::Ack { through: 3 }, &mut out).expect("ok");
        assert_eq!(p(&node).commit(), 0);
        node.on_message(now, NodeId(2), Msg::Ack { through: 2 }, &mut out).expect("ok");
        assert_eq!(p(&node).commit(), 2);
        assert_eq!(events(&out), [Event::Committed(1), Event::Committed(2)]);
        assert_eq!(p(&node).in_flight(), 1);
        assert_eq!(p(&node).log().entries(), &[102], "entries both replicas hold are compacted");
    }

    #[test]
    fn majority_commits_without_the_slowest_replica() {
        let now = Instant(5);
        let mut node = primary_with_writes(cfg(3, 4, AckPolicy::Majority), 2, now);
        let mut out = Out::new();
        node.on_message(now, NodeId(3), Msg::Ack { through: 2 }, &mut out).expect("ok");
        assert_eq!(p(&node).commit(), 0);
        node.on_message(now, NodeId(1), Msg::Ack { through: 1 }, &mut out).expect("ok");
        assert_eq!(p(&node).commit(), 1);
        assert_eq!(p(&node).log().len(), 2, "replica 2 still needs both entries");
    }

    #[test]
    fn stale_and_duplicate_acks_change_nothing() {
        let now = Instant(5);
        let mut node = primary_with_writes(cfg(1, 4, AckPolicy::All), 3, now);
        let mut out = Out::new();
        node.on_message(now, NodeId(1), Msg::Ack { through: 2 }, &mut out).expect("ok");
        let before = node.clone();
        let mut out = Out::new();
        node.on_message(now, NodeId(1), Msg::Ack { through: 2 }, &mut out).expect("dup");
        node.on_message(now, NodeId(1), Msg::Ack { through: 1 }, &mut out).expect("stale");
        assert!(node == before && out.as_slice().is_empty());
    }

    #[test]
    fn bad_acks_are_rejected_with_state_unchanged() {
        let now = Instant(5);
        let mut node = primary_with_writes(cfg(2, 4, AckPolicy::All), 2, now);
        let before = node.clone();
        let mut out = Out::new();
        let beyond = node.on_message(now, NodeId(1), Msg::Ack { through: 3 }, &mut out);
        assert_eq!(beyond, Err(RecvError::AckBeyondLast { through: 3, last: 2 }));
        let stranger = node.on_message(now, NodeId(9), Msg::Ack { through: 1 }, &mut out);
        assert_eq!(stranger, Err(RecvError::UnknownPeer(NodeId(9))));
        let self_ack = node.on_message(now, NodeId(0), Msg::Ack { through: 1 }, &mut out);
        assert_eq!(self_ack, Err(RecvError::UnknownPeer(NodeId(0))));
        let wrong_kind =
            node.on_message(now, NodeId(1), Msg::Append { seq: 1, value: 1 }, &mut out);
        assert_eq!(wrong_kind, Err(RecvError::Unexpected));
        assert!(node == before && out.as_slice().is_empty());
    }

    #[test]
    fn full_log_refuses_writes_until_the_slow_replica_catches_up() {
        let now = Instant(0);
        let c = cfg(2, 16, AckPolicy::Count(1));
        let mut node = primary_with_writes(c, 8, now);
        let mut out = Out::new();
        node.on_message(now, NodeId(1), Msg::Ack { through: 8 }, &mut out).expect("ok");
        assert_eq!(p(&node).commit(), 8);
        let before = node.clone();
        assert_eq!(node.on_command(now, Cmd::Write(1), &mut out), Err(WriteError::LogFull(1)));
        assert!(node == before);
        node.on_message(now, NodeId(2), Msg::Ack { through: 1 }, &mut out).expect("ok");
        assert_eq!(node.on_command(now, Cmd::Write(1), &mut out), Ok(()));
    }

    #[test]
    fn retransmission_resends_only_what_each_replica_lacks() {
        let now = Instant(100);
        let mut node = primary_with_writes(cfg(2, 4, AckPolicy::All), 3, Instant(0));
        let mut out = Out::new();
        node.on_message(now, NodeId(1), Msg::Ack { through: 2 }, &mut out).expect("ok");
        node.on_message(now, NodeId(2), Msg::Ack { through: 3 }, &mut out).expect("ok");
        let mut out = Out::new();
        node.on_timer(now, Timer::Retransmit, &mut out);
        assert_eq!(sends(&out), [(NodeId(1), Msg::Append { seq: 3, value: 102 })]);
        assert!(out
            .as_slice()
            .contains(&Effect::SetTimer { timer: Timer::Retransmit, at: now + RTO }));
    }

    #[test]
    fn the_resend_newest_only_variant_leaves_the_gap_unfilled() {
        let now = Instant(100);
        let broken = Config { fault: Fault::ResendNewestOnly, ..cfg(1, 4, AckPolicy::All) };
        let mut node = primary_with_writes(broken, 3, Instant(0));
        let mut out = Out::new();
        node.on_timer(now, Timer::Retransmit, &mut out);
        // The replica lacks 1, 2 and 3; only 3 goes out, which it must reject as a gap.
        assert_eq!(sends(&out), [(NodeId(1), Msg::Append { seq: 3, value: 102 })]);
    }

    #[test]
    fn retransmission_stops_when_every_replica_has_everything() {
        let now = Instant(3);
        let mut node = primary_with_writes(cfg(1, 4, AckPolicy::All), 2, Instant(0));
        let mut out = Out::new();
        node.on_message(now, NodeId(1), Msg::Ack { through: 2 }, &mut out).expect("ok");
        assert!(out.as_slice().contains(&Effect::CancelTimer(Timer::Retransmit)));
        let mut out = Out::new();
        node.on_timer(now, Timer::Retransmit, &mut out);
        assert!(sends(&out).is_empty());
    }

    #[test]
    fn replica_stores_in_order_and_acks_cumulatively() {
        let now = Instant(0);
        let mut r = replica();
        let mut out = Out::new();
        r.on_message(now, PRIMARY, Msg::Append { seq: 1, value: 5 }, &mut out).expect("ok");
        r.on_message(now, PRIMARY, Msg::Append { seq: 2, value: 6 }, &mut out).expect("ok");
        assert_eq!(
            sends(&out),
            [(PRIMARY, Msg::Ack { through: 1 }), (PRIMARY, Msg::Ack { through: 2 })]
        );
        assert_eq!(events(&out), [Event::Stored(1), Event::Stored(2)]);
        assert_eq!(r.as_replica().expect("replica").log().entries(), &[5, 6]);
    }

    #[test]
    fn replica_is_idempotent_under_duplicates_and_reacks() {
        let now = Instant(0);
        let mut r = replica();
        let mut out = Out::new();
        r.on_message(now, PRIMARY, Msg::Append { seq: 1, value: 5 }, &mut out).expect("ok");
        r.on_message(now, PRIMARY, Msg::Append { seq: 2, value: 6 }, &mut out).expect("ok");
        let before = r.clone();
        let mut out = Out::new();
        r.on_message(now, PRIMARY, Msg::Append { seq: 1, value: 5 }, &mut out).expect("dup");
        assert!(r == before);
        assert_eq!(sends(&out), [(PRIMARY, Msg::Ack { through: 2 })]);
    }

    #[test]
    fn replica_rejects_gaps_conflicts_strangers_and_zero_without_change() {
        let now = Instant(0);
        let mut r = replica();
        let mut out = Out::new();
        r.on_message(now, PRIMARY, Msg::Append { seq: 1, value: 5 }, &mut out).expect("ok");
        let before = r.clone();
        let mut out = Out::new();
        let cases = [
            (PRIMARY, Msg::Append { seq: 3, value: 7 }, RecvError::Gap { seq: 3, expected: 2 }),
            (PRIMARY, Msg::Append { seq: 1, value: 9 }, RecvError::Conflict(1)),
            (PRIMARY, Msg::Append { seq: 0, value: 9 }, RecvError::ZeroSeq),
            (NodeId(2), Msg::Append { seq: 2, value: 9 }, RecvError::UnknownPeer(NodeId(2))),
            (PRIMARY, Msg::Ack { through: 1 }, RecvError::Unexpected),
        ];
        for (from, msg, err) in cases {
            assert_eq!(r.on_message(now, from, msg, &mut out), Err(err));
        }
        assert!(r == before && out.as_slice().is_empty());
    }

    #[test]
    fn replica_with_full_log_refuses_without_acking() {
        let now = Instant(0);
        let mut r = Node::<2>::Replica(Replica::new(PRIMARY, Fault::None));
        let mut out = EffectBuf::<Msg, Timer, Event, 8>::new();
        for seq in 1..=2 {
            r.on_message(now, PRIMARY, Msg::Append { seq, value: seq }, &mut out).expect("ok");
        }
        out.clear();
        let before = r.clone();
        let full = r.on_message(now, PRIMARY, Msg::Append { seq: 3, value: 3 }, &mut out);
        assert_eq!(full, Err(RecvError::LogFull(3)));
        assert!(r == before && out.as_slice().is_empty());
    }

    #[test]
    fn writes_to_a_replica_are_refused_with_the_value() {
        let mut r = replica();
        let mut out = Out::new();
        assert_eq!(
            r.on_command(Instant(0), Cmd::Write(4), &mut out),
            Err(WriteError::NotPrimary(4))
        );
    }

    #[test]
    fn recovered_primary_keeps_commits_and_resends_uncommitted() {
        let now = Instant(7);
        let mut node = primary_with_writes(cfg(1, 4, AckPolicy::All), 3, Instant(0));
        let mut out = Out::new();
        node.on_message(now, NodeId(1), Msg::Ack { through: 1 }, &mut out).expect("ok");
        let mut out = Out::new();
        let back = N8::recover(node.durable(), now, &mut out);
        assert_eq!(p(&back).commit(), 1);
        assert_eq!(p(&back).last(), 3);
        assert!(out
            .as_slice()
            .contains(&Effect::SetTimer { timer: Timer::Retransmit, at: now + RTO }));
    }

    #[test]
    fn ack_before_store_variant_loses_the_write_on_crash() {
        let now = Instant(0);
        let mut r = N8::Replica(Replica::new(PRIMARY, Fault::AckBeforeStore));
        let mut out = Out::new();
        r.on_message(now, PRIMARY, Msg::Append { seq: 1, value: 5 }, &mut out).expect("ok");
        assert_eq!(sends(&out), [(PRIMARY, Msg::Ack { through: 1 })]);
        let back = N8::recover(r.durable(), now, &mut out);
        assert!(back.as_replica().expect("replica").log().is_empty());
    }

    #[test]
    fn a_renamed_primary_keeps_each_replicas_progress_under_its_new_name() {
        let c = cfg(3, 4, AckPolicy::All);
        let mut n = primary_with_writes(c, 3, Instant(0));
        let mut out = Out::new();
        // n1 has 2, n2 has 1, n3 has 3 (all, so n3's ack commits nothing alone).
        for (r, through) in [(1, 2), (2, 1), (3, 3)] {
            n.on_message(Instant(1), NodeId(r), Msg::Ack { through }, &mut out).expect("ack");
        }
        assert_eq!(p(&n).acked(), &[2, 1, 3]);
        // Rotate the replicas: n1 → n2 → n3 → n1.
        let rotate = |id: NodeId| match id.0 {
            0 => id,
            r => NodeId(r % 3 + 1),
        };
        let m = n.renamed(rotate).expect("a permutation of the replicas");
        assert_eq!(p(&m).acked(), &[3, 2, 1]);
        assert_eq!((p(&m).commit(), p(&m).last()), (p(&n).commit(), p(&n).last()));
        // The renamed primary behaves as the original does for the renamed replica: n3's
        // progress is now n1's, so n1 acking 3 again is a duplicate and changes nothing.
        let mut again = m.clone();
        again.on_message(Instant(2), NodeId(1), Msg::Ack { through: 3 }, &mut out).expect("dup");
        assert_eq!(again, m);
        // Renaming back gives the original; a replica is unchanged by any such renaming.
        let back = |id: NodeId| match id.0 {
            0 => id,
            r => NodeId((r + 1) % 3 + 1),
        };
        assert_eq!(m.renamed(back), Some(n.clone()));
        assert_eq!(replica().renamed(rotate), Some(replica()));
    }

    #[test]
    fn renaming_that_is_not_a_permutation_of_the_replicas_is_refused() {
        let n = primary_with_writes(cfg(2, 2, AckPolicy::All), 1, Instant(0));
        let all_to_n1 = |id: NodeId| if id == PRIMARY { id } else { NodeId(1) };
        let moves_primary = |id: NodeId| NodeId(id.0 ^ 1);
        let beyond = |id: NodeId| if id == PRIMARY { id } else { NodeId(id.0 + 5) };
        for node in [&n, &replica()] {
            assert_eq!(node.renamed(moves_primary), None);
        }
        assert_eq!(n.renamed(all_to_n1), None);
        assert_eq!(n.renamed(beyond), None);
        assert_eq!(n.renamed(|id| id), Some(n.clone()));
    }
}
