//! Every protocol's scenario in one image: the figure the flash budget is checked against.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use inflight_firmware::{host, net::Link, scenarios, stack};

#[entry]
fn main() -> ! {
    let Some(mut link) = Link::take() else { host::exit(false) };
    let mut ok = true;
    for (name, scenario) in scenarios::ALL {
        if let Err(why) = scenario(&mut link) {
            host::print(name);
            host::print(" FAILED: ");
            host::print(why);
            host::print("\n");
            ok = false;
        }
    }
    host::field("stack_bytes", stack::high_water());
    host::field("stack_region", stack::region());
    host::print("\n");
    host::exit(ok)
}
