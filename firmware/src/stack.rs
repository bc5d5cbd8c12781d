//! The stack high-water mark, measured on target: cortex-m-rt paints the whole stack region
//! with 0xCCCC_CCCC at reset (feature `paint-stack`); the deepest word no longer painted marks
//! how much stack the run has used.
#![allow(unsafe_code)]

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

const PAINT: u32 = 0xcccc_cccc;

/// Bytes of stack used so far (the high-water mark since reset).
pub fn high_water() -> u32 {
    // SAFETY: the linker script defines both symbols as the bounds of the stack region, which is
    // RAM this program owns; reading painted or used words there is always valid.
    unsafe {
        let top = core::ptr::addr_of!(_stack_start) as usize;
        let mut p = core::ptr::addr_of!(_stack_end) as usize;
        while p < top && core::ptr::read_volatile(p as *const u32) == PAINT {
            p += 4;
        }
        (top - p) as u32
    }
}

/// Bytes in the stack region (RAM left after static data).
pub fn region() -> u32 {
    // Only the addresses are taken, which needs no unsafe.
    let top = core::ptr::addr_of!(_stack_start) as usize;
    let bottom = core::ptr::addr_of!(_stack_end) as usize;
    (top - bottom) as u32
}
