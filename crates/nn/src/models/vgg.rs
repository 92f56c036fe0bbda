//! VGG-mini — K. Simonyan, A. Zisserman, "Very deep convolutional networks for large-scale
//! image recognition", ICLR 2015: only 3×3 convolutions, stacked in pairs before each pooling,
//! channels doubling per stage; sized for 28×28 digits.
//!
//! | layer | output | parameters |
//! |---|---|---|
//! | 2 × conv 32@3×3 + ReLU, max-pool 2 | 32×14×14 | 9,568 |
//! | 2 × conv 64@3×3 + ReLU, max-pool 2 | 64×7×7 | 55,424 |
//! | 2 × conv 128@3×3 + ReLU, max-pool 2 | 128×3×3 | 221,440 |
//! | linear 1152→256, ReLU, dropout 0.5 | 256 | 295,168 |
//! | linear 256→10 | 10 | 2,570 |
//! | total | | 584,170 |

use crate::spec::{LayerSpec as L, ModelSpec};
use alloc::vec::Vec;

/// VGG-mini for 28×28 digits.
pub fn vgg_mini() -> ModelSpec {
    let mut layers = Vec::new();
    for out in [32, 64, 128] {
        for _ in 0..2 {
            layers.push(L::Conv { out, kernel: 3, stride: 1, padding: None, groups: 1, bias: true });
            layers.push(L::Relu);
        }
        layers.push(L::MaxPool { kernel: 2, stride: None, padding: 0 });
    }
    layers.extend([
        L::Flatten,
        L::Linear { out: 256, bias: true },
        L::Relu,
        L::Dropout { p: 0.5 },
        L::Linear { out: 10, bias: true },
    ]);
    ModelSpec {
        name: "VGG-mini".into(),
        input: [1, 28, 28],
        layers,
        remove_shortcuts: false,
        remove_batch_norm: false,
        activation: None,
    }
}
