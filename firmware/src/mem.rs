//! Small `memcpy`, `memmove` and `memset` for the calls the compiler emits.
//!
//! compiler_builtins' versions copy by words with unrolled loops and weigh 2.3 KB of flash on
//! thumbv7m: 8 % of the six-protocol image. Their symbols are weak precisely so that a firmware
//! can replace them, as newlib-nano does. The copies here are frames, messages and node states
//! of a few dozen bytes, so a byte loop costs nothing that matters.
//!
//! The stores are volatile so that the compiler cannot recognise the loops as copies and turn
//! them back into calls to these very functions.
#![allow(unsafe_code)]

/// Copies `n` bytes forwards, one at a time.
///
/// # Safety
/// `src` readable and `dst` writable for `n` bytes; if they overlap, `dst` must not be above
/// `src`.
unsafe fn forwards(dst: *mut u8, src: *const u8, n: usize) {
    let mut i = 0;
    while i < n {
        // SAFETY: i < n, within both regions (the caller's contract).
        unsafe { dst.add(i).write_volatile(src.add(i).read()) };
        i += 1;
    }
}

/// Copies `n` bytes backwards, one at a time.
///
/// # Safety
/// `src` readable and `dst` writable for `n` bytes.
unsafe fn backwards(dst: *mut u8, src: *const u8, n: usize) {
    let mut i = n;
    while i > 0 {
        i -= 1;
        // SAFETY: i < n, within both regions (the caller's contract).
        unsafe { dst.add(i).write_volatile(src.add(i).read()) };
    }
}

/// Copies `n` bytes from `src` to `dst`, which may overlap.
///
/// # Safety
/// `src` readable and `dst` writable for `n` bytes.
unsafe fn copy(dst: *mut u8, src: *const u8, n: usize) {
    if (dst as usize) <= (src as usize) {
        // SAFETY: the caller's contract; dst is not above src.
        unsafe { forwards(dst, src, n) }
    } else {
        // SAFETY: the caller's contract.
        unsafe { backwards(dst, src, n) }
    }
}

/// Sets `n` bytes at `dst` to `c`.
///
/// # Safety
/// `dst` writable for `n` bytes.
unsafe fn fill(dst: *mut u8, c: u8, n: usize) {
    let mut i = 0;
    while i < n {
        // SAFETY: i < n, within the region (the caller's contract).
        unsafe { dst.add(i).write_volatile(c) };
        i += 1;
    }
}

/// C's `memcpy`.
///
/// # Safety
/// C's contract: `src` readable and `dst` writable for `n` bytes, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: C's contract.
    unsafe { forwards(dst, src, n) };
    dst
}

/// C's `memmove`.
///
/// # Safety
/// C's contract: `src` readable and `dst` writable for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: C's contract.
    unsafe { copy(dst, src, n) };
    dst
}

/// C's `memset`.
///
/// # Safety
/// C's contract: `dst` writable for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: C's contract.
    unsafe { fill(dst, c as u8, n) };
    dst
}

/// Defines the ARM EABI entry points (`__aeabi_memcpy4` and so on: the same operations with
/// alignment promises these loops do not need) in terms of the functions above.
macro_rules! aeabi {
    ($($copy:ident),* ; $($mov:ident),* ; $($set:ident),* ; $($clr:ident),*) => {
        $(
            /// The ARM EABI's `memcpy`.
            ///
            /// # Safety
            /// As `memcpy`.
            #[no_mangle]
            pub unsafe extern "C" fn $copy(dst: *mut u8, src: *const u8, n: usize) {
                // SAFETY: as memcpy.
                unsafe { forwards(dst, src, n) }
            }
        )*
        $(
            /// The ARM EABI's `memmove`.
            ///
            /// # Safety
            /// As `memmove`.
            #[no_mangle]
            pub unsafe extern "C" fn $mov(dst: *mut u8, src: *const u8, n: usize) {
                // SAFETY: as memmove.
                unsafe { copy(dst, src, n) }
            }
        )*
        $(
            /// The ARM EABI's `memset` (note the argument order: length before value).
            ///
            /// # Safety
            /// As `memset`.
            #[no_mangle]
            pub unsafe extern "C" fn $set(dst: *mut u8, n: usize, c: i32) {
                // SAFETY: as memset.
                unsafe { fill(dst, c as u8, n) }
            }
        )*
        $(
            /// The ARM EABI's zeroing `memset`.
            ///
            /// # Safety
            /// As `memset`.
            #[no_mangle]
            pub unsafe extern "C" fn $clr(dst: *mut u8, n: usize) {
                // SAFETY: as memset.
                unsafe { fill(dst, 0, n) }
            }
        )*
    };
}

aeabi!(
    __aeabi_memcpy, __aeabi_memcpy4, __aeabi_memcpy8;
    __aeabi_memmove, __aeabi_memmove4, __aeabi_memmove8;
    __aeabi_memset, __aeabi_memset4, __aeabi_memset8;
    __aeabi_memclr, __aeabi_memclr4, __aeabi_memclr8
);

/// On-target test: overlapping moves in both directions, copies and fills, of lengths around
/// a word, through `core::ptr` (which lowers to the functions above).
pub fn check() -> Result<(), &'static str> {
    let mut buf = [0u8; 40];
    for (i, b) in buf.iter_mut().enumerate() {
        *b = i as u8;
    }
    // Up by 3 (overlapping: must copy backwards), then down by 3 (forwards).
    buf.copy_within(0..30, 3);
    if buf[..3] != [0, 1, 2] || (0..30).any(|i| buf[i + 3] != i as u8) {
        return Err("memmove up");
    }
    buf.copy_within(3..33, 0);
    if (0..30).any(|i| buf[i] != i as u8) {
        return Err("memmove down");
    }
    let mut other = [0u8; 40];
    other[1..38].copy_from_slice(&buf[2..39]);
    if other[0] != 0 || (1..38).any(|i| other[i] != buf[i + 1]) || other[38..] != [0, 0] {
        return Err("memcpy");
    }
    // Through the C symbols with a length the compiler cannot see.
    let n = core::hint::black_box(17usize);
    // SAFETY: both buffers hold 40 bytes, n + 5 <= 40.
    unsafe { memset(other.as_mut_ptr().add(5), 0xa5, n) };
    if other[4] == 0xa5 || other[5..22].iter().any(|&b| b != 0xa5) || other[22] == 0xa5 {
        return Err("memset");
    }
    Ok(())
}
