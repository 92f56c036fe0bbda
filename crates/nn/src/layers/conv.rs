//! 2-D convolution layer (`weight: [O, C, KH, KW]`, `bias: [O]`).

use crate::init::Init;
use depthlab_core::{Conv2dParams, ParamId, ParamStore, Rng, Tape, Var};

/// Plain-data description of a convolution layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dConfig {
    /// Geometry (channels, kernel, stride, padding).
    pub params: Conv2dParams,
    /// Whether the layer has a bias.
    pub bias: bool,
}

/// An initialised convolution layer: handles into the parameter store.
#[derive(Clone, Copy, Debug)]
pub struct Conv2d {
    /// Geometry.
    pub params: Conv2dParams,
    /// `[O, C, KH, KW]`.
    pub weight: ParamId,
    /// `[O]`, if any.
    pub bias: Option<ParamId>,
}

impl Conv2dConfig {
    /// `k×k` convolution with bias.
    pub fn new(in_channels: usize, out_channels: usize, k: usize, stride: usize, padding: usize) -> Self {
        Conv2dConfig { params: Conv2dParams::square(in_channels, out_channels, k, stride, padding), bias: true }
    }

    /// Registers `{name}.weight` (and `{name}.bias`) drawn with `init`.
    pub fn init(&self, store: &mut ParamStore, rng: &mut Rng, name: &str, init: Init) -> Conv2d {
        let p = self.params;
        let (kh, kw) = p.kernel;
        let fan_in = p.in_channels * kh * kw;
        let fan_out = p.out_channels * kh * kw;
        let w = init.sample(rng, p.weight_len(), fan_in, fan_out);
        let weight = store.add(&alloc::format!("{name}.weight"), &[p.out_channels, p.in_channels, kh, kw], w);
        let bias = self.bias.then(|| store.add_zeros(&alloc::format!("{name}.bias"), &[p.out_channels]));
        Conv2d { params: p, weight, bias }
    }
}

impl Conv2d {
    /// `[N, C, H, W] → [N, O, OH, OW]`.
    pub fn forward(&self, tape: &mut Tape, store: &ParamStore, x: Var) -> Var {
        tape.conv2d(store, x, self.weight, self.bias, self.params)
    }
}
