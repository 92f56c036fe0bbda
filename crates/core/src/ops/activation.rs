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
        act.forward(self.values[x.0].data(), y.data_mut());
        let rg = self.needs_grad(x);
        self.push(y, Node::Act(ActNode { x, act }), rg)
    }

    /// `max(x, 0)`.
    pub fn relu(&mut self, x: Var) -> Var {
        self.activation(x, Activation::Relu)
    }
}

impl ActNode {
    /// `dx += dy · f'(x)`, with `f'` from the saved output.
    pub(crate) fn backward(&self, tape: &mut Tape, me: Var, dy: &[f32]) {
        tape.grad_mut(self.x);
        let Tape { values, grads, .. } = tape;
        self.act.backward(values[me.0].data(), dy, &mut grads[self.x.0]);
    }
}
