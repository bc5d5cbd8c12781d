//! The window primitive: sequence numbers in flight, at most `limit` of them.
//!
//! Shared by every windowed protocol (replication's unacknowledged writes, the pipeline's
//! unacknowledged messages). It is the mechanism behind the window law of MODELS.md §1–2:
//! at most `limit` slots are held, each for one slot time, so throughput is at most
//! `limit / slot time`.

use core::fmt;
use serde::{Deserialize, Serialize};

/// A sequence number. The first one opened is 1; 0 means "nothing yet".
pub type Seq = u32;

/// Why the window refused an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WindowError {
    /// `limit` sequence numbers are already in flight.
    Full,
    /// Every sequence number has been used: the protocol cannot continue without a new epoch.
    Exhausted,
    /// An acknowledgement names a sequence number that was never opened.
    Beyond {
        /// The acknowledged number.
        acked: Seq,
        /// The highest number opened.
        last: Seq,
    },
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowError::Full => f.write_str("window full"),
            WindowError::Exhausted => f.write_str("sequence numbers exhausted"),
            WindowError::Beyond { acked, last } => {
                write!(f, "ack {acked} is beyond the last sequence number sent ({last})")
            }
        }
    }
}

impl core::error::Error for WindowError {}

/// The sequence numbers `(acked, last]` are in flight; at most `limit` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Window {
    acked: Seq,
    last: Seq,
    limit: u16,
}

impl Window {
    /// An empty window that admits at most `limit` sequence numbers in flight. A limit of 0
    /// admits none; protocols validate their configured limit before building a window.
    pub const fn new(limit: u16) -> Self {
        Window { acked: 0, last: 0, limit }
    }

    /// The most sequence numbers that may be in flight.
    pub const fn limit(&self) -> u16 {
        self.limit
    }

    /// The highest sequence number acknowledged (cumulatively); 0 if none.
    pub const fn acked(&self) -> Seq {
        self.acked
    }

    /// The highest sequence number opened; 0 if none.
    pub const fn last(&self) -> Seq {
        self.last
    }

    /// How many sequence numbers are open and not yet acknowledged.
    pub const fn in_flight(&self) -> u32 {
        self.last - self.acked
    }

    /// Whether another sequence number may be opened now.
    pub const fn has_room(&self) -> bool {
        self.in_flight() < self.limit as u32
    }

    /// Shifts every sequence number down by `by` (≤ `acked`), keeping what is in flight: see
    /// [`crate::rebase::Rebase`].
    pub fn rebase(&mut self, by: Seq) {
        let by = by.min(self.acked);
        self.acked -= by;
        self.last -= by;
    }

    /// Opens the next sequence number.
    pub fn open(&mut self) -> Result<Seq, WindowError> {
        if !self.has_room() {
            return Err(WindowError::Full);
        }
        let next = self.last.checked_add(1).ok_or(WindowError::Exhausted)?;
        self.last = next;
        Ok(next)
    }

    /// Acknowledges every sequence number up to and including `seq`, returning how many became
    /// acknowledged. A stale or duplicate acknowledgement (`seq <= acked`) changes nothing and
    /// returns 0; one beyond `last` is an error and changes nothing.
    pub fn ack_through(&mut self, seq: Seq) -> Result<u32, WindowError> {
        if seq > self.last {
            return Err(WindowError::Beyond { acked: seq, last: self.last });
        }
        if seq <= self.acked {
            return Ok(0);
        }
        let newly = seq - self.acked;
        self.acked = seq;
        Ok(newly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_with_open(limit: u16, open: u32) -> Window {
        let mut w = Window::new(limit);
        for _ in 0..open {
            w.open().expect("room");
        }
        w
    }

    #[test]
    fn opens_at_most_limit() {
        let mut w = window_with_open(3, 3);
        assert_eq!(w.in_flight(), 3);
        assert_eq!(w.open(), Err(WindowError::Full));
        assert_eq!(w, window_with_open(3, 3), "a refused open changes nothing");
    }

    #[test]
    fn cumulative_ack_frees_slots_and_is_idempotent() {
        let mut w = window_with_open(3, 3);
        assert_eq!(w.ack_through(2), Ok(2));
        assert_eq!(w.ack_through(2), Ok(0));
        assert_eq!(w.ack_through(1), Ok(0));
        assert_eq!(w.in_flight(), 1);
        assert_eq!(w.open(), Ok(4));
    }

    #[test]
    fn ack_beyond_last_is_rejected_without_change() {
        let mut w = window_with_open(3, 2);
        let before = w;
        assert_eq!(w.ack_through(3), Err(WindowError::Beyond { acked: 3, last: 2 }));
        assert_eq!(w, before);
    }

    #[test]
    fn exhausted_sequence_space_is_an_error_not_a_wrap() {
        let mut w = Window { acked: u32::MAX - 1, last: u32::MAX - 1, limit: 4 };
        assert_eq!(w.open(), Ok(u32::MAX));
        w.ack_through(u32::MAX).expect("in range");
        assert_eq!(w.open(), Err(WindowError::Exhausted));
    }

    #[test]
    fn zero_limit_admits_nothing() {
        assert_eq!(Window::new(0).open(), Err(WindowError::Full));
    }
}
