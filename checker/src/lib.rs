//! inflight-checker: exhaustive exploration of `inflight-core` machines with stateright.
//!
//! - [`adapter`]: the one generic stateright actor that runs any core [`inflight_core::Machine`].
//! - [`replication`]: the replication model built from [`replication::ReplicationCfg`].
//! - [`pipeline`]: the windowed pipelining model built from [`pipeline::PipelineCfg`].
//! - [`stage`]: the capped line of stages built from [`stage::StageCfg`].
//! - [`ttl`]: an authority and its caching resolvers built from [`ttl::TtlCfg`].
//! - [`staleness`]: how stale a read can be and how long it waits, over every delay and up to k
//!   losses, for ever, from [`staleness::StalenessCfg`].
//! - [`report`]: running a check and summarising verdicts, counts and counterexamples.
//! - [`coverage`]: which handlers a check ran, on which inputs, and how they ended.
//! - [`shortest`]: shortest counterexamples by breadth-first search (stateright's are not).
//!
//! The `inflight` binary (`check`, `explore`, `predict`) is built on these.

// The checker is host-only code, but it has no reason for unsafe either.
#![deny(unsafe_code)]
// Every public item says what it is for.
#![deny(missing_docs)]

pub mod adapter;
pub mod batch;
pub mod coverage;
pub mod deadlock;
pub mod graph;
pub mod liveness;
pub mod network;
pub mod pipeline;
pub mod plot;
pub mod readable;
pub mod replication;
pub mod report;
pub mod retry;
pub mod shortest;
pub mod stage;
pub mod staleness;
pub mod symmetry;
pub mod testing;
pub mod timed;
pub mod timed_protocols;
pub mod ttl;
