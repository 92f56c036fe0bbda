//! Highway-N — R. K. Srivastava, K. Greff, J. Schmidhuber, "Training Very Deep Networks",
//! NeurIPS 2015: each layer computes `y = T·H(x) + (1 − T)·x` with a learned sigmoid gate `T`
//! whose bias starts negative (−2), so the network starts by carrying its input through.
//!
//! Depth N = 6n + 2 weighted layers, matching plain-N and ResNet-N: a 3×3 stem, three stages of
//! 2n layers (16, 32, 64 channels), where the first layer of stages 2 and 3 is a plain
//! stride-2 conv-BN-ReLU transition and all others are highway layers (H = conv3×3-BN-ReLU,
//! T = σ(conv1×1)); then global average pooling and a linear layer. Highway-20, 1×28×28:
//!
//! | stage | output |
//! |---|---|
//! | stem conv 16@3×3 + BN + ReLU | 16×28×28 |
//! | 6 highway layers | 16×28×28 |
//! | transition conv 32@3×3 s2 + 5 highway layers | 32×14×14 |
//! | transition conv 64@3×3 s2 + 5 highway layers | 64×7×7 |
//! | global average pool, linear 64→10 | 10 |

use super::blocks_per_stage;
use crate::error::ConfigError;
use crate::spec::{LayerSpec as L, ModelSpec};
use alloc::format;
use alloc::vec;

/// Highway-N.
pub fn highway(depth: usize) -> Result<ModelSpec, ConfigError> {
    let n = blocks_per_stage(depth, 6, "Highway-N")?;
    let mut l =
        vec![L::Conv { out: 16, kernel: 3, stride: 1, padding: None, groups: 1, bias: false }, L::BatchNorm, L::Relu];
    for (s, out) in [16usize, 32, 64].into_iter().enumerate() {
        let mut layers = 2 * n;
        if s > 0 {
            l.extend([
                L::Conv { out, kernel: 3, stride: 2, padding: None, groups: 1, bias: false },
                L::BatchNorm,
                L::Relu,
            ]);
            layers -= 1;
        }
        for _ in 0..layers {
            l.push(L::Highway { gate_bias: -2.0 });
        }
    }
    l.extend([L::GlobalAvgPool, L::Linear { out: 10, bias: true }]);
    Ok(ModelSpec {
        name: format!("Highway-{depth}"),
        input: [1, 28, 28],
        layers: l,
        remove_shortcuts: false,
        remove_batch_norm: false,
        activation: None,
    })
}
