//! How stale a read can be: [`StalenessCfg`] turned into a stateright [`Model`] of the core's
//! authority and one caching resolver (`inflight_core::ttl`) under a tick clock, with every
//! message delay in [L, L + J] and every moment of every read and change explored.
//!
//! The untimed naming model ([`crate::ttl`]) has no clock, so a TTL never runs out there: it
//! checks what ordering alone can break. MODELS.md §5 gives the *probability* that a read is
//! stale under Poisson changes and reads. Neither says how stale a read can be at worst, which is
//! what a TTL is chosen for. This model answers that exactly, and binds it to [`bound`].
//!
//! **Staleness.** A read answered at tick t with a record whose version the authority replaced
//! at tick s ≤ t is t − s ticks stale; a read of the current record is 0 ticks stale.
//!
//! **Time.** The state holds the tick `now`. Within a tick, in any order: the application reads
//! (when no read of its own is waiting: a waiting read is answered by the fetch, at most L + J
//! after the record was read, so more of them add states and no staleness), the authority's
//! application changes the record (at most `changes` times), a message whose age is in [L, L + J]
//! is delivered, a due timer fires. The clock then advances, unless a message has reached
//! L + J or a timer is due: those must happen first. The clock stops at the horizon.
//!
//! A query lost or late is not part of this model (the network neither loses nor duplicates), so
//! the resolver's resend period is set above the longest round trip and never fires.

use crate::replication::CfgError;
use crate::report::Describe;
use crate::ttl::PolicyKind;
use inflight_core::ttl::{Cmd, Event, Fault, Msg, Node, Policy, Timer};
use inflight_core::{Duration, Effect, EffectBuf, Instant, Machine, NodeId};
use stateright::{Model, Property};
use std::collections::HashSet;
use std::fmt::Write as _;

/// The authority's node id.
pub const AUTHORITY: NodeId = NodeId(0);
/// The resolver's node id.
pub const RESOLVER: NodeId = NodeId(1);
/// The most changes the authority's application may make.
pub const MAX_CHANGES: u8 = 3;

/// The property names, shared by tests and the CLI.
pub mod props {
    /// Always: no read is staler than [`super::bound`].
    pub const WITHIN_BOUND: &str = "no read is staler than the bound";
    /// Sometimes: a read exactly as stale as [`super::bound`] (so the bound is tight).
    pub const BOUND_REACHED: &str = "a read is exactly as stale as the bound (reachable)";
}

/// A staleness scenario to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StalenessCfg {
    /// The resolver's policy.
    pub policy: PolicyKind,
    /// θ in ticks: the TTL (on-demand) or the refresh period (periodic); unused otherwise.
    pub ttl: u8,
    /// L: ticks per hop, at least 1.
    pub latency: u8,
    /// J: extra ticks a message may take; every delay in [L, L + J] is explored.
    pub jitter: u8,
    /// Changes the authority's application may make (1 ..= [`MAX_CHANGES`]), each at any tick.
    pub changes: u8,
    /// The last tick explored; `None` for [`StalenessCfg::default_horizon`].
    pub horizon: Option<u16>,
    /// The resolver's variant.
    pub fault: Fault,
}

impl Default for StalenessCfg {
    /// An on-demand resolver with a TTL of 4 ticks, 2 ticks per hop and 1 of jitter, one change.
    fn default() -> Self {
        StalenessCfg {
            policy: PolicyKind::OnDemand,
            ttl: 4,
            latency: 2,
            jitter: 1,
            changes: 1,
            horizon: None,
            fault: Fault::None,
        }
    }
}

/// The worst staleness, in ticks, of a read from a correct resolver under `policy`, with TTL or
/// refresh period θ = `ttl`, L = `latency` ticks per hop and J = `jitter`, over every delay in
/// [L, L + J] and every moment of reads and changes.
///
/// Derived here from the policies of MODELS.md §5 (which gives the probability of a stale read
/// under Poisson changes, not its worst age) and the resolver's contract in `inflight_core::ttl`;
/// the checker confirms each value exactly (`inflight check ttl --timed`). A query sent at tick
/// q reaches the authority at a = q + d₁, which answers with the record of that moment; a change
/// right after, in the same tick, makes it stale from s = a. The answer arrives at r = a + d₂,
/// with d₁, d₂ ∈ [L, L + J]:
///
/// - **no cache**: the read waiting for the answer gets it at r: r − s = d₂ ≤ L + J.
/// - **on demand**: the entry serves reads at ticks r … r + θ − 1 (it has expired at r + θ):
///   θ + d₂ − 1 ≤ θ + L + J − 1. (Reads waiting for the fetch get L + J, which is no more.)
/// - **periodic**: query k goes out at kθ, and the resolver takes the answer to any query it
///   sent (newer than its cache, or into an empty one), so the record read at a_k serves reads
///   until the next answer arrives, at the latest answer k + 1 at (k + 1)θ + d₁′ + d₂′, including
///   a read in that tick before the delivery: θ + d₁′ + d₂′ − d₁ ≤ θ + L + 2J. This holds for
///   every θ ≥ 1: a refresh faster than the round trip only sends queries sooner.
/// - **push**: a change is pushed at once and arrives within L + J, but one made after the
///   resolver's first query was answered and before its subscription reached the authority is
///   pushed only when the subscription arrives (at most L + J after the start), so it reaches
///   the resolver at most 2(L + J) after the start, while the query was answered at L at the
///   earliest: L + 2J.
pub fn bound(policy: PolicyKind, ttl: u8, latency: u8, jitter: u8) -> u32 {
    let (t, l, j) = (u32::from(ttl), u32::from(latency), u32::from(jitter));
    match policy {
        PolicyKind::NoCache => l + j,
        PolicyKind::OnDemand => (t + l + j).saturating_sub(1),
        PolicyKind::Periodic => t + l + 2 * j,
        PolicyKind::Push => l + 2 * j,
    }
}

/// [`bound`] written out, for reports.
pub fn formula(policy: PolicyKind) -> &'static str {
    match policy {
        PolicyKind::NoCache => "L + J",
        PolicyKind::OnDemand => "θ + L + J − 1",
        PolicyKind::Periodic => "θ + L + 2J",
        PolicyKind::Push => "L + 2J",
    }
}

impl StalenessCfg {
    /// Checks that the scenario can be built and explored to the end.
    pub fn validate(&self) -> Result<(), CfgError> {
        let bad = |what: String| Err(CfgError(what));
        if self.latency == 0 {
            return bad("latency 0: a hop takes at least 1 tick".into());
        }
        if self.ttl == 0 && matches!(self.policy, PolicyKind::OnDemand | PolicyKind::Periodic) {
            return bad("ttl 0: a TTL or refresh period is at least 1 tick".into());
        }
        if !(1..=MAX_CHANGES).contains(&self.changes) {
            return bad(format!("{} changes: the model takes 1 to {MAX_CHANGES}", self.changes));
        }
        if self.horizon() < self.default_horizon() / 2 {
            return bad(format!(
                "horizon {}: the worst case needs up to {} ticks (use at least that, or leave \
                 --horizon out for {})",
                self.horizon(),
                self.default_horizon() / 2,
                self.default_horizon()
            ));
        }
        Ok(())
    }

    /// Twice the ticks the worst case needs from the start: two TTLs or refresh periods and four
    /// longest hops, so that every state of a second cycle is explored too.
    pub fn default_horizon(&self) -> u16 {
        let hop = u16::from(self.latency) + u16::from(self.jitter);
        let theta = match self.policy {
            PolicyKind::OnDemand | PolicyKind::Periodic => u16::from(self.ttl),
            PolicyKind::Push | PolicyKind::NoCache => 0,
        };
        2 * (theta + 2 * hop)
    }

    /// The last tick explored.
    pub fn horizon(&self) -> u16 {
        self.horizon.unwrap_or_else(|| self.default_horizon())
    }

    /// [`bound`] for this scenario.
    pub fn bound(&self) -> u32 {
        bound(self.policy, self.ttl, self.latency, self.jitter)
    }

    /// Builds the model. Panics on an invalid configuration (call [`StalenessCfg::validate`]
    /// first where the input is untrusted).
    pub fn into_model(self) -> StalenessModel {
        if let Err(e) = self.validate() {
            panic!("invalid staleness config: {e}");
        }
        StalenessModel { cfg: self }
    }

    fn policy(&self) -> Policy {
        let theta = Duration(u64::from(self.ttl));
        match self.policy {
            PolicyKind::OnDemand => Policy::OnDemand { ttl: theta },
            PolicyKind::Periodic => Policy::Periodic { every: theta },
            PolicyKind::Push => Policy::Push,
            PolicyKind::NoCache => Policy::NoCache,
        }
    }
}

/// A message on its way: ticks since it was sent, sender, message.
pub type Flight = (u8, NodeId, Msg);

/// The timed state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StalenessState {
    /// The tick.
    pub now: u16,
    /// The authority (node 0) and the resolver (node 1).
    pub nodes: [Node; 2],
    /// Messages on their way, sorted.
    pub flights: Vec<Flight>,
    /// The resolver's armed timers and their deadlines, sorted.
    pub timers: Vec<(Timer, u16)>,
    /// Changes made so far; version v was replaced at tick `replaced[v]` (v < `changes`).
    pub replaced: Vec<u16>,
    /// The worst staleness of a read answered so far, in ticks.
    pub worst: u32,
}

/// What can happen next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// The resolver's application reads.
    Read,
    /// The authority's application changes the record.
    Change,
    /// This message, sent this many ticks ago, is delivered.
    Deliver(Flight),
    /// The resolver's timer fires.
    Fire(Timer),
    /// The clock advances one tick.
    Tick,
}

/// The stateright model of one resolver's staleness.
#[derive(Clone, Debug)]
pub struct StalenessModel {
    /// The scenario.
    pub cfg: StalenessCfg,
}

/// One handler's effects, applied in the order the handler made them.
type Fx = EffectBuf<Msg, Timer, Event, 16>;

impl StalenessModel {
    /// Applies a handler's effects in order: sends become flights of age 0, timers go to the
    /// table, and each read answered raises the worst staleness seen.
    fn apply(&self, s: &mut StalenessState, from: NodeId, mut fx: Fx) {
        assert_eq!(fx.overflowed(), 0, "a handler made more effects than the model collects");
        for effect in fx.drain() {
            match effect {
                // Two nodes: a message goes to the node that did not send it.
                Effect::Send { msg, .. } => s.flights.push((0, from, msg)),
                Effect::SetTimer { timer, at } => {
                    s.timers.retain(|(t, _)| *t != timer);
                    s.timers.push((timer, at.ticks().min(u64::from(u16::MAX)) as u16));
                }
                Effect::CancelTimer(timer) => s.timers.retain(|(t, _)| *t != timer),
                Effect::Emit(Event::Answered { record, .. }) => {
                    s.worst = s.worst.max(staleness(s, record.version));
                }
                Effect::Emit(Event::Changed { .. }) | Effect::Random { .. } => {}
            }
        }
        s.timers.sort();
        s.flights.sort();
    }

    fn resend_period(&self) -> Duration {
        Duration(2 * (u64::from(self.cfg.latency) + u64::from(self.cfg.jitter)) + 1)
    }

    fn must_happen_first(&self, s: &StalenessState) -> bool {
        let last = self.cfg.latency + self.cfg.jitter;
        s.flights.iter().any(|f| f.0 >= last) || s.timers.iter().any(|t| t.1 <= s.now)
    }
}

/// How stale a read answered now with `version` is: ticks since the version was replaced, or 0.
fn staleness(s: &StalenessState, version: u32) -> u32 {
    s.replaced.get(version as usize).map_or(0, |&at| u32::from(s.now - at))
}

/// The resolver's waiting reads.
fn waiting(s: &StalenessState) -> usize {
    s.nodes[1].as_resolver().map_or(0, |r| r.waiting())
}

impl Model for StalenessModel {
    type State = StalenessState;
    type Action = Step;

    fn init_states(&self) -> Vec<StalenessState> {
        let authority = Node::authority(100);
        let resolver = Node::resolver_with_fault(
            AUTHORITY,
            self.cfg.policy(),
            self.resend_period(),
            self.cfg.fault,
        );
        let mut s = StalenessState {
            now: 0,
            nodes: [authority, resolver],
            flights: Vec::new(),
            timers: Vec::new(),
            replaced: Vec::new(),
            worst: 0,
        };
        let mut fx = Fx::default();
        s.nodes[1].on_start(Instant::ZERO, &mut fx);
        self.apply(&mut s, RESOLVER, fx);
        vec![s]
    }

    fn actions(&self, s: &StalenessState, actions: &mut Vec<Step>) {
        if waiting(s) == 0 {
            actions.push(Step::Read);
        }
        if s.replaced.len() < usize::from(self.cfg.changes) {
            actions.push(Step::Change);
        }
        for (i, f) in s.flights.iter().enumerate() {
            // Equal flights are one choice.
            if f.0 >= self.cfg.latency && (i == 0 || s.flights[i - 1] != *f) {
                actions.push(Step::Deliver(*f));
            }
        }
        for &(t, at) in &s.timers {
            if at <= s.now {
                actions.push(Step::Fire(t));
            }
        }
        if s.now < self.cfg.horizon() && !self.must_happen_first(s) {
            actions.push(Step::Tick);
        }
    }

    fn next_state(&self, s: &StalenessState, action: Step) -> Option<StalenessState> {
        let mut s = s.clone();
        let now = Instant(u64::from(s.now));
        let mut fx = Fx::default();
        match action {
            Step::Read => {
                // Read ids only name reads in events: every read is read 1.
                s.nodes[1].on_command(now, Cmd::Read { id: 1 }, &mut fx).ok()?;
                self.apply(&mut s, RESOLVER, fx);
            }
            Step::Change => {
                let value = 101 + s.replaced.len() as u32;
                s.nodes[0].on_command(now, Cmd::Change { value }, &mut fx).ok()?;
                s.replaced.push(s.now);
                self.apply(&mut s, AUTHORITY, fx);
            }
            Step::Deliver(flight) => {
                let i = s.flights.iter().position(|f| *f == flight)?;
                let (_, from, msg) = s.flights.remove(i);
                let to = if from == AUTHORITY { RESOLVER } else { AUTHORITY };
                // A rejected message (a stale answer, a duplicate) changes nothing but leaves.
                if s.nodes[to.0 as usize].on_message(now, from, msg, &mut fx).is_ok() {
                    self.apply(&mut s, to, fx);
                }
            }
            Step::Fire(t) => {
                s.timers.retain(|(x, _)| *x != t);
                s.nodes[1].on_timer(now, t, &mut fx);
                self.apply(&mut s, RESOLVER, fx);
            }
            Step::Tick => {
                s.now += 1;
                for f in &mut s.flights {
                    f.0 += 1;
                }
            }
        }
        Some(s)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always(props::WITHIN_BOUND, |m: &Self, s: &StalenessState| {
                s.worst <= m.cfg.bound()
            }),
            Property::sometimes(props::BOUND_REACHED, |m: &Self, s: &StalenessState| {
                s.worst == m.cfg.bound()
            }),
        ]
    }

    fn format_action(&self, action: &Step) -> String {
        match action {
            Step::Read => "the application reads".into(),
            Step::Change => "the record changes".into(),
            Step::Deliver((age, from, msg)) => {
                let to = if *from == AUTHORITY { RESOLVER } else { AUTHORITY };
                format!("{from:?} -> {to:?}: {msg:?} arrives after {age} tick(s)")
            }
            Step::Fire(t) => format!("the resolver's {t:?} timer fires"),
            Step::Tick => "one tick passes".into(),
        }
    }
}

impl Describe for StalenessState {
    fn describe(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "tick {}: worst read so far {} tick(s) stale", self.now, self.worst);
        let replaced: Vec<String> =
            self.replaced.iter().enumerate().map(|(v, at)| format!("v{v} at @{at}")).collect();
        if !replaced.is_empty() {
            let _ = writeln!(s, "replaced: {}", replaced.join(", "));
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let _ = write!(s, "n{i}: {n:?}");
            if i == 1 && !self.timers.is_empty() {
                let t: Vec<String> =
                    self.timers.iter().map(|(t, at)| format!("{t:?} at @{at}")).collect();
                let _ = write!(s, " [{}]", t.join(", "));
            }
            let _ = writeln!(s);
        }
        for (age, from, msg) in &self.flights {
            let to = if *from == AUTHORITY { RESOLVER } else { AUTHORITY };
            let _ = writeln!(s, "in flight {age} tick(s): {from:?} -> {to:?} {msg:?}");
        }
        s.trim_end().to_string()
    }
}

/// The worst staleness of any read in the whole explored graph, in ticks, and the number of
/// states: a breadth-first search of its own, for configurations that have no [`bound`] and to
/// report the exact figure beside the bound.
pub fn worst_staleness(model: &StalenessModel) -> (u32, usize) {
    let mut seen: HashSet<StalenessState> = HashSet::new();
    let mut queue: Vec<StalenessState> = model.init_states();
    let mut worst = 0;
    let mut actions = Vec::new();
    while let Some(s) = queue.pop() {
        if !seen.insert(s.clone()) {
            continue;
        }
        worst = worst.max(s.worst);
        actions.clear();
        model.actions(&s, &mut actions);
        for a in actions.drain(..) {
            if let Some(next) = model.next_state(&s, a) {
                if !seen.contains(&next) {
                    queue.push(next);
                }
            }
        }
    }
    (worst, seen.len())
}
