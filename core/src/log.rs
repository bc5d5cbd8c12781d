//! A bounded, compactable log of replicated values, numbered by [`Seq`].

use crate::window::Seq;
use heapless::Vec;
use serde::{Deserialize, Serialize};

/// The entries `(base, base + len]` of a log whose earlier entries were compacted away (applied
/// by the application, or known to be stored everywhere they are needed). At most `N ≤ 255`
/// entries are held; a full log refuses a push and hands the value back.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Log<V, const N: usize> {
    base: Seq,
    entries: Vec<V, N, u8>,
}

impl<V, const N: usize> Default for Log<V, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V, const N: usize> Log<V, N> {
    /// An empty log that has compacted nothing.
    pub const fn new() -> Self {
        Log { base: 0, entries: Vec::new() }
    }
}

impl<V: Copy, const N: usize> Log<V, N> {
    /// The sequence number of the newest entry, or of the last compacted one if none is held.
    pub fn last(&self) -> Seq {
        self.base + self.entries.len() as Seq
    }

    /// Entries up to and including this sequence number have been compacted away.
    pub fn base(&self) -> Seq {
        self.base
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a push would be refused.
    pub fn is_full(&self) -> bool {
        self.entries.is_full()
    }

    /// The entries held, oldest first; the first has sequence number `base() + 1`.
    pub fn entries(&self) -> &[V] {
        &self.entries
    }

    /// The value at `seq`, if it is held.
    pub fn get(&self, seq: Seq) -> Option<V> {
        let i = seq.checked_sub(self.base)?.checked_sub(1)?;
        self.entries.get(i as usize).copied()
    }

    /// Shifts the numbering down by `by` (≤ `base`), keeping the entries: see
    /// [`crate::rebase::Rebase`].
    pub fn rebase(&mut self, by: Seq) {
        self.base -= by.min(self.base);
    }

    /// Appends `value` as entry `last() + 1`. A full log hands the value back.
    pub fn push(&mut self, value: V) -> Result<Seq, V> {
        self.entries.push(value)?;
        Ok(self.last())
    }

    /// Drops every entry up to and including `seq` (no-op for entries already dropped; `seq`
    /// beyond `last()` drops everything and moves the base to `last()` only).
    pub fn compact_through(&mut self, seq: Seq) {
        let upto = seq.min(self.last());
        if upto <= self.base {
            return;
        }
        drop_front(&mut self.entries, (upto - self.base) as usize);
        self.base = upto;
    }
}

/// Removes the first `n` items of `v` (all of them if it holds fewer), keeping the order of the
/// rest. Unlike `remove(0)` in a loop it moves each item once, and it has no panic compiled in:
/// `get` rather than indexing.
pub(crate) fn drop_front<T: Copy, const N: usize>(v: &mut Vec<T, N, u8>, n: usize) {
    let mut kept = 0;
    while let Some(&item) = v.get(kept + n) {
        if let Some(slot) = v.get_mut(kept) {
            *slot = item;
        }
        kept += 1;
    }
    v.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(values: &[u32]) -> Log<u32, 4> {
        let mut log = Log::new();
        for &v in values {
            log.push(v).expect("room");
        }
        log
    }

    #[test]
    fn push_numbers_entries_from_one_and_hands_back_when_full() {
        let mut log = log_of(&[10, 20, 30, 40]);
        assert_eq!(log.last(), 4);
        assert_eq!(log.get(1), Some(10));
        assert_eq!(log.get(4), Some(40));
        assert_eq!(log.get(0), None);
        assert_eq!(log.get(5), None);
        assert_eq!(log.push(50), Err(50));
        assert_eq!(log, log_of(&[10, 20, 30, 40]));
    }

    #[test]
    fn compaction_keeps_numbering_and_frees_room() {
        let mut log = log_of(&[10, 20, 30, 40]);
        log.compact_through(2);
        assert_eq!(log.base(), 2);
        assert_eq!(log.entries(), &[30, 40]);
        assert_eq!(log.get(2), None);
        assert_eq!(log.get(3), Some(30));
        assert_eq!(log.push(50), Ok(5));
        log.compact_through(1);
        assert_eq!(log.base(), 2, "compacting old entries again is a no-op");
        log.compact_through(99);
        assert_eq!((log.base(), log.len()), (5, 0));
    }

    #[test]
    fn drop_front_keeps_the_rest_in_order() {
        for n in 0..=6 {
            let mut v: Vec<u32, 4, u8> = Vec::from_slice(&[1, 2, 3, 4]).expect("fits");
            drop_front(&mut v, n);
            assert_eq!(&v[..], &[1, 2, 3, 4][n.min(4)..], "n = {n}");
        }
    }
}
