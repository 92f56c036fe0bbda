//! Packed, cache-blocked GEMM with a register-tiled SIMD micro-kernel.
//!
//! Contract: `C = alpha * op(A) * op(B) + beta * C`, where `op(A)` is `m×k`, `op(B)` is
//! `k×n` and `C` is row-major `m×n` with row stride `ldc`. Each operand is described by a
//! [`MatRef`] with a row stride and a column stride, so `Aᵀ·B` and `A·Bᵀ` (what backward
//! needs) are the same call with swapped strides: no transpose is ever materialised. When
//! `beta == 0`, `C` is not read (it may hold garbage).
//!
//! Blocking follows BLIS: `B` is packed in `KC×NR` panels, `A` in `MR×KC` panels, and the
//! [`MR`]`×`[`NR`] micro-kernel keeps its tile of `C` in registers for the whole `KC` loop.
//! The micro-kernel is generic over [`Lanes`], so the scalar [`Scalar4`] run of the same
//! algorithm is the bit-exact oracle for the SIMD one; [`gemm_naive`] is the textbook loop.

use crate::simd::{scalar::Scalar4, F32x4, Lanes};
use alloc::vec::Vec;

/// Rows of `C` per micro-tile.
pub const MR: usize = 4;
/// Columns of `C` per micro-tile for 4-lane vectors (two vectors); 8-lane AVX tiles are 16
/// wide, 16-lane AVX-512 ones 32.
pub const NR: usize = 8;
/// Widest tile any backend of this target uses: 32 columns for AVX-512 on x86_64, else at
/// most 16 (the partial-tile buffer is zeroed on every ragged tile, so it is kept to size).
#[cfg(target_arch = "x86_64")]
const NR_MAX: usize = 32;
/// Widest tile any backend of this target uses.
#[cfg(not(target_arch = "x86_64"))]
const NR_MAX: usize = 16;
/// Depth of one packed block (the `k` slice kept in cache).
pub const KC: usize = 256;
/// Rows of `A` per packed block.
pub const MC: usize = 64;
/// Columns of `B` per packed block.
pub const NC: usize = 2048;

/// A read-only matrix view: element `(i, j)` is `data[i * rs + j * cs]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    /// Backing storage.
    pub data: &'a [f32],
    /// Row stride.
    pub rs: usize,
    /// Column stride.
    pub cs: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major matrix with `cols` columns.
    pub fn row_major(data: &'a [f32], cols: usize) -> Self {
        MatRef { data, rs: cols, cs: 1 }
    }
    /// The transpose of a row-major matrix with `cols` columns (no copy).
    pub fn transposed(data: &'a [f32], cols: usize) -> Self {
        MatRef { data, rs: 1, cs: cols }
    }
    #[inline(always)]
    fn at(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.rs + j * self.cs]
    }
    /// Largest index touched by an `rows×cols` view, for bounds checks.
    fn extent(&self, rows: usize, cols: usize) -> usize {
        if rows == 0 || cols == 0 {
            0
        } else {
            (rows - 1) * self.rs + (cols - 1) * self.cs + 1
        }
    }
}

/// One GEMM call: `C = alpha·op(A)·op(B) + beta·C` where `op(A)` is `m×k`, `op(B)` is `k×n`
/// and `C` is row-major `m×n` with row stride `ldc`. [`Gemm::new`] gives the plain product
/// (`alpha = 1`, `beta = 0`, `ldc = n`); [`Gemm::beta`] and [`Gemm::ldc`] adjust it.
#[derive(Clone, Copy, Debug)]
pub struct Gemm<'a> {
    /// Rows of `op(A)` and `C`.
    pub m: usize,
    /// Columns of `op(B)` and `C`.
    pub n: usize,
    /// Columns of `op(A)`, rows of `op(B)`.
    pub k: usize,
    /// Scale of the product.
    pub alpha: f32,
    /// `op(A)`.
    pub a: MatRef<'a>,
    /// `op(B)`.
    pub b: MatRef<'a>,
    /// Scale of the old `C` (0: `C` is not read).
    pub beta: f32,
    /// Row stride of `C`.
    pub ldc: usize,
}

impl<'a> Gemm<'a> {
    /// `C = op(A)·op(B)` for `op(A)`: `m×k`, `op(B)`: `k×n`, `C` row-major with `ldc = n`.
    pub fn new(m: usize, n: usize, k: usize, a: MatRef<'a>, b: MatRef<'a>) -> Self {
        Gemm { m, n, k, alpha: 1.0, a, b, beta: 0.0, ldc: n }
    }
    /// The same call with `C = … + beta·C`.
    pub fn beta(self, beta: f32) -> Self {
        Gemm { beta, ..self }
    }
    /// The same call writing `C` with row stride `ldc`.
    pub fn ldc(self, ldc: usize) -> Self {
        Gemm { ldc, ..self }
    }
}

/// Packing buffers reused across calls, so a steady-state GEMM does not allocate.
#[derive(Debug, Default)]
pub struct GemmScratch {
    a: Vec<f32>,
    b: Vec<f32>,
}

impl GemmScratch {
    /// Empty scratch; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }
}

#[track_caller]
fn check(g: &Gemm, c: &[f32]) {
    let Gemm { m, n, k, a, b, ldc, .. } = *g;
    assert!(a.data.len() >= a.extent(m, k), "gemm: A too small for {m}x{k}");
    assert!(b.data.len() >= b.extent(k, n), "gemm: B too small for {k}x{n}");
    assert!(ldc >= n, "gemm: ldc {ldc} < n {n}");
    if m > 0 && n > 0 {
        assert!(c.len() >= (m - 1) * ldc + n, "gemm: C too small for {m}x{n} (ldc {ldc})");
    }
}

/// `C = alpha * op(A) * op(B) + beta * C` with the build's fastest vector backend.
///
/// # Panics
/// If a slice is too small for the given sizes and strides.
#[track_caller]
pub fn gemm(g: Gemm, c: &mut [f32], scratch: &mut GemmScratch) {
    crate::simd::gemm_dispatch(g, c, scratch)
}

/// The blocked algorithm on the build's 4-lane vector ([`F32x4`]); what [`gemm`] runs unless
/// a wider backend is detected at run time.
#[track_caller]
pub fn gemm_f32x4(g: Gemm, c: &mut [f32], scratch: &mut GemmScratch) {
    gemm_with::<F32x4>(g, c, scratch)
}

/// The same blocked algorithm on the portable [`Scalar4`] lanes (bit-exact oracle).
#[track_caller]
pub fn gemm_scalar(g: Gemm, c: &mut [f32], scratch: &mut GemmScratch) {
    gemm_with::<Scalar4>(g, c, scratch)
}

/// The blocked algorithm, generic over the lane type (tiles are `MR × 2·V::N`).
#[track_caller]
#[inline(always)]
pub fn gemm_with<V: Lanes>(g: Gemm, c: &mut [f32], scratch: &mut GemmScratch) {
    check(&g, c);
    let Gemm { m, n, k, alpha, a, b, beta, ldc } = g;
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    let nr_w = 2 * V::N;
    let GemmScratch { a: pa, b: pb } = scratch;
    let nc_max = NC.min(n.div_ceil(nr_w) * nr_w);
    let mc_max = MC.min(m.div_ceil(MR) * MR);
    let kc_max = KC.min(k);
    if pb.len() < kc_max * nc_max {
        pb.resize(kc_max * nc_max, 0.0);
    }
    if pa.len() < kc_max * mc_max {
        pa.resize(kc_max * mc_max, 0.0);
    }
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            // After the first k-block, C already holds the partial sum: accumulate.
            let beta_blk = if pc == 0 { beta } else { 1.0 };
            // With at most two row panels, each B panel is read at most twice: streaming it
            // straight from a row-major B beats copying it into a packed buffer first. So it
            // does for up to MC rows when the whole depth is one block: the tile's kc rows stay
            // in L1 across the row panels (conv_parts forward 16×784×144: 62–66 µs vs 90–174
            // packed; 256³ stays packed). Same arithmetic either way: the bits do not change.
            let direct = b.cs == 1 && (m <= 2 * MR || (m <= MC && k <= KC));
            if !direct {
                pack_b(&b, pc, kc, jc, nc, nr_w, pb);
            }
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                pack_a(&a, ic, mc, pc, kc, pa);
                for jr in (0..nc).step_by(nr_w) {
                    let nr = nr_w.min(nc - jr);
                    let (bp, ldb) = if !direct {
                        (&pb[jr * kc..(jr + nr_w) * kc], nr_w)
                    } else if nr == nr_w {
                        let start = pc * b.rs + jc + jr;
                        (&b.data[start..start + (kc - 1) * b.rs + nr_w], b.rs)
                    } else {
                        // The ragged last tile: pack just it (zero-padded to the tile width).
                        pack_b(&b, pc, kc, jc + jr, nr, nr_w, pb);
                        (&pb[..kc * nr_w], nr_w)
                    };
                    for ir in (0..mc).step_by(MR) {
                        let mr = MR.min(mc - ir);
                        let ap = &pa[ir * kc..(ir + MR) * kc];
                        let c0 = (ic + ir) * ldc + jc + jr;
                        let tile = Tile { kc, ap, bp, ldb };
                        micro_kernel::<V>(tile, (alpha, beta_blk), &mut c[c0..], ldc, (mr, nr));
                    }
                }
            }
        }
    }
}

fn scale_c(m: usize, n: usize, beta: f32, c: &mut [f32], ldc: usize) {
    for i in 0..m {
        for v in &mut c[i * ldc..i * ldc + n] {
            *v = if beta == 0.0 { 0.0 } else { beta * *v };
        }
    }
}

/// Packs `op(B)[pc..pc+kc, jc..jc+nc]` into `NR`-wide panels: panel `q` holds, for each
/// `p`, the `NR` values of row `p` (zero past the edge). Layout: `[panel][p][NR]`.
#[inline(always)]
fn pack_b(b: &MatRef, pc: usize, kc: usize, jc: usize, nc: usize, nr_w: usize, out: &mut [f32]) {
    for (q, jr) in (0..nc).step_by(nr_w).enumerate() {
        let nr = nr_w.min(nc - jr);
        let panel = &mut out[q * nr_w * kc..(q + 1) * nr_w * kc];
        if b.cs == 1 && nr == nr_w {
            for p in 0..kc {
                let s = (pc + p) * b.rs + jc + jr;
                panel[p * nr_w..p * nr_w + nr_w].copy_from_slice(&b.data[s..s + nr_w]);
            }
        } else if b.rs == 1 {
            // Transposed B: column j is contiguous in p. Transposed in 4×4 blocks of vectors,
            // so each block reads four short runs and writes four (both stay in cache).
            let full = if nr == nr_w { nr_w } else { nr & !3 };
            for j0 in (0..full).step_by(4) {
                let s: [usize; 4] = core::array::from_fn(|d| (jc + jr + j0 + d) * b.cs + pc);
                let cols: [&[f32]; 4] = core::array::from_fn(|d| &b.data[s[d]..s[d] + kc]);
                for p0 in (0..kc & !3).step_by(4) {
                    let rows = transpose4(core::array::from_fn(|d| F32x4::load_slice(&cols[d][p0..])));
                    for (dp, r) in rows.iter().enumerate() {
                        r.store_slice(&mut panel[(p0 + dp) * nr_w + j0..]);
                    }
                }
                for p in kc & !3..kc {
                    for d in 0..4 {
                        panel[p * nr_w + j0 + d] = cols[d][p];
                    }
                }
            }
            for j in full..nr_w {
                if j < nr {
                    let s = (jc + jr + j) * b.cs + pc;
                    for (p, &v) in b.data[s..s + kc].iter().enumerate() {
                        panel[p * nr_w + j] = v;
                    }
                } else {
                    for p in 0..kc {
                        panel[p * nr_w + j] = 0.0;
                    }
                }
            }
        } else {
            for p in 0..kc {
                for j in 0..nr_w {
                    panel[p * nr_w + j] = if j < nr { b.at(pc + p, jc + jr + j) } else { 0.0 };
                }
            }
        }
    }
}

/// Packs `op(A)[ic..ic+mc, pc..pc+kc]` into `MR`-tall panels, layout `[panel][p][MR]`.
#[inline(always)]
fn pack_a(a: &MatRef, ic: usize, mc: usize, pc: usize, kc: usize, out: &mut [f32]) {
    for (q, ir) in (0..mc).step_by(MR).enumerate() {
        let mr = MR.min(mc - ir);
        let panel = &mut out[q * MR * kc..(q + 1) * MR * kc];
        if a.rs == 1 && mr == MR {
            // Transposed A: the MR values of one p are contiguous.
            for p in 0..kc {
                let s = (pc + p) * a.cs + ic + ir;
                panel[p * MR..p * MR + MR].copy_from_slice(&a.data[s..s + MR]);
            }
            continue;
        }
        if a.cs == 1 && mr == MR {
            // Row-major A: MR rows contiguous in p, transposed in 4×4 blocks of vectors.
            let rows: [&[f32]; MR] = core::array::from_fn(|i| &a.data[(ic + ir + i) * a.rs + pc..][..kc]);
            for p0 in (0..kc & !3).step_by(4) {
                let cols = transpose4(core::array::from_fn(|i| F32x4::load_slice(&rows[i][p0..])));
                for (dp, v) in cols.iter().enumerate() {
                    v.store_slice(&mut panel[(p0 + dp) * MR..]);
                }
            }
            for p in kc & !3..kc {
                for i in 0..MR {
                    panel[p * MR + i] = rows[i][p];
                }
            }
            continue;
        }
        for i in 0..MR {
            if i >= mr {
                for p in 0..kc {
                    panel[p * MR + i] = 0.0;
                }
            } else if a.cs == 1 {
                let s = (ic + ir + i) * a.rs + pc;
                for (p, &v) in a.data[s..s + kc].iter().enumerate() {
                    panel[p * MR + i] = v;
                }
            } else {
                for p in 0..kc {
                    panel[p * MR + i] = a.at(ic + ir + i, pc + p);
                }
            }
        }
    }
}

const _: () = assert!(MR == 4, "pack_a transposes MR rows as 4×4 blocks");

/// The transpose of a 4×4 block held as four vectors (row `i` in, column `i` out): two rounds
/// of [`Lanes::zip`]. A copy, so packing through it changes no bit.
#[inline(always)]
fn transpose4([r0, r1, r2, r3]: [F32x4; 4]) -> [F32x4; 4] {
    let ((a0, a1), (b0, b1)) = (F32x4::zip(r0, r2), F32x4::zip(r1, r3));
    let ((t0, t1), (t2, t3)) = (F32x4::zip(a0, b0), F32x4::zip(a1, b1));
    [t0, t1, t2, t3]
}

/// The packed operands of one micro-tile: `kc` steps of an `MR`-tall A panel and a B panel
/// whose rows start `ldb` apart.
#[derive(Clone, Copy)]
struct Tile<'a> {
    kc: usize,
    ap: &'a [f32],
    bp: &'a [f32],
    ldb: usize,
}

/// One `MR × 2·V::N` tile: `C[0..mr, 0..nr] = alpha * Ap·Bp + beta * C` over depth `kc`; row
/// `p` of the B tile starts at `bp[p·ldb]` (`ldb` = tile width when packed, B's row stride
/// when read in place).
#[inline(always)]
fn micro_kernel<V: Lanes>(t: Tile, (alpha, beta): (f32, f32), c: &mut [f32], ldc: usize, (mr, nr): (usize, usize)) {
    let Tile { kc, ap, bp, ldb } = t;
    let (w, nr_w) = (V::N, 2 * V::N);
    // Rows of an in-place B may overlap (row stride below the tile width, e.g. k = 1): reads
    // only, so that is fine; what matters is that every read stays inside `bp`.
    assert!(ap.len() >= kc * MR && bp.len() >= (kc - 1) * ldb + nr_w && nr_w <= NR_MAX);
    let mut acc = [[V::zero(); 2]; MR];
    let (a, b) = (ap.as_ptr(), bp.as_ptr());
    for p in 0..kc {
        // SAFETY: p < kc, so p·ldb + nr_w ≤ (kc−1)·ldb + nr_w ≤ bp.len(), and kc·MR ≤ ap.len()
        // (asserted above).
        let (b0, b1) = unsafe { (V::load(b.add(p * ldb)), V::load(b.add(p * ldb + w))) };
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: p * MR + i < kc * MR (checked above).
            let ai = V::splat(unsafe { *a.add(p * MR + i) });
            row[0] = ai.mul_add(b0, row[0]);
            row[1] = ai.mul_add(b1, row[1]);
        }
    }
    // Scaling by alpha = 1 (every call but the tests') is skipped: x·1 is x, bit for bit.
    if alpha != 1.0 {
        let va = V::splat(alpha);
        for row in &mut acc {
            row[0] = row[0].mul(va);
            row[1] = row[1].mul(va);
        }
    }
    if mr == MR && nr == nr_w {
        for (i, row) in acc.iter().enumerate() {
            let ci = &mut c[i * ldc..i * ldc + nr_w];
            let (lo, hi) = ci.split_at_mut(w);
            let (mut r0, mut r1) = (row[0], row[1]);
            if beta != 0.0 {
                let vb = V::splat(beta);
                r0 = V::load_slice(lo).mul_add(vb, r0);
                r1 = V::load_slice(hi).mul_add(vb, r1);
            }
            r0.store_slice(lo);
            r1.store_slice(hi);
        }
    } else {
        let mut tile = [0.0f32; MR * NR_MAX];
        for (i, row) in acc.iter().enumerate() {
            row[0].store_slice(&mut tile[i * nr_w..]);
            row[1].store_slice(&mut tile[i * nr_w + w..]);
        }
        for i in 0..mr {
            for j in 0..nr {
                let cij = &mut c[i * ldc + j];
                let t = tile[i * nr_w + j];
                *cij = if beta != 0.0 { *cij * beta + t } else { t };
            }
        }
    }
}

/// Textbook triple loop with the same contract as [`gemm`]; the test oracle.
pub fn gemm_naive(g: Gemm, c: &mut [f32]) {
    let Gemm { m, n, k, alpha, a, b, beta, ldc } = g;
    check(&g, c);
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f64;
            for p in 0..k {
                s += a.at(i, p) as f64 * b.at(p, j) as f64;
            }
            let cij = &mut c[i * ldc + j];
            let prev = if beta == 0.0 { 0.0 } else { beta * *cij };
            *cij = alpha * s as f32 + prev;
        }
    }
}

#[cfg(test)]
#[path = "gemm_tests.rs"]
mod tests;
