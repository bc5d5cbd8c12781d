//! inflight-core's on-target tests; exits 1 if any fails.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use inflight_firmware::{host, selftest, stack};

#[entry]
fn main() -> ! {
    let failed = selftest::run_all();
    host::field("stack_bytes", stack::high_water());
    host::print("\n");
    host::exit(failed == 0)
}
