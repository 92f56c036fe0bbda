//! LeNet-5 — Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
//! document recognition", Proc. IEEE 86(11), 1998.
//!
//! Adapted as is usual for 28×28 MNIST: the first convolution pads by 2, so the 32×32 input
//! of the paper is not needed; subsampling is max pooling; F6 feeds a plain linear output.
//!
//! | layer | output (1×28×28 input) | parameters |
//! |---|---|---|
//! | conv1 6@5×5, pad 2 + act | 6×28×28 | 156 |
//! | pool 2×2 | 6×14×14 | 0 |
//! | conv2 16@5×5 + act | 16×10×10 | 2,416 |
//! | pool 2×2 | 16×5×5 | 0 |
//! | fc1 400→120 + act | 120 | 48,120 |
//! | fc2 120→84 + act | 84 | 10,164 |
//! | fc3 84→10 | 10 | 850 |
//! | total | | 61,706 |

use super::Model;
use crate::init::Init;
use crate::layers::{Conv2d, Conv2dConfig, Linear, LinearConfig};
use depthlab_core::kernels::activation::Activation;
use depthlab_core::{Mode, ParamStore, Pool2dParams, Rng, Tape, Var};

/// LeNet-5 hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeNet5Config {
    /// Nonlinearity after every hidden layer.
    pub activation: Activation,
}

impl Default for LeNet5Config {
    fn default() -> Self {
        LeNet5Config { activation: Activation::Relu }
    }
}

/// An initialised LeNet-5.
#[derive(Clone, Debug)]
pub struct LeNet5 {
    act: Activation,
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
}

impl LeNet5Config {
    /// Registers the parameters (He init for ReLU, Xavier otherwise; output layer Xavier).
    pub fn init(&self, store: &mut ParamStore, rng: &mut Rng) -> LeNet5 {
        let init = Init::for_activation(self.activation);
        LeNet5 {
            act: self.activation,
            conv1: Conv2dConfig::new(1, 6, 5, 1, 2).init(store, rng, "conv1", init),
            conv2: Conv2dConfig::new(6, 16, 5, 1, 0).init(store, rng, "conv2", init),
            fc1: LinearConfig::new(16 * 5 * 5, 120).init(store, rng, "fc1", init),
            fc2: LinearConfig::new(120, 84).init(store, rng, "fc2", init),
            fc3: LinearConfig::new(84, 10).init(store, rng, "fc3", Init::XavierUniform),
        }
    }
}

impl Model for LeNet5 {
    fn forward(&self, t: &mut Tape, p: &ParamStore, x: Var, _mode: Mode) -> Var {
        let pool = Pool2dParams::square(2);
        let h = self.conv1.forward(t, p, x);
        let h = t.activation(h, self.act);
        let h = t.max_pool2d(h, pool);
        let h = self.conv2.forward(t, p, h);
        let h = t.activation(h, self.act);
        let h = t.max_pool2d(h, pool);
        let h = t.flatten(h);
        let h = self.fc1.forward(t, p, h);
        let h = t.activation(h, self.act);
        let h = self.fc2.forward(t, p, h);
        let h = t.activation(h, self.act);
        self.fc3.forward(t, p, h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use depthlab_core::Tensor;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn parameter_count_and_output_shape() {
        let mut store = ParamStore::new();
        let m = LeNet5Config::default().init(&mut store, &mut Rng::new(1));
        assert_eq!(store.len(), 61_706);
        let mut t = Tape::new();
        let x = t.input(Tensor::zeros(&[3, 1, 28, 28]));
        let y = m.forward(&mut t, &store, x, Mode::Eval);
        assert_eq!(t.value(y).shape(), &[3, 10]);
        let names: alloc::vec::Vec<_> = store.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names[0], "conv1.weight");
        assert_eq!(names[9], "fc3.bias");
    }
}
