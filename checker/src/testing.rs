//! Helpers for model-check tests, shared by every protocol's tests: run a model to completion,
//! require every property to get the verdict it asks for, or require the checker to catch a
//! deliberately broken variant with a path that really ends in a violation.

use stateright::{Checker, Expectation, Model};
use std::fmt::Debug;
use std::hash::Hash;

/// Runs a full breadth-first check on one thread (the configuration state counts are pinned
/// with).
pub fn check<M>(model: M) -> impl Checker<M>
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Hash + Clone + PartialEq + Send + Sync + 'static,
    M::Action: Debug + Clone + PartialEq + Send + Sync + 'static,
{
    model.checker().spawn_bfs().join()
}

/// Panics unless every `always`/`eventually` property holds and every `sometimes` property is
/// witnessed; returns the unique state count. `label` names the scenario in failures.
pub fn assert_all_pass<M>(model: M, label: &str) -> usize
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Hash + Clone + PartialEq + Send + Sync + 'static,
    M::Action: Debug + Clone + PartialEq + Send + Sync + 'static,
{
    let checker = check(model);
    for p in checker.model().properties() {
        let found = checker.discovery(p.name);
        match (p.expectation, found) {
            (Expectation::Sometimes, None) => panic!("{label}: no example of '{}'", p.name),
            (Expectation::Sometimes, Some(_)) | (_, None) => {}
            (_, Some(path)) => panic!("{label}: '{}' violated: {path}", p.name),
        }
    }
    checker.unique_state_count()
}

/// Panics unless the checker finds a counterexample to `property` whose last state really
/// violates it (re-evaluated here, not taken on trust) and whose first state satisfies it.
/// Returns the path's actions.
pub fn assert_caught<M>(model: M, property: &'static str, label: &str) -> Vec<M::Action>
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Hash + Clone + PartialEq + Send + Sync + 'static,
    M::Action: Debug + Clone + PartialEq + Send + Sync + 'static,
{
    let checker = check(model);
    let path = checker
        .discovery(property)
        .unwrap_or_else(|| panic!("{label}: the checker missed the bug behind '{property}'"));
    let model = checker.model();
    let condition = model.property(property).condition;
    assert!(
        !condition(model, path.last_state()),
        "{label}: the path does not violate '{property}'"
    );
    let states = path.clone().into_states();
    assert!(condition(model, &states[0]), "{label}: '{property}' must hold initially");
    path.into_actions()
}
