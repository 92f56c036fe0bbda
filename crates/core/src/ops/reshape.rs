//! Reshape and flatten: same values, new shape; the backward passes the gradient through.

use crate::autograd::{Node, Tape, Var};

/// Saved state: the input handle.
#[derive(Debug)]
pub(crate) struct ReshapeNode {
    x: Var,
}

impl Tape {
    /// The same values with `shape` (product must match).
    ///
    /// # Panics
    /// If the element counts differ.
    #[track_caller]
    pub fn reshape(&mut self, x: Var, shape: &[usize]) -> Var {
        let n: usize = shape.iter().product();
        assert_eq!(
            n,
            self.value(x).len(),
            "reshape: {:?} -> {shape:?} changes the element count",
            self.value(x).shape()
        );
        let mut y = self.tensor_for_overwrite(shape);
        y.data_mut().copy_from_slice(self.values[x.0].data());
        let rg = self.needs_grad(x);
        self.push(y, Node::Reshape(ReshapeNode { x }), rg)
    }

    /// `[N, C, H, W]` (or any rank ≥ 2) to `[N, C·H·W]`.
    #[track_caller]
    pub fn flatten(&mut self, x: Var) -> Var {
        let s = self.value(x).shape();
        assert!(!s.is_empty(), "flatten: scalar input");
        let (n, rest) = (s[0], s[1..].iter().product::<usize>());
        self.reshape(x, &[n, rest])
    }
}

impl ReshapeNode {
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        for (g, d) in tape.grad_mut(self.x).iter_mut().zip(dy) {
            *g += d;
        }
    }
}
