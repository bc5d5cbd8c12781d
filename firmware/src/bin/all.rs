//! Every protocol's scenario in one image: the figure the flash budget is checked against.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use inflight_firmware::{host, net::Link, scenarios, stack};

#[entry]
fn main() -> ! {
    let Some(mut link) = Link::take() else { host::exit(false) };
    let mut ok = true;
    let mut deepest = 0;
    for (name, scenario) in scenarios::ALL.iter() {
        // Each scenario's own high-water mark, then the deepest of them.
        stack::repaint();
        let result = scenario(&mut link);
        let used = stack::high_water();
        deepest = deepest.max(used);
        host::print(name);
        host::field("_stack", used);
        host::print("\n");
        if let Err(why) = result {
            host::print(name);
            host::print(" FAILED: ");
            host::print(why);
            host::print("\n");
            ok = false;
        }
    }
    host::field("stack_bytes", deepest.max(stack::high_water()));
    host::field("stack_region", stack::region());
    host::print("\n");
    host::exit(ok)
}
