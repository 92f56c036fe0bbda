//! Optimizers over the flat parameter arena: SGD with (heavy-ball) momentum and Adam, both
//! with classic L2 weight decay (`g ← g + λ·w`, as PyTorch's `weight_decay`), and the
//! learning-rate schedules.

use crate::catalog::named_enum;
use alloc::vec;
use alloc::vec::Vec;
use depthlab_core::simd::{scalar::Scalar1, F32x4, Lanes};
use depthlab_core::{ParamStore, Tape};

named_enum! {
    /// Which optimizer (the `optimizer` setting).
    pub enum OptimizerKind ("optimizer") {
        /// Kingma & Ba 2015.
        Adam = "adam",
        /// SGD with heavy-ball momentum.
        Sgd = "sgd",
    }
}

named_enum! {
    /// The learning rate over a run of `total` steps (the `schedule` setting).
    pub enum Schedule ("learning-rate schedule") {
        /// The same rate throughout.
        Constant = "constant",
        /// Cosine decay to zero.
        Cosine = "cosine",
        /// ×0.1 at 50% and again at 75% of the steps (as in the ResNet paper).
        Step = "step",
    }
}

impl Schedule {
    /// The learning rate at `step` (0-based) of `total`, for peak rate `lr`, after a linear
    /// warm-up over the first `warmup` steps.
    pub fn lr_at(self, lr: f32, warmup: u64, step: u64, total: u64) -> f32 {
        let f = step as f32 / total.max(1) as f32;
        let ramp = if step < warmup { (step + 1) as f32 / warmup as f32 } else { 1.0 };
        ramp * match self {
            Schedule::Constant => lr,
            Schedule::Cosine => lr * 0.5 * (1.0 + libm::cosf(core::f32::consts::PI * f)),
            Schedule::Step => {
                lr * if f < 0.5 {
                    1.0
                } else if f < 0.75 {
                    0.1
                } else {
                    0.01
                }
            }
        }
    }
}

/// An optimizer and its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerConfig {
    /// `v ← μ·v + g; w ← w − lr·v`.
    Sgd {
        /// Learning rate.
        lr: f32,
        /// Momentum μ in [0, 1).
        momentum: f32,
        /// L2 weight decay λ.
        weight_decay: f32,
    },
    /// Kingma & Ba 2015, with bias correction.
    Adam {
        /// Learning rate.
        lr: f32,
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
        /// Denominator guard.
        eps: f32,
        /// L2 weight decay λ.
        weight_decay: f32,
    },
}

impl OptimizerConfig {
    /// Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn adam(lr: f32, weight_decay: f32) -> Self {
        OptimizerConfig::Adam { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay }
    }
}

/// An optimizer with its per-parameter state.
#[derive(Clone, Debug)]
pub struct Optimizer {
    config: OptimizerConfig,
    m: Vec<f32>,
    v: Vec<f32>,
    t: u32,
}

impl Optimizer {
    /// Fresh state for `n` parameters.
    pub fn new(config: OptimizerConfig, n: usize) -> Self {
        let v_len = if matches!(config, OptimizerConfig::Adam { .. }) { n } else { 0 };
        Optimizer { config, m: vec![0.0; n], v: vec![0.0; v_len], t: 0 }
    }

    /// The configuration.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// The per-parameter state (first moment or velocity, second moment) and the step count.
    pub fn state(&self) -> (&[f32], &[f32], u32) {
        (&self.m, &self.v, self.t)
    }

    /// Restores a [`Optimizer::state`]; refused (nothing changed) if the lengths differ.
    pub fn set_state(&mut self, m: &[f32], v: &[f32], t: u32) -> bool {
        if m.len() != self.m.len() || v.len() != self.v.len() {
            return false;
        }
        self.m.copy_from_slice(m);
        self.v.copy_from_slice(v);
        self.t = t;
        true
    }

    /// Changes the learning rate (schedules); the optimizer state is kept.
    pub fn set_lr(&mut self, new: f32) {
        match &mut self.config {
            OptimizerConfig::Sgd { lr, .. } | OptimizerConfig::Adam { lr, .. } => *lr = new,
        }
    }

    /// One update of every parameter from its accumulated gradient.
    pub fn step(&mut self, params: &mut ParamStore) {
        self.step_on(params, &Tape::new());
    }

    /// [`Optimizer::step`] on `tape`'s threads: each parameter is updated on its own, so the
    /// bits do not depend on how the parameters are split among them.
    pub fn step_on(&mut self, params: &mut ParamStore, tape: &Tape) {
        let (w, g) = params.values_and_grads_mut();
        assert_eq!(w.len(), self.m.len(), "optimizer: parameter count changed");
        self.t += 1;
        match self.config {
            OptimizerConfig::Sgd { lr, momentum, weight_decay } => {
                tape.elementwise([w, &mut self.m], &|at, [w, m]| {
                    for ((wi, &gi), mi) in w.iter_mut().zip(&g[at..]).zip(m) {
                        let gi = gi + weight_decay * *wi;
                        *mi = momentum * *mi + gi;
                        *wi -= lr * *mi;
                    }
                });
            }
            OptimizerConfig::Adam { lr, beta1, beta2, eps, weight_decay } => {
                let bc1 = 1.0 - libm::powf(beta1, self.t as f32);
                let bc2 = 1.0 - libm::powf(beta2, self.t as f32);
                let step = lr / bc1;
                let inv_sqrt_bc2 = 1.0 / depthlab_core::simd::sqrtf(bc2);
                // Four parameters at a time in core's lanes, the rest one by one: the same
                // IEEE operations in the same order either way (`div` and `sqrt` are correctly
                // rounded), so the lanes change no bit; scalar, Adam was 3% of a LeNet-5 step.
                let k = [weight_decay, beta1, 1.0 - beta1, beta2, 1.0 - beta2, step, inv_sqrt_bc2, eps];
                tape.elementwise([w, &mut self.m, &mut self.v], &|at, [w, m, v]| {
                    let g = &g[at..at + w.len()];
                    let n4 = w.len() / 4 * 4;
                    let k4 = k.map(F32x4::splat);
                    for i in (0..n4).step_by(4) {
                        let [wi, mi, vi] =
                            adam::<F32x4>([&w[i..], &g[i..], &m[i..], &v[i..]].map(F32x4::load_slice), &k4);
                        wi.store_slice(&mut w[i..]);
                        mi.store_slice(&mut m[i..]);
                        vi.store_slice(&mut v[i..]);
                    }
                    let k1 = k.map(Scalar1);
                    for i in n4..w.len() {
                        let [wi, mi, vi] = adam::<Scalar1>([w[i], g[i], m[i], v[i]].map(Scalar1), &k1);
                        (w[i], m[i], v[i]) = (wi.0, mi.0, vi.0);
                    }
                });
            }
        }
    }
}

/// One Adam update of `[w, g, m, v]` (lanes of weights, gradients and both moments) with
/// `k` = `[weight decay, β1, 1 − β1, β2, 1 − β2, lr / (1 − β1ᵗ), 1 / √(1 − β2ᵗ), ε]`:
/// the new `[w, m, v]`.
#[inline(always)]
fn adam<V: Lanes>([w, g, m, v]: [V; 4], k: &[V; 8]) -> [V; 3] {
    let [wd, b1, one_b1, b2, one_b2, step, inv_sqrt_bc2, eps] = *k;
    let g = g.add(wd.mul(w));
    let m = b1.mul(m).add(one_b1.mul(g));
    let v = b2.mul(v).add(one_b2.mul(g).mul(g));
    [w.sub(step.mul(m).div(v.sqrt().mul(inv_sqrt_bc2).add(eps))), m, v]
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Minimising f(w) = (w − 3)² from w = 0: both optimizers get close to 3.
    #[wasm_bindgen_test(unsupported = test)]
    fn both_minimise_a_quadratic() {
        for cfg in
            [OptimizerConfig::Sgd { lr: 0.05, momentum: 0.9, weight_decay: 0.0 }, OptimizerConfig::adam(0.1, 0.0)]
        {
            let mut ps = ParamStore::new();
            let id = ps.add("w", &[1], vec![0.0]);
            let mut opt = Optimizer::new(cfg, 1);
            for _ in 0..300 {
                let w = ps.value(id)[0];
                ps.grad_mut(id)[0] = 2.0 * (w - 3.0);
                opt.step(&mut ps);
            }
            assert!((ps.value(id)[0] - 3.0).abs() < 1e-2, "{cfg:?}: {}", ps.value(id)[0]);
        }
    }

    /// The first Adam step moves every weight by about lr against its gradient's sign.
    #[wasm_bindgen_test(unsupported = test)]
    fn adam_first_step_is_lr_sized() {
        let mut ps = ParamStore::new();
        let id = ps.add("w", &[2], vec![1.0, 1.0]);
        ps.grad_mut(id).copy_from_slice(&[5.0, -0.01]);
        Optimizer::new(OptimizerConfig::adam(0.01, 0.0), 2).step(&mut ps);
        let w = ps.value(id);
        assert!((w[0] - 0.99).abs() < 1e-5 && (w[1] - 1.01).abs() < 1e-4, "{w:?}");
    }

    /// Adam in lanes (four at a time, the tail one by one) gives the bits of the formula
    /// written out for one parameter in plain f32 arithmetic, over three steps with weight
    /// decay, on a length that is not a multiple of four.
    #[wasm_bindgen_test(unsupported = test)]
    fn adam_lanes_match_the_scalar_formula() {
        let n = 1_003;
        let (lr, b1, b2, eps, wd) = (0.01f32, 0.9f32, 0.999f32, 1e-8f32, 1e-4f32);
        let mut rng = depthlab_core::Rng::new(9);
        let w0: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
        let grads: Vec<Vec<f32>> = (0..3).map(|_| (0..n).map(|_| rng.normal() * 3.0).collect()).collect();
        let mut ps = ParamStore::new();
        let id = ps.add("w", &[n], w0.clone());
        let mut opt = Optimizer::new(OptimizerConfig::Adam { lr, beta1: b1, beta2: b2, eps, weight_decay: wd }, n);
        let (mut w, mut m, mut v) = (w0, vec![0.0f32; n], vec![0.0f32; n]);
        for (t, g) in grads.iter().enumerate() {
            ps.grad_mut(id).copy_from_slice(g);
            opt.step(&mut ps);
            let t = (t + 1) as f32;
            let step = lr / (1.0 - libm::powf(b1, t));
            let inv = 1.0 / libm::sqrtf(1.0 - libm::powf(b2, t));
            for i in 0..n {
                let gi = g[i] + wd * w[i];
                m[i] = b1 * m[i] + (1.0 - b1) * gi;
                v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
                w[i] -= step * m[i] / (libm::sqrtf(v[i]) * inv + eps);
            }
        }
        let bits = |x: &[f32]| x.iter().map(|a| a.to_bits()).collect::<Vec<u32>>();
        assert_eq!(bits(ps.value(id)), bits(&w));
        assert_eq!((bits(&opt.m), bits(&opt.v)), (bits(&m), bits(&v)));
    }

    /// Split among threads, both optimizers update every parameter exactly as on one.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn threads_give_the_same_update() {
        let n = 3 * depthlab_core::parallel::MIN_PARALLEL_WORK + 77;
        let pool = depthlab_core::parallel::RayonPool::leaked(3).unwrap();
        for cfg in
            [OptimizerConfig::Sgd { lr: 0.05, momentum: 0.9, weight_decay: 1e-4 }, OptimizerConfig::adam(0.01, 1e-4)]
        {
            let runs = [1usize, 3].map(|threads| {
                let mut ps = ParamStore::new();
                let mut rng = depthlab_core::Rng::new(5);
                let id = ps.add("w", &[n], (0..n).map(|_| rng.normal()).collect());
                let mut tape = Tape::new();
                if threads > 1 {
                    tape.set_parallel(Some(pool));
                }
                let mut opt = Optimizer::new(cfg, n);
                for _ in 0..3 {
                    for g in ps.grad_mut(id) {
                        *g = rng.normal();
                    }
                    opt.step_on(&mut ps, &tape);
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
                (bits(ps.value(id)), bits(&opt.m), bits(&opt.v))
            });
            assert!(runs[0] == runs[1], "{cfg:?}: threads changed the update");
        }
    }
}
