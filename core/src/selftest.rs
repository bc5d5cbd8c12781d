//! Unit tests of this crate that need neither `std` nor an allocator, so that they run on the
//! target as well as on the host: `cargo test` runs them here, and the firmware's `selftest`
//! binary runs the same functions on Cortex-M under QEMU, exiting non-zero if any fails.
//!
//! Each test returns `Err(what failed)` rather than panicking, so that one failure does not stop
//! the others on a target without unwinding.

use crate::effects::{Effect, EffectBuf};
use crate::machine::{Machine, NodeId};
use crate::time::{Duration, Instant};
use crate::{deadlock, mailbox, pipeline, replication, rng, ttl, window, wire};

/// A named test.
pub type Test = (&'static str, fn() -> Result<(), &'static str>);

/// Every on-target test.
pub const TESTS: &[Test] = &[
    ("mailbox_is_fifo_and_hands_back_when_full", mailbox_is_fifo_and_hands_back_when_full),
    ("wire_round_trips_a_message_of_every_protocol", wire_round_trips_a_message_of_every_protocol),
    ("wire_rejects_truncated_and_padded_frames", wire_rejects_truncated_and_padded_frames),
    (
        "window_opens_to_its_limit_and_acks_cumulatively",
        window_opens_to_its_limit_and_acks_cumulatively,
    ),
    (
        "replication_refuses_a_write_beyond_the_window",
        replication_refuses_a_write_beyond_the_window,
    ),
    ("pipeline_delivers_in_order_after_reordering", pipeline_delivers_in_order_after_reordering),
    ("deadlock_graph_finds_the_cycle", deadlock_graph_finds_the_cycle),
    ("ttl_versions_compare_across_wrap", ttl_versions_compare_across_wrap),
    ("splitmix64_matches_the_reference_stream", splitmix64_matches_the_reference_stream),
];

fn check(ok: bool, what: &'static str) -> Result<(), &'static str> {
    if ok {
        Ok(())
    } else {
        Err(what)
    }
}

fn mailbox_is_fifo_and_hands_back_when_full() -> Result<(), &'static str> {
    let mut mb: mailbox::Mailbox<u16, 3> = mailbox::Mailbox::new();
    let (mut tx, mut rx) = mb.split();
    let (mut next_in, mut next_out) = (0u16, 0u16);
    for round in 0..200u16 {
        for _ in 0..round % 5 {
            match tx.enqueue(next_in) {
                Ok(()) => next_in += 1,
                Err(back) => check(back == next_in && rx.len() == 3, "full: the same item back")?,
            }
        }
        for _ in 0..round % 4 {
            if let Some(v) = rx.dequeue() {
                check(v == next_out, "FIFO order")?;
                next_out += 1;
            }
        }
    }
    while let Some(v) = rx.dequeue() {
        check(v == next_out, "FIFO order")?;
        next_out += 1;
    }
    check(next_in == next_out && next_in > 200, "every item came out once")
}

fn round_trip<T>(msg: T) -> Result<(), &'static str>
where
    T: wire::Message + PartialEq,
{
    let mut buf = [0u8; 48];
    let n = wire::encode(&msg, &mut buf).map_err(|_| "encode")?.len();
    check(wire::decode::<T>(&buf[..n]).map_err(|_| "decode")? == msg, "round trip")
}

fn wire_round_trips_a_message_of_every_protocol() -> Result<(), &'static str> {
    round_trip(replication::Msg::Append { seq: 70_000, value: u32::MAX })?;
    round_trip(pipeline::Msg::Ack { through: 12 })?;
    round_trip(crate::retry::Msg::Busy { seq: 3 })?;
    round_trip(crate::stage::Msg::Job { id: 1, work: [1, 2, 3, 4] })?;
    round_trip(ttl::Msg::Answer { seq: 2, record: ttl::Record { version: 9, value: 1 } })?;
    let mut g = deadlock::WaitFor::<4>::new();
    g.add(0, 1).map_err(|_| "edge")?;
    round_trip(deadlock::Msg::<4>::Report { version: 3, edges: g })
}

fn wire_rejects_truncated_and_padded_frames() -> Result<(), &'static str> {
    let mut buf = [0u8; 16];
    let msg = replication::Msg::Append { seq: 300, value: 5 };
    let n = wire::encode(&msg, &mut buf).map_err(|_| "encode")?.len();
    check(wire::decode::<replication::Msg>(&buf[..n - 1]).is_err(), "truncated")?;
    check(
        wire::decode::<replication::Msg>(&buf[..n + 1])
            == Err(wire::WireError::Trailing { extra: 1 }),
        "padded",
    )?;
    check(wire::decode::<replication::Msg>(&[9, 9]).is_err(), "a bad tag")
}

fn window_opens_to_its_limit_and_acks_cumulatively() -> Result<(), &'static str> {
    let mut w = window::Window::new(3);
    for expect in 1..=3 {
        check(w.open() == Ok(expect), "open")?;
    }
    check(w.open().is_err() && !w.has_room(), "full at the limit")?;
    check(w.ack_through(2) == Ok(2), "ack two")?;
    check(w.in_flight() == 1 && w.has_room(), "room again")?;
    check(w.ack_through(9).is_err(), "an ack beyond what was sent")
}

fn replication_refuses_a_write_beyond_the_window() -> Result<(), &'static str> {
    let cfg = replication::Config::synchronous(1, Duration(10));
    let mut p = replication::Node::<4>::Primary(replication::Primary::new(cfg).map_err(|_| "cfg")?);
    let mut out: EffectBuf<replication::Msg, replication::Timer, replication::Event, 8> =
        EffectBuf::new();
    p.on_command(Instant(0), replication::Cmd::Write(1), &mut out).map_err(|_| "first write")?;
    let before = p.clone();
    let refused = p.on_command(Instant(0), replication::Cmd::Write(2), &mut out);
    check(refused == Err(replication::WriteError::WindowFull(2)), "the value is handed back")?;
    check(p == before, "a refused write changes nothing")
}

fn pipeline_delivers_in_order_after_reordering() -> Result<(), &'static str> {
    let cfg = pipeline::Config { window: 4, rto: None, fault: pipeline::Fault::None };
    let [_, mut r] = pipeline::Node::<4>::pair(cfg).map_err(|_| "cfg")?;
    let mut out: EffectBuf<pipeline::Msg, pipeline::Timer, pipeline::Event, 16> = EffectBuf::new();
    for seq in [3, 1, 2] {
        let _ = r.on_message(
            Instant(0),
            NodeId(0),
            pipeline::Msg::Data { seq, value: seq * 10 },
            &mut out,
        );
    }
    let mut next = 1;
    for e in out.as_slice() {
        if let Effect::Emit(pipeline::Event::Delivered { seq, value }) = *e {
            check(seq == next && value == seq * 10, "in order")?;
            next += 1;
        }
    }
    check(next == 4, "all three delivered")
}

fn deadlock_graph_finds_the_cycle() -> Result<(), &'static str> {
    let mut g = deadlock::WaitFor::<4>::new();
    for (a, b) in [(0, 1), (1, 2), (3, 0)] {
        g.add(a, b).map_err(|_| "edge")?;
    }
    check(g.find_cycle().is_none(), "no cycle yet")?;
    g.add(2, 0).map_err(|_| "edge")?;
    let c = g.find_cycle().ok_or("the cycle 0 -> 1 -> 2 -> 0")?;
    check(c.is_cycle() && c.edge_count() == 3 && !c.has(3, 0), "exactly the cycle")
}

fn ttl_versions_compare_across_wrap() -> Result<(), &'static str> {
    let old = ttl::Record { version: u32::MAX, value: 0 };
    let new = ttl::Record { version: 1, value: 0 };
    check(new.newer_than(&old) && !old.newer_than(&new) && !old.newer_than(&old), "serial order")
}

fn splitmix64_matches_the_reference_stream() -> Result<(), &'static str> {
    // The first outputs for seed 0 of the reference implementation (Vigna's splitmix64.c).
    let mut r = rng::SplitMix64::new(0);
    check(r.next_u64() == 0xe220_a839_7b1d_cdaf, "first")?;
    check(r.next_u64() == 0x6e78_9e6a_a1b9_65f4, "second")
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_on_target_test_passes_on_the_host() {
        for (name, test) in super::TESTS {
            assert_eq!(test(), Ok(()), "{name}");
        }
    }
}
