//! Inception modules (Szegedy et al. 2015), each conv followed by BN and ReLU:
//! 1×1 | 1×1→3×3 | 1×1→5×5 | 3×3 max-pool→1×1, concatenated along channels. The 1×1
//! reductions in front of the 3×3 and 5×5 convolutions are what makes the module cheap (a
//! reduction width of 0 leaves it out, to measure that).

use super::layers::{ConvLayer, PoolLayer};
use super::shape::{err, img, Shape};
use super::{At, Builder, Op};
use crate::error::ConfigError;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use depthlab_core::kernels::activation::Activation;

/// The branch widths of an Inception module (0 leaves a branch out).
#[derive(Clone, Copy, Debug)]
pub(super) struct Widths {
    pub b1: usize,
    pub b3: [usize; 2],
    pub b5: [usize; 2],
    pub pool_proj: usize,
}

impl Builder<'_> {
    /// conv (k×k, `out`) → BN → ReLU, named `{at.name}.{part}`, errors at `{at.path}.{field}`.
    fn cbr(
        &mut self,
        s: Shape,
        at: At,
        (part, field): (&str, &str),
        out: usize,
        k: usize,
    ) -> Result<(Vec<Op>, Shape), ConfigError> {
        let path = format!("{}.{field}", at.path);
        let (conv_name, bn_name, relu_name) =
            (format!("{}.{part}.conv", at.name), format!("{}.{part}.bn", at.name), format!("{}.{part}.relu", at.name));
        let (conv, s) = self.conv(s, At { path: &path, name: &conv_name }, ConvLayer::same(out, k))?;
        let (bn, s) = self.bn(s, At { path: &path, name: &bn_name }, false)?;
        let (relu, s) = self.act(s, &relu_name, Activation::Relu);
        Ok((vec![conv, bn, relu], s))
    }

    pub(super) fn inception(&mut self, shape: Shape, at: At, w: Widths) -> Result<(Op, Shape), ConfigError> {
        let (_, h, wd) = img(shape, at.path, "inception")?;
        let mut branches = Vec::new();
        let mut total = 0usize;
        if w.b1 > 0 {
            branches.push(self.cbr(shape, at, ("b1", "b1"), w.b1, 1)?.0);
            total += w.b1;
        }
        for (field, [reduce, out], k) in [("b3", w.b3, 3), ("b5", w.b5, 5)] {
            if out == 0 {
                continue;
            }
            // A reduction of 0: the k×k convolution reads the module's input directly (what
            // the 1×1 bottleneck saves).
            let (mut ops, s) = if reduce == 0 {
                (Vec::new(), shape)
            } else {
                self.cbr(shape, at, (&format!("{field}_reduce"), field), reduce, 1)?
            };
            ops.extend(self.cbr(s, at, (field, field), out, k)?.0);
            branches.push(ops);
            total += out;
        }
        if w.pool_proj > 0 {
            let pool_name = format!("{}.pool", at.name);
            let pool = PoolLayer { max: true, kernel: 3, stride: 1, padding: 1 };
            let (pool, s) = self.pool(shape, At { path: at.path, name: &pool_name }, pool)?;
            let (mut ops, _) = self.cbr(s, at, ("pool_proj", "pool_proj"), w.pool_proj, 1)?;
            ops.insert(0, pool);
            branches.push(ops);
            total += w.pool_proj;
        }
        if branches.is_empty() {
            return Err(err(at.path, "an inception module needs at least one branch with a width above 0"));
        }
        // Each branch was checked to at most 4096 channels; the concatenation must be too.
        if total > 4096 {
            return Err(err(at.path, format!("the branches add up to {total} channels; use at most 4096")));
        }
        let out = Shape::Img(total, h, wd);
        self.row(at.name, "concat", out, 0, 0);
        Ok((Op::Branches(branches), out))
    }
}
