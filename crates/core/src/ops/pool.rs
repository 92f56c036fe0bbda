//! Max and average pooling over `[N, C, H, W]`.

use crate::autograd::{Node, Tape, Var};
use crate::kernels::pool::{avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward, Pool2dParams};
use alloc::vec::Vec;

#[derive(Debug)]
enum Kind {
    /// Winning index inside its plane, per output value.
    Max(Vec<u32>),
    Avg,
}

/// Saved state of a pooling op.
#[derive(Debug)]
pub(crate) struct PoolNode {
    x: Var,
    p: Pool2dParams,
    planes: usize,
    hw: (usize, usize),
    kind: Kind,
}

impl Tape {
    /// Max pooling with window `p`.
    #[track_caller]
    pub fn max_pool2d(&mut self, x: Var, p: Pool2dParams) -> Var {
        self.pool2d(x, p, true)
    }

    /// Average pooling with window `p` (divisor k², padding counts as zero).
    #[track_caller]
    pub fn avg_pool2d(&mut self, x: Var, p: Pool2dParams) -> Var {
        self.pool2d(x, p, false)
    }

    #[track_caller]
    fn pool2d(&mut self, x: Var, p: Pool2dParams, max: bool) -> Var {
        let [n, c, h, w] = self.value(x).nchw("pool2d");
        let (oh, ow) =
            p.output_size(h, w).unwrap_or_else(|| panic!("pool2d: window {} does not fit {h}x{w}", p.kernel));
        let mut y = self.tensor_for_overwrite(&[n, c, oh, ow]);
        let mut am = if max { self.buffer_u32(n * c * oh * ow) } else { Vec::new() };
        let xv = self.values[x.0].data();
        let kind = if max {
            max_pool_forward(xv, n * c, h, w, &p, y.data_mut(), &mut am);
            Kind::Max(am)
        } else {
            avg_pool_forward(xv, n * c, h, w, &p, y.data_mut());
            Kind::Avg
        };
        let rg = self.needs_grad(x);
        self.push(y, Node::Pool(PoolNode { x, p, planes: n * c, hw: (h, w), kind }), rg)
    }
}

impl PoolNode {
    /// The argmax buffer, for reuse.
    pub(crate) fn into_argmax(self) -> Option<Vec<u32>> {
        match self.kind {
            Kind::Max(am) => Some(am),
            Kind::Avg => None,
        }
    }

    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        let (h, w) = self.hw;
        let dx = tape.grad_mut(self.x);
        match &self.kind {
            Kind::Max(am) => max_pool_backward(dy, am, self.planes, h, w, &self.p, dx),
            Kind::Avg => avg_pool_backward(dy, self.planes, h, w, &self.p, dx),
        }
    }
}

/// Saved state of global average pooling.
#[derive(Debug)]
pub(crate) struct GlobalAvgPoolNode {
    x: Var,
    hw: usize,
}

impl Tape {
    /// `[N, C, H, W] → [N, C]`: the mean of each plane (the head of ResNets and Inception).
    #[track_caller]
    pub fn global_avg_pool(&mut self, x: Var) -> Var {
        let [n, c, h, w] = self.value(x).nchw("global_avg_pool");
        let hw = h * w;
        let mut y = self.tensor_for_overwrite(&[n, c]);
        let inv = 1.0 / hw as f32;
        for (o, plane) in y.data_mut().iter_mut().zip(self.values[x.0].data().chunks_exact(hw)) {
            *o = plane.iter().sum::<f32>() * inv;
        }
        let rg = self.needs_grad(x);
        self.push(y, Node::GlobalAvgPool(GlobalAvgPoolNode { x, hw }), rg)
    }
}

impl GlobalAvgPoolNode {
    /// `dx[plane] += dy / (H·W)`.
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        let inv = 1.0 / self.hw as f32;
        for (plane, &d) in tape.grad_mut(self.x).chunks_exact_mut(self.hw).zip(dy) {
            for g in plane {
                *g += d * inv;
            }
        }
    }
}
