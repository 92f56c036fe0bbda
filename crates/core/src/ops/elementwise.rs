//! Elementwise sum of two same-shaped values (the residual connection). A composition with
//! no saved state: its backward passes `dy` to both inputs.

use crate::autograd::{Node, Tape, Var};
use crate::kernels::activation::relu_in_place;

/// Saved state: the two input handles, and whether a ReLU follows (fused: the residual
/// block's `relu(body + shortcut)`).
#[derive(Debug)]
pub(crate) struct AddNode {
    a: Var,
    b: Var,
    pub(crate) relu: bool,
}

/// Elements summed (and rectified) per inner block of the fused add, so the ReLU pass finds
/// them in L1 (whole vectors per block; any cut gives the bits of a separate ReLU, as every
/// element is computed on its own).
const ADD_BLOCK: usize = 1024;

impl Tape {
    /// `a + b`, same shape.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn add(&mut self, a: Var, b: Var) -> Var {
        self.add_act(a, b, false)
    }

    /// `a + b`, then `max(·, 0)` when `relu`: one pass and one tensor fewer than
    /// [`Tape::add`] followed by [`Tape::relu`], with the same values.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn add_act(&mut self, a: Var, b: Var, relu: bool) -> Var {
        assert_eq!(self.value(a).shape(), self.value(b).shape(), "add: shapes differ");
        let shape = self.value(a).dims();
        let mut y = self.tensor_for_overwrite(&shape);
        let (av, bv) = (self.values[a.0].data(), self.values[b.0].data());
        self.threads.pieces([y.data_mut()], &|at, [y]| {
            for (i, yb) in y.chunks_mut(ADD_BLOCK).enumerate() {
                let s = at + i * ADD_BLOCK;
                for ((o, x), z) in yb.iter_mut().zip(&av[s..]).zip(&bv[s..]) {
                    *o = x + z;
                }
                if relu {
                    relu_in_place(yb);
                }
            }
        });
        let rg = self.needs_grad(a) || self.needs_grad(b);
        self.push(y, Node::Add(AddNode { a, b, relu }), rg)
    }
}

impl AddNode {
    /// `da += dy`, `db += dy` (when `a == b` both land in the same buffer: `2·dy`); a first
    /// contribution is a copy. With the fused ReLU, `dy` is first masked by the output.
    pub(crate) fn backward(&self, tape: &mut Tape, me: Var, dy: &[f32]) {
        if !self.relu {
            self.pass_on(tape, dy);
            return;
        }
        let masked = tape.relu_masked(me, dy);
        let (a, b) = (self.a, self.b);
        if a != b && tape.needs_grad(a) && tape.grads[a.0].is_empty() {
            // The masked copy is a buffer of its own: it becomes a's first gradient as it is,
            // saving a copy; b's contribution is read from it.
            tape.grads[a.0] = masked;
            if tape.needs_grad(b) {
                let da = core::mem::take(&mut tape.grads[a.0]);
                pass_one(tape, b, &da);
                tape.grads[a.0] = da;
            }
        } else {
            self.pass_on(tape, &masked);
            tape.recycle(masked);
        }
    }

    fn pass_on(&self, tape: &mut Tape, dy: &[f32]) {
        for v in [self.a, self.b] {
            pass_one(tape, v, dy);
        }
    }
}

/// `dv += dy` (a copy for a first contribution), split among the tape's threads.
fn pass_one(tape: &mut Tape, v: Var, dy: &[f32]) {
    if !tape.needs_grad(v) {
        return;
    }
    let fresh = tape.grad_for_write(v);
    tape.threads.pieces([&mut tape.grads[v.0][..]], &|at, [g]| {
        let d = &dy[at..at + g.len()];
        if fresh {
            g.copy_from_slice(d);
        } else {
            for (g, d) in g.iter_mut().zip(d) {
                *g += d;
            }
        }
    });
}

/// Saved state of an elementwise product.
#[derive(Debug)]
pub(crate) struct MulNode {
    a: Var,
    b: Var,
}

/// Saved state of `y = alpha·x + beta`.
#[derive(Debug)]
pub(crate) struct AffineNode {
    x: Var,
    alpha: f32,
}

impl Tape {
    /// `a ⊙ b` elementwise (Highway gating `T ⊙ H`), same shape.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn mul(&mut self, a: Var, b: Var) -> Var {
        assert_eq!(self.value(a).shape(), self.value(b).shape(), "mul: shapes differ");
        let shape = self.value(a).dims();
        let mut y = self.tensor_for_overwrite(&shape);
        let (av, bv) = (self.values[a.0].data(), self.values[b.0].data());
        for ((o, x), z) in y.data_mut().iter_mut().zip(av).zip(bv) {
            *o = x * z;
        }
        let rg = self.needs_grad(a) || self.needs_grad(b);
        self.push(y, Node::Mul(MulNode { a, b }), rg)
    }

    /// `alpha·x + beta` elementwise (e.g. the Highway carry `1 − T` is `affine(T, −1, 1)`).
    pub fn affine(&mut self, x: Var, alpha: f32, beta: f32) -> Var {
        let shape = self.value(x).dims();
        let mut y = self.tensor_for_overwrite(&shape);
        for (o, v) in y.data_mut().iter_mut().zip(self.values[x.0].data()) {
            *o = alpha * v + beta;
        }
        let rg = self.needs_grad(x);
        self.push(y, Node::Affine(AffineNode { x, alpha }), rg)
    }

    /// `a − b`, composed as `a + (−1·b + 0)`.
    #[track_caller]
    pub fn sub(&mut self, a: Var, b: Var) -> Var {
        let nb = self.affine(b, -1.0, 0.0);
        self.add(a, nb)
    }
}

impl MulNode {
    /// `da += dy ⊙ b`, `db += dy ⊙ a`.
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        for (me, other) in [(self.a, self.b), (self.b, self.a)] {
            if tape.needs_grad(me) {
                tape.grad_mut(me);
                let Tape { values, grads, .. } = &mut *tape;
                let ov = values[other.0].data();
                for ((g, d), o) in grads[me.0].iter_mut().zip(dy).zip(ov) {
                    *g += d * o;
                }
            }
        }
    }
}

impl AffineNode {
    /// `dx += alpha·dy`.
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        for (g, d) in tape.grad_mut(self.x).iter_mut().zip(dy) {
            *g += self.alpha * d;
        }
    }
}
