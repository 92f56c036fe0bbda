//! ResNeXt blocks (Xie et al. 2017): 1×1 to `cardinality·width`, a grouped 3×3 with
//! `cardinality` groups, 1×1 to `out`, added to an option-B shortcut — a residual unit `a`
//! whose middle convolution is grouped.

use super::layers::ConvLayer;
use super::residual::Arrangement;
use super::shape::{err, Shape};
use super::{At, Builder, Op};
use crate::error::ConfigError;
use crate::spec::{ShortcutKind, Unit};
use alloc::format;

/// A ResNeXt block's fields.
#[derive(Clone, Copy, Debug)]
pub(super) struct ResnextBlock {
    pub out: usize,
    pub cardinality: usize,
    pub width: usize,
    pub stride: usize,
}

impl Builder<'_> {
    pub(super) fn resnext(&mut self, shape: Shape, at: At, b: ResnextBlock) -> Result<(Op, Shape), ConfigError> {
        let mid = match b.cardinality.checked_mul(b.width) {
            Some(m) if b.cardinality > 0 && b.width > 0 && m <= 4096 => m,
            _ => {
                return Err(err(
                    &format!("{}.cardinality", at.path),
                    format!("cardinality {} × width {} must be between 1 and 4096 channels", b.cardinality, b.width),
                ))
            }
        };
        let grouped = ConvLayer { stride: b.stride, groups: b.cardinality, ..ConvLayer::same(mid, 3) };
        let convs = [ConvLayer::same(mid, 1), grouped, ConvLayer::same(b.out, 1)];
        let arr = Arrangement { shortcut: ShortcutKind::B, unit: Unit::A, zero_init_last_bn: false };
        self.residual(shape, at, &convs, arr)
    }
}
