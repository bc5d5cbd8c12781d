//! The retry scenario alone (`inflight_firmware::scenarios::retry`), with its stack high-water mark.
#![no_std]
#![no_main]

#[cortex_m_rt::entry]
fn main() -> ! {
    inflight_firmware::run_one(inflight_firmware::scenarios::retry)
}
