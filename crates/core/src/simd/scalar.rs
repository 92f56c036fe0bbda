//! Portable vectors: the four-lane reference every hardware backend must match bit for bit, and
//! a one-lane type for the tails of lane-generic loops.

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
    fn div(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        Scalar4([a[0] / b[0], a[1] / b[1], a[2] / b[2], a[3] / b[3]])
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Scalar4(self.0.map(super::sqrtf))
    }
    #[inline(always)]
    fn max(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        let m = |x: f32, y: f32| if x < y { y } else { x };
        Scalar4([m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2]), m(a[3], b[3])])
    }
    #[inline(always)]
    fn keep_where_positive(self, v: Self) -> Self {
        Scalar4(core::array::from_fn(|i| if v.0[i] > 0.0 { self.0[i] } else { 0.0 }))
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

/// One lane: the tail of lane-generic loops (the Winograd transforms' rows narrower than four
/// values, Adam's last parameters), so that tails run the same code as the vectors, a lane at
/// a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scalar1(pub f32);

impl Lanes for Scalar1 {
    #[inline(always)]
    fn unzip(a: Self, b: Self) -> (Self, Self) {
        (a, b)
    }
    #[inline(always)]
    fn zip(a: Self, b: Self) -> (Self, Self) {
        (a, b)
    }
    const N: usize = 1;
    #[inline(always)]
    fn zero() -> Self {
        Scalar1(0.0)
    }
    #[inline(always)]
    fn splat(v: f32) -> Self {
        Scalar1(v)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees one readable f32.
        unsafe { Scalar1(*p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees one writable f32.
        unsafe { *p = self.0 }
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        Scalar1(self.0 + b.0)
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        Scalar1(self.0 - b.0)
    }
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        Scalar1(self.0 * b.0)
    }
    #[inline(always)]
    fn div(self, b: Self) -> Self {
        Scalar1(self.0 / b.0)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Scalar1(super::sqrtf(self.0))
    }
    #[inline(always)]
    fn max(self, b: Self) -> Self {
        Scalar1(if self.0 < b.0 { b.0 } else { self.0 })
    }
    #[inline(always)]
    fn keep_where_positive(self, v: Self) -> Self {
        Scalar1(if v.0 > 0.0 { self.0 } else { 0.0 })
    }
    #[inline(always)]
    fn hsum(self) -> f32 {
        self.0
    }
}
