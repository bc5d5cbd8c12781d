//! Relative sequence numbers.
//!
//! A protocol that runs forever numbers its messages 1, 2, 3, … without end, so no two of its
//! states are equal and a long-run analysis has no cycles to find. Yet its behaviour depends only
//! on the differences between sequence numbers. [`Rebase`] shifts every sequence number a machine
//! or message holds down by a common amount, which maps a state to an equivalent one; the timed
//! checker shifts by the lowest number anything still refers to (the low-water mark), so states
//! that differ only by how far the protocol has come become equal.

use crate::window::Seq;

/// A value holding sequence numbers that can be shifted down together.
pub trait Rebase {
    /// The lowest sequence number this value needs to keep meaningful: shifting by more than it
    /// would lose information (0 if it holds none).
    fn low_water(&self) -> Seq;
    /// Subtracts `by` (at most the low-water mark of every value shifted together) from every
    /// sequence number held.
    fn rebase(&mut self, by: Seq);
}
