//! The model zoo. Every preset is a function returning a [`ModelSpec`] for 1×28×28 digits
//! with 10 outputs; each file cites its paper and lists the layer shapes.

mod alexnet;
mod highway;
mod inception;
mod lenet;
mod resnet;
mod resnext;
mod vgg;

use crate::spec::{ModelSpec, ShortcutKind, SpecError, Unit};
use alloc::format;
use depthlab_core::kernels::activation::Activation;
use serde::{Deserialize, Serialize};

pub use alexnet::alexnet_mini;
pub use highway::highway;
pub use inception::inception;
pub use lenet::lenet5;
pub use resnet::{bottleneck_resnet, plain, resnet, resnet_v2};
pub use resnext::resnext;
pub use vgg::vgg_mini;

/// Every preset by name (JSON: `"lenet5"`, `"resnet"`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// LeNet-5 (LeCun et al. 1998).
    #[default]
    Lenet5,
    /// AlexNet adapted to 28×28 (Krizhevsky et al. 2012).
    AlexnetMini,
    /// VGG-style 3×3 stacks (Simonyan & Zisserman 2015).
    VggMini,
    /// plain-N: the ResNet-N skeleton without shortcuts.
    Plain,
    /// ResNet-N v1 (He et al. 2016), shortcut option A/B/C.
    Resnet,
    /// Pre-activation ResNet-N (He et al. 2016b), unit variants b–e.
    ResnetV2,
    /// Bottleneck ResNet (1×1-3×3-1×1 blocks), depth 9n+2.
    BottleneckResnet,
    /// Highway-N (Srivastava et al. 2015).
    Highway,
    /// ResNeXt (Xie et al. 2017), depth 9n+2, cardinality × width.
    Resnext,
    /// Inception modules with optional auxiliary heads (Szegedy et al. 2015).
    Inception,
}

impl Preset {
    /// All presets, in the order the page lists them.
    pub const ALL: [Preset; 10] = [
        Preset::Lenet5,
        Preset::AlexnetMini,
        Preset::VggMini,
        Preset::Plain,
        Preset::Resnet,
        Preset::ResnetV2,
        Preset::BottleneckResnet,
        Preset::Highway,
        Preset::Resnext,
        Preset::Inception,
    ];

    /// The depth used when none is given (for presets that have one).
    pub fn default_depth(self) -> Option<usize> {
        match self {
            Preset::Plain | Preset::Resnet | Preset::ResnetV2 | Preset::Highway => Some(20),
            Preset::BottleneckResnet | Preset::Resnext => Some(20),
            _ => None,
        }
    }
}

/// The knobs a preset takes; each preset reads only the ones that apply to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PresetOptions {
    /// Weighted layers (plain/ResNet/Highway: 6n+2; bottleneck/ResNeXt: 9n+2).
    pub depth: Option<usize>,
    /// Hidden activation (LeNet-5 only; the deep models use ReLU).
    pub activation: Activation,
    /// ResNet v1 shortcut option (default A, as in the paper's CIFAR nets).
    pub shortcut: Option<ShortcutKind>,
    /// Residual unit (ResNet v1: a; v2: b–e, default e).
    pub unit: Option<Unit>,
    /// ResNeXt groups C.
    pub cardinality: usize,
    /// ResNeXt width d of each group (first stage).
    pub width: usize,
    /// Inception auxiliary heads.
    pub aux_heads: bool,
    /// Zero-initialise the last BN of each residual block.
    pub zero_init_last_bn: bool,
}

impl Default for PresetOptions {
    fn default() -> Self {
        PresetOptions {
            depth: None,
            activation: Activation::Relu,
            shortcut: None,
            unit: None,
            cardinality: 4,
            width: 4,
            aux_heads: true,
            zero_init_last_bn: false,
        }
    }
}

/// `n` for a depth of the form `a·n + 2`, or an error naming `depth`.
pub(crate) fn blocks_per_stage(depth: usize, a: usize, what: &str) -> Result<usize, SpecError> {
    if depth < a + 2 || (depth - 2) % a != 0 || depth > 200 {
        return Err(SpecError {
            path: "depth".into(),
            reason: format!(
                "{what} needs a depth of the form {a}n+2 between {} and 200 (e.g. {}, {}, {}), not {depth}",
                a + 2,
                a + 2,
                2 * a + 2,
                3 * a + 2
            ),
        });
    }
    Ok((depth - 2) / a)
}

/// The spec of `preset` with `opts`.
pub fn preset_spec(preset: Preset, opts: &PresetOptions) -> Result<ModelSpec, SpecError> {
    let depth = opts.depth.or(preset.default_depth());
    let d = || depth.unwrap_or(20);
    match preset {
        Preset::Lenet5 => Ok(lenet5(opts.activation)),
        Preset::AlexnetMini => Ok(alexnet_mini()),
        Preset::VggMini => Ok(vgg_mini()),
        Preset::Plain => plain(d()),
        Preset::Resnet => {
            resnet(d(), opts.shortcut.unwrap_or(ShortcutKind::A), opts.unit.unwrap_or(Unit::A), opts.zero_init_last_bn)
        }
        Preset::ResnetV2 => resnet_v2(d(), opts.unit.unwrap_or(Unit::E), opts.shortcut.unwrap_or(ShortcutKind::B)),
        Preset::BottleneckResnet => bottleneck_resnet(d()),
        Preset::Highway => highway(d()),
        Preset::Resnext => resnext(d(), opts.cardinality, opts.width),
        Preset::Inception => Ok(inception(opts.aux_heads)),
    }
}

#[cfg(test)]
mod tests;
