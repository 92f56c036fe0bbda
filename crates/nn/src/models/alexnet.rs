//! AlexNet-mini — A. Krizhevsky, I. Sutskever, G. Hinton, "ImageNet classification with deep
//! convolutional neural networks", NeurIPS 2012; the same pattern (large first kernels, three
//! stacked 3×3 convs, two wide dropout-regularised FC layers) shrunk to 28×28 digits.
//!
//! | layer | output | parameters |
//! |---|---|---|
//! | conv 32@5×5 pad 2, ReLU, max-pool 2 | 32×14×14 | 832 |
//! | conv 64@5×5 pad 2, ReLU, max-pool 2 | 64×7×7 | 51,264 |
//! | conv 96@3×3, ReLU | 96×7×7 | 55,392 |
//! | conv 96@3×3, ReLU | 96×7×7 | 83,040 |
//! | conv 64@3×3, ReLU, max-pool 2 | 64×3×3 | 55,360 |
//! | linear 576→256, ReLU, dropout 0.5 | 256 | 147,712 |
//! | linear 256→256, ReLU, dropout 0.5 | 256 | 65,792 |
//! | linear 256→10 | 10 | 2,570 |
//! | total | | 461,962 |

use crate::spec::{LayerSpec as L, ModelSpec};
use alloc::vec;

fn conv(out: usize, kernel: usize) -> L {
    L::Conv { out, kernel, stride: 1, padding: None, groups: 1, bias: true }
}

/// AlexNet-mini for 28×28 digits.
pub fn alexnet_mini() -> ModelSpec {
    let pool = || L::MaxPool { kernel: 2, stride: None, padding: 0 };
    ModelSpec {
        name: "AlexNet-mini".into(),
        input: [1, 28, 28],
        layers: vec![
            conv(32, 5),
            L::Relu,
            pool(),
            conv(64, 5),
            L::Relu,
            pool(),
            conv(96, 3),
            L::Relu,
            conv(96, 3),
            L::Relu,
            conv(64, 3),
            L::Relu,
            pool(),
            L::Flatten,
            L::Linear { out: 256, bias: true },
            L::Relu,
            L::Dropout { p: 0.5 },
            L::Linear { out: 256, bias: true },
            L::Relu,
            L::Dropout { p: 0.5 },
            L::Linear { out: 10, bias: true },
        ],
        remove_shortcuts: false,
        remove_batch_norm: false,
        activation: None,
    }
}
