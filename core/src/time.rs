//! Time as integer ticks. The host decides what a tick is (a microsecond on a node, one step of
//! the global clock in the timed checker); the machines only compare and add ticks.

use core::fmt;
use core::ops::{Add, Sub};
use serde::{Deserialize, Serialize};

/// A point in time, in ticks since an epoch the host chooses.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant(pub u64);

/// A span of time in ticks.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Duration(pub u64);

impl Instant {
    /// The epoch: tick 0.
    pub const ZERO: Instant = Instant(0);

    /// Ticks since the epoch.
    pub const fn ticks(self) -> u64 {
        self.0
    }

    /// `self + d`, or `None` if the tick counter would overflow.
    pub const fn checked_add(self, d: Duration) -> Option<Instant> {
        match self.0.checked_add(d.0) {
            Some(t) => Some(Instant(t)),
            None => None,
        }
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// The number of ticks.
    pub const fn ticks(self) -> u64 {
        self.0
    }
}

/// Saturates at the end of time rather than wrapping: a deadline past `u64::MAX` ticks never
/// fires, which is the right meaning for "never".
impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

/// Saturates at zero: the time since a later instant is no time.
impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}", self.0)
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}t", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_saturates_instead_of_wrapping() {
        assert_eq!(Instant(u64::MAX - 1) + Duration(5), Instant(u64::MAX));
        assert_eq!(Instant(3).checked_add(Duration(u64::MAX)), None);
        assert_eq!(Instant(3) + Duration(4), Instant(7));
    }

    #[test]
    fn duration_since_a_later_instant_is_zero() {
        assert_eq!(Instant(3) - Instant(10), Duration::ZERO);
        assert_eq!(Instant(10) - Instant(3), Duration(7));
    }
}
