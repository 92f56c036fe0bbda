//! Convolution geometry ([`Conv2dParams`]) and the im2col / col2im layout transforms that
//! turn a convolution into one GEMM per image.
//!
//! `col` layout: `[C·KH·KW, OH·OW]`, row `(c·KH + kh)·KW + kw`, column `oh·OW + ow`, so that
//! `y[O, OH·OW] = W[O, C·KH·KW] · col` is a plain row-major GEMM.

use crate::simd::{F32x4, Lanes};
use alloc::vec::Vec;

/// Geometry of a 2-D convolution; the output-size formula lives here and nowhere else.
/// Grouped convolution (ResNeXt, depthwise) is the `groups` field: input and output channels
/// split into `groups` equal parts, part `g` of the output sees only part `g` of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dParams {
    /// Input channels `C`.
    pub in_channels: usize,
    /// Output channels `O`.
    pub out_channels: usize,
    /// Kernel height and width `(KH, KW)`.
    pub kernel: (usize, usize),
    /// Stride (same in both directions).
    pub stride: usize,
    /// Zero padding on every side.
    pub padding: usize,
    /// Channel groups `G` (1 = ordinary convolution; `C` = depthwise). Divides `C` and `O`.
    pub groups: usize,
}

impl Conv2dParams {
    /// A square `k×k` convolution with one group.
    pub fn square(in_channels: usize, out_channels: usize, k: usize, stride: usize, padding: usize) -> Self {
        Conv2dParams { in_channels, out_channels, kernel: (k, k), stride, padding, groups: 1 }
    }

    /// The same geometry with `groups` channel groups.
    pub fn with_groups(self, groups: usize) -> Self {
        Conv2dParams { groups, ..self }
    }

    /// Why the geometry is impossible, if it is (zero sizes, groups not dividing channels).
    pub fn check(&self) -> Result<(), &'static str> {
        if self.in_channels == 0 || self.out_channels == 0 || self.kernel.0 == 0 || self.kernel.1 == 0 {
            return Err("channels and kernel sizes must be at least 1");
        }
        if self.stride == 0 {
            return Err("stride must be at least 1");
        }
        if self.groups == 0
            || !self.in_channels.is_multiple_of(self.groups)
            || !self.out_channels.is_multiple_of(self.groups)
        {
            return Err("groups must divide both the input and the output channels");
        }
        Ok(())
    }

    /// Output size `(OH, OW)` for an `H×W` input: `(H + 2p − KH) / s + 1`, or `None` when the
    /// kernel does not fit or the stride is zero.
    pub fn output_size(&self, h: usize, w: usize) -> Option<(usize, usize)> {
        let (kh, kw) = self.kernel;
        // Checked: geometry may come from a user's spec (None rather than an overflow).
        let padded = |n: usize| self.padding.checked_mul(2).and_then(|p| n.checked_add(p));
        let (ph, pw) = (padded(h)?, padded(w)?);
        if self.stride == 0 || ph < kh || pw < kw {
            return None;
        }
        Some(((ph - kh) / self.stride + 1, (pw - kw) / self.stride + 1))
    }

    /// Rows of the whole `col` matrix: `C·KH·KW`.
    pub fn col_rows(&self) -> usize {
        self.in_channels * self.kernel.0 * self.kernel.1
    }

    /// GEMM depth of one group: `(C/G)·KH·KW` (also the weights per output channel).
    pub fn patch_len(&self) -> usize {
        self.in_channels / self.groups * self.kernel.0 * self.kernel.1
    }

    /// Number of weights: `O·(C/G)·KH·KW`.
    pub fn weight_len(&self) -> usize {
        self.out_channels * self.patch_len()
    }

    /// Depthwise: one group per input channel (any channel multiplier); computed directly by
    /// [`super::depthwise`], not as `C` one-row GEMMs.
    pub fn is_depthwise(&self) -> bool {
        self.groups > 1 && self.groups == self.in_channels
    }

    /// A 1×1, stride-1, unpadded convolution: the input already is its `col` matrix.
    pub fn is_pointwise(&self) -> bool {
        self.kernel == (1, 1) && self.stride == 1 && self.padding == 0
    }

    /// Multiply-accumulates per image for an `H×W` input (0 if the kernel does not fit).
    pub fn macs(&self, h: usize, w: usize) -> u64 {
        // In u64, saturating: usize is 32 bits on wasm32.
        self.output_size(h, w).map_or(0, |(oh, ow)| {
            [self.patch_len() as u64, oh as u64, ow as u64]
                .iter()
                .fold(self.out_channels as u64, |a, &b| a.saturating_mul(b))
        })
    }
}

/// Unfolds one image `x: [C, H, W]` into `col: [C·KH·KW, OH·OW]` (zeros where the patch
/// hangs over the padding). `padded` is scratch for a stride-1 padded convolution (kept by
/// the caller so that a steady state does not allocate).
///
/// Stride 1, the common case, copies whole output rows from a zero-padded copy of the image:
/// no bounds per row and no fills, and each row a few vector loads and stores that may run
/// past its end into the next row's place, which is written after it (only a row whose
/// vectors would leave `col` or the image is copied exactly). The rows are short (10–28
/// values in the zoo), so this is what im2col costs: a `memcpy` call per row took 20% of a
/// LeNet-5 step in wasm.
pub fn im2col(x: &[f32], h: usize, w: usize, p: &Conv2dParams, col: &mut [f32], padded: &mut Vec<f32>) {
    let (oh, ow) = p.output_size(h, w).expect("im2col: kernel larger than padded input");
    let (kh_n, kw_n) = p.kernel;
    let (s, pad) = (p.stride, p.padding);
    let c_n = p.in_channels;
    assert!(x.len() >= c_n * h * w, "im2col: x too small");
    let len = p.col_rows() * oh * ow;
    assert!(col.len() >= len, "im2col: col too small");
    if s != 1 {
        return im2col_strided(x, h, w, p, col);
    }
    let (hp, wp) = (h + 2 * pad, w + 2 * pad);
    let src: &[f32] = if pad == 0 {
        &x[..c_n * h * w]
    } else {
        padded.clear();
        padded.resize(c_n * hp * wp, 0.0);
        for c in 0..c_n {
            for y in 0..h {
                let d = (c * hp + y + pad) * wp + pad;
                padded[d..d + w].copy_from_slice(&x[(c * h + y) * w..(c * h + y + 1) * w]);
            }
        }
        padded
    };
    let vectors = ow.div_ceil(F32x4::N);
    // One copy of the row loop per vector count, its inner loop unrolled: a loop of loads and
    // stores would be turned back into a `memcpy` call per row by the compiler.
    let rows: fn(Unfold, &[f32], &mut [f32]) = match vectors {
        1 => unfold_rows::<1>,
        2 => unfold_rows::<2>,
        3 => unfold_rows::<3>,
        4 => unfold_rows::<4>,
        5 => unfold_rows::<5>,
        6 => unfold_rows::<6>,
        7 => unfold_rows::<7>,
        8 => unfold_rows::<8>,
        _ => unfold_rows::<0>,
    };
    let col = &mut col[..len];
    for c in 0..c_n {
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let row = (c * kh_n + kh) * kw_n + kw;
                rows(Unfold { oh, ow, wp, d0: row * oh * ow, s0: (c * hp + kh) * wp + kw }, src, col);
            }
        }
    }
}

/// One row of a stride-1 `col`: `oh` runs of `ow` values, run `y` from `src[s0 + y·wp..]` to
/// `col[d0 + y·ow..]`.
#[derive(Clone, Copy)]
struct Unfold {
    oh: usize,
    ow: usize,
    wp: usize,
    d0: usize,
    s0: usize,
}

/// Copies one [`Unfold`] row, each run as `NV` whole vectors (the last may run past the run's
/// end into the next run's place, which is written later), or exactly where those vectors
/// would leave `col` or `src`. `NV = 0`: every run exactly (long runs, where a `memcpy` call
/// pays).
#[inline(always)]
fn unfold_rows<const NV: usize>(u: Unfold, src: &[f32], col: &mut [f32]) {
    let Unfold { oh, ow, wp, d0, s0 } = u;
    let width = NV * F32x4::N;
    let (sp, dp) = (src.as_ptr(), col.as_mut_ptr());
    for y in 0..oh {
        let (d, s) = (d0 + y * ow, s0 + y * wp);
        if NV > 0 && d + width <= col.len() && s + width <= src.len() {
            for v in 0..NV {
                let at = v * F32x4::N;
                // SAFETY: d + at + N <= d + width <= col.len(), the same for s and src
                // (checked just above).
                unsafe { F32x4::load(sp.add(s + at)).store(dp.add(d + at)) };
            }
        } else {
            col[d..d + ow].copy_from_slice(&src[s..s + ow]);
        }
    }
}

/// The outputs `lo..hi` (of `out`) whose input `o·s + k − pad`, for kernel offset `k`, lies
/// inside `0..n`: the one formula for rows and columns, in im2col and in col2im.
fn inside(n: usize, out: usize, k: usize, s: usize, pad: usize) -> (usize, usize) {
    let lo = pad.saturating_sub(k).div_ceil(s).min(out);
    let hi = if n + pad > k { ((n + pad - k - 1) / s + 1).min(out) } else { 0 };
    (lo, hi)
}

/// [`im2col`] for stride 2 and more: inside the image element by element (stride 2 a vector at
/// a time), fills outside.
fn im2col_strided(x: &[f32], h: usize, w: usize, p: &Conv2dParams, col: &mut [f32]) {
    let (oh, ow) = p.output_size(h, w).expect("im2col: kernel larger than padded input");
    let (kh_n, kw_n) = p.kernel;
    let (s, pad) = (p.stride, p.padding);
    for c in 0..p.in_channels {
        let xc = &x[c * h * w..(c + 1) * h * w];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let row = (c * kh_n + kh) * kw_n + kw;
                let dst = &mut col[row * oh * ow..(row + 1) * oh * ow];
                let (ow_lo, ow_hi) = inside(w, ow, kw, s, pad);
                for y in 0..oh {
                    let d = &mut dst[y * ow..(y + 1) * ow];
                    let ih = (y * s + kh) as isize - pad as isize;
                    if ih < 0 || ih >= h as isize || ow_lo >= ow_hi {
                        d.fill(0.0);
                        continue;
                    }
                    let src = &xc[ih as usize * w..(ih as usize + 1) * w];
                    d[..ow_lo].fill(0.0);
                    d[ow_hi..].fill(0.0);
                    let mut x = ow_lo;
                    if s == 2 {
                        // Stride 2 (the zoo's downsampling): four outputs are the even values
                        // of eight consecutive inputs, one unzip of two vectors.
                        let n = F32x4::N;
                        while x + n <= ow_hi && 2 * x + kw - pad + 2 * n <= w {
                            let b = 2 * x + kw - pad;
                            let (even, _) =
                                F32x4::unzip(F32x4::load_slice(&src[b..]), F32x4::load_slice(&src[b + n..]));
                            even.store_slice(&mut d[x..x + n]);
                            x += n;
                        }
                    }
                    for x_out in x..ow_hi {
                        d[x_out] = src[x_out * s + kw - pad];
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: accumulates `col: [C·KH·KW, OH·OW]` back into `dx: [C, H, W]`
/// (`+=`, so overlapping patches sum their contributions).
pub fn col2im_add(col: &[f32], h: usize, w: usize, p: &Conv2dParams, dx: &mut [f32]) {
    let (oh, ow) = p.output_size(h, w).expect("col2im: kernel larger than padded input");
    let (kh_n, kw_n) = p.kernel;
    let (s, pad) = (p.stride, p.padding);
    assert!(col.len() >= p.col_rows() * oh * ow, "col2im: col too small");
    assert!(dx.len() >= p.in_channels * h * w, "col2im: dx too small");
    for c in 0..p.in_channels {
        let dxc = &mut dx[c * h * w..(c + 1) * h * w];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let row = (c * kh_n + kh) * kw_n + kw;
                let src = &col[row * oh * ow..(row + 1) * oh * ow];
                let ((ow_lo, ow_hi), (y_lo, y_hi)) = (inside(w, ow, kw, s, pad), inside(h, oh, kh, s, pad));
                if ow_lo >= ow_hi || y_lo >= y_hi {
                    continue;
                }
                if s == 1 {
                    // Contiguous on both sides: each run a few vector adds (same bits as one
                    // add per value: every value is added once, in the same order).
                    let run = Fold {
                        runs: y_hi - y_lo,
                        len: ow_hi - ow_lo,
                        s0: y_lo * ow + ow_lo,
                        ls: ow,
                        d0: (y_lo + kh - pad) * w + ow_lo + kw - pad,
                        ld: w,
                    };
                    match run.len.div_ceil(F32x4::N) {
                        1 => fold_rows::<1>(run, src, dxc),
                        2 => fold_rows::<2>(run, src, dxc),
                        3 => fold_rows::<3>(run, src, dxc),
                        4 => fold_rows::<4>(run, src, dxc),
                        5 => fold_rows::<5>(run, src, dxc),
                        6 => fold_rows::<6>(run, src, dxc),
                        7 => fold_rows::<7>(run, src, dxc),
                        8 => fold_rows::<8>(run, src, dxc),
                        _ => fold_rows::<0>(run, src, dxc),
                    }
                    continue;
                }
                for y in y_lo..y_hi {
                    let ih = y * s + kh - pad;
                    let d = &mut dxc[ih * w..(ih + 1) * w];
                    let sr = &src[y * ow + ow_lo..y * ow + ow_hi];
                    for (x_out, &sv) in (ow_lo..ow_hi).zip(sr) {
                        d[x_out * s + kw - pad] += sv;
                    }
                }
            }
        }
    }
}

/// `runs` runs of `len` values: `dst[d0 + r·ld..][..len] += src[s0 + r·ls..][..len]`.
#[derive(Clone, Copy)]
struct Fold {
    runs: usize,
    len: usize,
    s0: usize,
    ls: usize,
    d0: usize,
    ld: usize,
}

/// Adds the [`Fold`] runs, `NV` vectors each when a run has at least one vector's worth: all
/// of a run's sums are computed from the values loaded before any is stored, so the last
/// vector, which overlaps its neighbour to end exactly at the run's end, stores in the
/// overlap the very sums its neighbour stores (nothing is added twice). Shorter runs, and
/// `NV = 0` (long runs), add one value at a time.
#[inline(always)]
fn fold_rows<const NV: usize>(f: Fold, src: &[f32], dst: &mut [f32]) {
    let Fold { runs, len, s0, ls, d0, ld } = f;
    let n = F32x4::N;
    if runs == 0 {
        return;
    }
    assert!(s0 + (runs - 1) * ls + len <= src.len() && d0 + (runs - 1) * ld + len <= dst.len());
    let (sp, dp) = (src.as_ptr(), dst.as_mut_ptr());
    for r in 0..runs {
        let (s, d) = (s0 + r * ls, d0 + r * ld);
        if NV == 0 || len < n {
            for (dv, &sv) in dst[d..d + len].iter_mut().zip(&src[s..s + len]) {
                *dv += sv;
            }
            continue;
        }
        let at = |v: usize| if v + 1 == NV { len - n } else { v * n };
        let mut sums = [F32x4::zero(); 8];
        for (v, sum) in sums.iter_mut().enumerate().take(NV) {
            // SAFETY: at(v) + n <= len, and both runs lie inside their slices (asserted above).
            *sum = unsafe { F32x4::load(dp.add(d + at(v))).add(F32x4::load(sp.add(s + at(v)))) };
        }
        for (v, sum) in sums.iter().enumerate().take(NV) {
            // SAFETY: as above.
            unsafe { sum.store(dp.add(d + at(v))) };
        }
    }
}

/// Direct 7-loop convolution of one image (`x: [C,H,W]`, `w: [O,C/G,KH,KW]`) — the oracle.
pub fn conv2d_naive(x: &[f32], h: usize, w: usize, wt: &[f32], bias: Option<&[f32]>, p: &Conv2dParams, y: &mut [f32]) {
    let (oh, ow) = p.output_size(h, w).expect("conv2d_naive: bad geometry");
    let (kh_n, kw_n) = p.kernel;
    let (cg, og) = (p.in_channels / p.groups, p.out_channels / p.groups);
    for o in 0..p.out_channels {
        let g = o / og;
        for yy in 0..oh {
            for xx in 0..ow {
                let mut s = bias.map_or(0.0, |b| b[o]) as f64;
                for ci in 0..cg {
                    let c = g * cg + ci;
                    for kh in 0..kh_n {
                        for kw in 0..kw_n {
                            let ih = (yy * p.stride + kh) as isize - p.padding as isize;
                            let iw = (xx * p.stride + kw) as isize - p.padding as isize;
                            if ih >= 0 && iw >= 0 && (ih as usize) < h && (iw as usize) < w {
                                s += x[(c * h + ih as usize) * w + iw as usize] as f64
                                    * wt[((o * cg + ci) * kh_n + kh) * kw_n + kw] as f64;
                            }
                        }
                    }
                }
                y[(o * oh + yy) * ow + xx] = s as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::{gemm, Gemm, GemmScratch, MatRef};
    use crate::rng::Rng;
    use alloc::vec;
    use alloc::vec::Vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn output_size_formula() {
        // (28 + 4 - 5)/1 + 1 = 28; (14 - 5)/1 + 1 = 10; (7 + 2 - 3)/2 + 1 = 4
        assert_eq!(Conv2dParams::square(1, 6, 5, 1, 2).output_size(28, 28), Some((28, 28)));
        assert_eq!(Conv2dParams::square(6, 16, 5, 1, 0).output_size(14, 14), Some((10, 10)));
        assert_eq!(Conv2dParams::square(1, 1, 3, 2, 1).output_size(7, 7), Some((4, 4)));
        assert_eq!(Conv2dParams::square(1, 1, 5, 1, 0).output_size(4, 4), None);
        // Geometry from a user's spec never overflows: absurd padding is "does not fit".
        assert_eq!(Conv2dParams::square(1, 1, 3, 1, usize::MAX / 2 + 1).output_size(28, 28), None);
        assert_eq!(Conv2dParams::square(1, 1, 3, 1, usize::MAX / 4).output_size(usize::MAX, 28), None);
        assert_eq!(Conv2dParams::square(4096, 4096, 15, 1, 7).macs(1024, 1024), 4096 * 4096 * 225 * 1024 * 1024);
        assert_eq!(Conv2dParams::square(1, 1, 1, 0, 0).output_size(4, 4), None);
    }

    /// im2col + GEMM equals the direct convolution for strides, paddings and odd sizes.
    #[wasm_bindgen_test(unsupported = test)]
    fn im2col_gemm_matches_direct() {
        let mut rng = Rng::new(5);
        let mut s = GemmScratch::new();
        for &(c, o, h, w, k, st, pad) in
            &[(1, 6, 28, 28, 5, 1, 2), (3, 4, 9, 7, 3, 2, 1), (2, 3, 6, 5, 1, 1, 0), (2, 2, 5, 5, 3, 3, 2)]
        {
            let p = Conv2dParams::square(c, o, k, st, pad);
            let (oh, ow) = p.output_size(h, w).unwrap();
            let x: Vec<f32> = (0..c * h * w).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let wt: Vec<f32> = (0..p.weight_len()).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let mut col = vec![f32::NAN; p.col_rows() * oh * ow];
            im2col(&x, h, w, &p, &mut col, &mut Vec::new());
            let mut y = vec![0.0; o * oh * ow];
            gemm(
                Gemm {
                    m: o,
                    n: oh * ow,
                    k: p.patch_len(),
                    alpha: 1.0,
                    a: MatRef::row_major(&wt, p.patch_len()),
                    b: MatRef::row_major(&col, oh * ow),
                    beta: 0.0,
                    ldc: oh * ow,
                },
                &mut y,
                &mut s,
            );
            let mut y_ref = vec![0.0; o * oh * ow];
            conv2d_naive(&x, h, w, &wt, None, &p, &mut y_ref);
            for (a, b) in y.iter().zip(&y_ref) {
                assert!((a - b).abs() < 1e-4, "{:?}: {a} vs {b}", (c, o, h, w, k, st, pad));
            }
        }
    }

    /// Geometries with narrow outputs (1 to 5 wide, where a row's vectors run into the next
    /// rows), wide ones, non-square kernels, strides 1 to 3 and paddings 0 to 2, as
    /// `(params, h, w, oh, ow)`.
    fn geometries() -> Vec<(Conv2dParams, usize, usize, usize, usize)> {
        let mut out = Vec::new();
        for c in 1..3 {
            for (h, w) in [(1, 1), (3, 2), (5, 5), (6, 9), (14, 14), (9, 30)] {
                for kernel in [(1, 1), (3, 3), (5, 5), (2, 3)] {
                    for (st, pad) in [(1, 0), (1, 1), (1, 2), (2, 1), (3, 0)] {
                        let p = Conv2dParams { kernel, ..Conv2dParams::square(c, 1, 1, st, pad) };
                        if let Some((oh, ow)) = p.output_size(h, w) {
                            out.push((p, h, w, oh, ow));
                        }
                    }
                }
            }
        }
        out
    }

    /// The index into `x: [C, H, W]` that `col[i]` holds by definition, `x[c][y·s + kh −
    /// pad][x·s + kw − pad]` for row `(c·KH + kh)·KW + kw` and column `y·OW + x`; `None` in the
    /// padding.
    fn source(p: &Conv2dParams, (h, w): (usize, usize), (oh, ow): (usize, usize), i: usize) -> Option<usize> {
        let ((kh, kw), st, pad) = (p.kernel, p.stride as isize, p.padding as isize);
        let (row, pos) = (i / (oh * ow), i % (oh * ow));
        let (ci, khi, kwi) = (row / (kh * kw), (row / kw % kh) as isize, (row % kw) as isize);
        let iy = (pos / ow) as isize * st + khi - pad;
        let ix = (pos % ow) as isize * st + kwi - pad;
        let inside = (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix);
        inside.then(|| (ci * h + iy as usize) * w + ix as usize)
    }

    /// im2col writes exactly its definition ([`source`]; zero outside) and nothing past
    /// `col`'s first `C·KH·KW·OH·OW` values, on every [`geometries`] case, with one padding
    /// scratch reused across all of them.
    #[wasm_bindgen_test(unsupported = test)]
    fn im2col_is_its_definition() {
        let mut rng = Rng::new(3);
        let mut padded = vec![f32::NAN; 7];
        for (p, h, w, oh, ow) in geometries() {
            let x: Vec<f32> = (0..p.in_channels * h * w).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let len = p.col_rows() * oh * ow;
            let mut col = vec![f32::NAN; len + 9];
            im2col(&x, h, w, &p, &mut col, &mut padded);
            for (i, &v) in col[..len].iter().enumerate() {
                let want = source(&p, (h, w), (oh, ow), i).map_or(0.0, |at| x[at]);
                assert_eq!(v.to_bits(), want.to_bits(), "{p:?} {h}x{w}: col[{i}]");
            }
            assert!(col[len..].iter().all(|v| v.is_nan()), "{p:?} {h}x{w}: wrote past the columns");
        }
    }

    /// col2im adds exactly its definition, value by value in `col` order, onto what `dx` held
    /// (so the bits match one scalar add per value), on every [`geometries`] case.
    #[wasm_bindgen_test(unsupported = test)]
    fn col2im_is_its_definition() {
        let mut rng = Rng::new(4);
        for (p, h, w, oh, ow) in geometries() {
            let col: Vec<f32> = (0..p.col_rows() * oh * ow).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let start: Vec<f32> = (0..p.in_channels * h * w).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let mut want = start.clone();
            for (i, &v) in col.iter().enumerate() {
                if let Some(at) = source(&p, (h, w), (oh, ow), i) {
                    want[at] += v;
                }
            }
            let mut dx = start;
            col2im_add(&col, h, w, &p, &mut dx);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&dx), bits(&want), "{p:?} {h}x{w}");
        }
    }

    /// col2im is the adjoint of im2col: <im2col(x), g> == <x, col2im(g)>.
    #[wasm_bindgen_test(unsupported = test)]
    fn col2im_is_adjoint_of_im2col() {
        let mut rng = Rng::new(9);
        for &(c, h, w, k, st, pad) in &[(2, 7, 6, 3, 1, 1), (1, 9, 9, 3, 2, 0), (3, 5, 8, 2, 2, 1)] {
            let p = Conv2dParams::square(c, 1, k, st, pad);
            let (oh, ow) = p.output_size(h, w).unwrap();
            let x: Vec<f32> = (0..c * h * w).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let g: Vec<f32> = (0..p.col_rows() * oh * ow).map(|_| rng.uniform(-1.0, 1.0)).collect();
            let mut col = vec![0.0; g.len()];
            im2col(&x, h, w, &p, &mut col, &mut Vec::new());
            let mut dx = vec![0.0; x.len()];
            col2im_add(&g, h, w, &p, &mut dx);
            let lhs: f64 = col.iter().zip(&g).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
            let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
            assert!((lhs - rhs).abs() < 1e-4, "{lhs} vs {rhs}");
        }
    }
}
