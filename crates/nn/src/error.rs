//! The one error for anything a user configures — a model spec, a preset option or a training
//! setting: where (a dotted path) and why — and [`Coded`], which every error a user can meet
//! implements: a stable code and named parameters, so the page can word it in the reader's
//! language (its catalogues have one template per code in [`ERROR_CODES`]); the English
//! `Display` text is the command line's message and the page's fallback.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// Every stable error code, declared once. The page's language catalogues give a template
/// for each (a test compares them); [`Coded::code`] only returns codes from this list (a
/// Rust test checks every variant).
pub const ERROR_CODES: &[&str] = &[
    // ConfigError
    "setting.unknown",
    "setting.choice",
    "setting.int",
    "setting.float",
    "setting.bool",
    "model.depth",
    "model.cardinality",
    "model.too_large",
    "model.memory",
    "augment.range",
    "config.invalid",
    // DataError
    "data.too_short",
    "data.bad_magic",
    "data.type",
    "data.wrong_kind",
    "data.dimensions",
    "data.truncated",
    "data.trailing",
    "data.count_mismatch",
    "data.label",
    "data.image_size",
    "data.gzip",
    "data.too_large",
    // BatchError
    "batch.empty",
    "batch.shape",
    "batch.label",
    "batch.non_finite",
    // Divergence
    "diverged.forward",
    "diverged.backward",
    "diverged.update",
    // CheckpointError
    "weights.format",
    "weights.missing",
    "weights.shape",
    "weights.dtype",
];

/// An error with a stable code and named parameters (see the module documentation).
pub trait Coded: fmt::Display {
    /// One of [`ERROR_CODES`].
    fn code(&self) -> &'static str;
    /// The values the message is made of, by name (numbers as text).
    fn params(&self) -> Vec<(&'static str, String)>;
}

/// A setting or spec field that cannot be used: which one, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted path of the field, e.g. `lr`, `model.depth` or `spec.layers[3].groups`.
    pub path: String,
    /// What is wrong with it, written for the person who set it.
    pub reason: String,
    /// Stable code (one of [`ERROR_CODES`]); `config.invalid` for spec errors, whose reason
    /// is the parameter.
    pub code: &'static str,
    /// Named values for the code's template.
    pub params: Vec<(&'static str, String)>,
}

impl ConfigError {
    /// An error at `path` with code `config.invalid` (its parameters: the path and reason).
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError { path: path.into(), reason: reason.into(), code: "config.invalid", params: Vec::new() }
    }

    /// An error at `path` with a stable `code` and its parameters.
    pub fn coded(
        path: impl Into<String>,
        reason: impl Into<String>,
        code: &'static str,
        params: &[(&'static str, &dyn fmt::Display)],
    ) -> Self {
        let params = params.iter().map(|(k, v)| (*k, v.to_string())).collect();
        ConfigError { path: path.into(), reason: reason.into(), code, params }
    }

    /// The same error one level further in: `spec` + `layers[1].out` → `spec.layers[1].out`.
    pub fn within(mut self, parent: &str) -> Self {
        self.path = if self.path.is_empty() { parent.into() } else { alloc::format!("{parent}.{}", self.path) };
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl core::error::Error for ConfigError {}

impl Coded for ConfigError {
    fn code(&self) -> &'static str {
        self.code
    }
    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = alloc::vec![("path", self.path.clone()), ("reason", self.reason.clone())];
        p.extend(self.params.iter().cloned());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::CheckpointError;
    use crate::data::DataError;
    use crate::probe::{Divergence, Pass, Site};
    use crate::train::{BatchError, StepError};
    use crate::TrainConfig;
    use alloc::vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Every variant's code is in `ERROR_CODES`, every code is used by some variant, and the
    /// parameters carry what the English text says.
    #[wasm_bindgen_test(unsupported = test)]
    fn every_error_has_a_listed_code() {
        let mut cfg = TrainConfig::default();
        let mut errs: Vec<(&str, Vec<(&'static str, String)>)> = Vec::new();
        let mut push = |e: &dyn Coded| errs.push((e.code(), e.params()));
        for (k, v) in [("nope", "1"), ("model", "vgg99"), ("depth", "x"), ("lr", "99"), ("augment", "maybe")] {
            push(&cfg.set(k, v).unwrap_err());
        }
        cfg.set("model", "resnet").unwrap();
        cfg.model.depth = 21;
        push(&cfg.model_spec().unwrap_err());
        push(&crate::models::resnext(29, usize::MAX, 2).unwrap_err());
        let big: crate::spec::ModelSpec = serde_json::from_str(
            r#"{"name":"big","input":[1,28,28],"layers":[{"type":"conv","out":4096,"kernel":3},{"type":"conv","out":4096,"kernel":3},{"type":"global_avg_pool"},{"type":"linear","out":10}]}"#,
        )
        .unwrap();
        let e = crate::spec::cost_table(&big).unwrap_err();
        assert_eq!(e.code, "model.too_large", "{e}");
        push(&e);
        let aug = crate::augment::AugmentConfig { strength: -1.0, ..Default::default() };
        push(&aug.validate().unwrap_err());
        push(&ConfigError::new("spec.layers[0]", "bad"));
        let rows = crate::spec::cost_table(&TrainConfig::default().model_spec().unwrap()).unwrap();
        push(&crate::memory::check(&rows, "LeNet-5", 1024, crate::optim::OptimizerKind::Adam, 1, 1 << 20).unwrap_err());
        for e in [
            DataError::TooShort { len: 3 },
            DataError::BadMagic { found: [1, 2, 3, 4] },
            DataError::UnsupportedType { code: 9 },
            DataError::WrongKind { expected: "a label file (idx1)", dims: 3 },
            DataError::AbsurdDimensions { count: 0, rows: 0, cols: 0 },
            DataError::Truncated { expected: 10, found: 5 },
            DataError::TrailingBytes { extra: 1 },
            DataError::CountMismatch { images: 1, labels: 2 },
            DataError::LabelOutOfRange { index: 1, value: 11 },
            DataError::WrongImageSize { rows: 1, cols: 1 },
            DataError::Gzip("x".into()),
            DataError::TooLarge { limit: 1 },
        ] {
            push(&e);
        }
        for e in [
            BatchError::Empty,
            BatchError::ShapeMismatch { pixels: 1, labels: 1 },
            BatchError::LabelOutOfRange { index: 0, value: 10 },
            BatchError::NonFinite { index: 0 },
        ] {
            push(&StepError::Batch(e));
        }
        for (pass, site) in
            [(Pass::Forward, Site::Output("conv")), (Pass::Backward, Site::After), (Pass::Update, Site::Update(4.0))]
        {
            push(&StepError::Diverged(Divergence { pass, layer: "layers.1".into(), site, step: 3, lr: 10.0 }));
        }
        for e in [
            CheckpointError::Format("x".into()),
            CheckpointError::Missing("a".into()),
            CheckpointError::Shape { name: "a".into(), found: vec![1], expected: vec![2] },
            CheckpointError::Dtype { name: "a".into(), found: "F16".into() },
        ] {
            push(&e);
        }
        for (code, _) in &errs {
            assert!(ERROR_CODES.contains(code), "{code} is not in ERROR_CODES");
        }
        for code in ERROR_CODES {
            assert!(errs.iter().any(|(c, _)| c == code), "no test error has code {code}");
        }
        let depth = errs.iter().find(|(c, _)| *c == "model.depth").unwrap();
        assert!(depth.1.contains(&("depth", "21".into())) && depth.1.contains(&("a", "6".into())), "{:?}", depth.1);
        let lr = errs.iter().find(|(c, _)| *c == "setting.float").unwrap();
        assert!(lr.1.contains(&("key", "lr".into())) && lr.1.contains(&("value", "99".into())), "{:?}", lr.1);
    }
}
