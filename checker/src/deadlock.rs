//! The deadlock-detection model: [`DeadlockCfg`] turned into a stateright [`ActorModel`] of the
//! core's processes, sites and detector (MODELS.md §4).
//!
//! The true global wait-for graph is the union of the sites' lock tables: the sites *are* the
//! lock managers, so their state is the truth at every instant, and the properties read it
//! straight from the model state next to what the detector declares. A declaration is checked
//! in the state right after the step that made it, when the truth is the one "at that moment";
//! a real deadlock never dissolves by itself (its processes wait and cannot release), so a
//! declaration that was real stays real.

use crate::adapter::NodeActor;
use crate::network::{self, NetworkBound, NetworkKind};
use crate::replication::CfgError;
use inflight_core::deadlock::{
    self, Cmd, Config, Detector, DetectorKind, Fault, Layout, Node, Resource, Site, WaitFor,
};
use inflight_core::NodeId;
use stateright::actor::{ActorModel, ActorModelState};
use stateright::Expectation;
use std::fmt;

/// The most processes a model holds.
pub const MAX_PROCESSES: usize = 4;
/// The most sites a model holds.
pub const MAX_SITES: usize = 3;
/// The most resources one site manages.
pub const MAX_RESOURCES_PER_SITE: usize = 4;

/// The node type the deadlock model runs.
pub type DlNode = Node<MAX_PROCESSES, MAX_SITES, MAX_RESOURCES_PER_SITE>;

/// The stateright model of a detection group.
pub type DeadlockModel = ActorModel<NodeActor<DlNode>, DeadlockCfg>;

/// The state of a [`DeadlockModel`].
pub type DeadlockState = ActorModelState<NodeActor<DlNode>>;

/// The property names, shared by tests and the CLI.
pub mod props {
    /// Sometimes (naive detector): it declares a cycle that is not in the true graph at that
    /// moment.
    pub const PHANTOM_REACHABLE: &str = "a phantom deadlock is declared (reachable)";
    /// Always (confirming detector): every declared cycle is in the true graph: soundness.
    pub const NO_PHANTOM: &str = "no phantom deadlock is declared";
    /// Always: a declared cycle is a cycle of the detector's own merged reports.
    pub const DECLARED_IN_VIEW: &str = "a declared cycle is a cycle of the merged reports";
    /// Eventually: every run either finishes all its work or has its real deadlock declared.
    pub const DEADLOCK_DECLARED: &str = "a real deadlock is declared, or every process finishes";
}

/// What the processes do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Process i locks resource i, then resource i + 1 (mod resources), then releases both:
    /// the dining philosophers, where runs that take every first lock deadlock.
    Ring,
    /// As [`Workload::Ring`], except that process 0 releases resource 0 before it asks for
    /// resource 1: no run deadlocks, but delayed reports can show a cycle (a phantom).
    HandOff,
}

impl Workload {
    /// Every workload, for help texts.
    pub const ALL: [Workload; 2] = [Workload::Ring, Workload::HandOff];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Ring => "ring",
            Workload::HandOff => "hand-off",
        }
    }

    /// The commands process `i` issues, in order, with `resources` resources.
    pub fn script(self, i: u8, resources: u8) -> Vec<Cmd> {
        let a: Resource = i % resources;
        let b: Resource = (i + 1) % resources;
        let acquire = |resource| Cmd::Acquire { resource, patience: None };
        match (self, i) {
            (Workload::HandOff, 0) => {
                vec![acquire(a), Cmd::Release(a), acquire(b), Cmd::Release(b)]
            }
            _ => vec![acquire(a), acquire(b), Cmd::Release(b), Cmd::Release(a)],
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A deadlock-detection scenario to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlockCfg {
    /// Processes (2 ..= [`MAX_PROCESSES`]).
    pub processes: u8,
    /// Sites (1 ..= [`MAX_SITES`]); resource r lives at site r mod sites.
    pub sites: u8,
    /// Resources (at least the number of sites, at most [`MAX_RESOURCES_PER_SITE`] per site).
    pub resources: u8,
    /// Which detector runs.
    pub detector: DetectorKind,
    /// What the processes do.
    pub workload: Workload,
    /// Message ordering and duplication (no loss: a lost report would hide a deadlock forever).
    pub network: NetworkKind,
    /// Explore only states with at most this many messages in the network.
    pub max_in_network: Option<usize>,
    /// A deliberately broken variant, or [`Fault::None`].
    pub fault: Fault,
}

impl Default for DeadlockCfg {
    fn default() -> Self {
        DeadlockCfg {
            processes: 2,
            sites: 2,
            resources: 2,
            detector: DetectorKind::Confirming,
            workload: Workload::HandOff,
            network: NetworkKind::Unordered,
            max_in_network: None,
            fault: Fault::None,
        }
    }
}

impl NetworkBound for DeadlockCfg {
    fn max_in_network(&self) -> Option<usize> {
        self.max_in_network
    }
}

impl DeadlockCfg {
    /// The core configuration.
    pub fn core(&self) -> Config {
        Config {
            layout: Layout {
                processes: self.processes,
                sites: self.sites,
                resources: self.resources,
            },
            detector: self.detector,
            fault: self.fault,
        }
    }

    /// Checks that the scenario can be built.
    pub fn validate(&self) -> Result<(), CfgError> {
        if self.processes < 2 {
            return Err(CfgError(format!(
                "{} processes: a deadlock needs at least 2",
                self.processes
            )));
        }
        if self.resources < 2 {
            return Err(CfgError(format!(
                "{} resources: the workloads need at least 2",
                self.resources
            )));
        }
        self.core()
            .validate::<MAX_PROCESSES, MAX_SITES, MAX_RESOURCES_PER_SITE>()
            .map_err(|e| CfgError(e.to_string()))
    }

    /// Builds the stateright model. Panics on an invalid configuration (call
    /// [`DeadlockCfg::validate`] first where the input is untrusted).
    pub fn into_model(self) -> DeadlockModel {
        if let Err(e) = self.validate() {
            panic!("invalid deadlock config: {e}");
        }
        let core = self.core();
        let actors = (0..core.layout.nodes()).map(|i| {
            let id = NodeId(i as u8);
            let node = match DlNode::build(core, id) {
                Ok(n) => n,
                Err(e) => panic!("invalid deadlock config: {e}"),
            };
            let actor = NodeActor::new(node);
            if i < self.processes as usize {
                actor.with_script(self.workload.script(i as u8, self.resources))
            } else {
                actor
            }
        });
        let model = ActorModel::new(self, ()).actors(actors);
        let model = network::configure(model, self.network, false, 0)
            .property(Expectation::Always, props::DECLARED_IN_VIEW, |_, s| {
                let d = detector(s);
                d.declared().is_none_or(|c| c.is_cycle() && d.merged().contains(c))
            })
            .property(Expectation::Eventually, props::DEADLOCK_DECLARED, |m, s| {
                finished(m, s) || real_deadlock_declared(s)
            });
        match self.detector {
            DetectorKind::Naive => {
                model.property(Expectation::Sometimes, props::PHANTOM_REACHABLE, |_, s| phantom(s))
            }
            DetectorKind::Confirming => {
                model.property(Expectation::Always, props::NO_PHANTOM, |_, s| !phantom(s))
            }
        }
    }
}

/// The detector's state (the last actor).
pub fn detector(s: &DeadlockState) -> &Detector<MAX_PROCESSES, MAX_SITES> {
    match s.actor_states.last().and_then(|a| a.machine.as_detector()) {
        Some(d) => d,
        None => unreachable!("the last actor is the detector"),
    }
}

/// The sites' states.
pub fn sites(
    s: &DeadlockState,
) -> impl Iterator<Item = &Site<MAX_PROCESSES, MAX_RESOURCES_PER_SITE>> + '_ {
    s.actor_states.iter().filter_map(|a| a.machine.as_site())
}

/// The true global wait-for graph: the union of the sites' local edges.
pub fn truth(s: &DeadlockState) -> WaitFor<MAX_PROCESSES> {
    sites(s).fold(WaitFor::new(), |g, site| g.union(&site.edges()))
}

/// Whether the detector currently declares a cycle that is not in the true graph.
pub fn phantom(s: &DeadlockState) -> bool {
    detector(s).declared().is_some_and(|c| !truth(s).contains(c))
}

/// Whether the detector declares a cycle that is in the true graph.
pub fn real_deadlock_declared(s: &DeadlockState) -> bool {
    detector(s).declared().is_some_and(|c| truth(s).contains(c))
}

/// Whether every process has issued its whole script and waits for nothing.
pub fn finished(m: &DeadlockModel, s: &DeadlockState) -> bool {
    m.actors.iter().zip(&s.actor_states).all(|(actor, st)| match st.machine.as_process() {
        Some(p) => st.issued as usize == actor.script().len() && !p.is_waiting(),
        None => true,
    })
}

/// A process's state, for tests.
pub fn process(s: &DeadlockState, p: u8) -> Option<&deadlock::ProcessNode> {
    s.actor_states.get(p as usize).and_then(|a| a.machine.as_process())
}

impl DeadlockCfg {
    /// Whether shifting every process, resource and site by one maps the scenario onto itself,
    /// so that a check may explore one state per class of shifted states
    /// ([`representative`]); if not, why not. It holds for the ring workload (process i locks
    /// resource i, then i + 1) with as many resources as processes and a number of sites that
    /// divides it (so that a shifted resource stays at its shifted site). In the ring each
    /// resource is wanted by two processes, one of which holds it, so a lock never has two
    /// waiters and the sites' "lowest-numbered waiter first" never tells processes apart.
    pub fn rotation_symmetric(&self) -> Result<(), CfgError> {
        let why = if self.workload != Workload::Ring {
            "the ring workload (in hand-off, process 0 differs from the others)"
        } else if self.resources != self.processes {
            "as many resources as processes (process i locks resources i and i + 1)"
        } else if self.processes % self.sites != 0 {
            "a number of sites that divides the processes (a shifted resource must stay at its \
             shifted site)"
        } else {
            return Ok(());
        };
        Err(CfgError(format!("symmetry reduction of the deadlock model needs {why}")))
    }
}

/// The representative of `s`'s class of rotations ([`DeadlockCfg::rotation_symmetric`]).
///
/// The rotations of a state are the state shifted by 0, 1, …, processes − 1: every process,
/// resource and site, and everything each node, message in flight and timer says about them.
/// The representative is the rotation whose processes read least, in order, by a key that a
/// shift moves along with its process (how many commands it issued, whether it waits, how
/// many locks it holds); among rotations that tie, the one with the least 64-bit hash. Every
/// state of a class has the same rotations, so the same representative (two rotations that
/// hashed alike would only make the reduction smaller). Only the chosen and the tied rotations
/// are built, which is usually one. For models whose scenario is rotation-symmetric only: the
/// layout is read off the state, with as many resources as processes.
pub fn representative(s: &DeadlockState) -> DeadlockState {
    let layout = ring_layout(s);
    let processes = layout.processes as usize;
    let key = |i: usize| {
        let a = &s.actor_states[i];
        let p = a.machine.as_process();
        (a.issued, p.is_some_and(|p| p.is_waiting()), p.map_or(0, |p| p.held().count_ones()))
    };
    let keys: Vec<_> = (0..processes).map(key).collect();
    // Shifted by k, process j is the old process j − k.
    let read = |k: usize| -> Vec<_> {
        (0..processes).map(|j| keys[(j + processes - k) % processes]).collect()
    };
    let least = (0..processes).map(read).min().unwrap_or_default();
    let fingerprint = |x: &DeadlockState| {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        x.hash(&mut h);
        h.finish()
    };
    let tied: Vec<usize> = (0..processes).filter(|&k| read(k) == least).collect();
    if let [k] = tied[..] {
        // One shift reads least: no hash to compare.
        return rotated(s, layout, k as u8).unwrap_or_else(|| s.clone());
    }
    let mut best: Option<(u64, DeadlockState)> = None;
    for k in tied {
        let Some(r) = rotated(s, layout, k as u8) else {
            continue;
        };
        let f = fingerprint(&r);
        if best.as_ref().is_none_or(|(b, _)| f < *b) {
            best = Some((f, r));
        }
    }
    best.map_or_else(|| s.clone(), |(_, r)| r)
}

/// `s` with every process, resource and site shifted by `k`, as [`representative`] shifts it
/// (`None` if the state's layout has no such rotation: the sites do not divide the processes).
pub fn rotation(s: &DeadlockState, k: u8) -> Option<DeadlockState> {
    rotated(s, ring_layout(s), k)
}

/// The layout of a ring's state: its processes and sites counted, as many resources as
/// processes.
fn ring_layout(s: &DeadlockState) -> Layout {
    let count = |f: fn(&DlNode) -> bool| s.actor_states.iter().filter(|a| f(&a.machine)).count();
    let processes = count(|n| n.as_process().is_some()) as u8;
    Layout { processes, sites: count(|n| n.as_site().is_some()) as u8, resources: processes }
}

/// `s` with every process, resource and site shifted by `k` (`None` if the layout has no such
/// rotation).
fn rotated(s: &DeadlockState, layout: Layout, k: u8) -> Option<DeadlockState> {
    if k == 0 {
        return Some(s.clone());
    }
    let m = deadlock::Renaming::rotation(layout, k)?;
    let to: Vec<usize> =
        (0..layout.nodes()).map(|i| usize::from(m.node(NodeId(i as u8)).0)).collect();
    let node = |st: &crate::adapter::NodeState<DlNode>, _: &dyn Fn(_) -> _| {
        Some(crate::adapter::NodeState { machine: st.machine.renamed(&m)?, ..st.clone() })
    };
    crate::symmetry::permute(s, &to, node, node, |x, _| x.renamed(&m))
}
