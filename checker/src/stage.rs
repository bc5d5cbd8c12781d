//! The stage model: [`StageCfg`] turned into a stateright [`ActorModel`] of the core's capped
//! source and its line of stages (`inflight_core::stage`, MODELS.md §3), with a ghost record of
//! the jobs the source's application saw complete.
//!
//! The line keeps its cap by counting completions, so the properties ask what is really in the
//! line, not what the source believes: the jobs the stages hold plus the jobs and completions in
//! flight never exceed the cap, and every outstanding job is in the line exactly once (none lost,
//! none duplicated). The line has no retransmission and its stages keep no record of the jobs
//! they passed on, so it is checked on networks that neither lose nor duplicate.

use crate::adapter::{NodeActor, Observer, SeenIds};
use crate::network::{self, NetworkBound, NetworkKind};
use crate::replication::CfgError;
use inflight_core::stage::{Cmd, ConfigError, Event, Fault, Msg, Node, Source, MAX_STAGES};
use stateright::actor::{ActorModel, ActorModelState};
use stateright::Expectation;

/// Workers a checked stage may have.
pub const WORKERS: usize = 4;
/// Jobs a checked stage may queue; the cap is at most this.
pub const QUEUE: usize = 8;
/// Jobs a model may submit: job numbers must fit the ghost's bitmask.
pub const MAX_JOBS: u8 = 16;

/// The node type the stage model runs.
pub type StageNode = Node<WORKERS, QUEUE>;

/// What the source's application saw: the jobs completed, and the first completed twice.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Completions {
    /// The jobs completed.
    pub done: SeenIds,
}

/// `completed [1, 3]`, then ` (1 TWICE)` if so.
impl std::fmt::Debug for Completions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "completed {:?}", self.done)
    }
}

impl Observer<StageNode> for Completions {
    fn observe(&mut self, event: &Event) {
        let Event::Completed { id } = *event;
        self.done.record(id);
    }
}

/// The stateright model of a line.
pub type StageModel = ActorModel<NodeActor<StageNode, Completions>, StageCfg>;

/// The state of a [`StageModel`].
pub type StageState = ActorModelState<NodeActor<StageNode, Completions>>;

/// The property names, shared by tests and the CLI.
pub mod props {
    /// Always: the jobs the stages hold, plus the jobs and completions in flight, are at most the
    /// cap.
    pub const CAP: &str = "jobs in the line <= cap";
    /// Always: every job submitted and not completed is in the line exactly once (held by a
    /// stage, or in flight as the job or its completion), the source's outstanding list is
    /// exactly those jobs, and no job completes twice.
    pub const CONSERVED: &str = "no job is lost or duplicated";
    /// Sometimes: some run completes every job.
    pub const ALL_COMPLETED_REACHABLE: &str = "all jobs completed (reachable)";
    /// Eventually: every run completes every job.
    pub const ALL_COMPLETED_EVENTUALLY: &str = "all jobs completed (eventually)";
}

/// A line to check. `StageCfg::default()` is two stages of 1 and 2 workers, a cap of 2 and 3
/// jobs, on an unordered network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageCfg {
    /// Workers at each stage; the first [`StageCfg::stages`] entries are used.
    pub workers: [u8; MAX_STAGES],
    /// Stages in the line (1 ..= 4).
    pub stages: u8,
    /// The source's cap: jobs outstanding at once (1 ..= [`QUEUE`]).
    pub cap: u8,
    /// Jobs the source's application submits (1 ..= [`MAX_JOBS`]).
    pub jobs: u8,
    /// Message ordering: ordered or unordered (the line assumes no duplication).
    pub network: NetworkKind,
    /// The protocol variant.
    pub fault: Fault,
}

impl Default for StageCfg {
    fn default() -> Self {
        StageCfg {
            workers: [1, 2, 0, 0],
            stages: 2,
            cap: 2,
            jobs: 3,
            network: NetworkKind::Unordered,
            fault: Fault::None,
        }
    }
}

impl NetworkBound for StageCfg {
    fn max_in_network(&self) -> Option<usize> {
        // No retransmission: at most `cap` jobs or completions are ever in flight.
        None
    }
}

impl StageCfg {
    /// The workers of the line's stages.
    pub fn line(&self) -> &[u8] {
        &self.workers[..(self.stages as usize).min(MAX_STAGES)]
    }

    /// Checks that the line can be built.
    pub fn validate(&self) -> Result<(), CfgError> {
        self.nodes().map(|_| ())
    }

    /// The core nodes of the line. The core checks the line (stages, workers, cap); this says
    /// what is wrong in the model's own numbers, and adds what only the model limits.
    fn nodes(&self) -> Result<Vec<StageNode>, CfgError> {
        if self.jobs == 0 || self.jobs > MAX_JOBS {
            return Err(CfgError(format!("{} jobs: the model takes 1 to {MAX_JOBS}", self.jobs)));
        }
        if self.network == NetworkKind::Duplicating {
            return Err(CfgError(
                "the line assumes a network that does not duplicate: its stages keep no record of \
                 the jobs they passed on (use ordered or unordered)"
                    .into(),
            ));
        }
        let stages = || CfgError(format!("{} stages: a line has 1 to {MAX_STAGES}", self.stages));
        if self.stages as usize > MAX_STAGES {
            return Err(stages()); // `line()` would cut the list short
        }
        let line = StageNode::line_with_fault(self.line(), self.cap as u32, self.fault);
        let line = line.map_err(|e| match e {
            ConfigError::Stages => stages(),
            ConfigError::Workers => {
                let bad = self.line().iter().find(|&&w| w == 0 || w as usize > WORKERS);
                let w = bad.copied().unwrap_or_default();
                CfgError(format!("{w} workers: the model takes 1 to {WORKERS} a stage"))
            }
            ConfigError::Cap => {
                CfgError(format!("a cap of {}: the model takes 1 to {QUEUE}", self.cap))
            }
        })?;
        Ok(line.into_iter().collect())
    }

    /// Builds the stateright model. Panics on an invalid configuration (call
    /// [`StageCfg::validate`] first where the input is untrusted).
    pub fn into_model(self) -> StageModel {
        let line = match self.nodes() {
            Ok(line) => line,
            Err(e) => panic!("invalid stage config: {e}"),
        };
        // Each job takes a tick at every stage: the untimed model ignores durations anyway.
        let script = (0..self.jobs).map(|_| Cmd::Submit([1; MAX_STAGES]));
        let actors = line.into_iter().enumerate().map(|(i, node)| match i {
            0 => NodeActor::new(node).with_script(script.clone()),
            _ => NodeActor::new(node),
        });
        let model = ActorModel::new(self, ()).actors(actors);
        network::configure(model, self.network, false, 0)
            .property(Expectation::Always, props::CAP, |m, s| {
                in_line(s).iter().sum::<u32>() <= m.cfg.cap as u32
            })
            .property(Expectation::Always, props::CONSERVED, |_, s| conserved(s))
            .property(Expectation::Sometimes, props::ALL_COMPLETED_REACHABLE, all_completed)
            .property(Expectation::Eventually, props::ALL_COMPLETED_EVENTUALLY, all_completed)
    }
}

/// [`props::ALL_COMPLETED_EVENTUALLY`].
fn all_completed(m: &StageModel, s: &StageState) -> bool {
    completions(s).done.all_up_to(m.cfg.jobs as u32)
}

/// The source's state (actor 0).
pub fn source(s: &StageState) -> &Source<QUEUE> {
    match s.actor_states[0].machine.as_source() {
        Some(x) => x,
        None => unreachable!("actor 0 is the source"),
    }
}

/// What the source's application saw complete.
pub fn completions(s: &StageState) -> &Completions {
    &s.actor_states[0].ghost
}

/// How many times each job (index = job number, up to [`MAX_JOBS`]) is in the line: held by a
/// stage, or in flight as the job or as its completion. Index 0 counts job numbers out of range.
pub fn in_line(s: &StageState) -> [u32; MAX_JOBS as usize + 1] {
    let mut count = [0u32; MAX_JOBS as usize + 1];
    let mut add = |id: u32, n: u32| {
        let slot = if (1..=MAX_JOBS as u32).contains(&id) { id as usize } else { 0 };
        count[slot] += n;
    };
    for st in s.actor_states.iter().filter_map(|a| a.machine.as_stage()) {
        st.jobs().for_each(|id| add(id, 1));
    }
    for (msg, n) in network::in_flight(&s.network) {
        match *msg {
            Msg::Job { id, .. } | Msg::Done { id } => add(id, n as u32),
        }
    }
    count
}

/// [`props::CONSERVED`].
fn conserved(s: &StageState) -> bool {
    let (src, seen) = (source(s), completions(s));
    let count = in_line(s);
    let outstanding = |id: u32| src.outstanding_jobs().contains(&id);
    seen.done.twice().is_none()
        && count[0] == 0
        && (1..=MAX_JOBS as u32).all(|id| {
            let submitted = id <= src.last_job();
            let completed = seen.done.contains(id);
            let expected = (submitted && !completed) as u32;
            count[id as usize] == expected && outstanding(id) == (expected == 1)
        })
}
