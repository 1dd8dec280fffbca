//! A hint to start loading memory that a loop will touch a few steps later:
//! the One-ID passes touch arrays of millions of entries in an order
//! unrelated to memory, so each access would otherwise wait for its own miss.

/// Starts loading the cache line holding `value`; does nothing elsewhere
/// than on x86-64.
#[inline]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing architecturally, and the address
        // is of a live value.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
