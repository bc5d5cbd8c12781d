//! The detector: merges the newest report of every site, looks for a cycle, and declares it,
//! at once (naive) or after the sites confirm it (confirming).

use super::{
    newer, Config, DetectorKind, Event, Fault, Layout, Msg, MsgError, Node, Renaming, Role,
    Version, WaitFor,
};
use crate::machine::{Effects, NodeId};
use core::fmt;

/// A confirmation round number.
pub type Round = u16;

/// The newest report the detector holds from one site.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SiteView<const P: usize> {
    /// The report's version (0: nothing received yet).
    pub version: Version,
    /// The site's local edges as of that version.
    pub edges: WaitFor<P>,
}

/// A confirmation round in progress.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Pending<const P: usize> {
    round: Round,
    cycle: WaitFor<P>,
    /// Sites asked, one bit each.
    asked: u32,
    /// Sites whose answer is awaited, one bit each.
    awaiting: u32,
    /// A report arrived during the round: look again when it ends.
    dirty: bool,
}

/// The deadlock detector of a group with up to `P` processes and `S` sites.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Detector<const P: usize, const S: usize> {
    layout: Layout,
    kind: DetectorKind,
    fault: Fault,
    views: [SiteView<P>; S],
    round: Round,
    pending: Option<Pending<P>>,
    declared: Option<WaitFor<P>>,
}

impl<const P: usize, const S: usize> fmt::Debug for Detector<P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} detector: views [", self.kind)?;
        for (j, v) in self.views.iter().take(self.layout.sites as usize).enumerate() {
            if j > 0 {
                f.write_str(", ")?;
            }
            write!(f, "site{j} v{} {}", v.version, v.edges)?;
        }
        f.write_str("]")?;
        if let Some(p) = &self.pending {
            write!(f, " confirming r{} {} (awaiting {:#b})", p.round, p.cycle, p.awaiting)?;
        }
        if let Some(c) = &self.declared {
            write!(f, " DECLARED {c}")?;
        }
        Ok(())
    }
}

impl<const P: usize, const S: usize> Detector<P, S> {
    /// A detector that has heard from no site.
    pub fn new(config: Config) -> Self {
        Detector {
            layout: config.layout,
            kind: config.detector,
            fault: config.fault,
            views: [SiteView::default(); S],
            round: 0,
            pending: None,
            declared: None,
        }
    }

    /// The newest report held from each site.
    pub fn views(&self) -> &[SiteView<P>] {
        &self.views[..(self.layout.sites as usize).min(S)]
    }

    /// The union of the newest reports: the detector's picture of the global wait-for graph.
    pub fn merged(&self) -> WaitFor<P> {
        self.views().iter().fold(WaitFor::new(), |g, v| g.union(&v.edges))
    }

    /// The cycle currently declared a deadlock, if any.
    pub fn declared(&self) -> Option<&WaitFor<P>> {
        self.declared.as_ref()
    }

    /// Whether a confirmation round is in progress.
    pub fn confirming(&self) -> bool {
        self.pending.is_some()
    }

    pub(super) fn on_message<const SS: usize, const R: usize>(
        &mut self,
        from: NodeId,
        msg: Msg<P>,
        out: &mut impl Effects<Node<P, SS, R>>,
    ) -> Result<(), MsgError> {
        let Some(Role::Site(j)) = self.layout.role(from) else {
            return Err(MsgError::UnexpectedSender(from));
        };
        let j = j as usize;
        if j >= S {
            return Err(MsgError::UnexpectedSender(from));
        }
        match msg {
            Msg::Report { version, edges } => {
                if !edges.within(self.layout.processes) {
                    return Err(MsgError::Malformed);
                }
                let held = self.views[j].version;
                if !newer(version, held) && !injected!(self.fault, AcceptStaleReports) {
                    return Err(MsgError::StaleReport { version, held });
                }
                self.views[j] = SiteView { version, edges };
                self.after_report(j, out);
                Ok(())
            }
            Msg::Confirmation { round, ok } => {
                let bit = 1u32 << j;
                let Some(p) =
                    self.pending.as_mut().filter(|p| p.round == round && p.awaiting & bit != 0)
                else {
                    return Err(MsgError::Stale);
                };
                if ok {
                    p.awaiting &= !bit;
                    if p.awaiting != 0 {
                        return Ok(());
                    }
                    let (cycle, asked) = (p.cycle, p.asked);
                    self.pending = None;
                    if self.merged().contains(&cycle) {
                        self.declare(cycle, out);
                    } else {
                        self.resolve(round, asked, out);
                        self.evaluate(None, out);
                    }
                } else {
                    // The site changed after the version asked about, so a newer report exists.
                    // Unpin the round; if the report already came, look again now, otherwise
                    // its arrival will.
                    let (dirty, asked) = (p.dirty, p.asked);
                    self.pending = None;
                    self.resolve(round, asked, out);
                    if dirty {
                        self.evaluate(None, out);
                    }
                }
                Ok(())
            }
            _ => Err(MsgError::UnexpectedSender(from)),
        }
    }

    fn after_report<const SS: usize, const R: usize>(
        &mut self,
        site: usize,
        out: &mut impl Effects<Node<P, SS, R>>,
    ) {
        self.recheck_declared(out);
        match self.pending.as_mut() {
            Some(p) => p.dirty = true,
            None => self.evaluate(Some(site), out),
        }
    }

    /// Withdraws the declared cycle if the reports no longer hold it. Out of line, like
    /// [`Self::candidate`], so that its locals are not in the frame that sends: a node's stack
    /// on a microcontroller is about 1 KB.
    #[inline(never)]
    fn recheck_declared<const SS: usize, const R: usize>(
        &mut self,
        out: &mut impl Effects<Node<P, SS, R>>,
    ) {
        if let Some(c) = self.declared {
            if !self.merged().contains(&c) && !injected!(self.fault, StickyDeclaration) {
                self.declared = None;
                out.emit(Event::Withdrawn(c));
            }
        }
    }

    /// A cycle of the merged reports, if there is one.
    #[inline(never)]
    fn candidate(&self) -> Option<WaitFor<P>> {
        self.merged().find_cycle()
    }

    /// Looks for a cycle in the merged reports and declares it or starts confirming it.
    fn evaluate<const SS: usize, const R: usize>(
        &mut self,
        trigger: Option<usize>,
        out: &mut impl Effects<Node<P, SS, R>>,
    ) {
        if self.declared.is_some() {
            return; // one deadlock at a time
        }
        let Some(cycle) = self.candidate() else {
            return;
        };
        if self.kind == DetectorKind::Naive {
            self.declare(cycle, out);
            return;
        }
        self.round = self.round.wrapping_add(1);
        let mut awaiting = 0u32;
        for (j, v) in self.views().iter().enumerate() {
            let part = v.edges.intersection(&cycle);
            if part.is_empty() {
                continue;
            }
            if injected!(self.fault, TrustTriggeringReport) && trigger == Some(j) {
                continue;
            }
            let confirm = Msg::Confirm { round: self.round, version: v.version, edges: part };
            out.send(self.layout.site(j as u8), confirm);
            awaiting |= 1 << j;
        }
        if awaiting == 0 {
            self.declare(cycle, out);
        } else {
            let round = self.round;
            self.pending = Some(Pending { round, cycle, asked: awaiting, awaiting, dirty: false });
        }
    }

    /// Tells the sites of a failed round to unpin its edges.
    fn resolve<const SS: usize, const R: usize>(
        &mut self,
        round: Round,
        asked: u32,
        out: &mut impl Effects<Node<P, SS, R>>,
    ) {
        for j in 0..self.layout.sites.min(32) {
            if asked & (1 << j) != 0 {
                out.send(self.layout.site(j), Msg::Resolve { round });
            }
        }
    }

    fn declare<const SS: usize, const R: usize>(
        &mut self,
        cycle: WaitFor<P>,
        out: &mut impl Effects<Node<P, SS, R>>,
    ) {
        self.declared = Some(cycle);
        out.emit(Event::Declared(cycle));
    }
}

impl<const P: usize, const S: usize> Detector<P, S> {
    /// This node in the renamed group ([`Node::renamed`]).
    pub(super) fn renamed(&self, m: &Renaming) -> Option<Self> {
        if self.layout != m.layout() {
            return None;
        }
        let mut x = self.clone();
        for j in 0..(m.layout().sites as usize).min(S) {
            let to = m.site(j as u8) as usize;
            if to < S {
                let v = self.views[j];
                x.views[to] = SiteView { version: v.version, edges: m.graph(&v.edges)? };
            }
        }
        if let Some(p) = x.pending.as_mut() {
            p.cycle = m.graph(&p.cycle)?;
            p.asked = m.site_bits(p.asked);
            p.awaiting = m.site_bits(p.awaiting);
        }
        x.declared = match self.declared {
            Some(c) => Some(m.graph(&c)?),
            None => None,
        };
        Some(x)
    }
}
