//! Auxiliary classifiers (GoogLeNet, Szegedy et al. 2015): from here, avg-pool → 1×1 conv →
//! ReLU → linear → 10 logits whose loss is added with weight 0.3 in training; the main path
//! passes through unchanged.

use super::layers::{ConvLayer, PoolLayer};
use super::shape::{err, img, Shape, CLASSES};
use super::{At, Builder, Op};
use crate::error::ConfigError;
use crate::init::Init;
use crate::spec::MAX_AUX;
use alloc::format;
use alloc::vec;
use depthlab_core::kernels::activation::Activation;

impl Builder<'_> {
    pub(super) fn aux_head(&mut self, shape: Shape, at: At, channels: usize) -> Result<(Op, Shape), ConfigError> {
        let (_, h, _) = img(shape, at.path, "aux_head")?;
        self.aux_heads += 1;
        if self.aux_heads > MAX_AUX {
            return Err(err(at.path, format!("a model may have at most {MAX_AUX} auxiliary heads")));
        }
        let mark = self.rows.len();
        let n = |part: &str| format!("{}.{part}", at.name);
        let (pool_name, conv_name, relu_name, fc_name) = (n("pool"), n("conv"), n("relu"), n("fc"));
        let k = h.min(5);
        let window = PoolLayer { max: false, kernel: k, stride: 3.min(k), padding: 0 };
        let (pool, s) = self.pool(shape, At { path: at.path, name: &pool_name }, window)?;
        let channels_path = format!("{}.channels", at.path);
        let conv = ConvLayer { bias: true, ..ConvLayer::same(channels, 1) };
        let (conv, s) = self.conv(s, At { path: &channels_path, name: &conv_name }, conv)?;
        let (relu, s) = self.act(s, &relu_name, Activation::Relu);
        let (fc, _) = self.linear(s, At { path: at.path, name: &fc_name }, CLASSES, true, Init::XavierUniform)?;
        self.mark_aux_rows(mark);
        Ok((Op::Aux(vec![pool, conv, relu, fc]), shape))
    }
}
