//! Panics on purpose: `run.sh` checks that a panic on the target makes QEMU exit non-zero.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use inflight_firmware::host;

#[entry]
fn main() -> ! {
    host::print("about to panic\n");
    let limit = core::hint::black_box(3usize);
    let table = [1u8, 2, 3];
    // An out-of-bounds index the compiler cannot see coming.
    let v = table[limit];
    host::exit(v == 0)
}
