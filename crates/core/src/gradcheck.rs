//! Finite-difference gradient checking: central differences, accumulated in f64, against the
//! tape's analytic gradients for every input and parameter element.
//!
//! The checked function is reduced to a scalar `L = Σ yᵢ·rᵢ` with fixed random weights `r`,
//! so every output element contributes with a distinct weight.

use crate::autograd::{ParamStore, Tape, Var};
use crate::rng::Rng;
use crate::tensor::Tensor;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Tolerances and step for [`check_gradients`].
#[derive(Clone, Copy, Debug)]
pub struct GradCheck {
    /// Finite-difference step.
    pub eps: f32,
    /// Allowed `|analytic − numeric| / max(|numeric|, floor)`, where the floor is the larger of
    /// 1e-3 × the largest numeric gradient of the check and the finite difference's own
    /// rounding noise (f32 forward passes): relative for every element that carries gradient,
    /// so a wrong small gradient — or an analytic zero where there is gradient — fails.
    pub tol: f64,
    /// For functions with kinks (ReLU, max pooling): an element that fails is measured again
    /// with this step, and passes if it agrees there — a finite difference that straddles a
    /// kink depends on the step, a wrong gradient does not. At most 2% of the elements may
    /// need it.
    pub kink_eps: Option<f32>,
    /// The floor's share of the largest gradient (1e-3 for single operations; whole networks
    /// in f32 carry more rounding through their layers).
    pub floor: f64,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck { eps: 1e-2, tol: 2e-2, kink_eps: None, floor: 1e-3 }
    }
}

fn weighted_sum(t: &Tensor, r: &[f32]) -> f64 {
    t.data().iter().zip(r).map(|(a, b)| *a as f64 * *b as f64).sum()
}

/// Checks `f`'s gradients with respect to every element of `inputs` and of `params`.
/// Returns the worst relative error, or a message naming the first element that fails.
pub fn check_gradients<F>(params: &mut ParamStore, inputs: &[Tensor], f: F, cfg: GradCheck) -> Result<f64, String>
where
    F: Fn(&mut Tape, &mut ParamStore, &[Var]) -> Var,
{
    let eval = |params: &mut ParamStore, inputs: &[Tensor], r: Option<&[f32]>| -> (f64, Tensor) {
        let mut tape = Tape::new();
        let vars: Vec<Var> = inputs.iter().map(|t| tape.input(t.clone())).collect();
        let y = f(&mut tape, params, &vars);
        let out = tape.value(y).clone();
        (r.map_or(0.0, |r| weighted_sum(&out, r)), out)
    };
    // Analytic pass.
    let mut tape = Tape::new();
    let vars: Vec<Var> = inputs.iter().map(|t| tape.input_with_grad(t.clone())).collect();
    let y = f(&mut tape, params, &vars);
    let mut rng = Rng::new(0x5eed);
    let r: Vec<f32> = (0..tape.value(y).len()).map(|_| rng.uniform(-1.0, 1.0)).collect();
    params.zero_grad();
    tape.backward_from(y, &r, params);
    let analytic_in: Vec<Vec<f32>> = vars
        .iter()
        .map(|v| {
            let g = tape.grad(*v);
            if g.is_empty() {
                alloc::vec![0.0; tape.value(*v).len()]
            } else {
                g.to_vec()
            }
        })
        .collect();
    let analytic_p: Vec<f32> = params.grads().to_vec();
    drop(tape);

    let eps = cfg.eps;
    // (what, analytic, numeric) for every element, compared once the scale is known.
    let mut found: Vec<(String, f32, f64)> = Vec::new();
    // Which element each entry is: an input (tensor, index) or a parameter (usize::MAX, index).
    let mut at: Vec<(usize, usize)> = Vec::new();
    let mut noise = 0.0f64;
    let mut record = |what: String, a: f32, lp: (f64, f64), lm: (f64, f64)| {
        found.push((what, a, (lp.0 - lm.0) / (2.0 * eps as f64)));
        // Each f32 output is rounded (relative 2^-24); the weighted sum carries that error.
        noise = noise.max((lp.1 + lm.1) * f32::EPSILON as f64 / (2.0 * eps as f64));
    };
    let eval_both = |params: &mut ParamStore, inputs: &[Tensor]| {
        let (l, out) = eval(params, inputs, Some(&r));
        (l, out.data().iter().zip(&r).map(|(a, b)| (*a as f64 * *b as f64).abs()).sum::<f64>())
    };
    let mut inputs: Vec<Tensor> = inputs.to_vec();
    for t in 0..inputs.len() {
        for i in 0..inputs[t].len() {
            let orig = inputs[t].data()[i];
            inputs[t].data_mut()[i] = orig + eps;
            let lp = eval_both(&mut *params, &inputs);
            inputs[t].data_mut()[i] = orig - eps;
            let lm = eval_both(&mut *params, &inputs);
            inputs[t].data_mut()[i] = orig;
            record(format!("input {t}[{i}]"), analytic_in[t][i], lp, lm);
            at.push((t, i));
        }
    }
    for i in 0..params.len() {
        let orig = params.values()[i];
        params.values_mut()[i] = orig + eps;
        let lp = eval_both(&mut *params, &inputs);
        params.values_mut()[i] = orig - eps;
        let lm = eval_both(&mut *params, &inputs);
        params.values_mut()[i] = orig;
        let name =
            params.entries().iter().find(|e| i >= e.offset && i < e.offset + e.len).map_or("?", |e| e.name.as_str());
        record(format!("param {name} flat[{i}]"), analytic_p[i], lp, lm);
        at.push((usize::MAX, i));
    }
    let share = cfg.floor;
    let Some(kink_eps) = cfg.kink_eps else { return compare(&found, noise, share, cfg.tol) };
    // Elements that fail at `eps` are measured again at `kink_eps`.
    let mut kinks = 0usize;
    while let Err(msg) = compare(&found, noise, share, cfg.tol) {
        let k = found.iter().position(|f| msg.starts_with(&format!("{}:", f.0))).ok_or_else(|| msg.clone())?;
        kinks += 1;
        if kinks * 50 > found.len().max(50) {
            return Err(format!("{msg} — and {kinks} elements needed a second step: not kinks"));
        }
        let (t, i) = at[k];
        let h = kink_eps as f64;
        let numeric = if t == usize::MAX {
            let orig = params.values()[i];
            params.values_mut()[i] = orig + kink_eps;
            let lp = eval(&mut *params, &inputs, Some(&r)).0;
            params.values_mut()[i] = orig - kink_eps;
            let lm = eval(&mut *params, &inputs, Some(&r)).0;
            params.values_mut()[i] = orig;
            (lp - lm) / (2.0 * h)
        } else {
            let orig = inputs[t].data()[i];
            inputs[t].data_mut()[i] = orig + kink_eps;
            let lp = eval(&mut *params, &inputs, Some(&r)).0;
            inputs[t].data_mut()[i] = orig - kink_eps;
            let lm = eval(&mut *params, &inputs, Some(&r)).0;
            inputs[t].data_mut()[i] = orig;
            (lp - lm) / (2.0 * h)
        };
        // The second step's rounding noise scales as 1/step.
        let again = [(found[k].0.clone(), found[k].1, numeric)];
        compare_with_floor(&again, floor_of(&found, noise * cfg.eps as f64 / h, share), cfg.tol)
            .map_err(|e| format!("{msg}; at step {kink_eps}: {e}"))?;
        found[k].2 = found[k].1 as f64; // agreed at the second step
    }
    compare(&found, noise, share, cfg.tol)
}

/// The floor of [`compare`]: `share` × the largest numeric gradient, or 8 × the noise.
fn floor_of(found: &[(String, f32, f64)], noise: f64, share: f64) -> f64 {
    let scale = found.iter().fold(0.0f64, |m, f| m.max(f.2.abs()));
    (share * scale).max(8.0 * noise)
}

/// Compares every `(what, analytic, numeric)` relative to `max(|numeric|, floor)`, with the
/// floor 1e-3 × the largest numeric gradient or 8 × the rounding `noise`, whichever is larger;
/// the worst relative error, or a message naming the first element over `tol`.
fn compare(found: &[(String, f32, f64)], noise: f64, share: f64, tol: f64) -> Result<f64, String> {
    if found.iter().all(|f| f.2 == 0.0) {
        return Err(String::from("every numeric gradient is 0: the check cannot tell anything"));
    }
    compare_with_floor(found, floor_of(found, noise, share), tol)
}

/// [`compare`] with a given floor.
fn compare_with_floor(found: &[(String, f32, f64)], floor: f64, tol: f64) -> Result<f64, String> {
    let mut worst = 0.0f64;
    for (what, a, num) in found {
        let err = (*a as f64 - num).abs() / num.abs().max(floor);
        worst = worst.max(err);
        if err > tol {
            return Err(format!("{what}: analytic {a} vs numeric {num} (rel err {err:.3e}; floor {floor:.2e})"));
        }
    }
    Ok(worst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::activation::Activation;
    use crate::{Conv2dParams, Pool2dParams};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn rand_tensor(rng: &mut Rng, shape: &[usize]) -> Tensor {
        let n = shape.iter().product();
        Tensor::from_vec(shape, (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect())
    }

    fn rand_param(ps: &mut ParamStore, rng: &mut Rng, name: &str, shape: &[usize]) -> crate::ParamId {
        let n = shape.iter().product();
        ps.add(name, shape, (0..n).map(|_| rng.uniform(-0.5, 0.5)).collect())
    }

    fn run(ps: &mut ParamStore, inputs: &[Tensor], f: impl Fn(&mut Tape, &mut ParamStore, &[Var]) -> Var) {
        match check_gradients(ps, inputs, f, GradCheck::default()) {
            Ok(err) => assert!(err < 2e-2),
            Err(e) => panic!("{e}"),
        }
    }

    /// The comparison is relative down to a small floor: a small gradient that is wrong by 50%,
    /// or an analytic zero where the numeric gradient is small but real, fails; rounding noise
    /// below the floor passes.
    #[wasm_bindgen_test(unsupported = test)]
    fn small_wrong_gradients_and_zeros_fail() {
        let e = |a: f32, num: f64| (String::from("x"), a, num);
        assert!(compare(&[e(1.0, 1.0), e(0.01, 0.01)], 1e-9, 1e-3, 2e-2).is_ok());
        assert!(compare(&[e(1.0, 1.0), e(0.0, 0.01)], 1e-9, 1e-3, 2e-2).is_err(), "an analytic zero passed");
        assert!(compare(&[e(1.0, 1.0), e(0.015, 0.01)], 1e-9, 1e-3, 2e-2).is_err(), "a 50% error passed");
        assert!(compare(&[e(1.0, 1.0), e(0.0, 1e-6)], 1e-9, 1e-3, 2e-2).is_ok(), "noise below the floor failed");
        assert!(compare(&[e(0.0, 0.0)], 0.0, 1e-3, 2e-2).is_err(), "a check with no gradient at all passed");
        // The old rule (|a − n| / max(1, |n|)) let both of these through.
        assert!(compare(&[e(0.3, 0.3), e(0.011, 0.019)], 1e-9, 1e-3, 2e-2).is_err());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn linear() {
        let mut rng = Rng::new(1);
        let mut ps = ParamStore::new();
        let w = rand_param(&mut ps, &mut rng, "w", &[5, 7]);
        let b = rand_param(&mut ps, &mut rng, "b", &[5]);
        let x = rand_tensor(&mut rng, &[3, 7]);
        run(&mut ps, &[x], |t, p, v| t.linear(p, v[0], w, Some(b)));
    }

    /// im2col + GEMM convolutions; their weight gradients take both paths, dot products
    /// (`kernels::dot::pays`) and the blocked GEMM.
    #[wasm_bindgen_test(unsupported = test)]
    fn conv2d_stride_and_padding() {
        let mut rng = Rng::new(2);
        let mut dot_paths = alloc::vec::Vec::new();
        for (k, s, pad) in [(3, 1, 1), (3, 2, 1), (2, 2, 0), (5, 1, 2)] {
            let p = Conv2dParams::square(2, 3, k, s, pad);
            let (oh, ow) = p.output_size(6, 5).unwrap();
            dot_paths.push(crate::kernels::dot::pays(3, p.patch_len(), oh * ow));
            let mut ps = ParamStore::new();
            let w = rand_param(&mut ps, &mut rng, "w", &[3, 2, k, k]);
            let b = rand_param(&mut ps, &mut rng, "b", &[3]);
            let x = rand_tensor(&mut rng, &[2, 2, 6, 5]);
            run(&mut ps, &[x], |t, pr, v| t.conv2d(pr, v[0], w, Some(b), p));
        }
        assert!(dot_paths.contains(&true) && dot_paths.contains(&false), "both dW paths: {dot_paths:?}");
    }

    /// The Winograd paths (`kernels::winograd::pays`): forward, input and weight gradients,
    /// with bias and the fused ReLU, paddings 1, 0 and 2 and odd sizes; F(4×4, 3×3) where a
    /// direction's output is whole 4×4 tiles of at least 12 a side (`kernels::winograd4::pays`):
    /// both directions (12×12 at padding 1), the forward alone (14×14 at padding 0, 10×10 at
    /// padding 2). The fused ReLU is checked on F(2×2) sizes: its mask does not depend on the
    /// path, and its kinks are checked again at a step of 1e-3, where F(4×4)'s larger rounding
    /// (about 17× F(2×2)'s, see `winograd4`) is no longer small against the difference quotient.
    #[wasm_bindgen_test(unsupported = test)]
    fn conv2d_winograd() {
        let mut rng = Rng::new(21);
        let cases = [
            (1, false, (5, 6)),
            (0, true, (5, 6)),
            (2, false, (5, 6)),
            (1, false, (12, 12)),
            (0, false, (14, 14)),
            (2, false, (10, 10)),
        ];
        let mut f4 = [false; 2];
        for (pad, relu, (h, wd)) in cases {
            let p = Conv2dParams::square(8, 8, 3, 1, pad);
            assert!(crate::kernels::winograd::pays(&p));
            let geo = crate::kernels::winograd::Geometry::forward(&p, h, wd).unwrap();
            f4[0] |= crate::kernels::winograd4::pays(&geo);
            f4[1] |= crate::kernels::winograd4::pays(&geo.input_gradient());
            let mut ps = ParamStore::new();
            let w = rand_param(&mut ps, &mut rng, "w", &[8, 8, 3, 3]);
            let b = rand_param(&mut ps, &mut rng, "b", &[8]);
            let x = rand_tensor(&mut rng, &[2, 8, h, wd]);
            if relu {
                let cfg = GradCheck { kink_eps: Some(1e-3), ..GradCheck::default() };
                let f = |t: &mut Tape, pr: &mut ParamStore, v: &[Var]| t.conv2d_act(pr, v[0], w, Some(b), p, true);
                check_gradients(&mut ps, &[x], f, cfg).unwrap();
            } else {
                run(&mut ps, &[x], |t, pr, v| t.conv2d(pr, v[0], w, Some(b), p));
            }
        }
        assert_eq!(f4, [true, true], "F(4×4, 3×3) forward and input gradient both checked");
    }

    /// The Winograd paths against the direct loops through the tape, at a size whose weight
    /// gradient finite differences would take long (32 channels, three images, an odd width
    /// and one of whole 4×4 tiles).
    #[wasm_bindgen_test(unsupported = test)]
    fn conv2d_winograd_matches_direct() {
        // 12×11: F(2×2, 3×3); 12×16: F(4×4, 3×3) both ways.
        for (h, w) in [(12, 11), (12, 16)] {
            winograd_matches_direct(h, w);
        }
    }

    fn winograd_matches_direct(h: usize, w: usize) {
        let mut rng = Rng::new(22);
        let p = Conv2dParams::square(32, 32, 3, 1, 1);
        let n = 3;
        assert!(crate::kernels::winograd::pays(&p));
        let mut ps = ParamStore::new();
        let wid = rand_param(&mut ps, &mut rng, "w", &[32, 32, 3, 3]);
        let x = rand_tensor(&mut rng, &[n, 32, h, w]);
        let mut tape = Tape::new();
        let xv = tape.input_with_grad(x.clone());
        let y = tape.conv2d(&ps, xv, wid, None, p);
        let dy: Vec<f32> = (0..tape.value(y).len()).map(|_| rng.uniform(-1.0, 1.0)).collect();
        ps.zero_grad();
        tape.backward_from(y, &dy, &mut ps);
        let (mut dx, mut dw) = (alloc::vec![0.0; x.len()], alloc::vec![0.0; ps.value(wid).len()]);
        let (il, ol) = (32 * h * w, 32 * h * w);
        for i in 0..n {
            crate::kernels::winograd::tests::naive_gradients(
                &x.data()[i * il..(i + 1) * il],
                &dy[i * ol..(i + 1) * ol],
                ps.value(wid),
                &p,
                (h, w),
                &mut dx[i * il..(i + 1) * il],
                &mut dw,
            );
        }
        for (what, got, want) in [("dx", tape.grad(xv), &dx[..]), ("dW", ps.grad(wid), &dw[..])] {
            for (a, b) in got.iter().zip(want) {
                assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "{what}: {a} vs {b}");
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn max_and_avg_pool() {
        let mut rng = Rng::new(3);
        let mut ps = ParamStore::new();
        // Well-separated values keep max-pool away from ties (its kinks).
        let mut x = Tensor::from_vec(&[2, 2, 5, 4], (0..80).map(|i| i as f32 * 0.1).collect());
        rng.shuffle(x.data_mut());
        run(&mut ps, &[x.clone()], |t, _, v| t.max_pool2d(v[0], Pool2dParams::square(2)));
        run(&mut ps, &[x.clone()], |t, _, v| t.max_pool2d(v[0], Pool2dParams { kernel: 3, stride: 2, padding: 1 }));
        run(&mut ps, &[x], |t, _, v| t.avg_pool2d(v[0], Pool2dParams { kernel: 2, stride: 1, padding: 1 }));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn activations() {
        let mut rng = Rng::new(4);
        let mut ps = ParamStore::new();
        // Keep relu inputs away from its kink at 0.
        let x = Tensor::from_vec(
            &[3, 5],
            (0..15).map(|i| if i % 2 == 0 { 0.3 + rng.next_f32() } else { -0.3 - rng.next_f32() }).collect(),
        );
        for act in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
            run(&mut ps, core::slice::from_ref(&x), |t, _, v| t.activation(v[0], act));
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn flatten_and_softmax_cross_entropy() {
        let mut rng = Rng::new(5);
        let mut ps = ParamStore::new();
        let x = rand_tensor(&mut rng, &[4, 2, 1, 3]);
        run(&mut ps, &[x], |t, _, v| {
            let f = t.flatten(v[0]);
            t.softmax_cross_entropy(f, &[0, 5, 2, 3])
        });
    }

    /// A value used twice (`h` feeds two heads whose outputs are added) gets both gradients.
    #[wasm_bindgen_test(unsupported = test)]
    fn value_used_twice_accumulates() {
        let mut rng = Rng::new(6);
        let mut ps = ParamStore::new();
        let w1 = rand_param(&mut ps, &mut rng, "w1", &[3, 4]);
        let w2 = rand_param(&mut ps, &mut rng, "w2", &[3, 3]);
        let x = rand_tensor(&mut rng, &[2, 4]);
        run(&mut ps, &[x], |t, p, v| {
            let h = t.linear(p, v[0], w1, None);
            let a = t.linear(p, h, w2, None);
            let s = t.add(a, h); // residual: h used by the head and by the shortcut
            t.add(s, s)
        });
    }

    /// A whole LeNet-shaped chain (conv → tanh → pool → flatten → linear → CE).
    #[wasm_bindgen_test(unsupported = test)]
    fn small_cnn_chain() {
        let mut rng = Rng::new(8);
        let mut ps = ParamStore::new();
        let p = Conv2dParams::square(1, 2, 3, 1, 1);
        let w = rand_param(&mut ps, &mut rng, "c.w", &[2, 1, 3, 3]);
        let b = rand_param(&mut ps, &mut rng, "c.b", &[2]);
        let fw = rand_param(&mut ps, &mut rng, "f.w", &[3, 2 * 3 * 3]);
        let x = rand_tensor(&mut rng, &[2, 1, 6, 6]);
        run(&mut ps, &[x], |t, pr, v| {
            let c = t.conv2d(pr, v[0], w, Some(b), p);
            let a = t.activation(c, Activation::Tanh);
            let q = t.avg_pool2d(a, Pool2dParams::square(2));
            let f = t.flatten(q);
            let l = t.linear(pr, f, fw, None);
            t.softmax_cross_entropy(l, &[1, 2])
        });
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn grouped_depthwise_and_pointwise_conv() {
        let mut rng = Rng::new(12);
        // (C, O, k, stride, pad, groups)
        for (c, o, k, s, pad, g) in
            [(4, 6, 3, 2, 1, 2), (3, 3, 3, 1, 1, 3), (4, 6, 1, 1, 0, 1), (4, 4, 1, 1, 0, 2), (4, 2, 1, 2, 0, 1)]
        {
            let p = Conv2dParams::square(c, o, k, s, pad).with_groups(g);
            let mut ps = ParamStore::new();
            let w = rand_param(&mut ps, &mut rng, "w", &[o, c / g, k, k]);
            let b = rand_param(&mut ps, &mut rng, "b", &[o]);
            let x = rand_tensor(&mut rng, &[2, c, 5, 4]);
            run(&mut ps, &[x], |t, pr, v| t.conv2d(pr, v[0], w, Some(b), p));
        }
    }

    fn bn(ps: &mut ParamStore, rng: &mut Rng, c: usize) -> crate::ops::batchnorm::BatchNormParams {
        let gamma = ps.add("bn.weight", &[c], (0..c).map(|_| rng.uniform(0.5, 1.5)).collect());
        let beta = rand_param(ps, rng, "bn.bias", &[c]);
        let running_mean = ps.add_buffer("bn.running_mean", &[c], alloc::vec![0.1; c]);
        let running_var = ps.add_buffer("bn.running_var", &[c], alloc::vec![1.5; c]);
        crate::ops::batchnorm::BatchNormParams { gamma, beta, running_mean, running_var, momentum: 0.1, eps: 1e-5 }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn batch_norm_train_and_eval() {
        let mut rng = Rng::new(13);
        for shape in [&[3usize, 2, 3, 2][..], &[5, 3][..]] {
            for mode in [crate::Mode::Train, crate::Mode::Eval] {
                let mut ps = ParamStore::new();
                let p = bn(&mut ps, &mut rng, shape[1]);
                let x = rand_tensor(&mut rng, shape);
                let cfg = GradCheck { eps: 1e-2, tol: 3e-2, kink_eps: None, floor: 1e-3 };
                check_gradients(&mut ps, core::slice::from_ref(&x), |t, pr, v| t.batch_norm(pr, v[0], p, mode), cfg)
                    .unwrap();
                // Fused ReLU: a smaller step keeps the differences off its kink.
                let fine = GradCheck { eps: 1e-3, tol: 3e-2, kink_eps: None, floor: 1e-3 };
                check_gradients(&mut ps, &[x], |t, pr, v| t.batch_norm_act(pr, v[0], p, mode, true), fine).unwrap();
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn running_stats_move_toward_batch_stats() {
        let mut ps = ParamStore::new();
        let p = bn(&mut ps, &mut Rng::new(1), 1);
        let mut t = Tape::new();
        // One channel, values 1..=4: mean 2.5, unbiased variance 5/3.
        let x = t.input(Tensor::from_vec(&[4, 1], alloc::vec![1.0, 2.0, 3.0, 4.0]));
        t.batch_norm(&mut ps, x, p, crate::Mode::Train);
        assert!((ps.buffer(p.running_mean)[0] - (0.9 * 0.1 + 0.1 * 2.5)).abs() < 1e-6);
        assert!((ps.buffer(p.running_var)[0] - (0.9 * 1.5 + 0.1 * 5.0 / 3.0)).abs() < 1e-6);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn global_avg_pool_dropout_concat_and_pad_shortcut() {
        let mut rng = Rng::new(14);
        let mut ps = ParamStore::new();
        let x = rand_tensor(&mut rng, &[2, 3, 3, 4]);
        run(&mut ps, core::slice::from_ref(&x), |t, _, v| t.global_avg_pool(v[0]));
        run(&mut ps, core::slice::from_ref(&x), |t, _, v| t.dropout(v[0], 0.4, &mut Rng::new(3), crate::Mode::Train));
        let y = rand_tensor(&mut rng, &[2, 2, 3, 4]);
        run(&mut ps, &[x.clone(), y], |t, _, v| t.concat_channels(&[v[0], v[1], v[0]]));
        run(&mut ps, core::slice::from_ref(&x), |t, _, v| t.pad_shortcut(v[0], 5, 2));
        run(&mut ps, core::slice::from_ref(&x), |t, _, v| t.pad_shortcut(v[0], 3, 1));
    }

    /// Highway gating composed from primitives: y = T ⊙ H + (1 − T) ⊙ x, T = σ(conv1x1(x)).
    #[wasm_bindgen_test(unsupported = test)]
    fn highway_gate_composition() {
        let mut rng = Rng::new(15);
        let mut ps = ParamStore::new();
        let p = Conv2dParams::square(2, 2, 1, 1, 0);
        let wt = rand_param(&mut ps, &mut rng, "gate.weight", &[2, 2, 1, 1]);
        let bt = ps.add("gate.bias", &[2], alloc::vec![-1.0, -1.0]);
        let wh = rand_param(&mut ps, &mut rng, "h.weight", &[2, 2, 3, 3]);
        let x = rand_tensor(&mut rng, &[2, 2, 4, 4]);
        run(&mut ps, &[x], |t, pr, v| {
            let g = t.conv2d(pr, v[0], wt, Some(bt), p);
            let gate = t.activation(g, Activation::Sigmoid);
            let h = t.conv2d(pr, v[0], wh, None, Conv2dParams::square(2, 2, 3, 1, 1));
            let h = t.activation(h, Activation::Tanh);
            let carry = t.affine(gate, -1.0, 1.0);
            let th = t.mul(gate, h);
            let cx = t.mul(carry, v[0]);
            t.add(th, cx)
        });
    }

    /// A residual block with a batch-norm body: x + BN(conv(relu(BN(conv(x))))).
    #[wasm_bindgen_test(unsupported = test)]
    fn residual_block_composition() {
        let mut rng = Rng::new(16);
        let mut ps = ParamStore::new();
        let p = Conv2dParams::square(2, 2, 3, 1, 1);
        let w1 = rand_param(&mut ps, &mut rng, "c1", &[2, 2, 3, 3]);
        let b1 = bn(&mut ps, &mut rng, 2);
        let w2 = rand_param(&mut ps, &mut rng, "c2", &[2, 2, 3, 3]);
        let x = rand_tensor(&mut rng, &[3, 2, 3, 3]);
        let cfg = GradCheck { eps: 1e-2, tol: 3e-2, kink_eps: None, floor: 1e-3 };
        check_gradients(
            &mut ps,
            &[x],
            |t, pr, v| {
                let h = t.conv2d(pr, v[0], w1, None, p);
                let h = t.batch_norm(pr, h, b1, crate::Mode::Train);
                let h = t.activation(h, Activation::Tanh);
                let h = t.conv2d(pr, h, w2, None, p);
                let s = t.sub(h, v[0]);
                t.add(s, v[0])
            },
            cfg,
        )
        .unwrap();
    }

    /// The grouped-convolution op against the direct 7-loop oracle.
    #[wasm_bindgen_test(unsupported = test)]
    fn grouped_conv_matches_naive() {
        let mut rng = Rng::new(17);
        for (c, o, k, s, pad, g) in
            [(4, 6, 3, 2, 1, 2), (6, 6, 3, 1, 1, 6), (3, 6, 3, 2, 1, 3), (4, 8, 5, 3, 2, 4), (8, 4, 1, 1, 0, 4)]
        {
            let p = Conv2dParams::square(c, o, k, s, pad).with_groups(g);
            let mut ps = ParamStore::new();
            let w = rand_param(&mut ps, &mut rng, "w", &[o, c / g, k, k]);
            let x = rand_tensor(&mut rng, &[2, c, 7, 6]);
            let mut t = Tape::new();
            let xv = t.input(x.clone());
            let y = t.conv2d(&ps, xv, w, None, p);
            let (oh, ow) = p.output_size(7, 6).unwrap();
            for i in 0..2 {
                let mut want = alloc::vec![0.0; o * oh * ow];
                crate::kernels::conv::conv2d_naive(
                    &x.data()[i * c * 42..(i + 1) * c * 42],
                    7,
                    6,
                    ps.value(w),
                    None,
                    &p,
                    &mut want,
                );
                let got = &t.value(y).data()[i * o * oh * ow..(i + 1) * o * oh * ow];
                for (a, b) in got.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-4, "{a} vs {b}");
                }
            }
        }
    }

    /// Conv and linear with the ReLU fused into the epilogue (inputs kept off the kink).
    #[wasm_bindgen_test(unsupported = test)]
    fn fused_relu_epilogues() {
        let mut rng = Rng::new(18);
        let mut ps = ParamStore::new();
        let p = Conv2dParams::square(2, 3, 3, 1, 1);
        let w = rand_param(&mut ps, &mut rng, "c.w", &[3, 2, 3, 3]);
        let b = rand_param(&mut ps, &mut rng, "c.b", &[3]);
        let dw = rand_param(&mut ps, &mut rng, "d.w", &[4, 1, 3, 3]);
        let fw = rand_param(&mut ps, &mut rng, "f.w", &[5, 7 * 16]);
        let fb = rand_param(&mut ps, &mut rng, "f.b", &[5]);
        let x = rand_tensor(&mut rng, &[2, 2, 4, 4]);
        let cfg = GradCheck { eps: 2e-3, tol: 3e-2, kink_eps: None, floor: 1e-3 };
        check_gradients(
            &mut ps,
            &[x],
            |t, pr, v| {
                let h = t.conv2d_act(pr, v[0], w, Some(b), p, true);
                let d = t.conv2d_act(pr, v[0], dw, None, Conv2dParams::square(2, 4, 3, 1, 1).with_groups(2), true);
                let c = t.concat_channels(&[h, d]);
                let f = t.flatten(c);
                t.linear_act(pr, f, fw, Some(fb), true)
            },
            cfg,
        )
        .unwrap();
    }
}
