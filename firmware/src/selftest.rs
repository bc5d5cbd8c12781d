//! Runs inflight-core's on-target tests (`inflight_core::selftest::TESTS`), and the firmware's
//! own tests of its memory and division routines, and prints one line per test, like `cargo test`.

use crate::host::print;

/// A test that fails on purpose (feature `fail-one`), to show that a failure fails the run.
#[cfg(feature = "fail-one")]
fn deliberately_failing() -> Result<(), &'static str> {
    Err("this test fails on purpose (feature fail-one)")
}

/// Runs every test; returns how many failed.
pub fn run_all() -> u32 {
    let mut failed = 0;
    let mut passed = 0;
    let extra: &[inflight_core::selftest::Test] = &[
        ("firmware::mem", crate::mem::check),
        ("firmware::div", crate::div::check),
        #[cfg(feature = "fail-one")]
        ("deliberately_failing", deliberately_failing),
    ];
    for (name, test) in inflight_core::selftest::TESTS.iter().chain(extra) {
        print("test ");
        print(name);
        match test() {
            Ok(()) => {
                passed += 1;
                print(" ... ok\n");
            }
            Err(what) => {
                failed += 1;
                print(" ... FAILED: ");
                print(what);
                print("\n");
            }
        }
    }
    print("test result: ");
    print(if failed == 0 { "ok. " } else { "FAILED. " });
    crate::host::print_u32(passed);
    print(" passed; ");
    crate::host::print_u32(failed);
    print(" failed\n");
    failed
}
