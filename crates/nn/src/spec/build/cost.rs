//! Naming and cost rows: one [`CostRow`] per layer (output shape, parameters, MACs) and the
//! running parameter count that keeps a spec from asking for gigabytes.

use super::shape::Shape;
use super::Builder;
use crate::error::ConfigError;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use depthlab_core::kernels::activation::Activation;

/// One row of the cost table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CostRow {
    /// Layer name (the parameter prefix), e.g. `layers.3.conv1`.
    pub name: String,
    /// Layer kind, e.g. `conv`.
    pub kind: &'static str,
    /// Output shape for one input (`[C, H, W]` or `[F]`).
    pub output: Vec<usize>,
    /// Trainable parameters.
    pub params: u64,
    /// Multiply-accumulates per input (convolutions and linear layers).
    pub macs: u64,
}

/// Largest parameter count a spec may ask for (keeps a typo from allocating gigabytes).
pub const MAX_PARAMS: u64 = 50_000_000;

/// The cost-table kind of an activation.
pub(super) fn act_kind(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "relu",
        Activation::Tanh => "tanh",
        Activation::Sigmoid => "sigmoid",
    }
}

impl Builder<'_> {
    pub(super) fn row(&mut self, name: &str, kind: &'static str, out: Shape, params: u64, macs: u64) {
        self.rows.push(CostRow { name: name.to_string(), kind, output: out.dims(), params, macs });
    }

    /// Adds `n` parameters to the running total; refused past [`MAX_PARAMS`].
    pub(super) fn count(&mut self, path: &str, n: u64) -> Result<(), ConfigError> {
        self.total_params = self.total_params.saturating_add(n);
        if self.total_params > MAX_PARAMS {
            return Err(ConfigError::coded(
                path,
                format!("the model would exceed {MAX_PARAMS} parameters; make it smaller"),
                "model.too_large",
                &[("max", &MAX_PARAMS)],
            ));
        }
        Ok(())
    }

    /// Marks the rows from `mark` on as an auxiliary head's (`linear` → `aux_linear`).
    pub(super) fn mark_aux_rows(&mut self, mark: usize) {
        for r in &mut self.rows[mark..] {
            r.kind = if r.kind == "linear" { "aux_linear" } else { r.kind };
        }
    }
}
