//! A process: locks and unlocks resources at their sites, one request at a time.

use super::{
    Cmd, CmdError, Event, Layout, Msg, MsgError, Node, Op, Outcome, Process, Renaming, Role, Timer,
};
use crate::machine::{Effects, NodeId};
use crate::time::Instant;
use core::fmt;

/// The request a process is waiting on.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Pending {
    seq: u16,
    op: Op,
    /// A give-up deadline is armed.
    patient: bool,
    /// A cancellation has been sent.
    cancelling: bool,
}

/// A process: holds resources (one bit each) and waits for at most one answer.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ProcessNode {
    id: Process,
    layout: Layout,
    seq: u16,
    held: u32,
    pending: Option<Pending>,
}

impl fmt::Debug for ProcessNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{} holds {{", self.id)?;
        let mut first = true;
        for r in 0..32 {
            if self.held & (1 << r) != 0 {
                write!(f, "{}r{r}", if first { "" } else { "," })?;
                first = false;
            }
        }
        f.write_str("}")?;
        match self.pending {
            Some(Pending { op: Op::Acquire(r), cancelling, .. }) => {
                write!(f, " waits for r{r}{}", if cancelling { " (cancelling)" } else { "" })
            }
            Some(Pending { op: Op::Release(r), .. }) => write!(f, " releasing r{r}"),
            None => Ok(()),
        }
    }
}

impl ProcessNode {
    /// Process `id` of `layout`, holding nothing.
    pub fn new(id: Process, layout: Layout) -> Self {
        ProcessNode { id, layout, seq: 0, held: 0, pending: None }
    }

    /// The resources held, one bit each.
    pub fn held(&self) -> u32 {
        self.held
    }

    /// Whether the process waits for an answer.
    pub fn is_waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether a give-up deadline is armed for an outstanding acquire.
    pub fn giving_up_armed(&self) -> bool {
        self.pending.is_some_and(|p| p.patient && !p.cancelling)
    }

    pub(super) fn on_command<const P: usize, const S: usize, const R: usize>(
        &mut self,
        now: Instant,
        cmd: Cmd,
        out: &mut impl Effects<Node<P, S, R>>,
    ) -> Result<(), CmdError> {
        if self.pending.is_some() {
            return Err(CmdError::Busy(cmd));
        }
        let (op, patience) = match cmd {
            Cmd::Acquire { resource, patience } => (Op::Acquire(resource), patience),
            Cmd::Release(resource) => (Op::Release(resource), None),
        };
        let (Op::Acquire(r) | Op::Release(r)) = op;
        if r >= self.layout.resources {
            return Err(CmdError::UnknownResource(cmd));
        }
        let holds = self.held & (1 << r) != 0;
        match op {
            Op::Acquire(_) if holds => return Err(CmdError::AlreadyHeld(cmd)),
            Op::Release(_) if !holds => return Err(CmdError::NotHeld(cmd)),
            _ => {}
        }
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        self.pending = Some(Pending { seq, op, patient: patience.is_some(), cancelling: false });
        if let Op::Release(_) = op {
            // The lock is the site's from now on; the process no longer counts it as its own.
            self.held &= !(1 << r);
        }
        out.send(self.layout.site(self.layout.site_of(r)), Msg::Request { seq, op });
        if let Some(p) = patience {
            out.set_timer(Timer::GiveUp, now + p);
        }
        Ok(())
    }

    pub(super) fn on_message<const P: usize, const S: usize, const R: usize>(
        &mut self,
        from: NodeId,
        msg: Msg<P>,
        out: &mut impl Effects<Node<P, S, R>>,
    ) -> Result<(), MsgError> {
        let Msg::Reply { seq, outcome } = msg else {
            return Err(MsgError::UnexpectedSender(from));
        };
        let Some(pending) = self.pending.filter(|p| p.seq == seq) else {
            return Err(MsgError::Stale);
        };
        let (Op::Acquire(r) | Op::Release(r)) = pending.op;
        if self.layout.role(from) != Some(Role::Site(self.layout.site_of(r))) {
            return Err(MsgError::UnexpectedSender(from));
        }
        let event = match (pending.op, outcome) {
            (Op::Acquire(r), Outcome::Granted) => {
                self.held |= 1 << r;
                Event::Acquired(r)
            }
            (Op::Acquire(r), Outcome::Cancelled) if pending.cancelling => Event::GaveUp(r),
            (Op::Release(r), Outcome::Released) => Event::Released(r),
            _ => return Err(MsgError::Malformed),
        };
        self.pending = None;
        if pending.patient {
            out.cancel_timer(Timer::GiveUp);
        }
        out.emit(event);
        Ok(())
    }

    pub(super) fn on_timer<const P: usize, const S: usize, const R: usize>(
        &mut self,
        timer: Timer,
        out: &mut impl Effects<Node<P, S, R>>,
    ) {
        let Timer::GiveUp = timer;
        if let Some(p) = self.pending.as_mut() {
            if let (Op::Acquire(r), false) = (p.op, p.cancelling) {
                p.cancelling = true;
                out.send(self.layout.site(self.layout.site_of(r)), Msg::Cancel { seq: p.seq });
            }
        }
    }
}

impl ProcessNode {
    /// This node in the renamed group ([`Node::renamed`]).
    pub(super) fn renamed(&self, m: &Renaming) -> Option<Self> {
        if self.layout != m.layout() {
            return None;
        }
        let mut x = self.clone();
        x.id = m.process(self.id);
        x.held = m.resource_bits(self.held);
        if let Some(p) = x.pending.as_mut() {
            p.op = m.op(p.op);
        }
        Some(x)
    }
}
