//! Plain-N and ResNet-N in the CIFAR layout of K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual
//! Learning for Image Recognition", CVPR 2016, §4.2 — and its pre-activation variants from
//! "Identity Mappings in Deep Residual Networks", ECCV 2016.
//!
//! Depth N = 6n + 2: a 3×3 stem conv, three stages of n two-conv blocks (16, 32, 64 channels;
//! stride 2 entering stages 2 and 3), global average pooling and a linear layer. plain-N is the
//! very same skeleton with every shortcut removed. For a 1×28×28 input:
//!
//! | stage | output | ResNet-20 (n = 3) parameters, option A |
//! |---|---|---|
//! | stem conv 16@3×3 (no bias) + BN + ReLU | 16×28×28 | 176 |
//! | stage 1: n blocks, 16 ch | 16×28×28 | 14,016 |
//! | stage 2: n blocks, 32 ch, first stride 2 | 32×14×14 | 51,072 |
//! | stage 3: n blocks, 64 ch, first stride 2 | 64×7×7 | 203,520 |
//! | global average pool | 64 | 0 |
//! | linear 64→10 | 10 | 650 |
//! | total | | 269,434 |
//!
//! The bottleneck variant (depth 9n + 2) uses 1×1-3×3-1×1 blocks of width 16/32/64 and output
//! 64/128/256 channels (expansion 4).

use super::blocks_per_stage;
use crate::error::ConfigError;
use crate::spec::{LayerSpec as L, ModelSpec, ShortcutKind, Unit};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

fn stem(out: usize, bn_relu: bool) -> Vec<L> {
    let mut v = vec![L::Conv { out, kernel: 3, stride: 1, padding: None, groups: 1, bias: false }];
    if bn_relu {
        v.extend([L::BatchNorm, L::Relu]);
    }
    v
}

fn head(pre_act: bool) -> Vec<L> {
    let mut v = Vec::new();
    if pre_act {
        v.extend([L::BatchNorm, L::Relu]);
    }
    v.extend([L::GlobalAvgPool, L::Linear { out: 10, bias: true }]);
    v
}

fn stages(
    n: usize,
    widths: [usize; 3],
    shortcut: ShortcutKind,
    unit: Unit,
    bottleneck: Option<[usize; 3]>,
    zero: bool,
) -> Vec<L> {
    let mut v = Vec::new();
    for (s, &out) in widths.iter().enumerate() {
        for b in 0..n {
            let stride = if s > 0 && b == 0 { 2 } else { 1 };
            v.push(L::Residual {
                out,
                stride,
                shortcut,
                unit,
                bottleneck: bottleneck.map(|w| w[s]),
                zero_init_last_bn: zero,
            });
        }
    }
    v
}

fn spec(name: String, layers: Vec<L>) -> ModelSpec {
    ModelSpec { name, input: [1, 28, 28], layers, remove_shortcuts: false, remove_batch_norm: false, activation: None }
}

/// plain-N: ResNet-N's layers without shortcuts (He et al. 2016, Fig. 6 left).
pub fn plain(depth: usize) -> Result<ModelSpec, ConfigError> {
    let n = blocks_per_stage(depth, 6, "plain-N")?;
    let mut l = stem(16, true);
    l.extend(stages(n, [16, 32, 64], ShortcutKind::None, Unit::A, None, false));
    l.extend(head(false));
    Ok(spec(format!("plain-{depth}"), l))
}

/// ResNet-N v1 (post-activation) with shortcut option A, B or C.
pub fn resnet(
    depth: usize,
    shortcut: ShortcutKind,
    unit: Unit,
    zero_init_last_bn: bool,
) -> Result<ModelSpec, ConfigError> {
    let n = blocks_per_stage(depth, 6, "ResNet-N")?;
    let mut l = stem(16, true);
    l.extend(stages(n, [16, 32, 64], shortcut, unit, None, zero_init_last_bn));
    l.extend(head(false));
    let opt = match shortcut {
        ShortcutKind::A => "A",
        ShortcutKind::B => "B",
        ShortcutKind::C => "C",
        ShortcutKind::None => "no shortcuts",
    };
    Ok(spec(format!("ResNet-{depth} ({opt})"), l))
}

/// Pre-activation ResNet-N with residual unit `unit` (b–e; e is "full pre-activation").
pub fn resnet_v2(depth: usize, unit: Unit, shortcut: ShortcutKind) -> Result<ModelSpec, ConfigError> {
    let n = blocks_per_stage(depth, 6, "ResNet-N v2")?;
    let pre = matches!(unit, Unit::D | Unit::E);
    let mut l = stem(16, !pre);
    l.extend(stages(n, [16, 32, 64], shortcut, unit, None, false));
    l.extend(head(pre));
    Ok(spec(format!("ResNet-{depth} v2 (unit {unit:?})").to_lowercase().replace("resnet", "ResNet"), l))
}

/// Bottleneck ResNet-N (depth 9n + 2), option B shortcuts.
pub fn bottleneck_resnet(depth: usize) -> Result<ModelSpec, ConfigError> {
    let n = blocks_per_stage(depth, 9, "bottleneck ResNet")?;
    let mut l = stem(16, true);
    l.extend(stages(n, [64, 128, 256], ShortcutKind::B, Unit::A, Some([16, 32, 64]), false));
    l.extend(head(false));
    Ok(spec(format!("Bottleneck ResNet-{depth}"), l))
}
