//! Helpers for model-check tests, shared by every protocol's tests: run a model to completion,
//! require every property to get the verdict it asks for, or require the checker to catch a
//! deliberately broken variant with a path that really ends in a violation.

use crate::liveness::{check_eventually, Lasso};
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

/// Panics unless the sound liveness check finds a counterexample to the `eventually` property
/// `property` that really is one ([`assert_counterexample`]: a run on which the goal never
/// holds, into a dead end or a fair cycle that needs no fault). `faults` are as for
/// [`assert_all_pass`]. Returns the actions: the path to the cycle, then one turn of it.
pub fn assert_livelock_caught<M>(
    model: M,
    faults: FaultFn<M::Action>,
    property: &'static str,
    label: &str,
) -> Vec<M::Action>
where
    M: Model,
    M::State: Debug + Hash + Eq + Clone,
    M::Action: Debug + Hash + Eq + Clone,
{
    let limit = CheckOptions::default().liveness_limit;
    let verdicts = check_eventually(&model, limit, &faults)
        .unwrap_or_else(|| panic!("{label}: too many states to decide `eventually` soundly"));
    let lasso = verdicts
        .into_iter()
        .find(|v| v.property == property)
        .unwrap_or_else(|| panic!("{label}: no `eventually` property '{property}'"))
        .counterexample
        .unwrap_or_else(|| panic!("{label}: the checker missed the livelock behind '{property}'"));
    assert_counterexample(&model, &lasso, faults, property, label);
    lasso.prefix.into_iter().chain(lasso.cycle).map(|(a, _)| a).collect()
}

/// Panics unless `lasso` is a counterexample to the `eventually` property `property` under the
/// kit's fairness assumption:
///
/// - it is a run: each step is an action the model offers in the state before it, and leads
///   to the state after it;
/// - the goal is false in every state along it;
/// - it ends in a dead end (no action leads anywhere), or in a cycle that closes on the state
///   where it starts, needs no fault, and is *fair*: every action that is not a fault and is
///   enabled in every state of the cycle is taken on it.
///
/// `faults` are as for [`assert_all_pass`].
pub fn assert_counterexample<M>(
    model: &M,
    lasso: &Lasso<M::State, M::Action>,
    faults: FaultFn<M::Action>,
    property: &'static str,
    label: &str,
) where
    M: Model,
    M::State: Debug + Hash + Eq + Clone,
    M::Action: Debug + Hash + Eq + Clone,
{
    let offered = |s: &M::State| {
        let mut actions = Vec::new();
        model.actions(s, &mut actions);
        actions.retain(|a| model.next_state(s, a.clone()).is_some());
        actions
    };
    let mut at = &lasso.init;
    for (i, (a, next)) in lasso.prefix.iter().chain(&lasso.cycle).enumerate() {
        assert!(offered(at).contains(a), "{label}: step {} takes {a:?}, not offered there", i + 1);
        assert_eq!(model.next_state(at, a.clone()).as_ref(), Some(next), "{label}: step {}", i + 1);
        at = next;
    }
    let goal = model.property(property).condition;
    let states =
        std::iter::once(&lasso.init).chain(lasso.prefix.iter().chain(&lasso.cycle).map(|(_, s)| s));
    for (i, s) in states.enumerate() {
        assert!(!goal(model, s), "{label}: '{property}' holds at step {i} of the counterexample");
    }
    let entry = lasso.prefix.last().map_or(&lasso.init, |(_, s)| s);
    match lasso.cycle.last() {
        None => assert!(model.next_steps(entry).is_empty(), "{label}: the dead end has a way on"),
        Some((_, end)) => {
            assert_eq!(end, entry, "{label}: the cycle does not close");
            assert!(
                lasso.cycle.iter().all(|(a, _)| !faults(a)),
                "{label}: the cycle needs a fault"
            );
            let mut throughout: Vec<M::Action> =
                offered(entry).into_iter().filter(|a| !faults(a)).collect();
            for (_, s) in &lasso.cycle {
                let here = offered(s);
                throughout.retain(|a| here.contains(a));
            }
            for a in throughout {
                assert!(
                    lasso.cycle.iter().any(|(b, _)| *b == a),
                    "{label}: the cycle is not fair: {a:?} is enabled all the way round and \
                     never taken"
                );
            }
        }
    }
}

/// Panics unless a broken variant shows *only* as a livelock that only the sound check sees:
/// every property but the `eventually` property `property` gets the verdict it asks for (so
/// the bug breaks no safety property), `property` fails through a fair cycle that
/// [`assert_livelock_caught`] confirms is real, and stateright's own verdict, which looks only
/// for dead ends, passes it. `make` builds the model, once per check. Returns the
/// counterexample's actions, as [`assert_livelock_caught`] does.
pub fn assert_caught_only_as_cycle<M>(
    make: impl Fn() -> M,
    faults: FaultFn<M::Action>,
    property: &'static str,
    label: &str,
) -> Vec<M::Action>
where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Describe + Hash + Eq + Clone + Send + Sync + 'static,
    M::Action: Debug + Hash + Eq + Clone + Send + Sync + 'static,
{
    let report = run_check(make(), label.to_string(), CheckOptions::default(), faults);
    for p in &report.properties {
        let expected = p.name != property;
        assert_eq!(p.verdict.is_pass(), expected, "{label}: '{}' {}\n{report}", p.name, p.verdict);
    }
    let p = report.property(property).unwrap_or_else(|| panic!("{label}: no '{property}'"));
    assert!(p.cycle_from.is_some(), "{label}: '{property}' fails at a dead end, not a cycle");
    let path = assert_livelock_caught(make(), faults, property, label);
    assert!(
        check(make()).discovery(property).is_none(),
        "{label}: stateright's own verdict already catches it, so it needs no sound check"
    );
    path
}

/// Panics unless exactly the properties in `expected` fail the check `inflight check` runs,
/// each with a counterexample of the given length (shortest for `always`; the path to the
/// cycle and one turn of it for `eventually`), and every other property gets the verdict it
/// asks for. `&[]` requires every property to pass. For tests that pin which properties a
/// broken variant breaks, and how soon; failures print the report.
pub fn assert_failures<M>(
    model: M,
    faults: FaultFn<M::Action>,
    label: &str,
    expected: &[(&str, usize)],
) where
    M: Model + Send + Sync + 'static,
    M::State: Debug + Describe + Hash + Eq + Clone + Send + Sync + 'static,
    M::Action: Debug + Hash + Eq + Clone + Send + Sync + 'static,
{
    let report = run_check(model, label.to_string(), CheckOptions::default(), faults);
    let failed: Vec<(&str, usize)> = report
        .properties
        .iter()
        .filter(|p| !p.verdict.is_pass())
        .map(|p| (p.name.as_str(), p.path.as_ref().map_or(0, Vec::len)))
        .collect();
    assert_eq!(failed, expected, "{label}: failed properties and their path lengths\n{report}");
}

/// The text of the state that an explorer path (`i0/i1/…`, as a check prints it) leads to, as
/// the web explorer served at `addr` (such as `127.0.0.1:3000`) shows it. Waits up to 10 s for
/// the explorer to answer. For tests that a printed path opens the right state.
pub fn explorer_state(addr: &str, path: &str) -> Result<String, String> {
    // The explorer lists the views after a path's parent; the path's last index picks one.
    let (parent, last) = path.rsplit_once('/').ok_or(format!("{path}: not a path of steps"))?;
    let last: u64 = last.parse().map_err(|_| format!("{path}: '{last}' is not an index"))?;
    let views = explorer_views(addr, parent)?;
    let view = views
        .iter()
        .find(|v| v["actionIndex"] == last)
        .ok_or(format!("{path}: the last step is not offered"))?;
    view["state"].as_str().map(str::to_string).ok_or(format!("{path}: no state text"))
}

/// The views the web explorer served at `addr` lists after an explorer path (`i0/i1/…`): one
/// per branch, each with its `action`, `state` and `actionIndex`. Waits up to 10 s for the
/// explorer to answer.
pub fn explorer_views(addr: &str, path: &str) -> Result<Vec<serde_json::Value>, String> {
    let views = (0..100)
        .find_map(|_| {
            let got = http_get(addr, &format!("/.states/{path}"));
            if got.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            got
        })
        .ok_or(format!("the explorer at {addr} does not answer for {path}"))?;
    match serde_json::from_str(&views).map_err(|e| format!("the explorer's answer: {e}"))? {
        serde_json::Value::Array(views) => Ok(views),
        other => Err(format!("the explorer's answer for {path} is not a list: {other}")),
    }
}

/// The body of `GET path` from `addr`, if the answer is 200 OK.
fn http_get(addr: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).ok()?;
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).ok()?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    let body = &bytes[end + 4..];
    let chunked = head.lines().any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let body = if chunked { dechunk(body)? } else { body.to_vec() };
    String::from_utf8(body).ok()
}

/// The bytes of a chunked HTTP body (a large answer): each chunk is its length in hex, CRLF,
/// the bytes, CRLF; the last chunk is empty. `None` if it is cut short.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&rest[..line]).ok()?.split(';').next()?.trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        let data = rest.get(line + 2..)?;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        rest = data.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stateright::Property;

    #[test]
    fn a_chunked_body_is_joined_even_where_a_chunk_ends_inside_a_character() {
        // "≤" is three bytes, split over two chunks.
        let body = b"4\r\nab\xe2\x89\r\n3\r\n\xa4cd\r\n0\r\n\r\n";
        assert_eq!(dechunk(body).map(String::from_utf8), Some(Ok("ab≤cd".to_string())));
        assert_eq!(dechunk(b"4\r\nab"), None, "cut short");
        assert_eq!(dechunk(b"zz\r\n"), None, "not a length");
    }

    /// A model given by its edges: it starts at `At(0)`, may step along any edge from where it
    /// is, and its goal ("finishes") is `At(2)`.
    struct Graph(&'static [(u8, u8)]);

    /// From `At(0)` the system may finish (`At(2)`, the goal) or detour to `At(1)` and back;
    /// finishing is impossible from `At(1)`, so a fair run may detour forever. No dead end.
    const DETOUR: Graph = Graph(&[(0, 1), (0, 2), (1, 0)]);
    /// The same, but `At(1)` is a dead end: no cycle at all.
    const STUCK: Graph = Graph(&[(0, 1), (0, 2)]);
    /// 0, 1, 2: every run finishes.
    const FINISHES: Graph = Graph(&[(0, 1), (1, 2)]);

    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct At(u8);

    impl Describe for At {
        fn describe(&self) -> String {
            format!("at {}", self.0)
        }
    }

    impl Model for Graph {
        type State = At;
        type Action = u8;
        fn init_states(&self) -> Vec<At> {
            vec![At(0)]
        }
        fn actions(&self, s: &At, out: &mut Vec<u8>) {
            out.extend(self.0.iter().filter(|(from, _)| *from == s.0).map(|(_, to)| *to));
        }
        fn next_state(&self, _: &At, to: u8) -> Option<At> {
            Some(At(to))
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::eventually("finishes", |_, s: &At| s.0 == 2)]
        }
    }

    #[test]
    fn the_livelock_helper_returns_a_closed_cycle_that_avoids_the_goal() {
        let actions = assert_livelock_caught(DETOUR, |_| false, "finishes", "detour");
        assert_eq!(actions, [1, 0], "to 1 and back to 0, forever");
    }

    #[test]
    fn a_detour_is_caught_only_as_a_cycle() {
        let actions = assert_caught_only_as_cycle(|| DETOUR, |_| false, "finishes", "detour");
        assert_eq!(actions, [1, 0]);
    }

    #[test]
    #[should_panic(expected = "dead end, not a cycle")]
    fn a_livelock_at_a_dead_end_is_not_only_a_cycle() {
        assert_caught_only_as_cycle(|| STUCK, |_| false, "finishes", "stuck");
    }

    #[test]
    #[should_panic(expected = "missed the livelock")]
    fn the_livelock_helper_fails_a_model_without_one() {
        assert_livelock_caught(FINISHES, |_| false, "finishes", "finishes");
    }

    #[test]
    #[should_panic(expected = "VIOLATED")]
    fn a_fair_cycle_that_avoids_the_goal_fails_the_helper_where_stateright_passes_it() {
        assert!(check(DETOUR).discovery("finishes").is_none(), "stateright 0.31 passes it");
        assert_all_pass(DETOUR, |_| false, "detour");
    }
}
