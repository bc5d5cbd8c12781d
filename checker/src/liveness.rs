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
//! Counterexamples are lassos: a shortest path to the cycle, then the cycle.

use crate::symmetry::Representative;
use hashbrown::HashTable;
use stateright::{Expectation, Model};
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::hash::Hash;

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
/// dozen bytes per state and per edge whatever the size of the model's state (the frontier of
/// the breadth-first search aside). Two states are taken to be the same when their fingerprints
/// are: two independent keyed 64-bit hashes, so a collision among n states has probability
/// about n²/2¹²⁹ (10⁻²⁵ for a million states), and a replay that does not reproduce a
/// fingerprint is reported rather than trusted.
struct Explored<S, A> {
    /// Each state's fingerprint.
    fingerprints: Vec<u128>,
    /// Bit k: the k-th `eventually` property's goal holds in the state.
    goals: Vec<u64>,
    /// Where each state's successors start in `edges`; one more entry than states.
    offsets: Vec<u32>,
    /// (dst, action label) pairs, grouped by source state.
    edges: Vec<(u32, u32)>,
    actions: Vec<A>,
    expanded: Vec<bool>,
    /// The initial states, by index.
    inits: Vec<(u32, S)>,
    /// The keys of the two hashes that make a fingerprint.
    keys: (std::hash::RandomState, std::hash::RandomState),
}

impl<S, A> Explored<S, A> {
    /// A state's fingerprint.
    fn fingerprint(&self, s: &S) -> u128
    where
        S: Hash,
    {
        ((self.keys.0.hash_one(s) as u128) << 64) | self.keys.1.hash_one(s) as u128
    }

    /// How many states.
    fn len(&self) -> usize {
        self.goals.len()
    }

    /// The successors of state `u`, with the label of the action to each.
    fn succ(&self, u: u32) -> &[(u32, u32)] {
        let (from, to) = (self.offsets[u as usize], self.offsets[u as usize + 1]);
        &self.edges[from as usize..to as usize]
    }
}

/// The most `eventually` properties one pass decides (one bit each).
const MAX_GOALS: usize = 64;

/// Explores every reachable state breadth-first, recording for each which of `goals` hold.
fn explore<M>(
    model: &M,
    goals: &[fn(&M, &M::State) -> bool],
    limit: usize,
    class: Option<Representative<M>>,
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
        offsets: vec![0],
        edges: Vec::new(),
        actions: Vec::new(),
        expanded: Vec::new(),
        inits: Vec::new(),
        keys: (std::hash::RandomState::new(), std::hash::RandomState::new()),
    };
    // States found and not yet expanded, in index order (breadth-first).
    let mut frontier: VecDeque<M::State> = VecDeque::new();
    // The index of `state`, adding it to the graph and the frontier if it is new.
    let mut intern = |g: &mut Explored<M::State, M::Action>,
                      frontier: &mut VecDeque<M::State>,
                      state: M::State|
     -> (u32, bool) {
        let fp = match class {
            Some(rep) => g.fingerprint(&rep(&state)),
            None => g.fingerprint(&state),
        };
        let fps = &g.fingerprints;
        if let Some(&ix) = index.find(fp as u64, |&ix| fps[ix as usize] == fp) {
            return (ix, false);
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
        frontier.push_back(state);
        (ix, true)
    };
    for s in model.init_states() {
        let (ix, new) = intern(&mut g, &mut frontier, s.clone());
        if new {
            g.inits.push((ix, s));
        }
    }
    let mut buf = Vec::new();
    while let Some(state) = frontier.pop_front() {
        if g.len() > limit.min(u32::MAX as usize) || g.edges.len() >= u32::MAX as usize {
            return None;
        }
        let inside = model.within_boundary(&state);
        if inside {
            buf.clear();
            model.actions(&state, &mut buf);
            for action in buf.drain(..) {
                let Some(succ) = model.next_state(&state, action.clone()) else { continue };
                let label = *labels.entry(action.clone()).or_insert_with(|| {
                    g.actions.push(action);
                    (g.actions.len() - 1) as u32
                });
                let (dst, _) = intern(&mut g, &mut frontier, succ);
                g.edges.push((dst, label));
            }
        }
        g.offsets.push(g.edges.len() as u32);
        g.expanded.push(inside);
    }
    Some(g)
}

/// Checks every `eventually` property of `model` soundly under weak fairness. Returns `None` if
/// the reachable graph has more than `limit` states, or the model has more than 64 such
/// properties.
pub fn check_eventually<M>(
    model: &M,
    limit: usize,
    is_fault: &dyn Fn(&M::Action) -> bool,
) -> Option<Vec<Liveness<M::State, M::Action>>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let props = eventually_properties(model);
    if props.is_empty() {
        return Some(Vec::new());
    }
    if props.len() > MAX_GOALS {
        return None;
    }
    let conditions: Vec<_> = props.iter().map(|p| p.condition).collect();
    let g = explore(model, &conditions, limit, None)?;
    let inits: Vec<u32> = g.inits.iter().map(|&(ix, _)| ix).collect();
    let fault: Vec<bool> = g.actions.iter().map(is_fault).collect();
    let outside_boundary = g.expanded.iter().filter(|&&inside| !inside).count();
    Some(
        props
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let goal: Vec<bool> = g.goals.iter().map(|b| (b >> k) & 1 == 1).collect();
                let lasso = find_lasso(&g, &goal, &inits, &fault);
                let counterexample = lasso.map(|l| replay(model, &g, l));
                Liveness { property: p.name, counterexample, outside_boundary }
            })
            .collect(),
    )
}

/// The `eventually` properties that can be shown to hold on the graph reduced by symmetry
/// (`rep`, [`crate::symmetry`]), by name; `None` when the reduced graph does not fit in
/// `limit` states or reaches past the model's boundary.
///
/// The reduced graph has a node per class of states and an edge from a class wherever the
/// state the search kept for it has a successor. It cannot tell a fair cycle from an unfair
/// one: fairness is per action, and a cycle of classes is a path between renamed states, whose
/// actions are renamed along the way. But it can rule out cycles and dead ends altogether. A
/// cycle of the whole graph is a closed walk of classes (the model commutes with renaming), a
/// dead end's class is a dead end, and goals and faults are the same for every state of a
/// class. So when the classes reachable without the goal hold no dead end and no cycle free of
/// faults, neither does the whole graph, and the property holds. A property not shown here
/// needs the whole graph ([`check_eventually`]).
pub fn holds_on_reduced<M>(
    model: &M,
    limit: usize,
    is_fault: &dyn Fn(&M::Action) -> bool,
    rep: Representative<M>,
) -> Option<Vec<&'static str>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let props = eventually_properties(model);
    if props.len() > MAX_GOALS {
        return None;
    }
    let conditions: Vec<_> = props.iter().map(|p| p.condition).collect();
    let g = explore(model, &conditions, limit, Some(rep))?;
    if g.expanded.iter().any(|&inside| !inside) {
        return None;
    }
    let fault: Vec<bool> = g.actions.iter().map(is_fault).collect();
    let ok_edge = |a: u32| !fault[a as usize];
    let inits: Vec<u32> = g.inits.iter().map(|&(ix, _)| ix).collect();
    let holds = |k: usize| {
        let goal: Vec<bool> = g.goals.iter().map(|b| (b >> k) & 1 == 1).collect();
        let Reach { seen, order, .. } = reach_without_goal(&g, &goal, &inits);
        let dead_end = order.iter().any(|&u| is_dead_end(&g, u));
        let inside = |v: u32| seen[v as usize];
        let mut comp_of = vec![u32::MAX; g.len()];
        let comps = sccs(&g, &order, &inside, &ok_edge);
        for (c, comp) in comps.iter().enumerate() {
            for &u in comp {
                comp_of[u as usize] = c as u32;
            }
        }
        // A cycle: an edge free of faults inside a component (a self-loop included).
        let cycle = order.iter().any(|&u| {
            let c = comp_of[u as usize];
            g.succ(u).iter().any(|&(v, a)| ok_edge(a) && c != u32::MAX && comp_of[v as usize] == c)
        });
        !dead_end && !cycle
    };
    Some(props.iter().enumerate().filter(|&(k, _)| holds(k)).map(|(_, p)| p.name).collect())
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

fn find_lasso<S, A>(
    g: &Explored<S, A>,
    goal: &[bool],
    inits: &[u32],
    fault: &[bool],
) -> Option<Indices> {
    let Reach { parent, seen, order } = reach_without_goal(g, goal, inits);
    // A dead end: nothing can happen, and the goal never held.
    if let Some(&u) = order.iter().find(|&&u| is_dead_end(g, u)) {
        return Some(lasso(&parent, u));
    }
    // A fair cycle among the reachable non-goal states, using no fault edge.
    let inside = |v: u32| seen[v as usize];
    let ok_edge = |a: u32| !fault[a as usize];
    for comp in sccs(g, &order, &inside, &ok_edge) {
        let in_comp: std::collections::HashSet<u32> = comp.iter().copied().collect();
        let internal: Vec<(u32, u32, u32)> = comp
            .iter()
            .flat_map(|&u| g.succ(u).iter().map(move |&(v, a)| (u, v, a)))
            .filter(|&(_, v, a)| in_comp.contains(&v) && ok_edge(a))
            .collect();
        if internal.is_empty() {
            continue; // a single state without a self-loop is not a cycle
        }
        // Actions enabled in every state of the component must be taken inside it.
        let mut always: Option<std::collections::HashSet<u32>> = None;
        for &u in &comp {
            let here: std::collections::HashSet<u32> =
                g.succ(u).iter().map(|&(_, a)| a).filter(|&a| ok_edge(a)).collect();
            always = Some(match always {
                None => here,
                Some(prev) => prev.intersection(&here).copied().collect(),
            });
        }
        let taken: std::collections::HashSet<u32> = internal.iter().map(|&(_, _, a)| a).collect();
        let required = always.unwrap_or_default();
        if !required.iter().all(|a| taken.contains(a)) {
            continue; // unfair: something enabled throughout is never taken
        }
        // Build the loop: from the entry, through one internal edge of each required action,
        // and back.
        let entry = comp.iter().copied().min_by_key(|&u| depth(&parent, u)).unwrap_or(comp[0]);
        let mut targets: Vec<(u32, u32, u32)> =
            required.iter().filter_map(|a| internal.iter().find(|e| e.2 == *a).copied()).collect();
        if targets.is_empty() {
            targets.push(internal[0]);
        }
        let mut cycle = Vec::new();
        let mut at = entry;
        for (u, v, a) in targets {
            cycle.extend(path_within(g, &in_comp, fault, at, u));
            cycle.push((a, v));
            at = v;
        }
        cycle.extend(path_within(g, &in_comp, fault, at, entry));
        let mut l = lasso(&parent, entry);
        l.cycle = cycle;
        return Some(l);
    }
    None
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

fn depth(parent: &[Option<(u32, u32)>], mut u: u32) -> usize {
    let mut d = 0;
    while let Some((p, _)) = parent[u as usize] {
        u = p;
        d += 1;
    }
    d
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
