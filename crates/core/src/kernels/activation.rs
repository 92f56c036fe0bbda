//! Elementwise activations, each as a pair `f` / `df` (the derivative written in terms of the
//! output `y = f(x)`), so a new activation is a few lines. ReLU has a SIMD path.

use crate::simd::{F32x4, Lanes};

/// A pointwise nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// Hyperbolic tangent.
    Tanh,
    /// Logistic sigmoid `1 / (1 + e^-x)`.
    Sigmoid,
}

impl Activation {
    /// `f(x)`.
    #[inline]
    pub fn f(self, x: f32) -> f32 {
        match self {
            Activation::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
            Activation::Tanh => libm::tanhf(x),
            Activation::Sigmoid => 1.0 / (1.0 + libm::expf(-x)),
        }
    }
    /// `f'(x)` from `y = f(x)`: relu `y > 0`, tanh `1 − y²`, sigmoid `y(1 − y)`.
    #[inline]
    pub fn df(self, y: f32) -> f32 {
        match self {
            Activation::Relu => {
                if y > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Tanh => 1.0 - y * y,
            Activation::Sigmoid => y * (1.0 - y),
        }
    }

    /// `y = f(x)` over a slice.
    pub fn forward(self, x: &[f32], y: &mut [f32]) {
        assert_eq!(x.len(), y.len(), "activation: length mismatch");
        if self == Activation::Relu {
            relu_lanes::<F32x4>(x, y);
        } else {
            for (o, &i) in y.iter_mut().zip(x) {
                *o = self.f(i);
            }
        }
    }

    /// `dx += dy · f'(x)`, with `f'` evaluated from the saved output `y`.
    pub fn backward(self, y: &[f32], dy: &[f32], dx: &mut [f32]) {
        assert!(y.len() == dy.len() && dy.len() == dx.len(), "activation backward: length mismatch");
        for ((g, &yy), &d) in dx.iter_mut().zip(y).zip(dy) {
            *g += d * self.df(yy);
        }
    }
}

/// `y = max(y, 0)` in place (the fused epilogue of conv/linear).
pub fn relu_in_place(y: &mut [f32]) {
    let n4 = y.len() / F32x4::N * F32x4::N;
    let z = F32x4::zero();
    for c in y[..n4].chunks_exact_mut(F32x4::N) {
        F32x4::load_slice(c).max(z).store_slice(c);
    }
    for v in &mut y[n4..] {
        if *v < 0.0 {
            *v = 0.0;
        }
    }
}

/// `out = dy` where the ReLU output `y` is positive, else 0 (the fused ReLU's backward).
pub fn relu_mask(y: &[f32], dy: &[f32], out: &mut [f32]) {
    for ((o, &yv), &d) in out.iter_mut().zip(y).zip(dy) {
        *o = if yv > 0.0 { d } else { 0.0 };
    }
}

/// ReLU on any lane type: `max(x, 0)` `V::N` at a time, scalar tail.
pub fn relu_lanes<V: Lanes>(x: &[f32], y: &mut [f32]) {
    let whole = x.len() / V::N * V::N;
    let z = V::zero();
    for (xc, yc) in x[..whole].chunks_exact(V::N).zip(y[..whole].chunks_exact_mut(V::N)) {
        V::load_slice(xc).max(z).store_slice(yc);
    }
    for i in whole..x.len() {
        y[i] = if x[i] < 0.0 { 0.0 } else { x[i] };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::scalar::Scalar4;
    use alloc::vec;
    use alloc::vec::Vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn values_and_simd_relu_on_odd_lengths() {
        assert_eq!(Activation::Relu.f(-2.0), 0.0);
        assert!((Activation::Sigmoid.f(0.0) - 0.5).abs() < 1e-7);
        assert!((Activation::Tanh.df(Activation::Tanh.f(0.0)) - 1.0).abs() < 1e-7);
        for n in [0, 1, 3, 5, 17, 33] {
            let x: Vec<f32> = (0..n).map(|i| (i as f32 - 8.0) * 0.37).collect();
            let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
            relu_lanes::<F32x4>(&x, &mut a);
            relu_lanes::<Scalar4>(&x, &mut b);
            assert_eq!(a, b);
            assert!(a.iter().zip(&x).all(|(y, x)| *y == x.max(0.0)));
        }
    }
}
