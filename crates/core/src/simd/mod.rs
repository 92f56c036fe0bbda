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

/// True when [`F32x4`] is a hardware vector rather than the scalar fallback.
pub const SIMD_ENABLED: bool = !matches!(BACKEND.as_bytes(), b"scalar");

/// Four f32 lanes. Implementations must give results bit-identical to [`scalar::Scalar4`].
pub trait Lanes: Copy {
    /// Number of lanes (always 4 here; a constant so loops read clearly).
    const N: usize = 4;
    /// All lanes zero.
    fn zero() -> Self;
    /// All lanes `v`.
    fn splat(v: f32) -> Self;
    /// Loads 4 consecutive f32.
    ///
    /// # Safety
    /// `p` must be valid for reading 4 f32 (no alignment needed).
    unsafe fn load(p: *const f32) -> Self;
    /// Stores 4 consecutive f32.
    ///
    /// # Safety
    /// `p` must be valid for writing 4 f32 (no alignment needed).
    unsafe fn store(self, p: *mut f32);
    /// Lane-wise `self + b`.
    fn add(self, b: Self) -> Self;
    /// Lane-wise `self * b`.
    fn mul(self, b: Self) -> Self;
    /// Lane-wise `self * b + c`, rounded twice (not fused).
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self.mul(b).add(c)
    }
    /// Lane-wise maximum (`b` when either is NaN is unspecified; inputs are finite here).
    fn max(self, b: Self) -> Self;
    /// Sum of the lanes, as ((l0 + l1) + (l2 + l3)).
    fn hsum(self) -> f32;

    /// Loads 4 f32 from the front of a slice.
    ///
    /// # Panics
    /// If `s.len() < 4`.
    #[inline(always)]
    fn load_slice(s: &[f32]) -> Self {
        assert!(s.len() >= 4, "Lanes::load_slice: need 4 values, got {}", s.len());
        // SAFETY: length checked above.
        unsafe { Self::load(s.as_ptr()) }
    }
    /// Stores 4 f32 into the front of a slice.
    ///
    /// # Panics
    /// If `s.len() < 4`.
    #[inline(always)]
    fn store_slice(self, s: &mut [f32]) {
        assert!(s.len() >= 4, "Lanes::store_slice: need 4 values, got {}", s.len());
        // SAFETY: length checked above.
        unsafe { self.store(s.as_mut_ptr()) }
    }
}
