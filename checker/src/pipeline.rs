//! The pipeline model: [`PipelineCfg`] turned into a stateright [`ActorModel`] of the core's
//! windowed sender and receiver, with a ghost record of what the receiver's application got.

use crate::adapter::{NodeActor, Observer};
use crate::network::{self, NetworkBound, NetworkKind};
use crate::replication::CfgError;
use inflight_core::pipeline::{self, Cmd, Event, Fault, Node, Receiver, Sender};
use inflight_core::{Duration, Seq};
use stateright::actor::{ActorModel, ActorModelState};
use stateright::Expectation;

/// Buffer capacity of the checked nodes: the largest window, and the most messages a model sends.
pub const CAP: usize = 16;

/// The node type the pipeline model runs.
pub type PipeNode = Node<CAP>;

/// What the receiver's application was handed, checked as it arrives: how many messages came
/// in the order 1, 2, 3, …, and the first one that broke that order. Recording stops at the first
/// bad delivery, which keeps the ghost (and the state space) finite even when a broken receiver
/// delivers duplicates forever.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Deliveries {
    /// Messages delivered in order: 1 ..= in_order.
    pub in_order: Seq,
    /// The first delivery that was not `in_order + 1`.
    pub first_bad: Option<Seq>,
}

impl Observer<PipeNode> for Deliveries {
    fn observe(&mut self, event: &Event) {
        if let (Event::Delivered { seq, .. }, None) = (event, self.first_bad) {
            if *seq == self.in_order + 1 {
                self.in_order = *seq;
            } else {
                self.first_bad = Some(*seq);
            }
        }
    }
}

/// The stateright model of a sender–receiver pair.
pub type PipelineModel = ActorModel<NodeActor<PipeNode, Deliveries>, PipelineCfg>;

/// The state of a [`PipelineModel`].
pub type PipelineState = ActorModelState<NodeActor<PipeNode, Deliveries>>;

/// The property names, shared by tests and the CLI.
pub mod props {
    /// Always: what the application was handed is 1, 2, …, k for some k ≤ sent: a prefix of what
    /// was sent, with no duplicate and no gap.
    pub const PREFIX: &str = "delivered is a prefix of sent (no duplicate, no gap)";
    /// Always: at most M messages unacknowledged.
    pub const IN_FLIGHT: &str = "in flight <= M";
    /// Sometimes: some run delivers every message.
    pub const ALL_DELIVERED_REACHABLE: &str = "all delivered (reachable)";
    /// Eventually (reliable networks only): every run delivers every message.
    pub const ALL_DELIVERED_EVENTUALLY: &str = "all delivered (eventually)";
}

/// A pipelining scenario to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipelineCfg {
    /// The window M.
    pub window: u16,
    /// Messages the sender's application sends (1 ..= [`CAP`]).
    pub messages: u8,
    /// Message ordering and duplication.
    pub network: NetworkKind,
    /// Whether the network may drop any message.
    pub lossy: bool,
    /// Whether the sender retransmits on a timer (needed when lossy).
    pub retransmit: bool,
    /// Nodes that may be down at once (both keep their state durably).
    pub crashes: u8,
    /// Explore only states with at most this many messages in the network.
    pub max_in_network: Option<usize>,
    /// The protocol variant.
    pub fault: Fault,
}

impl Default for PipelineCfg {
    fn default() -> Self {
        PipelineCfg {
            window: 2,
            messages: 3,
            network: NetworkKind::Unordered,
            lossy: false,
            retransmit: false,
            crashes: 0,
            max_in_network: None,
            fault: Fault::None,
        }
    }
}

impl NetworkBound for PipelineCfg {
    fn max_in_network(&self) -> Option<usize> {
        self.max_in_network
    }
}

impl PipelineCfg {
    /// The sender's core configuration.
    pub fn core(&self) -> pipeline::Config {
        pipeline::Config {
            window: self.window,
            rto: self.retransmit.then_some(Duration(1)),
            fault: self.fault,
        }
    }

    /// Checks that the scenario can be built.
    pub fn validate(&self) -> Result<(), CfgError> {
        PipeNode::pair(self.core()).map_err(|e| CfgError(e.to_string()))?;
        if self.messages == 0 || self.messages as usize > CAP {
            return Err(CfgError(format!(
                "{} messages: the model takes 1 to {CAP}",
                self.messages
            )));
        }
        if self.lossy && !self.retransmit {
            return Err(CfgError("a lossy network needs retransmission".into()));
        }
        if self.crashes > 2 {
            return Err(CfgError(format!("{} crashes: there are 2 nodes", self.crashes)));
        }
        Ok(())
    }

    /// Builds the stateright model. Panics on an invalid configuration (call
    /// [`PipelineCfg::validate`] first where the input is untrusted).
    pub fn into_model(self) -> PipelineModel {
        if let Err(e) = self.validate() {
            panic!("invalid pipeline config: {e}");
        }
        let [tx, rx] = match PipeNode::pair(self.core()) {
            Ok(pair) => pair,
            Err(e) => panic!("invalid pipeline config: {e}"),
        };
        let persist = self.crashes > 0;
        let script = (1..=self.messages as u32).map(Cmd::Send);
        let actors = [
            NodeActor::new(tx).with_script(script).persistent(persist),
            NodeActor::new(rx).persistent(persist),
        ];
        let model = ActorModel::new(self, ()).actors(actors);
        network::configure(model, self.network, self.lossy, self.crashes)
            .property(Expectation::Always, props::PREFIX, |_, s| {
                let got = deliveries(s);
                got.first_bad.is_none() && got.in_order <= sender(s).last()
            })
            .property(Expectation::Always, props::IN_FLIGHT, |m, s| {
                sender(s).in_flight() <= m.cfg.window as u32
            })
            .property(Expectation::Sometimes, props::ALL_DELIVERED_REACHABLE, |m, s| {
                deliveries(s).in_order == m.cfg.messages as Seq
            })
            // On a lossy network too: losses are faults, assumed finitely many, so
            // retransmission must still get every message delivered.
            .property(Expectation::Eventually, props::ALL_DELIVERED_EVENTUALLY, |m, s| {
                deliveries(s).in_order == m.cfg.messages as Seq
            })
    }
}

/// The sender's state (actor 0).
pub fn sender(s: &PipelineState) -> &Sender<CAP> {
    match s.actor_states[0].machine.as_sender() {
        Some(x) => x,
        None => unreachable!("actor 0 is the sender"),
    }
}

/// The receiver's state (actor 1).
pub fn receiver(s: &PipelineState) -> &Receiver<CAP> {
    match s.actor_states[1].machine.as_receiver() {
        Some(x) => x,
        None => unreachable!("actor 1 is the receiver"),
    }
}

/// What the receiver's application was handed.
pub fn deliveries(s: &PipelineState) -> &Deliveries {
    &s.actor_states[1].ghost
}
