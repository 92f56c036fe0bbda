//! Every setting a user can give — model options, optimizer, schedule, batch, augmentation —
//! with its name, where it lives in [`crate::TrainConfig`]'s JSON, its default, its allowed
//! values and when it applies. The CLI makes its flags from this list, the page its controls,
//! defaults and URL checks; [`crate::TrainConfig`] takes its defaults and validation from it.
//!
//! To add a setting: add a field to [`crate::TrainConfig`] (or its `model`/`augment` part),
//! a [`Setting`] here, and its arm in `TrainConfig::{get, assign}` (`config.rs`).

use super::names::Named;
use crate::augment::{NOISE_MAX, STRENGTH_MAX};
use crate::config::{ActivationName, MAX_BATCH, MAX_DEPTH, MAX_EPOCHS, MAX_STEPS};
use crate::models::Preset;
use crate::optim::{OptimizerKind, Schedule};
use crate::spec::{ShortcutKind, Unit};
use serde::Serialize;

/// Which part of the configuration a setting belongs to (how the page groups them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The architecture: the preset and its options.
    Model,
    /// Optimizer, schedule, batch, epochs, seed.
    Training,
    /// Data augmentation.
    Augment,
}

/// The type of a setting and its allowed values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// One of `values`.
    Choice {
        /// The accepted names.
        values: &'static [&'static str],
        /// The default name.
        default: &'static str,
    },
    /// A whole number in `min..=max`.
    Int {
        /// Smallest value.
        min: u64,
        /// Largest value.
        max: u64,
        /// Default.
        default: u64,
        /// Whether `random` is accepted (a fresh value drawn per run).
        random: bool,
    },
    /// A finite number in `min..=max`.
    Float {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
        /// Default.
        default: f64,
        /// Increment of the page's control (0: any).
        step: f64,
        /// Whether the page shows a slider.
        slider: bool,
    },
    /// On or off.
    Bool {
        /// Default.
        default: bool,
    },
}

/// A condition on another setting: this one applies only when `key` is one of `values`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct When {
    /// The other setting.
    pub key: &'static str,
    /// The values for which this one applies.
    pub values: &'static [&'static str],
}

/// One setting.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Setting {
    /// Its name in URLs, in the page and (with `-` for `_`) as a CLI flag.
    pub key: &'static str,
    /// Its dotted path in [`crate::TrainConfig`]'s JSON.
    pub path: &'static str,
    /// Its group.
    pub group: Group,
    /// A short English label.
    pub label: &'static str,
    /// One English sentence of help.
    pub help: &'static str,
    /// Type, default and allowed values.
    pub kind: Kind,
    /// For training settings: applies only when another setting has one of some values.
    /// (Model options apply when the preset lists them, see [`super::PresetInfo::options`].)
    pub when: Option<When>,
}

/// The shortcut options a preset takes (`none` is the separate `remove_shortcuts` switch).
const SHORTCUTS: &[&str] = &["A", "B", "C"];
const _: () = assert!(ShortcutKind::ALL.len() == SHORTCUTS.len() + 1);

/// One of `T`'s names; `default` must be one of them (checked when
/// [`crate::TrainConfig::default`] is built from this list, and by a test).
const fn choice<T: Named>(default: &'static str) -> Kind {
    Kind::Choice { values: T::NAMES, default }
}

const fn int(min: u64, max: u64, default: u64) -> Kind {
    Kind::Int { min, max, default, random: false }
}

const fn float(min: f64, max: f64, default: f64, step: f64, slider: bool) -> Kind {
    Kind::Float { min, max, default, step, slider }
}

const fn model(key: &'static str, path: &'static str, label: &'static str, help: &'static str, kind: Kind) -> Setting {
    Setting { key, path, group: Group::Model, label, help, kind, when: None }
}

const fn training(key: &'static str, label: &'static str, help: &'static str, kind: Kind) -> Setting {
    Setting { key, path: key, group: Group::Training, label, help, kind, when: None }
}

/// Every setting, in the order the page and the CLI help list them.
pub const SETTINGS: &[Setting] = &[
    model("model", "model.preset", "Model", "The architecture, from the zoo.", choice::<Preset>("lenet5")),
    model(
        "depth",
        "model.depth",
        "Depth",
        "Weighted layers: 6n+2 for plain, ResNet and Highway nets, 9n+2 for bottleneck ResNet and ResNeXt.",
        int(1, MAX_DEPTH as u64, 20),
    ),
    model("activation", "model.activation", "Activation", "The hidden nonlinearity.", choice::<ActivationName>("relu")),
    model(
        "shortcut",
        "model.shortcut",
        "Shortcut",
        "A: identity, zero-padded where the shape changes; B: a 1×1 projection only there; C: projections everywhere.",
        Kind::Choice { values: SHORTCUTS, default: "A" },
    ),
    model(
        "unit",
        "model.unit",
        "Residual unit",
        "a: original (post-activation) … e: full pre-activation (He et al. 2016b, Fig. 4).",
        choice::<Unit>("e"),
    ),
    model("cardinality", "model.cardinality", "Cardinality", "ResNeXt: the number of groups.", int(1, 32, 4)),
    model("width", "model.width", "Group width", "ResNeXt: channels per group in the first stage.", int(1, 64, 4)),
    model(
        "aux_heads",
        "model.aux_heads",
        "Auxiliary heads",
        "Inception: two extra classifiers whose loss is added × 0.3.",
        Kind::Bool { default: true },
    ),
    model(
        "zero_init_last_bn",
        "model.zero_init_last_bn",
        "Zero-init last BN",
        "Start each residual block's last batch norm at γ = 0, so every block starts as the identity.",
        Kind::Bool { default: false },
    ),
    model(
        "remove_shortcuts",
        "model.remove_shortcuts",
        "Remove the shortcuts",
        "Ablation: build every residual block without its shortcut.",
        Kind::Bool { default: false },
    ),
    model(
        "reductions",
        "model.reductions",
        "1×1 reductions",
        "Inception (3a): the 1×1 convolutions that shrink 192 channels before the 3×3 and 5×5 filters. Off: those filters read all 192 channels (about 10× the multiplies).",
        Kind::Bool { default: true },
    ),
    model(
        "batch_norm",
        "model.batch_norm",
        "Batch norm",
        "Off: build the model without its batch norms. They keep each layer's signal at a steady scale; without them a deep sigmoid net's gradients vanish toward the input.",
        Kind::Bool { default: true },
    ),
    training("optimizer", "Optimizer", "Adam, or SGD with momentum.", choice::<OptimizerKind>("adam")),
    training("lr", "Learning rate", "The peak learning rate (up to 10, to see training diverge).", float(1e-6, 10.0, 0.001, 0.0, false)),
    Setting {
        when: Some(When { key: "optimizer", values: &["sgd"] }),
        ..training("momentum", "Momentum", "SGD's momentum μ.", float(0.0, 0.999, 0.9, 0.0, false))
    },
    training("weight_decay", "Weight decay", "L2 weight decay λ (g ← g + λw).", float(0.0, 0.1, 0.0, 0.0, false)),
    training(
        "schedule",
        "Schedule",
        "The learning rate over the run: constant, cosine decay to zero, or ×0.1 at 50% and 75% of the steps.",
        choice::<Schedule>("constant"),
    ),
    training("warmup", "Warm-up steps", "Ramp the learning rate up linearly over the first steps.", int(0, 100_000, 0)),
    training("batch_size", "Batch size", "Samples per step.", int(1, MAX_BATCH as u64, 64)),
    Setting {
        when: Some(When { key: "steps", values: &["0"] }),
        ..training("epochs", "Epochs", "Passes over the training set.", int(1, MAX_EPOCHS as u64, 10))
    },
    training(
        "steps",
        "Step budget",
        "Train exactly this many steps, as many epochs as that takes (0: train the epochs above). Sweeps compare models at one budget.",
        int(0, MAX_STEPS, 0),
    ),
    training(
        "probe_every",
        "Probe every",
        "Record each layer's gradient norms, update size and signal every this many steps (0: off); the page records only the steps whose metrics it sends, a few a second. Divergence is checked at every step regardless.",
        int(0, 1000, crate::probe::DEFAULT_EVERY),
    ),
    training(
        "seed",
        "Seed",
        "Fixes initialisation, data order and augmentation: the same seed gives the same run, bit for bit.",
        Kind::Int { min: 0, max: u32::MAX as u64, default: 42, random: true },
    ),
    Setting {
        key: "augment",
        path: "augment.enabled",
        group: Group::Augment,
        label: "Random affine",
        help: "Rotate ±15°, scale 0.9–1.1 and shift ±2 px at strength 1.",
        kind: Kind::Bool { default: true },
        when: None,
    },
    Setting {
        key: "strength",
        path: "augment.strength",
        group: Group::Augment,
        label: "Strength",
        help: "Scales every affine range (0: none, 2: twice the defaults).",
        kind: float(0.0, STRENGTH_MAX as f64, 1.0, 0.1, true),
        when: Some(When { key: "augment", values: &["true"] }),
    },
    Setting {
        key: "noise",
        path: "augment.noise_std",
        group: Group::Augment,
        label: "Noise σ",
        help: "Standard deviation of Gaussian pixel noise.",
        kind: float(0.0, NOISE_MAX as f64, 0.0, 0.05, true),
        when: None,
    },
];

/// The setting named `key`.
pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}
