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

/// The extracted graph: states, and for each its successors with the action taken. Each state
/// is stored once (the hash table holds indices into `states`), and the edges are in one array
/// (compressed sparse rows): for a large model the states are most of the memory.
struct Explored<S, A> {
    states: Vec<S>,
    /// Where each state's successors start in `edges`; one more entry than states.
    offsets: Vec<u32>,
    /// (dst, action label) pairs, grouped by source state.
    edges: Vec<(u32, u32)>,
    actions: Vec<A>,
    expanded: Vec<bool>,
}

impl<S, A> Explored<S, A> {
    /// The successors of state `u`, with the label of the action to each.
    fn succ(&self, u: u32) -> &[(u32, u32)] {
        let (from, to) = (self.offsets[u as usize], self.offsets[u as usize + 1]);
        &self.edges[from as usize..to as usize]
    }
}

fn explore<M>(model: &M, limit: usize) -> Option<Explored<M::State, M::Action>>
where
    M: Model,
    M::State: Hash + Eq + Clone,
    M::Action: Hash + Eq + Clone,
{
    let build = rustc_hash::FxBuildHasher;
    let mut index: HashTable<u32> = HashTable::new();
    let mut labels: HashMap<M::Action, u32> = HashMap::new();
    let mut g = Explored {
        states: Vec::new(),
        offsets: vec![0],
        edges: Vec::new(),
        actions: Vec::new(),
        expanded: Vec::new(),
    };
    // The index of `state`, adding it if it is new.
    let mut intern = |g: &mut Explored<M::State, M::Action>, state: M::State| -> u32 {
        let hash = build.hash_one(&state);
        match index.find(hash, |&ix| g.states[ix as usize] == state) {
            Some(&ix) => ix,
            None => {
                let ix = g.states.len() as u32;
                g.states.push(state);
                let states = &g.states;
                index.insert_unique(hash, ix, |&i| build.hash_one(&states[i as usize]));
                ix
            }
        }
    };
    for s in model.init_states() {
        intern(&mut g, s);
    }
    let mut next = 0;
    let mut buf = Vec::new();
    while next < g.states.len() {
        if g.states.len() > limit.min(u32::MAX as usize) || g.edges.len() >= u32::MAX as usize {
            return None;
        }
        let state = g.states[next].clone();
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
                let dst = intern(&mut g, succ);
                g.edges.push((dst, label));
            }
        }
        g.offsets.push(g.edges.len() as u32);
        g.expanded.push(inside);
        next += 1;
    }
    Some(g)
}

/// Checks every `eventually` property of `model` soundly under weak fairness. Returns `None` if
/// the reachable graph has more than `limit` states.
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
    let props: Vec<_> = model
        .properties()
        .into_iter()
        .filter(|p| p.expectation == Expectation::Eventually)
        .collect();
    if props.is_empty() {
        return Some(Vec::new());
    }
    let g = explore(model, limit)?;
    let inits: Vec<u32> = (0..model.init_states().len() as u32).collect();
    let fault: Vec<bool> = g.actions.iter().map(is_fault).collect();
    Some(
        props
            .into_iter()
            .map(|p| {
                let goal: Vec<bool> = g.states.iter().map(|s| (p.condition)(model, s)).collect();
                Liveness { property: p.name, counterexample: find_lasso(&g, &goal, &inits, &fault) }
            })
            .collect(),
    )
}

fn find_lasso<S: Clone, A: Clone>(
    g: &Explored<S, A>,
    goal: &[bool],
    inits: &[u32],
    fault: &[bool],
) -> Option<Lasso<S, A>> {
    let n = g.states.len();
    // Breadth-first through non-goal states from the initial states.
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
    // A dead end: nothing can happen, and the goal never held.
    if let Some(&u) = order.iter().find(|&&u| g.expanded[u as usize] && g.succ(u).is_empty()) {
        return Some(lasso(g, &parent, u, Vec::new()));
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
        let mut l = lasso(g, &parent, entry, Vec::new());
        l.cycle = cycle
            .into_iter()
            .map(|(a, v)| (g.actions[a as usize].clone(), g.states[v as usize].clone()))
            .collect();
        return Some(l);
    }
    None
}

fn depth(parent: &[Option<(u32, u32)>], mut u: u32) -> usize {
    let mut d = 0;
    while let Some((p, _)) = parent[u as usize] {
        u = p;
        d += 1;
    }
    d
}

fn lasso<S: Clone, A: Clone>(
    g: &Explored<S, A>,
    parent: &[Option<(u32, u32)>],
    end: u32,
    cycle: Vec<(A, S)>,
) -> Lasso<S, A> {
    let mut steps = Vec::new();
    let mut u = end;
    while let Some((p, a)) = parent[u as usize] {
        steps.push((g.actions[a as usize].clone(), g.states[u as usize].clone()));
        u = p;
    }
    steps.reverse();
    Lasso { init: g.states[u as usize].clone(), prefix: steps, cycle }
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
    let n = g.states.len();
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
