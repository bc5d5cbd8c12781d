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

/// Paints the unused part of the stack again (below the current stack pointer, less a margin
/// for this function's own frame), so that [`high_water`] measures what runs next.
pub fn repaint() {
    cortex_m::interrupt::free(|_| {
        let sp = cortex_m::register::msp::read() as usize;
        let bottom = core::ptr::addr_of!(_stack_end) as usize;
        let mut p = bottom;
        // SAFETY: every word from the bottom of the stack region up to 64 bytes below the stack
        // pointer is unused (nothing else runs: interrupts are masked), so writing the paint
        // there cannot touch live data.
        while p + 64 < sp {
            unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
            p += 4;
        }
    });
}
