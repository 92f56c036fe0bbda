//! Kernels split over threads ([`depthlab_core::parallel`]): convolutions, batch norm, linear
//! layers and elementwise ops give the same bits — outputs, input gradients, weight and bias
//! gradients, running statistics — on one thread and on any number of threads.

use depthlab_core::parallel::Parallel;
use depthlab_core::{Conv2dParams, ParamStore, Rng, Tape};

/// std's scoped threads: task 0 on the caller, the others on new threads.
struct StdThreads(usize);

impl Parallel for StdThreads {
    fn threads(&self) -> usize {
        self.0
    }
    fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) {
        std::thread::scope(|s| {
            for t in 1..tasks {
                s.spawn(move || f(t));
            }
            f(0);
        });
    }
}

struct Outcome {
    y: Vec<f32>,
    dx: Vec<f32>,
    dw: Vec<f32>,
    db: Vec<f32>,
}

fn run(p: Conv2dParams, n: usize, hw: usize, relu: bool, threads: usize) -> Outcome {
    let mut rng = Rng::new(7);
    let mut normal = |len: usize| (0..len).map(|_| rng.normal()).collect::<Vec<f32>>();
    let mut params = ParamStore::new();
    let w =
        params.add("w", &[p.out_channels, p.in_channels / p.groups, p.kernel.0, p.kernel.1], normal(p.weight_len()));
    let b = params.add("b", &[p.out_channels], normal(p.out_channels));
    let x = normal(n * p.in_channels * hw * hw);
    let mut tape = Tape::new();
    if threads > 1 {
        tape.set_parallel(Some(Box::leak(Box::new(StdThreads(threads)))));
    }
    let xv = tape.input_with_grad(depthlab_core::Tensor::from_vec(&[n, p.in_channels, hw, hw], x));
    let y = tape.conv2d_act(&params, xv, w, Some(b), p, relu);
    let out = tape.value(y).data().to_vec();
    let dy = normal(out.len());
    tape.backward_from(y, &dy, &mut params);
    Outcome { y: out, dx: tape.grad(xv).to_vec(), dw: params.grad(w).to_vec(), db: params.grad(b).to_vec() }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn threads_keep_convolutions_bit_identical() {
    let cases = [
        ("3x3", Conv2dParams::square(6, 8, 3, 1, 1), true, 9),
        ("3x3 stride 2", Conv2dParams::square(6, 8, 3, 2, 1), false, 9),
        ("grouped", Conv2dParams::square(8, 8, 3, 1, 1).with_groups(4), true, 9),
        ("pointwise", Conv2dParams::square(6, 12, 1, 1, 0), false, 9),
        // Winograd (see winograd::pays): forward, input and weight gradients.
        ("winograd", Conv2dParams::square(8, 10, 3, 1, 1), true, 9),
        ("winograd, odd size", Conv2dParams::square(16, 16, 3, 1, 1), false, 13),
        // Whole 4×4 tiles: F(4×4, 3×3) forward and input gradient (winograd4::pays).
        ("winograd F(4x4)", Conv2dParams::square(16, 16, 3, 1, 1), true, 12),
        // Wide enough (16·48·48 transformed weights) for the kernel transforms to split.
        ("winograd, wide", Conv2dParams::square(48, 48, 3, 1, 1), true, 4),
    ];
    for (name, p, relu, hw) in cases {
        // 37 images: more than the 16 fixed chunks, not a multiple of them.
        let one = run(p, 37, hw, relu, 1);
        for t in [2, 3, 5, 8] {
            let many = run(p, 37, hw, relu, t);
            assert_eq!(bits(&one.y), bits(&many.y), "{name}, {t} threads: outputs differ");
            assert_eq!(bits(&one.dx), bits(&many.dx), "{name}, {t} threads: input gradients differ");
            assert_eq!(bits(&one.db), bits(&many.db), "{name}, {t} threads: bias gradients differ");
            assert_eq!(bits(&one.dw), bits(&many.dw), "{name}, {t} threads: weight gradients differ");
        }
    }
}

/// Batch norm (with its fused ReLU) in train and eval mode, large enough to be split.
fn run_bn(train: bool, relu: bool, threads: usize) -> Vec<Vec<u32>> {
    use depthlab_core::ops::batchnorm::BatchNormParams;
    let (n, c, hw) = (8, 12, 20);
    let mut rng = Rng::new(11);
    let mut normal = |len: usize| (0..len).map(|_| rng.normal()).collect::<Vec<f32>>();
    let mut params = ParamStore::new();
    let gamma = params.add("g", &[c], normal(c));
    let beta = params.add("b", &[c], normal(c));
    let running_mean = params.add_buffer("rm", &[c], normal(c));
    let running_var = params.add_buffer("rv", &[c], vec![1.5; c]);
    let p = BatchNormParams { gamma, beta, running_mean, running_var, momentum: 0.1, eps: 1e-5 };
    let mut tape = Tape::new();
    if threads > 1 {
        tape.set_parallel(Some(Box::leak(Box::new(StdThreads(threads)))));
    }
    let xv = tape.input_with_grad(depthlab_core::Tensor::from_vec(&[n, c, hw, hw], normal(n * c * hw * hw)));
    let mode = if train { depthlab_core::Mode::Train } else { depthlab_core::Mode::Eval };
    let y = tape.batch_norm_act(&mut params, xv, p, mode, relu);
    let out = tape.value(y).data().to_vec();
    let dy = normal(out.len());
    tape.backward_from(y, &dy, &mut params);
    [
        &out[..],
        tape.grad(xv),
        params.grad(gamma),
        params.grad(beta),
        params.buffer(running_mean),
        params.buffer(running_var),
    ]
    .iter()
    .map(|v| bits(v))
    .collect()
}

#[test]
fn threads_keep_batch_norm_bit_identical() {
    for (train, relu) in [(true, true), (true, false), (false, false)] {
        let one = run_bn(train, relu, 1);
        for t in [2, 3, 5] {
            assert_eq!(one, run_bn(train, relu, t), "batch norm (train {train}, relu {relu}), {t} threads");
        }
    }
}

/// A linear layer large enough that its GEMMs split by rows (37 rows: a ragged last panel).
fn run_linear(relu: bool, threads: usize) -> Vec<Vec<u32>> {
    let (batch, fan_in, out) = (37, 300, 200);
    let mut rng = Rng::new(13);
    let mut normal = |len: usize| (0..len).map(|_| rng.normal()).collect::<Vec<f32>>();
    let mut params = ParamStore::new();
    let w = params.add("w", &[out, fan_in], normal(out * fan_in));
    let b = params.add("b", &[out], normal(out));
    let mut tape = Tape::new();
    if threads > 1 {
        tape.set_parallel(Some(Box::leak(Box::new(StdThreads(threads)))));
    }
    let xv = tape.input_with_grad(depthlab_core::Tensor::from_vec(&[batch, fan_in], normal(batch * fan_in)));
    let y = tape.linear_act(&params, xv, w, Some(b), relu);
    let out_v = tape.value(y).data().to_vec();
    let dy = normal(out_v.len());
    tape.backward_from(y, &dy, &mut params);
    [&out_v[..], tape.grad(xv), params.grad(w), params.grad(b)].iter().map(|v| bits(v)).collect()
}

#[test]
fn threads_keep_linear_layers_bit_identical() {
    for relu in [false, true] {
        let one = run_linear(relu, 1);
        for t in [2, 3, 5] {
            assert_eq!(one, run_linear(relu, t), "linear (relu {relu}), {t} threads");
        }
    }
}

/// Values with the cases where a vector lane and a scalar tail could disagree if an op's lanes
/// were not defined by its scalar reference: −0 and NaN.
fn awkward(rng: &mut Rng, len: usize) -> Vec<f32> {
    (0..len)
        .map(|i| match i % 7 {
            0 => -0.0,
            1 => f32::NAN,
            _ => rng.normal(),
        })
        .collect()
}

/// The elementwise ops (activations, the residual sum with and without its fused ReLU, the
/// ReLU mask of a fused op's backward), on more values than one thread takes and a length off
/// every vector width: forward and backward.
fn run_elementwise(threads: usize) -> Vec<Vec<u32>> {
    use depthlab_core::ops::activation::Activation;
    let len = 3 * depthlab_core::parallel::MIN_PARALLEL_WORK + 1001;
    let mut rng = Rng::new(17);
    let mut tape = Tape::new();
    if threads > 1 {
        tape.set_parallel(Some(Box::leak(Box::new(StdThreads(threads)))));
    }
    let shape = [1, 1, 1, len];
    let a = tape.input_with_grad(depthlab_core::Tensor::from_vec(&shape, awkward(&mut rng, len)));
    let b = tape.input_with_grad(depthlab_core::Tensor::from_vec(&shape, awkward(&mut rng, len)));
    let mut outs = vec![tape.add_act(a, b, true), tape.add(a, b), tape.add_act(a, a, true)];
    for act in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        outs.push(tape.activation(a, act));
    }
    let mut params = ParamStore::new();
    let mut result: Vec<Vec<u32>> = outs.iter().map(|&v| bits(tape.value(v).data())).collect();
    for &v in &outs {
        let dy = awkward(&mut rng, len);
        tape.backward_from(v, &dy, &mut params);
    }
    result.push(bits(tape.grad(a)));
    result.push(bits(tape.grad(b)));
    result
}

#[test]
fn threads_keep_elementwise_ops_bit_identical() {
    let one = run_elementwise(1);
    for t in [2, 3, 5] {
        assert_eq!(one, run_elementwise(t), "elementwise ops, {t} threads");
    }
}

/// `add_act(a, b, true)` is `relu(add(a, b))`, forward and backward, bit for bit.
#[test]
fn fused_residual_relu_equals_add_then_relu() {
    let len = 5000;
    let mut rng = Rng::new(19);
    let (av, bv, dy) = (awkward(&mut rng, len), awkward(&mut rng, len), awkward(&mut rng, len));
    let dy: Vec<f32> = dy.iter().map(|d| if d.is_nan() { 1.0 } else { *d }).collect();
    let run = |fused: bool| {
        let mut tape = Tape::new();
        let a = tape.input_with_grad(depthlab_core::Tensor::from_vec(&[1, len], av.clone()));
        let b = tape.input_with_grad(depthlab_core::Tensor::from_vec(&[1, len], bv.clone()));
        let y = if fused {
            tape.add_act(a, b, true)
        } else {
            let s = tape.add(a, b);
            tape.relu(s)
        };
        tape.backward_from(y, &dy, &mut ParamStore::new());
        [bits(tape.value(y).data()), bits(tape.grad(a)), bits(tape.grad(b))]
    };
    assert_eq!(run(true), run(false));
}

/// ResNet option A's shortcut (subsample, zero-pad the channels) on threads: the same bits as on
/// one thread, forward and backward, both for the first gradient contribution (assigned) and a
/// later one (added), on a tape whose recycled buffers hold earlier steps' values.
#[test]
fn threads_keep_the_pad_shortcut_bit_identical() {
    let (n, c, hw) = (8, 8, 32);
    let run = |threads: usize| {
        let mut rng = Rng::new(23);
        let mut tape = Tape::new();
        if threads > 1 {
            tape.set_parallel(Some(Box::leak(Box::new(StdThreads(threads)))));
        }
        let mut out = Vec::new();
        for round in 0..3 {
            tape.reset();
            let xv: Vec<f32> = (0..n * c * hw * hw).map(|_| rng.normal()).collect();
            let x = tape.input_with_grad(depthlab_core::Tensor::from_vec(&[n, c, hw, hw], xv.clone()));
            if round == 0 {
                // Leaves the tape's pool with buffers full of non-zero values.
                let s = tape.add(x, x);
                let dy: Vec<f32> = (0..tape.value(s).len()).map(|_| rng.normal()).collect();
                tape.backward_from(s, &dy, &mut ParamStore::new());
                continue;
            }
            let a = tape.pad_shortcut(x, 2 * c, 2);
            let b = tape.pad_shortcut(x, 2 * c, 2);
            let s = tape.add(a, b);
            let dy: Vec<f32> = (0..tape.value(s).len()).map(|_| rng.normal()).collect();
            tape.backward_from(s, &dy, &mut ParamStore::new());
            // The values themselves: y = x subsampled then zeros; dx = 2·dy at the kept positions.
            let (y, dx, h2) = (tape.value(a).data(), tape.grad(x), hw / 2);
            for i in 0..n {
                for ch in 0..2 * c {
                    for r in 0..h2 {
                        for q in 0..h2 {
                            let at = ((i * 2 * c + ch) * h2 + r) * h2 + q;
                            let want = if ch < c { xv[((i * c + ch) * hw + 2 * r) * hw + 2 * q] } else { 0.0 };
                            assert_eq!(y[at].to_bits(), want.to_bits(), "y at {at}, {threads} threads");
                        }
                    }
                }
                for ch in 0..c {
                    for r in 0..hw {
                        for q in 0..hw {
                            let at = ((i * c + ch) * hw + r) * hw + q;
                            let want = if r % 2 == 0 && q % 2 == 0 {
                                let g = dy[((i * 2 * c + ch) * h2 + r / 2) * h2 + q / 2];
                                g + g
                            } else {
                                0.0
                            };
                            assert_eq!(dx[at].to_bits(), want.to_bits(), "dx at {at}, {threads} threads");
                        }
                    }
                }
            }
            out.push([bits(tape.value(s).data()), bits(dx)]);
        }
        out
    };
    let one = run(1);
    for t in [2, 3] {
        assert_eq!(one, run(t), "pad_shortcut, {t} threads");
    }
}

#[test]
fn all_finite_finds_one_bad_value_anywhere_on_any_thread_count() {
    let len = 100_003; // several pieces and a short last one
    for threads in [1usize, 2, 3] {
        let mut tape = Tape::new();
        if threads > 1 {
            tape.set_parallel(Some(Box::leak(Box::new(StdThreads(threads)))));
        }
        let mut xs: Vec<f32> = (0..len).map(|i| (i as f32 - 5e4) * 1e30).collect();
        assert!(tape.all_finite(&xs), "{threads} threads: all finite");
        assert!(tape.all_finite(&[]), "empty");
        for at in [0, 16_383, 16_384, 70_000, len - 1] {
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                let keep = xs[at];
                xs[at] = bad;
                assert!(!tape.all_finite(&xs), "{threads} threads: {bad} at {at}");
                xs[at] = keep;
            }
        }
        // The largest finite values stay finite (x·0 is ±0 for them).
        xs[9] = f32::MAX;
        xs[10] = f32::MIN;
        assert!(tape.all_finite(&xs), "{threads} threads: f32::MAX and MIN are finite");
    }
}

#[test]
fn zero_grad_on_threads_zeroes_every_gradient() {
    let mut params = ParamStore::new();
    let a = params.add("a", &[300, 300], vec![1.0; 90_000]);
    let b = params.add("b", &[7], vec![1.0; 7]);
    let mut tape = Tape::new();
    tape.set_parallel(Some(Box::leak(Box::new(StdThreads(3)))));
    params.grad_mut(a).fill(2.5);
    params.grad_mut(b).fill(-1.0);
    params.zero_grad_on(&tape);
    assert!(params.grads().iter().all(|g| g.to_bits() == 0));
}
