//! Distributed deadlock detection from delayed, versioned reports (MODELS.md §4).
//!
//! Processes lock resources that live at sites. Each site is the lock manager of its resources
//! and knows its local wait-for edges: `p → q` while p waits for a resource q holds. Whenever
//! its local edges change, a site bumps its version and sends the detector a [`Msg::Report`] of
//! all of them. Reports travel over the network, so they arrive late, in any order, perhaps
//! twice; the detector keeps the newest report per site (a stale or repeated version never
//! overwrites a newer one) and merges them into one bounded [`WaitFor`] graph.
//!
//! Two detectors:
//! - [`DetectorKind::Naive`] declares a deadlock as soon as its merged graph has a cycle. The
//!   reports it merged were taken at different times, so the cycle may never have existed all
//!   at once: a *phantom* deadlock (MODELS.md §4 gives its probability).
//! - [`DetectorKind::Confirming`] first asks every site that reported an edge of the candidate
//!   cycle whether that edge has held *continuously* since the report version the detector
//!   used ([`Msg::Confirm`]). Every edge then held over an interval that starts before the
//!   detector decided and ends after it, so all of them held at the decision instant: the cycle
//!   was real then, and a real deadlock never dissolves by itself (a waiting process cannot
//!   release). A site that confirms also *pins* those edges: a waiter that runs out of
//!   patience meanwhile has its cancellation deferred, so the cycle still holds at the moment
//!   it is declared, even with lock-wait timeouts. A refusal means the site has changed since,
//!   so a newer report is on its way; the detector unpins the round ([`Msg::Resolve`]) and
//!   tries again when the report arrives. Rounds are numbered, so a late answer to an old round
//!   is ignored.
//!
//! A declared cycle stays declared while the detector's merged view still contains it, and is
//! withdrawn ([`Event::Withdrawn`]) when newer reports break it. One deadlock is handled at a
//! time; resolving it (aborting a victim) is the application's business.
//!
//! Addressing ([`Layout`]): processes are `n0 ..`, then the sites, then the detector. Resource
//! `r` lives at site `r mod sites`. A process has at most one request outstanding, so its
//! requests cannot overtake each other on a reordering network.
//!
//! Capacities are const parameters: `P` processes (at most 32), `S` sites, `R` resources per
//! site. Exceeding one is a configuration error, never a panic.

mod detector;
pub mod graph;
mod process;
mod rename;
mod site;

pub use detector::{Detector, Round, SiteView};
pub use graph::{GraphError, Process, WaitFor, MAX_PROCESSES};
pub use process::ProcessNode;
pub use rename::Renaming;
pub use site::{Lock, Site};

use crate::machine::{Effects, Machine, NodeId};
use crate::time::{Duration, Instant};
use core::fmt;
use serde::{Deserialize, Serialize};

/// A resource, by global index (`0 .. resources`).
pub type Resource = u8;

/// A site's report version; versions compare by serial-number arithmetic (RFC 1982), so they
/// may wrap.
pub type Version = u16;

/// Whether serial number `a` is newer than `b` (RFC 1982 arithmetic on 16 bits).
pub(crate) fn newer(a: u16, b: u16) -> bool {
    (a.wrapping_sub(b) as i16) > 0
}

/// Where every role of a detection group is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Layout {
    /// Processes, `n0 .. n(processes−1)`.
    pub processes: u8,
    /// Sites, after the processes.
    pub sites: u8,
    /// Resources, spread over the sites: resource `r` is at site `r mod sites`.
    pub resources: u8,
}

/// The role of a node in a [`Layout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Process `p`.
    Process(Process),
    /// Site `j`.
    Site(u8),
    /// The detector.
    Detector,
}

impl Layout {
    /// The node of process `p`.
    pub const fn process(&self, p: Process) -> NodeId {
        NodeId(p)
    }

    /// The node of site `j`.
    pub const fn site(&self, j: u8) -> NodeId {
        NodeId(self.processes + j)
    }

    /// The detector's node.
    pub const fn detector(&self) -> NodeId {
        NodeId(self.processes + self.sites)
    }

    /// The site that manages resource `r` (site 0 of a layout without sites, which
    /// [`Config::validate`] refuses: no division by zero, and no panic, is compiled in).
    pub const fn site_of(&self, r: Resource) -> u8 {
        match r.checked_rem(self.sites) {
            Some(j) => j,
            None => 0,
        }
    }

    /// The number of nodes: processes, sites and the detector.
    pub const fn nodes(&self) -> usize {
        self.processes as usize + self.sites as usize + 1
    }

    /// What node `id` is, if it is in the group.
    pub fn role(&self, id: NodeId) -> Option<Role> {
        let i = id.0;
        if i < self.processes {
            Some(Role::Process(i))
        } else if i - self.processes < self.sites {
            Some(Role::Site(i - self.processes))
        } else if i == self.processes + self.sites {
            Some(Role::Detector)
        } else {
            None
        }
    }
}

/// Which detector runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DetectorKind {
    /// Declares as soon as the merged reports have a cycle (phantoms possible).
    Naive,
    /// Confirms with the sites that every edge of the cycle has held since its report.
    #[default]
    Confirming,
}

impl fmt::Display for DetectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DetectorKind::Naive => "naive",
            DetectorKind::Confirming => "confirming",
        })
    }
}

/// A deliberately broken variant, for proving that the checker catches each bug.
///
/// Only [`Fault::None`] exists unless the `faults` feature is on: a node built without it can
/// neither name nor run a broken variant, and carries none of their code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Fault {
    /// The correct protocol.
    #[default]
    None,
    /// The confirming detector skips the version check for the report that triggered the
    /// detection, on the theory that it "just arrived" (it may have been in flight for long).
    #[cfg(any(test, feature = "faults"))]
    TrustTriggeringReport,
    /// The detector never withdraws a declaration, even when newer reports break the cycle.
    #[cfg(any(test, feature = "faults"))]
    StickyDeclaration,
    /// The detector applies any report, even one older than the version it holds.
    #[cfg(any(test, feature = "faults"))]
    AcceptStaleReports,
    /// Sites confirm edges without pinning them: a waiter may give up between its site's
    /// confirmation and the declaration.
    #[cfg(any(test, feature = "faults"))]
    NoPin,
}

/// A detection group's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Config {
    /// Who is where.
    pub layout: Layout,
    /// Which detector runs.
    pub detector: DetectorKind,
    /// A deliberately broken variant, or [`Fault::None`].
    pub fault: Fault,
}

/// Why a group cannot be built with these capacities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConfigError {
    /// More processes than the graph capacity `P` (or none).
    Processes {
        /// Asked for.
        processes: u8,
        /// The capacity.
        max: usize,
    },
    /// More sites than the detector's capacity `S` (or none).
    Sites {
        /// Asked for.
        sites: u8,
        /// The capacity.
        max: usize,
    },
    /// A site would manage more resources than its capacity `R` (or there are none, or fewer
    /// resources than sites).
    Resources {
        /// Asked for.
        resources: u8,
        /// Sites they are spread over.
        sites: u8,
        /// The capacity per site.
        per_site: usize,
    },
    /// The node id is not in the group.
    NotANode(NodeId),
    /// More nodes than ids.
    TooManyNodes,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::Processes { processes, max } => {
                write!(f, "{processes} processes: this build holds 1 to {max}")
            }
            ConfigError::Sites { sites, max } => {
                write!(f, "{sites} sites: this build holds 1 to {max}")
            }
            ConfigError::Resources { resources, sites, per_site } => write!(
                f,
                "{resources} resources over {sites} sites: need at least one per site and at most {per_site} per site"
            ),
            ConfigError::NotANode(id) => write!(f, "{id} is not a node of the group"),
            ConfigError::TooManyNodes => f.write_str("more than 255 nodes"),
        }
    }
}

impl core::error::Error for ConfigError {}

impl Config {
    /// Checks the layout against the capacities `P` processes, `S` sites and `R` resources per
    /// site.
    pub fn validate<const P: usize, const S: usize, const R: usize>(
        &self,
    ) -> Result<(), ConfigError> {
        let l = self.layout;
        if l.processes == 0 || l.processes as usize > P.min(MAX_PROCESSES) {
            return Err(ConfigError::Processes {
                processes: l.processes,
                max: P.min(MAX_PROCESSES),
            });
        }
        if l.sites == 0 || l.sites as usize > S.min(32) {
            return Err(ConfigError::Sites { sites: l.sites, max: S.min(32) });
        }
        let per_site = (l.resources as usize).div_ceil(l.sites as usize);
        if l.resources < l.sites || per_site > R || l.resources as usize > 32 {
            return Err(ConfigError::Resources {
                resources: l.resources,
                sites: l.sites,
                per_site: R,
            });
        }
        if l.nodes() > 255 {
            return Err(ConfigError::TooManyNodes);
        }
        Ok(())
    }
}

/// A request a process sends to the site of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Op {
    /// Lock the resource, waiting behind its holder if it is held.
    Acquire(Resource),
    /// Unlock the resource, handing it to the lowest-numbered waiter.
    Release(Resource),
}

/// How a site answered a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// The resource is the requester's.
    Granted,
    /// The resource was released.
    Released,
    /// The wait was cancelled at the requester's wish.
    Cancelled,
}

/// Messages between processes, sites and the detector.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Msg<const P: usize> {
    /// Process → site: request number `seq` of this process.
    Request {
        /// The process's request number (1, 2, …).
        seq: u16,
        /// What it asks.
        op: Op,
    },
    /// Process → site: stop waiting for request `seq` (the process ran out of patience).
    Cancel {
        /// The request to cancel.
        seq: u16,
    },
    /// Site → process: the answer to request `seq`.
    Reply {
        /// The request answered.
        seq: u16,
        /// The answer.
        outcome: Outcome,
    },
    /// Site → detector: all of the site's local wait-for edges, as of `version`.
    Report {
        /// The site's version; each change of its local edges bumps it.
        version: Version,
        /// Every local edge.
        edges: WaitFor<P>,
    },
    /// Detector → site: have these edges held continuously since `version`?
    Confirm {
        /// The detector's confirmation round.
        round: Round,
        /// The report version the detector read the edges from.
        version: Version,
        /// The edges of the candidate cycle this site reported.
        edges: WaitFor<P>,
    },
    /// Site → detector: the answer for `round`. An `ok` site also *pins* the edges it
    /// confirmed: their waiters' cancellations wait until the round is resolved, so a confirmed
    /// cycle still holds when the detector declares it.
    Confirmation {
        /// The round answered.
        round: Round,
        /// Every edge asked about has held since the version.
        ok: bool,
    },
    /// Detector → site: `round` failed; unpin its edges. (A round that succeeded keeps its
    /// edges pinned: the declared deadlock stands until the application resolves it.)
    Resolve {
        /// The failed round.
        round: Round,
    },
}

impl<const P: usize> fmt::Debug for Msg<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Msg::Request { seq, op } => write!(f, "Request#{seq} {op:?}"),
            Msg::Cancel { seq } => write!(f, "Cancel#{seq}"),
            Msg::Reply { seq, outcome } => write!(f, "Reply#{seq} {outcome:?}"),
            Msg::Report { version, edges } => write!(f, "Report v{version} {edges}"),
            Msg::Confirm { round, version, edges } => {
                write!(f, "Confirm r{round} since v{version} {edges}")
            }
            Msg::Confirmation { round, ok } => {
                write!(f, "Confirmation r{round} {}", if *ok { "ok" } else { "no" })
            }
            Msg::Resolve { round } => write!(f, "Resolve r{round}"),
        }
    }
}

/// A process's local commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cmd {
    /// Lock `resource`; with `patience`, give up waiting after that long.
    Acquire {
        /// The resource.
        resource: Resource,
        /// How long to wait before cancelling, or `None` to wait forever.
        patience: Option<Duration>,
    },
    /// Unlock `resource`.
    Release(Resource),
}

/// Why a process refused a command; each variant hands the command back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CmdError {
    /// A request is still outstanding (a process waits for one answer at a time).
    Busy(Cmd),
    /// The resource does not exist.
    UnknownResource(Cmd),
    /// The process already holds the resource.
    AlreadyHeld(Cmd),
    /// The process does not hold the resource.
    NotHeld(Cmd),
    /// Only processes take commands.
    NotAProcess(Cmd),
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::Busy(c) => write!(f, "{c:?} refused: a request is outstanding"),
            CmdError::UnknownResource(c) => write!(f, "{c:?} refused: no such resource"),
            CmdError::AlreadyHeld(c) => write!(f, "{c:?} refused: already held"),
            CmdError::NotHeld(c) => write!(f, "{c:?} refused: not held"),
            CmdError::NotAProcess(c) => write!(f, "{c:?} refused: only processes take commands"),
        }
    }
}

impl core::error::Error for CmdError {}

/// Why a message was rejected (the node is left unchanged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MsgError {
    /// The sender is not in the group, or not a role that sends this message.
    UnexpectedSender(NodeId),
    /// A request or answer this node has already handled, or an answer to something it no
    /// longer waits for.
    Stale,
    /// A report no newer than the one the detector holds.
    StaleReport {
        /// The report's version.
        version: Version,
        /// The version held.
        held: Version,
    },
    /// The message names a resource or process this node does not know.
    Malformed,
    /// A release of a resource the sender does not hold.
    NotHolder,
}

impl fmt::Display for MsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MsgError::UnexpectedSender(id) => write!(f, "unexpected message from {id}"),
            MsgError::Stale => f.write_str("stale or duplicate message"),
            MsgError::StaleReport { version, held } => {
                write!(f, "report v{version} is not newer than v{held}")
            }
            MsgError::Malformed => f.write_str("names a resource or process out of range"),
            MsgError::NotHolder => f.write_str("release of a resource the sender does not hold"),
        }
    }
}

impl core::error::Error for MsgError {}

/// What a node reports to its application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Event<const P: usize> {
    /// The process now holds the resource.
    Acquired(Resource),
    /// The process released the resource.
    Released(Resource),
    /// The process gave up waiting for the resource.
    GaveUp(Resource),
    /// The detector declares this cycle a deadlock.
    Declared(WaitFor<P>),
    /// Newer reports broke a declared cycle: the detector withdraws it.
    Withdrawn(WaitFor<P>),
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Timer {
    /// A waiting process runs out of patience.
    GiveUp,
}

/// Any node of a detection group with capacities `P` processes, `S` sites and `R` resources per
/// site.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Node<const P: usize, const S: usize, const R: usize> {
    /// A process.
    Process(ProcessNode),
    /// A site (lock manager).
    Site(Site<P, R>),
    /// The detector.
    Detector(Detector<P, S>),
}

impl<const P: usize, const S: usize, const R: usize> fmt::Debug for Node<P, S, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Process(x) => x.fmt(f),
            Node::Site(x) => x.fmt(f),
            Node::Detector(x) => x.fmt(f),
        }
    }
}

impl<const P: usize, const S: usize, const R: usize> Node<P, S, R> {
    /// Node `id` of the group `config`.
    pub fn build(config: Config, id: NodeId) -> Result<Self, ConfigError> {
        config.validate::<P, S, R>()?;
        let l = config.layout;
        Ok(match l.role(id).ok_or(ConfigError::NotANode(id))? {
            Role::Process(p) => Node::Process(ProcessNode::new(p, l)),
            Role::Site(j) => Node::Site(Site::new(j, config)),
            Role::Detector => Node::Detector(Detector::new(config)),
        })
    }

    /// The process, if this node is one.
    pub fn as_process(&self) -> Option<&ProcessNode> {
        match self {
            Node::Process(x) => Some(x),
            _ => None,
        }
    }

    /// The site, if this node is one.
    pub fn as_site(&self) -> Option<&Site<P, R>> {
        match self {
            Node::Site(x) => Some(x),
            _ => None,
        }
    }

    /// The detector, if this node is it.
    pub fn as_detector(&self) -> Option<&Detector<P, S>> {
        match self {
            Node::Detector(x) => Some(x),
            _ => None,
        }
    }
}

impl<const P: usize, const S: usize, const R: usize> Machine for Node<P, S, R> {
    type Msg = Msg<P>;
    type Cmd = Cmd;
    type Timer = Timer;
    type Event = Event<P>;
    type CmdError = CmdError;
    type MsgError = MsgError;
    /// Every role keeps its whole (small) state durably.
    type Durable = Self;

    fn on_start(&mut self, _now: Instant, _out: &mut impl Effects<Self>) {}

    fn on_command(
        &mut self,
        now: Instant,
        cmd: Cmd,
        out: &mut impl Effects<Self>,
    ) -> Result<(), CmdError> {
        match self {
            Node::Process(p) => p.on_command(now, cmd, out),
            _ => Err(CmdError::NotAProcess(cmd)),
        }
    }

    fn on_message(
        &mut self,
        _now: Instant,
        from: NodeId,
        msg: Msg<P>,
        out: &mut impl Effects<Self>,
    ) -> Result<(), MsgError> {
        match self {
            Node::Process(p) => p.on_message(from, msg, out),
            Node::Site(s) => s.on_message(from, msg, out),
            Node::Detector(d) => d.on_message(from, msg, out),
        }
    }

    fn on_timer(&mut self, _now: Instant, timer: Timer, out: &mut impl Effects<Self>) {
        if let Node::Process(p) = self {
            p.on_timer(timer, out);
        }
    }

    fn durable(&self) -> Self {
        self.clone()
    }

    fn recover(durable: Self, now: Instant, out: &mut impl Effects<Self>) -> Self {
        let node = durable;
        if let Node::Process(p) = &node {
            // A cancellation deadline is not kept: a recovered waiter gives up at once if it
            // was patient at all.
            if p.giving_up_armed() {
                out.set_timer(Timer::GiveUp, now);
            }
        }
        node
    }
}

#[cfg(test)]
mod tests;
