//! Sound `eventually` checking on the extracted state graph, under weak fairness.
//!
//! stateright 0.31 reports an `eventually` violation only at a dead end, so a cycle that never
//! reaches the goal passes as "holds". Here the whole reachable graph is extracted and
//! `eventually P` fails exactly when, from the initial state, the states where P is false contain
//!
//! - a dead end (nothing can happen and P never became true), or
//! - a **fair** cycle: one that can go on forever without P.
//!
//! **Fairness assumption: weak fairness of every action, and finitely many faults.** An action
//! (delivering one particular message, firing one particular timer, a client issuing its next
//! command …) that stays enabled forever is eventually taken; and fault actions (a crash, a
//! message loss) happen only finitely often, so a cycle that needs one to repeat is not a
//! counterexample: nodes eventually stay up and retransmissions eventually get through. A cycle of non-P states is fair if every action enabled in all of
//! its states is taken somewhere on it; within a strongly connected component this holds for some
//! cycle exactly when it holds for the component as a whole, which is what is checked. Under this
//! assumption a retransmission loop that keeps resending while an acknowledgement sits ready to
//! be delivered is not a counterexample (the delivery stays enabled, so it must happen), but a
//! protocol that can wait forever with nothing useful enabled is.
//!
//! States outside the model's boundary are not expanded and are never reported as violations.
//! Counterexamples are lassos: a shortest path to the fair cycle nearest an initial state, then
//! the cycle, which is fair itself (every action enabled all the way round it is taken on it).

use crate::symmetry::Representative;
use hashbrown::HashTable;
use stateright::{Expectation, Model};
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A liveness verdict.
#[derive(Clone, Debug)]
pub struct Liveness<S, A> {
    /// The property's name.
    pub property: &'static str,
    /// The counterexample, if the property fails.
    pub counterexample: Option<Lasso<S, A>>,
    /// States reached just outside the model's boundary (`within_boundary` false), which were
    /// not explored further. When it is not 0 the verdict covers only the graph inside the
    /// boundary: a cycle that passes through such states is not seen.
    pub outside_boundary: usize,
}

/// A path from the initial state into a cycle that repeats forever.
#[derive(Clone, Debug)]
pub struct Lasso<S, A> {
    /// The initial state.
    pub init: S,
    /// Steps from the initial state to the first state of the cycle.
    pub prefix: Vec<(A, S)>,
    /// Steps around the cycle, ending where it started; empty for a dead end.
    pub cycle: Vec<(A, S)>,
}

/// The extracted graph, without its states: for each state a 128-bit fingerprint, which
/// `eventually` goals hold there, and its successors with the action taken. States are rebuilt
/// by replaying actions from an initial state only for a counterexample, so memory is a few
/// dozen bytes per state and per edge whatever the size of the model's state (the states waiting
/// to be expanded aside). Two states are taken to be the same when their fingerprints
/// are: two 64-bit hashes under independent random keys (aHash, which stateright fingerprints
/// its own states with, and faster than std's SipHash) of the byte string the state's `Hash`
/// writes, so for well-mixed hashes a collision among n states has probability about n²/2¹²⁹
/// (10⁻²⁵ for a million states), and a replay that does not reproduce a fingerprint is reported
/// rather than trusted. The string is what any byte-stream hasher (SipHash) sees of the state;
/// `Hash` implementations are written to be told apart by it.
struct Explored<S, A> {
    /// Each state's fingerprint.
    fingerprints: Vec<u128>,
    /// Bit k: the k-th `eventually` property's goal holds in the state.
    goals: Vec<u64>,
    /// Where each state's successors are in `edges`: the first, and how many (none for a state
    /// not expanded).
    spans: Vec<(u32, u32)>,
    /// (dst, action label) pairs, grouped by source state.
    edges: Vec<(u32, u32)>,
    /// For a graph reduced by symmetry, whether each edge's successor is its class's
    /// representative itself, so that the edge is an edge of the model between the two
    /// representatives (empty for a graph of states).
    exact: Vec<bool>,
    actions: Vec<A>,
    /// Whether each state was expanded (inside the model's boundary, or given a tag).
    expanded: Vec<bool>,
    /// The initial states, by index.
    inits: Vec<(u32, S)>,
    /// A tag for each expanded state (`u32::MAX` for the others): what the exploration's
    /// caller wanted to know of it, such as its class.
    tags: Vec<u32>,
    /// The keys of the two hashes that make a fingerprint.
    keys: (ahash::RandomState, ahash::RandomState),
}

thread_local! {
    /// The byte string of the state being fingerprinted, kept to reuse its allocation.
    static RECORD: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A `Hasher` that records the bytes written to it: the concatenation of a value's `Hash`
/// writes, which is all that a byte-stream hasher such as SipHash sees of it.
struct Record<'a>(&'a mut Vec<u8>);

impl std::hash::Hasher for Record<'_> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn finish(&self) -> u64 {
        0
    }
}

impl<S, A> Explored<S, A> {
    /// A state's fingerprint.
    fn fingerprint(&self, s: &S) -> u128
    where
        S: Hash,
    {
        // The state's `Hash` writes are recorded once and the record is hashed twice: walking
        // the state (every actor's `Arc`, the network's messages one by one) costs more than
        // hashing its bytes. This took 12–16 % off the liveness pass.
        RECORD.with_borrow_mut(|record| {
            record.clear();
            s.hash(&mut Record(record));
            let bytes = record.as_slice();
            ((self.keys.0.hash_one(bytes) as u128) << 64) | self.keys.1.hash_one(bytes) as u128
        })
    }

    /// The initial states' indices.
    fn init_indices(&self) -> Vec<u32> {
        self.inits.iter().map(|&(ix, _)| ix).collect()
    }

    /// How many states were reached and not expanded (outside the model's boundary).
    fn outside_boundary(&self) -> usize {
        self.expanded.iter().filter(|&&inside| !inside).count()
    }

    /// How many states.
    fn len(&self) -> usize {
        self.goals.len()
    }

    /// The successors of state `u`, with the label of the action to each.
    fn succ(&self, u: u32) -> &[(u32, u32)] {
        &self.edges[self.span(u)]
    }

    /// Where the successors of state `u` are in `edges` (and `exact`).
    fn span(&self, u: u32) -> std::ops::Range<usize> {
        let (from, n) = self.spans[u as usize];
        from as usize..from as usize + n as usize
    }

    /// For a graph reduced by symmetry: whether every edge from `u` that `keep` accepts is an
    /// edge of the model between representatives ([`Explored::exact`]).
    fn exact_from(&self, u: u32, keep: impl Fn(u32, u32) -> bool) -> bool {
        let Some(exact) = self.exact.get(self.span(u)) else { return false };
        self.succ(u).iter().zip(exact).all(|(&(v, a), &exact)| exact || !keep(v, a))
    }
}

/// The most `eventually` properties one pass decides (one bit each).
const MAX_GOALS: usize = 64;

/// How far a liveness pass may go: at most `states` states in any graph it explores, and no
/// further once `cancel` is raised. A pass that runs beside stateright's search is called off
/// that way when the search is stopped by a bound, or when memory runs short
/// ([`crate::report::run_check`]), and shows how far it has got through `explored`. A pass
/// that stops short returns `None`, as for a graph too large. A plain number of states
/// converts into a limit that is never cancelled.
#[derive(Clone, Copy, Debug)]
pub struct Limit<'a> {
    /// The most states of one explored graph.
    pub states: usize,
    /// Raised to call the pass off.
    pub cancel: Option<&'a AtomicBool>,
    /// Where the pass keeps the number of states of the graph it is exploring, for a progress
    /// display.
    pub explored: Option<&'a AtomicUsize>,
}

impl From<usize> for Limit<'_> {
    fn from(states: usize) -> Self {
        Limit { states, cancel: None, explored: None }
    }
}

impl Limit<'_> {
    /// Whether a graph of `states` states is over the limit, or the pass was called off.
    fn exceeded(&self, states: usize) -> bool {
        states > self.states.min(u32::MAX as usize)
            || self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Explores every reachable state, recording for each which of `goals` hold.
fn explore<M>(
    model: &M,
    goals: &[fn(&M, &M::State) -> bool],
    limit: Limit<'_>,
    class: Option<Representative<M>>,
) -> Option<Explored<M::State, M::Action>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let expand = |s: &M::State| model.within_boundary(s).then_some(0);
    explore_from(model, model.init_states(), goals, limit, class, &expand)
}

/// Explores every state reachable from `starts`, expanding only the states `tag` gives a tag
/// (kept in [`Explored::tags`]); the others are recorded, as not expanded, without their
/// successors. With `class`, the graph has a node per class, and what is kept and expanded for
/// it is its representative ([`Explored::exact`] notes which edges reach one).
///
/// The states waiting to be expanded are kept on a stack, newest first: the order decides only
/// how states are numbered (each state is numbered after the one it was first reached from),
/// and the analyses search the graph breadth-first themselves. A stack holds the unexpanded
/// successors along one path, where a breadth-first queue would hold a whole layer of states:
/// on `ttl --resolvers 3 --lossy` up to 190,938 of them, as much memory as the graph.
fn explore_from<M>(
    model: &M,
    starts: Vec<M::State>,
    goals: &[fn(&M, &M::State) -> bool],
    limit: Limit<'_>,
    class: Option<Representative<M>>,
    tag: &dyn Fn(&M::State) -> Option<u32>,
) -> Option<Explored<M::State, M::Action>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let mut index: HashTable<u32> = HashTable::new();
    let mut labels: HashMap<M::Action, u32> = HashMap::new();
    let mut g = Explored {
        fingerprints: Vec::new(),
        goals: Vec::new(),
        spans: Vec::new(),
        edges: Vec::new(),
        exact: Vec::new(),
        actions: Vec::new(),
        expanded: Vec::new(),
        inits: Vec::new(),
        tags: Vec::new(),
        keys: (ahash::RandomState::new(), ahash::RandomState::new()),
    };
    // States found and not yet expanded, with their indices; a state that will not be
    // expanded is not kept.
    let mut frontier: Vec<(u32, M::State)> = Vec::new();
    // The index of `state`, adding it to the graph and the frontier if it is new, and whether
    // `state` is the state the graph keeps for it. Reduced by symmetry, a class is kept as its
    // representative, and that is what is expanded.
    let mut intern = |g: &mut Explored<M::State, M::Action>,
                      frontier: &mut Vec<(u32, M::State)>,
                      state: M::State|
     -> (u32, bool, bool) {
        let (state, exact) = match class {
            Some(rep) => {
                let r = rep(&state);
                let exact = r == state;
                (r, exact)
            }
            None => (state, true),
        };
        let fp = g.fingerprint(&state);
        let fps = &g.fingerprints;
        if let Some(&ix) = index.find(fp as u64, |&ix| fps[ix as usize] == fp) {
            return (ix, false, exact);
        }
        let ix = g.fingerprints.len() as u32;
        let bits = goals
            .iter()
            .enumerate()
            .fold(0u64, |b, (k, goal)| b | ((goal(model, &state) as u64) << k));
        g.fingerprints.push(fp);
        g.goals.push(bits);
        let fps = &g.fingerprints;
        index.insert_unique(fp as u64, ix, |&i| fps[i as usize] as u64);
        let t = tag(&state);
        g.tags.push(t.unwrap_or(u32::MAX));
        g.expanded.push(t.is_some());
        g.spans.push((0, 0));
        if t.is_some() {
            frontier.push((ix, state));
        }
        (ix, true, exact)
    };
    for s in starts {
        let (ix, new, _) = intern(&mut g, &mut frontier, s.clone());
        if new {
            g.inits.push((ix, s));
        }
    }
    let mut buf = Vec::new();
    while let Some((u, state)) = frontier.pop() {
        if limit.exceeded(g.len()) || g.edges.len() >= u32::MAX as usize {
            return None;
        }
        if let Some(explored) = limit.explored {
            explored.store(g.len(), Ordering::Relaxed);
        }
        let first = g.edges.len();
        buf.clear();
        model.actions(&state, &mut buf);
        for action in buf.drain(..) {
            let Some(succ) = model.next_state(&state, action.clone()) else { continue };
            let label = *labels.entry(action.clone()).or_insert_with(|| {
                g.actions.push(action);
                (g.actions.len() - 1) as u32
            });
            let (dst, _, exact) = intern(&mut g, &mut frontier, succ);
            g.edges.push((dst, label));
            if class.is_some() {
                g.exact.push(exact);
            }
        }
        let n = g.edges.len() - first;
        g.spans[u as usize] = (first as u32, n as u32);
    }
    Some(g)
}

/// Checks every `eventually` property of `model` soundly under weak fairness. Returns `None` if
/// the reachable graph has more than `limit` states, the pass was called off ([`Limit`]), or
/// the model has more than 64 such properties.
pub fn check_eventually<'a, M>(
    model: &M,
    limit: impl Into<Limit<'a>>,
    is_fault: &dyn Fn(&M::Action) -> bool,
) -> Option<Vec<Liveness<M::State, M::Action>>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let (props, Some(g)) = explore_eventually(model, limit.into(), None)? else {
        return Some(Vec::new());
    };
    let inits = g.init_indices();
    let fault: Vec<bool> = g.actions.iter().map(is_fault).collect();
    let outside_boundary = g.outside_boundary();
    Some(
        props
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let goal: Vec<bool> = g.goals.iter().map(|b| (b >> k) & 1 == 1).collect();
                let found = find_lasso(&g, &goal, &inits, &fault, None);
                let counterexample = found.map(|f| replay(model, &g, f.lasso));
                Liveness { property: p.name, counterexample, outside_boundary }
            })
            .collect(),
    )
}

/// [`check_eventually`] on the graph reduced by symmetry (`rep`, [`crate::symmetry`]), with the
/// same verdicts and real counterexamples. Returns `None` when a graph does not fit in `limit`
/// states, or a path of the reduced graph cannot be followed in the model (`rep` is then not a
/// symmetry of it); the whole graph is then the way to decide.
///
/// The reduced graph has a node per class of states and an edge from a class wherever the
/// state the search kept for it has a successor. A cycle of the whole graph is a closed walk of
/// classes (the model commutes with renaming), a dead end's class is a dead end, and goals and
/// faults are the same for every state of a class. So:
///
/// - A class where the goal is false, reachable through such classes, that is a dead end is a
///   counterexample: its path of classes is followed in the model from an initial state,
///   choosing at each step the successor in the next class, to a state of the class.
/// - Every cycle without the goal lies in the states of one strongly connected component of
///   the reduced graph's goal-free classes and fault-free edges. Components with no edge inside
///   hold no cycle at all. The others are *unfolded*: from the state the reduced search kept
///   for one class of each, the states of their classes are explored in the model itself, and
///   fair cycles are looked for among them as [`check_eventually`] looks for them in the whole
///   graph. This finds one if the whole graph has one: if a fair cycle passes through a state
///   of a component's classes, then from any state of the component, which reaches some state
///   of every class in it, a renaming of that cycle is reachable, and a renamed fair cycle is
///   fair (the renaming maps the actions enabled and taken on it one to one). A cycle found is
///   reported as a real run: the path of classes to it followed in the model, then the
///   component unfolded again from the state that path reaches.
/// - The search keeps each class as its representative, and notes which edges lead to a
///   representative itself rather than to a renaming of one. A component whose edges inside
///   all do is not unfolded: the representatives and those edges are already the states and
///   transitions of the model among its classes (a fair cycle through them, renamed to pass
///   through one representative, can only continue along such edges), so its fairness is
///   judged as it stands, and it is unfolded only if it holds a fair cycle, to report it. On a
///   duplicating network most cycles are of this kind: a duplicate delivered again changes
///   nothing, an edge from a representative to itself.
///
/// Fairness cannot be judged on the reduced graph in general, since a cycle of classes is a path
/// between renamed states whose actions are renamed along the way; unfolding judges it on the
/// states. Where the classes hold no cycle nothing is unfolded. Like the properties, the
/// model's boundary must treat the states of a class alike.
pub fn check_eventually_reduced<'a, M>(
    model: &M,
    limit: impl Into<Limit<'a>>,
    is_fault: &dyn Fn(&M::Action) -> bool,
    rep: Representative<M>,
) -> Option<Vec<Liveness<M::State, M::Action>>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let limit = limit.into();
    let (props, Some(q)) = explore_eventually(model, limit, Some(rep))? else {
        return Some(Vec::new());
    };
    let classes: HashMap<u128, u32> =
        q.fingerprints.iter().enumerate().map(|(ix, &fp)| (fp, ix as u32)).collect();
    let class = |s: &M::State| classes.get(&q.fingerprint(&rep(s))).copied();
    let fault: Vec<bool> = q.actions.iter().map(is_fault).collect();
    let ok_edge = |a: u32| !fault[a as usize];
    let inits = q.init_indices();
    let outside_boundary = q.outside_boundary();
    let mut verdicts = Vec::with_capacity(props.len());
    for (k, p) in props.iter().enumerate() {
        let goal: Vec<bool> = q.goals.iter().map(|b| (b >> k) & 1 == 1).collect();
        let reach = reach_without_goal(&q, &goal, &inits);
        let counterexample = match reach.order.iter().find(|&&u| is_dead_end(&q, u)) {
            Some(&u) => Some(lift(model, &q, &class, lasso(&reach.parent, u))?),
            None => unfold(model, &q, rep, &reach, &ok_edge, &class, limit, is_fault)?,
        };
        verdicts.push(Liveness { property: p.name, counterexample, outside_boundary });
    }
    Some(verdicts)
}

/// The search for a fair cycle of [`check_eventually_reduced`]: explores the states of the
/// reduced graph's cyclic components (`reach`'s goal-free classes, `ok_edge`'s fault-free
/// edges) from one state of each, and returns a lasso through a fair cycle among them, or
/// `Some(None)` if there is none.
#[allow(clippy::too_many_arguments)]
fn unfold<M>(
    model: &M,
    q: &Explored<M::State, M::Action>,
    rep: Representative<M>,
    reach: &Reach,
    ok_edge: &dyn Fn(u32) -> bool,
    class: &dyn Fn(&M::State) -> Option<u32>,
    limit: Limit<'_>,
    is_fault: &dyn Fn(&M::Action) -> bool,
) -> Option<Option<Lasso<M::State, M::Action>>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let inside = |v: u32| reach.seen[v as usize];
    let mut cyclic = vec![false; q.len()];
    let mut entries = Vec::new();
    let mut in_comp = vec![false; q.len()];
    for comp in sccs(q, &reach.order, &inside, ok_edge) {
        // If every edge inside the component leads from representative to representative,
        // the component is itself the graph of the states its representatives reach among its
        // classes (a renaming of any cycle through them runs through representatives only), so
        // fairness is judged on it as it stands, and it is unfolded only for a counterexample.
        // Otherwise it is unfolded if it has an edge inside at all.
        comp.iter().for_each(|&u| in_comp[u as usize] = true);
        let exact = comp.iter().all(|&u| q.exact_from(u, |v, a| ok_edge(a) && in_comp[v as usize]));
        comp.iter().for_each(|&u| in_comp[u as usize] = false);
        let may_hold_a_fair_cycle = if exact {
            fair(q, &comp, ok_edge).is_some()
        } else {
            !taken_inside(q, &comp, ok_edge).is_empty()
        };
        if !may_hold_a_fair_cycle {
            continue;
        }
        comp.iter().for_each(|&u| cyclic[u as usize] = true);
        entries.push(comp[0]);
    }
    if entries.is_empty() {
        return Some(None);
    }
    // Any state of a class will do to start from: the one the reduced graph kept.
    let within = |classes: &[bool], s: &M::State| {
        let c = class(s)?;
        (classes[c as usize] && model.within_boundary(s)).then_some(c)
    };
    let starts = kept(model, q, rep, &entries)?;
    // Of the fair components, the one whose classes come nearest an initial state.
    let depth = depths(&reach.parent, &reach.order);
    let nearest = |c: u32| depth[c as usize];
    let found =
        fair_cycle(model, starts, limit, is_fault, &|s| within(&cyclic, s), Some(&nearest))?;
    let Some((region, found)) = found else {
        return Some(None);
    };
    // The counterexample: a path through goal-free classes to the class of the cycle's first
    // state, followed in the model, then the same unfolding of the component's classes from
    // the state reached. That holds a renaming of the component, so a fair cycle through it.
    let mut component = vec![false; q.len()];
    found.component.iter().for_each(|&u| component[region.tags[u as usize] as usize] = true);
    let entry = region.tags[found.lasso.cycle_start() as usize];
    let Lasso { init, mut prefix, .. } = lift(model, q, class, lasso(&reach.parent, entry))?;
    let at = prefix.last().map_or_else(|| init.clone(), |(_, s)| s.clone());
    let in_component = |s: &M::State| within(&component, s);
    let (again, found) = fair_cycle(model, vec![at], limit, is_fault, &in_component, None)??;
    let tail = replay(model, &again, found.lasso);
    prefix.extend(tail.prefix);
    Some(Some(Lasso { init, prefix, cycle: tail.cycle }))
}

/// A graph of states explored by [`fair_cycle`], and the counterexample found in it.
type Unfolded<S, A> = (Explored<S, A>, Found);

/// Explores from `starts` the states `class` gives a class and looks for a fair cycle among
/// them, free of faults: `Some(None)` if there is none, `None` if they do not fit in `limit`.
/// `rank` ranks the states by their class (the tag `class` gave them), to choose among fair
/// components as [`find_lasso`] does; by default, by their distance from `starts`.
fn fair_cycle<M>(
    model: &M,
    starts: Vec<M::State>,
    limit: Limit<'_>,
    is_fault: &dyn Fn(&M::Action) -> bool,
    class: &dyn Fn(&M::State) -> Option<u32>,
    rank: Option<&dyn Fn(u32) -> u32>,
) -> Option<Option<Unfolded<M::State, M::Action>>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let region = explore_from(model, starts, &[], limit, None, class)?;
    // The states left out play the goal: no cycle passes through them.
    let outside: Vec<bool> = region.expanded.iter().map(|&e| !e).collect();
    let fault: Vec<bool> = region.actions.iter().map(is_fault).collect();
    let inits = region.init_indices();
    let by_class = |u: u32| rank.map_or(0, |rank| rank(region.tags[u as usize]));
    let rank = rank.map(|_| &by_class as &dyn Fn(u32) -> u32);
    let found = find_lasso(&region, &outside, &inits, &fault, rank);
    Some(found.map(|found| (region, found)))
}

/// The states the reduced graph `q` kept for the classes `wanted` (their representatives under
/// `rep`), rebuilt by replaying the edges along which the search first reached each (those lead
/// from kept state to a state of the next class, whose representative is kept), walking the
/// tree of those edges depth-first.
fn kept<M>(
    model: &M,
    q: &Explored<M::State, M::Action>,
    rep: Representative<M>,
    wanted: &[u32],
) -> Option<Vec<M::State>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    // The edge that first reached each state (none for the initial states).
    let mut first: Vec<Option<(u32, u32)>> = vec![None; q.len()];
    let mut reached = vec![false; q.len()];
    q.inits.iter().for_each(|&(ix, _)| reached[ix as usize] = true);
    for u in 0..q.len() as u32 {
        for &(v, a) in q.succ(u) {
            if !std::mem::replace(&mut reached[v as usize], true) {
                first[v as usize] = Some((u, a));
            }
        }
    }
    // The tree's states on the way to a wanted one, and their children among them.
    let mut needed = vec![false; q.len()];
    let mut children: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
    for &w in wanted {
        let mut v = w;
        while !std::mem::replace(&mut needed[v as usize], true) {
            let Some((u, a)) = first[v as usize] else { break };
            children.entry(u).or_default().push((v, a));
            v = u;
        }
    }
    let mut is_wanted = vec![false; q.len()];
    wanted.iter().for_each(|&w| is_wanted[w as usize] = true);
    let mut out = Vec::with_capacity(wanted.len());
    let mut stack: Vec<(u32, M::State)> =
        q.inits.iter().filter(|(ix, _)| needed[*ix as usize]).map(|(u, s)| (*u, rep(s))).collect();
    while let Some((u, state)) = stack.pop() {
        for &(v, a) in children.get(&u).map_or(&[][..], |c| c.as_slice()) {
            let next = model.next_state(&state, q.actions[a as usize].clone())?;
            stack.push((v, rep(&next)));
        }
        if is_wanted[u as usize] {
            out.push(state);
        }
    }
    Some(out)
}

/// Follows a path of the reduced graph `q` in the model: from its initial state, at each step
/// the model's action whose successor is in the path's next class (the action the reduced
/// graph recorded when the state is the one it kept, a renaming of it otherwise). `None` if
/// some step has no such action, which means the representative is not a symmetry of the
/// model. The path comes back as a lasso without a cycle.
fn lift<M>(
    model: &M,
    q: &Explored<M::State, M::Action>,
    class: &dyn Fn(&M::State) -> Option<u32>,
    path: Indices,
) -> Option<Lasso<M::State, M::Action>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let init = q.inits.iter().find(|(ix, _)| *ix == path.init)?.1.clone();
    let mut at = init.clone();
    let mut steps = Vec::with_capacity(path.prefix.len());
    let mut actions = Vec::new();
    for (a, v) in path.prefix {
        actions.clear();
        model.actions(&at, &mut actions);
        let recorded = &q.actions[a as usize];
        if let Some(i) = actions.iter().position(|b| b == recorded) {
            actions.swap(0, i);
        }
        let (action, next) = actions.drain(..).find_map(|b| {
            let next = model.next_state(&at, b.clone())?;
            (class(&next) == Some(v)).then_some((b, next))
        })?;
        at = next.clone();
        steps.push((action, next));
    }
    Some(Lasso { init, prefix: steps, cycle: Vec::new() })
}

/// A model's `eventually` properties, and the graph explored with their goals if it has some.
type EventuallyGraph<M> =
    (Vec<stateright::Property<M>>, Option<Explored<<M as Model>::State, <M as Model>::Action>>);

/// The model's `eventually` properties and, when it has some, the graph explored with their
/// goals recorded (reduced by `class` if given). `None` if it has more than 64 of them or the
/// graph more than `limit` states.
fn explore_eventually<M>(
    model: &M,
    limit: Limit<'_>,
    class: Option<Representative<M>>,
) -> Option<EventuallyGraph<M>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let props = eventually_properties(model);
    if props.is_empty() {
        return Some((props, None));
    }
    if props.len() > MAX_GOALS {
        return None;
    }
    let conditions: Vec<_> = props.iter().map(|p| p.condition).collect();
    let g = explore(model, &conditions, limit, class)?;
    Some((props, Some(g)))
}

/// The model's `eventually` properties, which the passes here decide.
fn eventually_properties<M: Model>(model: &M) -> Vec<stateright::Property<M>> {
    let all = model.properties().into_iter();
    all.filter(|p| p.expectation == Expectation::Eventually).collect()
}

/// A lasso by indices: the initial state, then (action label, state) steps to the cycle's first
/// state, then the cycle's steps.
struct Indices {
    init: u32,
    prefix: Vec<(u32, u32)>,
    cycle: Vec<(u32, u32)>,
}

impl Indices {
    /// The state where the prefix ends and the cycle starts.
    fn cycle_start(&self) -> u32 {
        self.prefix.last().map_or(self.init, |&(_, v)| v)
    }
}

/// Rebuilds a lasso's states by replaying its actions from its initial state. The model is
/// deterministic (stateright rebuilds its own paths the same way), so each replayed state must
/// have the fingerprint the search recorded; anything else is a bug worth stopping for.
fn replay<M>(model: &M, g: &Explored<M::State, M::Action>, l: Indices) -> Lasso<M::State, M::Action>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let init = g
        .inits
        .iter()
        .find(|(ix, _)| *ix == l.init)
        .map(|(_, s)| s.clone())
        .expect("a lasso starts at an initial state");
    let mut at = init.clone();
    let mut walk = |steps: Vec<(u32, u32)>| -> Vec<(M::Action, M::State)> {
        steps
            .into_iter()
            .map(|(a, v)| {
                let action = g.actions[a as usize].clone();
                let next = model.next_state(&at, action.clone());
                match next.filter(|s| g.fingerprint(s) == g.fingerprints[v as usize]) {
                    Some(s) => at = s,
                    None => panic!(
                        "replaying a counterexample did not reach state {v} as the search \
                         recorded it: the model's next_state is not deterministic"
                    ),
                }
                (action, at.clone())
            })
            .collect()
    };
    let prefix = walk(l.prefix);
    let cycle = walk(l.cycle);
    Lasso { init, prefix, cycle }
}

/// A counterexample found in an explored graph: the lasso, and the states of the strongly
/// connected component its cycle runs in (the dead end alone, for a dead end).
struct Found {
    lasso: Indices,
    component: Vec<u32>,
}

/// Looks for a dead end or a fair cycle among the states reachable from `inits` where `goal`
/// is false. Of the fair components it takes the one with a state of least `rank` (by default
/// the number of steps from `inits`), and enters it at that state.
fn find_lasso<S, A>(
    g: &Explored<S, A>,
    goal: &[bool],
    inits: &[u32],
    fault: &[bool],
    rank: Option<&dyn Fn(u32) -> u32>,
) -> Option<Found> {
    let Reach { parent, seen, order } = reach_without_goal(g, goal, inits);
    // A dead end: nothing can happen, and the goal never held.
    if let Some(&u) = order.iter().find(|&&u| is_dead_end(g, u)) {
        return Some(Found { lasso: lasso(&parent, u), component: vec![u] });
    }
    // A fair cycle among the reachable non-goal states, using no fault edge: of the fair
    // components, the one nearest an initial state, so the counterexample is short.
    let inside = |v: u32| seen[v as usize];
    let ok_edge = |a: u32| !fault[a as usize];
    let depth = depths(&parent, &order);
    let by_depth = |u: u32| depth[u as usize];
    let rank = rank.unwrap_or(&by_depth);
    let mut nearest: Option<(u32, Vec<u32>, Vec<u32>)> = None;
    for comp in sccs(g, &order, &inside, &ok_edge) {
        let Some(required) = fair(g, &comp, &ok_edge) else { continue };
        let entry = comp.iter().copied().min_by_key(|&u| rank(u)).unwrap_or(comp[0]);
        if nearest.as_ref().is_none_or(|(e, ..)| rank(entry) < rank(*e)) {
            nearest = Some((entry, comp, required));
        }
    }
    let (entry, comp, required) = nearest?;
    let mut l = lasso(&parent, entry);
    l.cycle = fair_loop(g, &comp, &required, entry, fault);
    Some(Found { lasso: l, component: comp })
}

/// The actions a fair cycle through the strongly connected component `comp` must take (those
/// enabled in all its states, in the order the search labelled them), or `None` if it holds
/// no fair cycle: it has no edge inside (a single state without a self-loop), or one of those
/// actions is taken nowhere inside it. `ok_edge` says which actions are not faults.
fn fair<S, A>(g: &Explored<S, A>, comp: &[u32], ok_edge: &dyn Fn(u32) -> bool) -> Option<Vec<u32>> {
    let taken = taken_inside(g, comp, ok_edge);
    if taken.is_empty() {
        return None;
    }
    let enabled = |u: u32| g.succ(u).iter().map(|&(_, a)| a).filter(|&a| ok_edge(a));
    let mut required: Vec<u32> = enabled(comp[0]).collect();
    for &u in &comp[1..] {
        required.retain(|&a| enabled(u).any(|b| b == a));
    }
    required.sort_unstable();
    required.dedup();
    required.iter().all(|a| taken.contains(a)).then_some(required)
}

/// The actions of the edges inside `comp` that `ok_edge` accepts (none: the component holds
/// no cycle).
fn taken_inside<S, A>(
    g: &Explored<S, A>,
    comp: &[u32],
    ok_edge: &dyn Fn(u32) -> bool,
) -> std::collections::HashSet<u32> {
    let in_comp: std::collections::HashSet<u32> = comp.iter().copied().collect();
    let inside = |u: u32| g.succ(u).iter().filter(|&&(v, a)| ok_edge(a) && in_comp.contains(&v));
    comp.iter().flat_map(|&u| inside(u).map(|&(_, a)| a)).collect()
}

/// A fair cycle from `entry` through the fair component `comp`: through an internal edge of
/// each `required` action in turn, and back to `entry`.
fn fair_loop<S, A>(
    g: &Explored<S, A>,
    comp: &[u32],
    required: &[u32],
    entry: u32,
    fault: &[bool],
) -> Vec<(u32, u32)> {
    let in_comp: std::collections::HashSet<u32> = comp.iter().copied().collect();
    let ok_edge = |a: u32| !fault[a as usize];
    let internal = |a: u32| {
        comp.iter().find_map(|&u| {
            let (v, _) = *g.succ(u).iter().find(|&&(v, b)| b == a && in_comp.contains(&v))?;
            Some((u, v, a))
        })
    };
    let mut targets: Vec<(u32, u32, u32)> = required.iter().filter_map(|&a| internal(a)).collect();
    if targets.is_empty() {
        // Nothing is required: any edge inside will do.
        let any = comp.iter().find_map(|&u| {
            let &(v, a) = g.succ(u).iter().find(|&&(v, a)| ok_edge(a) && in_comp.contains(&v))?;
            Some((u, v, a))
        });
        targets.extend(any);
    }
    let mut cycle = Vec::new();
    let mut at = entry;
    for (u, v, a) in targets {
        cycle.extend(path_within(g, &in_comp, fault, at, u));
        cycle.push((a, v));
        at = v;
    }
    cycle.extend(path_within(g, &in_comp, fault, at, entry));
    // The loop must itself be fair: an action enabled in every state it visits must be taken
    // on it. One that is not is not required by the component, so some state of the component
    // does not enable it; a detour through that state ends its claim. Each detour shrinks the
    // set of actions enabled throughout, so this ends.
    let enabled = |u: u32| -> std::collections::BTreeSet<u32> {
        g.succ(u).iter().map(|&(_, a)| a).filter(|&a| ok_edge(a)).collect()
    };
    loop {
        let mut throughout = enabled(entry);
        for &(_, v) in &cycle {
            throughout.retain(|a| g.succ(v).iter().any(|&(_, b)| b == *a));
        }
        let taken: std::collections::HashSet<u32> = cycle.iter().map(|&(a, _)| a).collect();
        let Some(&a) = throughout.iter().find(|a| !taken.contains(a)) else { break };
        let Some(&w) = comp.iter().find(|&&w| !enabled(w).contains(&a)) else { break };
        cycle.extend(path_within(g, &in_comp, fault, entry, w));
        cycle.extend(path_within(g, &in_comp, fault, w, entry));
    }
    cycle
}

/// The number of steps from an initial state to each state of `order` (breadth-first, so each
/// state's parent comes before it), along `parent`; 0 for the others.
fn depths(parent: &[Option<(u32, u32)>], order: &[u32]) -> Vec<u32> {
    let mut depth = vec![0u32; parent.len()];
    for &u in order {
        if let Some((p, _)) = parent[u as usize] {
            depth[u as usize] = depth[p as usize] + 1;
        }
    }
    depth
}

/// The states reachable from the initial states through states where the goal is false.
struct Reach {
    /// Each state's parent on a shortest such path, and the action label taken from it.
    parent: Vec<Option<(u32, u32)>>,
    /// Whether each state is reached.
    seen: Vec<bool>,
    /// The states reached, breadth-first.
    order: Vec<u32>,
}

/// Breadth-first through the states where `goal` is false, from `inits`.
fn reach_without_goal<S, A>(g: &Explored<S, A>, goal: &[bool], inits: &[u32]) -> Reach {
    let n = g.len();
    let mut parent: Vec<Option<(u32, u32)>> = vec![None; n];
    let mut seen = vec![false; n];
    let mut queue = VecDeque::new();
    for &i in inits {
        if !goal[i as usize] && !seen[i as usize] {
            seen[i as usize] = true;
            queue.push_back(i);
        }
    }
    let mut order = Vec::new();
    while let Some(u) = queue.pop_front() {
        order.push(u);
        for &(v, a) in g.succ(u) {
            if !goal[v as usize] && !seen[v as usize] {
                seen[v as usize] = true;
                parent[v as usize] = Some((u, a));
                queue.push_back(v);
            }
        }
    }
    Reach { parent, seen, order }
}

/// Whether state `u` was expanded and nothing can happen there.
fn is_dead_end<S, A>(g: &Explored<S, A>, u: u32) -> bool {
    g.expanded[u as usize] && g.succ(u).is_empty()
}

/// The path from an initial state to `end` along `parent`, with no cycle yet.
fn lasso(parent: &[Option<(u32, u32)>], end: u32) -> Indices {
    let mut steps = Vec::new();
    let mut u = end;
    while let Some((p, a)) = parent[u as usize] {
        steps.push((a, u));
        u = p;
    }
    steps.reverse();
    Indices { init: u, prefix: steps, cycle: Vec::new() }
}

/// A shortest path from `from` to `to` inside the component, as (action, state) steps.
fn path_within<S, A>(
    g: &Explored<S, A>,
    comp: &std::collections::HashSet<u32>,
    fault: &[bool],
    from: u32,
    to: u32,
) -> Vec<(u32, u32)> {
    if from == to {
        return Vec::new();
    }
    let mut parent: HashMap<u32, (u32, u32)> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(u) = queue.pop_front() {
        for &(v, a) in g.succ(u) {
            if comp.contains(&v) && !fault[a as usize] && v != from && !parent.contains_key(&v) {
                parent.insert(v, (u, a));
                if v == to {
                    let mut steps = Vec::new();
                    let mut x = to;
                    while x != from {
                        let (p, a) = parent[&x];
                        steps.push((a, x));
                        x = p;
                    }
                    steps.reverse();
                    return steps;
                }
                queue.push_back(v);
            }
        }
    }
    Vec::new()
}

/// Strongly connected components of the subgraph of `nodes` (Tarjan, iterative).
fn sccs<S, A>(
    g: &Explored<S, A>,
    nodes: &[u32],
    inside: &dyn Fn(u32) -> bool,
    ok_edge: &dyn Fn(u32) -> bool,
) -> Vec<Vec<u32>> {
    let n = g.len();
    let mut index = vec![u32::MAX; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0;
    for &s in nodes {
        if index[s as usize] != u32::MAX {
            continue;
        }
        let mut call = vec![(s, 0usize)];
        index[s as usize] = counter;
        low[s as usize] = counter;
        counter += 1;
        stack.push(s);
        on_stack[s as usize] = true;
        while let Some(&mut (u, ref mut i)) = call.last_mut() {
            let edges = g.succ(u);
            if *i < edges.len() {
                let (v, a) = edges[*i];
                *i += 1;
                if !inside(v) || !ok_edge(a) {
                    continue;
                }
                if index[v as usize] == u32::MAX {
                    index[v as usize] = counter;
                    low[v as usize] = counter;
                    counter += 1;
                    stack.push(v);
                    on_stack[v as usize] = true;
                    call.push((v, 0));
                } else if on_stack[v as usize] {
                    low[u as usize] = low[u as usize].min(index[v as usize]);
                }
            } else {
                call.pop();
                if let Some(&(p, _)) = call.last() {
                    low[p as usize] = low[p as usize].min(low[u as usize]);
                }
                if low[u as usize] == index[u as usize] {
                    let mut comp = Vec::new();
                    while let Some(v) = stack.pop() {
                        on_stack[v as usize] = false;
                        comp.push(v);
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

/// The fault actions of a stateright actor model: crashes and message drops (recoveries are
/// not faults: they end one).
pub fn actor_faults<M, T, R>(action: &stateright::actor::ActorModelAction<M, T, R>) -> bool {
    use stateright::actor::ActorModelAction as A;
    matches!(action, A::Crash(_) | A::Drop(_))
}
