//! inflight-core: sans-IO protocol state machines for latency-bound distributed protocols.
//!
//! Every protocol role is a plain value that implements [`Machine`]: inputs arrive through
//! handlers (a local command, a message from a peer, a timer that fired), each given `now` as an
//! [`Instant`] in integer ticks and an [`Effects`] sink; outputs leave through that sink. There is
//! no I/O, no clock and no randomness inside, so the same code runs on a microcontroller, in the
//! deterministic simulator of `inflight-models`, and in the exhaustive checker of
//! `inflight-checker`, which clones and hashes these states millions of times: state is small,
//! inline and fixed-capacity.
//!
//! Bad input never panics: malformed, duplicate, stale or out-of-window messages are handled
//! idempotently or rejected with a small error enum, and the state is left unchanged. The
//! firmware's CI reads the machine code of every image it builds and fails if any of this
//! crate's code can reach a panic (`firmware/panics.py`).

// Runs on nodes without an operating system or allocator.
#![no_std]
// Memory safety is not negotiable in protocol code.
#![deny(unsafe_code)]
// Every public item says what it is for.
#![deny(missing_docs)]

#[cfg(any(test, feature = "std"))]
extern crate std;

/// Whether the deliberately broken variant `$variant` of the calling module's `Fault` is the one
/// `$fault` selects. Without the `faults` feature (and outside core's own tests) the broken
/// variants do not exist and this is `false`, so their code is compiled out.
macro_rules! injected {
    ($fault:expr, $variant:ident) => {{
        #[cfg(any(test, feature = "faults"))]
        let on = $fault == Fault::$variant;
        #[cfg(not(any(test, feature = "faults")))]
        let on = {
            let _: &Fault = &$fault;
            false
        };
        on
    }};
}

pub mod deadlock;
pub mod effects;
#[cfg(any(test, feature = "harness"))]
pub mod harness;
pub mod log;
pub mod machine;
pub mod mailbox;
pub mod pipeline;
pub mod rebase;
pub mod replication;
pub mod retry;
pub mod rng;
#[cfg(any(test, feature = "selftest"))]
pub mod selftest;
pub mod stage;
mod sync;
pub mod time;
pub mod ttl;
pub mod window;
pub mod wire;

pub use effects::{Effect, EffectBuf};
pub use machine::{Effects, Machine, NodeId};
pub use time::{Duration, Instant};
pub use window::{Seq, Window, WindowError};
