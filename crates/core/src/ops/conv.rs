//! 2-D convolution via im2col + GEMM, one image at a time; `x: [N, C, H, W]`,
//! `w: [O, C, KH, KW]`, `b: [O]`, `y: [N, O, OH, OW]`.

use crate::autograd::{Node, ParamId, ParamStore, Tape, Var};
use crate::kernels::conv::{col2im_add, im2col, Conv2dParams};
use crate::kernels::gemm::{gemm, MatRef};
use alloc::vec::Vec;

/// Saved state of a convolution: the unfolded input of every image (`[N, C·KH·KW, OH·OW]`).
#[derive(Debug)]
pub(crate) struct Conv2dNode {
    x: Var,
    w: ParamId,
    b: Option<ParamId>,
    p: Conv2dParams,
    in_hw: (usize, usize),
    out_hw: (usize, usize),
    batch: usize,
    pub(crate) cols: Vec<f32>,
}

impl Tape {
    /// Convolution with geometry `p`: per image `y[n] = W · im2col(x[n]) + b`.
    ///
    /// # Panics
    /// If shapes disagree with `p` or the kernel does not fit the padded input.
    #[track_caller]
    pub fn conv2d(&mut self, params: &ParamStore, x: Var, w: ParamId, b: Option<ParamId>, p: Conv2dParams) -> Var {
        let [n, c, h, wd] = self.value(x).nchw("conv2d");
        assert_eq!(c, p.in_channels, "conv2d: input has {c} channels, params say {}", p.in_channels);
        assert_eq!(params.entry(w).len, p.weight_len(), "conv2d: weight length");
        let (oh, ow) =
            p.output_size(h, wd).unwrap_or_else(|| panic!("conv2d: kernel {:?} does not fit {h}x{wd}", p.kernel));
        let (k, hw, o) = (p.patch_len(), oh * ow, p.out_channels);
        let mut y = self.tensor(&[n, o, oh, ow]);
        let mut cols = self.buffer(n * k * hw);
        let wv = params.value(w);
        let beta = if let Some(b) = b {
            let bv = params.value(b);
            for img in y.data_mut().chunks_exact_mut(o * hw) {
                for (plane, &bias) in img.chunks_exact_mut(hw).zip(bv) {
                    plane.fill(bias);
                }
            }
            1.0
        } else {
            0.0
        };
        let xv = self.values[x.0].data();
        for i in 0..n {
            let col = &mut cols[i * k * hw..(i + 1) * k * hw];
            im2col(&xv[i * c * h * wd..(i + 1) * c * h * wd], h, wd, &p, col);
            let yi = &mut y.data_mut()[i * o * hw..(i + 1) * o * hw];
            gemm(o, hw, k, 1.0, MatRef::row_major(wv, k), MatRef::row_major(col, hw), beta, yi, hw, &mut self.gemm);
        }
        let node = Conv2dNode { x, w, b, p, in_hw: (h, wd), out_hw: (oh, ow), batch: n, cols };
        self.push(y, Node::Conv2d(node), true)
    }
}

impl Conv2dNode {
    /// Per image: `dW += dy·colᵀ`, `db += Σ_hw dy`, `dx += col2im(Wᵀ·dy)`.
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32], params: &mut ParamStore) {
        let p = &self.p;
        let (h, w) = self.in_hw;
        let hw = self.out_hw.0 * self.out_hw.1;
        let (k, o, c) = (p.patch_len(), p.out_channels, p.in_channels);
        {
            let dw = params.grad_mut(self.w);
            for i in 0..self.batch {
                let dyi = &dy[i * o * hw..(i + 1) * o * hw];
                let col = &self.cols[i * k * hw..(i + 1) * k * hw];
                gemm(
                    o,
                    k,
                    hw,
                    1.0,
                    MatRef::row_major(dyi, hw),
                    MatRef::transposed(col, hw),
                    1.0,
                    dw,
                    k,
                    &mut tape.gemm,
                );
            }
        }
        if let Some(b) = self.b {
            let db = params.grad_mut(b);
            for img in dy.chunks_exact(o * hw) {
                for (g, plane) in db.iter_mut().zip(img.chunks_exact(hw)) {
                    *g += plane.iter().sum::<f32>();
                }
            }
        }
        if tape.needs_grad(self.x) {
            let mut dcol = tape.buffer(k * hw);
            tape.grad_mut(self.x);
            let wv = params.value(self.w);
            let Tape { grads, gemm: scratch, .. } = tape;
            let dx = &mut grads[self.x.0];
            for i in 0..self.batch {
                let dyi = &dy[i * o * hw..(i + 1) * o * hw];
                gemm(k, hw, o, 1.0, MatRef::transposed(wv, k), MatRef::row_major(dyi, hw), 0.0, &mut dcol, hw, scratch);
                col2im_add(&dcol, h, w, p, &mut dx[i * c * h * w..(i + 1) * c * h * w]);
            }
            tape.recycle(dcol);
        }
    }
}
