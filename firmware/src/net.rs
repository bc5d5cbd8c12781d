//! The link and the main loop.
//!
//! Nodes of one group share this microcontroller (QEMU has no network between boards), but talk
//! as they would over a radio or a serial bus: the main loop encodes every message into a
//! postcard [`Frame`] and queues it on the transmit mailbox, then pends the link interrupt
//! (PendSV). The interrupt handler plays the link: it moves frames from the transmit mailbox to
//! the receive mailbox (optionally losing every n-th frame, as a lossy link would), and the main
//! loop decodes what it receives and hands each message to its node. Each mailbox has one
//! producer and one consumer, as `inflight_core::mailbox` requires: main → interrupt on transmit,
//! interrupt → main on receive.
//!
//! Time is virtual: when nothing is queued, the clock jumps to the earliest armed timer.

use core::cell::Cell;
use core::marker::PhantomData;
use cortex_m::interrupt::{self, Mutex};
use cortex_m::peripheral::SCB;
use cortex_m_rt::exception;
use inflight_core::mailbox::{Consumer, Mailbox, Producer};
use inflight_core::rng::SplitMix64;
use inflight_core::wire::{self, Message};
use inflight_core::{Duration, Effects, Instant, Machine, NodeId};

/// Bytes of payload a frame carries (the largest message of these groups is well below).
pub const FRAME: usize = 24;
/// Frames each mailbox holds.
pub const SLOTS: usize = 8;
/// Timers armed at once, over all nodes of a group.
const TIMERS: usize = 6;

/// A frame on the link.
#[derive(Clone, Copy)]
pub struct Frame {
    /// Sender's node id.
    pub from: u8,
    /// Receiver's node id.
    pub to: u8,
    /// Bytes used in `bytes`.
    pub len: u8,
    /// The postcard-encoded message.
    pub bytes: [u8; FRAME],
}

/// What the link did.
#[derive(Clone, Copy, Default)]
pub struct LinkStats {
    /// Frames moved to the receive mailbox.
    pub delivered: u32,
    /// Frames lost on purpose (lossy link) or because the receive mailbox was full.
    pub lost: u32,
    /// Lose every n-th frame (0: none).
    pub lose_every: u32,
    /// Frames seen, for `lose_every`.
    pub seen: u32,
}

type Tx = Producer<'static, Frame, SLOTS>;
type Rx = Consumer<'static, Frame, SLOTS>;

/// The two mailboxes. They are `static` so that nothing large is built on the stack; each is
/// split exactly once, in [`Link::take`].
static mut TX_BOX: Mailbox<Frame, SLOTS> = Mailbox::new();
static mut RX_BOX: Mailbox<Frame, SLOTS> = Mailbox::new();
/// Whether [`Link::take`] has run.
static TAKEN: Mutex<Cell<bool>> = Mutex::new(Cell::new(false));

/// The interrupt's ends of the two mailboxes, and its counters. (`Cell<Option<_>>` rather than
/// `RefCell`: taking and putting back has no failure path, so no panic message is linked in.)
static LINK_TX: Mutex<Cell<Option<Consumer<'static, Frame, SLOTS>>>> = Mutex::new(Cell::new(None));
static LINK_RX: Mutex<Cell<Option<Producer<'static, Frame, SLOTS>>>> = Mutex::new(Cell::new(None));
static LINK_STATS: Mutex<Cell<LinkStats>> =
    Mutex::new(Cell::new(LinkStats { delivered: 0, lost: 0, lose_every: 0, seen: 0 }));

/// The link interrupt: moves every queued frame from transmit to receive.
#[exception]
fn PendSV() {
    interrupt::free(|cs| {
        let (tx_cell, rx_cell) = (LINK_TX.borrow(cs), LINK_RX.borrow(cs));
        let (Some(mut tx), Some(mut rx)) = (tx_cell.take(), rx_cell.take()) else { return };
        let cell = LINK_STATS.borrow(cs);
        let mut stats = cell.get();
        while let Some(frame) = tx.dequeue() {
            stats.seen = stats.seen.wrapping_add(1);
            if stats.lose_every != 0 && stats.seen % stats.lose_every == 0 {
                stats.lost += 1;
            } else if rx.enqueue(frame).is_err() {
                stats.lost += 1; // the receiver's ring is full: the frame is dropped, as on a NIC
            } else {
                stats.delivered += 1;
            }
        }
        cell.set(stats);
        tx_cell.set(Some(tx));
        rx_cell.set(Some(rx));
    });
}

/// Pends the link interrupt and waits until it has run (the barriers make the pend take effect
/// before the next instruction).
fn kick_link() {
    SCB::set_pendsv();
    cortex_m::asm::dsb();
    cortex_m::asm::isb();
}

/// The main loop's ends of the two mailboxes.
pub struct Link {
    tx: Tx,
    rx: Rx,
}

impl Link {
    /// Sets the link up; `None` if it was already taken.
    #[allow(unsafe_code)]
    pub fn take() -> Option<Link> {
        interrupt::free(|cs| {
            let taken = TAKEN.borrow(cs);
            if taken.get() {
                return None;
            }
            taken.set(true);
            // SAFETY: `TAKEN` makes this the only place, run once, that borrows the two statics;
            // the borrows live for the rest of the program inside the mailboxes' ends.
            let (tx_box, rx_box) = unsafe {
                (&mut *core::ptr::addr_of_mut!(TX_BOX), &mut *core::ptr::addr_of_mut!(RX_BOX))
            };
            let (tx, link_tx) = tx_box.split();
            let (link_rx, rx) = rx_box.split();
            LINK_TX.borrow(cs).set(Some(link_tx));
            LINK_RX.borrow(cs).set(Some(link_rx));
            Some(Link { tx, rx })
        })
    }

    /// Starts counting afresh, losing every `lose_every`-th frame (0: none).
    pub fn reset(&mut self, lose_every: u32) {
        while self.rx.dequeue().is_some() {}
        interrupt::free(|cs| {
            LINK_STATS.borrow(cs).set(LinkStats { lose_every, ..LinkStats::default() })
        });
    }

    /// The link's counters.
    pub fn stats(&self) -> LinkStats {
        interrupt::free(|cs| LINK_STATS.borrow(cs).get())
    }

    /// Queues a frame from node `from` to `to`; `fill` encodes the message straight into the
    /// mailbox's slot and returns its length, or `None` if it does not fit. Returns whether it
    /// fitted. Not generic, so one copy serves every protocol.
    fn send(&mut self, from: u8, to: u8, fill: &mut dyn FnMut(&mut [u8]) -> Option<usize>) -> bool {
        loop {
            let blank = Frame { from, to, len: 0, bytes: [0; FRAME] };
            let encode = |f: &mut Frame| match fill(&mut f.bytes) {
                Some(len) => {
                    f.len = len as u8;
                    true
                }
                None => false,
            };
            match self.tx.enqueue_with(blank, encode) {
                Ok(sent) => return sent,
                // Full: let the link interrupt drain it, then try again.
                Err(_) => kick_link(),
            }
        }
    }
}

/// A protocol's timer as a number, so that one timer table, compiled once, serves every
/// protocol: flash is the scarce thing. `from_code(t.code()) == Some(t)` for every timer `t`.
pub trait TimerCode: Copy {
    /// The timer's number.
    fn code(self) -> u16;
    /// The timer a number stands for; `None` if it stands for none.
    fn from_code(code: u16) -> Option<Self>;
}

impl TimerCode for inflight_core::replication::Timer {
    fn code(self) -> u16 {
        self as u16
    }
    fn from_code(code: u16) -> Option<Self> {
        use inflight_core::replication::Timer::*;
        [Retransmit, Flush].get(code as usize).copied()
    }
}

impl TimerCode for inflight_core::pipeline::Timer {
    fn code(self) -> u16 {
        self as u16
    }
    fn from_code(code: u16) -> Option<Self> {
        use inflight_core::pipeline::Timer::*;
        [Retransmit].get(code as usize).copied()
    }
}

impl TimerCode for inflight_core::deadlock::Timer {
    fn code(self) -> u16 {
        self as u16
    }
    fn from_code(code: u16) -> Option<Self> {
        use inflight_core::deadlock::Timer::*;
        [GiveUp].get(code as usize).copied()
    }
}

impl TimerCode for inflight_core::retry::Timer {
    /// `Retry` is 0, `ServiceDone(k)` is k + 1.
    fn code(self) -> u16 {
        match self {
            inflight_core::retry::Timer::Retry => 0,
            inflight_core::retry::Timer::ServiceDone(k) => k as u16 + 1,
        }
    }
    fn from_code(code: u16) -> Option<Self> {
        use inflight_core::retry::Timer::*;
        match code {
            0 => Some(Retry),
            _ => u8::try_from(code - 1).ok().map(ServiceDone),
        }
    }
}

impl TimerCode for inflight_core::stage::WorkerDone {
    fn code(self) -> u16 {
        self.0 as u16
    }
    fn from_code(code: u16) -> Option<Self> {
        u8::try_from(code).ok().map(inflight_core::stage::WorkerDone)
    }
}

impl TimerCode for inflight_core::ttl::Timer {
    fn code(self) -> u16 {
        self as u16
    }
    fn from_code(code: u16) -> Option<Self> {
        use inflight_core::ttl::Timer::*;
        [Refresh, Retry].get(code as usize).copied()
    }
}

impl TimerCode for () {
    fn code(self) -> u16 {
        0
    }
    fn from_code(code: u16) -> Option<Self> {
        (code == 0).then_some(())
    }
}

/// The armed timers of every node of a group: (node, timer's number, deadline). Not generic.
#[derive(Default)]
pub struct Timers(heapless::Vec<(u8, u16, Instant), TIMERS>);

impl Timers {
    /// No timer armed.
    pub const fn new() -> Self {
        Timers(heapless::Vec::new())
    }

    /// Arms timer `code` of `node` to fire at `at`, replacing its earlier deadline if it is
    /// armed; `false` if it is not and the table is full.
    #[inline(never)]
    pub fn set(&mut self, node: u8, code: u16, at: Instant) -> bool {
        match self.0.iter_mut().find(|t| t.0 == node && t.1 == code) {
            Some(t) => {
                t.2 = at;
                true
            }
            None => self.0.push((node, code, at)).is_ok(),
        }
    }

    /// Disarms timer `code` of `node`, if it is armed.
    #[inline(never)]
    pub fn cancel(&mut self, node: u8, code: u16) {
        if let Some(k) = self.0.iter().position(|t| t.0 == node && t.1 == code) {
            self.0.swap_remove(k);
        }
    }

    /// The index of the earliest armed timer.
    #[inline(never)]
    fn earliest(&self) -> Option<usize> {
        (0..self.0.len()).min_by_key(|&k| self.0[k].2)
    }

    /// The earliest deadline of any armed timer.
    pub fn next(&self) -> Option<Instant> {
        self.earliest().map(|k| self.0[k].2)
    }

    /// Disarms the earliest timer and returns its node and number.
    pub fn take_earliest(&mut self) -> Option<(u8, u16)> {
        let k = self.earliest()?;
        let (node, code, _) = self.0.swap_remove(k);
        Some((node, code))
    }
}

/// On-target test of the timer table and of every protocol's timer numbers.
pub fn check_timers() -> Result<(), &'static str> {
    use inflight_core::{deadlock, pipeline, replication, retry, stage, ttl};
    fn round_trip<T: TimerCode + PartialEq>(t: T) -> Result<(), &'static str> {
        if T::from_code(t.code()) == Some(t) {
            Ok(())
        } else {
            Err("a timer's number does not stand for it")
        }
    }
    round_trip(replication::Timer::Retransmit)?;
    round_trip(replication::Timer::Flush)?;
    round_trip(pipeline::Timer::Retransmit)?;
    round_trip(deadlock::Timer::GiveUp)?;
    round_trip(ttl::Timer::Refresh)?;
    round_trip(ttl::Timer::Retry)?;
    round_trip(retry::Timer::Retry)?;
    for k in [0, 1, 254, 255] {
        round_trip(retry::Timer::ServiceDone(k))?;
        round_trip(stage::WorkerDone(k))?;
    }
    if replication::Timer::from_code(2).is_some()
        || retry::Timer::from_code(257).is_some()
        || stage::WorkerDone::from_code(256).is_some()
    {
        return Err("a number that stands for no timer decoded");
    }
    let distinct = [replication::Timer::Retransmit.code(), replication::Timer::Flush.code()];
    if distinct[0] == distinct[1] {
        return Err("two timers share a number");
    }

    // The table: re-arming replaces, cancelling is per node and timer, earliest first.
    let mut t = Timers::new();
    let ok = t.set(0, 1, Instant(50)) && t.set(1, 1, Instant(30)) && t.set(0, 1, Instant(10));
    if !ok || t.next() != Some(Instant(10)) {
        return Err("re-arming a timer did not replace its deadline");
    }
    t.cancel(0, 2); // not armed: nothing happens
    t.cancel(1, 1);
    if t.take_earliest() != Some((0, 1)) || t.take_earliest().is_some() {
        return Err("cancel or take_earliest disarmed the wrong timer");
    }
    for k in 0..TIMERS as u16 {
        if !t.set(0, k, Instant(k as u64)) {
            return Err("the table refused a timer below its capacity");
        }
    }
    if t.set(1, 0, Instant(0)) || !t.set(0, 0, Instant(99)) {
        return Err("a full table accepted a new timer, or refused re-arming one");
    }
    Ok(())
}

/// The application on the nodes of a scenario.
pub trait Workload<M: Machine> {
    /// The next command to try now, at which node.
    fn next(&mut self, now: Instant, nodes: &[M]) -> Option<(usize, M::Cmd)>;
    /// Whether the command last returned was accepted.
    fn result(&mut self, accepted: bool);
    /// An event from node `node`, as the handler emits it.
    fn event(&mut self, now: Instant, node: usize, event: &M::Event);
    /// After each handler of node `node` returns: the application may act on the nodes (for
    /// example take the entries a replica stored and compact its log).
    fn after(&mut self, node: usize, nodes: &mut [M]) {
        let _ = (node, nodes);
    }
    /// Whether the scenario reached its goal.
    fn done(&self, nodes: &[M]) -> bool;
    /// When the application next wants to act even if nothing else happens (a read after a
    /// TTL, a server coming back up): the clock may jump there when the nodes are idle.
    fn wake(&self) -> Option<Instant> {
        None
    }
}

/// What a run did.
#[derive(Clone, Copy, Default)]
pub struct Run {
    /// Virtual ticks at the end.
    pub ticks: u64,
    /// Messages handled.
    pub messages: u32,
    /// Messages a node rejected (stale, duplicate …).
    pub rejected: u32,
    /// Frames the link lost.
    pub lost: u32,
    /// Timers fired.
    pub timers: u32,
}

/// The loop's state that does not depend on the protocol: the link, the clock, the generator
/// that answers draws, and the counters.
struct Io<'a> {
    link: &'a mut Link,
    rng: &'a mut SplitMix64,
    now: Instant,
    run: &'a mut Run,
}

/// A group and its application as the main loop sees them. The trait is object-safe, so that
/// the loop ([`drive`]) is compiled once and not once per protocol: flash is the scarce thing.
trait Nodes {
    /// How many nodes.
    fn count(&self) -> usize;
    /// Starts node `i`.
    fn start(&mut self, io: &mut Io<'_>, i: usize) -> Result<(), &'static str>;
    /// Hands the application's next command, if it has one now, to its node: `Some(accepted)`.
    fn command(&mut self, io: &mut Io<'_>) -> Result<Option<bool>, &'static str>;
    /// Takes the next received frame, if any, decodes it and hands the message to its node:
    /// `Some(whether the node accepted it)`.
    fn deliver(&mut self, io: &mut Io<'_>) -> Result<Option<bool>, &'static str>;
    /// The earliest armed timer's deadline.
    fn next_timer(&self) -> Option<Instant>;
    /// Fires the earliest armed timer.
    fn fire(&mut self, io: &mut Io<'_>) -> Result<(), &'static str>;
    /// Whether the application reached its goal.
    fn done(&self) -> bool;
    /// When the application next wants to act even if nothing else happens.
    fn wake(&self) -> Option<Instant>;
}

/// The effects sink of one handler call: nothing is buffered. Frames go out at once, timers go
/// to the table, events go straight to the application, and a draw is answered after the
/// handler returns.
struct Host<'a, 'b, M: Machine, W> {
    io: &'a mut Io<'b>,
    timers: &'a mut Timers,
    work: &'a mut W,
    node: u8,
    draw: Option<u32>,
    error: Option<&'static str>,
    machine: PhantomData<fn(M)>,
}

impl<M, W> Effects<M> for Host<'_, '_, M, W>
where
    M: Machine,
    M::Msg: Message,
    M::Timer: TimerCode,
    W: Workload<M>,
{
    /// Out of line: inlined at each of the handlers' send sites it cost 424 B of flash.
    #[inline(never)]
    fn send(&mut self, to: NodeId, msg: M::Msg) {
        let mut fill = |buf: &mut [u8]| wire::encode(&msg, buf).ok().map(|b| b.len());
        if !self.io.link.send(self.node, to.0, &mut fill) {
            self.error = Some("a message did not fit a frame");
        }
    }

    fn set_timer(&mut self, timer: M::Timer, at: Instant) {
        if !self.timers.set(self.node, timer.code(), at) {
            self.error = Some("the timer table is full");
        }
    }

    fn cancel_timer(&mut self, timer: M::Timer) {
        self.timers.cancel(self.node, timer.code());
    }

    fn emit(&mut self, event: M::Event) {
        self.work.event(self.io.now, self.node as usize, &event);
    }

    fn random(&mut self, bound: u32) {
        self.draw = Some(bound);
    }
}

/// A group of nodes with its timer table and the generator that answers its draws: kept in a
/// `static` by each scenario (`cortex_m::singleton!`), so that the main loop's stack frame holds
/// only small locals.
pub struct Group<M: Machine, const N: usize> {
    /// The nodes; node i is `NodeId(i)`.
    pub nodes: heapless::Vec<M, N>,
    timers: Timers,
    rng: SplitMix64,
    run: Run,
}

impl<M: Machine, const N: usize> Group<M, N> {
    /// An empty group whose draws come from a generator seeded with `seed`.
    pub const fn new(seed: u64) -> Self {
        Group {
            nodes: heapless::Vec::new(),
            timers: Timers::new(),
            rng: SplitMix64::new(seed),
            run: Run { ticks: 0, messages: 0, rejected: 0, lost: 0, timers: 0 },
        }
    }

    /// Adds the next node.
    pub fn push(&mut self, node: M) -> Result<(), &'static str> {
        self.nodes.push(node).map_err(|_| "more nodes than the group holds")
    }
}

/// One protocol's nodes, timer table and application, borrowed for a run.
struct Bound<'a, M: Machine, W> {
    nodes: &'a mut [M],
    timers: &'a mut Timers,
    work: &'a mut W,
}

impl<M, W> Bound<'_, M, W>
where
    M: Machine,
    M::Msg: Message,
    M::Timer: TimerCode,
    W: Workload<M>,
{
    /// Calls `f` on node `i`, then answers the draws it asks for, one after another.
    fn call<R>(
        &mut self,
        io: &mut Io<'_>,
        i: usize,
        f: impl FnOnce(&mut M, Instant, &mut Host<'_, '_, M, W>) -> R,
    ) -> Result<R, &'static str> {
        let (r, draw) = self.once(io, i, f)?;
        if let Some(bound) = draw {
            self.answer(io, i, bound)?;
        }
        Ok(r)
    }

    /// Answers node `i`'s draw below or equal to `bound`, and each further draw it asks for.
    /// Out of line and not generic over the first handler, so one copy per protocol.
    #[inline(never)]
    fn answer(&mut self, io: &mut Io<'_>, i: usize, bound: u32) -> Result<(), &'static str> {
        let mut draw = Some(bound);
        while let Some(bound) = draw {
            let value = io.rng.below_or_eq(bound as u64) as u32;
            draw = self.once(io, i, |n, now, h| n.on_random(now, value, h))?.1;
        }
        Ok(())
    }

    /// Calls `f` on node `i` with a fresh sink, then lets the application act on the nodes.
    /// Returns what `f` returned and the draw it asked for.
    fn once<R>(
        &mut self,
        io: &mut Io<'_>,
        i: usize,
        f: impl FnOnce(&mut M, Instant, &mut Host<'_, '_, M, W>) -> R,
    ) -> Result<(R, Option<u32>), &'static str> {
        let Some(node) = self.nodes.get_mut(i) else { return Err("no such node") };
        let now = io.now;
        let mut host = Host {
            io,
            timers: self.timers,
            work: self.work,
            node: i as u8,
            draw: None,
            error: None,
            machine: PhantomData,
        };
        let r = f(node, now, &mut host);
        let (draw, error) = (host.draw, host.error);
        if let Some(e) = error {
            return Err(e);
        }
        self.work.after(i, self.nodes);
        Ok((r, draw))
    }
}

impl<M, W> Nodes for Bound<'_, M, W>
where
    M: Machine,
    M::Msg: Message,
    M::Timer: TimerCode,
    W: Workload<M>,
{
    fn count(&self) -> usize {
        self.nodes.len()
    }

    fn start(&mut self, io: &mut Io<'_>, i: usize) -> Result<(), &'static str> {
        self.call(io, i, |n, now, h| n.on_start(now, h))
    }

    fn command(&mut self, io: &mut Io<'_>) -> Result<Option<bool>, &'static str> {
        let Some((i, cmd)) = self.work.next(io.now, self.nodes) else { return Ok(None) };
        let accepted = self.call(io, i, |n, now, h| n.on_command(now, cmd, h).is_ok())?;
        self.work.result(accepted);
        Ok(Some(accepted))
    }

    fn deliver(&mut self, io: &mut Io<'_>) -> Result<Option<bool>, &'static str> {
        let Some(frame) = io.link.rx.dequeue() else { return Ok(None) };
        let msg = decode::<M::Msg>(&frame)?;
        let (from, to) = (NodeId(frame.from), frame.to as usize);
        let ok = self.call(io, to, |n, now, h| n.on_message(now, from, msg, h).is_ok())?;
        Ok(Some(ok))
    }

    fn next_timer(&self) -> Option<Instant> {
        self.timers.next()
    }

    fn fire(&mut self, io: &mut Io<'_>) -> Result<(), &'static str> {
        let Some((i, code)) = self.timers.take_earliest() else { return Ok(()) };
        let timer = M::Timer::from_code(code).ok_or("a timer's byte stands for no timer")?;
        self.call(io, i as usize, |n, now, h| n.on_timer(now, timer, h))
    }

    fn done(&self) -> bool {
        self.work.done(self.nodes)
    }

    fn wake(&self) -> Option<Instant> {
        self.work.wake()
    }
}

/// Decodes a frame's message. (Inlined: kept out of line it cost 136 B of flash and saved 8 B
/// of stack, which is within budget either way.)
fn decode<T: Message>(frame: &Frame) -> Result<T, &'static str> {
    let bytes = frame.bytes.get(..frame.len as usize).ok_or("a bad frame length")?;
    wire::decode::<T>(bytes).map_err(|_| "a frame did not decode")
}

/// Runs `group` with `work` until it is done, or fails with the reason.
pub fn run<M, W, const N: usize>(
    link: &mut Link,
    group: &mut Group<M, N>,
    work: &mut W,
    limit: Instant,
) -> Result<Run, &'static str>
where
    M: Machine,
    M::Msg: Message,
    M::Timer: TimerCode,
    W: Workload<M>,
{
    let Group { nodes, timers, rng, run } = group;
    let mut bound = Bound { nodes: &mut nodes[..], timers, work };
    let mut io = Io { link, rng, now: Instant(0), run };
    drive(&mut io, &mut bound, limit)?;
    Ok(*io.run)
}

/// The main loop, for any protocol: commands, then frames, then (when idle) the clock jumps to
/// the earliest timer or wake-up.
#[inline(never)]
fn drive(io: &mut Io<'_>, nodes: &mut dyn Nodes, limit: Instant) -> Result<(), &'static str> {
    for i in 0..nodes.count() {
        nodes.start(io, i)?;
    }
    loop {
        while let Some(accepted) = nodes.command(io)? {
            if !accepted {
                break;
            }
        }
        kick_link();
        let mut moved = false;
        while let Some(ok) = nodes.deliver(io)? {
            moved = true;
            io.run.messages += 1;
            io.run.rejected += !ok as u32;
        }
        if nodes.done() {
            io.run.ticks = io.now.ticks();
            io.run.lost = io.link.stats().lost;
            return Ok(());
        }
        if moved {
            continue;
        }
        // Idle: jump to the earliest timer, or to the application's wake-up if that is sooner.
        let next = nodes.next_timer();
        let wake = nodes.wake().filter(|&w| w > io.now);
        let at = match (next, wake) {
            (None, None) => return Err("stalled: nothing in flight, no timer armed"),
            (Some(t), Some(w)) => t.min(w),
            (Some(t), None) => t,
            (None, Some(w)) => w,
        };
        io.now = io.now.max(at);
        if io.now > limit {
            return Err("the time limit passed before the goal");
        }
        if next.is_some_and(|t| t <= io.now) {
            io.run.timers += 1;
            nodes.fire(io)?;
        }
    }
}

/// A small non-cryptographic fold for comparing logs: FNV-1a over 32-bit words.
pub fn fold(hash: u32, word: u32) -> u32 {
    let mut h = hash;
    for b in word.to_le_bytes() {
        h = (h ^ b as u32).wrapping_mul(0x0100_0193);
    }
    h
}

/// FNV-1a's starting value.
pub const FOLD_START: u32 = 0x811c_9dc5;

/// Ticks, for scenarios.
pub const fn ticks(n: u64) -> Duration {
    Duration(n)
}
