//! A line of processing stages fed by a source with a concurrency cap (MODELS.md §3).
//!
//! The [`Source`] keeps at most `cap` jobs outstanding (a closed loop: a new job is accepted
//! only when one completes) and sends each job to stage 1. A [`Stage`] has `workers` workers;
//! a job occupies one worker for its work at that stage (carried in the job, in ticks, so the
//! host decides the service-time distribution and the core needs no floating point), then moves
//! to the next stage, or back to the source as done. Jobs that find every worker busy wait in a
//! bounded FIFO queue; a stage refuses a job it has no room for, and the source's cap must not
//! exceed the queue capacity (checked when the line is built), so no job is ever dropped.
//!
//! The source remembers which jobs are outstanding, so a completion it was not waiting for (a
//! duplicate, or a stranger's) is rejected and changes nothing. The line has no retransmission
//! and stages keep no record of the jobs they passed on: it assumes links that neither lose nor
//! duplicate jobs (a bus inside one board, or a reliable transport), and the checker explores it
//! on such networks (`inflight check stage`).

use crate::machine::{Effects, Machine, NodeId};
use crate::time::{Duration, Instant};
use core::fmt;
use serde::{Deserialize, Serialize};

/// The most stages in a line.
pub const MAX_STAGES: usize = 4;

/// A job's work at each stage, in ticks.
pub type Work = [u32; MAX_STAGES];

/// Deliberately broken variants of the line, so that tests can prove the checker's properties
/// are able to fail. Nodes built by [`Node::line`] are correct.
///
/// Only [`Fault::None`] exists unless the `faults` feature is on: a node built without it can
/// neither name nor run a broken variant, and carries none of their code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Fault {
    /// The correct line.
    #[default]
    None,
    /// The source's cap check is off by one: it admits `cap + 1` jobs.
    #[cfg(any(test, feature = "faults"))]
    CapOffByOne,
    /// When a worker finishes, the stage takes the next waiting job off its queue but never
    /// starts it: the job is lost.
    #[cfg(any(test, feature = "faults"))]
    DropQueuedJob,
}

/// Messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Msg {
    /// A job moving down the line.
    Job {
        /// The source's job number.
        id: u32,
        /// Its work at each stage.
        work: Work,
    },
    /// The last stage → the source: job `id` is finished.
    Done {
        /// The job.
        id: u32,
    },
}

/// The source's commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cmd {
    /// Start a job with this work.
    Submit(Work),
}

/// Why a command was refused; each hands the command back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CmdError {
    /// `cap` jobs are outstanding.
    AtCap(Cmd),
    /// Only the source takes jobs.
    NotTheSource(Cmd),
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::AtCap(_) => f.write_str("refused: the concurrency cap is reached"),
            CmdError::NotTheSource(_) => f.write_str("refused: only the source takes jobs"),
        }
    }
}

impl core::error::Error for CmdError {}

/// Why a message was rejected (the node is unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MsgError {
    /// The stage's queue is full.
    QueueFull,
    /// A message this role does not take (a job sent to the source, a completion to a stage).
    Unexpected,
    /// A completion for a job that is not outstanding: a duplicate, or a stranger's.
    UnknownJob,
}

impl fmt::Display for MsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MsgError::QueueFull => "the stage's queue is full",
            MsgError::Unexpected => "a message this role does not take",
            MsgError::UnknownJob => "a completion for a job that is not outstanding",
        })
    }
}

impl core::error::Error for MsgError {}

/// Events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event {
    /// The source: job `id` went all the way through.
    Completed {
        /// The job.
        id: u32,
    },
}

/// Timers: worker `i` of a stage finishes its job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WorkerDone(pub u8);

/// Why a line cannot be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConfigError {
    /// No stages, or more than [`MAX_STAGES`].
    Stages,
    /// A stage with no workers or more than its capacity `W`.
    Workers,
    /// A cap of 0, or above the stages' queue capacity `Q`.
    Cap,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigError::Stages => "a line has 1 to 4 stages",
            ConfigError::Workers => "each stage needs 1 to W workers",
            ConfigError::Cap => "the cap must be at least 1 and at most the queue capacity",
        })
    }
}

impl core::error::Error for ConfigError {}

/// The source with a concurrency cap. It holds the numbers of its outstanding jobs (at most
/// `Q`, the stages' queue capacity, which bounds the cap), oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Source<const Q: usize> {
    cap: u32,
    held: heapless::Vec<u32, Q>,
    next_id: u32,
    fault: Fault,
}

impl<const Q: usize> Source<Q> {
    /// Jobs outstanding.
    pub fn outstanding(&self) -> u32 {
        self.held.len() as u32
    }

    /// The numbers of the outstanding jobs, oldest first.
    pub fn outstanding_jobs(&self) -> &[u32] {
        &self.held
    }

    /// The number of the last job accepted (jobs are numbered 1, 2, … as they are accepted,
    /// wrapping after `u32::MAX`).
    pub fn last_job(&self) -> u32 {
        self.next_id
    }

    /// The cap: jobs outstanding at once.
    pub fn cap(&self) -> u32 {
        self.cap
    }
}

/// A stage with up to `W` workers and a queue of `Q` jobs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Stage<const W: usize, const Q: usize> {
    index: u8,
    workers: u8,
    last: bool,
    fault: Fault,
    busy: [Option<(u32, Work)>; W],
    /// Waiting jobs, oldest first.
    queue: heapless::Vec<(u32, Work), Q>,
}

impl<const W: usize, const Q: usize> fmt::Debug for Stage<W, Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `stage1: workers [3, _], queue [4]`: the job each worker holds, then the waiting ones.
        write!(f, "stage{}: workers [", self.index + 1)?;
        for (i, w) in self.busy[..(self.workers as usize).min(W)].iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            match w {
                Some((id, _)) => write!(f, "{sep}{id}")?,
                None => write!(f, "{sep}_")?,
            }
        }
        f.write_str("], queue [")?;
        for (i, (id, _)) in self.queue.iter().enumerate() {
            write!(f, "{}{id}", if i == 0 { "" } else { ", " })?;
        }
        f.write_str("]")
    }
}

impl<const W: usize, const Q: usize> Stage<W, Q> {
    /// Workers busy now.
    pub fn busy(&self) -> usize {
        self.busy.iter().flatten().count()
    }

    /// The numbers of the jobs this stage holds: those its workers are on, then the waiting ones
    /// oldest first.
    pub fn jobs(&self) -> impl Iterator<Item = u32> + '_ {
        self.busy.iter().flatten().chain(self.queue.iter()).map(|&(id, _)| id)
    }

    /// Jobs waiting.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Starts `job` on worker `w` of stage `index`, whose slot is `slot`. (The slot rather than
    /// its index, so that no bounds check, and no panic, is compiled in.)
    fn start(
        index: u8,
        slot: &mut Option<(u32, Work)>,
        w: usize,
        job: (u32, Work),
        now: Instant,
        out: &mut impl Effects<Node<W, Q>>,
    ) {
        // A stage's index is below `MAX_STAGES`: `Node::line` builds no more stages.
        let ticks = job.1.get(index as usize).copied().unwrap_or(0) as u64;
        *slot = Some(job);
        out.set_timer(WorkerDone(w as u8), now + Duration(ticks));
    }
}

/// Any node of a line: the source is node 0, stage i is node i.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Node<const W: usize, const Q: usize> {
    /// The source.
    Source(Source<Q>),
    /// A stage.
    Stage(Stage<W, Q>),
}

impl<const W: usize, const Q: usize> fmt::Debug for Node<W, Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Source(s) => {
                write!(f, "source: {}/{} outstanding [", s.held.len(), s.cap)?;
                for (i, id) in s.held.iter().enumerate() {
                    write!(f, "{}{id}", if i == 0 { "" } else { ", " })?;
                }
                f.write_str("]")
            }
            Node::Stage(s) => s.fmt(f),
        }
    }
}

impl<const W: usize, const Q: usize> Node<W, Q> {
    /// The nodes of a line with `workers[i]` workers at stage i and a cap of `cap` jobs.
    pub fn line(
        workers: &[u8],
        cap: u32,
    ) -> Result<heapless::Vec<Self, { MAX_STAGES + 1 }>, ConfigError> {
        Self::line_with_fault(workers, cap, Fault::None)
    }

    /// The nodes of a line as [`Node::line`] builds them, but with a deliberately broken
    /// variant: for tests that must see the checker catch it.
    pub fn line_with_fault(
        workers: &[u8],
        cap: u32,
        fault: Fault,
    ) -> Result<heapless::Vec<Self, { MAX_STAGES + 1 }>, ConfigError> {
        Self::validate(workers, cap)?;
        let mut v = heapless::Vec::new();
        let _ = v.push(Node::source(cap, fault));
        for (i, &w) in workers.iter().enumerate() {
            let _ = v.push(Node::stage(i as u8, w, i + 1 == workers.len(), fault));
        }
        Ok(v)
    }

    /// Node `i` of the line [`Node::line`] builds, on its own (a node with little stack builds
    /// its one node without the others). `None` past the last stage; the arguments are checked
    /// as [`Node::line`] checks them.
    pub fn nth(workers: &[u8], cap: u32, i: usize) -> Result<Option<Self>, ConfigError> {
        Self::validate(workers, cap)?;
        Ok(match i {
            0 => Some(Node::source(cap, Fault::None)),
            _ => workers
                .get(i - 1)
                .map(|&w| Node::stage(i as u8 - 1, w, i == workers.len(), Fault::None)),
        })
    }

    fn validate(workers: &[u8], cap: u32) -> Result<(), ConfigError> {
        if workers.is_empty() || workers.len() > MAX_STAGES {
            return Err(ConfigError::Stages);
        }
        if workers.iter().any(|&w| w == 0 || w as usize > W) {
            return Err(ConfigError::Workers);
        }
        if cap == 0 || cap as usize > Q {
            return Err(ConfigError::Cap);
        }
        Ok(())
    }

    fn source(cap: u32, fault: Fault) -> Self {
        Node::Source(Source { cap, held: heapless::Vec::new(), next_id: 0, fault })
    }

    fn stage(index: u8, workers: u8, last: bool, fault: Fault) -> Self {
        let queue = heapless::Vec::new();
        Node::Stage(Stage { index, workers, last, fault, busy: [None; W], queue })
    }

    /// The stage, if this node is one.
    pub fn as_stage(&self) -> Option<&Stage<W, Q>> {
        match self {
            Node::Stage(s) => Some(s),
            Node::Source(_) => None,
        }
    }

    /// The source, if this node is it.
    pub fn as_source(&self) -> Option<&Source<Q>> {
        match self {
            Node::Source(s) => Some(s),
            Node::Stage(_) => None,
        }
    }
}

impl<const W: usize, const Q: usize> Machine for Node<W, Q> {
    type Msg = Msg;
    type Cmd = Cmd;
    type Timer = WorkerDone;
    type Event = Event;
    type CmdError = CmdError;
    type MsgError = MsgError;
    /// A line keeps no durable state: a crashed stage loses its jobs (not modelled here).
    type Durable = Node<W, Q>;

    fn on_start(&mut self, _now: Instant, _out: &mut impl Effects<Self>) {}

    fn on_command(
        &mut self,
        _now: Instant,
        cmd: Cmd,
        out: &mut impl Effects<Self>,
    ) -> Result<(), CmdError> {
        let Node::Source(s) = self else { return Err(CmdError::NotTheSource(cmd)) };
        let cap = s.cap + injected!(s.fault, CapOffByOne) as u32;
        let id = s.next_id.wrapping_add(1);
        // The cap is at most `Q`, so a full list means the cap is reached.
        if s.held.len() as u32 >= cap || s.held.push(id).is_err() {
            return Err(CmdError::AtCap(cmd));
        }
        s.next_id = id;
        let Cmd::Submit(work) = cmd;
        out.send(NodeId(1), Msg::Job { id, work });
        Ok(())
    }

    fn on_message(
        &mut self,
        now: Instant,
        _from: NodeId,
        msg: Msg,
        out: &mut impl Effects<Self>,
    ) -> Result<(), MsgError> {
        match (self, msg) {
            (Node::Source(s), Msg::Done { id }) => {
                let k = s.held.iter().position(|&h| h == id).ok_or(MsgError::UnknownJob)?;
                // `remove`, not `swap_remove`: the list stays oldest first, one order per set.
                s.held.remove(k);
                out.emit(Event::Completed { id });
                Ok(())
            }
            (Node::Stage(st), Msg::Job { id, work }) => {
                let limit = (st.workers as usize).min(W);
                match st.busy[..limit].iter_mut().enumerate().find(|(_, b)| b.is_none()) {
                    Some((w, slot)) => Stage::start(st.index, slot, w, (id, work), now, out),
                    None => st.queue.push((id, work)).map_err(|_| MsgError::QueueFull)?,
                }
                Ok(())
            }
            _ => Err(MsgError::Unexpected),
        }
    }

    fn on_timer(&mut self, now: Instant, timer: WorkerDone, out: &mut impl Effects<Self>) {
        let Node::Stage(st) = self else { return };
        let w = timer.0 as usize;
        let Some(slot) = st.busy.get_mut(w) else { return };
        let Some((id, work)) = slot.take() else { return };
        if st.last {
            out.send(NodeId(0), Msg::Done { id });
        } else {
            out.send(NodeId(st.index + 2), Msg::Job { id, work });
        }
        if !st.queue.is_empty() {
            let next = st.queue.remove(0);
            if !injected!(st.fault, DropQueuedJob) {
                Stage::start(st.index, slot, w, next, now, out);
            }
        }
    }

    fn durable(&self) -> Self {
        self.clone()
    }

    fn recover(durable: Self, _now: Instant, _out: &mut impl Effects<Self>) -> Self {
        durable
    }
}

/// Job numbers, shifted down together so that the timed checker's states repeat (a line that
/// runs forever numbers its jobs without end). The source needs the numbers from its oldest
/// outstanding job on, or only its counter when none is out; a stage needs the jobs it holds, or
/// nothing.
impl<const W: usize, const Q: usize> crate::rebase::Rebase for Node<W, Q> {
    fn low_water(&self) -> crate::Seq {
        match self {
            Node::Source(s) => s.held.iter().min().map_or(s.next_id, |&id| id.saturating_sub(1)),
            Node::Stage(st) => st.jobs().min().map_or(crate::Seq::MAX, |id| id.saturating_sub(1)),
        }
    }

    fn rebase(&mut self, by: crate::Seq) {
        let shift = |id: &mut u32| *id -= by.min(*id);
        match self {
            Node::Source(s) => {
                shift(&mut s.next_id);
                s.held.iter_mut().for_each(shift);
            }
            Node::Stage(st) => {
                st.busy.iter_mut().flatten().for_each(|(id, _)| shift(id));
                st.queue.iter_mut().for_each(|(id, _)| shift(id));
            }
        }
    }
}

impl crate::rebase::Rebase for Msg {
    fn low_water(&self) -> crate::Seq {
        match *self {
            Msg::Job { id, .. } | Msg::Done { id } => id.saturating_sub(1),
        }
    }

    fn rebase(&mut self, by: crate::Seq) {
        match self {
            Msg::Job { id, .. } | Msg::Done { id } => *id -= by.min(*id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::{Effect, EffectBuf};

    type N = Node<2, 2>;
    type Out = EffectBuf<Msg, WorkerDone, Event, 8>;

    #[test]
    fn the_cap_refuses_and_hands_the_job_back() {
        let mut line = N::line(&[1], 1).expect("valid");
        let mut out = Out::new();
        let job = Cmd::Submit([5, 0, 0, 0]);
        line[0].on_command(Instant(0), job, &mut out).expect("room");
        let before = line[0].clone();
        assert_eq!(line[0].on_command(Instant(0), job, &mut out), Err(CmdError::AtCap(job)));
        assert!(line[0] == before);
        assert_eq!(line[1].on_command(Instant(0), job, &mut out), Err(CmdError::NotTheSource(job)));
    }

    #[test]
    fn a_full_queue_refuses_and_changes_nothing_and_workers_take_jobs_in_order() {
        let mut line = N::line(&[1], 2).expect("valid");
        let st = &mut line[1];
        let mut out = Out::new();
        for id in 1..=3 {
            st.on_message(Instant(0), NodeId(0), Msg::Job { id, work: [4, 0, 0, 0] }, &mut out)
                .expect("a worker or the queue");
        }
        let before = st.clone();
        let extra = Msg::Job { id: 9, work: [1, 0, 0, 0] };
        assert_eq!(st.on_message(Instant(0), NodeId(0), extra, &mut out), Err(MsgError::QueueFull));
        assert!(*st == before);
        let mut out = Out::new();
        st.on_timer(Instant(4), WorkerDone(0), &mut out);
        assert_eq!(
            out.as_slice(),
            &[
                Effect::Send { to: NodeId(0), msg: Msg::Done { id: 1 } },
                Effect::SetTimer { timer: WorkerDone(0), at: Instant(8) },
            ]
        );
        assert_eq!(st.as_stage().expect("a stage").queued(), 1);
    }

    #[test]
    fn rebasing_shifts_every_job_number_and_keeps_the_line_equivalent() {
        use crate::rebase::Rebase;
        let mut line = N::line(&[1], 2).expect("valid");
        let mut out = Out::new();
        for _ in 0..2 {
            line[0].on_command(Instant(0), Cmd::Submit([3, 0, 0, 0]), &mut out).expect("room");
        }
        for id in 1..=2 {
            let job = Msg::Job { id, work: [3, 0, 0, 0] };
            line[1].on_message(Instant(0), NodeId(0), job, &mut out).expect("taken");
        }
        // Job 1 is done; job 2 is at the stage; the source waits for it.
        line[1].on_timer(Instant(3), WorkerDone(0), &mut out);
        line[0].on_message(Instant(5), NodeId(1), Msg::Done { id: 1 }, &mut out).expect("out");
        let low = line.iter().map(Rebase::low_water).min().expect("nodes");
        assert_eq!(low, 1, "job 2 is the oldest anything holds");
        for n in line.iter_mut() {
            n.rebase(low);
        }
        assert_eq!(line[0].as_source().expect("source").outstanding_jobs(), &[1]);
        assert_eq!(line[0].as_source().expect("source").last_job(), 1);
        let held: std::vec::Vec<u32> = line[1].as_stage().expect("stage").jobs().collect();
        assert_eq!(held, [1]);
        let mut msg = Msg::Done { id: 2 };
        assert_eq!(msg.low_water(), 1);
        msg.rebase(1);
        assert_eq!(msg, Msg::Done { id: 1 });
        // An idle stage asks for nothing, and a job numbered 0 from a peer does not underflow.
        assert_eq!(N::line(&[1], 1).expect("valid")[1].low_water(), crate::Seq::MAX);
        assert_eq!(Msg::Job { id: 0, work: [0; 4] }.low_water(), 0);
    }

    #[test]
    fn nth_builds_the_same_nodes_as_line() {
        let line = N::line(&[1, 2], 2).expect("valid");
        for (i, node) in line.iter().enumerate() {
            assert!(N::nth(&[1, 2], 2, i).expect("valid").as_ref() == Some(node));
        }
        assert!(N::nth(&[1, 2], 2, 3).expect("valid").is_none());
        assert_eq!(N::nth(&[3], 1, 0).map(|_| ()), Err(ConfigError::Workers));
    }

    #[test]
    fn bad_lines_and_stray_completions_are_errors() {
        assert_eq!(N::line(&[], 1).map(|_| ()), Err(ConfigError::Stages));
        assert_eq!(N::line(&[3], 1).map(|_| ()), Err(ConfigError::Workers));
        assert_eq!(N::line(&[1], 3).map(|_| ()), Err(ConfigError::Cap));
        let mut line = N::line(&[1], 1).expect("valid");
        let mut out = Out::new();
        assert_eq!(
            line[0].on_message(Instant(0), NodeId(1), Msg::Done { id: 1 }, &mut out),
            Err(MsgError::UnknownJob)
        );
        assert_eq!(
            line[1].on_message(Instant(0), NodeId(0), Msg::Done { id: 1 }, &mut out),
            Err(MsgError::Unexpected)
        );
        assert!(out.as_slice().is_empty());
    }

    #[test]
    fn a_duplicate_or_unknown_completion_is_rejected_and_changes_nothing() {
        let mut line = N::line(&[1], 2).expect("valid");
        let mut out = Out::new();
        for _ in 0..2 {
            line[0].on_command(Instant(0), Cmd::Submit([1, 0, 0, 0]), &mut out).expect("room");
        }
        let src = &mut line[0];
        src.on_message(Instant(1), NodeId(1), Msg::Done { id: 2 }, &mut out).expect("outstanding");
        assert_eq!(src.as_source().expect("the source").outstanding_jobs(), &[1]);
        let before = src.clone();
        let mut out = Out::new();
        for id in [2, 3, 0] {
            let done = Msg::Done { id };
            assert_eq!(
                src.on_message(Instant(2), NodeId(1), done, &mut out),
                Err(MsgError::UnknownJob)
            );
        }
        assert!(*src == before);
        assert!(out.as_slice().is_empty());
        // The cap still counts the one job left: one more is accepted, then the cap refuses.
        src.on_command(Instant(3), Cmd::Submit([1, 0, 0, 0]), &mut out).expect("room for one");
        let job = Cmd::Submit([1, 0, 0, 0]);
        assert_eq!(src.on_command(Instant(3), job, &mut out), Err(CmdError::AtCap(job)));
        assert_eq!(src.as_source().expect("the source").outstanding_jobs(), &[1, 3]);
    }

    #[test]
    fn the_broken_variants_do_what_they_say() {
        let job = Cmd::Submit([1, 0, 0, 0]);
        let mut out = Out::new();
        let mut line = N::line_with_fault(&[1], 1, Fault::CapOffByOne).expect("valid");
        for _ in 0..2 {
            line[0].on_command(Instant(0), job, &mut out).expect("the broken cap admits 2");
        }
        // Even off by one, a full list of outstanding jobs refuses rather than panics.
        let mut line = N::line_with_fault(&[1], 2, Fault::CapOffByOne).expect("valid");
        for _ in 0..2 {
            line[0].on_command(Instant(0), job, &mut out).expect("room");
        }
        assert_eq!(line[0].on_command(Instant(0), job, &mut out), Err(CmdError::AtCap(job)));
        let mut line = N::line_with_fault(&[1], 2, Fault::DropQueuedJob).expect("valid");
        let st = &mut line[1];
        for id in 1..=2 {
            let msg = Msg::Job { id, work: [1, 0, 0, 0] };
            st.on_message(Instant(0), NodeId(0), msg, &mut out).expect("accepted");
        }
        st.on_timer(Instant(1), WorkerDone(0), &mut out);
        let jobs: std::vec::Vec<u32> = st.as_stage().expect("a stage").jobs().collect();
        assert_eq!(jobs, [0u32; 0], "job 2 left the queue but no worker took it");
    }
}
