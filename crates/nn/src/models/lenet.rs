//! LeNet-5 — Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
//! document recognition", Proc. IEEE 86(11), 1998.
//!
//! Adapted as is usual for 28×28 MNIST: the first convolution pads by 2 (the paper's input is
//! 32×32), subsampling is max pooling, and F6 feeds a plain linear output layer.
//!
//! | layer | output (1×28×28 input) | parameters |
//! |---|---|---|
//! | conv 6@5×5, pad 2 + act | 6×28×28 | 156 |
//! | max-pool 2×2 | 6×14×14 | 0 |
//! | conv 16@5×5 + act | 16×10×10 | 2,416 |
//! | max-pool 2×2 | 16×5×5 | 0 |
//! | linear 400→120 + act | 120 | 48,120 |
//! | linear 120→84 + act | 84 | 10,164 |
//! | linear 84→10 | 10 | 850 |
//! | total | | 61,706 |

use crate::spec::{LayerSpec as L, ModelSpec};
use alloc::vec;
use depthlab_core::kernels::activation::Activation;

fn act(a: Activation) -> L {
    match a {
        Activation::Relu => L::Relu,
        Activation::Tanh => L::Tanh,
        Activation::Sigmoid => L::Sigmoid,
    }
}

/// The activation as the model's name writes it (as the deep presets' names and the page do).
fn label(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "ReLU",
        Activation::Tanh => "tanh",
        Activation::Sigmoid => "sigmoid",
    }
}

/// LeNet-5 with `activation` after every hidden layer.
pub fn lenet5(activation: Activation) -> ModelSpec {
    let a = || act(activation);
    ModelSpec {
        name: alloc::format!("LeNet-5 ({})", label(activation)),
        input: [1, 28, 28],
        layers: vec![
            L::Conv { out: 6, kernel: 5, stride: 1, padding: Some(2), groups: 1, bias: true },
            a(),
            L::MaxPool { kernel: 2, stride: None, padding: 0 },
            L::Conv { out: 16, kernel: 5, stride: 1, padding: Some(0), groups: 1, bias: true },
            a(),
            L::MaxPool { kernel: 2, stride: None, padding: 0 },
            L::Flatten,
            L::Linear { out: 120, bias: true },
            a(),
            L::Linear { out: 84, bias: true },
            a(),
            L::Linear { out: 10, bias: true },
        ],
        remove_shortcuts: false,
        remove_batch_norm: false,
        activation: None,
    }
}
