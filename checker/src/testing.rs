//! Helpers for model-check tests, shared by every protocol's tests: run a model to completion,
//! require every property to get the verdict it asks for, or require the checker to catch a
//! deliberately broken variant with a path that really ends in a violation.

use crate::report::{run_check, CheckOptions, Describe, FaultFn, STATERIGHT_LIVENESS};
use stateright::{Checker, Model};
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

/// Panics unless every property gets the verdict it asks for: every `always` property holds,
/// every `sometimes` property is witnessed, and every `eventually` property holds *soundly*,
/// decided on the whole reachable graph under weak fairness with `faults` happening finitely
/// often (the same verdict as `inflight check`; stateright's own passes a cycle that avoids the
/// goal). Returns the unique state count. `label` names the scenario in failures, which print
/// the report with its counterexample.
///
/// `faults` says which actions are faults (crashes and losses): [`crate::liveness::actor_faults`]
/// for actor models, `|_| false` for a model without faults.
pub fn assert_all_pass<M>(model: M, faults: FaultFn<M::Action>, label: &str) -> usize
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Describe + Hash + Eq + Clone + Send + Sync + 'static,
    M::Action: Debug + Hash + Eq + Clone + Send + Sync + 'static,
{
    let report = run_check(model, label.to_string(), CheckOptions::default(), faults);
    assert!(report.passed(), "{report}");
    let unsound =
        report.properties.iter().find(|p| p.semantics.as_deref() == Some(STATERIGHT_LIVENESS));
    assert!(
        unsound.is_none(),
        "{label}: too many states ({}) to decide `eventually` soundly",
        report.unique_states
    );
    report.unique_states
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

#[cfg(test)]
mod tests {
    use super::*;
    use stateright::Property;

    /// From `At(0)` the system may finish (`At(2)`, the goal) or detour to `At(1)` and back;
    /// finishing is impossible from `At(1)`, so a fair run may detour forever. No dead end.
    struct Detour;

    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct At(u8);

    impl Describe for At {
        fn describe(&self) -> String {
            format!("at {}", self.0)
        }
    }

    impl Model for Detour {
        type State = At;
        type Action = u8;
        fn init_states(&self) -> Vec<At> {
            vec![At(0)]
        }
        fn actions(&self, s: &At, out: &mut Vec<u8>) {
            match s.0 {
                0 => out.extend([1, 2]),
                1 => out.push(0),
                _ => {}
            }
        }
        fn next_state(&self, _: &At, to: u8) -> Option<At> {
            Some(At(to))
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::eventually("finishes", |_, s: &At| s.0 == 2)]
        }
    }

    #[test]
    #[should_panic(expected = "VIOLATED")]
    fn a_fair_cycle_that_avoids_the_goal_fails_the_helper_where_stateright_passes_it() {
        assert!(check(Detour).discovery("finishes").is_none(), "stateright 0.31 passes it");
        assert_all_pass(Detour, |_| false, "detour");
    }
}
