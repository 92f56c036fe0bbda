//! x86_64 backend on SSE2, which every x86_64 CPU has (no runtime detection needed).

use super::Lanes;
use core::arch::x86_64::*;

/// Four f32 in one `__m128`.
#[derive(Clone, Copy, Debug)]
pub struct F32x4(__m128);

impl Lanes for F32x4 {
    #[inline(always)]
    fn zero() -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_setzero_ps()) }
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_set1_ps(v)) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable f32; loadu has no alignment need.
        unsafe { F32x4(_mm_loadu_ps(p)) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 4 writable f32; storeu has no alignment need.
        unsafe { _mm_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_add_ps(self.0, b.0)) }
    }
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_mul_ps(self.0, b.0)) }
    }
    #[inline(always)]
    fn max(self, b: Self) -> Self {
        // _mm_max_ps(x, y) is `x > y ? x : y`; swapped operands give the reference's
        // `a < b ? b : a`, equal even for signed zeros.
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_max_ps(b.0, self.0)) }
    }
    #[inline(always)]
    fn hsum(self) -> f32 {
        let mut a = [0.0f32; 4];
        // SAFETY: `a` holds 4 f32.
        unsafe { self.store(a.as_mut_ptr()) };
        (a[0] + a[1]) + (a[2] + a[3])
    }
}
