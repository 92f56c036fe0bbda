//! Winograd F(2×2, 3×3): a 3×3, stride-1 convolution with 16 multiplications per 2×2 output
//! tile and channel pair instead of 36 (Lavin & Gray, 2015).
//!
//! Per tile: `Y = Aᵀ [ Σ_c (G g Gᵀ) ⊙ (Bᵀ d Bᵀᵀ) ] A`, where `d` is the 4×4 input tile (tiles
//! overlap by two), `g` the 3×3 kernel and `Y` the 2×2 output tile. The products of the 16
//! transformed positions are 16 ordinary GEMMs over channels:
//!
//! ```text
//! forward   M[ξ] (O×T) = U[ξ] (O×C) · V[ξ] (C×T)      U = G g Gᵀ, V = Bᵀ d B, Y = Aᵀ M A
//! dx        the same with dy as input, the kernels rotated 180° and O↔C, padding 2 − p
//! dW        dU[ξ] (O×C) += A dY Aᵀ [ξ] (O×T) · V[ξ]ᵀ (T×C)      dW += Gᵀ dU G
//! ```
//!
//! `T` is the number of tiles of one image: `⌈OH/2⌉·⌈OW/2⌉` (an odd size pads the last tile
//! with zeros). Layouts: transformed data `[16][channels][T]` (row-major GEMM operands),
//! transformed kernels `[16][O][C]`. All three passes are checked against the direct oracle
//! ([`super::conv::conv2d_naive`]) and by finite differences.

use super::conv::Conv2dParams;
use super::gemm::{gemm, Gemm, GemmScratch, MatRef};
use crate::simd::{scalar::Scalar1, F32x4, Lanes};
use alloc::vec::Vec;

/// Positions of the transformed 4×4 tile.
pub const POSITIONS: usize = 16;

/// Whether Winograd F(2×2, 3×3) can compute this convolution: 3×3, stride 1, one group,
/// padding at most 2 (the input gradient runs it with padding `2 − p`).
pub fn applies(p: &Conv2dParams) -> bool {
    p.kernel == (3, 3) && p.stride == 1 && p.groups == 1 && p.padding <= 2
}

/// Whether this layer should use Winograd rather than im2col + GEMM — forward, input and
/// weight gradients: where it applies and both sides have at least [`MIN_CHANNELS`] channels.
/// Measured per image against im2col + GEMM, interleaved, ResNet-20's shapes on MNIST (16
/// channels at 28×28, 32 at 14×14, 64 at 7×7; `cargo bench -p depthlab-core --bench kernels
/// -- conv3x3_paths`): forward 0.53–0.79× im2col's time, input gradient 0.61–0.74×, weight
/// gradient 0.75–0.97×.
pub fn pays(p: &Conv2dParams) -> bool {
    applies(p) && p.in_channels >= MIN_CHANNELS && p.out_channels >= MIN_CHANNELS
}

/// Fewest channels for [`pays`]: with fewer, the 16 products are too thin to beat one GEMM.
pub const MIN_CHANNELS: usize = 8;

/// Tile grid of an `oh×ow` output: `(rows, cols)` of 2×2 tiles.
pub fn tiles(oh: usize, ow: usize) -> (usize, usize) {
    (oh.div_ceil(2), ow.div_ceil(2))
}

/// Working memory of one thread, grown on first use.
#[derive(Debug, Default)]
pub struct WinogradScratch {
    /// Transformed input `[16][C][T]`.
    pub v: Vec<f32>,
    /// Transformed products `[16][O][T]` (or the transformed output gradient in dW).
    pub m: Vec<f32>,
    /// One zero-padded input plane and four transformed rows.
    pub(crate) plane: Vec<f32>,
    /// dW in the transformed domain, `[16][O][C]`.
    pub du: Vec<f32>,
}

/// Where an image's tiles sit in a transformed buffer `[ξ][rows][ld]`: tile `t` of row `r` at
/// position `ξ` is entry `ξ·ps + r·ld + t0 + t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct At {
    /// Row stride: the tiles of every image in one product.
    pub ld: usize,
    /// Position stride, [`position_stride`].
    pub ps: usize,
    /// This image's first tile.
    pub t0: usize,
}

impl At {
    /// Image `i` of `t_n` tiles in a buffer of `rows` rows of `ld` tiles.
    pub(crate) fn image(rows: usize, ld: usize, t_n: usize, i: usize) -> At {
        At { ld, ps: position_stride(rows, ld), t0: i * t_n }
    }
}

/// Values between positions of a transformed buffer of `rows × ld`: one cache line more than
/// the rows. The transforms read or write all positions at once, 16 (or 36) streams; `rows·ld`
/// alone is often a multiple of 4 KiB (64 channels × 128 tiles at 7×7), which puts every stream
/// in the same set of an 8-way L1 cache.
pub(crate) fn position_stride(rows: usize, ld: usize) -> usize {
    rows * ld + 16
}

pub(crate) fn grow(v: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if v.len() < len {
        v.resize(len, 0.0);
    }
    &mut v[..len]
}

/// `u[ξ][o][c] = (G g Gᵀ)[ξ]` for kernels `w: [O][C][3][3]`; with `flip`, the kernels of the
/// input gradient instead: `u[ξ][c][o]` from `w[o][c]` rotated by 180°.
pub fn transform_weights(w: &[f32], o: usize, c: usize, flip: bool, u: &mut [f32]) {
    assert!(u.len() >= POSITIONS * o * c, "winograd: weight buffers too small");
    let rows = if flip { c } else { o };
    transform_weight_rows(w, o, c, flip, 0..rows, planes_mut(u, 0, o * c, o * c));
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
    assert!(w.len() >= o * c * 9, "winograd: weight buffer too small");
    assert!(planes.iter().all(|p| p.len() >= rows.len() * cols), "winograd: planes too small");
    // A block of up to TILE kernels at a time into a local tile, then each position's values
    // to its plane as one contiguous run: storing each kernel's 16 values straight into the 16
    // planes wrote 16 streams a power of two apart (4 KiB for 32×32 channels), which share
    // cache sets and ran at 65 ns a kernel instead of about 9.
    const TILE: usize = 64;
    let mut tile = [[0.0f32; TILE]; POSITIONS];
    for row in rows.clone() {
        for start in (0..cols).step_by(TILE) {
            let len = TILE.min(cols - start);
            for (t, col) in (start..start + len).enumerate() {
                let (oi, ci) = if flip { (col, row) } else { (row, col) };
                let k = &w[(oi * c + ci) * 9..(oi * c + ci) * 9 + 9];
                let g: [[f32; 3]; 3] = core::array::from_fn(|r| {
                    core::array::from_fn(|s| if flip { k[(2 - r) * 3 + 2 - s] } else { k[r * 3 + s] })
                });
                // G g: 4×3, then (G g) Gᵀ: 4×4.
                let gg: [[f32; 3]; 4] = core::array::from_fn(|s| {
                    core::array::from_fn(|j| match s {
                        0 => g[0][j],
                        1 => (g[0][j] + g[1][j] + g[2][j]) * 0.5,
                        2 => (g[0][j] - g[1][j] + g[2][j]) * 0.5,
                        _ => g[2][j],
                    })
                });
                for (i, r) in gg.iter().enumerate() {
                    let v = [r[0], (r[0] + r[1] + r[2]) * 0.5, (r[0] - r[1] + r[2]) * 0.5, r[2]];
                    for (j, &v) in v.iter().enumerate() {
                        tile[i * 4 + j][t] = v;
                    }
                }
            }
            let at = (row - rows.start) * cols + start;
            for (plane, values) in planes.iter_mut().zip(&tile) {
                plane[at..at + len].copy_from_slice(&values[..len]);
            }
        }
    }
}

/// The 16 planes `[ξ][·][t]` of a transformed buffer, each cut to the `len` tiles from `start`.
fn planes_mut(buf: &mut [f32], start: usize, stride: usize, len: usize) -> [&mut [f32]; POSITIONS] {
    let mut rest = &mut buf[start..];
    core::array::from_fn(|xi| {
        let skip = if xi == 0 { 0 } else { stride - len };
        let (_, tail) = core::mem::take(&mut rest).split_at_mut(skip);
        let (head, tail) = tail.split_at_mut(len);
        rest = tail;
        head
    })
}

/// Row `src` of an input plane into the even and odd columns of a padded row, the first value
/// at padded column `pad`.
#[inline(always)]
fn deinterleave<V: Lanes>(src: &[f32], pad: usize, ev: &mut [f32], od: &mut [f32]) {
    // src[j] lands at padded column j + pad. With an odd pad, src[0] is alone in an odd column;
    // after it, pairs (even column, odd column) start at entry (pad + lead) / 2 of both halves.
    let lead = (pad & 1).min(src.len());
    if lead == 1 {
        od[pad / 2] = src[0];
    }
    let body = &src[lead..];
    let (base, pairs) = ((pad + lead) / 2, body.len() / 2);
    deinterleave_pairs::<V>(&body[..2 * pairs], &mut ev[base..base + pairs], &mut od[base..base + pairs]);
    if body.len() % 2 == 1 {
        ev[base + pairs] = body[2 * pairs];
    }
}

/// `first[i] = src[2i]`, `second[i] = src[2i + 1]`: `V::N` pairs at a time, then 4, then one.
#[inline(always)]
fn deinterleave_pairs<V: Lanes>(src: &[f32], first: &mut [f32], second: &mut [f32]) {
    let n = first.len().min(second.len()).min(src.len() / 2);
    let (src, first, second) = (&src[..2 * n], &mut first[..n], &mut second[..n]);
    let mut i = 0;
    while i + V::N <= n {
        unzip_at::<V>(src, first, second, i);
        i += V::N;
    }
    while i + F32x4::N <= n {
        unzip_at::<F32x4>(src, first, second, i);
        i += F32x4::N;
    }
    while i < n {
        unzip_at::<Scalar1>(src, first, second, i);
        i += 1;
    }
}

/// The `W::N` pairs from pair `i` of [`deinterleave_pairs`].
#[inline(always)]
fn unzip_at<W: Lanes>(src: &[f32], first: &mut [f32], second: &mut [f32], i: usize) {
    let (ev, od) = W::unzip(W::load_slice(&src[2 * i..]), W::load_slice(&src[2 * i + W::N..]));
    ev.store_slice(&mut first[i..]);
    od.store_slice(&mut second[i..]);
}

/// `v[ξ][c][t] = (Bᵀ d B)[ξ]` for every 4×4 tile `d` of `x: [C][H][W]` (zero outside), tiles
/// `(ty, tx)` starting at input `(2ty − pad, 2tx − pad)`; tile `t` is column `t0 + t` of rows
/// `ld` apart (several images share one GEMM).
///
/// Each channel is first copied into a zero-padded plane whose rows hold the even columns,
/// then the odd ones: tile `tx` reads columns `2tx..2tx+4`, i.e. even and odd entries `tx` and
/// `tx + 1`, so a vector of lanes holds consecutive tiles and each tile row is transformed in
/// registers, a vector of tiles at a time ([`input_tiles`]), on the widest vector the CPU has.
#[allow(clippy::too_many_arguments)]
fn input_transform(
    x: &[f32],
    c: usize,
    hw: (usize, usize),
    pad: usize,
    tiles: (usize, usize),
    at: At,
    scratch: &mut Vec<f32>,
    v: &mut [f32],
) {
    crate::simd::widest(InputTransform { x, c, hw, pad, tiles, at, scratch, v });
}

/// [`input_transform`]'s arguments, run over lanes by [`crate::simd::widest`].
struct InputTransform<'a> {
    x: &'a [f32],
    c: usize,
    hw: (usize, usize),
    pad: usize,
    tiles: (usize, usize),
    at: At,
    scratch: &'a mut Vec<f32>,
    v: &'a mut [f32],
}

impl crate::simd::OverLanes for InputTransform<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let InputTransform { x, c, hw: (h, w), pad, tiles: (th, tw), at: At { ld, ps, t0 }, scratch, v } = self;
        let half = tw + 1;
        let (hp, wp) = (2 * th + 2, 2 * half);
        let plane = grow(scratch, hp * wp);
        // Every channel fills the same entries of the plane, so its zero border is set once.
        plane.fill(0.0);
        // Rows and columns of x that land in the padded plane (all of them: hp − pad ≥ h).
        let (rows_in, cols_in) = (h.min(hp - pad), w.min(wp - pad));
        for ci in 0..c {
            let xc = &x[ci * h * w..(ci + 1) * h * w];
            for (r, src) in xc.chunks_exact(w).take(rows_in).enumerate() {
                let (ev, od) = plane[(r + pad) * wp..(r + pad + 1) * wp].split_at_mut(half);
                deinterleave::<V>(&src[..cols_in], pad, ev, od);
            }
            for ty in 0..th {
                let rows: [&[f32]; 4] = core::array::from_fn(|i| &plane[(2 * ty + i) * wp..(2 * ty + i + 1) * wp]);
                let (at, stride) = (ci * ld + t0 + ty * tw, ps);
                // The bounds of every access below, checked once per tile row.
                assert!(rows.iter().all(|r| r.len() == 2 * half), "winograd: plane rows");
                assert!((POSITIONS - 1) * stride + at + tw <= v.len(), "winograd: transformed buffer too small");
                let rows = rows.map(|r| r.as_ptr());
                let out = v[at..].as_mut_ptr();
                // Vectors of tiles; the last one overlaps its neighbour (same values written twice).
                // SAFETY: every block has tx + N ≤ tw (so reads stay in rows of 2·half = 2·tw + 2
                // values and writes in each plane's tw values from `at`), bounds checked above.
                unsafe {
                    if tw >= V::N {
                        for tx in (0..tw - V::N).step_by(V::N).chain([tw - V::N]) {
                            input_tiles::<V>(rows, half, tx, out, stride);
                        }
                    } else if tw >= F32x4::N {
                        for tx in (0..tw - F32x4::N).step_by(F32x4::N).chain([tw - F32x4::N]) {
                            input_tiles::<F32x4>(rows, half, tx, out, stride);
                        }
                    } else {
                        for tx in 0..tw {
                            input_tiles::<Scalar1>(rows, half, tx, out, stride);
                        }
                    }
                }
            }
        }
    }
}

/// `Bᵀ d B` for the `V::N` tiles from `tx` of one tile row: `rows` are its four plane rows
/// (even columns, then odd, `half` each), the 16 results go to `out[ξ · stride + tx..]`.
/// `Bᵀ` maps four values to `[d0 − d2, d1 + d2, d2 − d1, d1 − d3]`: down the rows first, then
/// across each tile's columns (even `tx`, odd `tx`, even `tx + 1`, odd `tx + 1`).
///
/// # Safety
/// `rows[r]` must be readable for `half + tx + 1 + V::N` values and `out` writable at
/// `ξ · stride + tx .. + V::N` for every position ξ.
#[inline(always)]
unsafe fn input_tiles<V: Lanes>(rows: [*const f32; 4], half: usize, tx: usize, out: *mut f32, stride: usize) {
    // SAFETY: in bounds by the caller's contract.
    let col = |r: usize| -> [V; 4] {
        core::array::from_fn(|k| unsafe { V::load(rows[r].add((k & 1) * half + tx + (k >> 1))) })
    };
    // Row i of Bᵀ d, as the pair of plane rows it combines and whether it adds them.
    for (i, (a, b, add)) in [(0, 2, false), (1, 2, true), (2, 1, false), (1, 3, false)].into_iter().enumerate() {
        let (ra, rb) = (col(a), col(b));
        let t: [V; 4] = core::array::from_fn(|k| if add { ra[k].add(rb[k]) } else { ra[k].sub(rb[k]) });
        let o = [t[0].sub(t[2]), t[1].add(t[2]), t[2].sub(t[1]), t[1].sub(t[3])];
        for (j, oj) in o.into_iter().enumerate() {
            // SAFETY: as above.
            unsafe { oj.store(out.add((4 * i + j) * stride + tx)) };
        }
    }
}

/// `y (+)= Aᵀ m A` per tile for `m: [16][O][ld]` (this image's tiles from column `t0`),
/// cropped to `oh×ow`; `bias` (forward) is added first, `accumulate` adds onto `y` (the input
/// gradient) instead of overwriting it. Transforms all of a channel's tiles into four corner
/// planes (`scratch`), then interleaves them into `y`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn output_transform<V: Lanes>(
    m: &[f32],
    o: usize,
    (oh, ow): (usize, usize),
    (th, tw): (usize, usize),
    At { ld, ps, t0 }: At,
    bias: Option<&[f32]>,
    accumulate: bool,
    scratch: &mut Vec<f32>,
    y: &mut [f32],
) {
    let t_n = th * tw;
    let corners = grow(scratch, 4 * t_n);
    for oi in 0..o {
        let s: [&[f32]; POSITIONS] = core::array::from_fn(|xi| &m[xi * ps + oi * ld + t0..][..t_n]);
        let (y00, rest) = corners.split_at_mut(t_n);
        let (y01, rest) = rest.split_at_mut(t_n);
        let (y10, y11) = rest.split_at_mut(t_n);
        at_m_a(s, y00, y01, y10, y11);
        let b0 = bias.map_or(0.0, |b| b[oi]);
        let yo = &mut y[oi * oh * ow..(oi + 1) * oh * ow];
        for (yy, row) in yo.chunks_exact_mut(ow).enumerate() {
            let (ty, dy) = (yy / 2, yy % 2);
            let (left, right) = if dy == 0 { (&*y00, &*y01) } else { (&*y10, &*y11) };
            let (left, right) = (&left[ty * tw..(ty + 1) * tw], &right[ty * tw..(ty + 1) * tw]);
            interleave_row::<V>(left, right, b0, accumulate, row);
        }
    }
}

/// `row[2t] (+)= left[t] (+ bias)`, `row[2t + 1] (+)= right[t] (+ bias)`: one output row from
/// its tiles' two corner planes; `right`'s last value is dropped when the row is odd.
#[inline(always)]
fn interleave_row<V: Lanes>(left: &[f32], right: &[f32], bias: f32, accumulate: bool, row: &mut [f32]) {
    let pairs = (row.len() / 2).min(left.len()).min(right.len());
    let mut i = 0;
    while i + V::N <= pairs {
        zip_at::<V>(left, right, bias, accumulate, row, i);
        i += V::N;
    }
    while i + F32x4::N <= pairs {
        zip_at::<F32x4>(left, right, bias, accumulate, row, i);
        i += F32x4::N;
    }
    while i < pairs {
        zip_at::<Scalar1>(left, right, bias, accumulate, row, i);
        i += 1;
    }
    // An odd row's last value: the left corner of its last tile.
    if let ([last], Some(&l)) = (&mut row[2 * pairs..], left.get(pairs)) {
        *last = if accumulate { *last + l } else { l + bias };
    }
}

/// The `W::N` pairs from pair `i` of [`interleave_row`].
#[inline(always)]
fn zip_at<W: Lanes>(left: &[f32], right: &[f32], bias: f32, accumulate: bool, row: &mut [f32], i: usize) {
    let (l, r) = (W::load_slice(&left[i..]), W::load_slice(&right[i..]));
    let y = &mut row[2 * i..];
    let (lo, hi) = if accumulate {
        let (lo, hi) = W::zip(l, r);
        (W::load_slice(y).add(lo), W::load_slice(&y[W::N..]).add(hi))
    } else {
        let b = W::splat(bias);
        W::zip(l.add(b), r.add(b))
    };
    lo.store_slice(y);
    hi.store_slice(&mut y[W::N..]);
}

/// The four outputs of `Aᵀ M A` for every tile: `s[ξ][t]` in, corners `(0,0), (0,1), (1,0),
/// (1,1)` of tile `t` out. Separate output parameters, so the compiler knows they alias
/// nothing and vectorises.
#[inline(never)]
fn at_m_a(s: [&[f32]; POSITIONS], y00: &mut [f32], y01: &mut [f32], y10: &mut [f32], y11: &mut [f32]) {
    let n = y00.len().min(y01.len()).min(y10.len()).min(y11.len());
    let s: [&[f32]; POSITIONS] = core::array::from_fn(|xi| &s[xi][..n]);
    for t in 0..n {
        // Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: first down the columns j …
        let c0: [f32; 4] = core::array::from_fn(|j| s[j][t] + s[4 + j][t] + s[8 + j][t]);
        let c1: [f32; 4] = core::array::from_fn(|j| s[4 + j][t] - s[8 + j][t] - s[12 + j][t]);
        // … then across.
        y00[t] = c0[0] + c0[1] + c0[2];
        y01[t] = c0[1] - c0[2] - c0[3];
        y10[t] = c1[0] + c1[1] + c1[2];
        y11[t] = c1[1] - c1[2] - c1[3];
    }
}

/// The adjoint of [`output_transform`]: `dm[ξ][o][t0 + t] = (A dY Aᵀ)[ξ]` for each 2×2 tile of
/// `dy: [O][OH][OW]` (zero past the edge). Deinterleaves a channel of `dy` into its four corner
/// planes first (`scratch`), so the transform runs over contiguous tiles.
#[inline(always)]
fn output_adjoint<V: Lanes>(
    dy: &[f32],
    o: usize,
    (oh, ow): (usize, usize),
    (th, tw): (usize, usize),
    At { ld, ps, t0 }: At,
    scratch: &mut Vec<f32>,
    dm: &mut [f32],
) {
    let t_n = th * tw;
    let corners = grow(scratch, 4 * t_n);
    // Every channel fills the same entries, so the zeros past an odd edge are set once.
    corners.fill(0.0);
    for oi in 0..o {
        for (yy, row) in dy[oi * oh * ow..(oi + 1) * oh * ow].chunks_exact(ow).enumerate() {
            let at = 2 * (yy % 2) * t_n + (yy / 2) * tw;
            let (even, odd) = corners[at..].split_at_mut(t_n);
            deinterleave::<V>(row, 0, even, &mut odd[..tw]);
        }
        let (g00, rest) = corners.split_at(t_n);
        let (g01, rest) = rest.split_at(t_n);
        let (g10, g11) = rest.split_at(t_n);
        a_dy_at([g00, g01, g10, g11], planes_mut(dm, oi * ld + t0, ps, t_n));
    }
}

/// [`output_transform`]'s arguments, run on the widest vectors by [`crate::simd::widest`]
/// (its loops are vectorised by the compiler).
struct OutputTransform<'a> {
    m: &'a [f32],
    o: usize,
    out_hw: (usize, usize),
    tiles: (usize, usize),
    at: At,
    bias: Option<&'a [f32]>,
    accumulate: bool,
    scratch: &'a mut Vec<f32>,
    y: &'a mut [f32],
}

impl crate::simd::OverLanes for OutputTransform<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let OutputTransform { m, o, out_hw, tiles, at, bias, accumulate, scratch, y } = self;
        output_transform::<V>(m, o, out_hw, tiles, at, bias, accumulate, scratch, y);
    }
}

/// [`output_adjoint`]'s arguments, run on the widest vectors by [`crate::simd::widest`].
struct OutputAdjoint<'a> {
    dy: &'a [f32],
    o: usize,
    out_hw: (usize, usize),
    tiles: (usize, usize),
    at: At,
    scratch: &'a mut Vec<f32>,
    dm: &'a mut [f32],
}

impl crate::simd::OverLanes for OutputAdjoint<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let OutputAdjoint { dy, o, out_hw, tiles, at, scratch, dm } = self;
        output_adjoint::<V>(dy, o, out_hw, tiles, at, scratch, dm);
    }
}

/// `A dY Aᵀ` for every tile: corners `(0,0), (0,1), (1,0), (1,1)` in, 16 positions out.
/// `A = [[1, 0], [1, 1], [1, −1], [0, −1]]` maps a pair `(p, q)` to `[p, p + q, p − q, −q]`:
/// across each row pair first (column `j` of the result), then down.
#[inline(always)]
fn a_dy_at(g: [&[f32]; 4], out: [&mut [f32]; POSITIONS]) {
    let [o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11, o12, o13, o14, o15] = out;
    a_dy_at_column(g, |p, _| p, o0, o4, o8, o12);
    a_dy_at_column(g, |p, q| p + q, o1, o5, o9, o13);
    a_dy_at_column(g, |p, q| p - q, o2, o6, o10, o14);
    a_dy_at_column(g, |_, q| -q, o3, o7, o11, o15);
}

/// Column `j` of `A dY Aᵀ` (outputs `j`, `4 + j`, `8 + j`, `12 + j`): `across` is row `j` of `A`
/// applied to a row pair. Separate output parameters, so the compiler knows they alias nothing.
#[inline(always)]
fn a_dy_at_column(
    [g00, g01, g10, g11]: [&[f32]; 4],
    across: impl Fn(f32, f32) -> f32,
    o0: &mut [f32],
    o1: &mut [f32],
    o2: &mut [f32],
    o3: &mut [f32],
) {
    let n = o0.len().min(o1.len()).min(o2.len()).min(o3.len());
    let (g00, g01, g10, g11) = (&g00[..n], &g01[..n], &g10[..n], &g11[..n]);
    for t in 0..n {
        let (r0, r1) = (across(g00[t], g01[t]), across(g10[t], g11[t]));
        o0[t] = r0;
        o1[t] = r0 + r1;
        o2[t] = r0 - r1;
        o3[t] = -r1;
    }
}

/// Geometry of one Winograd convolution of an image.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    /// Input channels and output channels.
    pub c: usize,
    /// Output channels.
    pub o: usize,
    /// Input size.
    pub in_hw: (usize, usize),
    /// Output size.
    pub out_hw: (usize, usize),
    /// Zero padding.
    pub pad: usize,
}

impl Geometry {
    /// The forward geometry of `p` on an `h×w` input (`None` if Winograd does not apply or the
    /// kernel does not fit).
    pub fn forward(p: &Conv2dParams, h: usize, w: usize) -> Option<Self> {
        let out_hw = p.output_size(h, w)?;
        applies(p).then_some(Geometry { c: p.in_channels, o: p.out_channels, in_hw: (h, w), out_hw, pad: p.padding })
    }

    /// The input gradient's geometry: `dy` in, `dx` out, channels swapped, padding `2 − p`.
    pub fn input_gradient(&self) -> Self {
        Geometry { c: self.o, o: self.c, in_hw: self.out_hw, out_hw: self.in_hw, pad: 2 - self.pad }
    }

    fn tiles(&self) -> (usize, usize) {
        tiles(self.out_hw.0, self.out_hw.1)
    }
}

/// Images per GEMM: enough tiles for the products' columns (`n`) to amortise packing the
/// kernels, few enough that the transformed data (16 × channels × tiles) stays in cache —
/// about [`TRANSFORMED_TARGET`] values per side; at most `images`. The forward pass and the
/// input gradient do not depend on it (each column of a product is summed in the same order
/// whatever the other columns are); the weight gradient sums over tiles, so its rounding does
/// (a fixed function of the geometry: every run and thread count groups the same images).
pub fn images_per_gemm(geo: &Geometry, images: usize) -> usize {
    let (th, tw) = geo.tiles();
    images_for(POSITIONS, geo, th * tw, images)
}

/// Images per GEMM for a Winograd variant of `positions` per tile and `per_image` tiles:
/// about [`TRANSFORMED_TARGET`] transformed values a side, at least one, at most `images`.
pub(crate) fn images_for(positions: usize, geo: &Geometry, per_image: usize, images: usize) -> usize {
    let tiles = TRANSFORMED_TARGET / (positions * geo.c.max(geo.o));
    tiles.div_ceil(per_image).clamp(1, images.max(1))
}

/// Transformed values per side that [`images_per_gemm`] aims at (512 KiB of f32): measured on
/// ResNet-20's shapes, 256 tiles per product was best at 16 and 32 channels, 128 at 64.
pub const TRANSFORMED_TARGET: usize = 1 << 17;

impl WinogradScratch {
    /// Grows the transformed buffers for `imgs` images of `geo` at once.
    #[allow(clippy::type_complexity)]
    fn buffers(&mut self, geo: &Geometry, imgs: usize) -> (&mut [f32], &mut [f32], &mut Vec<f32>, &mut [f32], usize) {
        let (th, tw) = geo.tiles();
        let ld = th * tw * imgs;
        let WinogradScratch { v, m, plane, du } = self;
        let du = grow(du, POSITIONS * geo.o * geo.c);
        let (v, m) = (grow(v, POSITIONS * position_stride(geo.c, ld)), grow(m, POSITIONS * position_stride(geo.o, ld)));
        (v, m, plane, du, ld)
    }
}

/// `imgs` consecutive images: `y = conv(x) + bias` (or `y += conv(x)` with `accumulate`), from
/// the transformed kernels `u: [16][O][C]` ([`transform_weights`]); one GEMM per position for
/// all of them.
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
    let (tiles, (in_len, out_len)) = (geo.tiles(), (c * in_hw.0 * in_hw.1, o * out_hw.0 * out_hw.1));
    let t_n = tiles.0 * tiles.1;
    assert!(x.len() >= imgs * in_len && y.len() >= imgs * out_len, "winograd: image buffers too small");
    assert!(u.len() >= POSITIONS * o * c, "winograd: kernels too small");
    let (v, m, plane, _, ld) = s.buffers(&geo, imgs);
    let (pv, pm) = (position_stride(c, ld), position_stride(o, ld));
    for i in 0..imgs {
        input_transform(&x[i * in_len..(i + 1) * in_len], c, in_hw, pad, tiles, At::image(c, ld, t_n, i), plane, v);
    }
    for xi in 0..POSITIONS {
        let a = MatRef::row_major(&u[xi * o * c..(xi + 1) * o * c], c);
        let b = MatRef::row_major(&v[xi * pv..][..c * ld], ld);
        gemm(Gemm::new(o, ld, c, a, b), &mut m[xi * pm..][..o * ld], gs);
    }
    for i in 0..imgs {
        let yi = &mut y[i * out_len..(i + 1) * out_len];
        let at = At::image(o, ld, t_n, i);
        crate::simd::widest(OutputTransform { m, o, out_hw, tiles, at, bias, accumulate, scratch: plane, y: yi });
    }
}

/// `imgs` consecutive images' weight-gradient terms in the transformed domain: `s.du[ξ] (+)=
/// (A dY Aᵀ)[ξ] · V[ξ]ᵀ` summed over their tiles (`first`: overwrite).
/// [`finish_weight_gradient`] turns the sum into `dW`.
pub fn weight_gradient_images(
    x: &[f32],
    dy: &[f32],
    imgs: usize,
    geo: Geometry,
    first: bool,
    s: &mut WinogradScratch,
    gs: &mut GemmScratch,
) {
    let Geometry { c, o, in_hw, out_hw, pad } = geo;
    let (tiles, (in_len, out_len)) = (geo.tiles(), (c * in_hw.0 * in_hw.1, o * out_hw.0 * out_hw.1));
    let t_n = tiles.0 * tiles.1;
    assert!(x.len() >= imgs * in_len && dy.len() >= imgs * out_len, "winograd: image buffers too small");
    let (v, m, plane, du, ld) = s.buffers(&geo, imgs);
    let (pv, pm) = (position_stride(c, ld), position_stride(o, ld));
    for i in 0..imgs {
        input_transform(&x[i * in_len..(i + 1) * in_len], c, in_hw, pad, tiles, At::image(c, ld, t_n, i), plane, v);
        let dyi = &dy[i * out_len..(i + 1) * out_len];
        let at = At::image(o, ld, t_n, i);
        crate::simd::widest(OutputAdjoint { dy: dyi, o, out_hw, tiles, at, scratch: plane, dm: m });
    }
    for xi in 0..POSITIONS {
        let a = MatRef::row_major(&m[xi * pm..][..o * ld], ld);
        let b = MatRef::transposed(&v[xi * pv..][..c * ld], ld);
        let g = Gemm::new(o, c, ld, a, b).beta(if first { 0.0 } else { 1.0 });
        gemm(g, &mut du[xi * o * c..(xi + 1) * o * c], gs);
    }
}

/// `dw += Gᵀ dU G` for the transformed sum `du: [16][O][C]` of [`weight_gradient_images`].
pub fn finish_weight_gradient(du: &[f32], o: usize, c: usize, dw: &mut [f32]) {
    // Gᵀ (3×4) = [[1, ½, ½, 0], [0, ½, −½, 0], [0, ½, ½, 1]].
    let gt = |s: [f32; 4]| [s[0] + (s[1] + s[2]) * 0.5, (s[1] - s[2]) * 0.5, (s[1] + s[2]) * 0.5 + s[3]];
    for oi in 0..o {
        for ci in 0..c {
            let d = |xi: usize| du[(xi * o + oi) * c + ci];
            // Gᵀ dU: 3×4, then (Gᵀ dU) G: 3×3.
            let cols: [[f32; 3]; 4] = core::array::from_fn(|j| gt([d(j), d(4 + j), d(8 + j), d(12 + j)]));
            let k = &mut dw[(oi * c + ci) * 9..(oi * c + ci) * 9 + 9];
            for r in 0..3 {
                let row = gt([cols[0][r], cols[1][r], cols[2][r], cols[3][r]]);
                for (s, &v) in row.iter().enumerate() {
                    k[r * 3 + s] += v;
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::kernels::conv::{conv2d_naive, Conv2dParams};
    use crate::rng::Rng;
    use alloc::vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Kernels transformed in tiles (channel counts that are not multiples of the tile, rows
    /// split in two) have the bits of each kernel transformed alone.
    #[wasm_bindgen_test(unsupported = test)]
    fn tiled_weight_transform_equals_one_kernel_at_a_time() {
        let (o, c) = (70, 131);
        let mut rng = Rng::new(3);
        let w: Vec<f32> = (0..o * c * 9).map(|_| rng.normal()).collect();
        for flip in [false, true] {
            let rows = if flip { c } else { o };
            let cols = if flip { o } else { c };
            let mut u = vec![0.0; POSITIONS * o * c];
            let cut = rows / 3;
            for part in [0..cut, cut..rows] {
                let planes = planes_mut(&mut u, part.start * cols, o * c, part.len() * cols);
                transform_weight_rows(&w, o, c, flip, part, planes);
            }
            for oi in 0..o {
                for ci in 0..c {
                    let mut one = [0.0; POSITIONS];
                    transform_weights(&w[(oi * c + ci) * 9..(oi * c + ci + 1) * 9], 1, 1, flip, &mut one);
                    let (row, col) = if flip { (ci, oi) } else { (oi, ci) };
                    for (xi, &v) in one.iter().enumerate() {
                        assert_eq!(
                            u[xi * o * c + row * cols + col].to_bits(),
                            v.to_bits(),
                            "flip {flip}, kernel {oi},{ci}, position {xi}"
                        );
                    }
                }
            }
        }
    }

    fn rand(rng: &mut Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    const SHAPES: [(usize, usize, usize, usize, usize); 6] =
        [(3, 4, 6, 6, 1), (2, 5, 7, 5, 1), (4, 3, 5, 9, 0), (3, 2, 4, 3, 2), (1, 1, 3, 3, 0), (5, 6, 70, 3, 1)];

    /// Forward equals the direct convolution (with bias; odd sizes; paddings 0, 1, 2; a row
    /// wider than one 64-column strip).
    #[wasm_bindgen_test(unsupported = test)]
    fn forward_matches_direct() {
        let mut rng = Rng::new(11);
        for &(c, o, h, w, pad) in &SHAPES {
            let p = Conv2dParams::square(c, o, 3, 1, pad);
            let geo = Geometry::forward(&p, h, w).unwrap();
            let (oh, ow) = geo.out_hw;
            let (x, wt, b) = (rand(&mut rng, c * h * w), rand(&mut rng, o * c * 9), rand(&mut rng, o));
            let mut u = vec![0.0; POSITIONS * o * c];
            transform_weights(&wt, o, c, false, &mut u);
            let mut y = vec![f32::NAN; o * oh * ow];
            let (mut s, mut gs) = (WinogradScratch::default(), GemmScratch::new());
            convolve_images(&x, 1, &u, geo, Some(&b), false, &mut y, &mut s, &mut gs);
            let mut want = vec![0.0; y.len()];
            conv2d_naive(&x, h, w, &wt, Some(&b), &p, &mut want);
            for (a, b) in y.iter().zip(&want) {
                assert!((a - b).abs() < 1e-4, "{:?}: {a} vs {b}", (c, o, h, w, pad));
            }
        }
    }

    /// The input and weight gradients of the direct convolution, by loops: `dx[c,i,j] = Σ
    /// dy[o,y,x]·w[o,c,i−y+p,j−x+p]`, `dW[o,c,a,b] += Σ dy[o,y,x]·x[c,y+a−p,x+b−p]`.
    pub(crate) fn naive_gradients(
        x: &[f32],
        dy: &[f32],
        wt: &[f32],
        p: &Conv2dParams,
        (h, w): (usize, usize),
        dx: &mut [f32],
        dw: &mut [f32],
    ) {
        let (oh, ow) = p.output_size(h, w).unwrap();
        let (c, o, pad) = (p.in_channels, p.out_channels, p.padding as isize);
        for oi in 0..o {
            for ci in 0..c {
                for a in 0..3 {
                    for b in 0..3 {
                        let wi = ((oi * c + ci) * 3 + a) * 3 + b;
                        for yy in 0..oh {
                            for xx in 0..ow {
                                let (iy, ix) = (yy as isize + a as isize - pad, xx as isize + b as isize - pad);
                                if iy < 0 || ix < 0 || iy >= h as isize || ix >= w as isize {
                                    continue;
                                }
                                let xi = (ci * h + iy as usize) * w + ix as usize;
                                let g = dy[(oi * oh + yy) * ow + xx];
                                dx[xi] += g * wt[wi];
                                dw[wi] += g * x[xi];
                            }
                        }
                    }
                }
            }
        }
    }

    /// The input and weight gradients match the direct ones element by element — one image at a
    /// time and several per product, summed over three images for dW.
    #[wasm_bindgen_test(unsupported = test)]
    fn gradients_match_direct() {
        let mut rng = Rng::new(12);
        for &(c, o, h, w, pad) in &SHAPES {
            let p = Conv2dParams::square(c, o, 3, 1, pad);
            let geo = Geometry::forward(&p, h, w).unwrap();
            let (oh, ow) = geo.out_hw;
            let imgs = 3;
            let wt = rand(&mut rng, o * c * 9);
            let (x, dy) = (rand(&mut rng, imgs * c * h * w), rand(&mut rng, imgs * o * oh * ow));
            let (mut want_dx, mut want_dw) = (vec![0.5; x.len()], vec![0.25; wt.len()]);
            let (il, ol) = (c * h * w, o * oh * ow);
            for i in 0..imgs {
                let (xi, dyi) = (&x[i * il..(i + 1) * il], &dy[i * ol..(i + 1) * ol]);
                naive_gradients(xi, dyi, &wt, &p, (h, w), &mut want_dx[i * il..(i + 1) * il], &mut want_dw);
            }
            let mut uf = vec![0.0; POSITIONS * o * c];
            transform_weights(&wt, o, c, true, &mut uf);
            let (mut s, mut gs) = (WinogradScratch::default(), GemmScratch::new());
            for per in [1, 2, 3] {
                let mut dx = vec![0.5; x.len()];
                let mut i = 0;
                while i < imgs {
                    let k = per.min(imgs - i);
                    let dxs = &mut dx[i * il..(i + k) * il];
                    convolve_images(
                        &dy[i * ol..(i + k) * ol],
                        k,
                        &uf,
                        geo.input_gradient(),
                        None,
                        true,
                        dxs,
                        &mut s,
                        &mut gs,
                    );
                    i += k;
                }
                let mut dw = vec![0.25; wt.len()];
                weight_gradient_images(&x[..il], &dy[..ol], 1, geo, true, &mut s, &mut gs);
                weight_gradient_images(&x[il..], &dy[ol..], 2, geo, false, &mut s, &mut gs);
                finish_weight_gradient(&s.du, o, c, &mut dw);
                for (what, got, want) in [("dx", &dx, &want_dx), ("dW", &dw, &want_dw)] {
                    for (a, b) in got.iter().zip(want.iter()) {
                        assert!(
                            (a - b).abs() < 1e-4 * (1.0 + b.abs()),
                            "{what} {:?} per {per}: {a} vs {b}",
                            (c, o, h, w, pad)
                        );
                    }
                }
            }
        }
    }

    /// Several images per product give the same bits as one at a time.
    #[wasm_bindgen_test(unsupported = test)]
    fn grouping_images_keeps_the_bits() {
        let mut rng = Rng::new(13);
        let (c, o, h, w) = (5, 7, 9, 6);
        let p = Conv2dParams::square(c, o, 3, 1, 1);
        let geo = Geometry::forward(&p, h, w).unwrap();
        let (x, wt) = (rand(&mut rng, 4 * c * h * w), rand(&mut rng, o * c * 9));
        let mut u = vec![0.0; POSITIONS * o * c];
        transform_weights(&wt, o, c, false, &mut u);
        let (mut s, mut gs) = (WinogradScratch::default(), GemmScratch::new());
        let ol = o * h * w;
        let mut all = vec![0.0; 4 * ol];
        convolve_images(&x, 4, &u, geo, None, false, &mut all, &mut s, &mut gs);
        for i in 0..4 {
            let mut one = vec![0.0; ol];
            convolve_images(&x[i * c * h * w..], 1, &u, geo, None, false, &mut one, &mut s, &mut gs);
            assert!(one.iter().zip(&all[i * ol..]).all(|(a, b)| a.to_bits() == b.to_bits()), "image {i}");
        }
    }

    /// The input transform gives the same bits on every vector width: the widest the CPU has
    /// (8 lanes with AVX), 4 lanes and one lane, on rows of 1 to 35 tiles (every mix of full,
    /// overlapping and scalar blocks) and paddings 0 to 2.
    #[test]
    #[wasm_bindgen_test]
    fn input_transform_is_the_same_on_every_width() {
        use crate::simd::OverLanes;
        let mut rng = Rng::new(17);
        for (c, h, w, pad) in [(2, 3, 3, 0), (3, 6, 7, 1), (2, 9, 17, 1), (1, 16, 16, 2), (2, 5, 70, 1), (1, 28, 28, 1)]
        {
            let x = rand(&mut rng, c * h * w);
            let p = Conv2dParams::square(c, 1, 3, 1, pad);
            let (oh, ow) = p.output_size(h, w).unwrap();
            let tl = tiles(oh, ow);
            let ld = tl.0 * tl.1;
            let at = At::image(c, ld, ld, 0);
            let run = |lanes: usize| {
                let (mut scratch, mut v) = (Vec::new(), vec![f32::NAN; POSITIONS * at.ps]);
                let t = InputTransform { x: &x, c, hw: (h, w), pad, tiles: tl, at, scratch: &mut scratch, v: &mut v };
                match lanes {
                    0 => input_transform(&x, c, (h, w), pad, tl, at, &mut scratch, &mut v),
                    4 => t.run::<F32x4>(),
                    _ => t.run::<Scalar1>(),
                }
                v
            };
            let one = run(1);
            let written = (0..POSITIONS).flat_map(|xi| &one[xi * at.ps..][..c * ld]);
            assert!(written.into_iter().all(|v| v.is_finite()), "{c}×{h}×{w}: a tile was not written");
            for lanes in [0, 4] {
                let v = run(lanes);
                assert!(
                    v.iter().zip(&one).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{c}×{h}×{w} pad {pad}, lanes {lanes}"
                );
            }
        }
    }
}
