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
//! at tick s ≤ t is t − s ticks stale; a read of the current record is 0 ticks stale. The model
//! also holds every policy to a bound on how long a read waits for its answer, [`wait_bound`].
//!
//! **Time.** Within a tick, in any order: the application reads (when no read of its own is
//! waiting: a waiting read is answered by the fetch, at most L + J after the record was read, so
//! more of them add states and no staleness), the authority's application changes the record
//! (any number of times in all, at most once a tick), a message whose age is in [L, L + J] is
//! delivered, a due timer fires. The clock then advances, unless a message has reached L + J or a
//! timer is due: those must happen first.
//!
//! **For ever.** The model explores every schedule for all time, not up to a horizon: the state
//! holds no clock and no absolute number. After every step the query numbers are shifted down to
//! the lowest anything still refers to, the versions still referred to are numbered 0, 1, 2, …
//! in order, the clock is moved back to a fixed tick (`inflight_core::ttl::Renumber`, which a
//! core property test shows changes no behaviour), and ages stop counting two ticks past the
//! bound. So states that differ only by how long the system has run are one state, the graph is
//! finite and closes on itself, and a property that holds in it holds at every tick of every run.
//!
//! **Losses.** With [`StalenessCfg::losses`] = k, up to k messages are lost in all, any of them
//! (a query or an answer) at any moment; the network never duplicates. The resolver sends
//! a query again R = [`resend_period`] ticks after it, one more than the longest round trip, so
//! a resend is never spurious. The bounds then grow by [`delay`], exactly, and a renewing push
//! resolver's (`PolicyKind::PushRenew`) by [`renewal_delay`]. Without losses the resend never
//! fires. Plain push takes no losses: it never repairs a lost push.

use crate::replication::CfgError;
use crate::report::Describe;
use crate::ttl::PolicyKind;
use inflight_core::ttl::{Cmd, Event, Fault, Msg, Node, Policy, Renumber, Shift, Timer};
use inflight_core::{Duration, Effect, EffectBuf, Instant, Machine, NodeId};
use stateright::{Model, Property};
use std::collections::HashSet;
use std::fmt::Write as _;

/// The authority's node id.
pub const AUTHORITY: NodeId = NodeId(0);
/// The resolver's node id.
pub const RESOLVER: NodeId = NodeId(1);
/// The property names, shared by tests and the CLI.
pub mod props {
    /// Always: no read is staler than [`super::StalenessCfg::bound`].
    pub const WITHIN_BOUND: &str = "no read is staler than the bound";
    /// Sometimes: a read exactly as stale as [`super::StalenessCfg::bound`] (so the bound is
    /// tight).
    pub const BOUND_REACHED: &str = "a read is exactly as stale as the bound (reachable)";
    /// Always: no read waits longer than [`super::StalenessCfg::wait_bound`]: a round trip,
    /// 2(L + J), plus what losses add.
    pub const WAIT_BOUND: &str = "no read waits longer than the wait bound";
    /// Sometimes: a read waits exactly [`super::StalenessCfg::wait_bound`] (so it is tight).
    pub const WAIT_REACHED: &str = "a read waits exactly the wait bound (reachable)";
}

/// The longest a read waits for its answer, in ticks, under any policy and without losses (see
/// [`delay`] for what they add): a round trip at its slowest, 2(L + J). A read the cache cannot
/// answer waits for the fetch out, or starts one, and the answer to it comes back within
/// 2(L + J); under the periodic and push policies the first query goes out at the start, and a
/// read before its answer waits for it. (A resolver
/// that took only the answer to its latest query waited for ever once it refreshed faster than
/// that: `Fault::TakeOnlyAwaitedAnswers`.)
pub fn wait_bound(latency: u8, jitter: u8) -> u32 {
    2 * (u32::from(latency) + u32::from(jitter))
}

/// A staleness scenario to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StalenessCfg {
    /// The resolver's policy.
    pub policy: PolicyKind,
    /// θ in ticks: the TTL (on-demand), the refresh period (periodic) or the renewal period
    /// (push-renew); unused otherwise.
    pub ttl: u8,
    /// L: ticks per hop, at least 1.
    pub latency: u8,
    /// J: extra ticks a message may take; every delay in [L, L + J] is explored.
    pub jitter: u8,
    /// The resolver's variant.
    pub fault: Fault,
    /// At most this many messages are lost, in all, at any moments (0: none). The resolver
    /// sends a query again [`resend_period`] ticks after it, if no answer has come.
    pub losses: u8,
}

impl Default for StalenessCfg {
    /// An on-demand resolver with a TTL of 4 ticks, 2 ticks per hop and 1 of jitter.
    fn default() -> Self {
        StalenessCfg {
            policy: PolicyKind::OnDemand,
            ttl: 4,
            latency: 2,
            jitter: 1,
            fault: Fault::None,
            losses: 0,
        }
    }
}

/// The worst staleness, in ticks, of a read from a correct resolver under `policy`, with TTL or
/// refresh period θ = `ttl`, L = `latency` ticks per hop and J = `jitter`, over every delay in
/// [L, L + J] and every moment of reads and changes, without losses (see [`delay`] for what
/// they add).
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
        PolicyKind::Push | PolicyKind::PushRenew => l + 2 * j,
    }
}

/// [`bound`] written out, for reports.
pub fn formula(policy: PolicyKind) -> &'static str {
    match policy {
        PolicyKind::NoCache => "L + J",
        PolicyKind::OnDemand => "θ + L + J − 1",
        PolicyKind::Periodic => "θ + L + 2J",
        PolicyKind::Push | PolicyKind::PushRenew => "L + 2J",
    }
}

/// D, what `losses` lost messages add, in ticks, to the longest wait under `policy` and, for
/// the periodic policy, to the worst staleness (the other policies' worst staleness does not
/// grow, as below). Push takes no losses ([`StalenessCfg::validate`]).
///
/// A lost query, or a lost answer, is made good by the next query the resolver sends: its resend
/// R = [`resend_period`] ticks later, or under the periodic policy the next refresh if that comes
/// first (a refresh sends a new query and restarts the resend timer). So after a query sent at
/// tick 0, the resolver sends again at R, 2R, … until the next refresh at θ, then at θ + R, …:
/// m = ⌈θ/R⌉ queries a period. With k losses the query that gets through is the k-th after the
/// first, sent D(k) = ⌊k/m⌋θ + (k mod m)R ticks after it; without refreshes D(k) = kR. Its
/// answer comes back within 2(L + J) of it, as the first query's would have without losses, so:
///
/// - every policy's read waits at most 2(L + J) + D(k);
/// - a periodic resolver's record may be D(k) staler: θ + L + 2J + D(k);
/// - an on-demand or no-cache resolver's read is as stale as without losses at worst: a record
///   is cached, or handed to a waiting read, only when an answer arrives, and an answer is at
///   most L + J old whichever query it answers.
///
/// A renewing push resolver ([`renewal_delay`]) waits as an on-demand one does, for the query
/// it sends when it starts; its staleness grows by kθ instead.
///
/// The checker confirms every one exactly (`inflight check ttl --timed --losses k`).
pub fn delay(policy: PolicyKind, ttl: u8, latency: u8, jitter: u8, losses: u8) -> u32 {
    let (k, r) = (u32::from(losses), resend_period(latency, jitter));
    match policy {
        PolicyKind::Periodic => {
            let theta = u32::from(ttl).max(1);
            let m = theta.div_ceil(r);
            k / m * theta + k % m * r
        }
        _ => k * r,
    }
}

/// What `losses` lost messages add, in ticks, to the worst staleness of a push resolver that
/// renews its subscription every θ = `ttl` ticks: kθ.
///
/// A push is never resent, so a lost push leaves the cache stale until a renewal brings the
/// record. The last renewal the authority answered before the change may have reached it in the
/// same tick, just before the change, at s = n + d₁ for a renewal sent at n. The next is sent at
/// n + θ and its answer arrives by n + θ + d₁′ + d₂′, so a read just before is
/// θ + d₁′ + d₂′ − d₁ ≤ θ + L + 2J stale. A renewal is not resent either: each further loss, of
/// a renewal or of the push that answers it, costs one more period. So with k losses the worst
/// read is L + 2J + kθ stale. Losses of the query the resolver sends when it starts only make
/// reads wait ([`delay`]): until its answer confirms the cache, no read is answered from it.
///
/// The checker confirms it exactly (`inflight check ttl --policy push-renew --timed --losses k`).
pub fn renewal_delay(ttl: u8, losses: u8) -> u32 {
    u32::from(losses) * u32::from(ttl)
}

impl StalenessCfg {
    /// Checks that the scenario can be built.
    pub fn validate(&self) -> Result<(), CfgError> {
        let bad = |what: String| Err(CfgError(what));
        if self.latency == 0 {
            return bad("latency 0: a hop takes at least 1 tick".into());
        }
        if self.ttl == 0
            && matches!(
                self.policy,
                PolicyKind::OnDemand | PolicyKind::Periodic | PolicyKind::PushRenew
            )
        {
            return bad("ttl 0: a TTL, refresh or renewal period is at least 1 tick".into());
        }
        if self.losses > MAX_LOSSES {
            return bad(format!("{} losses: at most {MAX_LOSSES} here", self.losses));
        }
        if self.losses > 0 && self.policy == PolicyKind::Push {
            return bad("push has no acknowledgement and no refresh, so a lost push is never \
                 repaired and a read may be stale for ever: losses are outside what it promises \
                 (use push-renew, which subscribes again every θ, or periodic, on-demand or \
                 no-cache)"
                .into());
        }
        if u16::from(self.latency) + u16::from(self.jitter) > MAX_HOP {
            return bad(format!(
                "latency {} + jitter {}: a hop takes at most {MAX_HOP} ticks here",
                self.latency, self.jitter
            ));
        }
        Ok(())
    }

    /// The worst staleness in ticks for this scenario: [`bound`], plus [`delay`] for a
    /// periodic resolver and [`renewal_delay`] for a renewing push resolver that may lose
    /// messages.
    pub fn bound(&self) -> u32 {
        bound(self.policy, self.ttl, self.latency, self.jitter) + self.stale_delay()
    }

    /// What losses add to [`StalenessCfg::bound`]: [`delay`] for a periodic resolver,
    /// [`renewal_delay`] for a renewing push resolver, 0 for the others (and without losses).
    pub fn stale_delay(&self) -> u32 {
        match self.policy {
            PolicyKind::Periodic => self.delay(),
            PolicyKind::PushRenew => renewal_delay(self.ttl, self.losses),
            _ => 0,
        }
    }

    /// The longest wait in ticks for this scenario: [`wait_bound`] plus [`delay`].
    pub fn wait_bound(&self) -> u32 {
        wait_bound(self.latency, self.jitter) + self.delay()
    }

    /// [`delay`] for this scenario: 0 without losses.
    pub fn delay(&self) -> u32 {
        delay(self.policy, self.ttl, self.latency, self.jitter, self.losses)
    }

    /// [`StalenessCfg::bound`] written out, for reports: [`formula`], plus "D" with losses.
    pub fn formula(&self) -> String {
        match (self.policy, self.losses) {
            (PolicyKind::Periodic, 1..) => format!("{} + D", formula(self.policy)),
            (PolicyKind::PushRenew, 1..) => format!("{} + kθ", formula(self.policy)),
            _ => formula(self.policy).to_string(),
        }
    }

    /// [`StalenessCfg::wait_bound`] written out, for reports.
    pub fn wait_formula(&self) -> &'static str {
        if self.losses == 0 {
            "2(L + J)"
        } else {
            "2(L + J) + D"
        }
    }

    /// Builds the model. Panics on an invalid configuration (call [`StalenessCfg::validate`]
    /// first where the input is untrusted).
    pub fn into_model(self) -> StalenessModel {
        if let Err(e) = self.validate() {
            panic!("invalid staleness config: {e}");
        }
        StalenessModel { cfg: self }
    }

    /// The core resolver's policy for this scenario, θ = `ttl` ticks where it has one.
    pub fn policy(&self) -> Policy {
        let theta = Duration(u64::from(self.ttl));
        match self.policy {
            PolicyKind::OnDemand => Policy::OnDemand { ttl: theta },
            PolicyKind::Periodic => Policy::Periodic { every: theta },
            PolicyKind::Push => Policy::Push,
            PolicyKind::PushRenew => Policy::PushRenew { every: theta },
            PolicyKind::NoCache => Policy::NoCache,
        }
    }
}

/// The longest hop, L + J, in ticks, the model takes: message ages are a byte.
pub const MAX_HOP: u16 = 255;

/// The most losses the model takes ([`StalenessCfg::losses`]).
pub const MAX_LOSSES: u8 = 3;

/// R, the resolver's resend period in ticks: one more than the longest round trip, 2(L + J) + 1,
/// so that it sends a query again only when the query or its answer was lost.
pub fn resend_period(latency: u8, jitter: u8) -> u32 {
    wait_bound(latency, jitter) + 1
}

/// The tick every state is at. After each tick the model moves the clock back by one
/// (`inflight_core::ttl::Renumber`), so `now` never moves; it is 1, not 0, so that a deadline
/// already past stays before it.
const NOW: Instant = Instant(1);

/// A message on its way: ticks since it was sent, sender, message.
pub type Flight = (u8, NodeId, Msg);

/// The timed state. It holds no clock and no absolute number: after every step query numbers are
/// shifted down to the lowest still referred to and the versions still referred to are numbered
/// 0, 1, 2, …, and times are ages and ticks left, so states that differ only by how long the
/// system has run are one state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StalenessState {
    /// The authority (node 0) and the resolver (node 1).
    pub nodes: [Node; 2],
    /// Messages on their way, sorted.
    pub flights: Vec<Flight>,
    /// The resolver's armed timers and the ticks until each is due, sorted.
    pub timers: Vec<(Timer, u16)>,
    /// For each version older than the authority's that anything still refers to, the lowest
    /// first (so the authority's version is `replaced.len()`): ticks since it was replaced,
    /// counted up to two more than the bound.
    pub replaced: Vec<u16>,
    /// Whether the record has changed in this tick. It changes at most once a tick: a second
    /// change in the same tick makes no read staler, since the version it replaces was replaced
    /// in the same tick as the one before.
    pub changed: bool,
    /// How stale the read answered by the step that led here was, in ticks (the stalest, if it
    /// answered several; 0 if it answered none), up to two more than the bound. Only that step's
    /// reads: a worst-so-far would be history, and would multiply the states by every value it
    /// can take.
    pub read: u32,
    /// How long the read waiting for a fetch has waited, in ticks, up to one more than
    /// [`StalenessCfg::wait_bound`]; `None` when no read waits.
    pub waited: Option<u16>,
    /// Messages lost so far, up to [`StalenessCfg::losses`].
    pub lost: u8,
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
    /// This message, just sent, is lost. (Losing it later changes nothing a node sees, so
    /// only a message of age 0 is lost: the same runs in fewer states.)
    Lose(Flight),
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

/// Hands the events a handler emitted into `fx` to [`crate::coverage`].
fn emitted(fx: &Fx) {
    for effect in fx.as_slice() {
        if let Effect::Emit(event) = effect {
            crate::coverage::event(event);
        }
    }
}

impl StalenessModel {
    /// Ages and staleness are counted up to this: two ticks past the bound, so that a resolver
    /// one tick too stale shows exactly that. Counting further would make the graph infinite
    /// for a resolver that never refetches.
    fn cap(&self) -> u32 {
        self.cfg.bound() + 2
    }

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
                    let left = at.ticks().saturating_sub(NOW.ticks());
                    s.timers.push((timer, left.min(u64::from(u16::MAX)) as u16));
                }
                Effect::CancelTimer(timer) => s.timers.retain(|(t, _)| *t != timer),
                Effect::Emit(Event::Answered { record, .. }) => {
                    s.read = s.read.max(staleness(s, record.version)).min(self.cap());
                }
                Effect::Emit(Event::Changed { .. }) | Effect::Random { .. } => {}
            }
        }
    }

    /// Renumbers the state: query numbers down to the lowest anything still refers to, and the
    /// versions anything still refers to as 0, 1, 2, … in order, forgetting when the others
    /// were replaced; sorts the tables.
    fn canonical(&self, s: &mut StalenessState) {
        let mut queries = u32::MAX;
        let mut versions = Vec::with_capacity(4);
        for n in &s.nodes {
            queries = queries.min(n.lowest_query().unwrap_or(u32::MAX));
            n.versions(&mut |v| versions.push(v));
        }
        for f in &s.flights {
            queries = queries.min(f.2.lowest_query().unwrap_or(u32::MAX));
            f.2.versions(&mut |v| versions.push(v));
        }
        versions.sort_unstable();
        versions.dedup();
        // The authority refers to its version, the newest, and the resolver to its next query.
        let dense = versions.iter().enumerate().all(|(i, &v)| v == i as u32);
        if queries != 0 || !dense {
            let by = Shift { queries, ticks: 0 };
            let map = |v: u32| versions.binary_search(&v).map_or(v, |i| i as u32);
            for n in &mut s.nodes {
                n.renumber(by, &map);
            }
            for f in &mut s.flights {
                f.2.renumber(by, &map);
            }
            // The authority's version (the last) has not been replaced.
            let kept = versions.len().saturating_sub(1);
            s.replaced = versions[..kept].iter().map(|&v| s.replaced[v as usize]).collect();
        }
        s.timers.sort();
        s.flights.sort();
    }

    fn must_happen_first(&self, s: &StalenessState) -> bool {
        let last = self.cfg.latency.saturating_add(self.cfg.jitter);
        s.flights.iter().any(|f| f.0 >= last) || s.timers.iter().any(|t| t.1 == 0)
    }
}

/// How stale a read answered now with `version` is: ticks since the version was replaced, or 0.
fn staleness(s: &StalenessState, version: u32) -> u32 {
    s.replaced.get(version as usize).map_or(0, |&age| u32::from(age))
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
            Duration(u64::from(resend_period(self.cfg.latency, self.cfg.jitter))),
            self.cfg.fault,
        );
        let mut s = StalenessState {
            nodes: [authority, resolver],
            flights: Vec::new(),
            timers: Vec::new(),
            replaced: Vec::new(),
            changed: false,
            read: 0,
            waited: None,
            lost: 0,
        };
        let mut fx = Fx::default();
        s.nodes[1].on_start(NOW, &mut fx);
        self.apply(&mut s, RESOLVER, fx);
        self.canonical(&mut s);
        vec![s]
    }

    fn actions(&self, s: &StalenessState, actions: &mut Vec<Step>) {
        if waiting(s) == 0 {
            actions.push(Step::Read);
        }
        if !s.changed {
            actions.push(Step::Change);
        }
        for (i, f) in s.flights.iter().enumerate() {
            // Equal flights are one choice.
            if f.0 >= self.cfg.latency && (i == 0 || s.flights[i - 1] != *f) {
                actions.push(Step::Deliver(*f));
            }
        }
        if s.lost < self.cfg.losses {
            for (i, f) in s.flights.iter().enumerate() {
                if f.0 == 0 && (i == 0 || s.flights[i - 1] != *f) {
                    actions.push(Step::Lose(*f));
                }
            }
        }
        for &(t, left) in &s.timers {
            if left == 0 {
                actions.push(Step::Fire(t));
            }
        }
        if !self.must_happen_first(s) {
            actions.push(Step::Tick);
        }
    }

    fn next_state(&self, s: &StalenessState, action: Step) -> Option<StalenessState> {
        let mut s = s.clone();
        s.read = 0;
        let mut fx = Fx::default();
        match action {
            Step::Read => {
                // Read ids only name reads in events: every read is read 1.
                let result = s.nodes[1].on_command(NOW, Cmd::Read { id: 1 }, &mut fx);
                emitted(&fx);
                crate::coverage::command(&Cmd::Read { id: 1 }, &result);
                result.ok()?;
                s.waited = Some(0);
                self.apply(&mut s, RESOLVER, fx);
            }
            Step::Change => {
                // The value is the same every time: the version tells records apart.
                let result = s.nodes[0].on_command(NOW, Cmd::Change { value: 100 }, &mut fx);
                emitted(&fx);
                crate::coverage::command(&Cmd::Change { value: 100 }, &result);
                result.ok()?;
                s.replaced.push(0);
                s.changed = true;
                self.apply(&mut s, AUTHORITY, fx);
            }
            Step::Deliver(flight) => {
                let i = s.flights.iter().position(|f| *f == flight)?;
                let (_, from, msg) = s.flights.remove(i);
                let to = if from == AUTHORITY { RESOLVER } else { AUTHORITY };
                // A rejected message (a stale answer, a duplicate) changes nothing but leaves.
                let result = s.nodes[to.0 as usize].on_message(NOW, from, msg, &mut fx);
                emitted(&fx);
                crate::coverage::message(&msg, &result);
                if result.is_ok() {
                    self.apply(&mut s, to, fx);
                }
            }
            Step::Lose(flight) => {
                let i = s.flights.iter().position(|f| *f == flight)?;
                s.flights.remove(i);
                s.lost += 1;
            }
            Step::Fire(t) => {
                s.timers.retain(|(x, _)| *x != t);
                s.nodes[1].on_timer(NOW, t, &mut fx);
                emitted(&fx);
                crate::coverage::timer(&t);
                self.apply(&mut s, RESOLVER, fx);
            }
            Step::Tick => {
                let cap = self.cap().min(u32::from(u16::MAX)) as u16;
                for n in &mut s.nodes {
                    n.renumber(Shift { queries: 0, ticks: 1 }, &|v| v);
                }
                for f in &mut s.flights {
                    f.0 += 1;
                }
                for t in &mut s.timers {
                    t.1 -= 1;
                }
                for age in &mut s.replaced {
                    *age = (*age + 1).min(cap);
                }
                s.changed = false;
                let longest = (self.cfg.wait_bound() + 1).min(u32::from(u16::MAX)) as u16;
                s.waited = s.waited.map(|w| (w + 1).min(longest));
            }
        }
        if waiting(&s) == 0 {
            s.waited = None;
        }
        self.canonical(&mut s);
        Some(s)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always(props::WITHIN_BOUND, |m: &Self, s: &StalenessState| {
                s.read <= m.cfg.bound()
            }),
            Property::sometimes(props::BOUND_REACHED, |m: &Self, s: &StalenessState| {
                s.read == m.cfg.bound()
            }),
            Property::always(props::WAIT_BOUND, |m: &Self, s: &StalenessState| {
                s.waited.is_none_or(|w| u32::from(w) <= m.cfg.wait_bound())
            }),
            Property::sometimes(props::WAIT_REACHED, |m: &Self, s: &StalenessState| {
                s.waited.is_some_and(|w| u32::from(w) == m.cfg.wait_bound())
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
            Step::Lose((_, from, msg)) => {
                let to = if *from == AUTHORITY { RESOLVER } else { AUTHORITY };
                format!("{from:?} -> {to:?}: {msg:?} is lost")
            }
            Step::Fire(t) => format!("the resolver's {t:?} timer fires"),
            Step::Tick => "one tick passes".into(),
        }
    }
}

/// Ticks are counted from now: `@1` is the current tick (the model holds the clock there),
/// `@5` four ticks from now.
impl Describe for StalenessState {
    fn describe(&self) -> String {
        let mut s = String::new();
        s.push_str("now @1");
        if self.read > 0 {
            let _ = write!(s, "; the read just answered is {} tick(s) stale", self.read);
        }
        match self.waited {
            Some(w) => writeln!(s, "; a read has waited {w} tick(s)"),
            None => writeln!(s),
        }
        .ok();
        let replaced: Vec<String> = self
            .replaced
            .iter()
            .enumerate()
            .map(|(v, age)| format!("v{v} {age} tick(s) ago"))
            .collect();
        if !replaced.is_empty() {
            let _ = writeln!(s, "replaced: {}", replaced.join(", "));
        }
        if self.changed {
            let _ = writeln!(s, "changed in this tick");
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let _ = write!(s, "n{i}: {n:?}");
            if i == 1 && !self.timers.is_empty() {
                let t: Vec<String> =
                    self.timers.iter().map(|(t, left)| format!("{t:?} in {left}")).collect();
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

/// The worst of every read in the whole explored graph, from [`worst`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Worst {
    /// The stalest read, in ticks (counted up to two past [`StalenessCfg::bound`]).
    pub stale: u32,
    /// The longest wait of a read, in ticks (counted up to one past [`StalenessCfg::wait_bound`]).
    pub wait: u32,
    /// The states explored.
    pub states: usize,
}

/// The worst staleness and the longest wait of any read in the whole explored graph, and the
/// number of states: a breadth-first search of its own, to report the exact figures beside the
/// bounds and to cross-check stateright's count.
pub fn worst(model: &StalenessModel) -> Worst {
    let mut seen: HashSet<StalenessState> = HashSet::new();
    let mut queue: Vec<StalenessState> = model.init_states();
    let (mut stale, mut wait) = (0, 0);
    let mut actions = Vec::new();
    while let Some(s) = queue.pop() {
        if !seen.insert(s.clone()) {
            continue;
        }
        stale = stale.max(s.read);
        wait = wait.max(s.waited.map_or(0, u32::from));
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
    Worst { stale, wait, states: seen.len() }
}
