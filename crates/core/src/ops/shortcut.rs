//! The parameter-free shortcut of ResNet option A (He et al. 2016, §4.2): subsample by the
//! stride and zero-pad the extra channels, so the identity can be added to a block that
//! changes shape.

use crate::autograd::{Node, Tape, Var};

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
        let mut y = self.tensor(&[n, out_channels, oh, ow]);
        let xv = self.values[x.0].data();
        let yd = y.data_mut();
        for i in 0..n {
            for ch in 0..c {
                for r in 0..oh {
                    for q in 0..ow {
                        yd[((i * out_channels + ch) * oh + r) * ow + q] =
                            xv[((i * c + ch) * h + r * stride) * w + q * stride];
                    }
                }
            }
        }
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
        let dx = tape.grad_mut(self.x);
        for i in 0..n {
            for ch in 0..c {
                for r in 0..oh {
                    for q in 0..ow {
                        dx[((i * c + ch) * h + r * s) * w + q * s] += dy[((i * self.out_c + ch) * oh + r) * ow + q];
                    }
                }
            }
        }
    }
}
