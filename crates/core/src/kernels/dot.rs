//! Matrix products whose operands are both contiguous along the summed dimension — `C = A·Bᵀ`
//! with `A` and `B` row-major, what a convolution's weight gradient `dW = dy · colᵀ` is — as
//! dot products: no packing, no transposing, every element of `C` one sum of `k` products.
//!
//! The blocked [`super::gemm::gemm`] vectorises across `C`'s columns, so it must first
//! transpose `B` into panels, and its tiles are 4 rows by 8 or 16 columns. For a small `C`
//! over a long sum (LeNet-5's first layer: `dW` is 6×25 over 784 positions per image) both
//! costs dominate: a 6×25 `C` fills 59% of its 8×32 tiles. Here a tile is 2 rows by 4 columns
//! of `C`, each element a 4-lane vector of partial sums over `k`, so a tile wastes nothing on
//! a 6-row `C` and at most 3 columns on any.
//!
//! The arithmetic is fixed, the same on every backend (native SSE, wasm simd128, the
//! [`Scalar4`] oracle; never the wider or fused GEMM kernels): lane `l` sums the products at
//! `p ≡ l (mod 4)` in order, multiply then add, each rounded; the lanes are added as
//! `(l0 + l1) + (l2 + l3)`, then the `k mod 4` last products one by one; then
//! `C = alpha·sum + beta·C` as in the GEMM's epilogue. It differs from the GEMM's order, so the
//! bits differ from [`super::gemm::gemm`]'s (a few ulps), deterministically.

use super::gemm::{Gemm, MatRef};
use crate::simd::{scalar::Scalar4, F32x4, Lanes};

/// Whether [`dot_gemm`] is used instead of the blocked GEMM for an `m×n` product over `k` with
/// both operands contiguous along `k`: while `C` has at most `4k` elements. One rule for every
/// build, since the two give different bits. Measured per image (µs, wasm in Node 20 / native
/// SSE+AVX, blocked → dot; natively `cargo bench -p depthlab-core --bench kernels --
/// dot_vs_gemm`): 6×25×784 (LeNet-5's first layer) 20.8 → 6.7 / 14.3 → 5.9; 4×100×400 21.2 → 9.3 /
/// 17.5 → 8.0; 16×25×784 33.4 → 17.8 / 20.6 → 15.7; 16×48×256 14.8 → 12.2 / 9.0 → 10.3 (the
/// native loss the rule accepts); past it, 16×75×196 18.3 → 15.4 / 11.2 → 12.9 and LeNet-5's
/// second layer, 16×150×100, 17.3 → 18.4 / 11.2 → 15.1.
pub fn pays(m: usize, n: usize, k: usize) -> bool {
    m.saturating_mul(n) <= k.saturating_mul(4)
}

/// `C = alpha·op(A)·op(B) + beta·C` (the [`Gemm`] contract) as dot products.
///
/// # Panics
/// If `op(A)`'s rows or `op(B)`'s columns are not contiguous (`a.cs != 1` or `b.rs != 1`), or
/// a slice is too small.
#[track_caller]
pub fn dot_gemm(g: Gemm, c: &mut [f32]) {
    dot_gemm_with::<F32x4>(g, c)
}

/// [`dot_gemm`] on the portable lanes (the bit-exact oracle in tests).
#[track_caller]
pub fn dot_gemm_scalar(g: Gemm, c: &mut [f32]) {
    dot_gemm_with::<Scalar4>(g, c)
}

#[track_caller]
#[inline(always)]
fn dot_gemm_with<V: Lanes>(g: Gemm, c: &mut [f32]) {
    let Gemm { m, n, k, alpha, a, b, beta, ldc } = g;
    assert!(a.cs == 1 && b.rs == 1, "dot_gemm: A's rows and B's columns must be contiguous");
    assert!(V::N == 4, "dot_gemm: the order of the sums is defined for 4 lanes");
    assert!(ldc >= n, "dot_gemm: ldc {ldc} < n {n}");
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.data.len() >= (m - 1) * a.rs + k, "dot_gemm: A too small for {m}x{k}");
    assert!(b.data.len() >= (n - 1) * b.cs + k, "dot_gemm: B too small for {k}x{n}");
    assert!(c.len() >= (m - 1) * ldc + n, "dot_gemm: C too small for {m}x{n} (ldc {ldc})");
    let out = Out { alpha, beta, ldc };
    for i in (0..m).step_by(2) {
        for j in (0..n).step_by(4) {
            let at = (i, j);
            match (m - i >= 2, (n - j).min(4)) {
                (true, 4) => tile::<V, 2, 4>(a, b, k, at, out, c),
                (true, 3) => tile::<V, 2, 3>(a, b, k, at, out, c),
                (true, 2) => tile::<V, 2, 2>(a, b, k, at, out, c),
                (true, _) => tile::<V, 2, 1>(a, b, k, at, out, c),
                (false, 4) => tile::<V, 1, 4>(a, b, k, at, out, c),
                (false, 3) => tile::<V, 1, 3>(a, b, k, at, out, c),
                (false, 2) => tile::<V, 1, 2>(a, b, k, at, out, c),
                (false, _) => tile::<V, 1, 1>(a, b, k, at, out, c),
            }
        }
    }
}

/// The epilogue's scalars.
#[derive(Clone, Copy)]
struct Out {
    alpha: f32,
    beta: f32,
    ldc: usize,
}

/// `C[i..i+R, j..j+C]`: `R·C` dot products of length `k`, 4 lanes of partial sums each.
#[inline(always)]
fn tile<V: Lanes, const R: usize, const C: usize>(
    a: MatRef,
    b: MatRef,
    k: usize,
    (i, j): (usize, usize),
    out: Out,
    c: &mut [f32],
) {
    let rows: [&[f32]; R] = core::array::from_fn(|r| &a.data[(i + r) * a.rs..(i + r) * a.rs + k]);
    let cols: [&[f32]; C] = core::array::from_fn(|q| &b.data[(j + q) * b.cs..(j + q) * b.cs + k]);
    let mut acc = [[V::zero(); C]; R];
    let full = k - k % 4;
    for p in (0..full).step_by(4) {
        // SAFETY: p + 4 <= full <= k, the length of every row and column slice.
        let bv: [V; C] = core::array::from_fn(|q| unsafe { V::load(cols[q].as_ptr().add(p)) });
        for (r, row) in rows.iter().enumerate() {
            // SAFETY: as above.
            let av = unsafe { V::load(row.as_ptr().add(p)) };
            for q in 0..C {
                acc[r][q] = av.mul(bv[q]).add(acc[r][q]);
            }
        }
    }
    for r in 0..R {
        for q in 0..C {
            let mut s = acc[r][q].hsum();
            for p in full..k {
                s += rows[r][p] * cols[q][p];
            }
            let t = s * out.alpha;
            let cij = &mut c[(i + r) * out.ldc + j + q];
            *cij = if out.beta != 0.0 { *cij * out.beta + t } else { t };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::gemm_naive;
    use crate::rng::Rng;
    use alloc::vec::Vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Against the naive loop (f64 sums) on shapes with every tile remainder and `k mod 4`, with
    /// `beta` 0 (C not read: NaN stays out) and not; the build's lanes and the portable ones
    /// give the same bits.
    #[wasm_bindgen_test(unsupported = test)]
    fn matches_naive_and_the_portable_lanes() {
        let mut rng = Rng::new(11);
        let mut v = |n: usize| (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect::<Vec<f32>>();
        for (m, n, k) in [(1, 1, 1), (6, 25, 784), (3, 5, 7), (2, 4, 8), (5, 7, 13), (16, 3, 101), (1, 9, 2)] {
            let (a, b) = (v(m * k), v(n * k));
            let (am, bm) = (MatRef::row_major(&a, k), MatRef::transposed(&b, k));
            for beta in [0.0, 0.5] {
                let ldc = n + 2;
                let start = if beta == 0.0 { alloc::vec![f32::NAN; m * ldc] } else { v(m * ldc) };
                let g = Gemm { m, n, k, alpha: 1.5, a: am, b: bm, beta, ldc };
                let (mut c1, mut c2, mut c3) = (start.clone(), start.clone(), start.clone());
                dot_gemm(g, &mut c1);
                dot_gemm_scalar(g, &mut c2);
                gemm_naive(g, &mut c3);
                let bits = |c: &[f32]| c.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&c1), bits(&c2), "{m}x{n}x{k} beta {beta}: build lanes vs portable");
                for r in 0..m {
                    for q in 0..ldc {
                        let (x, y) = (c1[r * ldc + q], c3[r * ldc + q]);
                        if q >= n {
                            assert_eq!(x.to_bits(), start[r * ldc + q].to_bits(), "wrote past n");
                        } else {
                            assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{m}x{n}x{k}: {x} vs {y}");
                        }
                    }
                }
            }
        }
    }
}
