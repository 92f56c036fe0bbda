//! Depthwise convolution (`groups == C`, each output channel `o` reads input channel
//! `o / m` with channel multiplier `m = O / C`) computed directly: one `KH×KW` stencil per
//! plane instead of `C` one-row GEMMs, which would spend their time packing.
//!
//! Shapes for one image: `x: [C, H, W]`, `w: [O, 1, KH, KW]`, `y: [O, OH, OW]`. Every function
//! accumulates (`+=`) into its output.

use super::conv::Conv2dParams;
use crate::simd::{F32x4, Lanes};

/// `Σ a[i]·b[i]` with four-lane partial sums (the order is fixed, so results reproduce).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n4 = a.len().min(b.len()) / 4 * 4;
    let mut acc = F32x4::zero();
    for (x, y) in a[..n4].chunks_exact(4).zip(b[..n4].chunks_exact(4)) {
        acc = F32x4::load_slice(x).mul_add(F32x4::load_slice(y), acc);
    }
    let mut s = acc.hsum();
    for i in n4..a.len().min(b.len()) {
        s += a[i] * b[i];
    }
    s
}

/// For kernel column `k` and output width `ow`: the output columns whose input column
/// `q·s + k − pad` lies inside `[0, w)`, as `lo..hi`.
#[inline]
fn valid_cols(k: usize, w: usize, ow: usize, s: usize, pad: usize) -> (usize, usize) {
    let lo = pad.saturating_sub(k).div_ceil(s).min(ow);
    let hi = if w + pad > k { ((w + pad - k - 1) / s + 1).min(ow) } else { 0 };
    (lo, hi.max(lo))
}

fn check(p: &Conv2dParams) {
    assert!(
        p.groups == p.in_channels && p.out_channels.is_multiple_of(p.in_channels),
        "depthwise: groups must equal C and divide O"
    );
}

/// `y[o] += Σ_{kh,kw} w[o,kh,kw] · x[o/m, oh·s+kh−p, ow·s+kw−p]`.
pub fn depthwise_forward(x: &[f32], h: usize, w: usize, wt: &[f32], p: &Conv2dParams, y: &mut [f32]) {
    check(p);
    let (oh, ow) = p.output_size(h, w).expect("depthwise: kernel larger than padded input");
    let ((kh_n, kw_n), s, pad, m) = (p.kernel, p.stride, p.padding, p.out_channels / p.in_channels);
    for o in 0..p.out_channels {
        let xc = &x[(o / m) * h * w..(o / m + 1) * h * w];
        let yo = &mut y[o * oh * ow..(o + 1) * oh * ow];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let wv = wt[(o * kh_n + kh) * kw_n + kw];
                let (lo, hi) = valid_cols(kw, w, ow, s, pad);
                for r in 0..oh {
                    let ih = (r * s + kh) as isize - pad as isize;
                    if ih < 0 || ih >= h as isize {
                        continue;
                    }
                    let xr = &xc[ih as usize * w..(ih as usize + 1) * w];
                    let yr = &mut yo[r * ow..(r + 1) * ow];
                    if s == 1 {
                        let off = lo + kw - pad;
                        for (yv, xv) in yr[lo..hi].iter_mut().zip(&xr[off..off + (hi - lo)]) {
                            *yv += wv * xv;
                        }
                    } else {
                        for q in lo..hi {
                            yr[q] += wv * xr[q * s + kw - pad];
                        }
                    }
                }
            }
        }
    }
}

/// `dx[o/m, …] += w[o,kh,kw] · dy[o, …]` (the adjoint of the forward stencil).
pub fn depthwise_backward_input(dy: &[f32], h: usize, w: usize, wt: &[f32], p: &Conv2dParams, dx: &mut [f32]) {
    check(p);
    let (oh, ow) = p.output_size(h, w).expect("depthwise: kernel larger than padded input");
    let ((kh_n, kw_n), s, pad, m) = (p.kernel, p.stride, p.padding, p.out_channels / p.in_channels);
    for o in 0..p.out_channels {
        let dxc = &mut dx[(o / m) * h * w..(o / m + 1) * h * w];
        let dyo = &dy[o * oh * ow..(o + 1) * oh * ow];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let wv = wt[(o * kh_n + kh) * kw_n + kw];
                let (lo, hi) = valid_cols(kw, w, ow, s, pad);
                for r in 0..oh {
                    let ih = (r * s + kh) as isize - pad as isize;
                    if ih < 0 || ih >= h as isize {
                        continue;
                    }
                    let dxr = &mut dxc[ih as usize * w..(ih as usize + 1) * w];
                    let dyr = &dyo[r * ow..(r + 1) * ow];
                    if s == 1 {
                        let off = lo + kw - pad;
                        for (g, d) in dxr[off..off + (hi - lo)].iter_mut().zip(&dyr[lo..hi]) {
                            *g += wv * d;
                        }
                    } else {
                        for q in lo..hi {
                            dxr[q * s + kw - pad] += wv * dyr[q];
                        }
                    }
                }
            }
        }
    }
}

/// `dw[o,kh,kw] += Σ dy[o, oh, ow] · x[o/m, oh·s+kh−p, ow·s+kw−p]`.
pub fn depthwise_backward_weight(x: &[f32], dy: &[f32], h: usize, w: usize, p: &Conv2dParams, dw: &mut [f32]) {
    check(p);
    let (oh, ow) = p.output_size(h, w).expect("depthwise: kernel larger than padded input");
    let ((kh_n, kw_n), s, pad, m) = (p.kernel, p.stride, p.padding, p.out_channels / p.in_channels);
    for o in 0..p.out_channels {
        let xc = &x[(o / m) * h * w..(o / m + 1) * h * w];
        let dyo = &dy[o * oh * ow..(o + 1) * oh * ow];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let (lo, hi) = valid_cols(kw, w, ow, s, pad);
                let mut acc = 0.0f32;
                for r in 0..oh {
                    let ih = (r * s + kh) as isize - pad as isize;
                    if ih < 0 || ih >= h as isize {
                        continue;
                    }
                    let xr = &xc[ih as usize * w..(ih as usize + 1) * w];
                    let dyr = &dyo[r * ow..(r + 1) * ow];
                    if s == 1 {
                        let off = lo + kw - pad;
                        acc += dot(&dyr[lo..hi], &xr[off..off + (hi - lo)]);
                    } else {
                        for q in lo..hi {
                            acc += dyr[q] * xr[q * s + kw - pad];
                        }
                    }
                }
                dw[(o * kh_n + kh) * kw_n + kw] += acc;
            }
        }
    }
}
