//! The training configuration a user (or the page) gives as JSON, and its validation.
//!
//! ```json
//! {"model": "lenet5", "activation": "relu", "optimizer": {"kind": "adam", "lr": 0.001},
//!  "batch_size": 64, "seed": 42}
//! ```

use crate::optim::OptimizerConfig;
use alloc::string::String;
use core::fmt;
use depthlab_core::kernels::activation::Activation;
use serde::{Deserialize, Serialize};

/// Which architecture to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// LeNet-5 (LeCun et al. 1998).
    #[default]
    Lenet5,
}

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
    /// Architecture.
    pub model: ModelKind,
    /// Hidden-layer nonlinearity.
    pub activation: ActivationName,
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
            model: ModelKind::Lenet5,
            activation: ActivationName::Relu,
            optimizer: OptimizerConfig::adam(1e-3),
            batch_size: 64,
            seed: None,
        }
    }
}

/// A configuration field that is out of range; the message names the field and the range.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError {
    /// Dotted path of the field, e.g. `optimizer.lr`.
    pub field: &'static str,
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
        Err(ConfigError { field, reason: alloc::format!("{v} is outside {open}{lo}, {hi}]") })
    }
}

impl TrainConfig {
    /// Checks every numeric field; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.batch_size == 0 || self.batch_size > MAX_BATCH {
            return Err(ConfigError {
                field: "batch_size",
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
