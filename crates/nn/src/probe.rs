//! Probes: what each weighted layer (every convolution and linear layer, input side first) does
//! during a training step — gradient norms, update size, the signal it passes on — and where a
//! NaN or an infinity first appears when training diverges.
//!
//! A probe reads the tape after the backward pass; it never changes what is trained. The
//! statistics of a step are taken every [`Probes::every`] steps (the page's rate setting) and
//! cost one pass over each layer's output and one over its weights.
//!
//! "The signal a layer passes on" is the last value the forward pass computed before the next
//! weighted layer began (in creation order on the tape): after conv → batch norm → ReLU it is
//! the ReLU's output; after a residual block's last convolution it is the block's output, after
//! the shortcut is added. Its dead-ReLU fraction comes from the first ReLU in that stretch.

use crate::spec::CostRow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use depthlab_core::simd::{F32x4, Lanes};
use depthlab_core::{NodeInfo, ParamId, ParamStore, Tape, Var};

/// One statistic recorded per weighted layer: its key (the page and exports read it), an English
/// label and what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProbeField {
    /// Stable key.
    pub key: &'static str,
    /// Short label.
    pub label: &'static str,
    /// What it measures.
    pub help: &'static str,
    /// Best read on a log scale (norms and ratios spanning decades).
    pub log: bool,
}

/// The statistics, in the order [`Probes::values`] lays them out per layer.
pub const PROBE_FIELDS: [ProbeField; 6] = [
    ProbeField { key: "weight_grad", label: "‖∂L/∂W‖", help: "L2 norm of the gradient of the layer's weights.", log: true },
    ProbeField {
        key: "input_grad",
        label: "‖∂L/∂x‖",
        help: "L2 norm of the gradient with respect to the layer's input (none for the first layer: the image gets no gradient).",
        log: true,
    },
    ProbeField { key: "update_ratio", label: "‖ΔW‖/‖W‖", help: "Size of the optimizer's update relative to the weights (about 1e-3 is healthy).", log: true },
    ProbeField { key: "act_mean", label: "mean", help: "Mean of the signal the layer passes on.", log: false },
    ProbeField { key: "act_std", label: "std", help: "Standard deviation of the signal the layer passes on.", log: true },
    ProbeField {
        key: "dead_relu",
        label: "dead ReLU",
        help: "Fraction of the ReLU outputs after the layer that are zero (none if no ReLU follows).",
        log: false,
    },
];
/// Index of each field in a layer's row.
pub const WEIGHT_GRAD: usize = 0;
const INPUT_GRAD: usize = 1;
const UPDATE_RATIO: usize = 2;
const ACT_MEAN: usize = 3;
const ACT_STD: usize = 4;
const DEAD_RELU: usize = 5;
/// Statistics per layer.
pub const FIELDS: usize = PROBE_FIELDS.len();
/// Default: statistics every step.
pub const DEFAULT_EVERY: u64 = 1;
/// A layer whose update in one step is this many times larger than its weights is being
/// replaced rather than trained: the run has diverged even if every value stays finite. Batch
/// norm keeps a ResNet's activations finite at a learning rate of 10, but its first updates are
/// 4–170× the weights (measured: ResNet-8, SGD and Adam at lr 10), after which the blown-up
/// weights make every later update look small. Healthy training is near 1e-3; Adam at lr 0.1,
/// far too high but not divergent, reaches about 1.7 on its first step.
pub const MAX_UPDATE_RATIO: f32 = 3.0;

/// How a run diverged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// A value of the forward pass became NaN or infinite.
    Forward,
    /// A gradient of the backward pass became NaN or infinite.
    Backward,
    /// A layer's update was more than [`MAX_UPDATE_RATIO`] times its weights.
    Update,
}

/// Training diverged: a value or gradient became NaN or infinite. The step was not applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// Which pass.
    pub pass: Pass,
    /// The weighted layer where it first appeared (or the last one before it), e.g. `layers.3`.
    pub layer: String,
    /// Where in or after that layer.
    pub site: Site,
    /// The step (1-based) that diverged.
    pub step: u64,
    /// The learning rate of that step.
    pub lr: f32,
}

/// Where a divergence was found, relative to [`Divergence::layer`].
#[derive(Clone, Debug, PartialEq)]
pub enum Site {
    /// The output of the layer, of this cost-table kind (`conv`, `linear`, …; empty if unknown).
    Output(&'static str),
    /// A batch norm.
    BatchNorm,
    /// The classifier's output (the layer is "the loss").
    Loss,
    /// A value computed just after the layer (an activation, an addition, a pooling).
    After,
    /// The images themselves (the layer is "the input").
    Input,
    /// The layer's update was this many times its weights.
    Update(f32),
}

impl Site {
    /// A stable name for the page's catalogues.
    pub fn key(&self) -> &'static str {
        match self {
            Site::Output(_) => "output",
            Site::BatchNorm => "batch_norm",
            Site::Loss => "loss",
            Site::After => "after",
            Site::Input => "input",
            Site::Update(_) => "update",
        }
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Site::Output("") => f.write_str("its output"),
            Site::Output(kind) => write!(f, "the output of this {kind}"),
            Site::BatchNorm => f.write_str("a batch norm"),
            Site::Loss => f.write_str("the classifier's output"),
            Site::After => f.write_str("just after it"),
            Site::Input => f.write_str("the images"),
            Site::Update(r) => write!(f, "its update was {r:.1}× its weights"),
        }
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.pass {
            Pass::Forward => "values in the forward pass became NaN or infinite, first at",
            Pass::Backward => "gradients in the backward pass became NaN or infinite, first at",
            Pass::Update => "the update was several times larger than the weights it changed, most of all at",
        };
        let (applied, also) = match self.pass {
            Pass::Update => ("The run was stopped", ""),
            _ => ("The step was not applied", ", or use a model with batch norm and shortcuts"),
        };
        write!(
            f,
            "training diverged at step {}: {what} {} ({}). {applied}. Lower the learning rate (it was {}) or add warm-up steps{also}.",
            self.step, self.layer, self.site, self.lr
        )
    }
}

impl crate::error::Coded for Divergence {
    fn code(&self) -> &'static str {
        match self.pass {
            Pass::Forward => "diverged.forward",
            Pass::Backward => "diverged.backward",
            Pass::Update => "diverged.update",
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        use alloc::string::ToString;
        let mut p = alloc::vec![
            ("step", self.step.to_string()),
            ("layer", self.layer.clone()),
            ("site", self.site.key().to_string()),
            ("lr", self.lr.to_string()),
        ];
        match self.site {
            Site::Output(kind) => p.push(("kind", kind.to_string())),
            Site::Update(r) => p.push(("ratio", format!("{r:.1}"))),
            _ => {}
        }
        p
    }
}

/// The layers a trainer probes and the latest statistics.
#[derive(Debug, Clone)]
pub struct Probes {
    /// Layer names (the weight's name without `.weight`), input side first.
    names: Vec<String>,
    /// Their weights.
    weights: Vec<ParamId>,
    /// For every parameter index, the probed layer it is the weight of (`u32::MAX`: none).
    layer_of_param: Vec<u32>,
    /// Statistics every this many steps (0: never).
    every: u64,
    /// Whether the next due step takes statistics (see [`Probes::set_next`]).
    next: bool,
    /// `names.len() × FIELDS` values of step `step` (NaN: not applicable).
    values: Vec<f32>,
    /// The step the values come from (0: none yet).
    step: u64,
    /// Weights before the update, for the update ratio (taken at every step).
    before: Vec<f32>,
    /// Where each layer's weights start in `before`.
    starts: Vec<usize>,
    /// The update ratio of every layer at the latest step.
    ratios: Vec<f32>,
    /// Scratch: each layer's input, the last value of its stretch, the last one with a spatial
    /// shape (before a flatten) and its first ReLU.
    inputs: Vec<Option<Var>>,
    spatial: Vec<Option<Var>>,
    signal: Vec<Option<Var>>,
    relu: Vec<Option<Var>>,
    /// Scratch of `record`: the slices it measures (where each is read, its layer, which
    /// statistic), and the buffers of their statistics.
    to: Vec<(Source, usize, Field)>,
    moments: MomentsScratch,
}

/// What one convolution passes on for one image.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FeatureMap {
    /// The layer (as in [`Probes::names`]).
    pub layer: String,
    /// `[channels, height, width]`.
    pub shape: [usize; 3],
    /// The values, channel by channel.
    pub data: Vec<f32>,
}

/// Conv (rank 4) and linear (rank 2) weights; biases and batch-norm scales are not probed.
fn is_probed(name: &str, shape: &[usize]) -> bool {
    name.ends_with(".weight") && shape.len() >= 2
}

/// Elements per block of [`moments`]: eight f32 lanes accumulate within a block, blocks are
/// added in f64.
const BLOCK: usize = 1024;

/// Sum, sum of squares and count of zeros of one block (at most [`BLOCK`] values): eight
/// independent f32 lanes (two [`F32x4`]; a plain `sum()` is one serial chain and cost
/// ResNet-20 about 15% of a step), added in f64. Written with core's lanes: the compiler's
/// own vectorisation of eight scalar accumulators shuffled lanes at every step.
fn block_moments(block: &[f32]) -> (f64, f64, usize) {
    let (mut s, mut q) = ([F32x4::zero(); 2], [F32x4::zero(); 2]);
    let mut eights = block.chunks_exact(8);
    for c in &mut eights {
        for h in 0..2 {
            let v = F32x4::load_slice(&c[4 * h..]);
            s[h] = s[h].add(v);
            q[h] = q[h].add(v.mul(v));
        }
    }
    let (mut s8, mut q8) = ([0.0f32; 8], [0.0f32; 8]);
    for h in 0..2 {
        s[h].store_slice(&mut s8[4 * h..]);
        q[h].store_slice(&mut q8[4 * h..]);
    }
    for &v in eights.remainder() {
        s8[0] += v;
        q8[0] += v * v;
    }
    let zeros = block.iter().filter(|&&v| v == 0.0).count();
    (s8.iter().map(|&v| v as f64).sum::<f64>(), q8.iter().map(|&v| v as f64).sum::<f64>(), zeros)
}

/// Blocks' statistics added up in order: the one order [`moments`] and [`moments_all`] share.
fn add_blocks(blocks: impl Iterator<Item = (f64, f64, usize)>) -> (f64, f64, usize) {
    blocks.fold((0.0, 0.0, 0), |(sum, sq, zeros), (s, q, z)| (sum + s, sq + q, zeros + z))
}

/// Sum, sum of squares and count of zeros of `x` in one pass: [`block_moments`] of each
/// block, added in order.
fn moments(x: &[f32]) -> (f64, f64, usize) {
    add_blocks(x.chunks(BLOCK).map(block_moments))
}

/// Blocks per item of [`moments_all`]: 64 Ki values, enough to be worth a claim.
const BLOCKS_PER_ITEM: usize = 64;

/// The buffers of [`moments_all`], kept across steps (a training step allocates nothing once
/// warm); a clone starts empty.
#[derive(Debug, Default)]
struct MomentsScratch {
    /// Item k: slice `items[k].0` from block `items[k].1`.
    items: Vec<(usize, usize)>,
    /// Each slice's first block among all blocks.
    first_block: Vec<usize>,
    /// Each block's sum and sum of squares (f64 bits) and zero count.
    out: Vec<core::sync::atomic::AtomicU64>,
    /// Each slice's statistics.
    stats: Vec<(f64, f64, usize)>,
    /// Each layer's update ratio (f32 bits), as `Probes::record_update` computes them.
    ratio_bits: Vec<core::sync::atomic::AtomicU32>,
}

impl Clone for MomentsScratch {
    fn clone(&self) -> Self {
        MomentsScratch::default()
    }
}

/// [`moments`] of `slice(0)`, …, `slice(n − 1)`, on the tape's threads: the blocks are
/// computed independently (items of [`BLOCKS_PER_ITEM`] blocks, claimed by the threads) and
/// then added in order, so the results have the bits of [`moments`] on one thread.
fn moments_all<'s, 'a>(
    tape: &Tape,
    n: usize,
    slice: &(dyn Fn(usize) -> &'a [f32] + Sync),
    m: &'s mut MomentsScratch,
) -> &'s [(f64, f64, usize)] {
    use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let MomentsScratch { items, first_block, out, stats, .. } = m;
    items.clear();
    first_block.clear();
    let (mut blocks, mut work) = (0, 0);
    for j in 0..n {
        let len = slice(j).len();
        first_block.push(blocks);
        let nb = len.div_ceil(BLOCK);
        items.extend((0..nb).step_by(BLOCKS_PER_ITEM).map(|b| (j, b)));
        blocks += nb;
        work += len;
    }
    while out.len() < 3 * blocks {
        out.push(AtomicU64::new(0));
    }
    let (items, first_block, out) = (&*items, &*first_block, &*out);
    tape.for_each_item(items.len(), work, &|k| {
        let (j, b0) = items[k];
        let x = slice(j);
        for b in b0..(b0 + BLOCKS_PER_ITEM).min(x.len().div_ceil(BLOCK)) {
            let (s, q, z) = block_moments(&x[b * BLOCK..((b + 1) * BLOCK).min(x.len())]);
            let at = 3 * (first_block[j] + b);
            // Relaxed: the pool's join publishes the results.
            out[at].store(s.to_bits(), Relaxed);
            out[at + 1].store(q.to_bits(), Relaxed);
            out[at + 2].store(z as u64, Relaxed);
        }
    });
    stats.clear();
    stats.extend((0..n).map(|j| {
        let blocks = first_block[j]..first_block[j] + slice(j).len().div_ceil(BLOCK);
        add_blocks(blocks.map(|b| {
            let v = |k: usize| out[3 * b + k].load(Relaxed);
            (f64::from_bits(v(0)), f64::from_bits(v(1)), v(2) as usize)
        }))
    }));
    stats
}

/// Where [`Probes::record`] reads a slice.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// A weight's gradient.
    WeightGrad(ParamId),
    /// The gradient at a value of the tape.
    Grad(Var),
    /// A value of the tape.
    Value(Var),
}

/// Which statistic of its layer a slice gives.
#[derive(Clone, Copy, Debug)]
enum Field {
    /// Its L2 norm, into this column ([`WEIGHT_GRAD`] or [`INPUT_GRAD`]).
    Norm(usize),
    /// The signal's mean and standard deviation; its zero fraction too when it is the ReLU.
    Signal {
        dead: bool,
    },
    Dead,
}

fn norm(xs: &[f32]) -> f32 {
    depthlab_core::simd::sqrt(moments(xs).1) as f32
}

impl Probes {
    /// The probed layers of a model's parameters.
    pub fn new(params: &ParamStore) -> Self {
        let mut names = Vec::new();
        let mut weights = Vec::new();
        let mut layer_of_param = alloc::vec![u32::MAX; params.entries().len()];
        for (i, e) in params.entries().iter().enumerate() {
            if is_probed(&e.name, &e.shape) {
                layer_of_param[i] = names.len() as u32;
                names.push(String::from(e.name.trim_end_matches(".weight")));
                weights.push(ParamId::from_index(i));
            }
        }
        let n = names.len();
        // Each layer's place in `before`, which holds every probed weight.
        let mut starts = Vec::with_capacity(n);
        let mut total = 0;
        for &w in &weights {
            starts.push(total);
            total += params.value(w).len();
        }
        Probes {
            names,
            weights,
            layer_of_param,
            every: DEFAULT_EVERY,
            next: true,
            values: alloc::vec![f32::NAN; n * FIELDS],
            step: 0,
            before: alloc::vec![0.0; total],
            starts,
            ratios: alloc::vec![0.0; n],
            inputs: alloc::vec![None; n],
            spatial: alloc::vec![None; n],
            signal: alloc::vec![None; n],
            relu: alloc::vec![None; n],
            to: Vec::new(),
            moments: MomentsScratch::default(),
        }
    }

    /// Names of the probed layers, input side first.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Statistics are taken every this many steps (0: never).
    pub fn every(&self) -> u64 {
        self.every
    }
    /// Sets the rate (0 turns the statistics off; divergence is always detected).
    pub fn set_every(&mut self, every: u64) {
        self.every = every;
    }
    /// The latest statistics: [`FIELDS`] values per layer in the order of [`PROBE_FIELDS`]
    /// (NaN where a field does not apply), from step [`Probes::step`].
    pub fn values(&self) -> &[f32] {
        &self.values
    }
    /// The step the latest statistics come from (0: none yet).
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Whether the steps from the next one on take statistics when due by the rate (default:
    /// yes). A caller that shows only some steps' statistics — the page sends them a few times
    /// a second — says no for the others and so skips a pass over every layer's signals and
    /// gradients; training is the same either way (statistics only read).
    pub fn set_next(&mut self, on: bool) {
        self.next = on;
    }

    /// Whether step `step` (1-based) takes statistics.
    pub(crate) fn due(&self, step: u64) -> bool {
        self.next && self.every > 0 && step.is_multiple_of(self.every)
    }

    /// Before every optimizer step: a copy of the weights to measure the update against, made
    /// on the tape's threads (a serial pass over every weight would hold up the other cores).
    pub(crate) fn snapshot(&mut self, params: &ParamStore, tape: &Tape) {
        let (weights, starts) = (&self.weights, &self.starts);
        tape.elementwise([&mut self.before], &|at, [out]| {
            // The layers this piece of the copy covers, from the last one starting at or before it.
            let mut l = starts.partition_point(|&s| s <= at) - 1;
            let mut pos = at;
            while pos < at + out.len() {
                let w = params.value(weights[l]);
                let off = pos - starts[l];
                let n = (w.len() - off).min(at + out.len() - pos);
                out[pos - at..pos - at + n].copy_from_slice(&w[off..off + n]);
                pos += n;
                l += 1;
            }
        });
    }

    /// After the backward pass of step `step`: everything but the update ratio.
    pub(crate) fn record(&mut self, tape: &Tape, params: &ParamStore, step: u64) {
        self.step = step;
        self.values.fill(f32::NAN);
        self.trace(tape);
        // Every slice to measure and where its statistic goes, measured in one job on the
        // tape's threads.
        let to = &mut self.to;
        to.clear();
        for (l, &w) in self.weights.iter().enumerate() {
            to.push((Source::WeightGrad(w), l, Field::Norm(WEIGHT_GRAD)));
        }
        for l in 0..self.names.len() {
            if let Some(input) = self.inputs[l].filter(|&v| !tape.grad(v).is_empty()) {
                to.push((Source::Grad(input), l, Field::Norm(INPUT_GRAD)));
            }
            if let Some(v) = self.signal[l] {
                to.push((Source::Value(v), l, Field::Signal { dead: self.relu[l] == Some(v) }));
            }
            if let Some(v) = self.relu[l].filter(|&r| Some(r) != self.signal[l]) {
                to.push((Source::Value(v), l, Field::Dead));
            }
        }
        let to = &*to;
        let slice = |j: usize| match to[j].0 {
            Source::WeightGrad(w) => params.grad(w),
            Source::Grad(v) => tape.grad(v),
            Source::Value(v) => tape.value(v).data(),
        };
        let stats = moments_all(tape, to.len(), &slice, &mut self.moments);
        for (j, (&(_, l, field), &(sum, sq, zeros))) in to.iter().zip(stats).enumerate() {
            let n = slice(j).len().max(1) as f64;
            let at = l * FIELDS;
            match field {
                Field::Norm(column) => self.values[at + column] = depthlab_core::simd::sqrt(sq) as f32,
                Field::Signal { dead } => {
                    let mean = sum / n;
                    self.values[at + ACT_MEAN] = mean as f32;
                    self.values[at + ACT_STD] = depthlab_core::simd::sqrt((sq / n - mean * mean).max(0.0)) as f32;
                    if dead {
                        self.values[at + DEAD_RELU] = zeros as f32 / n as f32;
                    }
                }
                Field::Dead => self.values[at + DEAD_RELU] = zeros as f32 / n as f32,
            }
        }
    }

    /// Walks the tape of a forward pass: for each probed layer, its input, the signal it passes
    /// on (the last value before the next weighted layer) and the first ReLU output after it.
    fn trace(&mut self, tape: &Tape) {
        self.signal.fill(None);
        self.relu.fill(None);
        self.inputs.fill(None);
        self.spatial.fill(None);
        let mut current: Option<usize> = None;
        for i in 0..tape.len() {
            let Some(v) = tape.var_at(i) else { break };
            let info = tape.node_info(v);
            match info {
                NodeInfo::Weighted { input, weight, .. } => {
                    let l = self.layer_of_param.get(weight.index()).copied().unwrap_or(u32::MAX);
                    if l != u32::MAX {
                        current = Some(l as usize);
                        self.inputs[l as usize] = Some(input);
                    }
                }
                NodeInfo::Loss | NodeInfo::Leaf => continue,
                _ => {}
            }
            if let Some(l) = current {
                self.signal[l] = Some(v);
                if tape.value(v).shape().len() == 4 {
                    self.spatial[l] = Some(v);
                }
                if info.is_relu() && self.relu[l].is_none() {
                    self.relu[l] = Some(v);
                }
            }
        }
    }

    /// After a forward pass of one image: the signal each convolution passes on, as feature
    /// maps (`[C, H, W]`: the last spatial value of its stretch), input side first.
    pub(crate) fn feature_maps(&mut self, tape: &Tape) -> Vec<FeatureMap> {
        self.trace(tape);
        let mut out = Vec::new();
        for (l, name) in self.names.iter().enumerate() {
            let Some(v) = self.spatial[l] else { continue };
            let t = tape.value(v);
            if let [1, c, h, w] = t.shape() {
                out.push(FeatureMap { layer: name.clone(), shape: [*c, *h, *w], data: t.data().to_vec() });
            }
        }
        out
    }

    /// After every optimizer step (following [`Probes::snapshot`]): each layer's update ratio,
    /// into the statistics if they were recorded at this step. Returns the layer with the
    /// largest ratio if it is above [`MAX_UPDATE_RATIO`].
    pub(crate) fn record_update(&mut self, params: &ParamStore, tape: &Tape, recorded: bool) -> Option<usize> {
        use core::sync::atomic::{AtomicU32, Ordering::Relaxed};
        let layers = self.weights.len();
        let bits = &mut self.moments.ratio_bits;
        while bits.len() < layers {
            bits.push(AtomicU32::new(0));
        }
        let (weights, starts, before, bits) = (&self.weights, &self.starts, &self.before, &*bits);
        // One layer per item on the tape's threads, each computed as on one thread.
        tape.for_each_item(layers, before.len(), &|l| {
            let now = params.value(weights[l]);
            let old = &before[starts[l]..starts[l] + now.len()];
            let mut d8 = [0.0f32; 8];
            for (i, (a, b)) in now.iter().zip(old).enumerate() {
                d8[i % 8] += (a - b) * (a - b);
            }
            let delta = depthlab_core::simd::sqrtf(d8.iter().sum::<f32>());
            let base = norm(old);
            // Relaxed: the pool's join publishes the results.
            bits[l].store((if base > 0.0 { delta / base } else { f32::NAN }).to_bits(), Relaxed);
        });
        for l in 0..layers {
            self.ratios[l] = f32::from_bits(bits[l].load(Relaxed));
            if recorded {
                self.values[l * FIELDS + UPDATE_RATIO] = self.ratios[l];
            }
        }
        (0..self.ratios.len())
            .filter(|&l| self.ratios[l] > MAX_UPDATE_RATIO)
            .max_by(|&a, &b| self.ratios[a].total_cmp(&self.ratios[b]))
    }

    /// The update ratio of layer `l` at the latest step.
    pub(crate) fn ratio(&self, l: usize) -> f32 {
        self.ratios[l]
    }

    /// Names the place of `v` on the tape: its weighted layer, or the last one before it.
    pub(crate) fn locate(&self, tape: &Tape, params: &ParamStore, v: Var, costs: &[CostRow]) -> (String, Site) {
        let kind_of = |layer: &str| costs.iter().find(|r| r.name == layer).map_or("", |r| r.kind);
        let strip = |name: &str| String::from(name.rsplit_once('.').map_or(name, |(a, _)| a));
        match tape.node_info(v) {
            NodeInfo::Weighted { weight, .. } => {
                let name = strip(&params.entry(weight).name);
                let kind = kind_of(&name);
                (name, Site::Output(kind))
            }
            NodeInfo::BatchNorm { gamma, .. } => (strip(&params.entry(gamma).name), Site::BatchNorm),
            NodeInfo::Loss => (String::from("the loss"), Site::Loss),
            _ => {
                for i in (0..v.index()).rev() {
                    let Some(u) = tape.var_at(i) else { break };
                    if let NodeInfo::Weighted { weight, .. } | NodeInfo::BatchNorm { gamma: weight, .. } =
                        tape.node_info(u)
                    {
                        return (strip(&params.entry(weight).name), Site::After);
                    }
                }
                (String::from("the input"), Site::Input)
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// The statistics as first written: eight f32 lanes per block of 1,024 values, scalar
    /// code, blocks added in f64 in order.
    fn reference(x: &[f32]) -> (f64, f64, usize) {
        let (mut sum, mut sq, mut zeros) = (0.0f64, 0.0f64, 0usize);
        for block in x.chunks(1024) {
            let (mut s8, mut q8) = ([0.0f32; 8], [0.0f32; 8]);
            let mut lanes = block.chunks_exact(8);
            for c in &mut lanes {
                for k in 0..8 {
                    s8[k] += c[k];
                    q8[k] += c[k] * c[k];
                }
            }
            for &v in lanes.remainder() {
                s8[0] += v;
                q8[0] += v * v;
            }
            sum += s8.iter().map(|&v| v as f64).sum::<f64>();
            sq += q8.iter().map(|&v| v as f64).sum::<f64>();
            zeros += block.iter().filter(|&&v| v == 0.0).count();
        }
        (sum, sq, zeros)
    }

    /// Every slice's statistics on the tape's threads have the bits of the one-thread pass and
    /// of the scalar reference: lengths around block and item edges, zeros (and −0) scattered,
    /// values of mixed sign and size so any change in the order of additions shows.
    #[test]
    fn threads_give_the_bits_of_one_pass() {
        let lens = [0, 1, 7, 8, 1023, 1024, 1025, BLOCKS_PER_ITEM * BLOCK - 1, BLOCKS_PER_ITEM * BLOCK + 9, 300_001];
        let data: Vec<Vec<f32>> = lens
            .iter()
            .enumerate()
            .map(|(j, &n)| {
                (0..n)
                    .map(|i| match (i * 7 + j) % 13 {
                        0 => 0.0,
                        1 => -0.0,
                        k => ((i * 2_654_435_761 + j) % 100_003) as f32 * 1e-3 * if k % 2 == 0 { 1.0 } else { -3.7 },
                    })
                    .collect()
            })
            .collect();
        let xs: Vec<&[f32]> = data.iter().map(|d| &d[..]).collect();
        let bits =
            |v: &[(f64, f64, usize)]| v.iter().map(|&(s, q, z)| (s.to_bits(), q.to_bits(), z)).collect::<Vec<_>>();
        let mut scratch = MomentsScratch::default();
        let mut all = |tape: &Tape| bits(moments_all(tape, xs.len(), &|j| xs[j], &mut scratch));
        let expected: Vec<_> = xs.iter().map(|x| reference(x)).collect();
        assert_eq!(bits(&xs.iter().map(|x| moments(x)).collect::<Vec<_>>()), bits(&expected));
        assert_eq!(all(&Tape::new()), bits(&expected));
        for threads in [2, 3] {
            let mut tape = Tape::new();
            tape.set_parallel(Some(depthlab_core::parallel::RayonPool::leaked(threads).unwrap()));
            assert_eq!(all(&tape), bits(&expected), "{threads} threads");
        }
        // About 2 in 13 values are 0 or −0 (their bits but the sign are zero): both count.
        let last = data.last().unwrap();
        assert!(last.iter().any(|v| v.to_bits() == 1 << 31));
        assert_eq!(expected.last().unwrap().2, last.iter().filter(|v| v.to_bits() << 1 == 0).count());
    }
}
