//! inflight-core protocol nodes on a Cortex-M, as they would run on a microcontroller: every
//! node's frames go through the postcard wire format, a link interrupt hands received frames to
//! the main loop through a [`inflight_core::mailbox::Mailbox`], and the main loop runs the core
//! machines with a timer table and a virtual clock. The scenarios check each protocol's outcome
//! and the binaries exit through semihosting: 0 on success, 1 on a failed check or a panic.
//!
//! No heap (there is no global allocator), no `core::fmt` on the success path (it costs flash),
//! state in statics or on a stack measured by painting.
#![no_std]

pub mod div;
pub mod host;
pub mod mem;
pub mod net;
pub mod scenarios;
pub mod selftest;
pub mod stack;

/// The body of a single-protocol image: runs `scenario`, prints the stack high-water mark, and
/// exits 0 if its checks passed, 1 otherwise.
pub fn run_one(scenario: scenarios::Scenario) -> ! {
    let Some(mut link) = net::Link::take() else { host::exit(false) };
    let result = scenario(&mut link);
    host::field("stack_bytes", stack::high_water());
    host::print("\n");
    if let Err(why) = result {
        host::print("FAILED: ");
        host::print(why);
        host::print("\n");
    }
    host::exit(result.is_ok())
}
