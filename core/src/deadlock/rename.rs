//! Renaming a detection group's processes, resources and sites, for a checker's symmetry
//! reduction.
//!
//! In the dining-philosophers ring (process i locks resource i, then i + 1) with as many
//! resources as processes, shifting every process, resource and site by one gives the same
//! group under other names: every run of one is a run of the other. A checker then needs to
//! explore one state of each class of shifted states. [`Renaming`] is such a shift, or any
//! other renaming that keeps each resource at its site, and [`Node::renamed`] and
//! [`Msg::renamed`] apply it to what a node or a message says about processes, resources and
//! sites.
//!
//! A renaming maps a group onto itself only if the workload is renamed with it; that, and
//! whether the group's behaviour commutes with it, is the checker's business. One rule of the
//! sites does not commute with every renaming: a released lock goes to its lowest-numbered
//! waiter, so a renaming is a symmetry only where no lock has two waiters at once (true of the
//! ring, where each resource is wanted by two processes, one of which holds it).

use super::{Layout, Msg, Node, Op, Process, Resource, WaitFor};
use crate::machine::NodeId;

/// A renaming of a group's processes, resources and sites: process p becomes `process(p)`,
/// resource r becomes `resource(r)` and site j becomes `site(j)`, where each is a permutation
/// and resource r's site becomes the site of `resource(r)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Renaming {
    layout: Layout,
    processes: [u8; 32],
    resources: [u8; 32],
    sites: [u8; 32],
}

/// Whether `map` permutes `0 .. n`.
fn permutes(map: &[u8; 32], n: u8) -> bool {
    let mut seen = 0u32;
    for &x in &map[..n as usize] {
        if x >= n || seen & (1 << x) != 0 {
            return false;
        }
        seen |= 1 << x;
    }
    true
}

/// `bits` with bit i moved to bit `map[i]` for each i below `n`; the bits from `n` up stay.
fn permute_bits(bits: u32, map: &[u8; 32], n: u8) -> u32 {
    let mut out = bits & u32::MAX.checked_shl(n as u32).unwrap_or(0);
    for (i, &to) in map.iter().enumerate().take(n as usize) {
        if bits & (1 << i) != 0 {
            out |= 1 << to;
        }
    }
    out
}

impl Renaming {
    /// The renaming of `layout`'s processes, resources and sites by these maps, or `None` if
    /// one of them does not permute its ids (`0 .. processes`, `0 .. resources`,
    /// `0 .. sites`) or a resource would leave its site's image (the site of `resource(r)`
    /// must be `site(site_of(r))`).
    pub fn new(
        layout: Layout,
        process: impl Fn(Process) -> Process,
        resource: impl Fn(Resource) -> Resource,
        site: impl Fn(u8) -> u8,
    ) -> Option<Self> {
        let (p, r, s) = (layout.processes, layout.resources, layout.sites);
        if p > 32 || r > 32 || s > 32 {
            return None;
        }
        let mut m = Renaming { layout, processes: [0; 32], resources: [0; 32], sites: [0; 32] };
        for i in 0..p {
            m.processes[i as usize] = process(i);
        }
        for i in 0..r {
            m.resources[i as usize] = resource(i);
        }
        for i in 0..s {
            m.sites[i as usize] = site(i);
        }
        let whole = permutes(&m.processes, p) && permutes(&m.resources, r);
        let whole = whole && permutes(&m.sites, s);
        let kept = (0..r).all(|x| layout.site_of(m.resource(x)) == m.site(layout.site_of(x)));
        (whole && kept).then_some(m)
    }

    /// Every process, resource and site shifted by `k` (modulo their numbers). It keeps each
    /// resource at its site's image exactly when the sites divide the resources; `None`
    /// otherwise.
    pub fn rotation(layout: Layout, k: u8) -> Option<Self> {
        let shift = |n: u8| move |x: u8| ((x as u16 + k as u16) % n.max(1) as u16) as u8;
        Self::new(layout, shift(layout.processes), shift(layout.resources), shift(layout.sites))
    }

    /// The layout it renames.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Process `p`'s new number (`p` itself beyond the group).
    pub fn process(&self, p: Process) -> Process {
        if p < self.layout.processes {
            self.processes[p as usize]
        } else {
            p
        }
    }

    /// Resource `r`'s new number (`r` itself beyond the group).
    pub fn resource(&self, r: Resource) -> Resource {
        if r < self.layout.resources {
            self.resources[r as usize]
        } else {
            r
        }
    }

    /// Site `j`'s new number (`j` itself beyond the group).
    pub fn site(&self, j: u8) -> u8 {
        if j < self.layout.sites {
            self.sites[j as usize]
        } else {
            j
        }
    }

    /// Node `id`'s new id: a process's or a site's new node, the detector (and any id beyond
    /// the group) unchanged.
    pub fn node(&self, id: NodeId) -> NodeId {
        match self.layout.role(id) {
            Some(super::Role::Process(p)) => self.layout.process(self.process(p)),
            Some(super::Role::Site(j)) => self.layout.site(self.site(j)),
            _ => id,
        }
    }

    /// A set of processes, one bit each, renamed.
    pub fn process_bits(&self, bits: u32) -> u32 {
        permute_bits(bits, &self.processes, self.layout.processes)
    }

    /// A set of resources, one bit each, renamed.
    pub fn resource_bits(&self, bits: u32) -> u32 {
        permute_bits(bits, &self.resources, self.layout.resources)
    }

    /// A set of sites, one bit each, renamed.
    pub fn site_bits(&self, bits: u32) -> u32 {
        permute_bits(bits, &self.sites, self.layout.sites)
    }

    /// A wait-for graph renamed: an edge p → q becomes `process(p)` → `process(q)`. `None` if
    /// a renamed process does not fit the graph's capacity `P`.
    pub fn graph<const P: usize>(&self, g: &WaitFor<P>) -> Option<WaitFor<P>> {
        let rows = g.rows();
        let mut out = *rows;
        for (p, row) in rows.iter().enumerate() {
            *out.get_mut(self.process(p as u8) as usize)? = self.process_bits(*row);
        }
        WaitFor::from_rows(out)
    }

    pub(super) fn op(&self, op: Op) -> Op {
        match op {
            Op::Acquire(r) => Op::Acquire(self.resource(r)),
            Op::Release(r) => Op::Release(self.resource(r)),
        }
    }
}

impl<const P: usize> Msg<P> {
    /// The same message in the renamed group: the resources and processes it names, renamed
    /// (its sender and receiver are the network's: rename them with [`Renaming::node`]).
    /// `None` if a renamed process does not fit the graph's capacity `P`.
    pub fn renamed(&self, m: &Renaming) -> Option<Self> {
        Some(match *self {
            Msg::Request { seq, op } => Msg::Request { seq, op: m.op(op) },
            Msg::Report { version, edges } => Msg::Report { version, edges: m.graph(&edges)? },
            Msg::Confirm { round, version, edges } => {
                Msg::Confirm { round, version, edges: m.graph(&edges)? }
            }
            other => other,
        })
    }
}

impl<const P: usize, const S: usize, const R: usize> Node<P, S, R> {
    /// The same node in the renamed group: process p's state becomes process `process(p)`'s,
    /// site j's becomes site `site(j)`'s, and everything a node records about processes,
    /// resources and sites (locks, holders, waiters, pins, request numbers, reports and
    /// rounds in progress) is renamed with it. `None` if the renaming is of another layout (or
    /// a renamed process does not fit the capacity `P`).
    pub fn renamed(&self, m: &Renaming) -> Option<Self> {
        Some(match self {
            Node::Process(x) => Node::Process(x.renamed(m)?),
            Node::Site(x) => Node::Site(x.renamed(m)?),
            Node::Detector(x) => Node::Detector(x.renamed(m)?),
        })
    }
}
