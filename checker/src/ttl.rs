//! The naming model: [`TtlCfg`] turned into a stateright [`ActorModel`] of the core's authority
//! and caching resolvers (`inflight_core::ttl`, MODELS.md §5), with a ghost record of what each
//! resolver's application was answered.
//!
//! stateright has no clock, so a cached entry never expires here and a timer may fire at any
//! moment: the model explores the orders in which queries, resends, answers, pushes and changes
//! arrive, not how stale a TTL lets a read be: how often a read is stale is MODELS.md §5's law,
//! which `inflight simulate ttl` measures on the same machines, and how stale it can be at worst
//! is checked under a clock by [`crate::staleness`]. What ordering alone can break: a resolver must
//! never answer an older record than one it answered before, must answer each read once, and
//! must answer every read in the end, losses included; with push, every subscriber must end on
//! the last change.

use crate::adapter::{NodeActor, Observer, SeenIds};
use crate::network::{self, NetworkBound, NetworkKind};
use crate::replication::CfgError;
use inflight_core::ttl::{
    Authority, Cmd, Event, Fault, Node, Policy, Record, Resolver, QUERY_BLOCK,
};
use inflight_core::{Duration, NodeId};
use stateright::actor::{ActorModel, ActorModelState};
use stateright::Expectation;

/// The most resolvers a model may have.
pub const MAX_RESOLVERS: u8 = 3;
/// The most reads each resolver's application may make (the resolver's waiting list holds 8).
pub const MAX_READS: u8 = 8;
/// The most changes the authority's application may make.
pub const MAX_CHANGES: u8 = 4;

/// What a resolver's application was answered: the reads answered (and the first answered
/// twice), the newest version answered, and the first answer older than an earlier one.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Answers {
    /// The reads answered.
    pub answered: SeenIds,
    /// The newest record answered so far.
    pub newest: Option<Record>,
    /// The first answer older than one before it: (the version answered before, the older one).
    pub went_back: Option<(u32, u32)>,
}

/// `answered [1, 2], newest v1`, with ` (1 TWICE)` after the list or `, WENT BACK v1 -> v0` at
/// the end if so.
impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "answered {:?}", self.answered)?;
        if let Some(n) = self.newest {
            write!(f, ", newest v{}", n.version)?;
        }
        if let Some((from, to)) = self.went_back {
            write!(f, ", WENT BACK v{from} -> v{to}")?;
        }
        Ok(())
    }
}

impl Observer<Node> for Answers {
    fn observe(&mut self, event: &Event) {
        let Event::Answered { id, record, .. } = *event else { return };
        self.answered.record(id);
        match self.newest {
            Some(n) if n.newer_than(&record) => {
                self.went_back = self.went_back.or(Some((n.version, record.version)));
            }
            _ => self.newest = Some(record),
        }
    }
}

/// The stateright model of an authority and its resolvers.
pub type TtlModel = ActorModel<NodeActor<Node, Answers>, TtlCfg>;

/// The state of a [`TtlModel`].
pub type TtlState = ActorModelState<NodeActor<Node, Answers>>;

/// The property names, shared by tests and the CLI.
pub mod props {
    /// Always: no resolver answers a record older than one it answered before.
    pub const MONOTONIC: &str = "reads never go back in time";
    /// Always: no read is answered twice.
    pub const ONCE: &str = "each read is answered at most once";
    /// Sometimes: some run answers every read.
    pub const ALL_ANSWERED_REACHABLE: &str = "every read answered (reachable)";
    /// Eventually: every run answers every read.
    pub const ALL_ANSWERED_EVENTUALLY: &str = "every read answered (eventually)";
    /// Eventually, with crashes (which take waiting reads with them): every read made, and
    /// none left waiting.
    pub const NONE_WAITING_EVENTUALLY: &str = "no read waits forever (eventually)";
    /// Eventually (push only): once every change is made, every subscriber caches the last one.
    pub const CONVERGED: &str = "subscribers end on the last change (push)";
}

/// How a checked resolver keeps its cache. Durations do not matter to an untimed model: a TTL
/// never runs out, and a timer may fire at any moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Fetch on a read of a missing entry; the entry stays fresh.
    OnDemand,
    /// Refresh on a timer, at most [`TtlCfg::refreshes`] times; answer reads from the cache.
    Periodic,
    /// Subscribe, and take the changes the authority pushes.
    Push,
    /// Push, and subscribe again on a timer: the authority answers each renewal with the
    /// record, so a lost push or subscription is made good. The only push that takes losses.
    PushRenew,
    /// Fetch on every read.
    NoCache,
}

impl PolicyKind {
    /// The core policy.
    pub fn core(self) -> Policy {
        match self {
            PolicyKind::OnDemand => Policy::OnDemand { ttl: Duration(1) },
            PolicyKind::Periodic => Policy::Periodic { every: Duration(1) },
            PolicyKind::Push => Policy::Push,
            PolicyKind::PushRenew => Policy::PushRenew { every: Duration(1) },
            PolicyKind::NoCache => Policy::NoCache,
        }
    }
}

/// A naming scenario to check. `TtlCfg::default()` is one on-demand resolver making 2 reads
/// while the authority changes the record once, on a duplicating network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TtlCfg {
    /// Resolvers (1 ..= [`MAX_RESOLVERS`]), nodes 1, 2, …; the authority is node 0.
    pub resolvers: u8,
    /// Their policy.
    pub policy: PolicyKind,
    /// Reads each resolver's application makes (1 ..= [`MAX_READS`]).
    pub reads: u8,
    /// Changes the authority's application makes (0 ..= [`MAX_CHANGES`]).
    pub changes: u8,
    /// Periodic policy: the queries each resolver may start (1 ..= 4); its refresh timer would
    /// otherwise fire forever.
    pub refreshes: u8,
    /// Message ordering and duplication.
    pub network: NetworkKind,
    /// Whether the network may drop any message.
    pub lossy: bool,
    /// Nodes that may be down at once. A crashed resolver loses its cache and the reads waiting
    /// for it (its application went down with it); the authority keeps its record.
    pub crashes: u8,
    /// Explore only states with at most this many messages in the network. Needed on ordered
    /// and unordered networks, where the resolver's resends pile up.
    pub max_in_network: Option<usize>,
    /// The resolvers' variant.
    pub fault: Fault,
}

impl Default for TtlCfg {
    fn default() -> Self {
        TtlCfg {
            resolvers: 1,
            policy: PolicyKind::OnDemand,
            reads: 2,
            changes: 1,
            refreshes: 2,
            network: NetworkKind::Duplicating,
            lossy: false,
            crashes: 0,
            max_in_network: None,
            fault: Fault::None,
        }
    }
}

impl NetworkBound for TtlCfg {
    fn max_in_network(&self) -> Option<usize> {
        self.max_in_network
    }
}

impl TtlCfg {
    /// Checks that the scenario can be built and explored to the end.
    pub fn validate(&self) -> Result<(), CfgError> {
        let range = |what: &str, v: u8, lo: u8, hi: u8| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(CfgError(format!("{v} {what}: the model takes {lo} to {hi}")))
            }
        };
        range("resolvers", self.resolvers, 1, MAX_RESOLVERS)?;
        range("reads", self.reads, 1, MAX_READS)?;
        range("changes", self.changes, 0, MAX_CHANGES)?;
        range("refreshes", self.refreshes, 1, 4)?;
        range("crashes", self.crashes, 0, self.resolvers + 1)?;
        if self.network != NetworkKind::Duplicating && self.max_in_network.is_none() {
            return Err(CfgError(format!(
                "on an {} network the resolver's resends pile up without end: bound the \
                 messages in flight (--max-in-network; on a duplicating network a resend is the \
                 same message, so no bound is needed)",
                self.network
            )));
        }
        if self.policy == PolicyKind::Push && self.lossy {
            return Err(CfgError(
                "push has no acknowledgement and no refresh, so a lost push is never repaired: \
                 a lossy network is outside what it promises (use push-renew, which subscribes \
                 again on a timer, or periodic, on-demand or no-cache)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Builds the stateright model. Panics on an invalid configuration (call
    /// [`TtlCfg::validate`] first where the input is untrusted).
    pub fn into_model(self) -> TtlModel {
        if let Err(e) = self.validate() {
            panic!("invalid ttl config: {e}");
        }
        let changes = (1..=self.changes as u32).map(|v| Cmd::Change { value: 100 + v });
        let authority =
            NodeActor::new(Node::authority(100)).with_script(changes).persistent(self.crashes > 0);
        let resolvers = (0..self.resolvers).map(|_| {
            let node =
                Node::resolver_with_fault(NodeId(0), self.policy.core(), Duration(1), self.fault);
            NodeActor::new(node)
                .with_script((1..=self.reads as u32).map(|id| Cmd::Read { id }))
                .persistent(self.crashes > 0)
        });
        let model = ActorModel::new(self, ()).actors(std::iter::once(authority).chain(resolvers));
        let model = network::configure(model, self.network, self.lossy, self.crashes)
            .property(Expectation::Always, props::MONOTONIC, |_, s| {
                answers(s).all(|a| a.went_back.is_none())
            })
            .property(Expectation::Always, props::ONCE, |_, s| {
                answers(s).all(|a| a.answered.twice().is_none())
            })
            .property(Expectation::Sometimes, props::ALL_ANSWERED_REACHABLE, all_answered);
        // A crash takes the reads waiting at the resolver with it, so with crashes the goal is
        // that no read is left waiting.
        let model = match self.crashes {
            0 => model.property(
                Expectation::Eventually,
                props::ALL_ANSWERED_EVENTUALLY,
                all_answered,
            ),
            _ => model.property(Expectation::Eventually, props::NONE_WAITING_EVENTUALLY, |m, s| {
                s.actor_states[1..].iter().all(|a| a.issued == m.cfg.reads)
                    && resolvers_of(s).all(|r| r.waiting() == 0)
            }),
        };
        let model = match self.policy {
            PolicyKind::Push | PolicyKind::PushRenew => {
                model.property(Expectation::Eventually, props::CONVERGED, |m, s| {
                    let last = authority_of(s).record();
                    last.version == m.cfg.changes as u32
                        && resolvers_of(s).all(|r| r.cached() == Some(last))
                })
            }
            _ => model,
        };
        // A periodic resolver's refresh timer never stops: explore its first refreshes in each
        // life. A resolver that recovers and queries again starts a new block of query numbers:
        // explore as many such lives as crashes allowed. (This replaces the boundary `configure`
        // set, so it keeps the network bound too.)
        model.within_boundary(|cfg, s| {
            let lives = QUERY_BLOCK * (cfg.crashes as u32 + 1);
            network::within_network_bound(cfg, s)
                && resolvers_of(s).all(|r| {
                    r.resumes_at() <= lives
                        && (cfg.policy != PolicyKind::Periodic
                            || r.queries() <= cfg.refreshes as u32)
                })
        })
    }
}

/// [`props::ALL_ANSWERED_EVENTUALLY`].
fn all_answered(m: &TtlModel, s: &TtlState) -> bool {
    answers(s).all(|a| a.answered.all_up_to(m.cfg.reads as u32))
}

/// The authority's state (actor 0).
pub fn authority_of(s: &TtlState) -> &Authority {
    match s.actor_states[0].machine.as_authority() {
        Some(a) => a,
        None => unreachable!("actor 0 is the authority"),
    }
}

/// The resolvers' states (actors 1, 2, …).
pub fn resolvers_of(s: &TtlState) -> impl Iterator<Item = &Resolver> {
    s.actor_states[1..].iter().filter_map(|a| a.machine.as_resolver())
}

/// What each resolver's application was answered.
pub fn answers(s: &TtlState) -> impl Iterator<Item = &Answers> {
    s.actor_states[1..].iter().map(|a| &a.ghost)
}

/// The representative of `s` under renaming of the resolvers (symmetry reduction, module
/// [`crate::symmetry`]): the resolvers renamed so that what the state says about each (its
/// state and what its application was answered, timers, storage, messages in flight, and
/// where it stands among the authority's subscribers) ascends. Every resolver has the same
/// policy and reads, and every property treats them alike, so a check may explore
/// representatives only (`inflight check ttl --symmetry`).
pub fn representative(s: &TtlState) -> TtlState {
    // Where resolver i stands among the authority's subscribers, running or crashed.
    let knows = |s: &TtlState, i: usize| {
        let me = NodeId(i as u8);
        let saved = s.actor_storages[0].as_ref().and_then(|a| a.machine.subscriber_position(me));
        (s.actor_states[0].machine.subscriber_position(me), saved)
    };
    crate::symmetry::canonical_nodes(s, 1..s.actor_states.len(), knows, |m, rename| {
        m.renamed(rename)
    })
}
