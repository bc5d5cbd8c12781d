//! The mailbox under loom: every interleaving of the interrupt handler (producer) and the main
//! loop (consumer), and every outcome the memory orderings allow.
//!
//! Run with its own target directory, since `--cfg loom` rebuilds every dependency:
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p inflight-core --release --test loom_mailbox`
#![cfg(loom)]

use inflight_core::mailbox::{Consumer, Correct, Mailbox, Orderings, Producer, RelaxedPublish};
use loom::thread;

/// A mailbox that lives for the rest of the execution, so its ends can move to threads.
fn leaked<const N: usize, O: Orderings + 'static>(
) -> (Producer<'static, u32, N, O>, Consumer<'static, u32, N, O>) {
    Box::leak(Box::new(Mailbox::<u32, N, O>::new())).split()
}

/// The producer sends 1..=items, retrying while the mailbox is full; the consumer takes until it
/// has them all. Every item arrives once, in order.
fn exchange<const N: usize, O: Orderings + 'static>(items: u32) {
    let (mut tx, mut rx) = leaked::<N, O>();
    let producer = thread::spawn(move || {
        for i in 1..=items {
            let mut item = i;
            loop {
                match tx.enqueue(item) {
                    Ok(()) => break,
                    Err(back) => {
                        assert_eq!(back, i, "a full mailbox hands back the same item");
                        item = back;
                        thread::yield_now();
                    }
                }
            }
        }
    });
    let mut expect = 1;
    while expect <= items {
        match rx.dequeue() {
            Some(v) => {
                assert_eq!(v, expect, "FIFO, no loss, no duplicate");
                expect += 1;
            }
            None => thread::yield_now(),
        }
    }
    producer.join().expect("the producer finishes");
    assert_eq!(rx.dequeue(), None, "nothing extra");
}

#[test]
fn no_loss_no_duplicate_fifo_through_a_full_mailbox() {
    // Three items through two slots: the producer meets the full boundary and the slots are
    // reused after wrapping.
    loom::model(|| exchange::<2, Correct>(3));
}

#[test]
fn the_single_slot_mailbox_alternates_between_full_and_empty() {
    loom::model(|| exchange::<1, Correct>(2));
}

#[test]
fn an_empty_mailbox_yields_nothing_until_the_item_is_published() {
    loom::model(|| {
        let (mut tx, mut rx) = leaked::<2, Correct>();
        let producer = thread::spawn(move || tx.enqueue(7).expect("room"));
        // Either nothing yet, or the whole item: never a torn or stale read.
        let first = rx.dequeue();
        assert!(first.is_none() || first == Some(7));
        producer.join().expect("the producer finishes");
        if first.is_none() {
            assert_eq!(rx.dequeue(), Some(7));
        }
        assert_eq!(rx.dequeue(), None);
    });
}

/// The tests can fail: publishing `tail` with `Relaxed` lets the consumer read a slot whose
/// write it has not seen, which loom reports as a causality violation on the slot's cell.
#[test]
#[should_panic(expected = "Causality violation")]
fn a_relaxed_publish_is_caught() {
    loom::model(|| exchange::<2, RelaxedPublish>(2));
}
