//! The configuration of a run as JSON, its defaults and its validation — all read from the
//! [`crate::catalog`], which declares every setting once.
//!
//! ```json
//! {"model": {"preset": "resnet", "depth": 20, "shortcut": "A"}, "optimizer": "sgd", "lr": 0.1,
//!  "schedule": "cosine", "batch_size": 64, "epochs": 10, "seed": 42}
//! ```
//!
//! `model.spec` (a full [`ModelSpec`]) overrides the preset and its options.

use crate::augment::AugmentConfig;
use crate::catalog::{named_enum, setting, Kind, Setting, SETTINGS};
use crate::error::ConfigError;
use crate::models::{preset_spec, Preset};
use crate::optim::OptimizerConfig;
pub use crate::optim::{OptimizerKind, Schedule};
use crate::spec::{ModelSpec, ShortcutKind, Unit};
use alloc::format;
use alloc::string::{String, ToString};
use depthlab_core::kernels::activation::Activation;
use serde::{Deserialize, Serialize};

/// Largest batch accepted (memory for the activations grows with it).
pub const MAX_BATCH: usize = 1024;
/// Largest depth a preset may be built with.
pub const MAX_DEPTH: usize = 200;
/// Most epochs of one run.
pub const MAX_EPOCHS: u32 = 200;
/// Largest step budget of one run.
pub const MAX_STEPS: u64 = 1_000_000;

named_enum! {
    /// A hidden nonlinearity (the `activation` setting).
    #[derive(Default)]
    pub enum ActivationName ("activation") {
        /// ReLU.
        #[default]
        Relu = "relu",
        /// tanh.
        Tanh = "tanh",
        /// Logistic sigmoid.
        Sigmoid = "sigmoid",
    }
}

impl From<ActivationName> for Activation {
    fn from(a: ActivationName) -> Self {
        match a {
            ActivationName::Relu => Activation::Relu,
            ActivationName::Tanh => Activation::Tanh,
            ActivationName::Sigmoid => Activation::Sigmoid,
        }
    }
}

/// Which model: a preset and its options, or a full spec. Each preset reads only the options
/// its catalogue entry lists ([`crate::catalog::PresetInfo::options`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// The preset.
    pub preset: Preset,
    /// Weighted layers (plain/ResNet/Highway: 6n+2; bottleneck/ResNeXt: 9n+2).
    pub depth: usize,
    /// Hidden nonlinearity (LeNet-5; for the deep presets it replaces every ReLU).
    pub activation: ActivationName,
    /// Residual shortcut option (A, B, C).
    pub shortcut: ShortcutKind,
    /// Residual unit arrangement (ResNet v2: a–e).
    pub unit: Unit,
    /// ResNeXt groups C.
    pub cardinality: usize,
    /// ResNeXt width d of each group (first stage).
    pub width: usize,
    /// Inception auxiliary heads.
    pub aux_heads: bool,
    /// Zero-initialise each residual block's last BN γ.
    pub zero_init_last_bn: bool,
    /// Ablation: build every residual block without its shortcut.
    pub remove_shortcuts: bool,
    /// Batch norm where the preset has it (off: the vanishing-gradient experiments).
    pub batch_norm: bool,
    /// Inception (3a): the 1×1 reductions before the 3×3 and 5×5 convolutions.
    pub reductions: bool,
    /// A full model spec; overrides the preset and its options.
    pub spec: Option<ModelSpec>,
}

impl Default for ModelConfig {
    fn default() -> Self {
        TrainConfig::default().model
    }
}

/// Everything needed to build and train a [`crate::Trainer`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// The model.
    pub model: ModelConfig,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Peak learning rate.
    pub lr: f32,
    /// SGD momentum.
    pub momentum: f32,
    /// L2 weight decay.
    pub weight_decay: f32,
    /// Learning-rate schedule over the run.
    pub schedule: Schedule,
    /// Linear learning-rate warm-up over this many first steps.
    pub warmup: u64,
    /// Samples per step.
    pub batch_size: usize,
    /// Passes over the training set (when `steps` is 0).
    pub epochs: u32,
    /// Step budget: exactly this many steps, as many epochs as that takes (0: `epochs`).
    pub steps: u64,
    /// Per-layer probe statistics every this many steps (0: off); see [`crate::probe`].
    pub probe_every: u64,
    /// Seed for initialisation, data order and augmentation; `None` = pick one at random.
    pub seed: Option<u64>,
    /// Data augmentation.
    pub augment: AugmentConfig,
}

impl Default for TrainConfig {
    /// Every setting at its catalogue default.
    fn default() -> Self {
        let mut c = TrainConfig::unset();
        for s in SETTINGS {
            let d = default_text(s);
            // The catalogue's defaults are valid by construction (a test checks each one).
            if let Err(e) = c.set(s.key, &d) {
                panic!("catalogue default of {} is invalid: {e}", s.key);
            }
        }
        c
    }
}

/// A setting's default as the text `TrainConfig::set` takes.
pub fn default_text(s: &Setting) -> String {
    match s.kind {
        Kind::Choice { default, .. } => default.into(),
        Kind::Int { default, .. } => default.to_string(),
        Kind::Float { default, .. } => (default as f32).to_string(),
        Kind::Bool { default } => default.to_string(),
    }
}

/// Checks `value` against a setting's kind; returns the reason it is refused.
fn check(s: &Setting, value: &str) -> Result<(), ConfigError> {
    let (key, v) = (s.key, value);
    let coded = |reason: String, code, params: &[(&'static str, &dyn core::fmt::Display)]| {
        let mut all: alloc::vec::Vec<(&'static str, &dyn core::fmt::Display)> =
            alloc::vec![("key", &key), ("value", &v)];
        all.extend_from_slice(params);
        Err(ConfigError::coded(s.path, reason, code, &all))
    };
    match s.kind {
        Kind::Choice { values, .. } if !values.contains(&value) => {
            let choices = values.join(", ");
            coded(format!("{value:?} is not one of {choices}"), "setting.choice", &[("choices", &choices)])
        }
        Kind::Choice { .. } => Ok(()),
        Kind::Int { random: true, .. } if value == "random" => Ok(()),
        Kind::Int { min, max, .. } => match value.parse::<u64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(()),
            _ => coded(
                format!("{value:?} is not a whole number from {min} to {max}"),
                "setting.int",
                &[("min", &min), ("max", &max)],
            ),
        },
        Kind::Float { min, max, .. } => match value.parse::<f32>() {
            Ok(v) if v.is_finite() && v >= min as f32 && v <= max as f32 => Ok(()),
            _ => coded(
                format!("{value:?} is not a number from {min} to {max}"),
                "setting.float",
                &[("min", &min), ("max", &max)],
            ),
        },
        Kind::Bool { .. } => match value {
            "true" | "false" | "1" | "0" => Ok(()),
            _ => coded(format!("{value:?} is not true or false"), "setting.bool", &[]),
        },
    }
}

fn parse<T: core::str::FromStr>(v: &str) -> Result<T, String>
where
    T::Err: core::fmt::Display,
{
    v.parse().map_err(|e: T::Err| e.to_string())
}

impl TrainConfig {
    /// A configuration whose every field [`Default`] then sets from the catalogue.
    fn unset() -> Self {
        TrainConfig {
            model: ModelConfig {
                preset: Preset::Lenet5,
                depth: 0,
                activation: ActivationName::Relu,
                shortcut: ShortcutKind::A,
                unit: Unit::A,
                cardinality: 0,
                width: 0,
                aux_heads: false,
                zero_init_last_bn: false,
                remove_shortcuts: false,
                batch_norm: false,
                reductions: false,
                spec: None,
            },
            optimizer: OptimizerKind::Adam,
            lr: 0.0,
            momentum: 0.0,
            weight_decay: 0.0,
            schedule: Schedule::Constant,
            warmup: 0,
            batch_size: 0,
            epochs: 0,
            steps: 0,
            probe_every: 0,
            seed: None,
            augment: AugmentConfig::default(),
        }
    }

    /// Sets the setting `key` (a [`crate::catalog::SETTINGS`] key) from text, as given in a
    /// URL or on the command line; refused (and nothing changed) if `value` is not allowed.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let s = setting(key).ok_or_else(|| {
            let keys: alloc::vec::Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
            let keys = keys.join(", ");
            ConfigError::coded(
                key,
                format!("is not a setting; the settings are {keys}"),
                "setting.unknown",
                &[("key", &key), ("keys", &keys)],
            )
        })?;
        check(s, value)?;
        self.assign(s.key, value).map_err(|r| ConfigError::new(s.path, r))
    }

    /// The setting `key` as text (`None` for an unknown key).
    pub fn get(&self, key: &str) -> Option<String> {
        let (m, a) = (&self.model, &self.augment);
        Some(match key {
            "model" => m.preset.to_string(),
            "depth" => m.depth.to_string(),
            "activation" => m.activation.to_string(),
            "shortcut" => m.shortcut.to_string(),
            "unit" => m.unit.to_string(),
            "cardinality" => m.cardinality.to_string(),
            "width" => m.width.to_string(),
            "aux_heads" => m.aux_heads.to_string(),
            "zero_init_last_bn" => m.zero_init_last_bn.to_string(),
            "remove_shortcuts" => m.remove_shortcuts.to_string(),
            "batch_norm" => m.batch_norm.to_string(),
            "reductions" => m.reductions.to_string(),
            "optimizer" => self.optimizer.to_string(),
            "lr" => self.lr.to_string(),
            "momentum" => self.momentum.to_string(),
            "weight_decay" => self.weight_decay.to_string(),
            "schedule" => self.schedule.to_string(),
            "warmup" => self.warmup.to_string(),
            "batch_size" => self.batch_size.to_string(),
            "epochs" => self.epochs.to_string(),
            "steps" => self.steps.to_string(),
            "probe_every" => self.probe_every.to_string(),
            "seed" => self.seed.map_or_else(|| "random".into(), |s| s.to_string()),
            "augment" => a.enabled.to_string(),
            "strength" => a.strength.to_string(),
            "noise" => a.noise_std.to_string(),
            _ => return None,
        })
    }

    /// Writes an already checked value into its field.
    fn assign(&mut self, key: &str, v: &str) -> Result<(), String> {
        let flag = |v: &str| v == "true" || v == "1";
        let (m, a) = (&mut self.model, &mut self.augment);
        match key {
            "model" => m.preset = parse(v)?,
            "depth" => m.depth = parse(v)?,
            "activation" => m.activation = parse(v)?,
            "shortcut" => m.shortcut = parse(v)?,
            "unit" => m.unit = parse(v)?,
            "cardinality" => m.cardinality = parse(v)?,
            "width" => m.width = parse(v)?,
            "aux_heads" => m.aux_heads = flag(v),
            "zero_init_last_bn" => m.zero_init_last_bn = flag(v),
            "remove_shortcuts" => m.remove_shortcuts = flag(v),
            "batch_norm" => m.batch_norm = flag(v),
            "reductions" => m.reductions = flag(v),
            "optimizer" => self.optimizer = parse(v)?,
            "lr" => self.lr = parse(v)?,
            "momentum" => self.momentum = parse(v)?,
            "weight_decay" => self.weight_decay = parse(v)?,
            "schedule" => self.schedule = parse(v)?,
            "warmup" => self.warmup = parse(v)?,
            "batch_size" => self.batch_size = parse(v)?,
            "epochs" => self.epochs = parse(v)?,
            "steps" => self.steps = parse(v)?,
            "probe_every" => self.probe_every = parse(v)?,
            "seed" => self.seed = if v == "random" { None } else { Some(parse(v)?) },
            "augment" => a.enabled = flag(v),
            "strength" => a.strength = parse(v)?,
            "noise" => a.noise_std = parse(v)?,
            _ => return Err(format!("the catalogue lists {key} but TrainConfig has no field for it")),
        }
        Ok(())
    }

    /// Checks every setting against the catalogue, then the augmentation's own fields; the
    /// first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for s in SETTINGS {
            let v = self.get(s.key).ok_or_else(|| ConfigError::new(s.path, "has no field"))?;
            check(s, &v)?;
        }
        self.augment.validate()
    }

    /// The optimizer this configuration describes.
    pub fn optimizer_config(&self) -> OptimizerConfig {
        match self.optimizer {
            OptimizerKind::Adam => OptimizerConfig::adam(self.lr, self.weight_decay),
            OptimizerKind::Sgd => {
                OptimizerConfig::Sgd { lr: self.lr, momentum: self.momentum, weight_decay: self.weight_decay }
            }
        }
    }

    /// Steps of the whole run for `batches_per_epoch`: the step budget, or every epoch.
    pub fn total_steps(&self, batches_per_epoch: u64) -> u64 {
        if self.steps > 0 {
            self.steps
        } else {
            batches_per_epoch * self.epochs as u64
        }
    }

    /// The learning rate at `step` (0-based) of a run of `total` steps.
    pub fn lr_at(&self, step: u64, total: u64) -> f32 {
        self.schedule.lr_at(self.lr, self.warmup, step, total)
    }

    /// The model spec this configuration describes (the explicit `model.spec`, or the preset's).
    pub fn model_spec(&self) -> Result<ModelSpec, ConfigError> {
        let mut spec = match &self.model.spec {
            Some(s) => s.clone(),
            None => preset_spec(&self.model).map_err(|e| e.within("model"))?,
        };
        if self.model.remove_shortcuts && !spec.remove_shortcuts {
            spec.remove_shortcuts = true;
            spec.name.push_str(" without shortcuts");
        }
        // The deep presets take the activation and batch-norm switches as spec transforms
        // (LeNet-5 builds its own activation in); a full spec says what it wants itself.
        let reads = |key: &str| {
            self.model.spec.is_none() && crate::catalog::preset_info(self.model.preset).options.contains(&key)
        };
        if reads("batch_norm") && !self.model.batch_norm {
            spec.remove_batch_norm = true;
            spec.name.push_str(" without batch norm");
        }
        if reads("activation")
            && self.model.preset != crate::models::Preset::Lenet5
            && self.model.activation != ActivationName::Relu
        {
            spec.activation = Some(self.model.activation);
            spec.name.push_str(&format!(" ({})", self.model.activation));
        }
        if spec.input != [1, 28, 28] {
            return Err(ConfigError::new(
                "model.spec.input",
                format!("{:?}: the trainer takes 1×28×28 digits", spec.input),
            ));
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn out_of_range_fields_are_named() {
        assert!(TrainConfig::default().validate().is_ok());
        let c = TrainConfig { batch_size: 0, ..Default::default() };
        assert_eq!(c.validate().unwrap_err().path, "batch_size");
        let c = TrainConfig { lr: -1.0, ..Default::default() };
        assert_eq!(c.validate().unwrap_err().path, "lr");
        let c = TrainConfig { momentum: 1.5, ..Default::default() };
        let e = c.validate().unwrap_err();
        assert_eq!(e.path, "momentum");
        assert!(e.to_string().contains("1.5"), "{e}");
        let c = TrainConfig { lr: f32::NAN, ..Default::default() };
        assert!(c.validate().is_err());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn set_parses_checks_and_leaves_the_config_alone_when_refused() {
        let mut c = TrainConfig::default();
        c.set("model", "resnet").unwrap();
        c.set("depth", "32").unwrap();
        c.set("schedule", "cosine").unwrap();
        c.set("seed", "random").unwrap();
        assert_eq!((c.model.preset, c.model.depth, c.schedule, c.seed), (Preset::Resnet, 32, Schedule::Cosine, None));
        let before = c.clone();
        for (k, v) in
            [("depth", "201"), ("lr", "11"), ("lr", "NaN"), ("model", "resnet-9"), ("bogus", "1"), ("aux_heads", "yes")]
        {
            let e = c.set(k, v).unwrap_err();
            assert!(!e.reason.is_empty(), "{k}={v}");
        }
        assert_eq!(c, before);
        let e = c.set("shortcut", "none").unwrap_err();
        assert_eq!(e.path, "model.shortcut");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn get_round_trips_every_setting() {
        let c = TrainConfig::default();
        for s in SETTINGS {
            let v = c.get(s.key).unwrap();
            let mut d = TrainConfig::unset();
            d.set(s.key, &v).unwrap();
            assert_eq!(d.get(s.key).unwrap(), v, "{}", s.key);
            assert_eq!(v, default_text(s), "{}: default differs", s.key);
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn nested_json_parses() {
        let c: TrainConfig = serde_json::from_str(
            r#"{"model": {"preset": "resnet_v2", "depth": 14, "unit": "d"}, "optimizer": "sgd", "lr": 0.1, "seed": 7}"#,
        )
        .unwrap();
        assert_eq!((c.model.preset, c.model.depth, c.model.unit), (Preset::ResnetV2, 14, Unit::D));
        assert_eq!(c.optimizer_config(), OptimizerConfig::Sgd { lr: 0.1, momentum: 0.9, weight_decay: 0.0 });
        let e = serde_json::from_str::<TrainConfig>(r#"{"model": {"preset": "resnet50"}}"#).unwrap_err();
        assert!(e.to_string().contains("choose one of lenet5"), "{e}");
    }
}
