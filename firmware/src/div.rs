//! Small unsigned division for the calls the compiler emits on thumbv6m.
//!
//! Cortex-M0 has no divide instruction, so every `/` and `%` by a value not known at compile
//! time is a call to `__aeabi_uidiv` or `__aeabi_uidivmod`. compiler_builtins answers them with
//! a fast but long routine: 442 B of flash in the six-protocol image on thumbv6m. The divisions
//! here are a handful per message (a resource's site, a lossy link's count, a number printed in
//! decimal), so a 32-step shift-and-subtract loop costs nothing that matters. As with
//! [`crate::mem`], the firmware's own definitions of the symbols are the ones linked. thumbv7m
//! and thumbv7em divide in hardware and never call these.
// `no_mangle` counts as unsafe code: these two symbols replace compiler_builtins' on purpose.
#![allow(unsafe_code)]

/// Quotient and remainder of `n / d`, one bit at a time. For `d == 0` it returns
/// `(u32::MAX, n)`; Rust checks for zero before it divides, so only foreign code could see that.
/// One copy serves both symbols.
#[inline(never)]
fn divmod(n: u32, d: u32) -> (u32, u32) {
    let (mut q, mut r) = (0u32, 0u32);
    let mut bit = 32;
    while bit > 0 {
        bit -= 1;
        // `r` never exceeds the bits of `n` above `bit`, so the shift cannot overflow.
        r = (r << 1) | ((n >> bit) & 1);
        if r >= d {
            r -= d;
            q |= 1 << bit;
        }
    }
    (q, r)
}

/// The ARM EABI's unsigned division: `n / d`.
#[no_mangle]
pub extern "C" fn __aeabi_uidiv(n: u32, d: u32) -> u32 {
    divmod(n, d).0
}

/// The ARM EABI's unsigned division with remainder: the quotient in r0 and the remainder in r1,
/// which is where the AAPCS returns the low and high halves of a `u64`.
#[no_mangle]
pub extern "C" fn __aeabi_uidivmod(n: u32, d: u32) -> u64 {
    let (q, r) = divmod(n, d);
    (q as u64) | ((r as u64) << 32)
}

/// On-target test: `q·d + r = n` and `r < d` (checked with multiplication, which Cortex-M0 has)
/// for the edges of the range and a few hundred pseudo-random pairs, through the EABI symbols and
/// through the `/` and `%` operators, which lower to them on thumbv6m.
pub fn check() -> Result<(), &'static str> {
    let edges = [1u32, 2, 3, 7, 10, 0x7fff_ffff, 0x8000_0000, 0x8000_0001, 0xffff_fffe, u32::MAX];
    let mut x = 0x2545_f491u32;
    let mut next = || {
        // xorshift32: a spread of magnitudes, with the divisor shifted down at random.
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for i in 0..400u32 {
        let (n, d) = match i {
            i if (i as usize) < edges.len() * edges.len() => {
                (edges[i as usize / edges.len()], edges[i as usize % edges.len()])
            }
            _ => {
                let (n, d) = (next(), next());
                (n, (d >> (d & 31)).max(1))
            }
        };
        let (n, d) = (core::hint::black_box(n), core::hint::black_box(d));
        let both = __aeabi_uidivmod(n, d);
        let (q, r) = (both as u32, (both >> 32) as u32);
        if r >= d || q.wrapping_mul(d).wrapping_add(r) != n || q.checked_mul(d).is_none() {
            return Err("__aeabi_uidivmod");
        }
        if __aeabi_uidiv(n, d) != q || n / d != q || n % d != r {
            return Err("__aeabi_uidiv or the / and % operators");
        }
    }
    Ok(())
}
