//! The one contract every protocol role implements, and the sink its outputs go to.

use crate::time::Instant;
use core::fmt;
use serde::{Deserialize, Serialize};

/// The address of a node in a protocol group: an index the host assigns (the checker uses actor
/// indices, the simulator node indices, a firmware its link table).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct NodeId(pub u8);

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// Logged as `Debug` and `Display` print it: `n2`.
#[cfg(feature = "defmt")]
impl defmt::Format for NodeId {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "n{=u8}", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// Where a machine's outputs go. The host implements it: the checker turns the calls into
/// stateright commands, the simulator into scheduled events, a node into frames and hardware
/// timers. Nothing is buffered inside the machine.
pub trait Effects<M: Machine> {
    /// Send `msg` to the peer `to`. Delivery is the network's business: it may be late, lost,
    /// duplicated or reordered, and the protocols are written for that.
    fn send(&mut self, to: NodeId, msg: M::Msg);
    /// Arm `timer` to fire at `at`, replacing any earlier deadline of the same timer.
    fn set_timer(&mut self, timer: M::Timer, at: Instant);
    /// Disarm `timer`; disarming a timer that is not armed does nothing.
    fn cancel_timer(&mut self, timer: M::Timer);
    /// Report `event` to the application on this node (a commit, a declared deadlock …).
    fn emit(&mut self, event: M::Event);
    /// Ask the host for a uniformly random integer in `0 ..= bound`. The answer comes back
    /// through [`Machine::on_random`]: at once from a seeded PRNG in the simulator, as every
    /// possible value in turn in the checker, from a hardware RNG or [`crate::rng::SplitMix64`]
    /// on a node. A machine has at most one draw outstanding.
    fn random(&mut self, bound: u32);
}

/// A protocol role as a sans-IO state machine.
///
/// Every handler is given `now` and an effects sink; none reads a clock, does I/O or draws random
/// numbers. A handler that returns an error has left the machine exactly as it was (the tests of
/// each protocol check this), so a host may log the error and carry on.
pub trait Machine: Sized {
    /// Messages exchanged between peers. On nodes they travel as postcard frames: implement
    /// [`crate::wire::Message`].
    type Msg;
    /// Local commands from the application on this node, for example a client write.
    type Cmd;
    /// Timer kinds: a fieldless enum; the machine arms and disarms them through [`Effects`].
    type Timer;
    /// Events reported to the application.
    type Event;
    /// Why a local command was refused. A refused command hands its payload back.
    type CmdError;
    /// Why a message from a peer was rejected (stale, malformed, from a stranger …).
    type MsgError;
    /// What survives a crash: the part of the state a node keeps in non-volatile storage.
    type Durable;

    /// Called once when the node starts, before any other handler.
    fn on_start(&mut self, now: Instant, out: &mut impl Effects<Self>);

    /// A local command from the application.
    fn on_command(
        &mut self,
        now: Instant,
        cmd: Self::Cmd,
        out: &mut impl Effects<Self>,
    ) -> Result<(), Self::CmdError>;

    /// A message from the peer `from`.
    fn on_message(
        &mut self,
        now: Instant,
        from: NodeId,
        msg: Self::Msg,
        out: &mut impl Effects<Self>,
    ) -> Result<(), Self::MsgError>;

    /// A timer armed earlier has fired.
    fn on_timer(&mut self, now: Instant, timer: Self::Timer, out: &mut impl Effects<Self>);

    /// The random draw this machine asked for with [`Effects::random`]: `value` is uniform in
    /// `0 ..= bound`. Machines that never draw keep the default, which ignores it.
    fn on_random(&mut self, now: Instant, value: u32, out: &mut impl Effects<Self>) {
        let _ = (now, value, out);
    }

    /// The durable part of the state, as it would be found in storage after a crash now.
    fn durable(&self) -> Self::Durable;

    /// Rebuild the machine after a crash from what storage kept, re-arming its timers.
    fn recover(durable: Self::Durable, now: Instant, out: &mut impl Effects<Self>) -> Self;
}
