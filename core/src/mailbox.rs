//! A bounded, lock-free, single-producer single-consumer queue for handing received frames from
//! an interrupt handler (the producer) to the main loop (the consumer) on a node.
//!
//! It uses only atomic loads and stores, no compare-and-swap, so it works on every Cortex-M
//! including thumbv6m (Cortex-M0), which has no CAS. A full queue hands the item back rather than
//! dropping or overwriting it. Its atomics sit behind the `cfg(loom)` shim in `sync.rs`: the
//! loom tests (`core/tests/loom_mailbox.rs`, run with `RUSTFLAGS="--cfg loom"`) check no loss, no
//! duplication and FIFO order under every interleaving, at the full and empty boundaries, and
//! that a variant with a wrong memory ordering ([`RelaxedPublish`]) is caught.
//!
//! How it works: `head` (the next slot to read, written only by the consumer) and `tail` (the
//! next slot to write, written only by the producer) count modulo 2N, so that full (N apart)
//! and empty (equal) differ. The producer writes the slot, then publishes it by storing `tail`
//! with `Release`; the consumer loads `tail` with `Acquire` before reading the slot. Symmetrically
//! the consumer frees a slot by storing `head` with `Release`, and the producer loads it with
//! `Acquire` before reusing the slot.
//!
//! ```
//! use inflight_core::mailbox::Mailbox;
//! let mut mb: Mailbox<u8, 2> = Mailbox::new();
//! let (mut tx, mut rx) = mb.split();
//! tx.enqueue(1).unwrap();
//! tx.enqueue(2).unwrap();
//! assert_eq!(tx.enqueue(3), Err(3)); // full: the item comes back
//! assert_eq!(rx.dequeue(), Some(1));
//! ```

// The slots are shared between two contexts; every access is justified below.
#![allow(unsafe_code)]

use crate::sync::{AtomicUsize, Ordering, UnsafeCell};
use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;

/// The memory orderings the mailbox publishes and observes indices with. [`Correct`] is the
/// only sound choice; [`RelaxedPublish`] exists to prove that the loom tests can fail.
pub trait Orderings {
    /// Storing an index that hands a slot to the other side.
    const PUBLISH: Ordering;
    /// Loading the other side's index before touching a slot.
    const OBSERVE: Ordering;
}

/// `Release` to publish, `Acquire` to observe.
#[derive(Debug)]
pub struct Correct;

impl Orderings for Correct {
    const PUBLISH: Ordering = Ordering::Release;
    const OBSERVE: Ordering = Ordering::Acquire;
}

/// A deliberately broken variant: indices are published with `Relaxed`, so the consumer may see
/// a slot as filled before the item's bytes are visible. Only for tests.
#[derive(Debug)]
pub struct RelaxedPublish;

impl Orderings for RelaxedPublish {
    const PUBLISH: Ordering = Ordering::Relaxed;
    const OBSERVE: Ordering = Ordering::Acquire;
}

/// A queue of up to `N` items of `T`.
pub struct Mailbox<T, const N: usize, O: Orderings = Correct> {
    /// Next slot to read, modulo 2N; written by the consumer only.
    head: AtomicUsize,
    /// Next slot to write, modulo 2N; written by the producer only.
    tail: AtomicUsize,
    slots: [UnsafeCell<MaybeUninit<T>>; N],
    orderings: PhantomData<O>,
}

// SAFETY: the mailbox moves `T`s between the two contexts (so `T: Send`), and the index protocol
// above gives each slot to exactly one side at a time, with the orderings making the item's
// bytes visible before the slot changes hands.
unsafe impl<T: Send, const N: usize, O: Orderings> Sync for Mailbox<T, N, O> {}

impl<T, const N: usize, O: Orderings> fmt::Debug for Mailbox<T, N, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({}/{N})", self.len())
    }
}

const fn advance(i: usize, n: usize) -> usize {
    if i + 1 == 2 * n {
        0
    } else {
        i + 1
    }
}

const fn distance(head: usize, tail: usize, n: usize) -> usize {
    if tail >= head {
        tail - head
    } else {
        tail + 2 * n - head
    }
}

/// The slot of index `i` (in `0 .. 2n`). The remainder, not `i - n` when `i >= n`: the compiler
/// then knows the slot is below `n` and leaves out the bounds check and its panic (the firmware's
/// `panics.py` checks there is none). `n` is a constant, so this compiles to a mask when it is
/// a power of two.
const fn slot(i: usize, n: usize) -> usize {
    i % n
}

impl<T, const N: usize, O: Orderings> Mailbox<T, N, O> {
    const NONZERO: () = assert!(N > 0 && N < usize::MAX / 2, "a mailbox holds 1 or more items");

    /// An empty mailbox (usable in a `static` on a node).
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::NONZERO;
        Mailbox {
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            slots: [const { UnsafeCell::new(MaybeUninit::uninit()) }; N],
            orderings: PhantomData,
        }
    }

    /// An empty mailbox.
    #[cfg(loom)]
    pub fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::NONZERO;
        Mailbox {
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            slots: core::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
            orderings: PhantomData,
        }
    }

    /// The most items it holds.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Items in it now (a snapshot: the other side may be changing it).
    pub fn len(&self) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        distance(head, tail, N)
    }

    /// Whether it is empty now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Splits it into its two ends. The borrow makes sure there is one producer and one
    /// consumer; move each end to its context (for example the producer to an interrupt handler
    /// through a `static`).
    pub fn split(&mut self) -> (Producer<'_, T, N, O>, Consumer<'_, T, N, O>) {
        // Each end keeps its own index in a plain field: only it writes that index, so it never
        // needs to load it back from the atomic.
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Relaxed);
        (Producer { mb: self, tail }, Consumer { mb: self, head })
    }
}

impl<T, const N: usize, O: Orderings> Default for Mailbox<T, N, O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize, O: Orderings> Drop for Mailbox<T, N, O> {
    fn drop(&mut self) {
        let tail = self.tail.load(Ordering::Relaxed);
        let mut head = self.head.load(Ordering::Relaxed);
        while head != tail {
            // SAFETY: slots from head to tail hold initialized items that nobody will read: we
            // have `&mut self`, so both ends are gone.
            self.slots[slot(head, N)].with_mut(|p| unsafe { (*p).assume_init_drop() });
            head = advance(head, N);
        }
    }
}

/// The producing end: the interrupt handler that receives frames.
pub struct Producer<'a, T, const N: usize, O: Orderings = Correct> {
    mb: &'a Mailbox<T, N, O>,
    /// The next slot to write: our own copy of `mb.tail`, which only we write.
    tail: usize,
}

// SAFETY: the producer only writes slots the consumer has released, and publishes them in order.
unsafe impl<T: Send, const N: usize, O: Orderings> Send for Producer<'_, T, N, O> {}

impl<T, const N: usize, O: Orderings> fmt::Debug for Producer<'_, T, N, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Producer({:?})", self.mb)
    }
}

impl<T, const N: usize, O: Orderings> Producer<'_, T, N, O> {
    /// Appends `item`, or hands it back if the mailbox is full.
    pub fn enqueue(&mut self, item: T) -> Result<(), T> {
        self.enqueue_with(item, |_| true).map(|_| ())
    }

    /// Appends an item built in place: `init` is written into the free slot, then `fill` edits
    /// it there (for example encodes a frame into its buffer) and says whether to publish it.
    /// Nothing is copied after `fill`, which matters for large items on a small stack. Returns
    /// `Err(init)` if the mailbox is full, `Ok(false)` if `fill` declined (the item is dropped
    /// and the slot stays free), `Ok(true)` once it is queued.
    pub fn enqueue_with(&mut self, init: T, fill: impl FnOnce(&mut T) -> bool) -> Result<bool, T> {
        if self.is_full() {
            return Err(init);
        }
        let tail = self.tail;
        // SAFETY: the slot at `tail` is not between head and tail, so the consumer does not read
        // it, and the Acquire load of `head` in `is_full` ordered its last read before this
        // write. The slot is ours until we publish it: initialised by the write before `fill`
        // sees it, and dropped again if not published.
        let publish = self.mb.slots[slot(tail, N)].with_mut(|p| unsafe {
            let item = (*p).write(init);
            let keep = fill(item);
            if !keep {
                (*p).assume_init_drop();
            }
            keep
        });
        if publish {
            self.tail = advance(tail, N);
            self.mb.tail.store(self.tail, O::PUBLISH);
        }
        Ok(publish)
    }

    /// Whether an enqueue now would be refused (a snapshot: the consumer may free a slot).
    pub fn is_full(&self) -> bool {
        let head = self.mb.head.load(O::OBSERVE);
        distance(head, self.tail, N) == N
    }
}

/// The consuming end: the main loop.
pub struct Consumer<'a, T, const N: usize, O: Orderings = Correct> {
    mb: &'a Mailbox<T, N, O>,
    /// The next slot to read: our own copy of `mb.head`, which only we write.
    head: usize,
}

// SAFETY: the consumer only reads slots the producer has published, and releases them in order.
unsafe impl<T: Send, const N: usize, O: Orderings> Send for Consumer<'_, T, N, O> {}

impl<T, const N: usize, O: Orderings> fmt::Debug for Consumer<'_, T, N, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Consumer({:?})", self.mb)
    }
}

impl<T, const N: usize, O: Orderings> Consumer<'_, T, N, O> {
    /// Removes the oldest item, if any.
    // Out of line: a node calls it from several places, and inlined at each it cost 0.2 KB of
    // flash in the six-protocol firmware.
    #[inline(never)]
    pub fn dequeue(&mut self) -> Option<T> {
        let head = self.head;
        let tail = self.mb.tail.load(O::OBSERVE);
        if head == tail {
            return None;
        }
        // SAFETY: the slot at `head` is between head and tail, so the producer wrote it, and the
        // Acquire load of `tail` made that write visible; the producer will not touch it again
        // until we publish the new head.
        let item = self.mb.slots[slot(head, N)].with(|p| unsafe { (*p).assume_init_read() });
        self.head = advance(head, N);
        self.mb.head.store(self.head, O::PUBLISH);
        Some(item)
    }

    /// Items waiting now (a snapshot: the producer may add more).
    pub fn len(&self) -> usize {
        distance(self.head, self.mb.tail.load(O::OBSERVE), N)
    }

    /// Whether nothing waits now (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn fifo_through_many_wrap_arounds_and_a_full_queue_hands_the_item_back() {
        let mut mb: Mailbox<u32, 3> = Mailbox::new();
        let (mut tx, mut rx) = mb.split();
        let mut next_in = 0;
        let mut next_out = 0;
        for round in 0..1_000u32 {
            for _ in 0..(round % 4) {
                match tx.enqueue(next_in) {
                    Ok(()) => next_in += 1,
                    Err(back) => {
                        assert_eq!(back, next_in);
                        assert!(tx.is_full());
                        assert_eq!(rx.len(), 3);
                    }
                }
            }
            for _ in 0..(round % 3) {
                if let Some(v) = rx.dequeue() {
                    assert_eq!(v, next_out);
                    next_out += 1;
                }
            }
        }
        while let Some(v) = rx.dequeue() {
            assert_eq!(v, next_out);
            next_out += 1;
        }
        assert_eq!(next_in, next_out);
        assert!(next_in > 1_000);
        assert!(rx.is_empty());
    }

    #[test]
    fn items_left_in_the_mailbox_are_dropped_exactly_once() {
        let item = Rc::new(());
        {
            let mut mb: Mailbox<Rc<()>, 4> = Mailbox::new();
            let (mut tx, mut rx) = mb.split();
            for _ in 0..4 {
                tx.enqueue(item.clone()).expect("room");
            }
            assert_eq!(tx.enqueue(item.clone()).map_err(|_| "full"), Err("full"));
            drop(rx.dequeue());
            assert_eq!(Rc::strong_count(&item), 4);
        }
        assert_eq!(Rc::strong_count(&item), 1);
    }

    #[test]
    fn enqueue_with_builds_in_place_and_can_decline() {
        let mut mb: Mailbox<[u8; 4], 1> = Mailbox::new();
        let (mut tx, mut rx) = mb.split();
        assert_eq!(
            tx.enqueue_with([0; 4], |b| {
                b[0] = 9;
                false
            }),
            Ok(false)
        );
        assert!(rx.is_empty(), "a declined item is not queued");
        assert_eq!(
            tx.enqueue_with([0; 4], |b| {
                b[1] = 7;
                true
            }),
            Ok(true)
        );
        assert_eq!(tx.enqueue_with([1; 4], |_| true), Err([1; 4]), "full: handed back");
        assert_eq!(rx.dequeue(), Some([0, 7, 0, 0]));
        let item = Rc::new(());
        let mut mb: Mailbox<Rc<()>, 2> = Mailbox::new();
        let (mut tx, _rx) = mb.split();
        assert_eq!(tx.enqueue_with(item.clone(), |_| false).map_err(|_| ()), Ok(false));
        assert_eq!(Rc::strong_count(&item), 1, "a declined item is dropped once");
    }

    #[test]
    fn a_static_mailbox_is_possible() {
        static MB: Mailbox<u8, 2> = Mailbox::new();
        assert_eq!((MB.capacity(), MB.len()), (2, 0));
    }
}
