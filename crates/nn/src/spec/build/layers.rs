//! The primitive layers: convolution, batch norm, pooling, linear and activations. Each checks
//! its fields, registers its parameters (PyTorch-style names under `at.name`) and adds its
//! cost row.

use super::cost::act_kind;
use super::shape::{err, img, in_range, Shape};
use super::Op;
use super::{At, Builder};
use crate::error::ConfigError;
use crate::init::Init;
use alloc::format;
use alloc::vec;
use depthlab_core::kernels::activation::Activation;
use depthlab_core::ops::batchnorm::BatchNormParams;
use depthlab_core::{Conv2dParams, Pool2dParams};

/// A convolution as the builder makes it (the spec's fields after defaults).
#[derive(Clone, Copy, Debug)]
pub(super) struct ConvLayer {
    pub out: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
    pub groups: usize,
    pub bias: bool,
    pub init: Init,
}

impl ConvLayer {
    /// A `kernel×kernel` convolution to `out` channels: stride 1, "same" padding, no groups,
    /// no bias, He initialisation (it is followed by batch norm and ReLU).
    pub(super) fn same(out: usize, kernel: usize) -> Self {
        ConvLayer { out, kernel, stride: 1, padding: kernel / 2, groups: 1, bias: false, init: Init::HeNormal }
    }
}

/// A pooling window.
#[derive(Clone, Copy, Debug)]
pub(super) struct PoolLayer {
    pub max: bool,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl Builder<'_> {
    pub(super) fn conv(&mut self, shape: Shape, at: At, l: ConvLayer) -> Result<(Op, Shape), ConfigError> {
        let ConvLayer { out, kernel: k, stride, padding: pad, groups, bias, init } = l;
        let (c, h, w) = img(shape, at.path, "conv")?;
        in_range(at.path, "out", out, 1, 4096, "output channels")?;
        in_range(at.path, "kernel", k, 1, 15, "is the kernel side")?;
        in_range(at.path, "stride", stride, 1, 8, "is the stride")?;
        if pad >= k {
            return Err(err(
                &format!("{}.padding", at.path),
                format!("padding {pad} must be smaller than the kernel ({k}); the default is kernel / 2"),
            ));
        }
        if groups == 0 || c % groups != 0 || out % groups != 0 {
            return Err(err(
                &format!("{}.groups", at.path),
                format!("{groups} groups do not divide {c} input and {out} output channels"),
            ));
        }
        let p = Conv2dParams::square(c, out, k, stride, pad).with_groups(groups);
        let (oh, ow) = p.output_size(h, w).ok_or_else(|| {
            err(at.path, format!("a {k}×{k} kernel with padding {pad} does not fit the {h}×{w} input: the output would be smaller than 1×1"))
        })?;
        let n_params = (p.weight_len() + if bias { out } else { 0 }) as u64;
        self.count(at.path, n_params)?;
        let (fan_in, fan_out) = (p.patch_len(), out / groups * k * k);
        let len = p.weight_len();
        let wid = self.param(&format!("{}.weight", at.name), &[out, c / groups, k, k], |rng| {
            init.sample(rng, len, fan_in, fan_out)
        });
        let bid = bias.then(|| self.param(&format!("{}.bias", at.name), &[out], |_| vec![0.0; out]));
        let s = Shape::Img(out, oh, ow);
        self.row(at.name, "conv", s, n_params, p.macs(h, w));
        Ok((Op::Conv { p, w: wid, b: bid, relu: false }, s))
    }

    /// Batch norm over channels; `zero_gamma` starts γ at 0 (a residual block's last BN).
    /// With `remove_batch_norm` it is the identity (no parameters, no cost row).
    pub(super) fn bn(&mut self, shape: Shape, at: At, zero_gamma: bool) -> Result<(Op, Shape), ConfigError> {
        if self.no_batch_norm {
            return Ok((Op::Identity, shape));
        }
        let c = shape.channels();
        self.count(at.path, 2 * c as u64)?;
        let name = at.name;
        let gamma = self.param(&format!("{name}.weight"), &[c], |_| vec![if zero_gamma { 0.0 } else { 1.0 }; c]);
        let beta = self.param(&format!("{name}.bias"), &[c], |_| vec![0.0; c]);
        let running_mean = self.buffer(&format!("{name}.running_mean"), &[c], 0.0);
        let running_var = self.buffer(&format!("{name}.running_var"), &[c], 1.0);
        self.row(name, "batch_norm", shape, 2 * c as u64, 0);
        let p = BatchNormParams { gamma, beta, running_mean, running_var, momentum: 0.1, eps: 1e-5 };
        Ok((Op::Bn { p, relu: false }, shape))
    }

    pub(super) fn pool(&mut self, shape: Shape, at: At, l: PoolLayer) -> Result<(Op, Shape), ConfigError> {
        let PoolLayer { max, kernel: k, stride: s, padding: pad } = l;
        let kind = if max { "max_pool" } else { "avg_pool" };
        let (c, h, w) = img(shape, at.path, kind)?;
        in_range(at.path, "kernel", k, 1, 64, "is the window side")?;
        in_range(at.path, "stride", s, 1, 64, "is the stride")?;
        // PyTorch's rule: padding at most half the window (so every window sees real pixels).
        if pad > k / 2 {
            return Err(err(
                &format!("{}.padding", at.path),
                format!("padding {pad} is more than half the {k}×{k} window; use at most {}", k / 2),
            ));
        }
        let p = Pool2dParams { kernel: k, stride: s, padding: pad };
        let (oh, ow) = p
            .output_size(h, w)
            .ok_or_else(|| err(at.path, format!("a {k}×{k} window does not fit the {h}×{w} input")))?;
        let out = Shape::Img(c, oh, ow);
        self.row(at.name, kind, out, 0, 0);
        Ok((if max { Op::MaxPool(p) } else { Op::AvgPool(p) }, out))
    }

    pub(super) fn linear(
        &mut self,
        shape: Shape,
        at: At,
        out: usize,
        bias: bool,
        init: Init,
    ) -> Result<(Op, Shape), ConfigError> {
        in_range(at.path, "out", out, 1, 65536, "outputs")?;
        let fan_in = shape.numel();
        let n_params = (fan_in as u64).saturating_mul(out as u64).saturating_add(if bias { out as u64 } else { 0 });
        self.count(at.path, n_params)?;
        let w = self
            .param(&format!("{}.weight", at.name), &[out, fan_in], |rng| init.sample(rng, fan_in * out, fan_in, out));
        let b = bias.then(|| self.param(&format!("{}.bias", at.name), &[out], |_| vec![0.0; out]));
        self.row(at.name, "linear", Shape::Flat(out), n_params, (fan_in * out) as u64);
        Ok((Op::Linear { w, b, relu: false }, Shape::Flat(out)))
    }

    /// A ReLU becomes the spec's `activation` if it names one.
    pub(super) fn act(&mut self, shape: Shape, name: &str, a: Activation) -> (Op, Shape) {
        let a = if a == Activation::Relu { self.relu_as } else { a };
        self.row(name, act_kind(a), shape, 0, 0);
        (Op::Act(a), shape)
    }
}
