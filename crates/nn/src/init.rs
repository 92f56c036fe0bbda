//! Weight initialisation from a seeded [`Rng`]: He (Kaiming) normal for ReLU paths and
//! Xavier (Glorot) uniform for tanh/sigmoid paths.

use alloc::vec::Vec;
use depthlab_core::kernels::activation::Activation;
use depthlab_core::Rng;

/// How to draw a weight tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// `N(0, 2/fan_in)` — He et al. 2015, keeps ReLU activations' variance constant.
    HeNormal,
    /// `U(±√(6/(fan_in+fan_out)))` — Glorot & Bengio 2010, for saturating activations.
    XavierUniform,
}

impl Init {
    /// The usual choice for layers followed by `act`.
    pub fn for_activation(act: Activation) -> Self {
        match act {
            Activation::Relu => Init::HeNormal,
            Activation::Tanh | Activation::Sigmoid => Init::XavierUniform,
        }
    }

    /// `n` weights for a layer with the given fan-in and fan-out.
    pub fn sample(self, rng: &mut Rng, n: usize, fan_in: usize, fan_out: usize) -> Vec<f32> {
        match self {
            Init::HeNormal => {
                let std = depthlab_core::simd::sqrtf(2.0 / fan_in as f32);
                (0..n).map(|_| rng.normal() * std).collect()
            }
            Init::XavierUniform => {
                let a = depthlab_core::simd::sqrtf(6.0 / (fan_in + fan_out) as f32);
                (0..n).map(|_| rng.uniform(-a, a)).collect()
            }
        }
    }
}
