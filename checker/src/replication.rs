//! The replication model: [`ReplicationCfg`] turned into a stateright [`ActorModel`] of the core's
//! primary and replicas, with the safety and liveness properties of issue "foundation".

use crate::adapter::{NodeActor, NodeState};
use crate::network::{self, NetworkBound, NetworkKind};
use inflight_core::log::Log;
use inflight_core::replication::{self, AckPolicy, Cmd, Fault, Node, Primary, Value};
use inflight_core::Duration;
use stateright::actor::{ActorModel, ActorModelState};
use stateright::Expectation;
use std::fmt;

/// Log capacity of the checked nodes, in entries: the most writes a model can script.
pub const LOG: usize = 16;

/// The node type the replication model runs.
pub type ReplNode = Node<LOG>;

/// The stateright model of a replication group.
pub type ReplicationModel = ActorModel<NodeActor<ReplNode>, ReplicationCfg>;

/// The state of a [`ReplicationModel`].
pub type ReplicationState = ActorModelState<NodeActor<ReplNode>>;

/// The property names, shared by tests and the CLI.
pub mod props {
    /// Always: the primary never has more than k writes unacknowledged.
    pub const IN_FLIGHT: &str = "in flight <= k";
    /// Always: every committed write is stored on as many replicas as the ack policy requires.
    pub const COMMITTED_STORED: &str = "committed writes are stored on the required replicas";
    /// Always: each replica's log is a prefix of the primary's writes: no gap, duplicate or
    /// reordering.
    pub const PREFIX: &str = "replica logs are prefixes of the primary's writes";
    /// Sometimes: some run commits every write.
    pub const ALL_COMMITTED_REACHABLE: &str = "all writes committed (reachable)";
    /// Eventually (reliable networks only): every run commits every write.
    pub const ALL_COMMITTED_EVENTUALLY: &str = "all writes committed (eventually)";
}

/// A replication scenario to check. `ReplicationCfg::default()` finishes in well under a second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicationCfg {
    /// Replicas (1 ..= 7).
    pub replicas: u8,
    /// The window k: writes unacknowledged at once.
    pub window: u16,
    /// Client writes to commit (1 ..= [`LOG`]).
    pub writes: u8,
    /// How many replicas must store a write before it commits.
    pub ack: AckPolicy,
    /// Message ordering and duplication.
    pub network: NetworkKind,
    /// Whether the network may drop any message.
    pub lossy: bool,
    /// How many nodes may be down at once (each crash loses volatile state; recovery restores
    /// the durable log).
    pub crashes: u8,
    /// Whether the primary retransmits on a timer. Needed on lossy networks; on others it only
    /// adds duplicates. Defaults to on exactly when the network is lossy.
    pub retransmit: bool,
    /// A bound on messages in the network; states beyond it are not explored. Retransmission
    /// on a non-duplicating network has no other bound.
    pub max_in_network: Option<usize>,
    /// The protocol variant; [`Fault::None`] unless proving that a property can fail.
    pub fault: Fault,
}

impl Default for ReplicationCfg {
    fn default() -> Self {
        ReplicationCfg {
            replicas: 2,
            window: 2,
            writes: 3,
            ack: AckPolicy::All,
            network: NetworkKind::Unordered,
            lossy: false,
            crashes: 0,
            retransmit: false,
            max_in_network: None,
            fault: Fault::None,
        }
    }
}

/// Why a [`ReplicationCfg`] cannot be checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CfgError(pub String);

impl fmt::Display for CfgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CfgError {}

impl NetworkBound for ReplicationCfg {
    fn max_in_network(&self) -> Option<usize> {
        self.max_in_network
    }
}

impl ReplicationCfg {
    /// The core configuration of the group.
    pub fn core(&self) -> replication::Config {
        replication::Config {
            replicas: self.replicas,
            window: self.window,
            policy: self.ack,
            rto: self.retransmit.then_some(Duration(1)),
            fault: self.fault,
        }
    }

    /// Checks that the scenario can be built.
    pub fn validate(&self) -> Result<(), CfgError> {
        self.core().validate().map_err(|e| CfgError(e.to_string()))?;
        if self.writes == 0 || self.writes as usize > LOG {
            return Err(CfgError(format!("{} writes: the model takes 1 to {LOG}", self.writes)));
        }
        if self.lossy && !self.retransmit {
            return Err(CfgError("a lossy network needs retransmission".into()));
        }
        if self.crashes > self.replicas + 1 {
            return Err(CfgError(format!(
                "{} crashes: at most one per node ({})",
                self.crashes,
                self.replicas + 1
            )));
        }
        Ok(())
    }

    /// The value of write `seq` in the client's script (1-based): its own sequence number, so
    /// traces read naturally and any reordering is visible.
    pub fn value_of(seq: u32) -> Value {
        seq
    }

    /// Builds the stateright model. Panics on an invalid configuration (call
    /// [`ReplicationCfg::validate`] first where the input is untrusted).
    pub fn into_model(self) -> ReplicationModel {
        if let Err(e) = self.validate() {
            panic!("invalid replication config: {e}");
        }
        let persist = self.crashes > 0;
        let nodes = match Node::<LOG>::group(self.core()) {
            Ok(nodes) => nodes,
            Err(e) => panic!("invalid replication config: {e}"),
        };
        let actors = nodes.enumerate().map(|(i, node)| {
            let actor = NodeActor::new(node).persistent(persist);
            if i == 0 {
                actor.with_script((1..=self.writes as u32).map(|s| Cmd::Write(Self::value_of(s))))
            } else {
                actor
            }
        });
        let model = ActorModel::new(self, ()).actors(actors);
        network::configure(model, self.network, self.lossy, self.crashes)
            .property(Expectation::Always, props::IN_FLIGHT, |m, s| {
                primary(s).in_flight() <= m.cfg.window as u32
            })
            .property(Expectation::Always, props::COMMITTED_STORED, committed_are_stored)
            .property(Expectation::Always, props::PREFIX, logs_are_prefixes)
            .property(Expectation::Sometimes, props::ALL_COMMITTED_REACHABLE, |m, s| {
                primary(s).commit() == m.cfg.writes as u32
            })
            // On a lossy network too: losses are faults, assumed finitely many, so
            // retransmission must still get every write committed.
            .property(Expectation::Eventually, props::ALL_COMMITTED_EVENTUALLY, |m, s| {
                primary(s).commit() == m.cfg.writes as u32
            })
    }
}

/// The primary's state (actor 0).
pub fn primary(s: &ReplicationState) -> &Primary<LOG> {
    match s.actor_states[0].machine.as_primary() {
        Some(p) => p,
        None => unreachable!("actor 0 is the primary"),
    }
}

/// Each replica's log as it would be found now: the live log, or for a crashed replica what its
/// storage kept.
pub fn replica_logs(s: &ReplicationState) -> impl Iterator<Item = &Log<Value, LOG>> + '_ {
    (1..s.actor_states.len()).map(move |i| {
        let node: &ReplNode = if s.crashed[i] {
            match &s.actor_storages[i] {
                Some(NodeState { machine, .. }) => machine,
                None => &EMPTY_REPLICA,
            }
        } else {
            &s.actor_states[i].machine
        };
        match node.as_replica() {
            Some(r) => r.log(),
            None => unreachable!("actors 1.. are replicas"),
        }
    })
}

/// What a replica that crashed before storing anything recovers to.
static EMPTY_REPLICA: ReplNode =
    Node::Replica(replication::Replica::new(replication::PRIMARY, Fault::None));

fn committed_are_stored(m: &ReplicationModel, s: &ReplicationState) -> bool {
    let required = m.cfg.ack.required(m.cfg.replicas) as usize;
    (1..=primary(s).commit()).all(|seq| {
        let holders = replica_logs(s)
            .filter(|log| seq <= log.base() || log.get(seq) == Some(ReplicationCfg::value_of(seq)))
            .count();
        holders >= required
    })
}

fn logs_are_prefixes(_: &ReplicationModel, s: &ReplicationState) -> bool {
    let last = primary(s).last();
    replica_logs(s).all(|log| {
        log.last() <= last
            && log
                .entries()
                .iter()
                .zip(log.base() + 1..)
                .all(|(&v, seq)| v == ReplicationCfg::value_of(seq))
    })
}

/// The representative of `s` under renaming of the replicas (symmetry reduction, module
/// [`crate::symmetry`]): the replicas renamed so that what the state says about each (its
/// state, timers, storage, messages in flight, and what the primary knows of its progress)
/// ascends. Every property of this model treats the replicas alike, so a check may explore
/// representatives only (`inflight check replication --symmetry`).
pub fn representative(s: &ReplicationState) -> ReplicationState {
    // What the primary, running or crashed, records of replica i.
    let knows = |s: &ReplicationState, i: usize| {
        let progress =
            |node: &ReplNode| node.as_primary().and_then(|p| p.acked().get(i - 1).copied());
        let saved = s.actor_storages[0].as_ref().and_then(|saved| progress(&saved.machine));
        (progress(&s.actor_states[0].machine), saved)
    };
    crate::symmetry::canonical_nodes(s, 1..s.actor_states.len(), knows, |m, rename| {
        m.renamed(rename)
    })
}
