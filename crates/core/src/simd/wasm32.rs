//! wasm32 simd128 backend (enabled by `+simd128` in `.cargo/config.toml`).

use super::Lanes;
use core::arch::wasm32::*;

/// The [`Lanes`] of a `v128` newtype; `fused` makes `mul_add` one `f32x4.relaxed_madd`.
macro_rules! wasm_lanes {
    ($t:ident) => {
        wasm_lanes!(@impl $t {});
    };
    ($t:ident, fused) => {
        wasm_lanes!(@impl $t {
            #[inline(always)]
            fn mul_add(self, b: Self, c: Self) -> Self {
                $t(f32x4_relaxed_madd(self.0, b.0, c.0))
            }
        });
    };
    (@impl $t:ident { $($extra:tt)* }) => {
        impl Lanes for $t {
            #[inline(always)]
            fn zero() -> Self {
                $t(f32x4_splat(0.0))
            }
            #[inline(always)]
            fn splat(v: f32) -> Self {
                $t(f32x4_splat(v))
            }
            #[inline(always)]
            unsafe fn load(p: *const f32) -> Self {
                // SAFETY: the caller guarantees 16 readable bytes; v128_load has no alignment need.
                unsafe { $t(v128_load(p as *const v128)) }
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut f32) {
                // SAFETY: the caller guarantees 16 writable bytes; v128_store has no alignment need.
                unsafe { v128_store(p as *mut v128, self.0) }
            }
            #[inline(always)]
            fn add(self, b: Self) -> Self {
                $t(f32x4_add(self.0, b.0))
            }
            #[inline(always)]
            fn sub(self, b: Self) -> Self {
                $t(f32x4_sub(self.0, b.0))
            }
            #[inline(always)]
            fn mul(self, b: Self) -> Self {
                $t(f32x4_mul(self.0, b.0))
            }
            #[inline(always)]
            fn div(self, b: Self) -> Self {
                $t(f32x4_div(self.0, b.0))
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $t(f32x4_sqrt(self.0))
            }
            #[inline(always)]
            fn max(self, b: Self) -> Self {
                // pmax(a, b) is `a < b ? b : a`, the scalar reference's selection exactly.
                $t(f32x4_pmax(self.0, b.0))
            }
            #[inline(always)]
            fn keep_where_positive(self, v: Self) -> Self {
                // gt is all ones where v > 0 (false for NaN), and-ed onto the bits.
                $t(v128_and(self.0, f32x4_gt(v.0, f32x4_splat(0.0))))
            }
            #[inline(always)]
            fn hsum(self) -> f32 {
                let v = self.0;
                (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v))
                    + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v))
            }
            #[inline(always)]
            fn unzip(a: Self, b: Self) -> (Self, Self) {
                ($t(i32x4_shuffle::<0, 2, 4, 6>(a.0, b.0)), $t(i32x4_shuffle::<1, 3, 5, 7>(a.0, b.0)))
            }
            #[inline(always)]
            fn zip(a: Self, b: Self) -> (Self, Self) {
                ($t(i32x4_shuffle::<0, 4, 1, 5>(a.0, b.0)), $t(i32x4_shuffle::<2, 6, 3, 7>(a.0, b.0)))
            }
            $($extra)*
        }
    };
}

/// Four f32 in one `v128`.
#[derive(Clone, Copy, Debug)]
pub struct F32x4(v128);
wasm_lanes!(F32x4);

/// Four f32 whose `mul_add` is `f32x4.relaxed_madd`: the relaxed-SIMD build's GEMM micro-kernel
/// lanes (`+relaxed-simd`). Engines lower it to a fused multiply-add where the CPU has one
/// (rounding once: faster, and different bits from [`F32x4`]) or to a multiply and an add;
/// the page loads this build only where a probe showed it fused (www/js/threads.js).
#[cfg(target_feature = "relaxed-simd")]
#[derive(Clone, Copy, Debug)]
pub struct F32x4Fused(v128);
#[cfg(target_feature = "relaxed-simd")]
wasm_lanes!(F32x4Fused, fused);
