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
}

/// The most properties a wrapped model may have (one trampoline each).
pub const MAX_PROPERTIES: usize = 16;

impl<M: Model> Readable<M> {
    /// Wraps `inner`. Panics if it has more than [`MAX_PROPERTIES`] properties.
    pub fn new(inner: M) -> Self {
        let props = inner.properties();
        assert!(props.len() <= MAX_PROPERTIES, "at most {MAX_PROPERTIES} properties");
        Readable { inner, props }
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

/// A model that counts the states whose actions the checker has asked for (the states it has
/// expanded), so progress can show the search queue: discovered − expanded.
pub struct Counted<M: Model> {
    inner: M,
    props: Vec<Property<M>>,
    expanded: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl<M: Model> Counted<M> {
    /// Wraps `inner`, counting into `expanded`. Panics above [`MAX_PROPERTIES`] properties.
    pub fn new(inner: M, expanded: std::sync::Arc<std::sync::atomic::AtomicUsize>) -> Self {
        let props = inner.properties();
        assert!(props.len() <= MAX_PROPERTIES, "at most {MAX_PROPERTIES} properties");
        Counted { inner, props, expanded }
    }
}

impl<M> Wrapper for Counted<M>
where
    M: Model,
    M::State: Debug,
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
    M::State: Debug,
    M::Action: Debug,
{
    type State = M::State;
    type Action = M::Action;

    fn init_states(&self) -> Vec<M::State> {
        self.inner.init_states()
    }

    fn actions(&self, state: &M::State, actions: &mut Vec<M::Action>) {
        self.expanded.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.actions(state, actions);
    }

    fn next_state(&self, last: &M::State, action: M::Action) -> Option<M::State> {
        self.inner.next_state(last, action)
    }

    fn format_action(&self, action: &M::Action) -> String {
        self.inner.format_action(action)
    }

    fn format_step(&self, last: &M::State, action: M::Action) -> Option<String> {
        self.inner.format_step(last, action)
    }

    fn as_svg(&self, path: Path<M::State, M::Action>) -> Option<String> {
        self.inner.as_svg(path)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        wrapped_properties(self)
    }

    fn within_boundary(&self, state: &M::State) -> bool {
        self.inner.within_boundary(state)
    }
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
}
