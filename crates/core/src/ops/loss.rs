//! Fused softmax + cross-entropy loss over `[B, K]` logits, mean over the batch.

use crate::autograd::{Node, Tape, Var};
use crate::kernels::softmax::{softmax_ce_backward, softmax_ce_forward};
use alloc::vec::Vec;

/// Saved state: labels and the softmax probabilities.
#[derive(Debug)]
pub(crate) struct SoftmaxCeNode {
    x: Var,
    pub(crate) labels: Vec<u32>,
    pub(crate) probs: Vec<f32>,
    k: usize,
}

impl Tape {
    /// Mean cross-entropy of `softmax(logits)` against `labels`; a scalar `[1]`.
    ///
    /// # Panics
    /// If `logits` is not `[labels.len(), K]` or a label is `>= K`.
    #[track_caller]
    pub fn softmax_cross_entropy(&mut self, logits: Var, labels: &[u32]) -> Var {
        let [b, k] = self.value(logits).matrix("softmax_cross_entropy");
        assert_eq!(b, labels.len(), "softmax_cross_entropy: {b} rows but {} labels", labels.len());
        let mut probs = self.buffer_for_overwrite(b * k);
        let loss = softmax_ce_forward(self.values[logits.0].data(), labels, k, &mut probs);
        let mut y = self.tensor(&[1]);
        y.data_mut()[0] = loss;
        let rg = self.needs_grad(logits);
        let mut saved = self.buffer_u32(labels.len());
        saved.copy_from_slice(labels);
        self.push(y, Node::SoftmaxCe(SoftmaxCeNode { x: logits, labels: saved, probs, k }), rg)
    }
}

impl SoftmaxCeNode {
    /// `dlogits += (p − onehot) · dloss / B`.
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32]) {
        let dx = tape.grad_mut(self.x);
        softmax_ce_backward(&self.probs, &self.labels, self.k, dy[0], dx);
    }
}
