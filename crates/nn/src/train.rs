//! The training step: a model, its parameters, an optimizer and a reusable tape.
//! Batches come in as flat `[n·784]` pixels in `[0, 1]` and `[n]` labels.

use crate::config::TrainConfig;
use crate::error::ConfigError;
use crate::optim::Optimizer;
use crate::probe::{Divergence, Pass, Probes, Site};
use crate::spec::{build, CostRow, ModelSpec, Network};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use depthlab_core::{BufferId, Mode, ParamStore, Rng, Tape};

pub use crate::data::PIXELS;
/// Number of classes.
pub const CLASSES: usize = 10;
/// Images per forward pass in [`Trainer::evaluate`] (bounds the tape's memory: every activation of a chunk is kept).
pub const EVAL_CHUNK: usize = 64;
/// Clean training digits over which batch-norm statistics are recomputed before every
/// evaluation ([`Trainer::calibrate_batch_norm`]; the CLI and the page use the same number).
pub const CALIBRATION_DIGITS: usize = 640;
/// Weight of each auxiliary classifier's loss in training (GoogLeNet's 0.3).
pub const AUX_WEIGHT: f32 = 0.3;

/// Loss and accuracy of one step or one evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// Mean cross-entropy.
    pub loss: f32,
    /// Fraction classified correctly.
    pub accuracy: f32,
}

/// A batch the trainer cannot use; the message says how to fix it.
#[derive(Clone, Debug, PartialEq)]
pub enum BatchError {
    /// No images.
    Empty,
    /// Pixel count not `labels · 784`.
    ShapeMismatch {
        /// Pixels received.
        pixels: usize,
        /// Labels received.
        labels: usize,
    },
    /// A label outside 0..=9.
    LabelOutOfRange {
        /// Position.
        index: usize,
        /// Value.
        value: u8,
    },
    /// A NaN or infinite pixel.
    NonFinite {
        /// Position of the first one.
        index: usize,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Empty => write!(f, "the batch is empty; send at least one 28×28 image"),
            BatchError::ShapeMismatch { pixels, labels } => {
                write!(f, "got {pixels} pixels for {labels} labels; each label needs exactly {PIXELS} pixels (28×28)")
            }
            BatchError::LabelOutOfRange { index, value } => {
                write!(f, "label {value} at position {index} is not a digit 0–9")
            }
            BatchError::NonFinite { index } => {
                write!(f, "pixel {index} is NaN or infinite; pixels must be finite numbers (0–1)")
            }
        }
    }
}

impl core::error::Error for BatchError {}

/// Why a training step was not taken.
#[derive(Clone, Debug, PartialEq)]
pub enum StepError {
    /// The batch is malformed.
    Batch(BatchError),
    /// The step produced NaN or infinite values (see [`Divergence`]); nothing was updated.
    Diverged(Divergence),
}

impl From<BatchError> for StepError {
    fn from(e: BatchError) -> Self {
        StepError::Batch(e)
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::Batch(e) => e.fmt(f),
            StepError::Diverged(d) => d.fmt(f),
        }
    }
}

impl core::error::Error for StepError {}

impl crate::error::Coded for BatchError {
    fn code(&self) -> &'static str {
        match self {
            BatchError::Empty => "batch.empty",
            BatchError::ShapeMismatch { .. } => "batch.shape",
            BatchError::LabelOutOfRange { .. } => "batch.label",
            BatchError::NonFinite { .. } => "batch.non_finite",
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            BatchError::Empty => Vec::new(),
            BatchError::ShapeMismatch { pixels, labels } => {
                alloc::vec![("pixels", pixels.to_string()), ("labels", labels.to_string())]
            }
            BatchError::LabelOutOfRange { index, value } => {
                alloc::vec![("index", index.to_string()), ("value", value.to_string())]
            }
            BatchError::NonFinite { index } => alloc::vec![("index", index.to_string())],
        }
    }
}

impl crate::error::Coded for StepError {
    fn code(&self) -> &'static str {
        match self {
            StepError::Batch(e) => e.code(),
            StepError::Diverged(d) => d.code(),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            StepError::Batch(e) => e.params(),
            StepError::Diverged(d) => d.params(),
        }
    }
}

/// The first bytes of a [`Trainer::save_state`].
const STATE_MAGIC: &[u8; 4] = b"DLS1";

/// A model with everything needed to train it.
#[derive(Debug)]
pub struct Trainer {
    config: TrainConfig,
    seed: u64,
    spec: ModelSpec,
    costs: Vec<CostRow>,
    net: Network,
    params: ParamStore,
    opt: Optimizer,
    tape: Tape,
    labels: Vec<u32>,
    steps: u64,
    /// Steps of the whole run, for the learning-rate schedule.
    budget: Option<u64>,
    probes: Probes,
    last_eval: EvalDetail,
}

/// Per-digit results of the latest [`Trainer::evaluate`]: what the model answered and how sure
/// it was — for the confusion matrix and the most confidently wrong digits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvalDetail {
    /// The predicted class of each digit.
    pub predicted: Vec<u8>,
    /// The probability the model gave its prediction.
    pub p_predicted: Vec<f32>,
    /// The probability the model gave the true class.
    pub p_true: Vec<f32>,
}

impl EvalDetail {
    /// The 10×10 confusion matrix (row: true class, column: predicted), for `labels` in the
    /// order evaluated.
    pub fn confusion(&self, labels: &[u8]) -> [[u32; CLASSES]; CLASSES] {
        let mut m = [[0u32; CLASSES]; CLASSES];
        for (&t, &p) in labels.iter().zip(&self.predicted) {
            if (t as usize) < CLASSES && (p as usize) < CLASSES {
                m[t as usize][p as usize] += 1;
            }
        }
        m
    }
}

fn check_batch(images: &[f32], labels: &[u8]) -> Result<(), BatchError> {
    if labels.is_empty() {
        return Err(BatchError::Empty);
    }
    if images.len() != labels.len() * PIXELS {
        return Err(BatchError::ShapeMismatch { pixels: images.len(), labels: labels.len() });
    }
    if let Some((index, &value)) = labels.iter().enumerate().find(|(_, &l)| l as usize >= CLASSES) {
        return Err(BatchError::LabelOutOfRange { index, value });
    }
    if let Some(index) = images.iter().position(|v| !v.is_finite()) {
        return Err(BatchError::NonFinite { index });
    }
    Ok(())
}

/// Class probabilities from one row of logits.
fn softmax(z: &[f32]) -> [f32; CLASSES] {
    let m = z.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
    let mut p = [0.0; CLASSES];
    let mut sum = 0.0;
    for (pj, &zj) in p.iter_mut().zip(z) {
        *pj = libm::expf(zj - m);
        sum += *pj;
    }
    p.iter_mut().for_each(|v| *v /= sum);
    p
}

fn correct(logits: &[f32], labels: &[u32]) -> usize {
    logits
        .chunks_exact(CLASSES)
        .zip(labels)
        .filter(|(row, &l)| {
            let arg = row.iter().enumerate().fold(0, |best, (j, &v)| if v > row[best] { j } else { best });
            arg == l as usize
        })
        .count()
}

impl Trainer {
    /// Builds the model named in `config`, initialised from `seed` (`config.seed` is ignored
    /// here; the caller resolves "no seed" to a random one).
    pub fn new(config: TrainConfig, seed: u64) -> Result<Self, ConfigError> {
        Self::new_within(config, seed, u64::MAX, 1)
    }

    /// Like [`Trainer::new`], but refused (code `model.memory`, with the numbers and the largest
    /// batch that fits) before anything is allocated when training on up to `threads` threads
    /// would need more than `limit` bytes by [`crate::memory::estimate`].
    pub fn new_within(config: TrainConfig, seed: u64, limit: u64, threads: usize) -> Result<Self, ConfigError> {
        config.validate()?;
        let spec = config.model_spec()?;
        if limit != u64::MAX {
            let rows = crate::spec::cost_table(&spec).map_err(|e| e.within("model.spec"))?;
            crate::memory::check(&rows, &spec.name, config.batch_size, config.optimizer, threads, limit)?;
        }
        let mut params = ParamStore::new();
        let mut rng = Rng::new(seed);
        let (net, costs) = build(&spec, &mut params, &mut rng).map_err(|e| e.within("model.spec"))?;
        let opt = Optimizer::new(config.optimizer_config(), params.len());
        let tape = Tape::new();
        let mut probes = Probes::new(&params);
        probes.set_every(config.probe_every);
        Ok(Trainer {
            config,
            seed,
            spec,
            costs,
            net,
            params,
            opt,
            tape,
            labels: Vec::new(),
            steps: 0,
            budget: None,
            probes,
            last_eval: EvalDetail::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }
    /// The seed the weights were drawn from.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The model spec that was built.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }
    /// Per-layer output shapes, parameters and multiply-accumulates.
    pub fn costs(&self) -> &[CostRow] {
        &self.costs
    }
    /// The parameters.
    pub fn params(&self) -> &ParamStore {
        &self.params
    }
    /// The per-layer probes: layer names, the latest statistics and their rate.
    pub fn probes(&self) -> &Probes {
        &self.probes
    }
    /// Statistics every `every` steps (0: off; divergence is detected on every step regardless).
    pub fn set_probe_every(&mut self, every: u64) {
        self.probes.set_every(every);
    }
    /// Whether the following steps take statistics when due by the rate (default: yes); see
    /// [`Probes::set_next`].
    pub fn set_probe_next(&mut self, on: bool) {
        self.probes.set_next(on);
    }

    /// The whole training state — step count, parameters, batch-norm statistics, optimizer
    /// state and the dropout generator — as bytes that [`Trainer::load_state`] of a trainer
    /// built from the same configuration continues from exactly: the next steps are bit for
    /// bit those the saved trainer would have taken (the page keeps one every few seconds to
    /// resume a run whose worker died). Layout: `DLS1`, steps (u64), optimizer step (u32),
    /// generator state (2 × u64), then values, buffers, first and second moments, each as a u64
    /// length and that many little-endian f32.
    pub fn save_state(&self) -> Vec<u8> {
        let (m, v, t) = self.opt.state();
        let arrays = [self.params.values(), self.params.buffers(), m, v];
        let mut out = Vec::with_capacity(36 + arrays.iter().map(|a| 8 + 4 * a.len()).sum::<usize>());
        out.extend_from_slice(STATE_MAGIC);
        out.extend_from_slice(&self.steps.to_le_bytes());
        out.extend_from_slice(&t.to_le_bytes());
        for w in self.net.rng.state() {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for a in arrays {
            out.extend_from_slice(&(a.len() as u64).to_le_bytes());
            for x in a {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out
    }

    /// Continues from a [`Trainer::save_state`] of a trainer with the same configuration; on
    /// any mismatch (another model, a truncated or foreign file) nothing changes.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), crate::checkpoint::CheckpointError> {
        use crate::checkpoint::CheckpointError as E;
        let bad = |why: &str| E::Format(alloc::format!("not a training state of this model: {why}"));
        let mut r = bytes;
        let mut take = |n: usize| -> Result<&[u8], E> {
            if r.len() < n {
                return Err(bad("it is truncated"));
            }
            let (a, b) = r.split_at(n);
            r = b;
            Ok(a)
        };
        if take(4)? != STATE_MAGIC {
            return Err(bad("wrong header"));
        }
        let u64_at = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        let steps = u64_at(take(8)?);
        let t = u32::from_le_bytes(take(4)?.try_into().unwrap_or([0; 4]));
        let rng = [u64_at(take(8)?), u64_at(take(8)?)];
        let rng = Rng::from_state(rng).ok_or_else(|| bad("generator state"))?;
        let (m0, v0, _) = self.opt.state();
        let want = [self.params.values().len(), self.params.buffers().len(), m0.len(), v0.len()];
        let mut arrays: Vec<Vec<f32>> = Vec::with_capacity(4);
        for n in want {
            let len = u64_at(take(8)?);
            if len != n as u64 {
                return Err(bad("its sizes differ from this model's"));
            }
            let raw = take(n * 4)?;
            arrays.push(raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect());
        }
        if !take(0)?.is_empty() || !r.is_empty() {
            return Err(bad("it has trailing bytes"));
        }
        if !self.opt.set_state(&arrays[2], &arrays[3], t) {
            return Err(bad("optimizer state"));
        }
        self.params.values_mut().copy_from_slice(&arrays[0]);
        self.params.buffers_mut().copy_from_slice(&arrays[1]);
        self.net.rng = rng;
        self.steps = steps;
        Ok(())
    }

    /// All parameters and batch-norm statistics as a safetensors file.
    pub fn save_checkpoint(&self) -> Result<Vec<u8>, crate::checkpoint::CheckpointError> {
        crate::checkpoint::save(&self.params)
    }

    /// Loads a safetensors checkpoint saved from the same model; on any error the model is
    /// unchanged. The optimizer state is kept (training continues from the loaded weights).
    pub fn load_checkpoint(&mut self, bytes: &[u8]) -> Result<(), crate::checkpoint::CheckpointError> {
        crate::checkpoint::load(&mut self.params, bytes)
    }

    /// Replaces the parameter store by one with the same layout (tests, tools).
    pub fn set_params(&mut self, params: ParamStore) -> Result<(), ConfigError> {
        let same = params.entries() == self.params.entries() && params.buffer_entries() == self.params.buffer_entries();
        if !same {
            return Err(ConfigError::new("params", "the parameter layout differs from this model's"));
        }
        self.params = params;
        Ok(())
    }

    /// Sets the run's length in steps: from now on every step takes its learning rate from
    /// the configuration's schedule and warm-up ([`TrainConfig::lr_at`]). Without a budget the
    /// peak rate is used throughout.
    pub fn set_step_budget(&mut self, total: u64) {
        self.budget = Some(total);
    }

    /// Optimizer steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn forward(&mut self, images: &[f32], n: usize, mode: Mode) -> crate::spec::NetworkOutput {
        self.tape.reset();
        let xv = self.tape.input_from_slice(&[n, 1, 28, 28], images);
        self.net.forward(&mut self.tape, &mut self.params, xv, mode)
    }

    /// The learning rate of the next step.
    fn current_lr(&self) -> f32 {
        match self.budget {
            Some(total) => self.config.lr_at(self.steps, total),
            None => self.config.lr,
        }
    }

    /// One optimizer step on a batch; returns the loss and accuracy before the update.
    ///
    /// If the forward pass yields a NaN or infinite loss, or the backward pass a NaN or infinite
    /// parameter gradient, nothing is updated and the error names the layer where it first
    /// appeared. On steps the probes are due, they record the layer statistics.
    pub fn train_step(&mut self, images: &[f32], labels: &[u8]) -> Result<StepStats, StepError> {
        check_batch(images, labels)?;
        let lr = self.current_lr();
        if self.budget.is_some() {
            self.opt.set_lr(lr);
        }
        let step = self.steps + 1;
        let n = labels.len();
        self.labels.clear();
        self.labels.extend(labels.iter().map(|&l| l as u32));
        let out = self.forward(images, n, Mode::Train);
        let logits = out.logits;
        let mut loss = self.tape.softmax_cross_entropy(logits, &self.labels);
        // Reported: the main classifier's loss; optimised: plus 0.3 × each auxiliary loss.
        let loss_v = self.tape.value(loss).data()[0];
        for &a in out.aux() {
            let la = self.tape.softmax_cross_entropy(a, &self.labels);
            let la = self.tape.affine(la, AUX_WEIGHT, 0.0);
            loss = self.tape.add(loss, la);
        }
        if !self.tape.value(loss).data()[0].is_finite() {
            let at = self.tape.first_non_finite_value().unwrap_or(loss);
            return Err(self.diverged(Pass::Forward, at, step, lr));
        }
        let acc = correct(self.tape.value(logits).data(), &self.labels) as f32 / n as f32;
        self.params.zero_grad_on(&self.tape);
        self.tape.backward(loss, &mut self.params);
        if !self.tape.all_finite(self.params.grads()) {
            let at = self.tape.first_non_finite_grad().unwrap_or(loss);
            return Err(self.diverged(Pass::Backward, at, step, lr));
        }
        let probe = self.probes.due(step);
        if probe {
            self.probes.record(&self.tape, &self.params, step);
        }
        self.probes.snapshot(&self.params, &self.tape);
        self.opt.step_on(&mut self.params, &self.tape);
        self.steps = step;
        if let Some(l) = self.probes.record_update(&self.params, &self.tape, probe) {
            let layer = self.probes.names()[l].clone();
            let site = Site::Update(self.probes.ratio(l));
            return Err(StepError::Diverged(Divergence { pass: Pass::Update, layer, site, step, lr }));
        }
        Ok(StepStats { loss: loss_v, accuracy: acc })
    }

    fn diverged(&self, pass: Pass, at: depthlab_core::Var, step: u64, lr: f32) -> StepError {
        let (layer, site) = self.probes.locate(&self.tape, &self.params, at, &self.costs);
        StepError::Diverged(Divergence { pass, layer, site, step, lr })
    }

    /// Per-digit predictions of the latest [`Trainer::evaluate`].
    pub fn last_eval(&self) -> &EvalDetail {
        &self.last_eval
    }

    /// Mean loss and accuracy over a whole set, in chunks of [`EVAL_CHUNK`], without updating;
    /// the per-digit answers are kept ([`Trainer::last_eval`]).
    pub fn evaluate(&mut self, images: &[f32], labels: &[u8]) -> Result<StepStats, BatchError> {
        check_batch(images, labels)?;
        let (mut loss_sum, mut hits) = (0.0f64, 0usize);
        self.last_eval.predicted.clear();
        self.last_eval.p_predicted.clear();
        self.last_eval.p_true.clear();
        for (imgs, lbls) in images.chunks(EVAL_CHUNK * PIXELS).zip(labels.chunks(EVAL_CHUNK)) {
            self.labels.clear();
            self.labels.extend(lbls.iter().map(|&l| l as u32));
            let logits = self.forward(imgs, lbls.len(), Mode::Eval).logits;
            let loss = self.tape.softmax_cross_entropy(logits, &self.labels);
            loss_sum += self.tape.value(loss).data()[0] as f64 * lbls.len() as f64;
            hits += correct(self.tape.value(logits).data(), &self.labels);
            let d = &mut self.last_eval;
            for (row, &t) in self.tape.value(logits).data().chunks_exact(CLASSES).zip(lbls) {
                let p = softmax(row);
                let arg = (0..CLASSES).fold(0, |best, j| if row[j] > row[best] { j } else { best });
                d.predicted.push(arg as u8);
                d.p_predicted.push(p[arg]);
                d.p_true.push(p[t as usize]);
            }
        }
        let n = labels.len() as f64;
        Ok(StepStats { loss: (loss_sum / n) as f32, accuracy: (hits as f64 / n) as f32 })
    }

    /// Recomputes every batch norm's running statistics as the exact average over `images`
    /// (forward passes in training mode, in chunks of [`EVAL_CHUNK`]; weights untouched).
    ///
    /// Running statistics are a moving average over recent *augmented* batches taken while the
    /// weights were still moving; early in training they lag the current weights and differ from
    /// clean digits, and evaluation suffers (ResNet-20 after one epoch: 88.5% with the moving
    /// average, 95.6% with batch statistics). Calibrating on a fixed set of clean training digits
    /// before each evaluation removes that gap without touching the test set.
    pub fn calibrate_batch_norm(&mut self, images: &[f32]) -> Result<(), BatchError> {
        if images.is_empty() || !images.len().is_multiple_of(PIXELS) {
            return Err(BatchError::ShapeMismatch { pixels: images.len(), labels: images.len() / PIXELS });
        }
        if let Some(index) = images.iter().position(|v| !v.is_finite()) {
            return Err(BatchError::NonFinite { index });
        }
        if self.params.buffer_entries().is_empty() {
            return Ok(());
        }
        // Every batch norm's running mean and variance become the exact mean and variance of its
        // inputs over all the digits (each chunk normalised with its own statistics on the way,
        // as in training).
        self.tape.begin_bn_calibration();
        for chunk in images.chunks(EVAL_CHUNK * PIXELS) {
            self.forward(chunk, chunk.len() / PIXELS, Mode::Train);
        }
        let entries = self.params.buffer_entries();
        let layers: Vec<(BufferId, BufferId)> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let base = e.name.strip_suffix(".running_mean")?;
                let v = entries.iter().position(|f| f.name.strip_suffix(".running_var") == Some(base))?;
                Some((BufferId::from_index(i), BufferId::from_index(v)))
            })
            .collect();
        self.tape.finish_bn_calibration(&mut self.params, &layers);
        self.tape.reset();
        Ok(())
    }

    /// The signal every convolution passes on for one 28×28 image (evaluation mode), input side
    /// first — what the layers compute, for the feature-map view.
    pub fn feature_maps(&mut self, image: &[f32]) -> Result<Vec<crate::probe::FeatureMap>, BatchError> {
        check_batch(image, &[0])?;
        self.forward(image, 1, Mode::Eval);
        Ok(self.probes.feature_maps(&self.tape))
    }

    /// The first convolution's filters: `[out, in, kh, kw]` and the weights, if the model starts
    /// with a convolution.
    pub fn first_filters(&self) -> Option<([usize; 4], &[f32])> {
        let e = self.params.entries().iter().find(|e| e.name.ends_with(".weight") && e.shape.len() == 4)?;
        let id = depthlab_core::ParamId::from_index(self.params.entries().iter().position(|x| x == e)?);
        Some(([e.shape[0], e.shape[1], e.shape[2], e.shape[3]], self.params.value(id)))
    }

    /// Lets the convolutions and batch norms use `pool`'s threads (`None`: one thread); any
    /// thread count gives the same bits (see [`depthlab_core::parallel`]).
    pub fn set_parallel(&mut self, pool: Option<&'static dyn depthlab_core::parallel::Parallel>) {
        self.tape.set_parallel(pool);
    }

    /// Logits `[n, 10]` of `n` 28×28 images in evaluation mode (in chunks of [`EVAL_CHUNK`]).
    pub fn logits(&mut self, images: &[f32]) -> Result<Vec<f32>, BatchError> {
        let n = images.len() / PIXELS;
        check_batch(images, &alloc::vec![0; n])?;
        let mut out = Vec::with_capacity(n * CLASSES);
        for chunk in images.chunks(EVAL_CHUNK * PIXELS) {
            let logits = self.forward(chunk, chunk.len() / PIXELS, Mode::Eval).logits;
            out.extend_from_slice(self.tape.value(logits).data());
        }
        Ok(out)
    }

    /// Class probabilities for one 28×28 image.
    pub fn predict(&mut self, image: &[f32]) -> Result<[f32; CLASSES], BatchError> {
        check_batch(image, &[0])?;
        let logits = self.forward(image, 1, Mode::Eval).logits;
        Ok(softmax(self.tape.value(logits).data()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn malformed_batches_are_rejected_and_state_is_untouched() {
        let mut t = Trainer::new(TrainConfig::default(), 1).unwrap();
        let before = t.params().values().to_vec();
        assert_eq!(t.train_step(&[], &[]), Err(BatchError::Empty.into()));
        assert_eq!(t.train_step(&[0.0; 700], &[1]), Err(BatchError::ShapeMismatch { pixels: 700, labels: 1 }.into()));
        assert_eq!(t.train_step(&[0.0; 784], &[10]), Err(BatchError::LabelOutOfRange { index: 0, value: 10 }.into()));
        let mut img = vec![0.0; 784];
        img[5] = f32::NAN;
        assert_eq!(t.train_step(&img, &[3]), Err(BatchError::NonFinite { index: 5 }.into()));
        assert_eq!(t.params().values(), &before[..]);
        assert_eq!(t.steps(), 0);
        let p = t.predict(&[0.5; 784]).unwrap();
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    /// A saved state continues bit for bit: the steps after loading it into a fresh trainer are
    /// the steps the saved one took (parameters, batch-norm statistics, Adam's moments and the
    /// step count all come back); a state of another model or a damaged one changes nothing.
    #[wasm_bindgen_test(unsupported = test)]
    fn saved_state_continues_bit_for_bit() {
        let model = crate::ModelConfig { preset: crate::models::Preset::Resnet, depth: 8, ..Default::default() };
        let cfg = TrainConfig { model, ..Default::default() };
        let x: Vec<f32> = (0..8 * 784).map(|i| ((i * 37) % 101) as f32 / 101.0).collect();
        let y: Vec<u8> = (0..8).map(|i| (i * 3 % 10) as u8).collect();
        let mut a = Trainer::new(cfg.clone(), 5).unwrap();
        a.set_step_budget(20);
        for _ in 0..4 {
            a.train_step(&x, &y).unwrap();
        }
        let state = a.save_state();
        let after_a: Vec<u32> = (0..4).map(|_| a.train_step(&x, &y).unwrap().loss.to_bits()).collect();
        let mut b = Trainer::new(cfg.clone(), 99).unwrap(); // other initial weights
        b.set_step_budget(20);
        b.load_state(&state).unwrap();
        assert_eq!(b.steps(), 4);
        let after_b: Vec<u32> = (0..4).map(|_| b.train_step(&x, &y).unwrap().loss.to_bits()).collect();
        assert_eq!(after_a, after_b);
        assert_eq!(a.params().values(), b.params().values());
        // Refused, nothing changed: truncated, another model, trailing bytes, a foreign file.
        let mut c = Trainer::new(cfg, 5).unwrap();
        let before = c.params().values().to_vec();
        let lenet = Trainer::new(TrainConfig::default(), 1).unwrap().save_state();
        let mut long = state.clone();
        long.push(0);
        for bad in [&state[..state.len() - 1], &lenet[..], &long[..], b"PK\x03\x04"] {
            assert!(c.load_state(bad).is_err());
            assert_eq!(c.params().values(), &before[..]);
            assert_eq!(c.steps(), 0);
        }
    }

    /// Recalibration computes the exact mean and unbiased variance over every calibration digit,
    /// also when the chunks differ in size and their means differ (150 digits = 64 + 64 + 22,
    /// brightness rising from chunk to chunk): a batch norm that reads the images directly
    /// must hold the statistics of all 150 × 784 pixels.
    #[wasm_bindgen_test(unsupported = test)]
    fn batch_norm_calibration_is_exact_over_all_digits() {
        let spec: ModelSpec = serde_json::from_str(
            r#"{"name": "bn-first", "input": [1, 28, 28], "layers": [{"type": "batch_norm"}, {"type": "conv", "out": 4}, {"type": "global_avg_pool"}, {"type": "linear", "out": 10}]}"#,
        )
        .unwrap();
        let model = crate::ModelConfig { spec: Some(spec), ..Default::default() };
        let mut t = Trainer::new(TrainConfig { model, ..Default::default() }, 1).unwrap();
        let n = 150;
        let x: Vec<f32> =
            (0..n * 784).map(|i| (((i * 7919) % 251) as f32 / 251.0) * (1.0 + (i / 784) as f32 / 50.0)).collect();
        t.calibrate_batch_norm(&x).unwrap();
        let m = (n * 784) as f64;
        let mean = x.iter().map(|&v| v as f64).sum::<f64>() / m;
        let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / (m - 1.0);
        let b = t.params().buffers();
        assert!((b[0] as f64 - mean).abs() < 1e-6 * mean.abs().max(1.0), "mean {} vs {mean}", b[0]);
        assert!((b[1] as f64 - var).abs() < 1e-5 * var, "variance {} vs {var}", b[1]);
    }

    /// Recalibration replaces the running statistics by the exact average over the given digits:
    /// twice in a row gives the same bits whatever they were before; bad input is refused.
    #[wasm_bindgen_test(unsupported = test)]
    fn batch_norm_calibration_is_an_exact_average() {
        let model = crate::ModelConfig { preset: crate::models::Preset::Resnet, depth: 8, ..Default::default() };
        let cfg = TrainConfig { model, ..Default::default() };
        let mut t = Trainer::new(cfg, 1).unwrap();
        let x: Vec<f32> = (0..80 * 784).map(|i| ((i * 31) % 97) as f32 / 97.0).collect();
        let before = t.params().buffers().to_vec();
        t.calibrate_batch_norm(&x).unwrap();
        let once = t.params().buffers().to_vec();
        assert_ne!(before, once);
        t.params.buffers_mut().fill(7.0); // whatever the running statistics were
        t.calibrate_batch_norm(&x).unwrap();
        assert_eq!(t.params().buffers(), &once[..]);
        assert!(matches!(t.calibrate_batch_norm(&x[..700]), Err(BatchError::ShapeMismatch { .. })));
        let mut bad = x.clone();
        bad[3] = f32::INFINITY;
        assert_eq!(t.calibrate_batch_norm(&bad), Err(BatchError::NonFinite { index: 3 }));
    }

    /// The probes list every conv and linear layer, input side first, with finite non-zero
    /// gradient norms and update ratios after a step, and the signal statistics of each layer.
    #[wasm_bindgen_test(unsupported = test)]
    fn probes_cover_every_weight_layer() {
        use crate::probe::{FIELDS, WEIGHT_GRAD};
        let mut t = Trainer::new(TrainConfig::default(), 2).unwrap();
        let names = t.probes().names().to_vec();
        assert_eq!(names, ["layers.0", "layers.3", "layers.7", "layers.9", "layers.11"]);
        let x: Vec<f32> = (0..8 * 784).map(|i| ((i * 13) % 101) as f32 / 101.0).collect();
        t.train_step(&x, &[0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
        let v = t.probes().values();
        assert_eq!(v.len(), names.len() * FIELDS);
        assert_eq!(t.probes().step(), 1);
        for (l, row) in v.chunks(FIELDS).enumerate() {
            assert!(row[WEIGHT_GRAD].is_finite() && row[WEIGHT_GRAD] > 0.0, "{l}: {row:?}");
            // the first layer's input is the image: no gradient
            assert_eq!(row[1].is_nan(), l == 0, "{l}: {row:?}");
            assert!(row[2] > 0.0 && row[2] < 1.0, "update ratio {l}: {row:?}");
            assert!(row[3].is_finite() && row[4] > 0.0, "{l}: {row:?}");
        }
        // LeNet-5 (ReLU): a ReLU follows every layer but the classifier.
        assert!(v.chunks(FIELDS).take(4).all(|r| (0.0..=1.0).contains(&r[5])), "{v:?}");
        assert!(v[4 * FIELDS + 5].is_nan());
        // Rate: every 3rd step only.
        t.set_probe_every(3);
        t.train_step(&x, &[0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
        assert_eq!(t.probes().step(), 1);
        t.train_step(&x, &[0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
        assert_eq!(t.probes().step(), 3);
    }

    /// On 3 threads a step gives the bits of one thread: the loss, every weight and every
    /// statistic, update ratios included (each layer's measured in one piece of work).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn threads_give_the_steps_and_statistics_of_one() {
        let x: Vec<f32> = (0..16 * 784).map(|i| ((i * 11) % 97) as f32 / 97.0).collect();
        let y = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3];
        let [one, three] = [1usize, 3].map(|threads| {
            let mut t = Trainer::new(TrainConfig::default(), 5).unwrap();
            if threads > 1 {
                t.set_parallel(Some(depthlab_core::parallel::RayonPool::leaked(threads).unwrap()));
            }
            let losses: Vec<u32> = (0..3).map(|_| t.train_step(&x, &y).unwrap().loss.to_bits()).collect();
            let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            (losses, bits(t.params.values()), bits(t.probes().values()))
        });
        assert!(three.2.iter().any(|&b| f32::from_bits(b) > 0.0), "statistics were taken");
        assert_eq!(one, three);
    }

    /// Steps told not to take statistics skip them and train exactly as probed steps do; the
    /// next step asked for gets the values a trainer probing every step records there.
    #[wasm_bindgen_test(unsupported = test)]
    fn skipped_probes_change_nothing_but_the_statistics() {
        let x: Vec<f32> = (0..8 * 784).map(|i| ((i * 7) % 89) as f32 / 89.0).collect();
        let y = [3, 1, 4, 1, 5, 9, 2, 6];
        let mut every = Trainer::new(TrainConfig::default(), 4).unwrap();
        let mut asked = Trainer::new(TrainConfig::default(), 4).unwrap();
        for step in 1..=5u64 {
            let on = step == 4;
            asked.set_probe_next(on);
            let (a, b) = (every.train_step(&x, &y).unwrap(), asked.train_step(&x, &y).unwrap());
            assert_eq!(a.loss.to_bits(), b.loss.to_bits(), "step {step}");
            assert_eq!(asked.probes().step(), if step < 4 { 0 } else { 4 }, "step {step}");
            if on {
                let bits = |t: &Trainer| t.probes().values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&every), bits(&asked));
            }
        }
        let bits = |t: &Trainer| t.params().values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&every), bits(&asked));
    }

    /// Feature maps: one per convolution of LeNet-5 (after its pooling), the right shapes.
    #[wasm_bindgen_test(unsupported = test)]
    fn feature_maps_cover_every_convolution() {
        let mut t = Trainer::new(TrainConfig::default(), 5).unwrap();
        let img: Vec<f32> = (0..784).map(|i| ((i * 3) % 17) as f32 / 17.0).collect();
        let maps = t.feature_maps(&img).unwrap();
        let shapes: Vec<(&str, [usize; 3])> = maps.iter().map(|m| (m.layer.as_str(), m.shape)).collect();
        assert_eq!(shapes, [("layers.0", [6, 14, 14]), ("layers.3", [16, 5, 5])]);
        assert!(maps.iter().all(|m| m.data.len() == m.shape.iter().product::<usize>()));
        assert_eq!(t.first_filters().map(|(s, d)| (s, d.len())), Some(([6, 1, 5, 5], 150)));
        assert!(t.feature_maps(&img[..700]).is_err());
    }

    /// A NaN planted in one convolution's weights stops the step in the forward pass at that
    /// layer, leaves every parameter and the step count unchanged, and says what to change.
    #[wasm_bindgen_test(unsupported = test)]
    fn divergence_names_the_layer_and_changes_nothing() {
        let mut t = Trainer::new(TrainConfig::default(), 3).unwrap();
        let x: Vec<f32> = (0..4 * 784).map(|i| ((i * 7) % 89) as f32 / 89.0).collect();
        let w = t.params.entries().iter().position(|e| e.name == "layers.3.weight").unwrap();
        t.params.value_mut(depthlab_core::ParamId::from_index(w))[5] = f32::INFINITY;
        let before = t.params().values().to_vec();
        let err = t.train_step(&x, &[1, 2, 3, 4]).unwrap_err();
        let StepError::Diverged(d) = &err else { panic!("{err:?}") };
        assert_eq!((d.pass, d.layer.as_str(), d.step), (Pass::Forward, "layers.3", 1));
        let msg = err.to_string();
        assert!(msg.contains("layers.3") && msg.contains("Lower the learning rate"), "{msg}");
        assert_eq!(t.steps(), 0);
        let same = t.params().values().iter().zip(&before).all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(same);
    }
}
