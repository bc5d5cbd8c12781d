//! Applications for the simulator: the clients that load a protocol.

use crate::sim::Client;
use inflight_core::pipeline;
use inflight_core::replication::{self, Cmd, Event, Value, WriteError};
use inflight_core::{Instant, NodeId, Seq};

/// A closed-loop client that keeps the primary's window full: it writes until a write is
/// refused, then waits for the next commit. Replicas hand stored entries to the application at
/// once, so their bounded logs never fill. Records the tick of every commit.
#[derive(Clone, Debug, Default)]
pub struct SaturatingWriter {
    next_value: Value,
    blocked: bool,
    limit: Option<u64>,
    accepted: u64,
    /// The tick at which each write committed, in commit order.
    pub commits: Vec<(Instant, Seq)>,
    /// Writes refused because the window or log was full (each retried later, none lost).
    pub refusals: u64,
}

impl SaturatingWriter {
    /// A writer that never stops.
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer that stops after `n` accepted writes.
    pub fn with_limit(n: u64) -> Self {
        SaturatingWriter { limit: Some(n), ..Self::default() }
    }

    /// Commits at ticks in `[from, to)`.
    pub fn commits_between(&self, from: Instant, to: Instant) -> u64 {
        self.commits.iter().filter(|(t, _)| *t >= from && *t < to).count() as u64
    }
}

impl<const N: usize> Client<replication::Node<N>> for SaturatingWriter {
    fn next(&mut self, _now: Instant) -> Option<(NodeId, Cmd)> {
        let more = self.limit.is_none_or(|l| self.accepted < l);
        (!self.blocked && more).then_some((replication::PRIMARY, Cmd::Write(self.next_value)))
    }

    fn result(&mut self, _now: Instant, _node: NodeId, result: Result<(), WriteError>) {
        match result {
            Ok(()) => {
                self.next_value = self.next_value.wrapping_add(1);
                self.accepted += 1;
            }
            Err(_) => {
                self.blocked = true;
                self.refusals += 1;
            }
        }
    }

    fn on_event(
        &mut self,
        now: Instant,
        _node: NodeId,
        event: &Event,
        machine: &mut replication::Node<N>,
    ) {
        match *event {
            Event::Committed(seq) => {
                self.commits.push((now, seq));
                self.blocked = false;
            }
            Event::Stored(seq) => machine.compact_through(seq),
        }
    }
}

/// A closed-loop application for the pipeline: the sender's side sends until the window is
/// full, then waits for an acknowledgement; the receiver's side checks every delivery is the next
/// one in order and records when it arrived.
#[derive(Clone, Debug, Default)]
pub struct SaturatingSender {
    blocked: bool,
    limit: Option<u64>,
    sent: u64,
    /// The tick of each in-order delivery.
    pub deliveries: Vec<Instant>,
    /// Deliveries that were not the next message in order (must stay 0).
    pub misdelivered: u64,
}

impl SaturatingSender {
    /// An application that never runs out of messages.
    pub fn new() -> Self {
        Self::default()
    }

    /// An application that sends `n` messages.
    pub fn with_limit(n: u64) -> Self {
        SaturatingSender { limit: Some(n), ..Self::default() }
    }

    /// Deliveries at ticks in `[from, to)`.
    pub fn delivered_between(&self, from: Instant, to: Instant) -> u64 {
        self.deliveries.iter().filter(|t| **t >= from && **t < to).count() as u64
    }
}

impl<const N: usize> Client<pipeline::Node<N>> for SaturatingSender {
    fn next(&mut self, _now: Instant) -> Option<(NodeId, pipeline::Cmd)> {
        let more = self.limit.is_none_or(|l| self.sent < l);
        (!self.blocked && more).then_some((pipeline::SENDER, pipeline::Cmd::Send(self.sent as u32)))
    }

    fn result(&mut self, _now: Instant, _node: NodeId, result: Result<(), pipeline::SendError>) {
        match result {
            Ok(()) => self.sent += 1,
            Err(_) => self.blocked = true,
        }
    }

    fn on_event(
        &mut self,
        now: Instant,
        _node: NodeId,
        event: &pipeline::Event,
        _machine: &mut pipeline::Node<N>,
    ) {
        match *event {
            pipeline::Event::Delivered { seq, .. } => {
                if seq as usize == self.deliveries.len() + 1 {
                    self.deliveries.push(now);
                } else {
                    self.misdelivered += 1;
                }
            }
            pipeline::Event::Acked { .. } => self.blocked = false,
        }
    }
}
