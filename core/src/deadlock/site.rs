//! A site: the lock manager of its resources, reporting its local wait-for edges.

use super::{
    newer, Config, Fault, Layout, Msg, MsgError, Node, Op, Outcome, Process, Renaming, Resource,
    Role, Round, Version, WaitFor,
};
use crate::machine::{Effects, NodeId};
use core::fmt;
use heapless::Vec;

/// One resource's lock: its holder and the processes waiting for it (one bit each).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lock {
    /// The resource.
    pub resource: Resource,
    /// Who holds it.
    pub holder: Option<Process>,
    /// Who waits for it.
    pub waiters: u32,
}

/// A site managing up to `R` resources for up to `P` processes.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Site<const P: usize, const R: usize> {
    index: u8,
    layout: Layout,
    locks: Vec<Lock, R, u8>,
    version: Version,
    /// For each process: the version at which its current wait edge appeared (or was
    /// re-pointed at a new holder).
    since: [Version; P],
    /// For each process: the last request number handled.
    last_seq: [u16; P],
    /// Waiters whose edges a confirmation round has pinned, one bit each.
    pinned: u32,
    /// The round that pinned them.
    pin_round: Round,
    /// The newest round the detector resolved (its late confirmations pin nothing).
    resolved: Round,
    /// Pinned waiters whose cancellation waits for the pin to go.
    deferred: u32,
    /// Whether confirmations pin edges (off only in the [`Fault::NoPin`] variant).
    pins: bool,
}

impl<const P: usize, const R: usize> fmt::Debug for Site<P, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "site{} v{}:", self.index, self.version)?;
        if self.pinned != 0 {
            write!(f, " pinned by r{} {:#b}", self.pin_round, self.pinned)?;
        }
        for l in &self.locks {
            write!(f, " r{}=", l.resource)?;
            match l.holder {
                Some(h) => write!(f, "p{h}")?,
                None => f.write_str("free")?,
            }
            if l.waiters != 0 {
                f.write_str("<-")?;
                let mut first = true;
                for p in 0..32 {
                    if l.waiters & (1 << p) != 0 {
                        write!(f, "{}p{p}", if first { "" } else { "," })?;
                        first = false;
                    }
                }
            }
        }
        Ok(())
    }
}

impl<const P: usize, const R: usize> Site<P, R> {
    /// Site `index` of the group `config`, with every one of its resources free. The layout must
    /// have been validated for capacity `R` (extra resources are not managed).
    pub fn new(index: u8, config: Config) -> Self {
        let layout = config.layout;
        let mut locks = Vec::new();
        for r in (0..layout.resources).filter(|&r| layout.site_of(r) == index) {
            let _ = locks.push(Lock { resource: r, holder: None, waiters: 0 });
        }
        Site {
            index,
            layout,
            locks,
            version: 0,
            since: [0; P],
            last_seq: [0; P],
            pinned: 0,
            pin_round: 0,
            resolved: 0,
            deferred: 0,
            pins: !injected!(config.fault, NoPin),
        }
    }

    /// The site's current version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The locks it manages.
    pub fn locks(&self) -> &[Lock] {
        &self.locks
    }

    /// Its local wait-for edges: each waiter waits for the holder.
    pub fn edges(&self) -> WaitFor<P> {
        let mut g = WaitFor::new();
        for l in &self.locks {
            if let Some(h) = l.holder {
                for w in 0..P as u8 {
                    if l.waiters & (1 << w) != 0 {
                        let _ = g.add(w, h);
                    }
                }
            }
        }
        g
    }

    fn lock_mut(&mut self, r: Resource) -> Option<&mut Lock> {
        self.locks.iter_mut().find(|l| l.resource == r)
    }

    /// Bumps the version after a change of the local edges and reports them all.
    fn report<const S: usize, const RR: usize>(&mut self, out: &mut impl Effects<Node<P, S, RR>>) {
        self.version = self.version.wrapping_add(1);
        out.send(
            self.layout.detector(),
            Msg::Report { version: self.version, edges: self.edges() },
        );
    }

    pub(super) fn on_message<const S: usize, const RR: usize>(
        &mut self,
        from: NodeId,
        msg: Msg<P>,
        out: &mut impl Effects<Node<P, S, RR>>,
    ) -> Result<(), MsgError> {
        match (self.layout.role(from), msg) {
            (Some(Role::Process(p)), Msg::Request { seq, op }) => self.request(p, seq, op, out),
            (Some(Role::Process(p)), Msg::Cancel { seq }) => self.cancel(p, seq, out),
            (Some(Role::Detector), Msg::Confirm { round, version, edges }) => {
                if !edges.within(self.layout.processes) {
                    return Err(MsgError::Malformed);
                }
                let ok = edges.edges().all(|(w, h)| self.held_since(w, h, version));
                out.send(from, Msg::Confirmation { round, ok });
                // The detector runs one round at a time: a newer round supersedes older pins.
                if newer(round, self.pin_round) && newer(round, self.resolved) {
                    self.pin_round = round;
                    let confirmed = edges.waiters();
                    self.pinned = if ok && self.pins { confirmed } else { 0 };
                    self.apply_deferred(out);
                }
                Ok(())
            }
            (Some(Role::Detector), Msg::Resolve { round }) => {
                if !newer(round, self.resolved) {
                    return Err(MsgError::Stale);
                }
                self.resolved = round;
                if round == self.pin_round {
                    self.pinned = 0;
                    self.apply_deferred(out);
                }
                Ok(())
            }
            _ => Err(MsgError::UnexpectedSender(from)),
        }
    }

    /// Whether `w → h` is a local edge that has held continuously since `version`.
    fn held_since(&self, w: Process, h: Process, version: Version) -> bool {
        let waits = self.locks.iter().any(|l| l.holder == Some(h) && l.waiters & (1u32 << w) != 0);
        waits && !newer(self.since[w as usize], version)
    }

    fn request<const S: usize, const RR: usize>(
        &mut self,
        p: Process,
        seq: u16,
        op: Op,
        out: &mut impl Effects<Node<P, S, RR>>,
    ) -> Result<(), MsgError> {
        let pi = p as usize;
        if pi >= P {
            return Err(MsgError::Malformed);
        }
        if !newer(seq, self.last_seq[pi]) {
            return Err(MsgError::Stale);
        }
        let (Op::Acquire(r) | Op::Release(r)) = op;
        let lock = *self.locks.iter().find(|l| l.resource == r).ok_or(MsgError::Malformed)?;
        let from = self.layout.process(p);
        match op {
            Op::Acquire(_) => match lock.holder {
                // A process does not ask for what it holds; a repeat is refused, unchanged.
                Some(h) if h == p => return Err(MsgError::Malformed),
                None => {
                    self.last_seq[pi] = seq;
                    if let Some(l) = self.lock_mut(r) {
                        l.holder = Some(p);
                    }
                    out.send(from, Msg::Reply { seq, outcome: Outcome::Granted });
                }
                Some(_) => {
                    self.last_seq[pi] = seq;
                    if let Some(l) = self.lock_mut(r) {
                        l.waiters |= 1 << p;
                    }
                    self.since[pi] = self.version.wrapping_add(1);
                    self.report(out);
                }
            },
            Op::Release(_) => {
                if lock.holder != Some(p) {
                    return Err(MsgError::NotHolder);
                }
                self.last_seq[pi] = seq;
                out.send(from, Msg::Reply { seq, outcome: Outcome::Released });
                let next = (lock.waiters != 0).then(|| lock.waiters.trailing_zeros() as Process);
                if let Some(l) = self.lock_mut(r) {
                    l.holder = next;
                    if let Some(w) = next {
                        l.waiters &= !(1 << w);
                    }
                }
                if let Some(w) = next {
                    // Every remaining waiter now waits for the new holder: new edges.
                    let v = self.version.wrapping_add(1);
                    for q in 0..P {
                        if lock.waiters & (1 << q) != 0 {
                            self.since[q] = v;
                        }
                    }
                    // A waiter is a process below `P` (`request` refuses the others); `get`
                    // rather than indexing keeps a bounds check's panic out of the handler.
                    if let Some(&seq) = self.last_seq.get(w as usize) {
                        let grant = Msg::Reply { seq, outcome: Outcome::Granted };
                        out.send(self.layout.process(w), grant);
                    }
                    self.report(out);
                }
            }
        }
        Ok(())
    }

    fn cancel<const S: usize, const RR: usize>(
        &mut self,
        p: Process,
        seq: u16,
        out: &mut impl Effects<Node<P, S, RR>>,
    ) -> Result<(), MsgError> {
        let pi = p as usize;
        if pi >= P {
            return Err(MsgError::Malformed);
        }
        // Only the request the process is waiting on can be cancelled; if it was granted
        // meanwhile, the grant stands and the cancellation is stale.
        if seq != self.last_seq[pi] {
            return Err(MsgError::Stale);
        }
        if !self.locks.iter().any(|l| l.waiters & (1u32 << p) != 0) {
            return Err(MsgError::Stale);
        }
        if self.pinned & (1 << p) != 0 {
            self.deferred |= 1 << p;
        } else {
            self.withdraw(p, out);
        }
        Ok(())
    }

    /// Takes waiter `p` out of its queue and tells it the wait is cancelled.
    fn withdraw<const S: usize, const RR: usize>(
        &mut self,
        p: Process,
        out: &mut impl Effects<Node<P, S, RR>>,
    ) {
        let Some(&seq) = self.last_seq.get(p as usize) else { return };
        let Some(lock) = self.locks.iter_mut().find(|l| l.waiters & (1u32 << p) != 0) else {
            return;
        };
        lock.waiters &= !(1 << p);
        out.send(self.layout.process(p), Msg::Reply { seq, outcome: Outcome::Cancelled });
        self.report(out);
    }

    /// Carries out the cancellations that waited for pins which are now gone.
    fn apply_deferred<const S: usize, const RR: usize>(
        &mut self,
        out: &mut impl Effects<Node<P, S, RR>>,
    ) {
        let ready = self.deferred & !self.pinned;
        self.deferred &= self.pinned;
        for p in 0..P.min(32) as u8 {
            if ready & (1 << p) != 0 {
                self.withdraw(p, out);
            }
        }
    }

    /// Waiters whose edges are pinned by a confirmation round, one bit each.
    pub fn pinned(&self) -> u32 {
        self.pinned
    }
}

impl<const P: usize, const R: usize> Site<P, R> {
    /// This node in the renamed group ([`Node::renamed`]).
    pub(super) fn renamed(&self, m: &Renaming) -> Option<Self> {
        if self.layout != m.layout() {
            return None;
        }
        let mut x = self.clone();
        x.index = m.site(self.index);
        for l in x.locks.iter_mut() {
            l.resource = m.resource(l.resource);
            l.holder = l.holder.map(|h| m.process(h));
            l.waiters = m.process_bits(l.waiters);
        }
        // A site lists its locks by resource.
        x.locks.sort_unstable_by_key(|l| l.resource);
        for p in 0..(m.layout().processes as usize).min(P) {
            let to = m.process(p as u8) as usize;
            if to < P {
                x.since[to] = self.since[p];
                x.last_seq[to] = self.last_seq[p];
            }
        }
        x.pinned = m.process_bits(self.pinned);
        x.deferred = m.process_bits(self.deferred);
        Some(x)
    }
}
