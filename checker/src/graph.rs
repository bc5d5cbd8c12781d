//! Exact long-run throughput from an explored graph.
//!
//! A timed model's reachable graph has one edge per tick, each rewarded by the deliveries it
//! completes. Over an infinite schedule the throughput is the mean reward per edge of the cycle
//! the schedule ends in, so the best and worst long-run throughput over all schedules are the
//! maximum and minimum cycle means of the graph (every node is reachable from the start). They
//! are computed here exactly, as rationals, by Howard's policy iteration, with Karp's algorithm as
//! an independent cross-check on small graphs, and each result comes with a certificate a test
//! can verify on its own: integer potentials π with q·w(e) − p + π(dst) ≤ π(src) on every edge
//! (no cycle beats p/q), plus a cycle whose mean is exactly p/q (it is attained).

use hashbrown::HashTable;
use num_rational::Ratio;
use std::hash::BuildHasher;
use std::hash::Hash;

/// A node index.
pub type NodeIx = u32;

/// A directed graph in compressed sparse row form: the out-edges of node `u` are
/// `offsets[u] .. offsets[u + 1]` in `dst` and `reward`. Every edge costs one tick.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    offsets: Vec<u32>,
    dst: Vec<NodeIx>,
    reward: Vec<u32>,
}

/// Why an analysis could not be carried out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// The graph has no nodes.
    Empty,
    /// A node has no out-edge (the analysis needs every node to have a successor; timed models
    /// always let time pass).
    DeadEnd(NodeIx),
    /// More than `u32::MAX` nodes or edges.
    TooLarge,
    /// An exact intermediate value did not fit in 128 bits.
    Overflow,
    /// Policy iteration did not settle within this many rounds (a defect to report: use
    /// [`karp_max_cycle_mean`] meanwhile).
    NoConvergence(usize),
    /// A state's rank fell outside the space given to [`extract_ranked`] (a defect in the
    /// ranking function).
    RankOutOfSpace(usize),
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GraphError::Empty => f.write_str("the graph is empty"),
            GraphError::DeadEnd(u) => write!(f, "node {u} has no successor"),
            GraphError::TooLarge => f.write_str("more than 2^32 nodes or edges"),
            GraphError::Overflow => f.write_str("an exact value overflowed 128 bits"),
            GraphError::NoConvergence(n) => {
                write!(f, "policy iteration did not settle in {n} rounds")
            }
            GraphError::RankOutOfSpace(r) => write!(f, "state rank {r} is outside its space"),
        }
    }
}

impl std::error::Error for GraphError {}

impl Graph {
    /// Builds a graph from `(src, dst, reward)` edges over nodes `0 .. nodes`.
    pub fn from_edges(nodes: usize, edges: &[(NodeIx, NodeIx, u32)]) -> Result<Graph, GraphError> {
        if nodes > u32::MAX as usize || edges.len() > u32::MAX as usize {
            return Err(GraphError::TooLarge);
        }
        let mut offsets = vec![0u32; nodes + 1];
        for &(s, d, _) in edges {
            if s as usize >= nodes || d as usize >= nodes {
                return Err(GraphError::TooLarge);
            }
            offsets[s as usize + 1] += 1;
        }
        for i in 0..nodes {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut dst = vec![0; edges.len()];
        let mut reward = vec![0; edges.len()];
        for &(s, d, w) in edges {
            let at = fill[s as usize] as usize;
            dst[at] = d;
            reward[at] = w;
            fill[s as usize] += 1;
        }
        Ok(Graph { offsets, dst, reward })
    }

    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of edges.
    pub fn edges(&self) -> usize {
        self.dst.len()
    }

    /// The out-edges of `u` as `(dst, reward)`.
    pub fn out(&self, u: NodeIx) -> impl Iterator<Item = (NodeIx, u32)> + '_ {
        let r = self.offsets[u as usize] as usize..self.offsets[u as usize + 1] as usize;
        self.dst[r.clone()].iter().copied().zip(self.reward[r].iter().copied())
    }

    fn check(&self) -> Result<(), GraphError> {
        if self.nodes() == 0 {
            return Err(GraphError::Empty);
        }
        match (0..self.nodes()).find(|&u| self.offsets[u] == self.offsets[u + 1]) {
            Some(u) => Err(GraphError::DeadEnd(u as NodeIx)),
            None => Ok(()),
        }
    }
}

/// A reachable graph extracted from a state machine, with the state behind each node.
#[derive(Clone, Debug)]
pub struct Extracted<S> {
    /// The graph; node 0 is the initial state.
    pub graph: Graph,
    /// The state of each node.
    pub states: Vec<S>,
}

/// Explores every state reachable from `init` breadth-first, calling `successors(state, push)`
/// to list each successor with the reward of the edge to it, and numbers states in discovery
/// order. Memory is proportional to the graph: one copy of each state and 8 bytes per edge.
pub fn extract<S, F>(init: S, mut successors: F) -> Result<Extracted<S>, GraphError>
where
    S: Clone + Eq + Hash,
    F: FnMut(&S, &mut dyn FnMut(S, u32)),
{
    // The table holds only node indices (4 bytes each); keys are compared against `states`.
    let build = rustc_hash::FxBuildHasher;
    let mut index: HashTable<NodeIx> = HashTable::new();
    let mut states = vec![init.clone()];
    index.insert_unique(build.hash_one(&init), 0, |&ix| build.hash_one(&states[ix as usize]));
    // Nodes are expanded in index order, so the edges arrive grouped by source: the CSR arrays
    // are filled directly.
    let mut g = Graph { offsets: vec![0], dst: Vec::new(), reward: Vec::new() };
    let mut next = 0usize;
    while next < states.len() {
        let state = states[next].clone();
        successors(&state, &mut |succ, reward| {
            let hash = build.hash_one(&succ);
            let dst = match index.find(hash, |&ix| states[ix as usize] == succ) {
                Some(&ix) => ix,
                None => {
                    let ix = states.len() as NodeIx;
                    states.push(succ);
                    index.insert_unique(hash, ix, |&i| build.hash_one(&states[i as usize]));
                    ix
                }
            };
            g.dst.push(dst);
            g.reward.push(reward);
        });
        if states.len() > u32::MAX as usize || g.dst.len() > u32::MAX as usize {
            return Err(GraphError::TooLarge);
        }
        g.offsets.push(g.dst.len() as u32);
        next += 1;
    }
    Ok(Extracted { graph: g, states })
}

/// [`extract`] for a state space with a perfect index: `rank` maps every reachable state to a
/// distinct number below `space`, so a dense array replaces the hash table (no hashing, no key
/// comparison). Node numbering is the same breadth-first order as [`extract`].
pub fn extract_ranked<S, F, R>(
    init: S,
    space: usize,
    rank: R,
    mut successors: F,
) -> Result<Extracted<S>, GraphError>
where
    S: Clone,
    R: Fn(&S) -> usize,
    F: FnMut(&S, &mut dyn FnMut(S, u32)),
{
    const UNSEEN: NodeIx = NodeIx::MAX;
    let mut index: Vec<NodeIx> = vec![UNSEEN; space];
    let r0 = rank(&init);
    *index.get_mut(r0).ok_or(GraphError::RankOutOfSpace(r0))? = 0;
    let mut states = vec![init];
    let mut g = Graph { offsets: vec![0], dst: Vec::new(), reward: Vec::new() };
    let mut next = 0usize;
    let mut bad = None;
    while next < states.len() {
        let state = states[next].clone();
        successors(&state, &mut |succ, reward| {
            let r = rank(&succ);
            let Some(slot) = index.get_mut(r) else {
                bad = Some(r);
                return;
            };
            if *slot == UNSEEN {
                *slot = states.len() as NodeIx;
                states.push(succ);
            }
            g.dst.push(*slot);
            g.reward.push(reward);
        });
        if let Some(r) = bad {
            return Err(GraphError::RankOutOfSpace(r));
        }
        if states.len() >= UNSEEN as usize || g.dst.len() > u32::MAX as usize {
            return Err(GraphError::TooLarge);
        }
        g.offsets.push(g.dst.len() as u32);
        next += 1;
    }
    Ok(Extracted { graph: g, states })
}

/// A cycle mean with the evidence for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certified {
    /// The cycle mean λ, in lowest terms (deliveries per tick).
    pub mean: Ratio<i64>,
    /// λ = p / q with the scale the potentials use (p/q may not be in lowest terms).
    pub p: i128,
    /// See `p`.
    pub q: i128,
    /// One potential per node: for a maximum, q·w(e) − p + π(dst) ≤ π(src) on every edge; for a
    /// minimum, q·w(e) − p + π(dst) ≥ π(src).
    pub potentials: Vec<i128>,
    /// A cycle (its nodes in order) whose mean is exactly λ.
    pub cycle: Vec<NodeIx>,
    /// Policy-iteration rounds used.
    pub iterations: usize,
}

/// Best and worst long-run throughput of a graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Throughput {
    /// The maximum cycle mean: the best schedule's deliveries per tick.
    pub best: Certified,
    /// The minimum cycle mean: the worst schedule's deliveries per tick.
    pub worst: Certified,
}

/// Computes the maximum and minimum cycle means with certificates.
pub fn throughput(g: &Graph) -> Result<Throughput, GraphError> {
    Ok(Throughput { best: max_cycle_mean(g)?, worst: min_cycle_mean(g)? })
}

/// The maximum cycle mean of `g`, by Howard's policy iteration in exact integer arithmetic.
pub fn max_cycle_mean(g: &Graph) -> Result<Certified, GraphError> {
    howard(g, |w| w as i64)
}

/// The minimum cycle mean of `g` (the maximum of the negated rewards, mirrored back).
pub fn min_cycle_mean(g: &Graph) -> Result<Certified, GraphError> {
    let mut c = howard(g, |w| -(w as i64))?;
    c.mean = -c.mean;
    c.p = -c.p;
    for x in &mut c.potentials {
        *x = -*x;
    }
    Ok(c)
}

/// A reduced fraction p/q with q > 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Frac {
    p: i128,
    q: i128,
}

impl Frac {
    fn new(p: i128, q: i128) -> Frac {
        let g = gcd(p.unsigned_abs(), q.unsigned_abs()) as i128;
        let g = if g == 0 { 1 } else { g };
        Frac { p: p / g, q: q / g }
    }
    fn cmp(self, o: Frac) -> std::cmp::Ordering {
        (self.p * o.q).cmp(&(o.p * self.q))
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Rounds of value iteration that choose Howard's initial policy.
const WARM_START_STEPS: usize = 8;

/// Policy-iteration rounds after which the analysis gives up with an error rather than hang.
const MAX_ITERATIONS: usize = 10_000;

/// Howard's policy iteration for the maximum cycle mean of weights `weight(reward)`.
///
/// Each node keeps one chosen out-edge (the policy). Evaluating a policy finds the cycle each
/// node's path ends in, that cycle's mean λ (the node's value) and a potential x with
/// x(u) = w(u) − λ + x(next(u)), kept as X = q·x, an integer, where λ = p/q. Improving switches a
/// node to an edge leading to a higher value, or, among edges of equal value, to one with a
/// higher w − λ + x(v). When nothing improves, the policy is optimal. Values are compared by
/// their rank among the distinct cycle means of the current policy, so the hot loops compare
/// integers.
fn howard(g: &Graph, weight: impl Fn(u32) -> i64) -> Result<Certified, GraphError> {
    g.check()?;
    let n = g.nodes();
    let w_of = |e: usize| weight(g.reward[e]);
    // Initial policy: the best edge for a few steps of lookahead (value iteration), which
    // starts Howard near the optimum and saves most of its rounds.
    let mut v = vec![0i64; n];
    let mut nv = vec![0i64; n];
    for _ in 0..WARM_START_STEPS {
        for (u, x) in nv.iter_mut().enumerate() {
            let (a, b) = (g.offsets[u] as usize, g.offsets[u + 1] as usize);
            *x = (a..b).map(|e| w_of(e) + v[g.dst[e] as usize]).max().unwrap_or(0);
        }
        // Every node gained the same this step: the greedy policy already attains that gain
        // everywhere, so more lookahead cannot choose better (the free sender's minimum is
        // found here after one step).
        let gain = nv[0] - v[0];
        let uniform = nv.iter().zip(&v).all(|(a, b)| a - b == gain);
        std::mem::swap(&mut v, &mut nv);
        if uniform {
            break;
        }
    }
    let mut policy: Vec<u32> = (0..n)
        .map(|u| {
            let (a, b) = (g.offsets[u] as usize, g.offsets[u + 1] as usize);
            let score = |e: usize| w_of(e) + v[g.dst[e] as usize];
            let mut best = a;
            for e in a..b {
                if score(e) > score(best) {
                    best = e;
                }
            }
            best as u32
        })
        .collect();
    drop((v, nv));
    let mut eval = Evaluation::new(n);
    let mut iterations = 0;
    loop {
        iterations += 1;
        if iterations > MAX_ITERATIONS {
            return Err(GraphError::NoConvergence(MAX_ITERATIONS));
        }
        eval.run(g, &policy, &w_of)?;
        let (rank, pot, lams) = (&eval.rank, &eval.pot, &eval.lams);
        let mut changed = false;
        // With a single value class no edge leads to a higher value: skip the scan.
        for u in (0..n).filter(|_| lams.len() > 1) {
            let mut best = (policy[u] as usize, rank[u]);
            for e in g.offsets[u] as usize..g.offsets[u + 1] as usize {
                let r = rank[g.dst[e] as usize];
                if r > best.1 {
                    best = (e, r);
                }
            }
            if best.1 > rank[u] {
                policy[u] = best.0 as u32;
                changed = true;
            }
        }
        if !changed {
            for u in 0..n {
                let (ru, lam) = (rank[u], lams[rank[u] as usize]);
                let mut best = (policy[u] as usize, pot[u]);
                for e in g.offsets[u] as usize..g.offsets[u + 1] as usize {
                    let v = g.dst[e] as usize;
                    if rank[v] != ru {
                        continue;
                    }
                    let score = step(lam, w_of(e), pot[v])?;
                    if score > best.1 {
                        best = (e, score);
                    }
                }
                if best.0 != policy[u] as usize {
                    policy[u] = best.0 as u32;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let value: Vec<Frac> = eval.rank.iter().map(|&r| eval.lams[r as usize]).collect();
    let pot: Vec<i128> = eval.pot.iter().map(|&x| x as i128).collect();
    certify(g, &policy, &|e| w_of(e) as i128, &value, &pot, iterations)
}

/// The evaluation of a policy: each node's value (as a rank into `lams`, the distinct cycle
/// means in ascending order) and its scaled potential X = q·x.
struct Evaluation {
    rank: Vec<u32>,
    pot: Vec<i64>,
    lams: Vec<Frac>,
    next: Vec<u32>,
    wp: Vec<i64>,
    mark: Vec<u8>,
    pos: Vec<u32>,
    cycle_of: Vec<u32>,
    path: Vec<u32>,
}

impl Evaluation {
    fn new(n: usize) -> Self {
        Evaluation {
            rank: vec![0; n],
            pot: vec![0; n],
            lams: Vec::new(),
            next: vec![0; n],
            wp: vec![0; n],
            mark: vec![0; n],
            pos: vec![0; n],
            cycle_of: vec![0; n],
            path: Vec::new(),
        }
    }

    /// One forward pass: from each unfinished node, walk the policy until a finished node or a
    /// node of the current walk (a new cycle), then unwind the walk computing potentials.
    fn run(
        &mut self,
        g: &Graph,
        policy: &[u32],
        w_of: &impl Fn(usize) -> i64,
    ) -> Result<(), GraphError> {
        const NEW: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let n = g.nodes();
        for (u, &e) in policy.iter().enumerate() {
            self.next[u] = g.dst[e as usize];
            self.wp[u] = w_of(e as usize);
        }
        self.mark.fill(NEW);
        let mut cycles: Vec<Frac> = Vec::new();
        for s in 0..n {
            if self.mark[s] == DONE {
                continue;
            }
            self.path.clear();
            let mut u = s;
            while self.mark[u] == NEW {
                self.mark[u] = ON_PATH;
                self.pos[u] = self.path.len() as u32;
                self.path.push(u as u32);
                u = self.next[u] as usize;
            }
            if self.mark[u] == ON_PATH {
                // A new cycle: path[pos[u]..].
                let at = self.pos[u] as usize;
                let mut sum = 0i64;
                for &v in &self.path[at..] {
                    sum = sum.checked_add(self.wp[v as usize]).ok_or(GraphError::Overflow)?;
                }
                let len = (self.path.len() - at) as i128;
                let lam = Frac::new(sum as i128, len);
                let c = cycles.len() as u32;
                cycles.push(lam);
                // Anchor the potentials at the cycle's lowest node, so a cycle the policy keeps
                // keeps its potentials from round to round (otherwise the improvement step can
                // oscillate and policy iteration need not terminate).
                let len = self.path.len() - at;
                let (k, &root) = self.path[at..]
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, &v)| v)
                    .unwrap_or((0, &self.path[at]));
                let root = root as usize;
                self.pot[root] = 0;
                self.cycle_of[root] = c;
                self.mark[root] = DONE;
                // Walk backwards around the cycle from the root's predecessor.
                for i in 1..len {
                    let v = self.path[at + (k + len - i) % len] as usize;
                    let nx = self.next[v] as usize;
                    self.pot[v] = step(lam, self.wp[v], self.pot[nx])?;
                    self.cycle_of[v] = c;
                    self.mark[v] = DONE;
                }
                self.path.truncate(at);
            }
            // Unwind the tail towards the finished node it runs into.
            while let Some(v) = self.path.pop() {
                let v = v as usize;
                let nx = self.next[v] as usize;
                let c = self.cycle_of[nx];
                self.pot[v] = step(cycles[c as usize], self.wp[v], self.pot[nx])?;
                self.cycle_of[v] = c;
                self.mark[v] = DONE;
            }
        }
        // Rank the distinct cycle means, then give every node its cycle's rank.
        let mut order: Vec<Frac> = cycles.clone();
        order.sort_by(|a, b| a.cmp(*b));
        order.dedup();
        self.lams = order;
        let rank_of: Vec<u32> = cycles
            .iter()
            .map(|c| self.lams.binary_search_by(|d| d.cmp(*c)).unwrap_or(0) as u32)
            .collect();
        for u in 0..n {
            self.rank[u] = rank_of[self.cycle_of[u] as usize];
        }
        Ok(())
    }
}

/// X(u) = q·w − p + X(next), checked.
fn step(lam: Frac, w: i64, x_next: i64) -> Result<i64, GraphError> {
    let q = i64::try_from(lam.q).map_err(|_| GraphError::Overflow)?;
    let p = i64::try_from(lam.p).map_err(|_| GraphError::Overflow)?;
    q.checked_mul(w)
        .and_then(|a| a.checked_sub(p))
        .and_then(|a| a.checked_add(x_next))
        .ok_or(GraphError::Overflow)
}

/// Turns the optimal policy into a global certificate for λ* = the start node's value (every
/// node is reachable from the start, so it is the maximum over all cycles).
fn certify(
    g: &Graph,
    policy: &[u32],
    w_of: &impl Fn(usize) -> i128,
    value: &[Frac],
    pot: &[i128],
    iterations: usize,
) -> Result<Certified, GraphError> {
    let n = g.nodes();
    let star = value.iter().copied().max_by(|a, b| a.cmp(*b)).unwrap_or(Frac { p: 0, q: 1 });
    // Common scale S: the lcm of every value's denominator, so S·x is an integer everywhere.
    let mut s: i128 = 1;
    for v in value {
        let g = gcd(s as u128, v.q as u128) as i128;
        s = (s / g).checked_mul(v.q).ok_or(GraphError::Overflow)?;
    }
    let scaled = |u: usize| -> Result<i128, GraphError> {
        (s / value[u].q).checked_mul(pot[u]).ok_or(GraphError::Overflow)
    };
    let p_star = (s / star.q).checked_mul(star.p).ok_or(GraphError::Overflow)?;
    // Rank the distinct values: edges never lead to a higher value, and a drop in rank pays for
    // the slack those edges need.
    let mut distinct: Vec<Frac> = value.to_vec();
    distinct.sort_by(|a, b| a.cmp(*b));
    distinct.dedup();
    let rank: Vec<i128> = value
        .iter()
        .map(|v| distinct.binary_search_by(|d| d.cmp(*v)).unwrap_or(0) as i128)
        .collect();
    let mut base = vec![0i128; n];
    for (u, b) in base.iter_mut().enumerate() {
        *b = scaled(u)?;
    }
    let mut bump: i128 = 0;
    for u in 0..n {
        for e in g.offsets[u] as usize..g.offsets[u + 1] as usize {
            let v = g.dst[e] as usize;
            if rank[u] > rank[v] {
                let need = s
                    .checked_mul(w_of(e))
                    .and_then(|a| a.checked_sub(p_star))
                    .and_then(|a| a.checked_add(base[v]))
                    .and_then(|a| a.checked_sub(base[u]))
                    .ok_or(GraphError::Overflow)?;
                bump = bump.max(need);
            }
        }
    }
    let potentials = (0..n)
        .map(|u| bump.checked_mul(rank[u]).and_then(|a| a.checked_add(base[u])))
        .collect::<Option<Vec<_>>>()
        .ok_or(GraphError::Overflow)?;
    // The witness: follow the policy from a node of value λ* until it repeats.
    let start = (0..n).find(|&u| value[u] == star).unwrap_or(0);
    let mut seen = vec![false; n];
    let mut u = start;
    while !seen[u] {
        seen[u] = true;
        u = g.dst[policy[u] as usize] as usize;
    }
    let mut cycle = vec![u as NodeIx];
    let mut v = g.dst[policy[u] as usize] as usize;
    while v != u {
        cycle.push(v as NodeIx);
        v = g.dst[policy[v] as usize] as usize;
    }
    let mean = Ratio::new(
        i64::try_from(star.p).map_err(|_| GraphError::Overflow)?,
        i64::try_from(star.q).map_err(|_| GraphError::Overflow)?,
    );
    Ok(Certified { mean, p: p_star, q: s, potentials, cycle, iterations })
}

/// Why a certificate was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertError {
    /// p/q does not equal the claimed mean, or q ≤ 0.
    Mean,
    /// The potentials do not fit the graph.
    Size,
    /// An edge violates the potential inequality.
    Edge {
        /// Source node.
        src: NodeIx,
        /// Destination node.
        dst: NodeIx,
    },
    /// The witness is not a cycle of the graph with mean λ.
    Cycle,
}

/// Which side a certificate bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// No cycle has a larger mean.
    Max,
    /// No cycle has a smaller mean.
    Min,
}

/// Checks a certificate independently of how it was computed: the potential inequality on every
/// edge (no cycle beats λ), and a witness cycle of mean exactly λ (λ is attained).
pub fn verify(g: &Graph, c: &Certified, side: Side) -> Result<(), CertError> {
    if c.q <= 0 || c.mean != Ratio::new(c.p as i64, c.q as i64) {
        return Err(CertError::Mean);
    }
    if c.potentials.len() != g.nodes() {
        return Err(CertError::Size);
    }
    for u in 0..g.nodes() as NodeIx {
        for (v, w) in g.out(u) {
            let lhs = c.q * w as i128 - c.p + c.potentials[v as usize];
            let rhs = c.potentials[u as usize];
            let ok = match side {
                Side::Max => lhs <= rhs,
                Side::Min => lhs >= rhs,
            };
            if !ok {
                return Err(CertError::Edge { src: u, dst: v });
            }
        }
    }
    // The witness cycle: consecutive nodes joined by edges; pick, for each hop, the edge whose
    // reward is most favourable to the side, and require the mean to be exactly λ.
    if c.cycle.is_empty() {
        return Err(CertError::Cycle);
    }
    let mut sum: i128 = 0;
    for (i, &u) in c.cycle.iter().enumerate() {
        let v = c.cycle[(i + 1) % c.cycle.len()];
        let rewards = g.out(u).filter(|&(d, _)| d == v).map(|(_, w)| w as i128);
        let w = match side {
            Side::Max => rewards.max(),
            Side::Min => rewards.min(),
        };
        sum += w.ok_or(CertError::Cycle)?;
    }
    if Ratio::new(sum as i64, c.cycle.len() as i64) != c.mean {
        return Err(CertError::Cycle);
    }
    Ok(())
}

/// Karp's algorithm: the maximum cycle mean, in O(n·m) time per strongly connected component.
/// Independent of [`max_cycle_mean`]; use it as a cross-check on small graphs.
pub fn karp_max_cycle_mean(g: &Graph) -> Option<Ratio<i64>> {
    let comps = sccs(g);
    let mut best: Option<Ratio<i64>> = None;
    for comp in comps {
        let n = comp.len();
        let mut local = vec![usize::MAX; g.nodes()];
        for (i, &u) in comp.iter().enumerate() {
            local[u as usize] = i;
        }
        // Does the component have a cycle? (a single node needs a self-loop)
        let has_edge = comp.iter().any(|&u| g.out(u).any(|(v, _)| local[v as usize] != usize::MAX));
        if !has_edge {
            continue;
        }
        // D[k][v]: the heaviest walk of exactly k edges from comp[0] to v inside the component.
        let mut d = vec![vec![None::<i64>; n]; n + 1];
        d[0][0] = Some(0);
        for k in 1..=n {
            for (i, &u) in comp.iter().enumerate() {
                let Some(du) = d[k - 1][i] else { continue };
                for (v, w) in g.out(u) {
                    let j = local[v as usize];
                    if j == usize::MAX {
                        continue;
                    }
                    let cand = du + w as i64;
                    if d[k][j].is_none_or(|x| cand > x) {
                        d[k][j] = Some(cand);
                    }
                }
            }
        }
        let mut comp_best: Option<Ratio<i64>> = None;
        for (v, &last) in d[n].iter().enumerate() {
            let Some(dn) = last else { continue };
            let worst =
                (0..n).filter_map(|k| d[k][v].map(|dk| Ratio::new(dn - dk, (n - k) as i64))).min();
            if let Some(x) = worst {
                comp_best = Some(comp_best.map_or(x, |b: Ratio<i64>| b.max(x)));
            }
        }
        if let Some(x) = comp_best {
            best = Some(best.map_or(x, |b| b.max(x)));
        }
    }
    best
}

/// Strongly connected components (Tarjan's algorithm, iterative).
fn sccs(g: &Graph) -> Vec<Vec<NodeIx>> {
    let n = g.nodes();
    let mut index = vec![u32::MAX; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0u32;
    for s in 0..n {
        if index[s] != u32::MAX {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(s, g.offsets[s] as usize)];
        index[s] = counter;
        low[s] = counter;
        counter += 1;
        stack.push(s);
        on_stack[s] = true;
        while let Some(&mut (u, ref mut e)) = call.last_mut() {
            if *e < g.offsets[u + 1] as usize {
                let v = g.dst[*e] as usize;
                *e += 1;
                if index[v] == u32::MAX {
                    index[v] = counter;
                    low[v] = counter;
                    counter += 1;
                    stack.push(v);
                    on_stack[v] = true;
                    call.push((v, g.offsets[v] as usize));
                } else if on_stack[v] {
                    low[u] = low[u].min(index[v]);
                }
            } else {
                call.pop();
                if let Some(&(p, _)) = call.last() {
                    low[p] = low[p].min(low[u]);
                }
                if low[u] == index[u] {
                    let mut comp = Vec::new();
                    while let Some(v) = stack.pop() {
                        on_stack[v] = false;
                        comp.push(v as NodeIx);
                        if v == u {
                            break;
                        }
                    }
                    out.push(comp);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(p: i64, q: i64) -> Ratio<i64> {
        Ratio::new(p, q)
    }

    #[test]
    fn two_cycles_best_and_worst() {
        // 0 ⇄ 1 with rewards 3, 1 (mean 2); 1 ⇄ 2 with rewards 0, 0 (mean 0); 2 → 2 reward 1.
        let g = Graph::from_edges(3, &[(0, 1, 3), (1, 0, 1), (1, 2, 0), (2, 1, 0), (2, 2, 1)])
            .expect("graph");
        let t = throughput(&g).expect("analysis");
        assert_eq!(t.best.mean, r(2, 1));
        assert_eq!(t.worst.mean, r(0, 1));
        verify(&g, &t.best, Side::Max).expect("max certificate");
        verify(&g, &t.worst, Side::Min).expect("min certificate");
        assert_eq!(karp_max_cycle_mean(&g), Some(r(2, 1)));
    }

    #[test]
    fn a_wrong_certificate_is_rejected() {
        let g = Graph::from_edges(2, &[(0, 1, 1), (1, 0, 0), (1, 1, 0)]).expect("graph");
        let mut c = max_cycle_mean(&g).expect("analysis");
        assert_eq!(c.mean, r(1, 2));
        verify(&g, &c, Side::Max).expect("valid");
        let mut low = c.clone();
        low.mean = r(1, 3);
        assert_eq!(verify(&g, &low, Side::Max), Err(CertError::Mean));
        c.potentials[0] -= 10;
        assert!(matches!(verify(&g, &c, Side::Max), Err(CertError::Edge { .. })));
    }

    #[test]
    fn dead_ends_are_reported() {
        let g = Graph::from_edges(2, &[(0, 1, 1)]).expect("graph");
        assert_eq!(max_cycle_mean(&g), Err(GraphError::DeadEnd(1)));
    }

    #[test]
    fn extraction_numbers_states_breadth_first() {
        // Counting modulo 3, reward 1 on the wrap.
        let x = extract(0u8, |s, push| push((s + 1) % 3, u32::from(*s == 2))).expect("extract");
        assert_eq!(x.states, [0, 1, 2]);
        assert_eq!(x.graph.edges(), 3);
        assert_eq!(max_cycle_mean(&x.graph).expect("mean").mean, r(1, 3));
    }
}
