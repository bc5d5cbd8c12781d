//! Frames and message sequences for the pipeline roles: arbitrary bytes are decoded as frames from any
//! sender, mixed with real traffic delivered late or twice, timers and commands
//! (`inflight_core::harness`). A panic or a broken invariant is a crash.
#![no_main]

use inflight_core::harness::Protocol;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(v) = Protocol::Pipeline.run(data) {
        panic!("pipeline: {v}");
    }
});
