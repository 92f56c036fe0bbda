//! Elementwise sum of two same-shaped values (the residual connection). A composition with
//! no saved state: its backward passes `dy` to both inputs.

use crate::autograd::{Node, Tape, Var};

/// Saved state: the two input handles.
#[derive(Debug)]
pub(crate) struct AddNode {
    a: Var,
    b: Var,
}

impl Tape {
    /// `a + b`, same shape.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn add(&mut self, a: Var, b: Var) -> Var {
        assert_eq!(self.value(a).shape(), self.value(b).shape(), "add: shapes differ");
        let shape = self.value(a).shape().to_vec();
        let mut y = self.tensor(&shape);
        let (av, bv) = (self.values[a.0].data(), self.values[b.0].data());
        for ((o, x), z) in y.data_mut().iter_mut().zip(av).zip(bv) {
            *o = x + z;
        }
        let rg = self.needs_grad(a) || self.needs_grad(b);
        self.push(y, Node::Add(AddNode { a, b }), rg)
    }
}

impl AddNode {
    /// `da += dy`, `db += dy` (when `a == b` both land in the same buffer: `2·dy`).
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        for v in [self.a, self.b] {
            if tape.needs_grad(v) {
                for (g, d) in tape.grad_mut(v).iter_mut().zip(dy) {
                    *g += d;
                }
            }
        }
    }
}
