//! Talking to the host through semihosting, without `core::fmt`: strings, decimal numbers and the
//! exit code. A panic prints `PANIC` and exits 1; with the `panic-location` feature it also
//! prints the file and line.
//!
//! Why the location is opt-in: reading anything from the `PanicInfo` keeps alive the formatting
//! arguments that every panic site in `core` builds (bounds checks, `unwrap`), and with them
//! `core::fmt`. That was 5 KB of a 44 KB image, measured on thumbv7m.

use cortex_m_semihosting::{debug, hio};

/// Writes `s` to the host's stdout (ignored if the host has no semihosting).
pub fn print(s: &str) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_all(s.as_bytes());
    }
}

/// Writes `n` in decimal.
pub fn print_u32(n: u32) {
    // Digits from the last, at the end of `buf` (u32::MAX has 10). Iterators and `get` rather
    // than indexing, so that no bounds check's panic is compiled in.
    let mut buf = [0u8; 10];
    let mut digits = 0;
    let mut n = n;
    for slot in buf.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        digits += 1;
        if n == 0 {
            break;
        }
    }
    if let (Ok(mut out), Some(text)) = (hio::hstdout(), buf.get(buf.len() - digits..)) {
        let _ = out.write_all(text);
    }
}

/// Prints `key=value ` for a report line.
pub fn field(key: &str, value: u32) {
    print(key);
    print("=");
    print_u32(value);
    print(" ");
}

/// Ends the run: QEMU exits 0 on `true`, 1 on `false`.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    // Not under a debugger or QEMU: stop here.
    loop {
        cortex_m::asm::bkpt();
    }
}

#[cfg(not(feature = "panic-location"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    print("PANIC\n");
    exit(false)
}

#[cfg(feature = "panic-location")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    print("PANIC");
    if let Some(loc) = info.location() {
        print(" at ");
        print(loc.file());
        print(":");
        print_u32(loc.line());
    }
    print("\n");
    exit(false)
}
