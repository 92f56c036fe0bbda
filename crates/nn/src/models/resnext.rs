//! ResNeXt — S. Xie, R. Girshick, P. Dollár, Z. Tu, K. He, "Aggregated Residual
//! Transformations for Deep Neural Networks", CVPR 2017: a bottleneck block whose 3×3 layer is
//! a grouped convolution with cardinality C groups of width d (split-transform-merge).
//!
//! Depth 9n + 2 in the CIFAR layout: a 3×3 stem (32 channels), three stages of n blocks with
//! outputs 64/128/256 and group widths d/2d/4d (stride 2 entering stages 2 and 3), global
//! average pooling, linear. ResNeXt-20 (n = 2), C = 4, d = 4, for 1×28×28:
//!
//! | stage | output | block |
//! |---|---|---|
//! | stem conv 32@3×3 + BN + ReLU | 32×28×28 | |
//! | stage 1 | 64×28×28 | 1×1→16, 3×3 (4 groups of 4), 1×1→64 |
//! | stage 2 | 128×14×14 | 1×1→32, 3×3 (4 groups of 8), 1×1→128 |
//! | stage 3 | 256×7×7 | 1×1→64, 3×3 (4 groups of 16), 1×1→256 |
//! | global average pool, linear 256→10 | 10 | |

use super::blocks_per_stage;
use crate::error::ConfigError;
use crate::spec::{LayerSpec as L, ModelSpec};
use alloc::format;
use alloc::vec;

/// ResNeXt-N with `cardinality` groups of `width` channels in the first stage.
pub fn resnext(depth: usize, cardinality: usize, width: usize) -> Result<ModelSpec, ConfigError> {
    let n = blocks_per_stage(depth, 9, "ResNeXt")?;
    // Checked: both come from user settings or specs and may be anything up to usize::MAX.
    if cardinality == 0 || width == 0 || cardinality.checked_mul(width).is_none_or(|c| c > 512) {
        return Err(ConfigError::coded(
            "cardinality",
            format!("cardinality {cardinality} × width {width} must be between 1 and 512"),
            "model.cardinality",
            &[("cardinality", &cardinality), ("width", &width), ("max", &512)],
        ));
    }
    let mut l =
        vec![L::Conv { out: 32, kernel: 3, stride: 1, padding: None, groups: 1, bias: false }, L::BatchNorm, L::Relu];
    for (s, out) in [64usize, 128, 256].into_iter().enumerate() {
        for b in 0..n {
            let stride = if s > 0 && b == 0 { 2 } else { 1 };
            l.push(L::Resnext { out, cardinality, width: width << s, stride });
        }
    }
    l.extend([L::GlobalAvgPool, L::Linear { out: 10, bias: true }]);
    Ok(ModelSpec {
        name: format!("ResNeXt-{depth} ({cardinality}×{width}d)"),
        input: [1, 28, 28],
        layers: l,
        remove_shortcuts: false,
        remove_batch_norm: false,
        activation: None,
    })
}
