//! Reverse-mode autograd on a tape, and the flat parameter arena.
//!
//! Ops append a node to the [`Tape`] and return a [`Var`] (the index of their output).
//! [`Tape::backward`] walks the nodes in reverse and **accumulates** (`+=`) into gradient
//! buffers, so a value used twice receives both contributions. Parameters live outside the
//! tape in one [`ParamStore`] (values and gradients as two flat `Vec<f32>`), which is what
//! optimizers update and what crosses the wasm boundary as a single `Float32Array`.
//!
//! The tape recycles its buffers: [`Tape::reset`] keeps every allocation in a pool, so the
//! next step of the same model reuses them instead of allocating.

mod inspect;
mod params;
pub use inspect::NodeInfo;
pub use params::{BufferId, ParamEntry, ParamId, ParamStore};

use crate::ops;
use crate::tensor::Tensor;
use alloc::vec::Vec;

/// Keeps an allocation for reuse (empty vectors hold none and are dropped).
fn stash(pool: &mut Vec<Vec<f32>>, v: Vec<f32>) {
    if v.capacity() > 0 {
        pool.push(v);
    }
}

/// Handle of a value on the tape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Var(pub(crate) usize);

/// Training or evaluation behaviour for layers that differ (dropout, batch norm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Batch statistics, stochastic layers active, backward possible.
    Train,
    /// Running statistics, deterministic.
    Eval,
}

/// What produced a value, with the state its backward needs.
#[derive(Debug)]
pub(crate) enum Node {
    Leaf,
    Linear(ops::linear::LinearNode),
    Conv2d(ops::conv::Conv2dNode),
    Pool(ops::pool::PoolNode),
    Act(ops::activation::ActNode),
    Reshape(ops::reshape::ReshapeNode),
    Add(ops::elementwise::AddNode),
    Mul(ops::elementwise::MulNode),
    Affine(ops::elementwise::AffineNode),
    BatchNorm(ops::batchnorm::BatchNormNode),
    GlobalAvgPool(ops::pool::GlobalAvgPoolNode),
    Dropout(ops::dropout::DropoutNode),
    Concat(ops::concat::ConcatNode),
    PadShortcut(ops::shortcut::PadShortcutNode),
    SoftmaxCe(ops::loss::SoftmaxCeNode),
}

/// A batch norm's per-channel Σx and Σx² and the count of values summed, during recalibration.
pub(crate) type BnSums = (Vec<f64>, Vec<f64>, u64);

/// The tape: values in creation order, their gradients, and the nodes that made them.
#[derive(Debug, Default)]
pub struct Tape {
    pub(crate) values: Vec<Tensor>,
    pub(crate) grads: Vec<Vec<f32>>,
    pub(crate) requires_grad: Vec<bool>,
    pub(crate) nodes: Vec<Node>,
    pool: Vec<Vec<f32>>,
    pool_u32: Vec<Vec<u32>>,
    pub(crate) bn_momentum: Option<f32>,
    /// While recalibrating batch norm: per layer (keyed by its running-mean buffer), Σx and Σx²
    /// per channel in f64 and the count, over every batch of the calibration.
    pub(crate) bn_sums: Option<alloc::collections::BTreeMap<usize, BnSums>>,
    /// Threads the convolutions may use, and each one's working memory.
    pub(crate) threads: crate::parallel::Threads,
    pub(crate) lanes: Vec<crate::parallel::Lane>,
    /// Weight-gradient partial sums of chunks 1.. (see [`crate::parallel`]).
    pub(crate) partials: Vec<Vec<f32>>,
    /// Batch norm's per-channel (Σx, Σx²) in f64, kept across steps.
    pub(crate) f64_scratch: Vec<(f64, f64)>,
}

impl Tape {
    /// An empty tape.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lets convolutions split each batch over `pool`'s threads (`None`: one thread). See
    /// [`crate::parallel`] for what stays bit-identical.
    pub fn set_parallel(&mut self, pool: Option<&'static dyn crate::parallel::Parallel>) {
        self.threads = crate::parallel::Threads(pool);
    }

    /// Threads the kernels use.
    pub fn threads(&self) -> usize {
        self.threads.count()
    }

    /// Elementwise work on the tape's threads: `f(start, pieces)` over `outs` (equal lengths)
    /// cut into contiguous pieces at the same places, `start` being the pieces' offset. The
    /// cuts never change a bit (see [`crate::parallel`]'s `PIECE_ALIGN`); the optimizer steps
    /// through it.
    pub fn elementwise<const K: usize>(&self, outs: [&mut [f32]; K], f: &(dyn Fn(usize, [&mut [f32]; K]) + Sync)) {
        self.threads.pieces(outs, f)
    }

    /// Independent items on the tape's threads: `f(i)` once for each `i` in `0..items`, tasks
    /// claiming items one at a time; `work` (elements in all) keeps a small job on this
    /// thread. Results must not depend on which thread runs an item (write each item's result
    /// to its own place); the probes' statistics run through it.
    pub fn for_each_item(&self, items: usize, work: usize, f: &(dyn Fn(usize) + Sync)) {
        self.threads.items(items, work, f)
    }

    /// Whether every value of `xs` is finite, looked at in pieces on the tape's threads.
    pub fn all_finite(&self, xs: &[f32]) -> bool {
        use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
        const PIECE: usize = 1 << 14;
        let bad = AtomicBool::new(false);
        self.for_each_item(xs.len().div_ceil(PIECE), xs.len(), &|i| {
            let piece = &xs[i * PIECE..((i + 1) * PIECE).min(xs.len())];
            // `x·0` is ±0 for a finite x and NaN otherwise: a sum of them has no branch per value.
            if piece.iter().fold(0.0f32, |acc, &x| acc + x * 0.0) != 0.0 {
                bad.store(true, Relaxed);
            }
        });
        !bad.load(Relaxed)
    }

    /// The working memory of `n` threads (grown on first use, kept after).
    pub(crate) fn lanes(&mut self, n: usize) -> &mut [crate::parallel::Lane] {
        while self.lanes.len() < n {
            self.lanes.push(crate::parallel::Lane::default());
        }
        &mut self.lanes[..n]
    }

    /// Forgets every value and node but keeps their buffers for reuse by the next step.
    pub fn reset(&mut self) {
        let Tape { values, grads, nodes, pool, pool_u32, requires_grad, .. } = self;
        for t in values.drain(..) {
            stash(pool, t.into_vec());
        }
        for g in grads.drain(..) {
            stash(pool, g);
        }
        for n in nodes.drain(..) {
            match n {
                Node::SoftmaxCe(s) => {
                    stash(pool, s.probs);
                    pool_u32.push(s.labels);
                }
                Node::Pool(p) => {
                    if let Some(am) = p.into_argmax() {
                        pool_u32.push(am);
                    }
                }
                Node::Dropout(d) => stash(pool, d.mask),
                Node::BatchNorm(b) => {
                    stash(pool, b.mean);
                    stash(pool, b.inv_std);
                }
                _ => {}
            }
        }
        requires_grad.clear();
    }

    /// A zeroed buffer of `len`, reusing the smallest pooled allocation that fits; a large one
    /// is zeroed on the tape's threads (a serial fill of a batch's activation gradient kept the
    /// other threads waiting).
    pub(crate) fn buffer(&mut self, len: usize) -> Vec<f32> {
        let mut v = self.buffer_for_overwrite(len);
        self.threads.pieces([&mut v[..]], &|_, [piece]| piece.fill(0.0));
        v
    }

    /// Returns a scratch buffer to the pool.
    pub(crate) fn recycle(&mut self, v: Vec<f32>) {
        stash(&mut self.pool, v);
    }

    /// A buffer of `len` whose contents are unspecified (stale values from an earlier use):
    /// for kernels that overwrite every element. Skips the zero fill of [`Tape::buffer`].
    pub(crate) fn buffer_for_overwrite(&mut self, len: usize) -> Vec<f32> {
        let best = self
            .pool
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        match best {
            Some(i) => {
                let mut v = self.pool.swap_remove(i);
                if v.len() >= len {
                    v.truncate(len);
                } else {
                    v.resize(len, 0.0);
                }
                v
            }
            None => alloc::vec![0.0; len],
        }
    }

    /// A tensor for a kernel that writes every element (contents unspecified until then).
    pub(crate) fn tensor_for_overwrite(&mut self, shape: &[usize]) -> Tensor {
        let n = shape.iter().product();
        Tensor::from_vec(shape, self.buffer_for_overwrite(n))
    }

    /// A tensor of `shape` in a recycled buffer (zero-filled).
    pub(crate) fn tensor(&mut self, shape: &[usize]) -> Tensor {
        let n = shape.iter().product();
        Tensor::from_vec(shape, self.buffer(n))
    }

    pub(crate) fn push(&mut self, value: Tensor, node: Node, requires_grad: bool) -> Var {
        self.values.push(value);
        self.grads.push(Vec::new());
        self.requires_grad.push(requires_grad);
        self.nodes.push(node);
        Var(self.values.len() - 1)
    }

    /// A `u32` buffer of `len` (argmax indices, labels), contents unspecified.
    pub(crate) fn buffer_u32(&mut self, len: usize) -> Vec<u32> {
        let mut v = match self.pool_u32.iter().position(|v| v.capacity() >= len) {
            Some(i) => self.pool_u32.swap_remove(i),
            None => Vec::with_capacity(len),
        };
        v.resize(len, 0);
        v.truncate(len);
        v
    }

    /// Records a constant input copied from `data` into a recycled buffer (no allocation in a
    /// steady state).
    ///
    /// # Panics
    /// If `data.len()` is not the product of `shape`.
    #[track_caller]
    pub fn input_from_slice(&mut self, shape: &[usize], data: &[f32]) -> Var {
        let mut t = self.tensor_for_overwrite(shape);
        t.data_mut().copy_from_slice(data);
        self.input(t)
    }

    /// Overrides every batch norm's running-statistics momentum in [`Mode::Train`] (`None`:
    /// each layer's own). Setting `1/(i+1)` for the `i`-th of several batches makes the running
    /// statistics their exact average ("precise BN" recalibration).
    pub fn set_bn_momentum(&mut self, momentum: Option<f32>) {
        self.bn_momentum = momentum;
    }

    /// Starts a batch-norm recalibration: from now on, [`Mode::Train`] batch norms leave their
    /// running statistics alone and add their inputs' per-channel sums to a side table, until
    /// [`Tape::finish_bn_calibration`].
    pub fn begin_bn_calibration(&mut self) {
        self.bn_sums = Some(alloc::collections::BTreeMap::new());
    }

    /// Ends a recalibration: every batch norm that saw data gets the exact mean and (unbiased)
    /// variance of all its inputs over all the batches since [`Tape::begin_bn_calibration`].
    pub fn finish_bn_calibration(&mut self, params: &mut ParamStore, layers: &[(crate::BufferId, crate::BufferId)]) {
        let Some(sums) = self.bn_sums.take() else { return };
        for &(mean_id, var_id) in layers {
            let Some((s, s2, m)) = sums.get(&mean_id.0) else { continue };
            let m = *m as f64;
            for ch in 0..s.len() {
                let mean = s[ch] / m;
                let var = (s2[ch] / m - mean * mean).max(0.0);
                let unbiased = if m > 1.0 { var * m / (m - 1.0) } else { var };
                params.buffer_mut(mean_id)[ch] = mean as f32;
                params.buffer_mut(var_id)[ch] = unbiased as f32;
            }
        }
    }

    /// Records a constant input (no gradient is computed for it).
    pub fn input(&mut self, t: Tensor) -> Var {
        self.push(t, Node::Leaf, false)
    }

    /// Records an input whose gradient [`Tape::grad`] will report (gradient checks, saliency).
    pub fn input_with_grad(&mut self, t: Tensor) -> Var {
        self.push(t, Node::Leaf, true)
    }

    /// The value of `v`.
    pub fn value(&self, v: Var) -> &Tensor {
        &self.values[v.0]
    }

    /// The gradient of `v` after [`Tape::backward`] (empty if none reached it).
    pub fn grad(&self, v: Var) -> &[f32] {
        &self.grads[v.0]
    }

    pub(crate) fn needs_grad(&self, v: Var) -> bool {
        self.requires_grad[v.0]
    }

    /// Backpropagates from a scalar `loss` (seed 1), accumulating parameter gradients into
    /// `params` (`+=`; zero them first with [`ParamStore::zero_grad`]).
    ///
    /// # Panics
    /// If `loss` is not a single value.
    #[track_caller]
    pub fn backward(&mut self, loss: Var, params: &mut ParamStore) {
        assert_eq!(self.values[loss.0].len(), 1, "backward: loss must be a scalar");
        self.backward_from(loss, &[1.0], params);
    }

    /// Backpropagates with an explicit seed gradient `dy` for `out` (same length as its value).
    #[track_caller]
    pub fn backward_from(&mut self, out: Var, dy: &[f32], params: &mut ParamStore) {
        assert_eq!(self.values[out.0].len(), dy.len(), "backward_from: seed has the wrong length");
        let mut seed = self.buffer(dy.len());
        seed.copy_from_slice(dy);
        self.grads[out.0] = seed;
        for i in (0..=out.0).rev() {
            if self.grads[i].is_empty() || !self.requires_grad[i] {
                continue;
            }
            let dy = core::mem::take(&mut self.grads[i]);
            let node = core::mem::replace(&mut self.nodes[i], Node::Leaf);
            match &node {
                Node::Leaf => {}
                Node::Linear(n) => n.backward(self, Var(i), &dy, params),
                Node::Conv2d(n) => n.backward(self, Var(i), &dy, params),
                Node::Pool(n) => n.backward(self, &dy),
                Node::Act(n) => n.backward(self, Var(i), &dy),
                Node::Reshape(n) => n.backward(self, &dy),
                Node::Add(n) => n.backward(self, Var(i), &dy),
                Node::Mul(n) => n.backward(self, &dy),
                Node::Affine(n) => n.backward(self, &dy),
                Node::BatchNorm(n) => n.backward(self, &dy, params),
                Node::GlobalAvgPool(n) => n.backward(self, &dy),
                Node::Dropout(n) => n.backward(self, &dy),
                Node::Concat(n) => n.backward(self, &dy),
                Node::PadShortcut(n) => n.backward(self, &dy),
                Node::SoftmaxCe(n) => n.backward(self, &dy),
            }
            self.nodes[i] = node;
            self.grads[i] = dy;
        }
    }

    /// Makes sure `v` has a gradient buffer, for an op that writes every element of it:
    /// `true` when the buffer is new and its contents unspecified (the op assigns), `false`
    /// when it holds other ops' contributions (the op adds). Saves the zero fill and the read
    /// of [`Tape::grad_mut`] for the first contribution, which is most of them.
    pub(crate) fn grad_for_write(&mut self, v: Var) -> bool {
        if !self.grads[v.0].is_empty() {
            return false;
        }
        let n = self.values[v.0].len();
        self.grads[v.0] = self.buffer_for_overwrite(n);
        true
    }

    /// The gradient buffer of `v`, created zeroed on first use (for `+=` accumulation).
    pub(crate) fn grad_mut(&mut self, v: Var) -> &mut [f32] {
        if self.grads[v.0].is_empty() {
            let n = self.values[v.0].len();
            self.grads[v.0] = self.buffer(n);
        }
        &mut self.grads[v.0]
    }
}
