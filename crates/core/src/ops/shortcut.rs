//! The parameter-free shortcut of ResNet option A (He et al. 2016, §4.2): subsample by the
//! stride and zero-pad the extra channels, so the identity can be added to a block that
//! changes shape.

use crate::autograd::{Node, Tape, Var};
use crate::parallel::Shared;

/// Saved state: input handle and geometry.
#[derive(Debug)]
pub(crate) struct PadShortcutNode {
    x: Var,
    in_dims: [usize; 4],
    out_c: usize,
    stride: usize,
}

impl Tape {
    /// `[N, C, H, W] → [N, C_out, ⌈H/s⌉, ⌈W/s⌉]`: `y[:, :C] = x[:, :, ::s, ::s]`, the rest zero.
    ///
    /// # Panics
    /// If `out_channels < C` or `stride == 0`.
    #[track_caller]
    pub fn pad_shortcut(&mut self, x: Var, out_channels: usize, stride: usize) -> Var {
        let [n, c, h, w] = self.value(x).nchw("pad_shortcut");
        assert!(
            out_channels >= c && stride > 0,
            "pad_shortcut: cannot map {c} channels to {out_channels} with stride {stride}"
        );
        let (oh, ow) = (h.div_ceil(stride), w.div_ceil(stride));
        // Every value is written below: image by image, claimed by the threads.
        let mut y = self.tensor_for_overwrite(&[n, out_channels, oh, ow]);
        let (in_len, out_len) = (c * h * w, out_channels * oh * ow);
        let xv = self.values[x.0].data();
        let ys = Shared(y.data_mut().as_mut_ptr());
        self.threads.items(n, n * out_len, &|i| {
            // SAFETY: image i's output is this item's alone.
            let yi = unsafe { ys.slice(i * out_len, out_len) };
            let xi = &xv[i * in_len..(i + 1) * in_len];
            let (kept, padding) = yi.split_at_mut(c * oh * ow);
            for (ch, plane) in kept.chunks_exact_mut(oh * ow).enumerate() {
                for (r, row) in plane.chunks_exact_mut(ow).enumerate() {
                    let src = &xi[(ch * h + r * stride) * w..];
                    for (q, v) in row.iter_mut().enumerate() {
                        *v = src[q * stride];
                    }
                }
            }
            padding.fill(0.0);
        });
        let rg = self.needs_grad(x);
        self.push(y, Node::PadShortcut(PadShortcutNode { x, in_dims: [n, c, h, w], out_c: out_channels, stride }), rg)
    }
}

impl PadShortcutNode {
    /// The subsampled positions get their gradient back; the padding has none.
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        let [n, c, h, w] = self.in_dims;
        let s = self.stride;
        let (oh, ow) = (h.div_ceil(s), w.div_ceil(s));
        // A first contribution is assigned (zeros between the subsampled positions), a later
        // one added; image by image, claimed by the threads.
        let fresh = tape.grad_for_write(self.x);
        let (in_len, out_len) = (c * h * w, self.out_c * oh * ow);
        let dxs = Shared(tape.grads[self.x.0].as_mut_ptr());
        tape.threads.items(n, n * in_len, &|i| {
            // SAFETY: image i's input gradient is this item's alone.
            let dxi = unsafe { dxs.slice(i * in_len, in_len) };
            let dyi = &dy[i * out_len..i * out_len + c * oh * ow];
            if fresh {
                dxi.fill(0.0);
            }
            for (ch, plane) in dyi.chunks_exact(oh * ow).enumerate() {
                for (r, row) in plane.chunks_exact(ow).enumerate() {
                    let dst = &mut dxi[(ch * h + r * s) * w..];
                    for (q, &g) in row.iter().enumerate() {
                        dst[q * s] += g;
                    }
                }
            }
        });
    }
}
