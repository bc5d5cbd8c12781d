//! A fixed-capacity effects sink for hosts that apply effects after a handler returns: firmware
//! super-loops and unit tests. The checker and the simulator implement [`Effects`] directly.

use crate::machine::{Effects, Machine, NodeId};
use crate::time::Instant;
use heapless::Vec;

/// One output of a handler, as recorded by [`EffectBuf`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Effect<Msg, Timer, Event> {
    /// Send `msg` to `to`.
    Send {
        /// Recipient.
        to: NodeId,
        /// Message.
        msg: Msg,
    },
    /// Arm `timer` for `at`.
    SetTimer {
        /// Timer kind.
        timer: Timer,
        /// Deadline.
        at: Instant,
    },
    /// Disarm a timer.
    CancelTimer(Timer),
    /// Report an event to the application.
    Emit(Event),
    /// Draw a uniformly random integer in `0 ..= bound` and hand it to
    /// [`Machine::on_random`].
    Random {
        /// The largest value.
        bound: u32,
    },
}

/// The effect type of machine `M`.
pub type EffectOf<M> = Effect<<M as Machine>::Msg, <M as Machine>::Timer, <M as Machine>::Event>;

/// Records up to `N` effects in order. It never drops one silently: effects beyond capacity are
/// counted in [`EffectBuf::overflowed`], and a host must treat a non-zero count as a fault (size
/// `N` for the largest burst a handler can produce, which each protocol documents).
#[derive(Debug)]
pub struct EffectBuf<Msg, Timer, Event, const N: usize> {
    effects: Vec<Effect<Msg, Timer, Event>, N>,
    overflowed: usize,
}

impl<Msg, Timer, Event, const N: usize> Default for EffectBuf<Msg, Timer, Event, N> {
    fn default() -> Self {
        Self { effects: Vec::new(), overflowed: 0 }
    }
}

impl<Msg, Timer, Event, const N: usize> EffectBuf<Msg, Timer, Event, N> {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The effects recorded so far, oldest first.
    pub fn as_slice(&self) -> &[Effect<Msg, Timer, Event>] {
        &self.effects
    }

    /// How many effects did not fit. Zero unless `N` is too small for a handler's burst.
    pub fn overflowed(&self) -> usize {
        self.overflowed
    }

    /// Takes the recorded effects out, oldest first, leaving the buffer empty.
    pub fn drain(&mut self) -> impl Iterator<Item = Effect<Msg, Timer, Event>> + '_ {
        self.overflowed = 0;
        self.effects.drain(..)
    }

    /// Forgets everything recorded.
    pub fn clear(&mut self) {
        self.effects.clear();
        self.overflowed = 0;
    }

    fn record(&mut self, e: Effect<Msg, Timer, Event>) {
        if self.effects.push(e).is_err() {
            self.overflowed += 1;
        }
    }
}

impl<M: Machine, const N: usize> Effects<M> for EffectBuf<M::Msg, M::Timer, M::Event, N> {
    fn send(&mut self, to: NodeId, msg: M::Msg) {
        self.record(Effect::Send { to, msg });
    }
    fn set_timer(&mut self, timer: M::Timer, at: Instant) {
        self.record(Effect::SetTimer { timer, at });
    }
    fn cancel_timer(&mut self, timer: M::Timer) {
        self.record(Effect::CancelTimer(timer));
    }
    fn emit(&mut self, event: M::Event) {
        self.record(Effect::Emit(event));
    }
    fn random(&mut self, bound: u32) {
        self.record(Effect::Random { bound });
    }
}
