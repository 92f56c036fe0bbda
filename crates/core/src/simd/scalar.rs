//! Portable four-lane vector: the reference every hardware backend must match bit for bit.

use super::Lanes;

/// Four f32 in an array; plain Rust arithmetic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scalar4(pub [f32; 4]);

impl Lanes for Scalar4 {
    #[inline(always)]
    fn zero() -> Self {
        Scalar4([0.0; 4])
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Scalar4([v; 4])
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable f32 at `p`.
        unsafe { Scalar4(core::ptr::read_unaligned(p as *const [f32; 4])) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees 4 writable f32 at `p`.
        unsafe { core::ptr::write_unaligned(p as *mut [f32; 4], self.0) }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        Scalar4([a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]])
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        Scalar4([a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]])
    }
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        Scalar4([a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]])
    }
    #[inline(always)]
    fn max(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        let m = |x: f32, y: f32| if x < y { y } else { x };
        Scalar4([m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2]), m(a[3], b[3])])
    }
    #[inline(always)]
    fn hsum(self) -> f32 {
        let a = self.0;
        (a[0] + a[1]) + (a[2] + a[3])
    }
    #[inline(always)]
    fn unzip(a: Self, b: Self) -> (Self, Self) {
        let (a, b) = (a.0, b.0);
        (Scalar4([a[0], a[2], b[0], b[2]]), Scalar4([a[1], a[3], b[1], b[3]]))
    }
    #[inline(always)]
    fn zip(a: Self, b: Self) -> (Self, Self) {
        let (a, b) = (a.0, b.0);
        (Scalar4([a[0], b[0], a[1], b[1]]), Scalar4([a[2], b[2], a[3], b[3]]))
    }
}
