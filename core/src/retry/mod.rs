//! Retries with jitter against a server that sheds load (MODELS.md §6).
//!
//! A [`Client`] sends one request at a time. When the server answers "busy" (it is at capacity)
//! or "unavailable" (it is down), the client waits according to its [`Policy`] and tries again:
//! a fixed delay τ, a uniform jitter over 1 ..= τ ticks, or exponential backoff with full, equal
//! or decorrelated jitter under a cap (the variants of Brooker, "Exponential Backoff and
//! Jitter", AWS Architecture Blog, 2015). With `max_attempts`, a client that runs out reports
//! [`Event::GaveUp`] to its application, so no request is ever dropped silently.
//!
//! Randomness is an input: a client asks the host for a draw ([`Effects::random`]) and gets the
//! value through [`Machine::on_random`]. The simulator answers from a seeded PRNG, the checker
//! explores every value, and a node answers from its hardware RNG or
//! [`crate::rng::SplitMix64`].
//!
//! A [`Server`] serves at most `capacity` requests at once, each for `service` ticks, and sheds
//! the rest with [`Msg::Busy`]. It can fail (every request in service is answered
//! [`Msg::Unavailable`]) and recover.
//!
//! Delays are whole ticks and at least 1: a retry never happens in the tick of its failure.

use crate::machine::{Effects, Machine, NodeId};
use crate::time::{Duration, Instant};
use core::fmt;
use serde::{Deserialize, Serialize};

/// How backoff delays are jittered (Brooker 2015).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Jitter {
    /// U[1, c] with c = min(cap, base·2^(attempt−1)).
    Full,
    /// c/2 + U[0, c/2].
    Equal,
    /// min(cap, U[base, 3·previous]).
    Decorrelated,
}

/// When to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Policy {
    /// Always after exactly `delay`: every client that failed together retries together.
    Fixed {
        /// τ.
        delay: Duration,
    },
    /// After a delay uniform over 1 ..= `window` ticks.
    Uniform {
        /// τ.
        window: Duration,
    },
    /// Exponential backoff with jitter.
    Backoff {
        /// The first ceiling.
        base: Duration,
        /// The largest delay.
        cap: Duration,
        /// How the delay is drawn under the ceiling.
        jitter: Jitter,
    },
}

/// A client's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientConfig {
    /// Where requests go.
    pub server: NodeId,
    /// When to retry.
    pub policy: Policy,
    /// Attempts per request, the first included; `None` retries until served.
    pub max_attempts: Option<u8>,
    /// A deliberately broken variant, or [`Fault::None`].
    pub fault: Fault,
}

/// A server's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServerConfig {
    /// Requests served at once (1 ..= the server's slot count `C`).
    pub capacity: u8,
    /// Ticks each request is in service.
    pub service: Duration,
    /// A deliberately broken variant, or [`Fault::None`].
    pub fault: Fault,
}

/// A deliberately broken variant, for proving that the checker catches each bug.
///
/// Only [`Fault::None`] exists unless the `faults` feature is on: a node built without it can
/// neither name nor run a broken variant, and carries none of their code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Fault {
    /// The correct protocol.
    #[default]
    None,
    /// The server admits one request more than its capacity.
    #[cfg(any(test, feature = "faults"))]
    CapacityOffByOne,
    /// The server drops excess requests without answering "busy".
    #[cfg(any(test, feature = "faults"))]
    SilentShed,
    /// The client stops without telling its application when its attempts run out.
    #[cfg(any(test, feature = "faults"))]
    SilentGiveUp,
}

/// Why a configuration is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConfigError {
    /// A delay, window, base or cap of 0 ticks, or a cap below the base.
    Delay,
    /// A capacity of 0 or above the server's slot count.
    Capacity(u8),
    /// A service time of 0 ticks.
    Service,
    /// `max_attempts` of 0.
    Attempts,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Delay => {
                f.write_str("retry delays must be at least 1 tick, and cap ≥ base")
            }
            ConfigError::Capacity(c) => {
                write!(f, "capacity {c}: more than this server's slots, or 0")
            }
            ConfigError::Service => f.write_str("service time must be at least 1 tick"),
            ConfigError::Attempts => f.write_str("max attempts must be at least 1"),
        }
    }
}

impl core::error::Error for ConfigError {}

/// Messages between clients and the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Msg {
    /// Client → server: attempt `seq`.
    Request {
        /// The client's attempt number.
        seq: u16,
    },
    /// Server → client: attempt `seq` was served.
    Done {
        /// The attempt.
        seq: u16,
    },
    /// Server → client: at capacity, attempt `seq` was shed.
    Busy {
        /// The attempt.
        seq: u16,
    },
    /// Server → client: down, attempt `seq` failed.
    Unavailable {
        /// The attempt.
        seq: u16,
    },
}

/// Local commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cmd {
    /// Client: start a request.
    Request,
    /// Server: go down (every request in service fails).
    Fail,
    /// Server: come back up.
    Recover,
}

/// Why a command was refused; each variant hands the command back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CmdError {
    /// The client already has a request in progress.
    Busy(Cmd),
    /// The command is for the other role.
    WrongRole(Cmd),
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::Busy(c) => write!(f, "{c:?} refused: a request is in progress"),
            CmdError::WrongRole(c) => write!(f, "{c:?} refused: not for this role"),
        }
    }
}

impl core::error::Error for CmdError {}

/// Why a message was rejected (the node is unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MsgError {
    /// An answer to an attempt the client no longer waits for, or a request already in service.
    Stale,
    /// A message this role does not take.
    Unexpected,
}

impl fmt::Display for MsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MsgError::Stale => "stale or duplicate message",
            MsgError::Unexpected => "a message this role does not take",
        })
    }
}

impl core::error::Error for MsgError {}

/// What nodes report to their application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// The request was served after this many attempts.
    Succeeded {
        /// Attempts, the first included.
        attempts: u8,
    },
    /// The client ran out of attempts: the request failed, explicitly.
    GaveUp {
        /// Attempts made.
        attempts: u8,
    },
    /// The client will retry after this long.
    Retrying {
        /// The attempt that failed.
        attempt: u8,
        /// The delay chosen.
        after: Duration,
    },
    /// The server admitted a request (now this many in service).
    Admitted {
        /// Requests in service.
        in_service: u8,
    },
    /// The server shed a request.
    Shed,
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Timer {
    /// Client: time to retry.
    Retry,
    /// Server: the request in service slot `i` is done.
    ServiceDone(u8),
}

/// Where a client's request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// No request yet.
    Idle,
    /// Attempt sent; waiting for the answer.
    Waiting,
    /// Failed; waiting for the host's random draw.
    Drawing,
    /// Failed; the retry timer is armed.
    BackingOff,
    /// Served.
    Succeeded,
    /// Out of attempts, reported.
    GaveUp,
    /// Out of attempts and (in the broken variant) not reported.
    Abandoned,
}

/// A retrying client.
///
/// Clients are ordered by their whole state (configuration, phase, attempt and the previous
/// delay), an order that does not depend on their names: a host that must pick which of several
/// clients acts first can order them by what they are, so that renaming the clients renames the
/// run (the checker's retry model does, for its symmetry reduction).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Client {
    config: ClientConfig,
    phase: Phase,
    seq: u16,
    attempts: u8,
    /// The previous delay, for decorrelated jitter.
    prev: u64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {:?} after {} attempt(s)", self.phase, self.attempts)
    }
}

fn validate_policy(p: &Policy) -> Result<(), ConfigError> {
    let ok = match *p {
        Policy::Fixed { delay } => delay.ticks() > 0,
        Policy::Uniform { window } => window.ticks() > 0,
        Policy::Backoff { base, cap, .. } => base.ticks() > 0 && cap >= base,
    };
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Delay)
    }
}

/// min(cap, base·2^(attempts−1)) in ticks, the exponent capped at 62 and the product saturating
/// at `u64::MAX`. A shift, not a 64-bit multiply: a Cortex-M has no 64 × 64-bit multiply
/// instruction, and `saturating_mul` inlined at each use cost 148 B of a firmware image's flash.
fn backoff_ceiling(base: u64, cap: u64, attempts: u8) -> u64 {
    let shift = attempts.saturating_sub(1).min(62) as u32;
    let scaled = if shift > base.leading_zeros() { u64::MAX } else { base << shift };
    scaled.min(cap)
}

impl Client {
    /// A client with no request yet.
    pub fn new(config: ClientConfig) -> Result<Self, ConfigError> {
        validate_policy(&config.policy)?;
        if config.max_attempts == Some(0) {
            return Err(ConfigError::Attempts);
        }
        let prev = match config.policy {
            Policy::Backoff { base, .. } => base.ticks(),
            _ => 0,
        };
        Ok(Client { config, phase: Phase::Idle, seq: 0, attempts: 0, prev })
    }

    /// Where its request stands.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Attempts made for the current request.
    pub fn attempts(&self) -> u8 {
        self.attempts
    }

    /// The attempt number in flight.
    pub fn seq(&self) -> u16 {
        self.seq
    }

    fn send<const C: usize>(&mut self, out: &mut impl Effects<Node<C>>) {
        self.seq = self.seq.wrapping_add(1);
        self.attempts = self.attempts.saturating_add(1);
        self.phase = Phase::Waiting;
        out.send(self.config.server, Msg::Request { seq: self.seq });
    }

    /// The ceiling min(cap, base·2^(attempt−1)) for backoff.
    fn ceiling(&self, base: Duration, cap: Duration) -> u64 {
        backoff_ceiling(base.ticks(), cap.ticks(), self.attempts)
    }

    /// The largest draw the policy needs now, or `None` for a fixed delay.
    fn draw_bound(&self) -> Option<u64> {
        match self.config.policy {
            Policy::Fixed { .. } => None,
            Policy::Uniform { window } => Some(window.ticks() - 1),
            Policy::Backoff { base, cap, jitter } => Some(match jitter {
                Jitter::Full => self.ceiling(base, cap) - 1,
                Jitter::Equal => {
                    let c = self.ceiling(base, cap);
                    c - c / 2
                }
                Jitter::Decorrelated => self.prev.saturating_mul(3).saturating_sub(base.ticks()),
            }),
        }
    }

    /// The delay for draw `v` (ignored for a fixed delay).
    fn delay(&mut self, v: u64) -> u64 {
        let d = match self.config.policy {
            Policy::Fixed { delay } => delay.ticks(),
            Policy::Uniform { .. } => 1 + v,
            Policy::Backoff { base, cap, jitter } => match jitter {
                Jitter::Full => 1 + v,
                Jitter::Equal => self.ceiling(base, cap) / 2 + v,
                Jitter::Decorrelated => {
                    let d = (base.ticks() + v).min(cap.ticks());
                    self.prev = d;
                    d
                }
            },
        };
        d.max(1)
    }

    fn failed<const C: usize>(&mut self, now: Instant, out: &mut impl Effects<Node<C>>) {
        if self.config.max_attempts.is_some_and(|m| self.attempts >= m) {
            if injected!(self.config.fault, SilentGiveUp) {
                self.phase = Phase::Abandoned;
            } else {
                self.phase = Phase::GaveUp;
                out.emit(Event::GaveUp { attempts: self.attempts });
            }
            return;
        }
        match self.draw_bound() {
            None => {
                let d = self.delay(0);
                self.back_off(now, d, out);
            }
            Some(bound) => {
                self.phase = Phase::Drawing;
                out.random(bound.min(u32::MAX as u64) as u32);
            }
        }
    }

    fn back_off<const C: usize>(
        &mut self,
        now: Instant,
        ticks: u64,
        out: &mut impl Effects<Node<C>>,
    ) {
        self.phase = Phase::BackingOff;
        out.emit(Event::Retrying { attempt: self.attempts, after: Duration(ticks) });
        out.set_timer(Timer::Retry, now + Duration(ticks));
    }
}

/// A request in service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Job {
    client: NodeId,
    seq: u16,
}

/// A server with a concurrency capacity that sheds the excess, with `C` service slots (at least
/// the capacity; one more lets the `Fault::CapacityOffByOne` variant overfill).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Server<const C: usize> {
    config: ServerConfig,
    up: bool,
    slots: [Option<Job>; C],
}

impl<const C: usize> fmt::Debug for Server<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server {} serving [", if self.up { "up" } else { "DOWN" })?;
        let mut first = true;
        for j in self.slots.iter().flatten() {
            write!(f, "{}{}#{}", if first { "" } else { ", " }, j.client, j.seq)?;
            first = false;
        }
        write!(f, "] of {}", self.config.capacity)
    }
}

impl<const C: usize> Server<C> {
    /// An idle server, up.
    pub fn new(config: ServerConfig) -> Result<Self, ConfigError> {
        if config.capacity == 0 || config.capacity as usize > C.min(255) {
            return Err(ConfigError::Capacity(config.capacity));
        }
        if config.service.ticks() == 0 {
            return Err(ConfigError::Service);
        }
        Ok(Server { config, up: true, slots: [None; C] })
    }

    /// Requests in service now.
    pub fn in_service(&self) -> u8 {
        self.slots.iter().flatten().count() as u8
    }

    /// Its capacity.
    pub fn capacity(&self) -> u8 {
        self.config.capacity
    }

    /// Whether it is up.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Whether attempt `seq` of `client` is in service.
    pub fn serving(&self, client: NodeId, seq: u16) -> bool {
        self.slots.iter().flatten().any(|j| j.client == client && j.seq == seq)
    }

    /// The requests of `client` in service: for each, the service slot it holds and its attempt
    /// number, in slot order.
    pub fn jobs_of(&self, client: NodeId) -> impl Iterator<Item = (u8, u16)> + '_ {
        self.slots.iter().enumerate().filter_map(move |(i, job)| match job {
            Some(j) if j.client == client => Some((i as u8, j.seq)),
            _ => None,
        })
    }

    /// The same server in a group whose clients were renamed: a request of client `c` in
    /// service is now one of `rename(c)`, in the same service slot. For a checker's symmetry
    /// reduction: clients with one configuration are interchangeable, so a group and its
    /// renamed copy behave alike and need exploring once.
    pub fn renamed(&self, rename: impl Fn(NodeId) -> NodeId) -> Self {
        let mut server = *self;
        for job in server.slots.iter_mut().flatten() {
            job.client = rename(job.client);
        }
        server
    }

    fn limit(&self) -> usize {
        let extra = injected!(self.config.fault, CapacityOffByOne) as usize;
        (self.config.capacity as usize + extra).min(C)
    }

    fn request(
        &mut self,
        now: Instant,
        client: NodeId,
        seq: u16,
        out: &mut impl Effects<Node<C>>,
    ) -> Result<(), MsgError> {
        if self.serving(client, seq) {
            return Err(MsgError::Stale);
        }
        if !self.up {
            out.send(client, Msg::Unavailable { seq });
            return Ok(());
        }
        let limit = self.limit();
        let free = self.slots[..limit].iter().position(Option::is_none);
        match free {
            Some(i) => {
                self.slots[i] = Some(Job { client, seq });
                out.set_timer(Timer::ServiceDone(i as u8), now + self.config.service);
                out.emit(Event::Admitted { in_service: self.in_service() });
            }
            None => {
                out.emit(Event::Shed);
                if !injected!(self.config.fault, SilentShed) {
                    out.send(client, Msg::Busy { seq });
                }
            }
        }
        Ok(())
    }
}

/// Either role; the server has `C` service slots.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node<const C: usize> {
    /// A client.
    Client(Client),
    /// The server.
    Server(Server<C>),
}

impl<const C: usize> fmt::Debug for Node<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Client(c) => c.fmt(f),
            Node::Server(s) => s.fmt(f),
        }
    }
}

impl<const C: usize> Node<C> {
    /// The client, if this node is one.
    pub fn as_client(&self) -> Option<&Client> {
        match self {
            Node::Client(c) => Some(c),
            Node::Server(_) => None,
        }
    }

    /// The server, if this node is it.
    pub fn as_server(&self) -> Option<&Server<C>> {
        match self {
            Node::Server(s) => Some(s),
            Node::Client(_) => None,
        }
    }
}

impl<const C: usize> Machine for Node<C> {
    type Msg = Msg;
    type Cmd = Cmd;
    type Timer = Timer;
    type Event = Event;
    type CmdError = CmdError;
    type MsgError = MsgError;
    /// Both roles keep their (small) state durably.
    type Durable = Node<C>;

    fn on_start(&mut self, _now: Instant, _out: &mut impl Effects<Self>) {}

    fn on_command(
        &mut self,
        _now: Instant,
        cmd: Cmd,
        out: &mut impl Effects<Self>,
    ) -> Result<(), CmdError> {
        match (self, cmd) {
            (Node::Client(c), Cmd::Request) => {
                if matches!(c.phase, Phase::Waiting | Phase::Drawing | Phase::BackingOff) {
                    return Err(CmdError::Busy(cmd));
                }
                c.attempts = 0;
                c.prev = match c.config.policy {
                    Policy::Backoff { base, .. } => base.ticks(),
                    _ => 0,
                };
                c.send(out);
                Ok(())
            }
            (Node::Server(s), Cmd::Fail) => {
                s.up = false;
                for (i, slot) in s.slots.iter_mut().enumerate() {
                    if let Some(j) = slot.take() {
                        out.cancel_timer(Timer::ServiceDone(i as u8));
                        out.send(j.client, Msg::Unavailable { seq: j.seq });
                    }
                }
                Ok(())
            }
            (Node::Server(s), Cmd::Recover) => {
                s.up = true;
                Ok(())
            }
            _ => Err(CmdError::WrongRole(cmd)),
        }
    }

    fn on_message(
        &mut self,
        now: Instant,
        from: NodeId,
        msg: Msg,
        out: &mut impl Effects<Self>,
    ) -> Result<(), MsgError> {
        match (self, msg) {
            (Node::Server(s), Msg::Request { seq }) => s.request(now, from, seq, out),
            (Node::Client(c), Msg::Done { seq } | Msg::Busy { seq } | Msg::Unavailable { seq }) => {
                if c.phase != Phase::Waiting || seq != c.seq || from != c.config.server {
                    return Err(MsgError::Stale);
                }
                if let Msg::Done { .. } = msg {
                    c.phase = Phase::Succeeded;
                    out.emit(Event::Succeeded { attempts: c.attempts });
                } else {
                    c.failed(now, out);
                }
                Ok(())
            }
            _ => Err(MsgError::Unexpected),
        }
    }

    fn on_timer(&mut self, _now: Instant, timer: Timer, out: &mut impl Effects<Self>) {
        match (self, timer) {
            (Node::Client(c), Timer::Retry) if c.phase == Phase::BackingOff => c.send(out),
            (Node::Server(s), Timer::ServiceDone(i)) => {
                if let Some(j) = s.slots.get_mut(i as usize).and_then(Option::take) {
                    out.send(j.client, Msg::Done { seq: j.seq });
                }
            }
            _ => {}
        }
    }

    fn on_random(&mut self, now: Instant, value: u32, out: &mut impl Effects<Self>) {
        if let Node::Client(c) = self {
            if c.phase == Phase::Drawing {
                let d = c.delay(value as u64);
                c.back_off(now, d, out);
            }
        }
    }

    fn durable(&self) -> Node<C> {
        *self
    }

    fn recover(durable: Node<C>, now: Instant, out: &mut impl Effects<Self>) -> Self {
        let mut node = durable;
        match &mut node {
            // A client that was backing off retries at once; one waiting for a draw draws again.
            Node::Client(c) if c.phase == Phase::BackingOff => out.set_timer(Timer::Retry, now),
            Node::Client(c) if c.phase == Phase::Drawing => {
                if let Some(b) = c.draw_bound() {
                    out.random(b.min(u32::MAX as u64) as u32);
                }
            }
            Node::Server(s) => {
                for (i, slot) in s.slots.iter().enumerate() {
                    if slot.is_some() {
                        out.set_timer(Timer::ServiceDone(i as u8), now + s.config.service);
                    }
                }
            }
            _ => {}
        }
        node
    }
}

#[cfg(test)]
mod tests;
