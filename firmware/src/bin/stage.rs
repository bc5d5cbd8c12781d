//! The stage scenario alone (see `inflight_firmware::scenarios::stage`), with its stack high-water mark.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use inflight_firmware::{host, net::Link, scenarios, stack};

#[entry]
fn main() -> ! {
    let Some(mut link) = Link::take() else { host::exit(false) };
    let result = scenarios::stage(&mut link);
    host::field("stack_bytes", stack::high_water());
    host::print("\n");
    match result {
        Ok(()) => host::exit(true),
        Err(why) => {
            host::print("FAILED: ");
            host::print(why);
            host::print("\n");
            host::exit(false)
        }
    }
}
