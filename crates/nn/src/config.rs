//! The training configuration a user (or the page) gives as JSON, and its validation.
//!
//! ```json
//! {"model": "resnet", "depth": 20, "shortcut": "A", "optimizer": {"kind": "adam", "lr": 0.001},
//!  "batch_size": 64, "seed": 42}
//! ```
//!
//! `model` names a preset; `spec` (a full [`ModelSpec`]) overrides it.

use crate::models::{preset_spec, Preset, PresetOptions};
use crate::optim::OptimizerConfig;
use crate::spec::{ModelSpec, ShortcutKind, Unit};
use alloc::string::String;
use core::fmt;
use depthlab_core::kernels::activation::Activation;
use serde::{Deserialize, Serialize};

/// Activation as named in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ActivationName {
    /// ReLU.
    #[default]
    Relu,
    /// tanh.
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
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

/// Everything needed to build a [`crate::Trainer`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Preset architecture.
    pub model: Preset,
    /// Depth for plain/ResNet/Highway (6n+2) and bottleneck/ResNeXt (9n+2) presets.
    pub depth: Option<usize>,
    /// Hidden-layer nonlinearity (LeNet-5).
    pub activation: ActivationName,
    /// ResNet shortcut option (A, B, C).
    pub shortcut: Option<ShortcutKind>,
    /// Residual unit variant (a–e).
    pub unit: Option<Unit>,
    /// ResNeXt cardinality.
    pub cardinality: usize,
    /// ResNeXt group width (first stage).
    pub width: usize,
    /// Inception auxiliary heads.
    pub aux_heads: bool,
    /// Zero-initialise each residual block's last BN γ.
    pub zero_init_last_bn: bool,
    /// Ablation: build every residual block without its shortcut.
    pub remove_shortcuts: bool,
    /// A full model spec; overrides `model` and its options.
    pub spec: Option<ModelSpec>,
    /// Optimizer and its hyper-parameters.
    pub optimizer: OptimizerConfig,
    /// Samples per step.
    pub batch_size: usize,
    /// Seed for initialisation (and, in the page, data order); `None` = pick one at random.
    pub seed: Option<u64>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            model: Preset::Lenet5,
            depth: None,
            activation: ActivationName::Relu,
            shortcut: None,
            unit: None,
            cardinality: 4,
            width: 4,
            aux_heads: true,
            zero_init_last_bn: false,
            remove_shortcuts: false,
            spec: None,
            optimizer: OptimizerConfig::adam(1e-3),
            batch_size: 64,
            seed: None,
        }
    }
}

/// A configuration field that is out of range; the message names the field and the range.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// Dotted path of the field, e.g. `optimizer.lr` or `spec.layers[3].groups`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.field, self.reason)
    }
}

impl core::error::Error for ConfigError {}

/// Largest batch accepted (memory for im2col grows with it).
pub const MAX_BATCH: usize = 1024;

fn range(field: &'static str, v: f32, lo: f32, hi: f32, lo_open: bool) -> Result<(), ConfigError> {
    let ok = v.is_finite() && (if lo_open { v > lo } else { v >= lo }) && v <= hi;
    if ok {
        Ok(())
    } else {
        let open = if lo_open { "(" } else { "[" };
        Err(ConfigError { field: field.into(), reason: alloc::format!("{v} is outside {open}{lo}, {hi}]") })
    }
}

impl TrainConfig {
    /// The model spec this configuration describes (the explicit `spec`, or the preset's).
    pub fn model_spec(&self) -> Result<ModelSpec, ConfigError> {
        let mut spec = match &self.spec {
            Some(s) => s.clone(),
            None => {
                let opts = PresetOptions {
                    depth: self.depth,
                    activation: self.activation.into(),
                    shortcut: self.shortcut,
                    unit: self.unit,
                    cardinality: self.cardinality,
                    width: self.width,
                    aux_heads: self.aux_heads,
                    zero_init_last_bn: self.zero_init_last_bn,
                };
                preset_spec(self.model, &opts).map_err(|e| ConfigError { field: e.path, reason: e.reason })?
            }
        };
        if self.remove_shortcuts && !spec.remove_shortcuts {
            spec.remove_shortcuts = true;
            spec.name.push_str(" without shortcuts");
        }
        if spec.input != [1, 28, 28] {
            return Err(ConfigError {
                field: "spec.input".into(),
                reason: alloc::format!("{:?}: the trainer takes 1×28×28 digits", spec.input),
            });
        }
        Ok(spec)
    }

    /// Checks every numeric field; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.batch_size == 0 || self.batch_size > MAX_BATCH {
            return Err(ConfigError {
                field: "batch_size".into(),
                reason: alloc::format!("{} is outside 1..={MAX_BATCH}", self.batch_size),
            });
        }
        match self.optimizer {
            OptimizerConfig::Sgd { lr, momentum, weight_decay } => {
                range("optimizer.lr", lr, 0.0, 10.0, true)?;
                range("optimizer.momentum", momentum, 0.0, 0.999, false)?;
                range("optimizer.weight_decay", weight_decay, 0.0, 1.0, false)?;
            }
            OptimizerConfig::Adam { lr, beta1, beta2, eps, weight_decay } => {
                range("optimizer.lr", lr, 0.0, 1.0, true)?;
                range("optimizer.beta1", beta1, 0.0, 0.9999, false)?;
                range("optimizer.beta2", beta2, 0.0, 0.99999, false)?;
                range("optimizer.eps", eps, 0.0, 1.0, true)?;
                range("optimizer.weight_decay", weight_decay, 0.0, 1.0, false)?;
            }
        }
        Ok(())
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
        assert_eq!(c.validate().unwrap_err().field, "batch_size");
        let c = TrainConfig { optimizer: OptimizerConfig::adam(-1.0), ..Default::default() };
        assert_eq!(c.validate().unwrap_err().field, "optimizer.lr");
        let c = TrainConfig {
            optimizer: OptimizerConfig::Sgd { lr: 0.1, momentum: 1.5, weight_decay: 0.0 },
            ..Default::default()
        };
        let e = c.validate().unwrap_err();
        assert_eq!(e.field, "optimizer.momentum");
        assert!(alloc::string::ToString::to_string(&e).contains("1.5"));
        let c = TrainConfig { optimizer: OptimizerConfig::adam(f32::NAN), ..Default::default() };
        assert!(c.validate().is_err());
    }
}
