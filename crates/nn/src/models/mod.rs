//! The model zoo. Every model takes `[N, 1, 28, 28]` digits and returns `[N, 10]` logits.

mod lenet;

pub use lenet::{LeNet5, LeNet5Config};

use depthlab_core::{Mode, ParamStore, Tape, Var};

/// A classifier over 28×28 digits.
pub trait Model: core::fmt::Debug {
    /// Records the forward pass: `[N, 1, 28, 28] → [N, 10]` logits.
    fn forward(&self, tape: &mut Tape, params: &ParamStore, x: Var, mode: Mode) -> Var;
}
