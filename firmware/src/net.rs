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
    timers: &'a mut heapless::Vec<(u8, M::Timer, Instant), TIMERS>,
    work: &'a mut W,
    node: u8,
    draw: Option<u32>,
    error: Option<&'static str>,
}

impl<M, W> Effects<M> for Host<'_, '_, M, W>
where
    M: Machine,
    M::Msg: Message,
    M::Timer: Copy + PartialEq,
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
        let node = self.node;
        match self.timers.iter_mut().find(|t| t.0 == node && t.1 == timer) {
            Some(t) => t.2 = at,
            None => {
                if self.timers.push((node, timer, at)).is_err() {
                    self.error = Some("the timer table is full");
                }
            }
        }
    }

    fn cancel_timer(&mut self, timer: M::Timer) {
        let node = self.node;
        if let Some(k) = self.timers.iter().position(|t| t.0 == node && t.1 == timer) {
            self.timers.swap_remove(k);
        }
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
    timers: heapless::Vec<(u8, M::Timer, Instant), TIMERS>,
    rng: SplitMix64,
    run: Run,
}

impl<M: Machine, const N: usize> Group<M, N> {
    /// An empty group whose draws come from a generator seeded with `seed`.
    pub const fn new(seed: u64) -> Self {
        Group {
            nodes: heapless::Vec::new(),
            timers: heapless::Vec::new(),
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
    timers: &'a mut heapless::Vec<(u8, M::Timer, Instant), TIMERS>,
    work: &'a mut W,
}

impl<M, W> Bound<'_, M, W>
where
    M: Machine,
    M::Msg: Message,
    M::Timer: Copy + PartialEq,
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
        };
        let r = f(node, now, &mut host);
        let (draw, error) = (host.draw, host.error);
        if let Some(e) = error {
            return Err(e);
        }
        self.work.after(i, self.nodes);
        Ok((r, draw))
    }

    /// The index of the earliest armed timer.
    fn earliest(&self) -> Option<usize> {
        (0..self.timers.len()).min_by_key(|&k| self.timers[k].2)
    }
}

impl<M, W> Nodes for Bound<'_, M, W>
where
    M: Machine,
    M::Msg: Message,
    M::Timer: Copy + PartialEq,
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
        // `get` rather than indexing: no bounds check's panic compiled in.
        self.earliest().and_then(|k| self.timers.get(k)).map(|t| t.2)
    }

    fn fire(&mut self, io: &mut Io<'_>) -> Result<(), &'static str> {
        let Some(k) = self.earliest() else { return Ok(()) };
        // `earliest` names an armed timer; checked here all the same, so that `swap_remove`'s
        // panic is not compiled in.
        if k >= self.timers.len() {
            return Ok(());
        }
        let (i, timer, _) = self.timers.swap_remove(k);
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
    M::Timer: Copy + PartialEq,
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
