//! The model zoo. Every preset is a function returning a [`ModelSpec`] for 1×28×28 digits
//! with 10 outputs; each file cites its paper and lists the layer shapes.

mod alexnet;
mod highway;
mod inception;
mod lenet;
mod resnet;
mod resnext;
mod vgg;

use crate::catalog::named_enum;
use crate::config::{ModelConfig, MAX_DEPTH};
use crate::error::ConfigError;
use crate::spec::{ModelSpec, Unit};
use alloc::format;

pub use alexnet::alexnet_mini;
pub use highway::highway;
pub use inception::{inception, inception_3a};
pub use lenet::lenet5;
pub use resnet::{bottleneck_resnet, plain, resnet, resnet_v2};
pub use resnext::resnext;
pub use vgg::vgg_mini;

named_enum! {
    /// Every preset by name (JSON, URLs and the CLI: `lenet5`, `resnet`, …); labels, papers and
    /// options are in [`crate::catalog::PRESETS`].
    pub enum Preset ("model") {
        /// LeNet-5 (LeCun et al. 1998).
        Lenet5 = "lenet5",
        /// AlexNet adapted to 28×28 (Krizhevsky et al. 2012).
        AlexnetMini = "alexnet_mini",
        /// VGG-style 3×3 stacks (Simonyan & Zisserman 2015).
        VggMini = "vgg_mini",
        /// plain-N: the ResNet-N skeleton without shortcuts.
        Plain = "plain",
        /// ResNet-N v1 (He et al. 2016), shortcut option A/B/C.
        Resnet = "resnet",
        /// Pre-activation ResNet-N (He et al. 2016b), unit variants a–e.
        ResnetV2 = "resnet_v2",
        /// Bottleneck ResNet (1×1-3×3-1×1 blocks), depth 9n+2.
        BottleneckResnet = "bottleneck_resnet",
        /// Highway-N (Srivastava et al. 2015).
        Highway = "highway",
        /// ResNeXt (Xie et al. 2017), depth 9n+2, cardinality × width.
        Resnext = "resnext",
        /// Inception modules with optional auxiliary heads (Szegedy et al. 2015).
        Inception = "inception",
        /// GoogLeNet's inception (3a) block on 192 channels, with or without 1×1 reductions.
        Inception3a = "inception_3a",
    }
}

/// `n` for a depth of the form `a·n + 2`, or an error naming `depth`.
pub(crate) fn blocks_per_stage(depth: usize, a: usize, what: &str) -> Result<usize, ConfigError> {
    if depth < a + 2 || !(depth - 2).is_multiple_of(a) || depth > MAX_DEPTH {
        let (lo, e2, e3) = (a + 2, 2 * a + 2, 3 * a + 2);
        return Err(ConfigError::coded(
            "depth",
            format!("{what} needs a depth of the form {a}n+2 between {lo} and {MAX_DEPTH} (e.g. {lo}, {e2}, {e3}), not {depth}"),
            "model.depth",
            &[("model", &what), ("a", &a), ("min", &lo), ("max", &MAX_DEPTH), ("depth", &depth)],
        ));
    }
    Ok((depth - 2) / a)
}

/// The spec of the preset `m` names, with its options.
pub fn preset_spec(m: &ModelConfig) -> Result<ModelSpec, ConfigError> {
    let d = m.depth;
    match m.preset {
        Preset::Lenet5 => Ok(lenet5(m.activation.into())),
        Preset::AlexnetMini => Ok(alexnet_mini()),
        Preset::VggMini => Ok(vgg_mini()),
        Preset::Plain => plain(d),
        Preset::Resnet => resnet(d, m.shortcut, Unit::A, m.zero_init_last_bn),
        Preset::ResnetV2 => resnet_v2(d, m.unit, m.shortcut),
        Preset::BottleneckResnet => bottleneck_resnet(d),
        Preset::Highway => highway(d),
        Preset::Resnext => resnext(d, m.cardinality, m.width),
        Preset::Inception => Ok(inception(m.aux_heads)),
        Preset::Inception3a => Ok(inception_3a(m.reductions)),
    }
}

#[cfg(test)]
mod tests;
