//! Elementwise activations on the tape; `f`/`df` live in [`crate::kernels::activation`].

use crate::autograd::{Node, Tape, Var};
pub use crate::kernels::activation::Activation;

/// Saved state: the input handle and which activation (the output is on the tape already).
#[derive(Debug)]
pub(crate) struct ActNode {
    x: Var,
    pub(crate) act: Activation,
}

impl Tape {
    /// `y = act(x)` elementwise, same shape.
    pub fn activation(&mut self, x: Var, act: Activation) -> Var {
        let shape = self.value(x).dims();
        let mut y = self.tensor_for_overwrite(&shape);
        let xv = self.values[x.0].data();
        self.threads.pieces([y.data_mut()], &|at, [y]| act.forward(&xv[at..at + y.len()], y));
        let rg = self.needs_grad(x);
        self.push(y, Node::Act(ActNode { x, act }), rg)
    }

    /// `max(x, 0)`.
    pub fn relu(&mut self, x: Var) -> Var {
        self.activation(x, Activation::Relu)
    }

    /// The backward of a ReLU fused into `me`'s op: `dy` where `me`'s output is positive, else
    /// 0, in a pooled buffer (give it back with [`Tape::recycle`]).
    pub(crate) fn relu_masked(&mut self, me: Var, dy: &[f32]) -> alloc::vec::Vec<f32> {
        let mut masked = self.buffer_for_overwrite(dy.len());
        let y = self.values[me.0].data();
        self.threads.pieces([&mut masked[..]], &|at, [out]| {
            let r = at..at + out.len();
            crate::kernels::activation::relu_mask(&y[r.clone()], &dy[r], out)
        });
        masked
    }
}

impl ActNode {
    /// `dx += dy · f'(x)`, with `f'` from the saved output.
    pub(crate) fn backward(&self, tape: &mut Tape, me: Var, dy: &[f32]) {
        tape.grad_mut(self.x);
        let Tape { values, grads, threads, .. } = tape;
        let y = values[me.0].data();
        threads.pieces([&mut grads[self.x.0][..]], &|at, [dx]| {
            let r = at..at + dx.len();
            self.act.backward(&y[r.clone()], &dy[r], dx)
        });
    }
}
