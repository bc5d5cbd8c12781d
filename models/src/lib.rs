//! inflight-models: the performance laws of latency-bound protocols, in their precise form and
//! exact arithmetic, and a deterministic discrete-event simulator that drives the core machines.
//!
//! - [`units`]: quantities with explicit units (seconds, bits, bits per second, events per
//!   second), parsed from strings like `100ms`, `1500B`, `10Gbit/s`, `100000/s` into exact
//!   rationals.
//! - [`laws`]: each law with the MODELS.md section it comes from.
//! - [`phantom`]: the phantom-deadlock probability under five report-age models (§4).
//! - [`sim`]: virtual time, links with latency and serialization, driving any
//!   [`inflight_core::Machine`].

// No unsafe code is needed for arithmetic and simulation.
#![deny(unsafe_code)]
// Every public item says what it is for.
#![deny(missing_docs)]

pub mod ctmc;
pub mod experiments;
pub mod herd;
pub mod herd_sim;
pub mod laws;
pub mod numa;
pub mod phantom;
pub mod phantom_exact;
pub mod phantom_sim;
pub mod sim;
pub mod tandem;
pub mod tandem_sim;
pub mod ttl;
pub mod ttl_sim;
pub mod units;
pub mod workload;
