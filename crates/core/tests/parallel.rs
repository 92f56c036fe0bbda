//! Convolutions split over threads ([`depthlab_core::parallel`]): outputs and input gradients
//! bit-identical to one thread for any thread count; weight and bias gradients bit-identical
//! for the same thread count, and within rounding of one thread's for another.

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
fn threads_keep_outputs_and_input_gradients_bit_identical() {
    let cases = [
        ("3x3", Conv2dParams::square(6, 8, 3, 1, 1), true),
        ("3x3 stride 2", Conv2dParams::square(6, 8, 3, 2, 1), false),
        ("grouped", Conv2dParams::square(8, 8, 3, 1, 1).with_groups(4), true),
        ("pointwise", Conv2dParams::square(6, 12, 1, 1, 0), false),
    ];
    for (name, p, relu) in cases {
        let one = run(p, 5, 9, relu, 1);
        for t in [2, 3, 5, 8] {
            let many = run(p, 5, 9, relu, t);
            assert_eq!(bits(&one.y), bits(&many.y), "{name}, {t} threads: outputs differ");
            assert_eq!(bits(&one.dx), bits(&many.dx), "{name}, {t} threads: input gradients differ");
            assert_eq!(bits(&one.db), bits(&many.db), "{name}, {t} threads: bias gradients differ");
            let again = run(p, 5, 9, relu, t);
            assert_eq!(bits(&many.dw), bits(&again.dw), "{name}, {t} threads: weight gradient not reproducible");
            for (i, (a, b)) in one.dw.iter().zip(&many.dw).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-5 * (1.0 + a.abs()),
                    "{name}, {t} threads: dW[{i}] {b} vs {a} on one thread"
                );
            }
        }
    }
}
