//! Shortest counterexamples and examples by breadth-first search.
//!
//! stateright 0.31 keeps overwriting a discovery with later states, so its paths are not the
//! shortest (a 2-step bug was reported as a 6-step path). Once stateright has found that an
//! `always` property fails or a `sometimes` property is reachable, this search finds a path of
//! minimum length to such a state, which is what a person wants to read. `eventually` paths are
//! left to stateright here.

use crate::symmetry::Representative;
use stateright::{Expectation, Model, Path};
use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

fn fingerprint<T: Hash>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// For each named `always` or `sometimes` property of `model`, a shortest path from an initial
/// state to a state where it is violated (always) or witnessed (sometimes), if one exists among
/// the first `limit` states the search reaches (`None`: no limit). A bounded check passes the
/// states it explored, so that this second search holds no more than the first did; a property
/// whose path lies further keeps the path stateright found.
///
/// With a `representative` (symmetry reduction, [`crate::symmetry`]) the search keeps one
/// state of each class, the first it reaches, and carries on from that state itself, not from
/// its representative, so the path is a real run; it is a shortest one, since a class's
/// states are all as far from the initial states.
pub fn shortest_discoveries<M>(
    model: &M,
    names: &[&'static str],
    limit: Option<usize>,
    representative: Option<Representative<M>>,
) -> HashMap<&'static str, Path<M::State, M::Action>>
where
    M: Model,
    M::State: Hash + Clone + PartialEq,
    M::Action: Clone + PartialEq,
{
    let targets: Vec<_> = model
        .properties()
        .into_iter()
        .filter(|p| names.contains(&p.name) && p.expectation != Expectation::Eventually)
        .collect();
    let is_hit = |p: &stateright::Property<M>, s: &M::State| match p.expectation {
        Expectation::Always => !(p.condition)(model, s),
        _ => (p.condition)(model, s),
    };
    // fingerprint → (parent fingerprint, action index from the parent); roots have no parent.
    let mut parents: HashMap<u64, Option<(u64, usize)>> = HashMap::new();
    let mut found: HashMap<&'static str, u64> = HashMap::new();
    let class = |s: &M::State| match representative {
        Some(rep) => fingerprint(&rep(s)),
        None => fingerprint(s),
    };
    let mut queue = VecDeque::new();
    for s in model.init_states() {
        let fp = class(&s);
        if parents.insert(fp, None).is_none() {
            queue.push_back((s, fp));
        }
    }
    let mut actions = Vec::new();
    while let Some((state, fp)) = queue.pop_front() {
        for p in &targets {
            if !found.contains_key(p.name) && is_hit(p, &state) {
                found.insert(p.name, fp);
            }
        }
        if found.len() == targets.len() {
            break;
        }
        if !model.within_boundary(&state) {
            continue;
        }
        if limit.is_some_and(|l| parents.len() >= l) {
            break;
        }
        actions.clear();
        model.actions(&state, &mut actions);
        for (i, action) in actions.drain(..).enumerate() {
            let Some(next) = model.next_state(&state, action) else { continue };
            let next_fp = class(&next);
            if let Entry::Vacant(e) = parents.entry(next_fp) {
                e.insert(Some((fp, i)));
                queue.push_back((next, next_fp));
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(name, fp)| Some((name, rebuild(model, &parents, fp, &class)?)))
        .collect()
}

/// Replays the action indices from the root to `target` to rebuild the path.
fn rebuild<M>(
    model: &M,
    parents: &HashMap<u64, Option<(u64, usize)>>,
    target: u64,
    class: &impl Fn(&M::State) -> u64,
) -> Option<Path<M::State, M::Action>>
where
    M: Model,
    M::State: Hash + Clone + PartialEq,
    M::Action: Clone + PartialEq,
{
    let mut indices = Vec::new();
    let mut fp = target;
    while let Some(Some((parent, i))) = parents.get(&fp) {
        indices.push(*i);
        fp = *parent;
    }
    indices.reverse();
    let init = model.init_states().into_iter().find(|s| class(s) == fp)?;
    let mut state = init.clone();
    let mut taken = Vec::with_capacity(indices.len());
    for i in indices {
        let mut actions = Vec::new();
        model.actions(&state, &mut actions);
        let action = actions.into_iter().nth(i)?;
        state = model.next_state(&state, action.clone())?;
        taken.push(action);
    }
    Path::from_actions(model, init, taken.iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stateright::Property;

    /// A counter that may add 1 or 2, up to 10.
    struct Count;

    impl Model for Count {
        type State = u8;
        type Action = u8;

        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }

        fn actions(&self, s: &u8, actions: &mut Vec<u8>) {
            if *s < 10 {
                actions.extend([1, 2]);
            }
        }

        fn next_state(&self, s: &u8, a: u8) -> Option<u8> {
            Some(s + a)
        }

        fn properties(&self) -> Vec<Property<Self>> {
            vec![
                Property::sometimes("reaches 9", |_, s| *s == 9),
                Property::always("below 6", |_, s| *s < 6),
            ]
        }
    }

    #[test]
    fn paths_are_shortest_and_a_limit_keeps_the_search_within_it() {
        let all = shortest_discoveries(&Count, &["reaches 9", "below 6"], None, None);
        // 9 = 2 + 2 + 2 + 2 + 1 takes 5 steps; 6 = 2 + 2 + 2 takes 3.
        assert_eq!(all["reaches 9"].last_state(), &9);
        assert_eq!(all["reaches 9"].clone().into_actions().len(), 5);
        assert_eq!(all["below 6"].clone().into_actions().len(), 3);
        // BFS takes the states in order 0, 1, 2, …: it pops 6 while knowing 8 states (0 to 7),
        // and would pop 9 knowing 11. A limit of 8 stops it after 6.
        let some = shortest_discoveries(&Count, &["reaches 9", "below 6"], Some(8), None);
        assert!(!some.contains_key("reaches 9"), "the limit stops the search before 9");
        assert_eq!(some["below 6"].clone().into_actions().len(), 3);
    }
}
