//! Readable states in the web explorer.
//!
//! stateright's explorer prints a state as its `{:#?}` debug dump; for an actor model that is
//! every internal field (timer sets, random-choice maps, storage slots). [`Readable`] wraps any
//! model so that the same states print as their [`Describe`] text: one compact line per actor
//! and the messages in flight. Actions, paths (the explorer's `#/steps/…` indices), properties
//! and the sequence diagram are those of the wrapped model.

use crate::report::Describe;
use stateright::{Model, Path, Property};
use std::fmt::{self, Debug};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// A state that prints as its [`Describe`] text.
#[derive(Clone, PartialEq, Eq)]
pub struct Shown<S>(pub S);

impl<S: Hash> Hash for Shown<S> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.hash(h);
    }
}

impl<S: Describe> Debug for Shown<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.describe())
    }
}

/// A model whose states print readably, for the explorer.
pub struct Readable<M: Model> {
    inner: M,
    props: Vec<Property<M>>,
    /// Whether the wrapped model draws paths (an actor model's sequence diagram).
    draws: bool,
}

/// The most properties a wrapped model may have (one trampoline each).
pub const MAX_PROPERTIES: usize = 16;

impl<M: Model> Readable<M> {
    /// Wraps `inner`. Panics if it has more than [`MAX_PROPERTIES`] properties.
    pub fn new(inner: M) -> Self
    where
        M::State: Clone + PartialEq,
        M::Action: Clone + PartialEq,
    {
        let props = inner.properties();
        assert!(props.len() <= MAX_PROPERTIES, "at most {MAX_PROPERTIES} properties");
        // A model that draws paths draws the path of one initial state (an actor model draws
        // its actors' lifelines); one that draws nothing is never asked again.
        let first = inner.init_states().into_iter().next();
        let path = first.and_then(|s| Path::from_actions(&inner, s, std::iter::empty()));
        let draws = path.and_then(|p| inner.as_svg(p)).is_some();
        Readable { inner, props, draws }
    }
}

/// A model that wraps another and re-exposes its properties: stateright's conditions are plain
/// `fn` pointers, so each property index gets its own instance of a generic function
/// ([`trampoline`]) that unwraps the model and the state and calls the inner condition.
pub trait Wrapper: Model {
    /// The wrapped model.
    type Inner: Model;
    /// The wrapped model itself.
    fn inner(&self) -> &Self::Inner;
    /// The wrapped model's properties, computed once.
    fn inner_properties(&self) -> &[Property<Self::Inner>];
    /// The wrapped state inside a state of this model.
    fn inner_state(state: &Self::State) -> &<Self::Inner as Model>::State;
}

fn condition<const I: usize, W: Wrapper>(w: &W, s: &W::State) -> bool {
    (w.inner_properties()[I].condition)(w.inner(), W::inner_state(s))
}

/// The condition of property `i` of the wrapped model, as a condition of the wrapper (up to
/// [`MAX_PROPERTIES`]).
#[allow(clippy::type_complexity)]
pub fn trampoline<W: Wrapper>(i: usize) -> fn(&W, &W::State) -> bool {
    match i {
        0 => condition::<0, W>,
        1 => condition::<1, W>,
        2 => condition::<2, W>,
        3 => condition::<3, W>,
        4 => condition::<4, W>,
        5 => condition::<5, W>,
        6 => condition::<6, W>,
        7 => condition::<7, W>,
        8 => condition::<8, W>,
        9 => condition::<9, W>,
        10 => condition::<10, W>,
        11 => condition::<11, W>,
        12 => condition::<12, W>,
        13 => condition::<13, W>,
        14 => condition::<14, W>,
        _ => condition::<15, W>,
    }
}

/// The wrapped model's properties, re-exposed by a wrapper.
pub fn wrapped_properties<W: Wrapper>(w: &W) -> Vec<Property<W>> {
    w.inner_properties()
        .iter()
        .enumerate()
        .map(|(i, p)| Property {
            expectation: p.expectation.clone(),
            name: p.name,
            condition: trampoline::<W>(i),
        })
        .collect()
}

impl<M> Wrapper for Readable<M>
where
    M: Model,
    M::State: Clone + PartialEq + Debug + Describe,
    M::Action: Clone + PartialEq + Debug,
{
    type Inner = M;
    fn inner(&self) -> &M {
        &self.inner
    }
    fn inner_properties(&self) -> &[Property<M>] {
        &self.props
    }
    fn inner_state(state: &Shown<M::State>) -> &M::State {
        &state.0
    }
}

impl<M> Model for Readable<M>
where
    M: Model,
    M::State: Clone + PartialEq + Debug + Describe,
    M::Action: Clone + PartialEq + Debug,
{
    type State = Shown<M::State>;
    type Action = M::Action;

    fn init_states(&self) -> Vec<Self::State> {
        self.inner.init_states().into_iter().map(Shown).collect()
    }

    fn actions(&self, state: &Self::State, actions: &mut Vec<Self::Action>) {
        self.inner.actions(&state.0, actions);
    }

    fn next_state(&self, last: &Self::State, action: Self::Action) -> Option<Self::State> {
        self.inner.next_state(&last.0, action).map(Shown)
    }

    fn format_action(&self, action: &Self::Action) -> String {
        self.inner.format_action(action)
    }

    fn format_step(&self, last: &Self::State, action: Self::Action) -> Option<String> {
        self.inner.format_step(&last.0, action)
    }

    fn as_svg(&self, path: Path<Self::State, Self::Action>) -> Option<String> {
        // Rebuilding the inner path runs every branch of every step on it, and the explorer
        // asks for a drawing of each branch it lists: for a model that draws nothing, that was
        // all the explorer's time (the retry model's first slot: 166 s for 7,776 branches).
        if !self.draws {
            return None;
        }
        let steps = path.into_vec();
        let init = steps.first()?.0 .0.clone();
        let actions: Vec<M::Action> = steps.into_iter().filter_map(|(_, a)| a).collect();
        let inner = Path::from_actions(&self.inner, init, actions.iter())?;
        self.inner.as_svg(inner)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        wrapped_properties(self)
    }

    fn within_boundary(&self, state: &Self::State) -> bool {
        self.inner.within_boundary(&state.0)
    }
}

/// The [`Model`] methods that a wrapper whose states and actions are those of its `inner` model
/// passes through unchanged: formatting, drawing, the boundary, and the properties (re-exposed
/// through [`Wrapper`]).
macro_rules! pass_through {
    () => {
        fn format_action(&self, action: &Self::Action) -> String {
            self.inner.format_action(action)
        }

        fn format_step(&self, last: &Self::State, action: Self::Action) -> Option<String> {
            self.inner.format_step(last, action)
        }

        fn as_svg(&self, path: stateright::Path<Self::State, Self::Action>) -> Option<String> {
            self.inner.as_svg(path)
        }

        fn properties(&self) -> Vec<stateright::Property<Self>> {
            $crate::readable::wrapped_properties(self)
        }

        fn within_boundary(&self, state: &Self::State) -> bool {
            self.inner.within_boundary(state)
        }
    };
}
pub(crate) use pass_through;

/// A model that counts the states whose actions the checker has asked for (the states it has
/// expanded), so progress can show the search queue: discovered − expanded; and that can stop a
/// search early (see [`Stop`]).
pub struct Counted<M: Model> {
    /// Shared, so that a liveness pass can explore the model beside the search.
    inner: Arc<M>,
    props: Vec<Property<M>>,
    expanded: Arc<AtomicUsize>,
    stop: Arc<Stop>,
}

/// Ends a search early without losing what it found. Once [`Stop::raise`] is called, the wrapped
/// model offers at most one action per state and that action leads back to the state itself, so
/// the checker discovers nothing new, drains its queue (evaluating every property on every state
/// already discovered), and finishes normally. A real dead end keeps no actions, so a dead-end
/// `eventually` counterexample is still genuine. [`Stop::withheld`] counts the transitions not
/// explored: 0 means the search was complete after all.
#[derive(Debug, Default)]
pub struct Stop {
    raised: AtomicBool,
    withheld: AtomicUsize,
    looped: AtomicUsize,
}

impl Stop {
    /// Stops the search.
    pub fn raise(&self) {
        self.raised.store(true, Ordering::Relaxed);
    }

    /// Lets the model behave normally again (to rebuild paths after the search).
    pub fn lower(&self) {
        self.raised.store(false, Ordering::Relaxed);
    }

    /// Whether the search is being stopped.
    pub fn is_raised(&self) -> bool {
        self.raised.load(Ordering::Relaxed)
    }

    /// Transitions not explored because of the stop.
    pub fn withheld(&self) -> usize {
        self.withheld.load(Ordering::Relaxed)
    }

    /// Transitions the stop turned into self-loops, which the checker counted as generated.
    pub fn looped(&self) -> usize {
        self.looped.load(Ordering::Relaxed)
    }
}

impl<M: Model> Counted<M> {
    /// Wraps `inner`, counting into `expanded` and stopping when `stop` is raised. Panics above
    /// [`MAX_PROPERTIES`] properties.
    pub fn new(inner: M, expanded: Arc<AtomicUsize>, stop: Arc<Stop>) -> Self {
        let props = inner.properties();
        assert!(props.len() <= MAX_PROPERTIES, "at most {MAX_PROPERTIES} properties");
        Counted { inner: Arc::new(inner), props, expanded, stop }
    }

    /// The wrapped model, shared: to explore it beside the search, uncounted and unstopped.
    pub fn shared(&self) -> Arc<M> {
        Arc::clone(&self.inner)
    }
}

impl<M> Wrapper for Counted<M>
where
    M: Model,
    M::State: Debug + Clone,
    M::Action: Debug,
{
    type Inner = M;
    fn inner(&self) -> &M {
        &self.inner
    }
    fn inner_properties(&self) -> &[Property<M>] {
        &self.props
    }
    fn inner_state(state: &M::State) -> &M::State {
        state
    }
}

impl<M> Model for Counted<M>
where
    M: Model,
    M::State: Debug + Clone,
    M::Action: Debug,
{
    type State = M::State;
    type Action = M::Action;

    fn init_states(&self) -> Vec<M::State> {
        self.inner.init_states()
    }

    fn actions(&self, state: &M::State, actions: &mut Vec<M::Action>) {
        self.expanded.fetch_add(1, Ordering::Relaxed);
        let before = actions.len();
        self.inner.actions(state, actions);
        if self.stop.is_raised() && actions.len() > before + 1 {
            self.stop.withheld.fetch_add(actions.len() - before - 1, Ordering::Relaxed);
            actions.truncate(before + 1);
        }
    }

    fn next_state(&self, last: &M::State, action: M::Action) -> Option<M::State> {
        if self.stop.is_raised() {
            self.stop.withheld.fetch_add(1, Ordering::Relaxed);
            self.stop.looped.fetch_add(1, Ordering::Relaxed);
            return Some(last.clone());
        }
        self.inner.next_state(last, action)
    }

    pass_through!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::ReplicationCfg;
    use stateright::Checker;

    #[test]
    fn the_wrapped_model_has_the_same_graph_and_verdicts_and_prints_compactly() {
        let cfg = ReplicationCfg {
            fault: inflight_core::replication::Fault::AckBeforeStore,
            ..ReplicationCfg::default()
        };
        let plain = cfg.into_model().checker().spawn_bfs().join();
        let wrapped = Readable::new(cfg.into_model()).checker().spawn_bfs().join();
        assert_eq!(plain.unique_state_count(), wrapped.unique_state_count());
        for p in plain.model().properties() {
            assert_eq!(
                plain.discovery(p.name).is_some(),
                wrapped.discovery(p.name).is_some(),
                "{}",
                p.name
            );
        }
        let init = &wrapped.model().init_states()[0];
        let text = format!("{init:#?}");
        assert!(text.starts_with("n0: Primary"), "{text}");
        assert!(!text.contains("timers_set") && !text.contains("random_choices"), "{text}");
    }

    /// The retry model, counting the steps it is asked to take.
    struct Stepped {
        inner: crate::retry::RetryModel,
        steps: AtomicUsize,
    }

    impl Model for Stepped {
        type State = crate::retry::RetryState;
        type Action = crate::retry::Slot;
        fn init_states(&self) -> Vec<Self::State> {
            self.inner.init_states()
        }
        fn actions(&self, s: &Self::State, out: &mut Vec<Self::Action>) {
            self.inner.actions(s, out);
        }
        fn next_state(&self, s: &Self::State, a: Self::Action) -> Option<Self::State> {
            self.steps.fetch_add(1, Ordering::Relaxed);
            self.inner.next_state(s, a)
        }
    }

    #[test]
    fn only_a_model_that_draws_paths_has_its_paths_rebuilt_to_draw_them() {
        // An actor model draws its sequence diagram for the explorer.
        let replication = Readable::new(ReplicationCfg::default().into_model());
        let init = replication.init_states().remove(0);
        let mut actions = Vec::new();
        replication.actions(&init, &mut actions);
        let path = Path::from_actions(&replication, init, actions.iter().take(1)).expect("a step");
        assert!(replication.as_svg(path).is_some_and(|svg| svg.starts_with("<svg")));
        // The retry model draws nothing: asking costs no step. (Rebuilding the path took every
        // branch of every step on it, for each branch the explorer lists: 166 s for the first
        // slot of 5 clients over 6 slots.)
        let inner = crate::retry::RetryCfg::default().into_model();
        let retry = Readable::new(Stepped { inner, steps: AtomicUsize::new(0) });
        let init = retry.init_states().remove(0);
        let mut actions = Vec::new();
        retry.actions(&init, &mut actions);
        let path = Path::from_actions(&retry, init, actions.iter().take(1)).expect("a step");
        let before = retry.inner.steps.load(Ordering::Relaxed);
        assert!(retry.as_svg(path).is_none());
        assert_eq!(retry.inner.steps.load(Ordering::Relaxed), before);
    }

    /// 0 → 1 → 2 …: from `n` the actions lead to `n + 1` and `n + 2`, up to `last`, which is a
    /// dead end; "reaches 100" is an `eventually` property that fails at every dead end short
    /// of 100.
    struct Chain {
        last: u8,
    }

    impl Model for Chain {
        type State = u8;
        type Action = u8;
        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }
        fn actions(&self, s: &u8, out: &mut Vec<u8>) {
            out.extend((s + 1..=s + 2).filter(|n| *n <= self.last));
        }
        fn next_state(&self, _: &u8, to: u8) -> Option<u8> {
            Some(to)
        }
        fn properties(&self) -> Vec<Property<Self>> {
            vec![Property::eventually("reaches 100", |_, s: &u8| *s == 100)]
        }
    }

    fn counted(last: u8, stop: &Arc<Stop>) -> Counted<Chain> {
        Counted::new(Chain { last }, Arc::new(AtomicUsize::new(0)), stop.clone())
    }

    #[test]
    fn a_raised_stop_explores_nothing_new_and_counts_what_it_withheld() {
        let stop = Arc::new(Stop::default());
        stop.raise();
        let c = counted(50, &stop).checker().spawn_bfs().join();
        assert_eq!(c.unique_state_count(), 1);
        // State 0 had two actions: one was dropped, the other turned into a self-loop.
        assert_eq!((stop.withheld(), stop.looped()), (2, 1));
        // A state whose successors were withheld is not a dead end: no false counterexample.
        assert!(c.discovery("reaches 100").is_none());
        // Lowered, the same model explores everything and finds the real dead end at 50.
        stop.lower();
        let c = counted(50, &stop).checker().spawn_bfs().join();
        assert_eq!(c.unique_state_count(), 51);
        assert_eq!(c.discovery("reaches 100").map(|p| *p.last_state()), Some(50));
    }

    #[test]
    fn a_real_dead_end_is_still_found_while_the_stop_is_raised() {
        let stop = Arc::new(Stop::default());
        stop.raise();
        let c = counted(0, &stop).checker().spawn_bfs().join();
        assert_eq!(stop.withheld(), 0, "nothing to withhold: the search is complete");
        assert_eq!(c.discovery("reaches 100").map(|p| *p.last_state()), Some(0));
    }
}
