//! Winograd F(4×4, 3×3): a 3×3, stride-1 convolution with 36 multiplications per 4×4 output
//! tile and channel pair instead of 144 (Lavin & Gray, 2015) — 2.25 a output where
//! [`super::winograd`]'s F(2×2, 3×3) needs 4, and 36 transformed values per 16 outputs instead
//! of 16 per 4, so less data to write and read between the transforms and the products.
//!
//! The same scheme as F(2×2, 3×3), with 6×6 input tiles overlapping by two:
//!
//! ```text
//! forward   M[ξ] (O×T) = U[ξ] (O×C) · V[ξ] (C×T)      U = G g Gᵀ, V = Bᵀ d B, Y = Aᵀ M A
//! ```
//!
//! with interpolation points 0, ±1, ±2, ∞:
//!
//! ```text
//! Bᵀ = [ 4  0 −5  0  1  0 ]   G = [  1/4     0     0  ]   Aᵀ = [ 1  1  1  1  1  0 ]
//!      [ 0 −4 −4  1  1  0 ]       [ −1/6  −1/6  −1/6  ]        [ 0  1 −1  2 −2  0 ]
//!      [ 0  4 −4 −1  1  0 ]       [ −1/6   1/6  −1/6  ]        [ 0  1  1  4  4  0 ]
//!      [ 0 −2 −1  2  1  0 ]       [ 1/24  1/12   1/6  ]        [ 0  1 −1  8 −8  1 ]
//!      [ 0  2 −1 −2  1  0 ]       [ 1/24 −1/12   1/6  ]
//!      [ 0  4  0 −5  0  1 ]       [   0     0     1   ]
//! ```
//!
//! Its rounding error is larger: 16 channels at 28×28, random inputs and kernels in [−1, 1]
//! (outputs of RMS 3.9), largest error against the direct loops 4.8e-5, F(2×2, 3×3)'s 2.9e-6 —
//! about 1e-5 of the outputs' scale, far below what training notices (cuDNN and oneDNN use
//! F(4×4, 3×3) too).
//!
//! `T` is the number of tiles of one image, `⌈OH/4⌉·⌈OW/4⌉`. Layouts as in F(2×2, 3×3):
//! transformed data `[36][channels][T]`, transformed kernels `[36][O][C]`. The transforms use
//! only additions, subtractions and products by constants, each lane on its own, so every
//! vector width gives the same bits.

use super::gemm::{gemm, Gemm, GemmScratch, MatRef};
use super::winograd::{grow, WinogradScratch};
use crate::simd::{scalar::Scalar1, F32x4, Lanes};
use alloc::vec::Vec;

/// Positions of the transformed 6×6 tile.
pub const POSITIONS: usize = 36;

/// Whether this convolution (forward, or the input gradient's geometry) should use F(4×4, 3×3)
/// rather than F(2×2, 3×3), where [`super::winograd::pays`] chose Winograd: when the output
/// divides into whole 4×4 tiles and each side is at least [`MIN_SIDE`]. Measured per image,
/// forward, against F(2×2, 3×3) interleaved (`cargo bench -p depthlab-core --bench kernels --
/// conv3x3_paths`, with the shapes added for the measurement; AMD EPYC Zen 3): 16 channels at
/// 28×28 1.26–1.34×, 32 at 16×16 1.32×, 64 at 16×16 1.32×, 16 at 12×12 1.13×, 32 at 12×12
/// 1.31×, 64 at 12×12 1.26×; but 16 at 8×8 1.04× and 64 at 8×8 0.77×, and where the last
/// tiles are partly padding 0.83× (32 at 14×14, 16 of every 14 pixels computed) and 0.86× (64
/// at 7×7).
pub fn pays(geo: &Geometry) -> bool {
    let (oh, ow) = geo.out_hw;
    oh % 4 == 0 && ow % 4 == 0 && oh.min(ow) >= MIN_SIDE
}

/// The shortest output side [`pays`] takes.
pub const MIN_SIDE: usize = 12;

/// Tile grid of an `oh×ow` output: `(rows, cols)` of 4×4 tiles.
pub fn tiles(oh: usize, ow: usize) -> (usize, usize) {
    (oh.div_ceil(4), ow.div_ceil(4))
}

/// `G g Gᵀ` of one 3×3 kernel, row-major 6×6.
fn kernel_transform(g: [[f32; 3]; 3]) -> [f32; POSITIONS] {
    let gv = |a: f32, b: f32, c: f32| -> [f32; 6] {
        [
            a * 0.25,
            (a + b + c) * (-1.0 / 6.0),
            (a - b + c) * (-1.0 / 6.0),
            a * (1.0 / 24.0) + b * (1.0 / 12.0) + c * (1.0 / 6.0),
            a * (1.0 / 24.0) - b * (1.0 / 12.0) + c * (1.0 / 6.0),
            c,
        ]
    };
    // G g: 6×3, column by column; then each row times Gᵀ.
    let cols: [[f32; 6]; 3] = core::array::from_fn(|j| gv(g[0][j], g[1][j], g[2][j]));
    let mut out = [0.0; POSITIONS];
    for i in 0..6 {
        let row = gv(cols[0][i], cols[1][i], cols[2][i]);
        out[6 * i..6 * i + 6].copy_from_slice(&row);
    }
    out
}

/// `u[ξ][o][c] = (G g Gᵀ)[ξ]` for kernels `w: [O][C][3][3]`; with `flip`, the kernels of the
/// input gradient instead: `u[ξ][c][o]` from `w[o][c]` rotated by 180°.
pub fn transform_weights(w: &[f32], o: usize, c: usize, flip: bool, u: &mut [f32]) {
    assert!(u.len() >= POSITIONS * o * c, "winograd4: weight buffers too small");
    let rows = if flip { c } else { o };
    let mut rest = &mut u[..POSITIONS * o * c];
    let planes = core::array::from_fn(|_| {
        let (head, tail) = core::mem::take(&mut rest).split_at_mut(o * c);
        rest = tail;
        head
    });
    transform_weight_rows(w, o, c, flip, 0..rows, planes);
}

/// Rows `rows` of [`transform_weights`]' output (`o` when not flipped, `c` when flipped), into
/// `planes[ξ]`, which holds those rows of position `ξ`: so threads can each take some rows.
pub fn transform_weight_rows(
    w: &[f32],
    o: usize,
    c: usize,
    flip: bool,
    rows: core::ops::Range<usize>,
    mut planes: [&mut [f32]; POSITIONS],
) {
    let cols = if flip { o } else { c };
    assert!(w.len() >= o * c * 9, "winograd4: weight buffer too small");
    assert!(planes.iter().all(|p| p.len() >= rows.len() * cols), "winograd4: planes too small");
    for row in rows.clone() {
        for col in 0..cols {
            let (oi, ci) = if flip { (col, row) } else { (row, col) };
            let k = &w[(oi * c + ci) * 9..(oi * c + ci) * 9 + 9];
            let g = core::array::from_fn(|r| {
                core::array::from_fn(|s| if flip { k[(2 - r) * 3 + 2 - s] } else { k[r * 3 + s] })
            });
            let at = (row - rows.start) * cols + col;
            for (plane, &v) in planes.iter_mut().zip(kernel_transform(g).iter()) {
                plane[at] = v;
            }
        }
    }
}

/// Geometry of one F(4×4, 3×3) convolution of an image (as [`super::winograd::Geometry`]).
pub type Geometry = super::winograd::Geometry;

fn geo_tiles(geo: &Geometry) -> (usize, usize) {
    tiles(geo.out_hw.0, geo.out_hw.1)
}

/// Images per GEMM: about [`super::winograd::TRANSFORMED_TARGET`] transformed values per side,
/// at most `images`.
pub fn images_per_gemm(geo: &Geometry, images: usize) -> usize {
    let (th, tw) = geo_tiles(geo);
    super::winograd::images_for(POSITIONS, geo, th * tw, images)
}

/// [`convolve_images`] or F(2×2, 3×3)'s [`super::winograd::convolve_images`]: the same
/// arguments, the kernels transformed by the matching `transform_weights`.
pub type Convolve =
    fn(&[f32], usize, &[f32], Geometry, Option<&[f32]>, bool, &mut [f32], &mut WinogradScratch, &mut GemmScratch);

/// The convolution for a direction where [`pays`] said `f4`.
pub fn convolver(f4: bool) -> Convolve {
    if f4 {
        convolve_images
    } else {
        super::winograd::convolve_images
    }
}

/// `v[ξ][c][t0 + t] = (Bᵀ d B)[ξ]` for every 6×6 tile `d` of `x: [C][H][W]` (zero outside),
/// tiles `(ty, tx)` starting at input `(4ty − pad, 4tx − pad)`. Each channel is first copied
/// into a zero-padded plane, then split by column phase mod 4 (`plane[k][r][i]` = padded row
/// `r`, column `4i + k`): tile `tx` reads columns `4tx..4tx+6`, phases 0–3 at `tx` and phases
/// 0–1 at `tx + 1`, so a vector of lanes holds consecutive tiles.
struct InputTransform<'a> {
    x: &'a [f32],
    c: usize,
    hw: (usize, usize),
    pad: usize,
    tiles: (usize, usize),
    at: (usize, usize),
    scratch: &'a mut Vec<f32>,
    v: &'a mut [f32],
}

impl crate::simd::OverLanes for InputTransform<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let InputTransform { x, c, hw: (h, w), pad, tiles: (th, tw), at: (ld, t0), scratch, v } = self;
        let q = tw + 1;
        let (hp, wp) = (4 * th + 2, 4 * q);
        // The zero-padded channel (rows of wp values), then the same values by column phase:
        // `plane[k][r][i]` = padded row r, column 4i + k.
        let buf = grow(scratch, 2 * hp * wp);
        buf.fill(0.0);
        let (padded, plane) = buf.split_at_mut(hp * wp);
        let (rows_in, cols_in) = (h.min(hp - pad), w.min(wp - pad));
        let phase = hp * q;
        for ci in 0..c {
            let xc = &x[ci * h * w..(ci + 1) * h * w];
            // Every channel fills the same entries of `padded`, so its zero border stays.
            for (r, src) in xc.chunks_exact(w).take(rows_in).enumerate() {
                padded[(r + pad) * wp + pad..][..cols_in].copy_from_slice(&src[..cols_in]);
            }
            deinterleave4::<V>(padded, plane);
            for ty in 0..th {
                let (at, stride) = (ci * ld + t0 + ty * tw, c * ld);
                assert!((POSITIONS - 1) * stride + at + tw <= v.len(), "winograd4: transformed buffer too small");
                // Row 4ty of phase 0; phase k, row r at + k·phase + r·q.
                let base = plane[4 * ty * q..].as_ptr();
                let out = v[at..].as_mut_ptr();
                // SAFETY: reads phase k ≤ 3, row 4ty + r ≤ hp − 1, entries tx + 1 + N − 1 < q
                // (every block has tx + N ≤ tw = q − 1): within the plane's 4·hp·q values;
                // writes within each position's tw values from `at`, checked above.
                unsafe {
                    if tw >= V::N {
                        for tx in (0..tw - V::N).step_by(V::N).chain([tw - V::N]) {
                            input_tiles::<V>(base, phase, q, tx, out, stride);
                        }
                    } else if tw >= F32x4::N {
                        for tx in (0..tw - F32x4::N).step_by(F32x4::N).chain([tw - F32x4::N]) {
                            input_tiles::<F32x4>(base, phase, q, tx, out, stride);
                        }
                    } else {
                        for tx in 0..tw {
                            input_tiles::<Scalar1>(base, phase, q, tx, out, stride);
                        }
                    }
                }
            }
        }
    }
}

/// `phases[k · n + i] = row[4i + k]` for `row` of `4n` values (`n = phases.len() / 4`):
/// `V::N` groups of four at a time (two rounds of [`Lanes::unzip`]), then 4, then one.
#[inline(always)]
fn deinterleave4<V: Lanes>(row: &[f32], phases: &mut [f32]) {
    let n = phases.len() / 4;
    let mut i = deinterleave4_run::<V>(row, phases, n, 0);
    i = deinterleave4_run::<F32x4>(row, phases, n, i);
    while i < n {
        for k in 0..4 {
            phases[k * n + i] = row[4 * i + k];
        }
        i += 1;
    }
}

/// [`deinterleave4`]'s groups from `i` on `W`, as far as whole vectors go; returns where it
/// stopped.
#[inline(always)]
fn deinterleave4_run<W: Lanes>(row: &[f32], phases: &mut [f32], n: usize, mut i: usize) -> usize {
    while i + W::N <= n {
        let l = |k: usize| W::load_slice(&row[4 * i + k * W::N..]);
        let (e1, o1) = W::unzip(l(0), l(1));
        let (e2, o2) = W::unzip(l(2), l(3));
        let (p0, p2) = W::unzip(e1, e2);
        let (p1, p3) = W::unzip(o1, o2);
        for (k, p) in [p0, p1, p2, p3].into_iter().enumerate() {
            p.store_slice(&mut phases[k * n + i..]);
        }
        i += W::N;
    }
    i
}

/// `out[4i + k] = phases[k][i]` for the `n` entries of four phases: `W::N` at a time (two
/// rounds of [`Lanes::zip`]), then 4, then one.
#[inline(always)]
fn interleave4<V: Lanes>(phases: [&[f32]; 4], out: &mut [f32]) {
    let n = out.len() / 4;
    let mut i = interleave4_run::<V>(phases, out, n, 0);
    i = interleave4_run::<F32x4>(phases, out, n, i);
    while i < n {
        for k in 0..4 {
            out[4 * i + k] = phases[k][i];
        }
        i += 1;
    }
}

/// [`interleave4`]'s entries from `i` on `W`, as far as whole vectors go.
#[inline(always)]
fn interleave4_run<W: Lanes>(phases: [&[f32]; 4], out: &mut [f32], n: usize, mut i: usize) -> usize {
    while i + W::N <= n {
        let p = phases.map(|p| W::load_slice(&p[i..]));
        let (a_lo, a_hi) = W::zip(p[0], p[2]);
        let (b_lo, b_hi) = W::zip(p[1], p[3]);
        let (v0, v1) = W::zip(a_lo, b_lo);
        let (v2, v3) = W::zip(a_hi, b_hi);
        for (k, v) in [v0, v1, v2, v3].into_iter().enumerate() {
            v.store_slice(&mut out[4 * i + k * W::N..]);
        }
        i += W::N;
    }
    i
}

/// `Bᵀ d` for six values (a column or a row of a tile).
#[inline(always)]
fn bt<V: Lanes>(d: [V; 6]) -> [V; 6] {
    let (four, five, two) = (V::splat(4.0), V::splat(5.0), V::splat(2.0));
    // Shared terms: d4 − 4·d2 and d3 − 4·d1 (rows 1, 2); d4 − d2 and 2·(d3 − d1) (rows 3, 4).
    let a = d[4].sub(four.mul(d[2]));
    let b = d[3].sub(four.mul(d[1]));
    let e = d[4].sub(d[2]);
    let f = two.mul(d[3].sub(d[1]));
    [
        four.mul(d[0]).sub(five.mul(d[2])).add(d[4]),
        a.add(b),
        a.sub(b),
        e.add(f),
        e.sub(f),
        four.mul(d[1]).sub(five.mul(d[3])).add(d[5]),
    ]
}

/// `Bᵀ d B` for the `V::N` tiles from `tx` of one tile row: its padded row r, column phase k
/// (columns 4i + k) starts at `base + k · phase + r · q`; the 36 results go to
/// `out[ξ · stride + tx..]`.
///
/// # Safety
/// `base` must be readable at `k · phase + r · q + tx + 1 .. + V::N` for k < 4, r < 6, and
/// `out` writable at `ξ · stride + tx .. + V::N` for every position ξ.
#[inline(always)]
unsafe fn input_tiles<V: Lanes>(base: *const f32, phase: usize, q: usize, tx: usize, out: *mut f32, stride: usize) {
    // Down the columns: column k of the tile is phase k mod 4 at tx + k / 4.
    let cols: [[V; 6]; 6] = core::array::from_fn(|k| {
        let col = (k & 3) * phase + tx + (k >> 2);
        // SAFETY: in bounds by the caller's contract.
        bt(core::array::from_fn(|r| unsafe { V::load(base.add(col + r * q)) }))
    });
    // Across: row i of Bᵀ d, times B.
    for i in 0..6 {
        let o = bt(core::array::from_fn(|k| cols[k][i]));
        for (j, oj) in o.into_iter().enumerate() {
            // SAFETY: as above.
            unsafe { oj.store(out.add((6 * i + j) * stride + tx)) };
        }
    }
}

/// `Aᵀ m` for six values.
#[inline(always)]
fn at<V: Lanes>(m: [V; 6]) -> [V; 4] {
    let (two, four, eight) = (V::splat(2.0), V::splat(4.0), V::splat(8.0));
    let (s12, d12, s34, d34) = (m[1].add(m[2]), m[1].sub(m[2]), m[3].add(m[4]), m[3].sub(m[4]));
    [m[0].add(s12).add(s34), d12.add(two.mul(d34)), s12.add(four.mul(s34)), d12.add(eight.mul(d34)).add(m[5])]
}

/// `y (+)= Aᵀ m A` per tile for `m: [36][O][ld]` (this image's tiles from column `t0`),
/// cropped to `oh×ow`, `bias` added first, `accumulate` adds onto `y`. Each channel's tiles go
/// to 16 planes (one per output position in the tile, `scratch`), then to `y` row by row.
struct OutputTransform<'a> {
    m: &'a [f32],
    o: usize,
    out_hw: (usize, usize),
    tiles: (usize, usize),
    at: (usize, usize),
    bias: Option<&'a [f32]>,
    accumulate: bool,
    scratch: &'a mut Vec<f32>,
    y: &'a mut [f32],
}

impl crate::simd::OverLanes for OutputTransform<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let OutputTransform { m, o, out_hw: (oh, ow), tiles: (th, tw), at: (ld, t0), bias, accumulate, scratch, y } =
            self;
        let t_n = th * tw;
        // 16 planes, one per output position in a tile, then the tiles' rows r in order.
        let buf = grow(scratch, 20 * t_n);
        let (planes, rows) = buf.split_at_mut(16 * t_n);
        for oi in 0..o {
            assert!((POSITIONS - 1) * o * ld + oi * ld + t0 + t_n <= m.len(), "winograd4: products too small");
            let src = m[oi * ld + t0..].as_ptr();
            let dst = planes.as_mut_ptr();
            // SAFETY: reads m[(ξ·o + oi)·ld + t0 + t] for t < t_n (checked above), writes
            // planes[p·t_n + t] for p < 16, t < t_n (the buffer holds 16·t_n).
            unsafe {
                let mut t = 0;
                while t + V::N <= t_n {
                    output_tiles::<V>(src, o * ld, t, dst, t_n);
                    t += V::N;
                }
                while t < t_n {
                    output_tiles::<Scalar1>(src, o * ld, t, dst, t_n);
                    t += 1;
                }
            }
            let b0 = bias.map_or(0.0, |b| b[oi]);
            let yo = &mut y[oi * oh * ow..(oi + 1) * oh * ow];
            for r in 0..4 {
                // Row r of every tile: row ty of `rows` is output row 4ty + r, 4·tw wide.
                interleave4::<V>(core::array::from_fn(|j| &planes[(4 * r + j) * t_n..][..t_n]), rows);
                for (ty, tiles) in rows.chunks_exact(4 * tw).enumerate() {
                    let yy = 4 * ty + r;
                    if yy >= oh {
                        break;
                    }
                    let (out, tiles) = (&mut yo[yy * ow..(yy + 1) * ow], &tiles[..ow]);
                    if accumulate {
                        out.iter_mut().zip(tiles).for_each(|(y, &v)| *y += v);
                    } else {
                        out.iter_mut().zip(tiles).for_each(|(y, &v)| *y = v + b0);
                    }
                }
            }
        }
    }
}

/// `Aᵀ M A` for the `V::N` tiles from `t`: position ξ's values at `src[ξ · stride + t..]`, the
/// 16 outputs to `dst[p · plane + t..]`.
///
/// # Safety
/// The reads and writes named above must be in bounds.
#[inline(always)]
unsafe fn output_tiles<V: Lanes>(src: *const f32, stride: usize, t: usize, dst: *mut f32, plane: usize) {
    // Down the columns first: column j of Aᵀ M.
    let cols: [[V; 4]; 6] = core::array::from_fn(|j| {
        // SAFETY: by the caller's contract.
        at(core::array::from_fn(|i| unsafe { V::load(src.add((6 * i + j) * stride + t)) }))
    });
    for r in 0..4 {
        let o = at(core::array::from_fn(|j| cols[j][r]));
        for (j, oj) in o.into_iter().enumerate() {
            // SAFETY: as above.
            unsafe { oj.store(dst.add((4 * r + j) * plane + t)) };
        }
    }
}

/// `imgs` consecutive images: `y = conv(x) + bias` (or `y += conv(x)` with `accumulate`), from
/// the transformed kernels `u: [36][O][C]` ([`transform_weights`]); one GEMM per position for
/// all of them. Each output is summed in the same order whatever `imgs` is, so grouping images
/// changes no bit. Shares F(2×2, 3×3)'s working memory (`s`).
#[allow(clippy::too_many_arguments)]
pub fn convolve_images(
    x: &[f32],
    imgs: usize,
    u: &[f32],
    geo: Geometry,
    bias: Option<&[f32]>,
    accumulate: bool,
    y: &mut [f32],
    s: &mut WinogradScratch,
    gs: &mut GemmScratch,
) {
    let Geometry { c, o, in_hw, out_hw, pad } = geo;
    let tiles = geo_tiles(&geo);
    let (in_len, out_len) = (c * in_hw.0 * in_hw.1, o * out_hw.0 * out_hw.1);
    let t_n = tiles.0 * tiles.1;
    assert!(x.len() >= imgs * in_len && y.len() >= imgs * out_len, "winograd4: image buffers too small");
    assert!(u.len() >= POSITIONS * o * c, "winograd4: kernels too small");
    let ld = t_n * imgs;
    let WinogradScratch { v, m, plane, .. } = s;
    let (v, m) = (grow(v, POSITIONS * c * ld), grow(m, POSITIONS * o * ld));
    for i in 0..imgs {
        let x = &x[i * in_len..(i + 1) * in_len];
        crate::simd::widest(InputTransform { x, c, hw: in_hw, pad, tiles, at: (ld, i * t_n), scratch: plane, v });
    }
    for xi in 0..POSITIONS {
        let a = MatRef::row_major(&u[xi * o * c..(xi + 1) * o * c], c);
        let b = MatRef::row_major(&v[xi * c * ld..(xi + 1) * c * ld], ld);
        gemm(Gemm::new(o, ld, c, a, b), &mut m[xi * o * ld..(xi + 1) * o * ld], gs);
    }
    for i in 0..imgs {
        let yi = &mut y[i * out_len..(i + 1) * out_len];
        let at = (ld, i * t_n);
        crate::simd::widest(OutputTransform { m, o, out_hw, tiles, at, bias, accumulate, scratch: plane, y: yi });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::{conv2d_naive, Conv2dParams};
    use crate::rng::Rng;
    use alloc::vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn rand(rng: &mut Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    const SHAPES: [(usize, usize, usize, usize, usize); 7] = [
        (3, 4, 6, 6, 1),
        (2, 5, 7, 5, 1),
        (4, 3, 5, 9, 0),
        (3, 2, 4, 3, 2),
        (1, 1, 3, 3, 0),
        (5, 6, 70, 3, 1),
        (16, 16, 28, 28, 1),
    ];

    /// Forward and the input gradient's flipped kernels equal the direct convolution (with
    /// bias; odd sizes; paddings 0, 1, 2; several images per product).
    #[wasm_bindgen_test(unsupported = test)]
    fn forward_matches_direct() {
        let mut rng = Rng::new(11);
        for &(c, o, h, w, pad) in &SHAPES {
            for imgs in [1, 3] {
                let p = Conv2dParams::square(c, o, 3, 1, pad);
                let geo = Geometry::forward(&p, h, w).unwrap();
                let (oh, ow) = geo.out_hw;
                let (x, wt, b) = (rand(&mut rng, imgs * c * h * w), rand(&mut rng, o * c * 9), rand(&mut rng, o));
                let mut u = vec![0.0; POSITIONS * o * c];
                transform_weights(&wt, o, c, false, &mut u);
                let mut y = vec![f32::NAN; imgs * o * oh * ow];
                let (mut s, mut gs) = (WinogradScratch::default(), GemmScratch::new());
                convolve_images(&x, imgs, &u, geo, Some(&b), false, &mut y, &mut s, &mut gs);
                for i in 0..imgs {
                    let mut want = vec![0.0; o * oh * ow];
                    conv2d_naive(&x[i * c * h * w..][..c * h * w], h, w, &wt, Some(&b), &p, &mut want);
                    for (a, b) in y[i * o * oh * ow..][..o * oh * ow].iter().zip(&want) {
                        assert!(
                            (a - b).abs() < 1e-4 * (1.0 + (c as f32 * 9.0).sqrt()),
                            "{:?}: {a} vs {b}",
                            (c, o, h, w, pad)
                        );
                    }
                }
            }
        }
    }
}
