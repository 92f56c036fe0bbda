//! x86_64 backend on SSE2, which every x86_64 CPU has (no runtime detection needed); in the
//! std build, also 8-lane AVX and 16-lane AVX-512 vectors behind run-time detection.

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
    fn sub(self, b: Self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_sub_ps(self.0, b.0)) }
    }
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_mul_ps(self.0, b.0)) }
    }
    #[inline(always)]
    fn div(self, b: Self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_div_ps(self.0, b.0)) }
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_sqrt_ps(self.0)) }
    }
    #[inline(always)]
    fn max(self, b: Self) -> Self {
        // _mm_max_ps(x, y) is `x > y ? x : y`; swapped operands give the reference's
        // `a < b ? b : a`, equal even for signed zeros.
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_max_ps(b.0, self.0)) }
    }
    #[inline(always)]
    fn keep_where_positive(self, v: Self) -> Self {
        // cmpgt is all ones where v > 0 (false for NaN), and-ed onto the bits.
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { F32x4(_mm_and_ps(self.0, _mm_cmpgt_ps(v.0, _mm_setzero_ps()))) }
    }
    #[inline(always)]
    fn hsum(self) -> f32 {
        let mut a = [0.0f32; 4];
        // SAFETY: `a` holds 4 f32.
        unsafe { self.store(a.as_mut_ptr()) };
        (a[0] + a[1]) + (a[2] + a[3])
    }
    #[inline(always)]
    fn unzip(a: Self, b: Self) -> (Self, Self) {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { (F32x4(_mm_shuffle_ps::<0x88>(a.0, b.0)), F32x4(_mm_shuffle_ps::<0xDD>(a.0, b.0))) }
    }
    #[inline(always)]
    fn zip(a: Self, b: Self) -> (Self, Self) {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { (F32x4(_mm_unpacklo_ps(a.0, b.0)), F32x4(_mm_unpackhi_ps(a.0, b.0))) }
    }
}

#[cfg(feature = "std")]
pub(crate) use wide::{gemm_avx, gemm_avx_fma, run_avx};
#[cfg(feature = "std")]
pub(crate) use widest::{gemm_avx512, gemm_avx512_fma};

/// 8-lane AVX vectors, used only behind run-time detection (std build).
#[cfg(feature = "std")]
mod wide {
    use super::super::Lanes;
    use crate::kernels::gemm::{gemm_with, Gemm, GemmScratch};
    use core::arch::x86_64::*;

    /// Eight f32 in one `__m256`; multiply and add stay separate (bit-identical to 4 lanes).
    #[derive(Clone, Copy, Debug)]
    pub struct F32x8(__m256);

    /// [`F32x8`] whose `mul_add` is one fused `vfmadd` (faster; rounds once).
    #[derive(Clone, Copy, Debug)]
    pub struct F32x8Fma(__m256);

    macro_rules! avx_lanes {
        ($t:ident) => {
            impl Lanes for $t {
                const N: usize = 8;
                #[inline(always)]
                fn zero() -> Self {
                    // SAFETY: only instantiated inside `#[target_feature(enable = "avx")]` entry points.
                    unsafe { $t(_mm256_setzero_ps()) }
                }
                #[inline(always)]
                fn splat(v: f32) -> Self {
                    // SAFETY: as above, AVX is enabled where this is inlined.
                    unsafe { $t(_mm256_set1_ps(v)) }
                }
                #[inline(always)]
                unsafe fn load(p: *const f32) -> Self {
                    // SAFETY: the caller guarantees 8 readable f32; loadu has no alignment need.
                    unsafe { $t(_mm256_loadu_ps(p)) }
                }
                #[inline(always)]
                unsafe fn store(self, p: *mut f32) {
                    // SAFETY: the caller guarantees 8 writable f32.
                    unsafe { _mm256_storeu_ps(p, self.0) }
                }
                #[inline(always)]
                fn add(self, b: Self) -> Self {
                    // SAFETY: AVX is enabled where this is inlined.
                    unsafe { $t(_mm256_add_ps(self.0, b.0)) }
                }
                #[inline(always)]
                fn sub(self, b: Self) -> Self {
                    // SAFETY: AVX is enabled where this is inlined.
                    unsafe { $t(_mm256_sub_ps(self.0, b.0)) }
                }
                #[inline(always)]
                fn mul(self, b: Self) -> Self {
                    // SAFETY: AVX is enabled where this is inlined.
                    unsafe { $t(_mm256_mul_ps(self.0, b.0)) }
                }
                #[inline(always)]
                fn div(self, b: Self) -> Self {
                    // SAFETY: AVX is enabled where this is inlined.
                    unsafe { $t(_mm256_div_ps(self.0, b.0)) }
                }
                #[inline(always)]
                fn sqrt(self) -> Self {
                    // SAFETY: AVX is enabled where this is inlined.
                    unsafe { $t(_mm256_sqrt_ps(self.0)) }
                }
                #[inline(always)]
                fn max(self, b: Self) -> Self {
                    // SAFETY: AVX is enabled where this is inlined; operands as in the SSE max.
                    unsafe { $t(_mm256_max_ps(b.0, self.0)) }
                }
                #[inline(always)]
                fn keep_where_positive(self, v: Self) -> Self {
                    // SAFETY: AVX is enabled where this is inlined. GT_OQ: false for NaN.
                    unsafe { $t(_mm256_and_ps(self.0, _mm256_cmp_ps::<_CMP_GT_OQ>(v.0, _mm256_setzero_ps()))) }
                }
                #[inline(always)]
                fn hsum(self) -> f32 {
                    let mut a = [0.0f32; 8];
                    // SAFETY: `a` holds 8 f32.
                    unsafe { self.store(a.as_mut_ptr()) };
                    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
                }
                #[inline(always)]
                fn unzip(a: Self, b: Self) -> (Self, Self) {
                    // SAFETY: AVX is enabled where this is inlined. Halves [a0..a3 b0..b3] and
                    // [a4..a7 b4..b7], then the even (odd) entries of each 128-bit lane.
                    unsafe {
                        let lo = _mm256_permute2f128_ps::<0x20>(a.0, b.0);
                        let hi = _mm256_permute2f128_ps::<0x31>(a.0, b.0);
                        ($t(_mm256_shuffle_ps::<0x88>(lo, hi)), $t(_mm256_shuffle_ps::<0xDD>(lo, hi)))
                    }
                }
                #[inline(always)]
                fn zip(a: Self, b: Self) -> (Self, Self) {
                    // SAFETY: AVX is enabled where this is inlined. Pairs within each 128-bit
                    // lane, then the lanes in order.
                    unsafe {
                        let lo = _mm256_unpacklo_ps(a.0, b.0);
                        let hi = _mm256_unpackhi_ps(a.0, b.0);
                        ($t(_mm256_permute2f128_ps::<0x20>(lo, hi)), $t(_mm256_permute2f128_ps::<0x31>(lo, hi)))
                    }
                }
                avx_lanes!(@mul_add $t);
            }
        };
        (@mul_add F32x8) => {};
        (@mul_add F32x8Fma) => {
            #[inline(always)]
            fn mul_add(self, b: Self, c: Self) -> Self {
                // SAFETY: only instantiated inside `#[target_feature(enable = "avx2,fma")]`.
                unsafe { F32x8Fma(_mm256_fmadd_ps(self.0, b.0, c.0)) }
            }
        };
    }
    avx_lanes!(F32x8);
    avx_lanes!(F32x8Fma);

    /// GEMM with 8-lane AVX tiles (4×16).
    ///
    /// # Safety
    /// The CPU must support AVX.
    #[target_feature(enable = "avx")]
    pub(crate) unsafe fn gemm_avx(g: Gemm, c: &mut [f32], s: &mut GemmScratch) {
        gemm_with::<F32x8>(g, c, s)
    }

    /// GEMM with 8-lane AVX2 tiles and fused multiply-add.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn gemm_avx_fma(g: Gemm, c: &mut [f32], s: &mut GemmScratch) {
        gemm_with::<F32x8Fma>(g, c, s)
    }

    /// Runs `f` on 8-lane AVX vectors: the body (inlined, see [`super::super::OverLanes`]) is
    /// compiled with AVX enabled.
    ///
    /// # Safety
    /// The CPU must support AVX.
    #[target_feature(enable = "avx")]
    pub(crate) unsafe fn run_avx<F: super::super::OverLanes>(f: F) -> F::Output {
        f.run::<F32x8>()
    }

    /// `sub`, `unzip` and `zip` on 8-lane AVX vectors (tests).
    ///
    /// # Safety
    /// The CPU must support AVX.
    #[cfg(test)]
    #[target_feature(enable = "avx")]
    pub(crate) unsafe fn shuffles_avx(a: &[f32], b: &[f32]) -> [std::vec::Vec<f32>; 3] {
        crate::simd::tests::shuffles::<F32x8>(a, b)
    }

    /// `div` and `sqrt` on 8-lane AVX vectors, as bits.
    ///
    /// # Safety
    /// The CPU must support AVX.
    #[cfg(test)]
    #[target_feature(enable = "avx")]
    pub(crate) unsafe fn div_sqrt_avx(a: &[f32], b: &[f32]) -> std::vec::Vec<u32> {
        crate::simd::tests::div_sqrt::<F32x8>(a, b)
    }

    /// `keep_where_positive` on 8-lane AVX vectors, as bits.
    ///
    /// # Safety
    /// The CPU must support AVX.
    #[cfg(test)]
    #[target_feature(enable = "avx")]
    pub(crate) unsafe fn keep_where_positive_avx(x: &[f32], v: &[f32]) -> std::vec::Vec<u32> {
        crate::simd::tests::keep_where_positive::<F32x8>(x, v)
    }

    /// ReLU on 8-lane AVX vectors (tests that lane-generic kernels use `N`, not 4).
    ///
    /// # Safety
    /// The CPU must support AVX.
    #[cfg(test)]
    #[target_feature(enable = "avx")]
    pub(crate) unsafe fn relu_avx(x: &[f32], y: &mut [f32]) {
        crate::kernels::activation::relu_lanes::<F32x8>(x, y)
    }
}

/// 16-lane AVX-512 vectors, used only behind run-time detection (std build), for the GEMM
/// micro-kernel: 4×32 tiles, eight 512-bit accumulators. Each entry of `C` is still one
/// accumulator summed over `k` in order, so the bits are those of every other width.
#[cfg(feature = "std")]
mod widest {
    use super::super::Lanes;
    use crate::kernels::gemm::{gemm_with, Gemm, GemmScratch};
    use core::arch::x86_64::*;

    /// Sixteen f32 in one `__m512`; multiply and add stay separate (bit-identical to 4 lanes).
    #[derive(Clone, Copy, Debug)]
    pub struct F32x16(__m512);

    /// [`F32x16`] whose `mul_add` is one fused `vfmadd` (rounds once, as the AVX2+FMA kernel).
    #[derive(Clone, Copy, Debug)]
    pub struct F32x16Fma(__m512);

    /// Lane indices for `_mm512_permutex2var_ps` (0–15: `a`, 16–31: `b`).
    #[inline(always)]
    fn indices(f: impl Fn(i32) -> i32) -> __m512i {
        let i: [i32; 16] = core::array::from_fn(|k| f(k as i32));
        // SAFETY: `[i32; 16]` and `__m512i` have the same size; any bits are a valid vector.
        unsafe { core::mem::transmute::<[i32; 16], __m512i>(i) }
    }

    macro_rules! avx512_lanes {
        ($t:ident) => {
            impl Lanes for $t {
                const N: usize = 16;
                #[inline(always)]
                fn zero() -> Self {
                    // SAFETY: only instantiated inside `#[target_feature(enable = "avx512f")]`
                    // entry points.
                    unsafe { $t(_mm512_setzero_ps()) }
                }
                #[inline(always)]
                fn splat(v: f32) -> Self {
                    // SAFETY: as above, AVX-512F is enabled where this is inlined.
                    unsafe { $t(_mm512_set1_ps(v)) }
                }
                #[inline(always)]
                unsafe fn load(p: *const f32) -> Self {
                    // SAFETY: the caller guarantees 16 readable f32; loadu has no alignment need.
                    unsafe { $t(_mm512_loadu_ps(p)) }
                }
                #[inline(always)]
                unsafe fn store(self, p: *mut f32) {
                    // SAFETY: the caller guarantees 16 writable f32.
                    unsafe { _mm512_storeu_ps(p, self.0) }
                }
                #[inline(always)]
                fn add(self, b: Self) -> Self {
                    // SAFETY: AVX-512F is enabled where this is inlined.
                    unsafe { $t(_mm512_add_ps(self.0, b.0)) }
                }
                #[inline(always)]
                fn sub(self, b: Self) -> Self {
                    // SAFETY: AVX-512F is enabled where this is inlined.
                    unsafe { $t(_mm512_sub_ps(self.0, b.0)) }
                }
                #[inline(always)]
                fn mul(self, b: Self) -> Self {
                    // SAFETY: AVX-512F is enabled where this is inlined.
                    unsafe { $t(_mm512_mul_ps(self.0, b.0)) }
                }
                #[inline(always)]
                fn div(self, b: Self) -> Self {
                    // SAFETY: AVX-512F is enabled where this is inlined.
                    unsafe { $t(_mm512_div_ps(self.0, b.0)) }
                }
                #[inline(always)]
                fn sqrt(self) -> Self {
                    // SAFETY: AVX-512F is enabled where this is inlined.
                    unsafe { $t(_mm512_sqrt_ps(self.0)) }
                }
                #[inline(always)]
                fn max(self, b: Self) -> Self {
                    // SAFETY: AVX-512F is enabled where this is inlined; `vmaxps` returns its
                    // second operand for NaN and for two zeros, operands as in the SSE max.
                    unsafe { $t(_mm512_max_ps(b.0, self.0)) }
                }
                #[inline(always)]
                fn keep_where_positive(self, v: Self) -> Self {
                    // SAFETY: AVX-512F is enabled where this is inlined. GT_OQ: false for NaN;
                    // the lanes outside the mask are +0.0.
                    unsafe {
                        let keep = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v.0, _mm512_setzero_ps());
                        $t(_mm512_maskz_mov_ps(keep, self.0))
                    }
                }
                #[inline(always)]
                fn hsum(self) -> f32 {
                    let mut a = [0.0f32; 16];
                    // SAFETY: `a` holds 16 f32.
                    unsafe { self.store(a.as_mut_ptr()) };
                    let q = |i: usize| (a[i] + a[i + 1]) + (a[i + 2] + a[i + 3]);
                    (q(0) + q(4)) + (q(8) + q(12))
                }
                #[inline(always)]
                fn unzip(a: Self, b: Self) -> (Self, Self) {
                    // SAFETY: AVX-512F is enabled where this is inlined. Entries 2k and 2k + 1
                    // of the 32 values of `a` then `b`.
                    unsafe {
                        let (even, odd) = (indices(|k| 2 * k), indices(|k| 2 * k + 1));
                        ($t(_mm512_permutex2var_ps(a.0, even, b.0)), $t(_mm512_permutex2var_ps(a.0, odd, b.0)))
                    }
                }
                #[inline(always)]
                fn zip(a: Self, b: Self) -> (Self, Self) {
                    // SAFETY: AVX-512F is enabled where this is inlined. Pairs (a_k, b_k): k
                    // from 0 in the first result, from 8 in the second.
                    unsafe {
                        let lo = indices(|k| k / 2 + (k % 2) * 16);
                        let hi = indices(|k| 8 + k / 2 + (k % 2) * 16);
                        ($t(_mm512_permutex2var_ps(a.0, lo, b.0)), $t(_mm512_permutex2var_ps(a.0, hi, b.0)))
                    }
                }
                avx512_lanes!(@mul_add $t);
            }
        };
        (@mul_add F32x16) => {};
        (@mul_add F32x16Fma) => {
            #[inline(always)]
            fn mul_add(self, b: Self, c: Self) -> Self {
                // SAFETY: only instantiated inside `#[target_feature(enable = "avx512f")]`.
                unsafe { F32x16Fma(_mm512_fmadd_ps(self.0, b.0, c.0)) }
            }
        };
    }
    avx512_lanes!(F32x16);
    avx512_lanes!(F32x16Fma);

    /// GEMM with 16-lane AVX-512 tiles (4×32), multiply and add separate.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn gemm_avx512(g: Gemm, c: &mut [f32], s: &mut GemmScratch) {
        gemm_with::<F32x16>(g, c, s)
    }

    /// GEMM with 16-lane AVX-512 tiles and fused multiply-add.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn gemm_avx512_fma(g: Gemm, c: &mut [f32], s: &mut GemmScratch) {
        gemm_with::<F32x16Fma>(g, c, s)
    }

    /// `sub`, `unzip` and `zip` on 16-lane vectors (tests).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[cfg(test)]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn shuffles_avx512(a: &[f32], b: &[f32]) -> [std::vec::Vec<f32>; 3] {
        crate::simd::tests::shuffles::<F32x16>(a, b)
    }

    /// `div` and `sqrt` on 16-lane vectors, as bits (tests).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[cfg(test)]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn div_sqrt_avx512(a: &[f32], b: &[f32]) -> std::vec::Vec<u32> {
        crate::simd::tests::div_sqrt::<F32x16>(a, b)
    }

    /// `keep_where_positive` on 16-lane vectors, as bits (tests).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[cfg(test)]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn keep_where_positive_avx512(x: &[f32], v: &[f32]) -> std::vec::Vec<u32> {
        crate::simd::tests::keep_where_positive::<F32x16>(x, v)
    }

    /// The lane sum on 16-lane vectors (tests).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[cfg(test)]
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn hsum_avx512(x: &[f32]) -> f32 {
        F32x16::load_slice(x).hsum()
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::kernels::gemm::{gemm_naive, gemm_scalar, Gemm, GemmScratch, MatRef};
    use crate::rng::Rng;
    use std::vec::Vec;

    /// The 8-lane `sub`, `unzip` and `zip` (lane-crossing permutes) match their definitions.
    #[test]
    fn avx_shuffles_match_their_definition() {
        if !std::is_x86_feature_detected!("avx") {
            return;
        }
        let a: Vec<f32> = (0..8).map(|i| i as f32 * 1.5 - 2.0).collect();
        let b: Vec<f32> = (0..8).map(|i| 100.0 - i as f32 * 0.25).collect();
        // SAFETY: AVX is supported (checked above).
        assert_eq!(unsafe { super::wide::shuffles_avx(&a, &b) }, crate::simd::tests::expected(&a, &b, 8));
    }

    /// 8-lane `div` and `sqrt` are correctly rounded, as the scalar ones.
    #[test]
    fn avx_div_and_sqrt_are_correctly_rounded() {
        if !std::is_x86_feature_detected!("avx") {
            return;
        }
        let (a, b) = crate::simd::tests::div_sqrt_operands();
        // SAFETY: AVX is supported (checked above).
        assert_eq!(unsafe { super::wide::div_sqrt_avx(&a, &b) }, crate::simd::tests::div_sqrt_expected(&a, &b, 8));
    }

    /// The 8-lane mask is the scalar `if`, bit for bit.
    #[test]
    fn avx_keep_where_positive_is_the_scalar_if() {
        if !std::is_x86_feature_detected!("avx") {
            return;
        }
        let (x, v, want) = crate::simd::tests::mask_cases();
        // SAFETY: AVX is supported (checked above).
        assert_eq!(unsafe { super::wide::keep_where_positive_avx(&x, &v) }, want);
    }

    /// 8-lane ReLU on lengths around multiples of 8: every element is `max(x, 0)`.
    #[test]
    fn relu_on_eight_lanes() {
        if !std::is_x86_feature_detected!("avx") {
            return;
        }
        for n in [0, 1, 4, 7, 8, 9, 15, 17, 33] {
            let x: Vec<f32> = (0..n).map(|i| (i as f32 - 6.0) * 0.37).collect();
            let mut y = std::vec![f32::NAN; n];
            // SAFETY: AVX is supported (checked above).
            unsafe { super::wide::relu_avx(&x, &mut y) };
            assert!(y.iter().zip(&x).all(|(y, x)| *y == x.max(0.0)), "n = {n}: {y:?}");
        }
    }

    /// The 16-lane `sub`, `unzip` and `zip` (two-source permutes), `div`, `sqrt`, the mask and
    /// the lane sum match their definitions, bit for bit; skipped without AVX-512F.
    #[test]
    fn avx512_lanes_match_their_definitions() {
        if !std::is_x86_feature_detected!("avx512f") {
            return;
        }
        let a: Vec<f32> = (0..16).map(|i| i as f32 * 1.5 - 2.0).collect();
        let b: Vec<f32> = (0..16).map(|i| 100.0 - i as f32 * 0.25).collect();
        let (x, y) = crate::simd::tests::div_sqrt_operands();
        let (mx, mv, mask) = crate::simd::tests::mask_cases();
        let s: Vec<f32> = (0..16).map(|i| 1.0 / (i as f32 + 3.0)).collect();
        let q = |i: usize| (s[i] + s[i + 1]) + (s[i + 2] + s[i + 3]);
        // SAFETY: AVX-512F is supported (checked above).
        unsafe {
            assert_eq!(super::widest::shuffles_avx512(&a, &b), crate::simd::tests::expected(&a, &b, 16));
            assert_eq!(super::widest::div_sqrt_avx512(&x, &y), crate::simd::tests::div_sqrt_expected(&x, &y, 16));
            assert_eq!(super::widest::keep_where_positive_avx512(&mx, &mv), mask);
            assert_eq!(super::widest::hsum_avx512(&s).to_bits(), ((q(0) + q(4)) + (q(8) + q(12))).to_bits());
        }
    }

    /// The AVX-512 kernels give the bits of the narrower ones: the plain kernel those of the
    /// scalar lanes, the fused one those of the AVX2+FMA kernel (each entry of `C` is the same
    /// chain of roundings whatever the width). Sizes cross the 32-column tile's edges, both
    /// transposes, and `beta` 0 and 0.5; skipped without the features.
    #[test]
    fn avx512_kernels_have_the_bits_of_narrower_ones() {
        if !std::is_x86_feature_detected!("avx512f") {
            return;
        }
        let fma = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        let mut rng = Rng::new(22);
        let mut s = GemmScratch::new();
        for &(m, n, k) in &[(5, 17, 3), (19, 33, 29), (7, 100, 513), (64, 49, 576), (16, 64, 300), (9, 2100, 20)] {
            let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let b: Vec<f32> = (0..k * n).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let c0: Vec<f32> = (0..m * n).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let ops = [
                (MatRef::row_major(&a, k), MatRef::transposed(&b, k)),
                (MatRef::transposed(&a, m), MatRef::row_major(&b, n)),
            ];
            for ((am, bm), beta) in ops.into_iter().zip([0.5, 0.0]) {
                let g = Gemm { m, n, k, alpha: 1.0, a: am, b: bm, beta, ldc: n };
                let (mut want, mut c) = (c0.clone(), c0.clone());
                gemm_scalar(g, &mut want, &mut s);
                // SAFETY: AVX-512F detected.
                unsafe { super::gemm_avx512(g, &mut c, &mut s) };
                assert!(c.iter().zip(&want).all(|(x, y)| x.to_bits() == y.to_bits()), "{m}x{n}x{k} beta {beta}");
                if fma {
                    let (mut want, mut c) = (c0.clone(), c0.clone());
                    // SAFETY: AVX2, FMA and AVX-512F detected.
                    unsafe {
                        super::gemm_avx_fma(g, &mut want, &mut s);
                        super::gemm_avx512_fma(g, &mut c, &mut s);
                    }
                    assert!(
                        c.iter().zip(&want).all(|(x, y)| x.to_bits() == y.to_bits()),
                        "fused {m}x{n}x{k} beta {beta}"
                    );
                }
            }
        }
    }

    /// The AVX kernel is bit-identical to the scalar lanes; the fused one is within rounding of
    /// the naive loop. Odd sizes cross every tile edge; skipped on CPUs without the features.
    #[test]
    fn avx_kernels_against_scalar_and_naive() {
        let mut rng = Rng::new(21);
        let mut s = GemmScratch::new();
        for &(m, n, k) in &[(5, 17, 3), (19, 33, 29), (7, 100, 513), (64, 49, 576)] {
            let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let b: Vec<f32> = (0..k * n).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let c0: Vec<f32> = (0..m * n).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let (am, bm) = (MatRef::row_major(&a, k), MatRef::transposed(&b, k));
            let mut want = c0.clone();
            gemm_scalar(Gemm { m, n, k, alpha: 1.0, a: am, b: bm, beta: 0.5, ldc: n }, &mut want, &mut s);
            if std::is_x86_feature_detected!("avx") {
                let mut c = c0.clone();
                // SAFETY: AVX detected.
                unsafe {
                    super::gemm_avx(Gemm { m, n, k, alpha: 1.0, a: am, b: bm, beta: 0.5, ldc: n }, &mut c, &mut s)
                };
                assert_eq!(c, want, "{m}x{n}x{k}");
            }
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                let (mut c, mut r) = (c0.clone(), c0.clone());
                // SAFETY: AVX2 and FMA detected.
                unsafe {
                    super::gemm_avx_fma(Gemm { m, n, k, alpha: 1.0, a: am, b: bm, beta: 0.5, ldc: n }, &mut c, &mut s)
                };
                gemm_naive(Gemm { m, n, k, alpha: 1.0, a: am, b: bm, beta: 0.5, ldc: n }, &mut r);
                for (x, y) in c.iter().zip(&r) {
                    assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{m}x{n}x{k}: {x} vs {y}");
                }
            }
        }
    }
}
