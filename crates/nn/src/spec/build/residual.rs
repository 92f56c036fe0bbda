//! Residual blocks (He et al. 2016): a body of convolutions — basic (3×3, 3×3) or bottleneck
//! (1×1, 3×3, 1×1) — arranged as unit a–e (He et al. 2016b, Fig. 4), plus a shortcut (option
//! A's zero-padding, B's projection where the shape changes, C's projection everywhere, or none).

use super::layers::ConvLayer;
use super::shape::{err, img, Shape};
use super::{At, Builder, Op};
use crate::error::ConfigError;
use crate::spec::network::Shortcut;
use crate::spec::{ShortcutKind, Unit};
use alloc::format;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;
use depthlab_core::kernels::activation::Activation;

/// How a block's convolutions are wired: shortcut option, unit arrangement, and whether the
/// last batch norm starts at γ = 0.
#[derive(Clone, Copy, Debug)]
pub(super) struct Arrangement {
    pub shortcut: ShortcutKind,
    pub unit: Unit,
    pub zero_init_last_bn: bool,
}

/// The convolutions of a residual block's body: basic (two 3×3) or, with a bottleneck width,
/// 1×1 (w) → 3×3 (w, strided) → 1×1 (out).
pub(super) fn body(
    at: At,
    out: usize,
    stride: usize,
    bottleneck: Option<usize>,
) -> Result<Vec<ConvLayer>, ConfigError> {
    let strided = |l: ConvLayer| ConvLayer { stride, ..l };
    Ok(match bottleneck {
        None => vec![strided(ConvLayer::same(out, 3)), ConvLayer::same(out, 3)],
        Some(0) => return Err(err(&format!("{}.bottleneck", at.path), "bottleneck width must be at least 1")),
        Some(w) => vec![ConvLayer::same(w, 1), strided(ConvLayer::same(w, 3)), ConvLayer::same(out, 1)],
    })
}

impl Builder<'_> {
    /// A residual unit over `convs`, arranged as `arr`.
    pub(super) fn residual(
        &mut self,
        shape: Shape,
        at: At,
        convs: &[ConvLayer],
        arr: Arrangement,
    ) -> Result<(Op, Shape), ConfigError> {
        let (c, ..) = img(shape, at.path, "a residual block")?;
        let (path, name) = (at.path, at.name);
        let unit = arr.unit;
        let mut body = Vec::new();
        let mut s = shape;
        let last = convs.len() - 1;
        for (i, conv) in convs.iter().enumerate() {
            let n = i + 1;
            let is_last = i == last;
            let bn_name = format!("{name}.bn{n}");
            let relu_name = format!("{name}.relu{n}");
            let bn_at = At { path, name: &bn_name };
            if matches!(unit, Unit::D) {
                body.push(self.act(s, &relu_name, Activation::Relu).0);
            }
            if matches!(unit, Unit::E) {
                body.push(self.bn(s, bn_at, false)?.0);
                body.push(self.act(s, &relu_name, Activation::Relu).0);
            }
            // A grouped conv's errors are about the ResNeXt block's cardinality.
            let conv_path = if conv.groups > 1 { format!("{path}.cardinality") } else { path.to_string() };
            let conv_name = format!("{name}.conv{n}");
            let (op, ns) = self.conv(s, At { path: &conv_path, name: &conv_name }, *conv)?;
            body.push(op);
            s = ns;
            let zero = arr.zero_init_last_bn && is_last;
            match unit {
                Unit::A => {
                    body.push(self.bn(s, bn_at, zero)?.0);
                    if !is_last {
                        body.push(self.act(s, &relu_name, Activation::Relu).0);
                    }
                }
                Unit::C => {
                    body.push(self.bn(s, bn_at, zero)?.0);
                    body.push(self.act(s, &relu_name, Activation::Relu).0);
                }
                Unit::D => body.push(self.bn(s, bn_at, zero)?.0),
                Unit::B if !is_last => {
                    body.push(self.bn(s, bn_at, false)?.0);
                    body.push(self.act(s, &relu_name, Activation::Relu).0);
                }
                Unit::B | Unit::E => {}
            }
        }
        let out_c = s.channels();
        let stride: usize = convs.iter().map(|c| c.stride).product();
        let shortcut = self.shortcut(shape, at, (c, out_c, stride), arr.shortcut)?;
        if let Shortcut::Pad { .. } = shortcut {
            self.row(&format!("{name}.shortcut"), "pad_shortcut", s, 0, 0);
        }
        let mut post = Vec::new();
        let relu_out = format!("{name}.relu_out");
        match unit {
            Unit::A => post.push(self.act(s, &relu_out, Activation::Relu).0),
            Unit::B => {
                let bn_out = format!("{name}.bn_out");
                post.push(self.bn(s, At { path, name: &bn_out }, false)?.0);
                post.push(self.act(s, &relu_out, Activation::Relu).0);
            }
            Unit::C | Unit::D | Unit::E => {}
        }
        Ok((Op::Residual { body, shortcut, post }, s))
    }

    /// The shortcut from `c` to `out_c` channels over a total `stride`.
    fn shortcut(
        &mut self,
        shape: Shape,
        at: At,
        (c, out_c, stride): (usize, usize, usize),
        kind: ShortcutKind,
    ) -> Result<Shortcut, ConfigError> {
        let changes = stride != 1 || out_c != c;
        let kind = if self.no_shortcuts { ShortcutKind::None } else { kind };
        Ok(match kind {
            ShortcutKind::None => Shortcut::Absent,
            ShortcutKind::A if changes => {
                if out_c < c {
                    return Err(err(
                        &format!("{}.shortcut", at.path),
                        format!("option A zero-pads channels and cannot go from {c} down to {out_c}; use B or C"),
                    ));
                }
                Shortcut::Pad { out: out_c, stride }
            }
            ShortcutKind::A => Shortcut::Identity,
            ShortcutKind::B if !changes => Shortcut::Identity,
            ShortcutKind::B | ShortcutKind::C => {
                let (conv_name, bn_name) = (format!("{}.shortcut.0", at.name), format!("{}.shortcut.1", at.name));
                let proj = ConvLayer { stride, ..ConvLayer::same(out_c, 1) };
                let (conv, ps) = self.conv(shape, At { path: at.path, name: &conv_name }, proj)?;
                let (bn, _) = self.bn(ps, At { path: at.path, name: &bn_name }, false)?;
                Shortcut::Proj(vec![conv, bn])
            }
        })
    }
}
