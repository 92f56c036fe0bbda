//! SIMD in one corner: a 4-lane f32 vector behind the [`Lanes`] trait. This module and its
//! children are the only places with `target_arch` / `target_feature`.
//!
//! Algorithms (GEMM micro-kernel, elementwise loops) are written once, generic over
//! [`Lanes`]; [`F32x4`] is the fastest implementation for the build target and
//! [`scalar::Scalar4`] is the portable one, used as the oracle in tests.
//!
//! `mul_add` is deliberately *unfused* (multiply, round, add, round) on every backend, so the
//! scalar and SIMD paths give bit-identical results and a run reproduces across machines.

pub mod scalar;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm32;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use wasm32::F32x4;
/// Which vector backend this build uses.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub const BACKEND: &str = "wasm32-simd128";

#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
pub use x86_64::F32x4;
/// Which vector backend this build uses.
#[cfg(target_arch = "x86_64")]
pub const BACKEND: &str = "x86_64-sse2";

#[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
pub use scalar::Scalar4 as F32x4;
/// Which vector backend this build uses.
#[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
pub const BACKEND: &str = "scalar";

/// Square root, correctly rounded (as IEEE 754 requires of every implementation, so every
/// build gives the same bits). On wasm it is the SIMD square root on one lane: `libm::sqrtf`
/// there is a software loop (stable Rust gives libm no wasm intrinsics, and the scalar
/// `f32.sqrt` intrinsic is unstable), 2% of a LeNet-5 step in Adam's update.
#[inline(always)]
pub fn sqrtf(x: f32) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return core::arch::wasm32::f32x4_extract_lane::<0>(core::arch::wasm32::f32x4_sqrt(
        core::arch::wasm32::f32x4_splat(x),
    ));
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    libm::sqrtf(x)
}

/// [`sqrtf`] in f64.
#[inline(always)]
pub fn sqrt(x: f64) -> f64 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return core::arch::wasm32::f64x2_extract_lane::<0>(core::arch::wasm32::f64x2_sqrt(
        core::arch::wasm32::f64x2_splat(x),
    ));
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    libm::sqrt(x)
}

/// `N` f32 lanes (4, 8 for AVX, 16 for AVX-512). Implementations must give results bit-identical to
/// [`scalar::Scalar4`] lane by lane, except the opt-in fused kernels (see [`set_fused_multiply_add`]).
pub trait Lanes: Copy {
    /// Number of lanes.
    const N: usize = 4;
    /// All lanes zero.
    fn zero() -> Self;
    /// All lanes `v`.
    fn splat(v: f32) -> Self;
    /// Loads `N` consecutive f32.
    ///
    /// # Safety
    /// `p` must be valid for reading `N` f32 (no alignment needed).
    unsafe fn load(p: *const f32) -> Self;
    /// Stores `N` consecutive f32.
    ///
    /// # Safety
    /// `p` must be valid for writing `N` f32 (no alignment needed).
    unsafe fn store(self, p: *mut f32);
    /// Lane-wise `self + b`.
    fn add(self, b: Self) -> Self;
    /// Lane-wise `self - b`.
    fn sub(self, b: Self) -> Self;
    /// Lane-wise `self * b`.
    fn mul(self, b: Self) -> Self;
    /// Lane-wise `self * b + c`, rounded twice (not fused).
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self.mul(b).add(c)
    }
    /// Lane-wise `self / b` (IEEE, correctly rounded: the same bits on every backend).
    fn div(self, b: Self) -> Self;
    /// Lane-wise square root (IEEE, correctly rounded, as [`sqrtf`]).
    fn sqrt(self) -> Self;
    /// Lane-wise maximum (`b` when either is NaN is unspecified; inputs are finite here).
    fn max(self, b: Self) -> Self;
    /// The lanes of `self` where `v > 0`, `+0.0` elsewhere (a ReLU's backward mask: the same
    /// bits as `if v > 0.0 { x } else { 0.0 }` lane by lane, without a branch).
    fn keep_where_positive(self, v: Self) -> Self;
    /// Sum of the lanes, as ((l0 + l1) + (l2 + l3)).
    fn hsum(self) -> f32;
    /// The even and the odd lanes of `a` followed by `b`: `[a0, a2, …, b0, b2, …]` and
    /// `[a1, a3, …, b1, b3, …]` (de-interleaving pairs).
    fn unzip(a: Self, b: Self) -> (Self, Self);
    /// The inverse of [`Lanes::unzip`]: `[a0, b0, a1, b1, …]` and the rest of the pairs.
    fn zip(a: Self, b: Self) -> (Self, Self);

    /// Loads `N` f32 from the front of a slice.
    ///
    /// # Panics
    /// If `s.len() < N`.
    #[inline(always)]
    fn load_slice(s: &[f32]) -> Self {
        assert!(s.len() >= Self::N, "Lanes::load_slice: need {} values, got {}", Self::N, s.len());
        // SAFETY: length checked above.
        unsafe { Self::load(s.as_ptr()) }
    }
    /// Stores `N` f32 into the front of a slice.
    ///
    /// # Panics
    /// If `s.len() < N`.
    #[inline(always)]
    fn store_slice(self, s: &mut [f32]) {
        assert!(s.len() >= Self::N, "Lanes::store_slice: need {} values, got {}", Self::N, s.len());
        // SAFETY: length checked above.
        unsafe { self.store(s.as_mut_ptr()) }
    }
}

use crate::kernels::gemm::{Gemm, GemmScratch};
use core::sync::atomic::{AtomicBool, Ordering};

static FUSED: AtomicBool = AtomicBool::new(false);

/// Allows fused multiply-add GEMM kernels where the CPU has them (x86_64 FMA in the `std`
/// build; the CLI's `--fma`). Its bits equal the wasm relaxed-SIMD build's where the browser
/// fuses `relaxed_madd`: the same micro-kernel rounds once per step in both. Off by default: the unfused kernels give the same bits on every backend (native
/// and wasm), which keeps runs reproducible across machines; fused ones are faster and
/// reproducible only on one machine.
pub fn set_fused_multiply_add(on: bool) {
    FUSED.store(on, Ordering::Relaxed);
}

/// The GEMM kernel [`crate::kernels::gemm::gemm`] runs here, e.g. `"x86_64-avx"`, or
/// `"wasm32-relaxed-madd"` in the relaxed-SIMD build. With AVX-512 it names the kernel of
/// products wider than 16 columns (narrower ones keep the 8-lane tiles, see `x86_kernel`).
#[allow(unreachable_code)] // the relaxed-SIMD build returns early
pub fn gemm_backend() -> &'static str {
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    {
        return "wasm32-relaxed-madd";
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        return x86_kernel(usize::MAX).name();
    }
    BACKEND
}

/// The x86_64 GEMM kernels of the std build, chosen at run time.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug, PartialEq)]
enum X86Kernel {
    Avx512Fma,
    Avx2Fma,
    Avx512,
    Avx,
    Sse2,
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
impl X86Kernel {
    fn name(self) -> &'static str {
        match self {
            X86Kernel::Avx512Fma => "x86_64-avx512-fma",
            X86Kernel::Avx2Fma => "x86_64-avx2-fma",
            X86Kernel::Avx512 => "x86_64-avx512",
            X86Kernel::Avx => "x86_64-avx",
            X86Kernel::Sse2 => BACKEND,
        }
    }
}

/// The kernel for a product `n` columns wide: the widest the CPU has, fused only when allowed
/// ([`set_fused_multiply_add`]). The 32-column AVX-512 tile only where it needs fewer tiles
/// than the 16-column one, `n > 16` (a 16-column product, e.g. the weight gradient of a
/// 16-channel layer, would be half padding). Every choice gives the same bits (fused or not).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
fn x86_kernel(n: usize) -> X86Kernel {
    let wide = n > 16 && std::is_x86_feature_detected!("avx512f");
    if FUSED.load(Ordering::Relaxed) && std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        return if wide { X86Kernel::Avx512Fma } else { X86Kernel::Avx2Fma };
    }
    if wide {
        X86Kernel::Avx512
    } else if std::is_x86_feature_detected!("avx") {
        X86Kernel::Avx
    } else {
        X86Kernel::Sse2
    }
}

/// Runs the blocked GEMM on the widest vector the CPU offers (run-time detection in the std
/// build on x86_64; the compile-time [`F32x4`] elsewhere).
#[allow(unreachable_code)] // the relaxed-SIMD build returns early
pub(crate) fn gemm_dispatch(g: Gemm, c: &mut [f32], scratch: &mut GemmScratch) {
    // The relaxed-SIMD build: the micro-kernel's multiply-adds are `f32x4.relaxed_madd`.
    #[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
    {
        return crate::kernels::gemm::gemm_with::<wasm32::F32x4Fused>(g, c, scratch);
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        // SAFETY: `x86_kernel` names a kernel only when the CPU has its features.
        unsafe {
            match x86_kernel(g.n) {
                X86Kernel::Avx512Fma => x86_64::gemm_avx512_fma(g, c, scratch),
                X86Kernel::Avx2Fma => x86_64::gemm_avx_fma(g, c, scratch),
                X86Kernel::Avx512 => x86_64::gemm_avx512(g, c, scratch),
                X86Kernel::Avx => x86_64::gemm_avx(g, c, scratch),
                X86Kernel::Sse2 => crate::kernels::gemm::gemm_f32x4(g, c, scratch),
            }
        }
        return;
    }
    crate::kernels::gemm::gemm_f32x4(g, c, scratch)
}

/// A computation written once over [`Lanes`] that [`widest`] runs on the widest vector the CPU
/// offers. `run` and everything it calls with `V` must be `#[inline(always)]`: the AVX entry
/// point enables AVX only for code inlined into it.
pub(crate) trait OverLanes {
    /// What the computation returns.
    type Output;
    /// The computation on `V`.
    fn run<V: Lanes>(self) -> Self::Output;
}

/// Runs `f` on 8-lane AVX where the CPU has it (std build on x86_64, run-time detection), on
/// [`F32x4`] elsewhere. Only for computations whose lanes are independent (no horizontal sums,
/// no multiply-adds), so the width does not change a bit.
pub(crate) fn widest<F: OverLanes>(f: F) -> F::Output {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX (checked just above).
        return unsafe { x86_64::run_avx(f) };
    }
    f.run::<F32x4>()
}

#[cfg(test)]
mod tests {
    use super::{scalar::Scalar4, Lanes};
    use wasm_bindgen_test::wasm_bindgen_test;

    /// `sub`, `unzip` and `zip` of a lane type on two vectors, as plain arrays of `2·N` values.
    pub(crate) fn shuffles<V: Lanes>(a: &[f32], b: &[f32]) -> [alloc::vec::Vec<f32>; 3] {
        let (va, vb) = (V::load_slice(a), V::load_slice(b));
        let pair = |(x, y): (V, V)| {
            let mut out = alloc::vec![0.0; 2 * V::N];
            x.store_slice(&mut out);
            y.store_slice(&mut out[V::N..]);
            out
        };
        let mut d = alloc::vec![0.0; V::N];
        va.sub(vb).store_slice(&mut d);
        [d, pair(V::unzip(va, vb)), pair(V::zip(va, vb))]
    }

    /// The expected `sub`, `unzip`, `zip` of `a` and `b` (`n` lanes each).
    pub(crate) fn expected(a: &[f32], b: &[f32], n: usize) -> [alloc::vec::Vec<f32>; 3] {
        let ab: alloc::vec::Vec<f32> = a[..n].iter().chain(&b[..n]).copied().collect();
        let even = ab.iter().step_by(2).chain(ab.iter().skip(1).step_by(2)).copied().collect();
        let zipped = (0..n).flat_map(|i| [a[i], b[i]]).collect();
        [(0..n).map(|i| a[i] - b[i]).collect(), even, zipped]
    }

    /// `div` and `sqrt` of a lane type over `a` and `b` (lengths a multiple of `N`), as bits.
    pub(crate) fn div_sqrt<V: Lanes>(a: &[f32], b: &[f32]) -> alloc::vec::Vec<u32> {
        let mut out = alloc::vec![0.0; 2 * a.len()];
        for i in (0..a.len()).step_by(V::N) {
            let (x, y) = (V::load_slice(&a[i..]), V::load_slice(&b[i..]));
            x.div(y).store_slice(&mut out[2 * i..]);
            x.sqrt().store_slice(&mut out[2 * i + V::N..]);
        }
        out.iter().map(|v| if v.is_nan() { u32::MAX } else { v.to_bits() }).collect()
    }

    /// [`Lanes::keep_where_positive`] of a lane type over `x` and `v` (lengths a multiple of
    /// `N`), as bits.
    pub(crate) fn keep_where_positive<V: Lanes>(x: &[f32], v: &[f32]) -> alloc::vec::Vec<u32> {
        let mut out = alloc::vec![0.0; x.len()];
        for i in (0..x.len()).step_by(V::N) {
            V::load_slice(&x[i..]).keep_where_positive(V::load_slice(&v[i..])).store_slice(&mut out[i..]);
        }
        out.iter().map(|v| v.to_bits()).collect()
    }

    /// Operands for [`keep_where_positive`]: masks `v` of every kind (signed zeros, NaN,
    /// infinities, the smallest subnormal), values `x` of every sign, zero and NaN; and the
    /// scalar `if`'s bits, what every backend must give.
    pub(crate) fn mask_cases() -> (alloc::vec::Vec<f32>, alloc::vec::Vec<f32>, alloc::vec::Vec<u32>) {
        let vs = [0.0, -0.0, f32::NAN, 1e-45, -1e-45, f32::INFINITY, f32::NEG_INFINITY, 2.5];
        let xs = [-3.0, -0.0, 0.0, f32::NAN, 7.0, -1e-45, f32::INFINITY, 0.125];
        let (x, v): (alloc::vec::Vec<f32>, alloc::vec::Vec<f32>) =
            (0..64).map(|i| (xs[i % 8], vs[(i / 8 + i) % 8])).unzip();
        let want = x.iter().zip(&v).map(|(&x, &v)| if v > 0.0 { x } else { 0.0 }.to_bits()).collect();
        (x, v, want)
    }

    /// The mask is the scalar `if`, bit for bit, on the build's vector type and the portable one.
    #[test]
    #[wasm_bindgen_test]
    fn keep_where_positive_is_the_scalar_if() {
        let (x, v, want) = mask_cases();
        assert_eq!(keep_where_positive::<super::F32x4>(&x, &v), want);
        assert_eq!(keep_where_positive::<Scalar4>(&x, &v), want);
        assert_eq!(keep_where_positive::<super::scalar::Scalar1>(&x, &v), want);
    }

    /// Operands for `div` and `sqrt` (64 values each): signed zeros, subnormals, huge and
    /// tiny values, infinities, negatives (sqrt: NaN), ordinary values with inexact results.
    pub(crate) fn div_sqrt_operands() -> (alloc::vec::Vec<f32>, alloc::vec::Vec<f32>) {
        let special = [0.0, -0.0, 1e-45, 1.1754942e-38, 3.4028235e38, f32::INFINITY, -4.0, 2.0];
        let a = (0..64).map(|i| if i < 8 { special[i] } else { (i as f32 * 0.731).exp() * 1e-3 + 1.0 / 3.0 }).collect();
        let b = (0..64).map(|i| if i < 8 { special[7 - i] } else { 7.0 - (i as f32).sqrt() * 1.37 }).collect();
        (a, b)
    }

    /// What `div_sqrt` must give: the scalar `/` and the correctly rounded square root (the
    /// f64 root rounded to f32 is correctly rounded), per group of `n` lanes.
    pub(crate) fn div_sqrt_expected(a: &[f32], b: &[f32], n: usize) -> alloc::vec::Vec<u32> {
        let bits = |v: f32| if v.is_nan() { u32::MAX } else { v.to_bits() };
        (0..a.len())
            .step_by(n)
            .flat_map(|i| {
                let d = (i..i + n).map(move |k| bits(a[k] / b[k]));
                let r = (i..i + n).map(move |k| bits(libm::sqrt(a[k] as f64) as f32));
                d.chain(r)
            })
            .collect()
    }

    /// `div` and `sqrt` are exact on the build's vector type and the portable one, and
    /// [`super::sqrtf`] agrees: Adam's update gives the same bits on every backend.
    #[test]
    #[wasm_bindgen_test]
    fn div_and_sqrt_are_correctly_rounded() {
        let (a, b) = div_sqrt_operands();
        let want = div_sqrt_expected(&a, &b, 4);
        assert_eq!(div_sqrt::<super::F32x4>(&a, &b), want);
        assert_eq!(div_sqrt::<Scalar4>(&a, &b), want);
        for &x in &a {
            let (s, r) = (super::sqrtf(x), libm::sqrt(x as f64) as f32);
            assert!(s.to_bits() == r.to_bits() || (s.is_nan() && r.is_nan()), "sqrtf({x})");
        }
    }

    /// The build's vector type and the portable one agree with the definitions of `sub`,
    /// `unzip` and `zip`, bit for bit (on wasm this runs the simd128 shuffles).
    #[test]
    #[wasm_bindgen_test]
    fn shuffles_match_their_definition() {
        let a: alloc::vec::Vec<f32> = (0..8).map(|i| i as f32 * 1.5 - 2.0).collect();
        let b: alloc::vec::Vec<f32> = (0..8).map(|i| 100.0 - i as f32 * 0.25).collect();
        assert_eq!(shuffles::<super::F32x4>(&a, &b), expected(&a, &b, 4));
        assert_eq!(shuffles::<Scalar4>(&a, &b), expected(&a, &b, 4));
    }
}
