//! Highway layers (Srivastava et al. 2015): `y = T·H(x) + (1 − T)·x` with `H` = conv3×3-BN-ReLU
//! and the gate `T = σ(conv1×1(x) + b)`, `b` starting at `gate_bias` (negative: carry the input).

use super::layers::ConvLayer;
use super::shape::{err, img, Shape};
use super::{At, Builder, Op};
use crate::error::ConfigError;
use crate::init::Init;
use alloc::format;
use alloc::vec;
use depthlab_core::kernels::activation::Activation;

impl Builder<'_> {
    pub(super) fn highway(&mut self, shape: Shape, at: At, gate_bias: f32) -> Result<(Op, Shape), ConfigError> {
        let (c, ..) = img(shape, at.path, "highway")?;
        if !gate_bias.is_finite() || gate_bias.abs() > 20.0 {
            return Err(err(&format!("{}.gate_bias", at.path), format!("{gate_bias} is not a number in -20..20")));
        }
        let n = |part: &str| format!("{}.{part}", at.name);
        let (h_conv, h_bn, h_relu, gate_name) = (n("h.conv"), n("h.bn"), n("h.relu"), n("gate"));
        let (conv, s) = self.conv(shape, At { path: at.path, name: &h_conv }, ConvLayer::same(c, 3))?;
        let (bn, s) = self.bn(s, At { path: at.path, name: &h_bn }, false)?;
        let (relu, _) = self.act(s, &h_relu, Activation::Relu);
        let gate_layer = ConvLayer { bias: true, init: Init::XavierUniform, ..ConvLayer::same(c, 1) };
        let (gate, _) = self.conv(shape, At { path: at.path, name: &gate_name }, gate_layer)?;
        if let Op::Conv { b: Some(b), .. } = gate {
            self.params.value_mut(b).fill(gate_bias);
        }
        Ok((Op::Highway { h: vec![conv, bn, relu], gate: vec![gate] }, shape))
    }
}
