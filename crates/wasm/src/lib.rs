//! depthlab-wasm: the wasm-bindgen adapter between the page's workers and `depthlab-nn`.
//! It converts types and maps errors; all maths lives in `depthlab-core` / `depthlab-nn`.
//!
//! What JavaScript gets:
//! - [`DigitSet`]: a validated MNIST set parsed from IDX bytes (raw or gzip).
//! - [`Augmenter`]: shuffled, augmented batches of a [`DigitSet`] (the augmentation worker).
//! - [`Trainer`]: a model built from a JSON-like config object (the trainer worker).
//! - [`catalog`]: every preset and setting with defaults and ranges (the page's controls).
//! - `setThreads`, `threadHelper`, …: the threaded build's pool (see the `threads` module).
//!
//! Every fallible method throws an `Error` whose message is written for the person using the
//! page (in English) and, for anything a user can cause, a stable `code` and named `params`
//! (`depthlab_nn::error::ERROR_CODES`), from which the page words it in the reader's language.
//! The panic hook is installed once, when the module starts.

// The threaded build (nightly) waits and wakes threads with memory.atomic.wait32 / notify.
#![cfg_attr(target_feature = "atomics", feature(stdarch_wasm_atomic_wait))]

use depthlab_nn::augment::AugmentConfig;
use depthlab_nn::data::Dataset;
use depthlab_nn::error::Coded;
use depthlab_nn::train::{CALIBRATION_DIGITS, PIXELS};
use depthlab_nn::TrainConfig;
use serde::Serialize;
use wasm_bindgen::prelude::*;

mod threads;

/// An error thrown to JavaScript: an `Error` with the English message and, when the error is
/// [`Coded`], its `code` (string) and `params` (an object of strings).
#[derive(Debug)]
pub struct Failure(JsValue);

impl From<Failure> for JsValue {
    fn from(f: Failure) -> JsValue {
        f.0
    }
}

impl Failure {
    /// An uncoded error: something the page itself got wrong, not its user.
    fn new(message: &str) -> Failure {
        Failure(js_sys::Error::new(message).into())
    }

    fn coded(e: &dyn Coded) -> Failure {
        let err = js_sys::Error::new(&e.to_string());
        let params = js_sys::Object::new();
        for (k, v) in e.params() {
            let _ = js_sys::Reflect::set(&params, &k.into(), &v.into());
        }
        let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().into());
        let _ = js_sys::Reflect::set(&err, &"params".into(), &params);
        Failure(err.into())
    }
}

macro_rules! coded_failures {
    ($($t:ty),*) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Failure {
                Failure::coded(&e)
            }
        }
    )*};
}
coded_failures!(
    depthlab_nn::error::ConfigError,
    depthlab_nn::data::DataError,
    depthlab_nn::train::StepError,
    depthlab_nn::train::BatchError,
    depthlab_nn::checkpoint::CheckpointError
);

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The GEMM kernel compiled in: `"wasm32-simd128"`, or `"wasm32-relaxed-madd"` in the
/// relaxed-SIMD builds.
#[wasm_bindgen(js_name = simdBackend)]
pub fn simd_backend() -> String {
    depthlab_core::simd::gemm_backend().into()
}

/// A random seed from the platform's entropy source (`crypto.getRandomValues`).
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> Result<u32, Failure> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| Failure::new(&format!("no entropy source available: {e}")))?;
    Ok(u32::from_le_bytes(b))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageCatalog {
    presets: &'static [depthlab_nn::catalog::PresetInfo],
    settings: &'static [depthlab_nn::catalog::Setting],
    lessons: &'static [depthlab_nn::catalog::LessonInfo],
    sweep: depthlab_nn::catalog::LabSweepInfo,
    pixels: usize,
    calibration_digits: usize,
    probe_fields: &'static [depthlab_nn::probe::ProbeField],
    error_codes: &'static [&'static str],
}

/// Every preset (`{preset, label, paper, year, options, depth: {a, offered} | null}`) and every
/// setting (`{key, path, group, label, help, kind: {type, …}, when}`), plus the constants the
/// page shares with Rust (`pixels`, `calibrationDigits`) and the per-layer probe statistics
/// (`probeFields`: `{key, label, help}` in the order of `Trainer.probes()`), and every stable
/// error code (`errorCodes`, for which each page language has a template). The page builds its controls, its
/// defaults and its URL checks from this; see `depthlab_nn::catalog`.
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, Failure> {
    let c = depthlab_nn::catalog::catalog();
    let c = PageCatalog {
        presets: c.presets,
        settings: c.settings,
        lessons: c.lessons,
        sweep: c.sweep,
        pixels: PIXELS,
        calibration_digits: CALIBRATION_DIGITS,
        probe_fields: &depthlab_nn::probe::PROBE_FIELDS,
        error_codes: depthlab_nn::error::ERROR_CODES,
    };
    to_js(&c)
}

/// The trainer configuration from a JS object (`undefined` = defaults).
fn train_config(config: JsValue) -> Result<TrainConfig, Failure> {
    if config.is_undefined() || config.is_null() {
        return Ok(TrainConfig::default());
    }
    serde_wasm_bindgen::from_value(config).map_err(|e| Failure::new(&format!("model settings: {e}")))
}

/// Bytes a run may take in this worker (see [`set_memory_limit`]).
static MEMORY_LIMIT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(DEFAULT_MEMORY_LIMIT);
/// wasm32 addresses 4 GiB; a run keeps a quarter of that as headroom for the allocator's
/// fragmentation, the worker's JS heap and the batches in flight.
const DEFAULT_MEMORY_LIMIT: u64 = 3 << 30;

/// Sets the bytes a run may take in this worker (the page passes the lower of 3 GiB and its
/// share of `navigator.deviceMemory`) and the most threads a run may use (each holds its own
/// convolution scratch; 1 when omitted); a configuration whose estimate exceeds the limit is
/// refused with code `model.memory`. The page's main thread sets the same values as its
/// trainer workers, so the model description it shows refuses exactly what they would.
/// Returns the limit in force (at most 3 GiB).
#[wasm_bindgen(js_name = setMemoryLimit)]
pub fn set_memory_limit(bytes: f64, threads: Option<u32>) -> f64 {
    let b =
        if bytes.is_finite() && bytes >= 1.0 { (bytes as u64).min(DEFAULT_MEMORY_LIMIT) } else { DEFAULT_MEMORY_LIMIT };
    MEMORY_LIMIT.store(b, core::sync::atomic::Ordering::Relaxed);
    LANES.store(threads.unwrap_or(1).clamp(1, threads::MAX_THREADS), core::sync::atomic::Ordering::Relaxed);
    b as f64
}

/// The most threads a run may use, for the memory estimate ([`set_memory_limit`]).
static LANES: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(1);

fn lanes() -> usize {
    LANES.load(core::sync::atomic::Ordering::Relaxed) as usize
}

fn memory_limit() -> u64 {
    MEMORY_LIMIT.load(core::sync::atomic::Ordering::Relaxed)
}

#[derive(Serialize)]
struct Description<'a> {
    name: &'a str,
    params: u64,
    macs: u64,
    memory: depthlab_nn::memory::MemoryEstimate,
    #[serde(rename = "memoryLimit")]
    memory_limit: u64,
    rows: &'a [depthlab_nn::spec::CostRow],
    spec: &'a depthlab_nn::spec::ModelSpec,
}

/// The model a configuration describes, without training state: `{name, params, macs, memory,
/// memoryLimit, memoryProblem?, rows, spec}` (`memory`: the estimated peak bytes of a training
/// step at the configuration's batch size, `{params, optimizer, activations, scratch, total}`;
/// `memoryProblem`: the `model.memory` error the trainer would throw, if it would not fit) where each row is `{name, kind, output, params, macs}` (the cost table) and `spec` is
/// the model spec (`{name, input, layers, remove_shortcuts, …}`, as JSON specs are written). Throws with a
/// message naming the offending field for an invalid configuration or spec.
#[wasm_bindgen(js_name = describeModel)]
pub fn describe_model(config: JsValue) -> Result<JsValue, Failure> {
    let cfg = train_config(config)?;
    cfg.validate()?;
    let spec = cfg.model_spec()?;
    let rows = depthlab_nn::spec::cost_table(&spec).map_err(|e| Failure::from(e.within("model.spec")))?;
    let (params, macs) = rows.iter().fold((0, 0), |(p, m), r| (p + r.params, m + r.macs));
    let lanes = lanes();
    let memory = depthlab_nn::memory::estimate(&rows, cfg.batch_size, cfg.optimizer, lanes);
    let out = to_js(&Description {
        name: &spec.name,
        params,
        macs,
        memory,
        memory_limit: memory_limit(),
        rows: &rows,
        spec: &spec,
    })?;
    // Too large to train here: the refusal the trainer would give, as an Error (code, params).
    if let Err(e) = depthlab_nn::memory::check(&rows, &spec.name, cfg.batch_size, cfg.optimizer, lanes, memory_limit())
    {
        js_sys::Reflect::set(&out, &"memoryProblem".into(), &Failure::from(e).0)
            .map_err(|_| Failure::new("describeModel"))?;
    }
    Ok(out)
}

/// The name of the model a configuration describes (`"ResNet-20 (A)"`), from its spec alone:
/// nothing is built, so the page can name a run before a worker has started it.
#[wasm_bindgen(js_name = modelName)]
pub fn model_name(config: JsValue) -> Result<String, Failure> {
    Ok(train_config(config)?.model_spec()?.name)
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, Failure> {
    serde_wasm_bindgen::to_value(v).map_err(|e| Failure::new(&e.to_string()))
}

/// A validated set of 28×28 digits and labels.
#[wasm_bindgen]
#[derive(Debug)]
pub struct DigitSet {
    inner: Dataset,
}

#[wasm_bindgen]
impl DigitSet {
    /// Parses an IDX image file and an IDX label file (each raw or gzip).
    /// Throws with a message naming the problem (bad magic, truncated, count mismatch, …).
    #[wasm_bindgen(js_name = fromIdx)]
    pub fn from_idx(images: &[u8], labels: &[u8]) -> Result<DigitSet, Failure> {
        Ok(DigitSet { inner: Dataset::from_idx(images, labels)? })
    }

    /// Number of digits.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.inner.len()
    }

    /// All images as `length·784` floats in `[0, 1]`.
    #[wasm_bindgen(js_name = imagesF32)]
    pub fn images_f32(&self) -> Vec<f32> {
        self.inner.images_f32()
    }

    /// All labels.
    pub fn labels(&self) -> Vec<u8> {
        self.inner.labels().to_vec()
    }

    /// The same digits in an order fixed by `seed` (before holding out a test split).
    pub fn shuffled(&self, seed: u32) -> DigitSet {
        DigitSet { inner: self.inner.shuffled(seed as u64) }
    }

    /// The digits `[start, end)` as a new set (used to hold out a test split).
    pub fn slice(&self, start: usize, end: usize) -> Result<DigitSet, Failure> {
        let n = self.inner.len();
        if start >= end || end > n {
            return Err(Failure::new(&format!("slice {start}..{end} is not inside 0..{n}")));
        }
        let imgs = self.inner.image_bytes()[start * PIXELS..end * PIXELS].to_vec();
        let lbls = self.inner.labels()[start..end].to_vec();
        Ok(DigitSet { inner: Dataset::from_raw(imgs, lbls)? })
    }
}

/// Shuffled, augmented batches over a [`DigitSet`].
#[wasm_bindgen]
#[derive(Debug)]
pub struct Augmenter {
    inner: depthlab_nn::augment::Augmenter,
}

fn augment_config(v: JsValue) -> Result<AugmentConfig, Failure> {
    let c: AugmentConfig = if v.is_undefined() || v.is_null() {
        AugmentConfig::default()
    } else {
        serde_wasm_bindgen::from_value(v).map_err(|e| Failure::new(&format!("augmentation settings: {e}")))?
    };
    c.validate()?;
    Ok(c)
}

#[wasm_bindgen]
impl Augmenter {
    /// Batches of `batch_size` over a copy of `data`, in an order fixed by `seed`.
    /// `config` is `{enabled, strength, max_rotation_deg, max_scale, max_shift_px, noise_std}`
    /// (any subset; `undefined` for the defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(data: &DigitSet, batch_size: usize, seed: u32, config: JsValue) -> Result<Augmenter, Failure> {
        if batch_size == 0 || batch_size > depthlab_nn::config::MAX_BATCH {
            return Err(Failure::new(&format!(
                "batch size {batch_size} is outside 1..={}",
                depthlab_nn::config::MAX_BATCH
            )));
        }
        let cfg = augment_config(config)?;
        Ok(Augmenter { inner: depthlab_nn::augment::Augmenter::new(data.inner.clone(), batch_size, seed as u64, cfg) })
    }

    /// Changes the augmentation settings from the next batch on.
    #[wasm_bindgen(js_name = setConfig)]
    pub fn set_config(&mut self, config: JsValue) -> Result<(), Failure> {
        self.inner.set_config(augment_config(config)?);
        Ok(())
    }

    /// Batches per epoch.
    #[wasm_bindgen(js_name = batchesPerEpoch)]
    pub fn batches_per_epoch(&self) -> usize {
        self.inner.batches_per_epoch()
    }

    /// Fills batch `batch` of epoch `epoch` into `images` (≥ batch·784 floats) and `labels`
    /// (≥ batch bytes); returns how many samples it wrote.
    #[wasm_bindgen(js_name = fillBatch)]
    pub fn fill_batch(
        &mut self,
        epoch: u32,
        batch: usize,
        images: &mut [f32],
        labels: &mut [u8],
    ) -> Result<usize, Failure> {
        let need = labels.len().min(images.len() / PIXELS);
        let size = self.batch_size();
        if need < size {
            return Err(Failure::new(&format!("batch buffers hold {need} samples, need {size}")));
        }
        Ok(self.inner.fill_batch(epoch as u64, batch, images, labels))
    }

    /// Samples per batch.
    #[wasm_bindgen(getter, js_name = batchSize)]
    pub fn batch_size(&self) -> usize {
        self.inner.batch_size()
    }
}

/// A model, its parameters and optimizer state.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Trainer {
    inner: depthlab_nn::Trainer,
}

#[derive(Serialize)]
struct Stats {
    loss: f32,
    accuracy: f32,
}

#[wasm_bindgen]
impl Trainer {
    /// Builds a trainer from a `TrainConfig` object (`{model: {preset, depth, …}, optimizer,
    /// lr, …}`, any subset; the defaults are the catalogue's). Without a seed one is drawn at
    /// random; read it back with [`Trainer::seed`].
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Trainer, Failure> {
        let cfg = train_config(config)?;
        let seed = match cfg.seed {
            Some(s) => s,
            None => random_seed()? as u64,
        };
        #[allow(unused_mut)] // the single-thread build sets no pool
        let mut inner = depthlab_nn::Trainer::new_within(cfg, seed, memory_limit(), lanes())?;
        #[cfg(target_feature = "atomics")]
        inner.set_parallel(Some(threads::pool()));
        Ok(Trainer { inner })
    }

    /// The run's length in steps; from then on the learning rate follows the configured
    /// schedule and warm-up.
    #[wasm_bindgen(js_name = setStepBudget)]
    pub fn set_step_budget(&mut self, total: f64) {
        self.inner.set_step_budget(total.max(0.0) as u64);
    }

    /// The seed the weights were drawn from.
    #[wasm_bindgen(getter)]
    pub fn seed(&self) -> f64 {
        self.inner.seed() as f64
    }

    /// The built model's name.
    #[wasm_bindgen(getter, js_name = modelName)]
    pub fn model_name(&self) -> String {
        self.inner.spec().name.clone()
    }

    /// Number of scalar parameters.
    #[wasm_bindgen(getter, js_name = paramCount)]
    pub fn param_count(&self) -> usize {
        self.inner.params().len()
    }

    /// One optimizer step; returns `{loss, accuracy}` measured before the update.
    #[wasm_bindgen(js_name = trainStep)]
    pub fn train_step(&mut self, images: &[f32], labels: &[u8]) -> Result<JsValue, Failure> {
        let s = self.inner.train_step(images, labels)?;
        to_js(&Stats { loss: s.loss, accuracy: s.accuracy })
    }

    /// Recomputes batch-norm running statistics over `images` (clean training digits, `n·784`
    /// floats) before an evaluation; no effect on models without batch norm.
    #[wasm_bindgen(js_name = calibrateBatchNorm)]
    pub fn calibrate_batch_norm(&mut self, images: &[f32]) -> Result<(), Failure> {
        Ok(self.inner.calibrate_batch_norm(images)?)
    }

    /// `{loss, accuracy}` over a whole set, without updating.
    pub fn evaluate(&mut self, images: &[f32], labels: &[u8]) -> Result<JsValue, Failure> {
        let s = self.inner.evaluate(images, labels)?;
        to_js(&Stats { loss: s.loss, accuracy: s.accuracy })
    }

    /// What every convolution passes on for one 28×28 image: an array of
    /// `{layer, shape: [c, h, w], data: Float32Array}`, input side first.
    #[wasm_bindgen(js_name = featureMaps)]
    pub fn feature_maps(&mut self, image: &[f32]) -> Result<js_sys::Array, Failure> {
        let maps = self.inner.feature_maps(image)?;
        let out = js_sys::Array::new();
        for m in maps {
            let o = js_sys::Object::new();
            let shape = js_sys::Array::of3(&m.shape[0].into(), &m.shape[1].into(), &m.shape[2].into());
            js_sys::Reflect::set(&o, &"layer".into(), &m.layer.into()).map_err(|_| Failure::new("featureMaps"))?;
            js_sys::Reflect::set(&o, &"shape".into(), &shape).map_err(|_| Failure::new("featureMaps"))?;
            js_sys::Reflect::set(&o, &"data".into(), &js_sys::Float32Array::from(&m.data[..]))
                .map_err(|_| Failure::new("featureMaps"))?;
            out.push(&o);
        }
        Ok(out)
    }

    /// The first convolution's filters as `{shape: [out, in, kh, kw], data: Float32Array}`, or
    /// `null` if the model does not start with a convolution.
    #[wasm_bindgen(js_name = firstFilters)]
    pub fn first_filters(&self) -> Result<JsValue, Failure> {
        let Some((shape, data)) = self.inner.first_filters() else { return Ok(JsValue::NULL) };
        let o = js_sys::Object::new();
        let dims = js_sys::Array::new();
        for d in shape {
            dims.push(&d.into());
        }
        js_sys::Reflect::set(&o, &"shape".into(), &dims).map_err(|_| Failure::new("firstFilters"))?;
        js_sys::Reflect::set(&o, &"data".into(), &js_sys::Float32Array::from(data))
            .map_err(|_| Failure::new("firstFilters"))?;
        Ok(o.into())
    }

    /// The class the model predicted for each digit of the latest `evaluate`.
    #[wasm_bindgen(js_name = evalPredicted)]
    pub fn eval_predicted(&self) -> Vec<u8> {
        self.inner.last_eval().predicted.clone()
    }

    /// The probability it gave that prediction, per digit of the latest `evaluate`.
    #[wasm_bindgen(js_name = evalConfidence)]
    pub fn eval_confidence(&self) -> Vec<f32> {
        self.inner.last_eval().p_predicted.clone()
    }

    /// The probability it gave the true class, per digit of the latest `evaluate`.
    #[wasm_bindgen(js_name = evalTrueProb)]
    pub fn eval_true_prob(&self) -> Vec<f32> {
        self.inner.last_eval().p_true.clone()
    }

    /// Ten class probabilities for one 28×28 image (784 floats in `[0, 1]`).
    pub fn predict(&mut self, image: &[f32]) -> Result<Vec<f32>, Failure> {
        Ok(self.inner.predict(image)?.to_vec())
    }

    /// Names of the probed layers (every conv and linear layer), input side first.
    #[wasm_bindgen(js_name = probeNames)]
    pub fn probe_names(&self) -> Vec<String> {
        self.inner.probes().names().to_vec()
    }

    /// The latest probe statistics: `probeFields.length` floats per probed layer (NaN where a
    /// field does not apply), from step `probeStep`.
    pub fn probes(&self) -> Vec<f32> {
        self.inner.probes().values().to_vec()
    }

    /// The step the latest probe statistics come from (0: none yet).
    #[wasm_bindgen(getter, js_name = probeStep)]
    pub fn probe_step(&self) -> f64 {
        self.inner.probes().step() as f64
    }

    /// Whether the following steps take probe statistics when due by the run's `probe_every`
    /// (default: yes). The page sends statistics a few times a second and asks for them only on
    /// the steps it will send: each is a pass over every layer's signals and gradients.
    #[wasm_bindgen(setter, js_name = probeNext)]
    pub fn set_probe_next(&mut self, on: bool) {
        self.inner.set_probe_next(on);
    }

    /// Every parameter and batch-norm statistic as a safetensors file (PyTorch-style names).
    #[wasm_bindgen(js_name = exportWeights)]
    pub fn export_weights(&self) -> Result<Vec<u8>, Failure> {
        Ok(self.inner.save_checkpoint()?)
    }

    /// A PyTorch export of this model and its weights: `[[name, bytes], …]` for model.py,
    /// train.py, weights.safetensors and check.safetensors (the first 100 of `check_images`
    /// with this model's logits, which `python model.py` compares against).
    #[wasm_bindgen(js_name = exportPytorch)]
    pub fn export_pytorch(&mut self, check_images: &[f32]) -> Result<js_sys::Array, Failure> {
        let files = depthlab_nn::export::pytorch_files(&mut self.inner, check_images)?;
        let out = js_sys::Array::new();
        for (name, bytes) in files {
            out.push(&js_sys::Array::of2(&name.into(), &js_sys::Uint8Array::from(&bytes[..]).into()));
        }
        Ok(out)
    }

    /// The inference graph with its weights as an ONNX file.
    #[wasm_bindgen(js_name = exportOnnx)]
    pub fn export_onnx(&self) -> Result<Vec<u8>, Failure> {
        Ok(depthlab_nn::export::onnx_file(&self.inner)?)
    }

    /// Loads weights exported from the same model; throws (model unchanged) otherwise.
    #[wasm_bindgen(js_name = importWeights)]
    pub fn import_weights(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        Ok(self.inner.load_checkpoint(bytes)?)
    }

    /// The whole training state (steps, weights, batch-norm statistics, optimizer state), to
    /// continue this run exactly in another worker if this one dies.
    #[wasm_bindgen(js_name = saveState)]
    pub fn save_state(&self) -> Vec<u8> {
        self.inner.save_state()
    }

    /// Continues from a `saveState()` of a trainer built from the same configuration; throws
    /// (nothing changed) otherwise.
    #[wasm_bindgen(js_name = loadState)]
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        Ok(self.inner.load_state(bytes)?)
    }

    /// All parameters, flat (one `Float32Array`).
    pub fn parameters(&self) -> Vec<f32> {
        self.inner.params().values().to_vec()
    }
}

/// Benchmark kernels for the in-browser benchmark page (`www/bench.html`): they run a fixed
/// amount of work on internal random data so JavaScript can time them.
#[wasm_bindgen]
#[derive(Debug)]
pub struct KernelBench {
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
    scratch: depthlab_core::kernels::gemm::GemmScratch,
    dims: (usize, usize, usize),
}

#[wasm_bindgen]
impl KernelBench {
    /// Random `m×k` and `k×n` matrices.
    #[wasm_bindgen(constructor)]
    pub fn new(m: usize, n: usize, k: usize) -> Result<KernelBench, Failure> {
        if m == 0 || n == 0 || k == 0 || m * k > 1 << 24 || k * n > 1 << 24 || m * n > 1 << 24 {
            return Err(Failure::new("benchmark sizes must be between 1 and 2^24 elements per matrix"));
        }
        let mut rng = depthlab_core::Rng::new(1);
        let mut r = |len: usize| (0..len).map(|_| rng.uniform(-1.0, 1.0)).collect::<Vec<f32>>();
        Ok(KernelBench { a: r(m * k), b: r(k * n), c: vec![0.0; m * n], scratch: Default::default(), dims: (m, n, k) })
    }

    /// Runs `C = A·B` `reps` times; returns a checksum so the work cannot be skipped.
    pub fn gemm(&mut self, reps: u32) -> f32 {
        use depthlab_core::kernels::gemm::{gemm, Gemm, MatRef};
        let (m, n, k) = self.dims;
        for _ in 0..reps {
            gemm(
                Gemm {
                    m,
                    n,
                    k,
                    alpha: 1.0,
                    a: MatRef::row_major(&self.a, k),
                    b: MatRef::row_major(&self.b, n),
                    beta: 0.0,
                    ldc: n,
                },
                &mut self.c,
                &mut self.scratch,
            );
        }
        self.c[0]
    }
}

/// One convolution layer's forward and backward pass on random data (benchmark page).
#[wasm_bindgen]
#[derive(Debug)]
pub struct ConvBench {
    params: depthlab_core::ParamStore,
    w: depthlab_core::ParamId,
    p: depthlab_core::Conv2dParams,
    x: depthlab_core::Tensor,
    tape: depthlab_core::Tape,
}

#[wasm_bindgen]
impl ConvBench {
    /// `x: [n, c, hw, hw]`, `o` filters of `k×k`, stride 1, "same" padding.
    #[wasm_bindgen(constructor)]
    pub fn new(n: usize, c: usize, hw: usize, o: usize, k: usize) -> Result<ConvBench, Failure> {
        if n * c * hw * hw > 1 << 24 || o * c * k * k > 1 << 22 || k == 0 || k > hw {
            return Err(Failure::new("benchmark sizes too large or kernel larger than the image"));
        }
        let mut rng = depthlab_core::Rng::new(2);
        let p = depthlab_core::Conv2dParams::square(c, o, k, 1, k / 2);
        let mut params = depthlab_core::ParamStore::new();
        let w = params.add("w", &[o, c, k, k], (0..p.weight_len()).map(|_| rng.uniform(-0.1, 0.1)).collect());
        let x = depthlab_core::Tensor::from_vec(
            &[n, c, hw, hw],
            (0..n * c * hw * hw).map(|_| rng.uniform(-1.0, 1.0)).collect(),
        );
        Ok(ConvBench { params, w, p, x, tape: depthlab_core::Tape::new() })
    }

    /// Multiply-accumulates of one forward pass (backward costs twice that).
    #[wasm_bindgen(getter)]
    pub fn macs(&self) -> f64 {
        let s = self.x.shape();
        (s[0] as u64 * self.p.macs(s[2], s[3])) as f64
    }

    /// `reps` forward + backward passes (input gradient included).
    pub fn run(&mut self, reps: u32) -> f32 {
        for _ in 0..reps {
            self.tape.reset();
            let x = self.tape.input_with_grad(self.x.clone());
            let y = self.tape.conv2d(&self.params, x, self.w, None, self.p);
            let dy = vec![1e-3; self.tape.value(y).len()];
            self.tape.backward_from(y, &dy, &mut self.params);
        }
        self.params.grads()[0]
    }
}
