//! Pooling geometry ([`Pool2dParams`]) and max/average pooling kernels on one `[C, H, W]`
//! image; max pooling records the argmax its backward needs.

/// Geometry of a 2-D pooling window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dParams {
    /// Window side.
    pub kernel: usize,
    /// Stride.
    pub stride: usize,
    /// Padding on every side (padded cells never win a max and count as zero in an average).
    pub padding: usize,
}

impl Pool2dParams {
    /// The usual non-overlapping `k×k` window with stride `k`.
    pub fn square(k: usize) -> Self {
        Pool2dParams { kernel: k, stride: k, padding: 0 }
    }
    /// Output size `(OH, OW)`: `(H + 2p − k) / s + 1`, or `None` when the window does not fit.
    pub fn output_size(&self, h: usize, w: usize) -> Option<(usize, usize)> {
        // Checked: geometry may come from a user's spec (None rather than an overflow).
        let padded = |n: usize| self.padding.checked_mul(2).and_then(|p| n.checked_add(p));
        let (ph, pw) = (padded(h)?, padded(w)?);
        if self.stride == 0 || self.kernel == 0 || ph < self.kernel || pw < self.kernel {
            return None;
        }
        let f = |n: usize| (n - self.kernel) / self.stride + 1;
        Some((f(ph), f(pw)))
    }

    fn window(&self, o: usize, n: usize) -> (usize, usize) {
        let start = (o * self.stride) as isize - self.padding as isize;
        let lo = start.max(0) as usize;
        let hi = ((start + self.kernel as isize) as usize).min(n);
        (lo, hi)
    }
}

/// Max pooling over `planes` planes of `h×w`; `argmax[i]` is the winning index inside its plane.
pub fn max_pool_forward(
    x: &[f32],
    planes: usize,
    h: usize,
    w: usize,
    p: &Pool2dParams,
    y: &mut [f32],
    argmax: &mut [u32],
) {
    let (oh, ow) = p.output_size(h, w).expect("max_pool: window larger than input");
    if (p.kernel, p.stride, p.padding) == (2, 2, 0) {
        max_pool_2x2(x, planes, (h, w), (oh, ow), y, argmax);
    } else {
        max_pool_any(x, planes, (h, w), p, y, argmax);
    }
}

/// Any window: scans it row by row, the first strict maximum wins.
fn max_pool_any(x: &[f32], planes: usize, (h, w): (usize, usize), p: &Pool2dParams, y: &mut [f32], argmax: &mut [u32]) {
    let (oh, ow) = p.output_size(h, w).expect("max_pool: window larger than input");
    for c in 0..planes {
        let xc = &x[c * h * w..(c + 1) * h * w];
        for oy in 0..oh {
            let (y0, y1) = p.window(oy, h);
            for ox in 0..ow {
                let (x0, x1) = p.window(ox, w);
                let (mut best, mut at) = (f32::NEG_INFINITY, y0 * w + x0);
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        let v = xc[iy * w + ix];
                        if v > best {
                            best = v;
                            at = iy * w + ix;
                        }
                    }
                }
                let o = (c * oh + oy) * ow + ox;
                y[o] = best;
                argmax[o] = at as u32;
            }
        }
    }
}

/// The usual 2×2, stride-2 window (LeNet-5, AlexNet, VGG), without the generic loop's
/// data-dependent branches: the same four candidates in the same order, the first strict
/// maximum winning, as selects (the generic loop mispredicted about every other compare and cost
/// LeNet-5 7% of a step). Same outputs and argmax as the generic loop, bit for bit.
fn max_pool_2x2(
    x: &[f32],
    planes: usize,
    (h, w): (usize, usize),
    (oh, ow): (usize, usize),
    y: &mut [f32],
    argmax: &mut [u32],
) {
    let (y, argmax) = (&mut y[..planes * oh * ow], &mut argmax[..planes * oh * ow]);
    for (c, (yc, ac)) in y.chunks_exact_mut(oh * ow).zip(argmax.chunks_exact_mut(oh * ow)).enumerate() {
        let xc = &x[c * h * w..(c + 1) * h * w];
        for (oy, (yr, ar)) in yc.chunks_exact_mut(ow).zip(ac.chunks_exact_mut(ow)).enumerate() {
            let (r0, r1) = (&xc[2 * oy * w..][..2 * ow], &xc[(2 * oy + 1) * w..][..2 * ow]);
            for (ox, (yo, ao)) in yr.iter_mut().zip(ar.iter_mut()).enumerate() {
                let at = (2 * oy * w + 2 * ox) as u32;
                let cands = [
                    (r0[2 * ox], at),
                    (r0[2 * ox + 1], at + 1),
                    (r1[2 * ox], at + w as u32),
                    (r1[2 * ox + 1], at + w as u32 + 1),
                ];
                let (mut best, mut best_at) = (f32::NEG_INFINITY, at);
                for (v, i) in cands {
                    let take = v > best;
                    best = if take { v } else { best };
                    best_at = if take { i } else { best_at };
                }
                *yo = best;
                *ao = best_at;
            }
        }
    }
}

/// Routes each output gradient to its argmax: `dx[argmax] += dy`.
pub fn max_pool_backward(
    dy: &[f32],
    argmax: &[u32],
    planes: usize,
    h: usize,
    w: usize,
    p: &Pool2dParams,
    dx: &mut [f32],
) {
    let (oh, ow) = p.output_size(h, w).expect("max_pool: window larger than input");
    for c in 0..planes {
        let dxc = &mut dx[c * h * w..(c + 1) * h * w];
        for o in c * oh * ow..(c + 1) * oh * ow {
            dxc[argmax[o] as usize] += dy[o];
        }
    }
}

/// Average pooling; the divisor is always `k²` (padding counts as zero).
pub fn avg_pool_forward(x: &[f32], planes: usize, h: usize, w: usize, p: &Pool2dParams, y: &mut [f32]) {
    let (oh, ow) = p.output_size(h, w).expect("avg_pool: window larger than input");
    let inv = 1.0 / (p.kernel * p.kernel) as f32;
    for c in 0..planes {
        let xc = &x[c * h * w..(c + 1) * h * w];
        for oy in 0..oh {
            let (y0, y1) = p.window(oy, h);
            for ox in 0..ow {
                let (x0, x1) = p.window(ox, w);
                let mut s = 0.0;
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        s += xc[iy * w + ix];
                    }
                }
                y[(c * oh + oy) * ow + ox] = s * inv;
            }
        }
    }
}

/// Spreads each output gradient evenly over its window: `dx[window] += dy / k²`.
pub fn avg_pool_backward(dy: &[f32], planes: usize, h: usize, w: usize, p: &Pool2dParams, dx: &mut [f32]) {
    let (oh, ow) = p.output_size(h, w).expect("avg_pool: window larger than input");
    let inv = 1.0 / (p.kernel * p.kernel) as f32;
    for c in 0..planes {
        let dxc = &mut dx[c * h * w..(c + 1) * h * w];
        for oy in 0..oh {
            let (y0, y1) = p.window(oy, h);
            for ox in 0..ow {
                let (x0, x1) = p.window(ox, w);
                let g = dy[(c * oh + oy) * ow + ox] * inv;
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        dxc[iy * w + ix] += g;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn max_and_avg_on_a_known_plane() {
        // 4x4 plane 0..16, 2x2 windows: maxima 5,7,13,15; averages 2.5,4.5,10.5,12.5
        let x: [f32; 16] = core::array::from_fn(|i| i as f32);
        let p = Pool2dParams::square(2);
        let (mut y, mut am) = ([0.0; 4], [0u32; 4]);
        max_pool_forward(&x, 1, 4, 4, &p, &mut y, &mut am);
        assert_eq!(y, [5.0, 7.0, 13.0, 15.0]);
        assert_eq!(am, [5, 7, 13, 15]);
        let mut dx = [0.0; 16];
        max_pool_backward(&[1.0, 2.0, 3.0, 4.0], &am, 1, 4, 4, &p, &mut dx);
        assert_eq!((dx[5], dx[7], dx[13], dx[15], dx[0]), (1.0, 2.0, 3.0, 4.0, 0.0));
        avg_pool_forward(&x, 1, 4, 4, &p, &mut y);
        assert_eq!(y, [2.5, 4.5, 10.5, 12.5]);
        assert_eq!(Pool2dParams::square(2).output_size(5, 5), Some((2, 2)));
        assert_eq!(Pool2dParams::square(3).output_size(2, 2), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_2x2_path_matches_the_generic_loop() {
        use alloc::{vec, vec::Vec};
        // Odd sizes (the last row and column are dropped), ties, zeros of both signs, NaN and
        // −∞: the fast path must pick the same value and index as the generic loop.
        let (planes, h, w) = (3, 7, 9);
        let specials = [0.0, -0.0, 1.0, 1.0, f32::NAN, f32::NEG_INFINITY, -2.0];
        let x: Vec<f32> = (0..planes * h * w)
            .map(|i| if i % 5 == 0 { specials[(i / 5) % specials.len()] } else { ((i * 37 % 23) as f32 - 11.0) / 3.0 })
            .collect();
        let p = Pool2dParams::square(2);
        let (oh, ow) = p.output_size(h, w).unwrap();
        let n = planes * oh * ow;
        let (mut y, mut am, mut y_ref, mut am_ref) = (vec![0.0; n], vec![0u32; n], vec![0.0; n], vec![0u32; n]);
        max_pool_forward(&x, planes, h, w, &p, &mut y, &mut am);
        max_pool_any(&x, planes, (h, w), &p, &mut y_ref, &mut am_ref);
        assert_eq!(am, am_ref);
        assert_eq!(
            y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            y_ref.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}
