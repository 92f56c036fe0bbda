//! Fully connected layer (`weight: [out, in]`, `bias: [out]`).

use crate::init::Init;
use depthlab_core::{ParamId, ParamStore, Rng, Tape, Var};

/// Plain-data description of a linear layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearConfig {
    /// Input features.
    pub fan_in: usize,
    /// Output features.
    pub fan_out: usize,
    /// Whether the layer has a bias.
    pub bias: bool,
}

/// An initialised linear layer.
#[derive(Clone, Copy, Debug)]
pub struct Linear {
    /// `[out, in]`.
    pub weight: ParamId,
    /// `[out]`, if any.
    pub bias: Option<ParamId>,
}

impl LinearConfig {
    /// `fan_in → fan_out` with bias.
    pub fn new(fan_in: usize, fan_out: usize) -> Self {
        LinearConfig { fan_in, fan_out, bias: true }
    }

    /// Registers `{name}.weight` (and `{name}.bias`) drawn with `init`.
    pub fn init(&self, store: &mut ParamStore, rng: &mut Rng, name: &str, init: Init) -> Linear {
        let w = init.sample(rng, self.fan_in * self.fan_out, self.fan_in, self.fan_out);
        let weight = store.add(&alloc::format!("{name}.weight"), &[self.fan_out, self.fan_in], w);
        let bias = self.bias.then(|| store.add_zeros(&alloc::format!("{name}.bias"), &[self.fan_out]));
        Linear { weight, bias }
    }
}

impl Linear {
    /// `[B, in] → [B, out]`.
    pub fn forward(&self, tape: &mut Tape, store: &ParamStore, x: Var) -> Var {
        tape.linear(store, x, self.weight, self.bias)
    }
}
