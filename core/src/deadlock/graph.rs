//! A bounded wait-for graph: one bitset row per process, with cycle detection that allocates
//! nothing.

use core::fmt;
use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The most processes a wait-for graph can hold (one bit each in a `u32` row).
pub const MAX_PROCESSES: usize = 32;

/// A process, by index (`0 .. P`).
pub type Process = u8;

/// Why an edge cannot be put in a graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum GraphError {
    /// A process index at or beyond the graph's capacity `P`.
    TooManyProcesses {
        /// The index given.
        process: Process,
        /// The graph's capacity.
        capacity: usize,
    },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::TooManyProcesses { process, capacity } => {
                write!(f, "process p{process} is beyond the graph's {capacity} processes")
            }
        }
    }
}

impl core::error::Error for GraphError {}

/// A wait-for graph over at most `P` processes: `p → q` means p waits for a resource q holds.
/// Row `p` is the set of processes p waits for, one bit each, so the graph is `4·P` bytes,
/// inline, and cheap to hash, merge and compare.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WaitFor<const P: usize> {
    rows: [u32; P],
}

impl<const P: usize> Default for WaitFor<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const P: usize> WaitFor<P> {
    /// Rejects, at compile time, a capacity the rows cannot hold.
    const FITS: () =
        assert!(P >= 1 && P <= MAX_PROCESSES, "a wait-for graph holds 1 to 32 processes");

    /// The empty graph.
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::FITS;
        WaitFor { rows: [0; P] }
    }

    /// Adds `from → to`; an index at or beyond `P` is refused and the graph is unchanged.
    pub fn add(&mut self, from: Process, to: Process) -> Result<(), GraphError> {
        let beyond = |process| Err(GraphError::TooManyProcesses { process, capacity: P });
        let Some(row) = self.rows.get_mut(from as usize) else { return beyond(from) };
        if to as usize >= P {
            return beyond(to);
        }
        *row |= 1 << to;
        Ok(())
    }

    /// Removes `from → to` if present.
    pub fn remove(&mut self, from: Process, to: Process) {
        if let Some(row) = self.rows.get_mut(from as usize) {
            *row &= !(1u32.checked_shl(to as u32).unwrap_or(0));
        }
    }

    /// Whether `from → to` is an edge.
    pub fn has(&self, from: Process, to: Process) -> bool {
        self.row(from) & 1u32.checked_shl(to as u32).unwrap_or(0) != 0
    }

    /// The processes `p` waits for, one bit each (0 for an index out of range).
    pub fn row(&self, p: Process) -> u32 {
        self.rows.get(p as usize).copied().unwrap_or(0)
    }

    /// Row `p` of every process at once: bit `q` of row `p` is the edge p → q.
    pub(crate) fn rows(&self) -> &[u32; P] {
        &self.rows
    }

    /// The graph with these rows, or `None` if a row names a process ≥ `P` (that is not a
    /// wait-for graph of `P` processes).
    pub(crate) fn from_rows(rows: [u32; P]) -> Option<Self> {
        let fits = |bits: u32| P >= 32 || bits >> P == 0;
        rows.iter().all(|&r| fits(r)).then_some(WaitFor { rows })
    }

    /// Whether the graph has no edge.
    pub fn is_empty(&self) -> bool {
        self.rows.iter().all(|&r| r == 0)
    }

    /// The number of edges.
    pub fn edge_count(&self) -> u32 {
        self.rows.iter().map(|r| r.count_ones()).sum()
    }

    /// Every edge of either graph.
    pub fn union(&self, other: &Self) -> Self {
        let mut rows = self.rows;
        for (r, o) in rows.iter_mut().zip(other.rows) {
            *r |= o;
        }
        WaitFor { rows }
    }

    /// The edges both graphs have.
    pub fn intersection(&self, other: &Self) -> Self {
        let mut rows = self.rows;
        for (r, o) in rows.iter_mut().zip(other.rows) {
            *r &= o;
        }
        WaitFor { rows }
    }

    /// Whether every edge of `other` is an edge of this graph.
    pub fn contains(&self, other: &Self) -> bool {
        self.rows.iter().zip(other.rows).all(|(r, o)| o & !r == 0)
    }

    /// Whether every edge is between processes `0 .. processes` (a graph from a peer may carry
    /// stray bits).
    pub fn within(&self, processes: u8) -> bool {
        let mask = if processes as usize >= 32 { u32::MAX } else { (1u32 << processes) - 1 };
        self.rows
            .iter()
            .enumerate()
            .all(|(p, &r)| r & !mask == 0 && (r == 0 || p < processes as usize))
    }

    /// The edges, in order of source then target.
    pub fn edges(&self) -> impl Iterator<Item = (Process, Process)> + '_ {
        Edges { rows: &self.rows, p: 0, bits: self.rows.first().copied().unwrap_or(0) }
    }

    /// The processes that wait for someone, one bit each.
    pub fn waiters(&self) -> u32 {
        let mut set = 0;
        for (p, &row) in self.rows.iter().enumerate() {
            if row != 0 {
                set |= 1 << p;
            }
        }
        set
    }

    /// A cycle of the graph, as a graph of its edges, if there is one. Depth-first from the
    /// lowest process, so the answer is deterministic; no allocation, at most `P` deep.
    pub fn find_cycle(&self) -> Option<Self> {
        const WHITE: u8 = 0;
        const GREY: u8 = 1;
        const BLACK: u8 = 2;
        let mut colour = [WHITE; P];
        let mut stack = [0u8; P];
        let mut todo = [0u32; P];
        for start in 0..P {
            if colour[start] != WHITE {
                continue;
            }
            let mut depth = 0;
            stack[0] = start as u8;
            todo[0] = self.rows[start];
            colour[start] = GREY;
            // `get` rather than indexing, here and below: depth stays below P and the stack
            // holds processes, but the compiler cannot tell, and would compile in a panic.
            while let (Some(&top), Some(next)) = (stack.get(depth), todo.get_mut(depth)) {
                if *next == 0 {
                    if let Some(c) = colour.get_mut(top as usize) {
                        *c = BLACK; // fully explored
                    }
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    continue;
                }
                let q = next.trailing_zeros() as usize;
                *next &= *next - 1;
                if q >= P {
                    continue; // a stray bit: not a process of this graph
                }
                match colour[q] {
                    WHITE => {
                        // There is room: at most P processes are on the stack at once.
                        let (Some(s), Some(t)) =
                            (stack.get_mut(depth + 1), todo.get_mut(depth + 1))
                        else {
                            continue;
                        };
                        depth += 1;
                        *s = q as u8;
                        *t = self.rows[q];
                        colour[q] = GREY;
                    }
                    GREY => {
                        // q is on the stack: the cycle is the path from q up the stack, back
                        // to q.
                        let stacked = stack.get(..=depth)?;
                        let path = stacked.get(stacked.iter().position(|&s| s as usize == q)?..)?;
                        let mut cycle = Self::new();
                        for pair in path.windows(2) {
                            cycle.add(pair[0], pair[1]).ok()?;
                        }
                        cycle.add(*path.last()?, q as u8).ok()?;
                        return Some(cycle);
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// Whether the edges form exactly one simple cycle (and nothing else).
    pub fn is_cycle(&self) -> bool {
        let n = self.edge_count();
        let Some(start) = self.rows.iter().position(|&r| r != 0) else {
            return false;
        };
        let mut seen = 0u32;
        let mut at = start;
        for _ in 0..n {
            let row = self.rows[at];
            if row.count_ones() != 1 || seen & (1 << at) != 0 {
                return false;
            }
            seen |= 1 << at;
            at = row.trailing_zeros() as usize;
            if at >= P {
                return false;
            }
        }
        at == start
    }

    /// Whether the graph has a cycle.
    pub fn has_cycle(&self) -> bool {
        self.find_cycle().is_some()
    }
}

/// A cycle prints as `p0 → p1 → p0`, any other graph as `{p0→p1, p2→p0}`.
impl<const P: usize> fmt::Display for WaitFor<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_cycle() {
            let start = self.rows.iter().position(|&r| r != 0).unwrap_or(0);
            write!(f, "p{start}")?;
            let mut at = start;
            for _ in 0..self.edge_count() {
                at = self.rows[at].trailing_zeros() as usize;
                write!(f, " → p{at}")?;
            }
            return Ok(());
        }
        f.write_str("{")?;
        for (i, (p, q)) in self.edges().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "p{p}→p{q}")?;
        }
        f.write_str("}")
    }
}

impl<const P: usize> fmt::Debug for WaitFor<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The edges of a [`WaitFor`], row by row, lowest bit first: a plain loop over set bits, which
/// is both faster and much smaller on a microcontroller than a chain of iterator adapters.
struct Edges<'a> {
    rows: &'a [u32],
    /// The row being read.
    p: usize,
    /// The bits of row `p` not yet returned.
    bits: u32,
}

impl Iterator for Edges<'_> {
    type Item = (Process, Process);

    fn next(&mut self) -> Option<Self::Item> {
        while self.bits == 0 {
            self.p += 1;
            self.bits = *self.rows.get(self.p)?;
        }
        let q = self.bits.trailing_zeros() as Process;
        self.bits &= self.bits - 1;
        Some((self.p as Process, q))
    }
}

/// On the wire: a tuple of `P` rows (serde has no array impls for a generic length).
impl<const P: usize> Serialize for WaitFor<P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(P)?;
        for row in &self.rows {
            t.serialize_element(row)?;
        }
        t.end()
    }
}

impl<'de, const P: usize> Deserialize<'de> for WaitFor<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Rows<const P: usize>;
        impl<'de, const P: usize> Visitor<'de> for Rows<P> {
            type Value = WaitFor<P>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{P} wait-for rows")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut rows = [0u32; P];
                for (i, row) in rows.iter_mut().enumerate() {
                    *row =
                        seq.next_element()?.ok_or_else(|| de::Error::invalid_length(i, &self))?;
                }
                // A row naming a process that does not exist is not a wait-for graph of P.
                WaitFor::from_rows(rows).ok_or_else(|| {
                    de::Error::invalid_value(
                        de::Unexpected::Other("a row naming a process >= P"),
                        &"rows with bits only for processes 0..P",
                    )
                })
            }
        }
        d.deserialize_tuple(P, Rows::<P>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn graph<const P: usize>(edges: &[(u8, u8)]) -> WaitFor<P> {
        let mut g = WaitFor::new();
        for &(a, b) in edges {
            g.add(a, b).expect("in range");
        }
        g
    }

    #[test]
    fn edges_beyond_the_capacity_are_refused_and_change_nothing() {
        let mut g = graph::<4>(&[(0, 1)]);
        let before = g;
        assert_eq!(g.add(0, 4), Err(GraphError::TooManyProcesses { process: 4, capacity: 4 }));
        assert_eq!(g.add(7, 1), Err(GraphError::TooManyProcesses { process: 7, capacity: 4 }));
        assert_eq!(g, before);
        g.remove(9, 1); // out of range: nothing to remove, no panic
        assert!(!g.has(9, 40));
        assert_eq!(g, before);
    }

    #[test]
    fn finds_the_cycle_and_only_the_cycle() {
        let g = graph::<5>(&[(0, 1), (1, 2), (2, 3), (3, 1), (4, 0)]);
        let c = g.find_cycle().expect("in range");
        assert_eq!(c, graph::<5>(&[(1, 2), (2, 3), (3, 1)]));
        assert!(c.is_cycle());
        assert!(g.contains(&c));
        assert_eq!(c.to_string(), "p1 → p2 → p3 → p1");
    }

    #[test]
    fn chains_trees_and_empty_graphs_have_no_cycle() {
        assert!(graph::<4>(&[]).find_cycle().is_none());
        assert!(graph::<4>(&[(0, 1), (1, 2), (2, 3)]).find_cycle().is_none());
        assert!(graph::<4>(&[(0, 1), (0, 2), (1, 3), (2, 3)]).find_cycle().is_none());
    }

    #[test]
    fn a_self_loop_is_a_cycle() {
        let g = graph::<3>(&[(2, 2)]);
        assert_eq!(g.find_cycle(), Some(g));
        assert!(g.is_cycle());
    }

    #[test]
    fn is_cycle_rejects_two_cycles_a_path_and_a_branch() {
        assert!(!graph::<4>(&[(0, 1), (1, 0), (2, 3), (3, 2)]).is_cycle());
        assert!(!graph::<4>(&[(0, 1), (1, 2)]).is_cycle());
        assert!(!graph::<4>(&[(0, 1), (1, 0), (1, 2)]).is_cycle());
        assert!(!graph::<4>(&[]).is_cycle());
        assert!(graph::<4>(&[(3, 0), (0, 2), (2, 3)]).is_cycle());
    }

    #[test]
    fn within_rejects_stray_bits_from_a_peer() {
        assert!(graph::<8>(&[(0, 1), (1, 2)]).within(3));
        assert!(!graph::<8>(&[(0, 5)]).within(3));
        assert!(!graph::<8>(&[(5, 0)]).within(3));
    }

    /// Brute force: a graph has a cycle iff some edge (a, b) has a path from b back to a.
    fn has_cycle_slow<const P: usize>(g: &WaitFor<P>) -> bool {
        let mut reach = [0u32; P];
        for (p, r) in reach.iter_mut().enumerate() {
            *r = g.row(p as u8);
        }
        for _ in 0..P {
            for p in 0..P {
                let mut r = reach[p];
                for q in 0..P {
                    if reach[p] & (1 << q) != 0 {
                        r |= reach[q];
                    }
                }
                reach[p] = r;
            }
        }
        (0..P).any(|p| reach[p] & (1 << p) != 0)
    }

    #[test]
    fn cycle_detection_agrees_with_transitive_closure_on_every_small_graph() {
        // Every graph on 3 processes (2^9), and a sweep of 4-process graphs.
        for bits in 0u32..(1 << 9) {
            let mut g = WaitFor::<3>::new();
            for i in 0..9 {
                if bits & (1 << i) != 0 {
                    g.add(i / 3, i % 3).expect("in range");
                }
            }
            let c = g.find_cycle();
            assert_eq!(c.is_some(), has_cycle_slow(&g), "{g}");
            if let Some(c) = c {
                assert!(c.is_cycle() && g.contains(&c), "{g}: {c}");
            }
        }
        for bits in (0u32..(1 << 16)).step_by(7) {
            let mut g = WaitFor::<4>::new();
            for i in 0..16 {
                if bits & (1 << i) != 0 {
                    g.add(i / 4, i % 4).expect("in range");
                }
            }
            let c = g.find_cycle();
            assert_eq!(c.is_some(), has_cycle_slow(&g), "{g}");
            if let Some(c) = c {
                assert!(c.is_cycle() && g.contains(&c), "{g}: {c}");
            }
        }
    }

    proptest::proptest! {
        /// `edges` lists exactly the set bits, in order of source then target, and `waiters`
        /// the non-empty rows, for graphs of up to 32 processes.
        #[test]
        fn edges_and_waiters_match_the_bits(rows in proptest::array::uniform32(proptest::prelude::any::<u32>())) {
            let g = WaitFor::<32>::from_rows(rows).expect("32 processes take any bits");
            let mut expected = std::vec::Vec::new();
            let mut waiters = 0u32;
            for (p, row) in rows.iter().enumerate() {
                for q in 0..32u8 {
                    if row & (1 << q) != 0 {
                        expected.push((p as u8, q));
                        waiters |= 1 << p;
                    }
                }
            }
            proptest::prop_assert_eq!(g.edges().collect::<std::vec::Vec<_>>(), expected);
            proptest::prop_assert_eq!(g.waiters(), waiters);
            let small = WaitFor::<3>::from_rows([rows[0] & 7, 0, rows[2] & 7]).expect("masked");
            let want: std::vec::Vec<_> = (0..3u8)
                .flat_map(|p| (0..3u8).map(move |q| (p, q)))
                .filter(|&(p, q)| small.has(p, q))
                .collect();
            proptest::prop_assert_eq!(small.edges().collect::<std::vec::Vec<_>>(), want);
        }
    }
}
