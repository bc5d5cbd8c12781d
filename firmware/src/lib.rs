//! inflight-core protocol nodes on a Cortex-M, as they would run on a microcontroller: every
//! node's frames go through the postcard wire format, a link interrupt hands received frames to
//! the main loop through a [`inflight_core::mailbox::Mailbox`], and the main loop runs the core
//! machines with a timer table and a virtual clock. The scenarios check each protocol's outcome
//! and the binaries exit through semihosting: 0 on success, 1 on a failed check or a panic.
//!
//! No heap (there is no global allocator), no `core::fmt` on the success path (it costs flash),
//! state in statics or on a stack measured by painting.
#![no_std]

pub mod host;
pub mod net;
pub mod scenarios;
pub mod selftest;
pub mod stack;
