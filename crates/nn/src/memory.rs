//! How much memory training a model takes, estimated from its cost table before anything is
//! built, so a configuration that cannot fit is refused with numbers instead of failing with
//! an out-of-memory trap half-way through its first step.
//!
//! What a step holds at its peak (f32 everywhere):
//! - the parameters, their gradients and the optimizer's state (Adam: two moments; SGD with
//!   momentum: one velocity);
//! - every layer's output for the whole batch, kept on the tape for the backward pass, and
//!   during the backward pass a gradient of the same size for each; batch norm and the fused
//!   activations keep a little more (masks, scratch): [`ACTIVATION_COPIES`] times
//!   the sum of the cost table's output sizes times the batch, plus two copies for an
//!   evaluation chunk (the tape keeps the step's buffers for reuse while it evaluates);
//! - per-sample scratch: the largest im2col buffer (convolutions are lowered one sample at a
//!   time) or a Winograd convolution's transformed buffers, whichever is larger, twice, and the
//!   GEMM's packing buffer, once for each thread a step runs on (every thread has its own), the
//!   input batch, and [`RUNTIME`] for the
//!   test and calibration digits a trainer worker holds.
//!
//! `tests/memory_estimate.rs`
//! measures the real peak heap of training steps of every family with a counting allocator and
//! checks that the estimate is above it and within a factor of four of it.

use crate::error::ConfigError;
use crate::optim::OptimizerKind;
use crate::spec::CostRow;
use crate::train::{EVAL_CHUNK, PIXELS};
use alloc::format;

/// Bytes per value.
const F32: u64 = 4;
/// Values kept per layer output and sample during a step, in units of the output's size: the
/// output and its gradient, plus what batch norm and fused activations keep (measured: a
/// ResNet held about 2.3 copies at its peak while batch norm kept its normalised input; less
/// since it recomputes it: ResNet-20 at batch 64 peaks at 227 MiB against 547 estimated).
pub const ACTIVATION_COPIES: u64 = 3;
/// What a trainer holds besides the model: the 2,000 test and 640 calibration digits as
/// floats, and slack for the allocator.
pub const RUNTIME: u64 = 16 << 20;

/// Peak bytes of one training step, by what holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MemoryEstimate {
    /// Parameters and their gradients.
    pub params: u64,
    /// The optimizer's state.
    pub optimizer: u64,
    /// Layer outputs kept for the backward pass and their gradients, for the whole batch.
    pub activations: u64,
    /// Per-sample scratch (one per thread) and the input batch.
    pub scratch: u64,
    /// The sum.
    pub total: u64,
}

/// Floats of every layer's output for one sample (saturating: a spec's sizes are bounded by
/// the builder, but the estimate must never overflow whatever it is given).
/// A Highway gate's row stands for five more values of its size that the cost table does not
/// list: T = sigmoid(gate), T·H(x), 1 − T, (1 − T)·x and their sum.
fn activation_floats(rows: &[CostRow]) -> u64 {
    rows.iter().fold(0u64, |a, r| {
        let size = r.output.iter().fold(1u64, |p, &d| p.saturating_mul(d as u64));
        let hidden = if r.name.ends_with(".gate") { 5 } else { 0 };
        a.saturating_add(size.saturating_mul(1 + hidden))
    })
}

/// The estimate for training with `batch` samples per step and `optimizer` on at most `threads`
/// threads (each holds its own convolution scratch).
pub fn estimate(rows: &[CostRow], batch: usize, optimizer: OptimizerKind, threads: usize) -> MemoryEstimate {
    let p = rows.iter().fold(0u64, |a, r| a.saturating_add(r.params));
    let params = p.saturating_mul(2 * F32);
    let optimizer = p.saturating_mul(F32 * optimizer_slots(optimizer));
    // Evaluation and batch-norm calibration run forward only in chunks of EVAL_CHUNK digits;
    // the tape keeps the training step's buffers for reuse meanwhile, so both can be live.
    let batch = batch as u64;
    let per_sample = activation_floats(rows).saturating_mul(F32);
    let eval = 2 * EVAL_CHUNK as u64;
    let activations = per_sample.saturating_mul(ACTIVATION_COPIES.saturating_mul(batch).saturating_add(eval));
    // The largest im2col buffer of one sample: a convolution's multiply-accumulates over its
    // output channels are its patch length times its output positions (forward and backward
    // each hold one), and the input batch.
    let col = rows
        .iter()
        .filter(|r| r.kind == "conv")
        .map(|r| r.macs / r.output.first().copied().unwrap_or(1).max(1) as u64)
        .max()
        .unwrap_or(0);
    // A Winograd convolution holds its transformed input and products instead, a few images'
    // worth: about TRANSFORMED_TARGET values a side (more only for an image larger than that,
    // which the im2col term above covers: 16 values per 2×2 tile against 9 per position).
    let col = col.max(depthlab_core::kernels::winograd::TRANSFORMED_TARGET as u64);
    // Each thread's lane: that buffer and its gradient twin (im2col and col2im), and the GEMM's
    // packing of B (at most KC × NC values; measured: AlexNet-mini holds about 3.7 MiB more per
    // thread).
    let gemm_pack = (depthlab_core::kernels::gemm::KC * depthlab_core::kernels::gemm::NC) as u64 * F32;
    let scratch = col
        .saturating_mul(2 * F32)
        .saturating_add(gemm_pack)
        .saturating_mul(threads.max(1) as u64)
        .saturating_add(batch.saturating_mul(PIXELS as u64 * F32))
        .saturating_add(RUNTIME);
    let total = params.saturating_add(optimizer).saturating_add(activations).saturating_add(scratch);
    MemoryEstimate { params, optimizer, activations, scratch, total }
}

/// Optimizer state per parameter: Adam keeps two moments, SGD one velocity.
fn optimizer_slots(o: OptimizerKind) -> u64 {
    match o {
        OptimizerKind::Adam => 2,
        OptimizerKind::Sgd => 1,
    }
}

/// The largest batch size (at least 1, at most `max_batch`) whose estimate is within `limit`
/// bytes, or 0 if not even one sample fits.
pub fn largest_batch(
    rows: &[CostRow],
    optimizer: OptimizerKind,
    threads: usize,
    limit: u64,
    max_batch: usize,
) -> usize {
    let (mut lo, mut hi) = (0usize, max_batch);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if estimate(rows, mid, optimizer, threads).total <= limit {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// Megabytes, rounded, for messages.
fn mb(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

/// The estimate, or a refusal (code `model.memory`) that gives the numbers and what to lower
/// when training `model` at `batch` on up to `threads` threads would need more than `limit` bytes.
pub fn check(
    rows: &[CostRow],
    model: &str,
    batch: usize,
    optimizer: OptimizerKind,
    threads: usize,
    limit: u64,
) -> Result<MemoryEstimate, ConfigError> {
    let e = estimate(rows, batch, optimizer, threads);
    if e.total <= limit {
        return Ok(e);
    }
    let fits = largest_batch(rows, optimizer, threads, limit, batch);
    let (need, have, weights, acts) = (mb(e.total), mb(limit), mb(e.params + e.optimizer), mb(e.activations));
    let advice = if fits > 0 {
        format!("lower the batch size to {fits} or less, or choose a smaller model")
    } else {
        "choose a smaller model".into()
    };
    Err(ConfigError::coded(
        "batch_size",
        format!(
            "training {model} at batch size {batch} needs about {need} MB (weights and optimizer {weights} MB, activations {acts} MB), more than the {have} MB available here; {advice}"
        ),
        "model.memory",
        &[("model", &model), ("batch", &batch), ("need", &need), ("have", &have), ("weights", &weights), ("activations", &acts), ("fits", &fits)],
    ))
}
