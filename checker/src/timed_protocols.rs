//! The protocols of `inflight-core` as [`TimedProtocol`]s: which application runs on which node.

use crate::timed::TimedProtocol;
use inflight_core::{pipeline, replication, stage, NodeId};

/// Capacity of the timed pipeline's buffers (the largest window).
pub const PIPE_CAP: usize = 16;
/// Capacity of the timed replication logs.
pub const REPL_CAP: usize = 16;

/// A sender that always has another message, and a receiver; a completion is a delivery.
#[derive(Clone, Copy, Debug)]
pub struct PipelineSaturated {
    /// The window M.
    pub window: u16,
}

impl TimedProtocol for PipelineSaturated {
    type M = pipeline::Node<PIPE_CAP>;

    fn nodes(&self) -> Vec<Self::M> {
        let cfg = pipeline::Config { window: self.window, rto: None, fault: pipeline::Fault::None };
        match pipeline::Node::pair(cfg) {
            Ok(pair) => pair.to_vec(),
            Err(e) => panic!("invalid timed pipeline: {e}"),
        }
    }

    fn command(&self, node: NodeId) -> Option<pipeline::Cmd> {
        (node == pipeline::SENDER).then_some(pipeline::Cmd::Send(0))
    }

    fn reward(&self, event: &pipeline::Event) -> u32 {
        u32::from(matches!(event, pipeline::Event::Delivered { .. }))
    }

    fn on_event(&self, _event: &pipeline::Event, _machine: &mut Self::M) {}

    fn payload(&self, msg: &pipeline::Msg) -> bool {
        matches!(msg, pipeline::Msg::Data { .. })
    }
}

/// A primary whose client always has another write, and its replicas, which hand stored
/// entries to their application at once; a completion is a commit.
#[derive(Clone, Copy, Debug)]
pub struct ReplicationSaturated {
    /// Replicas.
    pub replicas: u8,
    /// The window k.
    pub window: u16,
    /// The ack policy.
    pub policy: replication::AckPolicy,
}

impl TimedProtocol for ReplicationSaturated {
    type M = replication::Node<REPL_CAP>;

    fn nodes(&self) -> Vec<Self::M> {
        let cfg = replication::Config {
            replicas: self.replicas,
            window: self.window,
            policy: self.policy,
            rto: None,
            fault: replication::Fault::None,
        };
        match replication::Node::group(cfg) {
            Ok(nodes) => nodes.collect(),
            Err(e) => panic!("invalid timed replication: {e}"),
        }
    }

    fn command(&self, node: NodeId) -> Option<replication::Cmd> {
        (node == replication::PRIMARY).then_some(replication::Cmd::Write(0))
    }

    fn reward(&self, event: &replication::Event) -> u32 {
        u32::from(matches!(event, replication::Event::Committed(_)))
    }

    fn on_event(&self, event: &replication::Event, machine: &mut Self::M) {
        if let replication::Event::Stored(seq) = event {
            machine.compact_through(*seq);
        }
    }

    fn payload(&self, msg: &replication::Msg) -> bool {
        matches!(msg, replication::Msg::Append { .. })
    }
}

/// A capped source whose application submits a job whenever the cap allows, and its line of
/// stages, every job taking `work[i]` ticks at stage i; a completion is a job back at the
/// source. The closed loop of MODELS.md §3.
#[derive(Clone, Copy, Debug)]
pub struct StageSaturated {
    /// Workers at each stage; the first `stages` entries are used.
    pub workers: [u8; stage::MAX_STAGES],
    /// Stages in the line.
    pub stages: u8,
    /// The cap C.
    pub cap: u8,
    /// Ticks of work each job takes at each stage (at least 1).
    pub work: stage::Work,
}

impl StageSaturated {
    /// The workers of the line's stages.
    pub fn line(&self) -> &[u8] {
        &self.workers[..(self.stages as usize).min(stage::MAX_STAGES)]
    }
}

impl TimedProtocol for StageSaturated {
    type M = stage::Node<{ crate::stage::WORKERS }, { crate::stage::QUEUE }>;

    fn nodes(&self) -> Vec<Self::M> {
        match stage::Node::line(self.line(), self.cap as u32) {
            Ok(line) => line.into_iter().collect(),
            Err(e) => panic!("invalid timed line: {e}"),
        }
    }

    fn command(&self, node: NodeId) -> Option<stage::Cmd> {
        (node == NodeId(0)).then_some(stage::Cmd::Submit(self.work))
    }

    fn reward(&self, event: &stage::Event) -> u32 {
        u32::from(matches!(event, stage::Event::Completed { .. }))
    }

    fn on_event(&self, _event: &stage::Event, _machine: &mut Self::M) {}

    fn payload(&self, msg: &stage::Msg) -> bool {
        matches!(msg, stage::Msg::Job { .. })
    }
}
