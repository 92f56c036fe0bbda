//! Every preset of the zoo with its label, paper and year, the options it takes and its depths.

use crate::models::Preset;
use serde::Serialize;

/// How a preset's depth is formed: `a·n + 2` weighted layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DepthRule {
    /// Weighted layers per block-stage unit (6 for two-conv blocks in 3 stages, 9 for three).
    pub a: usize,
    /// Depths the page offers (all of the form `a·n + 2`; the CLI accepts any up to the maximum).
    pub offered: &'static [usize],
}

/// One preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PresetInfo {
    /// Its name in JSON, URLs and the CLI.
    pub preset: Preset,
    /// Display label.
    pub label: &'static str,
    /// The paper it follows.
    pub paper: &'static str,
    /// The paper's year.
    pub year: u16,
    /// Keys of the model settings ([`super::SETTINGS`]) it reads; the others are ignored.
    pub options: &'static [&'static str],
    /// Its depth rule, for presets whose depth is a setting.
    pub depth: Option<DepthRule>,
}

const SIX: Option<DepthRule> = Some(DepthRule { a: 6, offered: &[8, 14, 20, 32, 44, 56] });
const NINE: Option<DepthRule> = Some(DepthRule { a: 9, offered: &[11, 20, 29] });
const RESNET_PAPER: &str = "K. He, X. Zhang, S. Ren, J. Sun: Deep Residual Learning for Image Recognition (CVPR 2016)";

/// Every preset, in the order the page lists them.
pub const PRESETS: &[PresetInfo] = &[
    PresetInfo {
        preset: Preset::Lenet5,
        label: "LeNet-5",
        paper: "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner: Gradient-Based Learning Applied to Document Recognition (Proc. IEEE 1998)",
        year: 1998,
        options: &["activation"],
        depth: None,
    },
    PresetInfo {
        preset: Preset::AlexnetMini,
        label: "AlexNet-mini",
        paper: "A. Krizhevsky, I. Sutskever, G. Hinton: ImageNet Classification with Deep Convolutional Neural Networks (NeurIPS 2012)",
        year: 2012,
        options: &[],
        depth: None,
    },
    PresetInfo {
        preset: Preset::VggMini,
        label: "VGG-mini",
        paper: "K. Simonyan, A. Zisserman: Very Deep Convolutional Networks for Large-Scale Image Recognition (ICLR 2015)",
        year: 2014,
        options: &[],
        depth: None,
    },
    PresetInfo {
        preset: Preset::Plain,
        label: "plain-N (no shortcuts)",
        paper: RESNET_PAPER,
        year: 2015,
        options: &["depth", "activation", "batch_norm"],
        depth: SIX,
    },
    PresetInfo {
        preset: Preset::Resnet,
        label: "ResNet-N v1",
        paper: RESNET_PAPER,
        year: 2015,
        options: &["depth", "shortcut", "zero_init_last_bn", "remove_shortcuts", "activation", "batch_norm"],
        depth: SIX,
    },
    PresetInfo {
        preset: Preset::ResnetV2,
        label: "ResNet-N v2, pre-activation",
        paper: "K. He, X. Zhang, S. Ren, J. Sun: Identity Mappings in Deep Residual Networks (ECCV 2016)",
        year: 2016,
        options: &["depth", "shortcut", "unit", "remove_shortcuts", "activation", "batch_norm"],
        depth: SIX,
    },
    PresetInfo {
        preset: Preset::BottleneckResnet,
        label: "Bottleneck ResNet-N",
        paper: RESNET_PAPER,
        year: 2015,
        options: &["depth", "remove_shortcuts"],
        depth: NINE,
    },
    PresetInfo {
        preset: Preset::Highway,
        label: "Highway-N",
        paper: "R. K. Srivastava, K. Greff, J. Schmidhuber: Training Very Deep Networks (NeurIPS 2015)",
        year: 2015,
        options: &["depth"],
        depth: SIX,
    },
    PresetInfo {
        preset: Preset::Resnext,
        label: "ResNeXt-N",
        paper: "S. Xie, R. Girshick, P. Dollár, Z. Tu, K. He: Aggregated Residual Transformations for Deep Neural Networks (CVPR 2017)",
        year: 2017,
        options: &["depth", "cardinality", "width", "remove_shortcuts"],
        depth: NINE,
    },
    PresetInfo {
        preset: Preset::Inception,
        label: "Inception",
        paper: "C. Szegedy et al.: Going Deeper with Convolutions (CVPR 2015)",
        year: 2014,
        options: &["aux_heads"],
        depth: None,
    },
    PresetInfo {
        preset: Preset::Inception3a,
        label: "GoogLeNet's inception (3a)",
        paper: "C. Szegedy et al.: Going Deeper with Convolutions (CVPR 2015), Table 1",
        year: 2014,
        options: &["reductions"],
        depth: None,
    },
];

/// The catalogue entry of `p`.
pub fn preset_info(p: Preset) -> &'static PresetInfo {
    // Every preset has an entry (a test checks PRESETS against Preset::ALL).
    PRESETS.iter().find(|i| i.preset == p).unwrap_or(&PRESETS[0])
}
