//! The one error for anything a user configures — a model spec, a preset option or a training
//! setting: where (a dotted path) and why.

use alloc::string::String;
use core::fmt;

/// A setting or spec field that cannot be used: which one, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted path of the field, e.g. `lr`, `model.depth` or `spec.layers[3].groups`.
    pub path: String,
    /// What is wrong with it, written for the person who set it.
    pub reason: String,
}

impl ConfigError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError { path: path.into(), reason: reason.into() }
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
