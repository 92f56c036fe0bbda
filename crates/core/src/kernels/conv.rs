//! Convolution geometry ([`Conv2dParams`]) and the im2col / col2im layout transforms that
//! turn a convolution into one GEMM per image.
//!
//! `col` layout: `[C·KH·KW, OH·OW]`, row `(c·KH + kh)·KW + kw`, column `oh·OW + ow`, so that
//! `y[O, OH·OW] = W[O, C·KH·KW] · col` is a plain row-major GEMM.

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
        if self.groups == 0 || self.in_channels % self.groups != 0 || self.out_channels % self.groups != 0 {
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
/// hangs over the padding).
pub fn im2col(x: &[f32], h: usize, w: usize, p: &Conv2dParams, col: &mut [f32]) {
    let (oh, ow) = p.output_size(h, w).expect("im2col: kernel larger than padded input");
    let (kh_n, kw_n) = p.kernel;
    let (s, pad) = (p.stride, p.padding);
    assert!(x.len() >= p.in_channels * h * w, "im2col: x too small");
    assert!(col.len() >= p.col_rows() * oh * ow, "im2col: col too small");
    for c in 0..p.in_channels {
        let xc = &x[c * h * w..(c + 1) * h * w];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let row = (c * kh_n + kh) * kw_n + kw;
                let dst = &mut col[row * oh * ow..(row + 1) * oh * ow];
                // Valid output columns: 0 <= ow*s + kw - pad < w.
                let ow_lo = (pad.saturating_sub(kw)).div_ceil(s).min(ow);
                let ow_hi = if w + pad > kw { ((w + pad - kw - 1) / s + 1).min(ow) } else { 0 };
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
                    if s == 1 {
                        let iw0 = ow_lo + kw - pad;
                        d[ow_lo..ow_hi].copy_from_slice(&src[iw0..iw0 + (ow_hi - ow_lo)]);
                    } else {
                        for (x_out, v) in d[ow_lo..ow_hi].iter_mut().enumerate() {
                            *v = src[(ow_lo + x_out) * s + kw - pad];
                        }
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
    for c in 0..p.in_channels {
        let dxc = &mut dx[c * h * w..(c + 1) * h * w];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let row = (c * kh_n + kh) * kw_n + kw;
                let src = &col[row * oh * ow..(row + 1) * oh * ow];
                let ow_lo = (pad.saturating_sub(kw)).div_ceil(s).min(ow);
                let ow_hi = if w + pad > kw { ((w + pad - kw - 1) / s + 1).min(ow) } else { 0 };
                for y in 0..oh {
                    let ih = (y * s + kh) as isize - pad as isize;
                    if ih < 0 || ih >= h as isize || ow_lo >= ow_hi {
                        continue;
                    }
                    let d = &mut dxc[ih as usize * w..(ih as usize + 1) * w];
                    let sr = &src[y * ow + ow_lo..y * ow + ow_hi];
                    if s == 1 {
                        // Contiguous on both sides: a plain vector add.
                        let iw0 = ow_lo + kw - pad;
                        for (dv, &sv) in d[iw0..iw0 + sr.len()].iter_mut().zip(sr) {
                            *dv += sv;
                        }
                    } else {
                        for (x_out, &sv) in (ow_lo..ow_hi).zip(sr) {
                            d[x_out * s + kw - pad] += sv;
                        }
                    }
                }
            }
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
            im2col(&x, h, w, &p, &mut col);
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
            im2col(&x, h, w, &p, &mut col);
            let mut dx = vec![0.0; x.len()];
            col2im_add(&g, h, w, &p, &mut dx);
            let lhs: f64 = col.iter().zip(&g).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
            let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
            assert!((lhs - rhs).abs() < 1e-4, "{lhs} vs {rhs}");
        }
    }
}
