//! Inception — C. Szegedy et al., "Going Deeper with Convolutions", CVPR 2015: modules of
//! parallel 1×1, 1×1→3×3, 1×1→5×5 and pool→1×1 branches concatenated along channels, the 1×1
//! "bottlenecks" cutting the cost of the wide convolutions; auxiliary classifiers on
//! intermediate layers add their loss with weight 0.3 in training. Each conv is followed by BN
//! and ReLU (as in Inception v2). For 1×28×28:
//!
//! | layer | output |
//! |---|---|
//! | stem conv 32@3×3 + BN + ReLU, max-pool 2 | 32×14×14 |
//! | inception (16 │ 16→32 │ 8→16 │ pool→16) | 80×14×14 |
//! | inception (32 │ 32→48 │ 8→24 │ pool→24) | 128×14×14 |
//! | (auxiliary head 1: avg-pool 5/3, 1×1 conv 32, linear → 10) | |
//! | max-pool 2 | 128×7×7 |
//! | inception (48 │ 24→64 │ 8→16 │ pool→16) | 144×7×7 |
//! | (auxiliary head 2) | |
//! | global average pool, dropout 0.4, linear 144→10 | 10 |

use crate::spec::{LayerSpec as L, ModelSpec};
use alloc::vec;

/// The Inception preset, with or without its two auxiliary heads.
pub fn inception(aux_heads: bool) -> ModelSpec {
    let mut l = vec![
        L::Conv { out: 32, kernel: 3, stride: 1, padding: None, groups: 1, bias: false },
        L::BatchNorm,
        L::Relu,
        L::MaxPool { kernel: 2, stride: None, padding: 0 },
        L::Inception { b1: 16, b3: [16, 32], b5: [8, 16], pool_proj: 16 },
        L::Inception { b1: 32, b3: [32, 48], b5: [8, 24], pool_proj: 24 },
    ];
    if aux_heads {
        l.push(L::AuxHead { channels: 32 });
    }
    l.extend([
        L::MaxPool { kernel: 2, stride: None, padding: 0 },
        L::Inception { b1: 48, b3: [24, 64], b5: [8, 16], pool_proj: 16 },
    ]);
    if aux_heads {
        l.push(L::AuxHead { channels: 32 });
    }
    l.extend([L::GlobalAvgPool, L::Dropout { p: 0.4 }, L::Linear { out: 10, bias: true }]);
    let name = if aux_heads { "Inception (auxiliary heads)" } else { "Inception" };
    ModelSpec {
        name: name.into(),
        input: [1, 28, 28],
        layers: l,
        remove_shortcuts: false,
        remove_batch_norm: false,
        activation: None,
    }
}

/// GoogLeNet's inception (3a) on a 192-channel 28×28 map (Szegedy et al. 2015, Table 1): a
/// 3×3 stem conv to 192 channels, the module (64 │ 96→128 │ 16→32 │ pool→32, 256 channels), global
/// average pooling and a linear classifier. Its 5×5 branch is the seed's example: 16 1×1
/// reductions (2,408,448 multiplies) then 32 5×5 filters (10,035,200), against 120,422,400 for
/// the 5×5 filters on all 192 channels — `reductions: false` builds that (and the 3×3 branch on
/// all 192 channels too).
pub fn inception_3a(reductions: bool) -> ModelSpec {
    let r = |w: usize| if reductions { w } else { 0 };
    let layers = vec![
        L::Conv { out: 192, kernel: 3, stride: 1, padding: None, groups: 1, bias: false },
        L::BatchNorm,
        L::Relu,
        L::Inception { b1: 64, b3: [r(96), 128], b5: [r(16), 32], pool_proj: 32 },
        L::GlobalAvgPool,
        L::Linear { out: 10, bias: true },
    ];
    let name = if reductions { "Inception (3a)" } else { "Inception (3a) without 1×1 reductions" };
    ModelSpec {
        name: name.into(),
        input: [1, 28, 28],
        layers,
        remove_shortcuts: false,
        remove_batch_norm: false,
        activation: None,
    }
}
