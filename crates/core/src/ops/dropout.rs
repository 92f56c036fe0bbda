//! Inverted dropout (Srivastava et al. 2014): in training each value is zeroed with
//! probability `p` and the survivors scaled by `1/(1−p)`; in evaluation it is the identity.

use crate::autograd::{Mode, Node, Tape, Var};
use crate::rng::Rng;
use alloc::vec::Vec;

/// Saved state: the mask (0 or `1/(1−p)` per value).
#[derive(Debug)]
pub(crate) struct DropoutNode {
    x: Var,
    pub(crate) mask: Vec<f32>,
}

impl Tape {
    /// Dropout with drop probability `p` in `[0, 1)`, masks drawn from `rng`.
    ///
    /// # Panics
    /// If `p` is not in `[0, 1)`.
    #[track_caller]
    pub fn dropout(&mut self, x: Var, p: f32, rng: &mut Rng, mode: Mode) -> Var {
        assert!((0.0..1.0).contains(&p), "dropout: p = {p} is not in [0, 1)");
        let shape = self.value(x).dims();
        let mut y = self.tensor_for_overwrite(&shape);
        let mut mask = self.buffer_for_overwrite(y.len());
        if mode == Mode::Train && p > 0.0 {
            let keep = 1.0 / (1.0 - p);
            for m in mask.iter_mut() {
                *m = if rng.next_f32() < p { 0.0 } else { keep };
            }
        } else {
            mask.fill(1.0);
        }
        for ((o, v), m) in y.data_mut().iter_mut().zip(self.values[x.0].data()).zip(&mask) {
            *o = v * m;
        }
        let rg = self.needs_grad(x);
        self.push(y, Node::Dropout(DropoutNode { x, mask }), rg)
    }
}

impl DropoutNode {
    /// `dx += dy ⊙ mask`.
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        for ((g, d), m) in tape.grad_mut(self.x).iter_mut().zip(dy).zip(&self.mask) {
            *g += d * m;
        }
    }
}
