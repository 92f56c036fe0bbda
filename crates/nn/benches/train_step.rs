//! Criterion benchmarks of one training step (batch 64, Adam) on real digits: LeNet-5,
//! ResNet-20 and a ResNeXt block stack, ResNet-20 with the probes on and off, and ResNet-20 and
//! LeNet-5 on 1 and 2 threads (rayon, as the CLI's `--threads`), with the plain and the fused
//! (`--fma`) GEMM. Prints timings (samples/s = 64 / time); never asserts.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use depthlab_nn::data::Dataset;
use depthlab_nn::models::Preset;
use depthlab_nn::{ModelConfig, TrainConfig, Trainer};

fn digits() -> (Vec<f32>, Vec<u8>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/data");
    let img = std::fs::read(dir.join("train-images-idx3-ubyte.gz")).unwrap();
    let lbl = std::fs::read(dir.join("train-labels-idx1-ubyte.gz")).unwrap();
    let d = Dataset::from_idx(&img, &lbl).unwrap();
    (d.images_f32()[..64 * 784].to_vec(), d.labels()[..64].to_vec())
}

// No step before `bench_function`: criterion's warm-up runs the first steps, and only for the
// benchmarks a filter selects, so a profile of one benchmark holds only its own steps.
fn bench(c: &mut Criterion) {
    let (x, y) = digits();
    let mut g = c.benchmark_group("train_step_b64");
    g.throughput(Throughput::Elements(64));
    g.sample_size(10);
    for (name, model, depth) in [
        ("lenet5", Preset::Lenet5, None),
        ("resnet20", Preset::Resnet, Some(20)),
        ("resnext11", Preset::Resnext, Some(11)),
    ] {
        let model = ModelConfig { preset: model, depth: depth.unwrap_or(20), ..Default::default() };
        let cfg = TrainConfig { model, ..Default::default() };
        let mut t = Trainer::new(cfg, 1).unwrap();
        g.bench_function(name, |b| b.iter(|| t.train_step(&x, &y).unwrap()));
    }
    // The probes' cost: ResNet-20 with statistics at every step (the default) and with them off
    // (divergence checks and the update ratio stay on); more samples, as the difference is small.
    g.sample_size(30);
    let model = ModelConfig { preset: Preset::Resnet, depth: 20, ..Default::default() };
    for (name, every) in [("resnet20_probes_every_step", 1), ("resnet20_probes_off", 0)] {
        let cfg = TrainConfig { model: model.clone(), probe_every: every, ..Default::default() };
        let mut t = Trainer::new(cfg, 1).unwrap();
        g.bench_function(name, |b| b.iter(|| t.train_step(&x, &y).unwrap()));
    }
    g.finish();
    // Threads (`Tape::set_parallel`): the same step on one thread and on two.
    let mut g = c.benchmark_group("train_step_b64_threads");
    g.throughput(Throughput::Elements(64));
    g.sample_size(20);
    // `_fma`: the fused GEMM kernel (the CLI's --fma; AVX2+FMA), as PyTorch's oneDNN uses.
    for (name, preset, probe_every, fma) in [
        ("resnet20", Preset::Resnet, 1, false),
        ("resnet20_probes_off", Preset::Resnet, 0, false),
        ("resnet20_fma", Preset::Resnet, 1, true),
        // What tests/pytorch/speed.py times for PyTorch: no statistics beyond the step itself.
        ("resnet20_fma_probes_off", Preset::Resnet, 0, true),
        ("lenet5", Preset::Lenet5, 1, false),
        ("lenet5_fma", Preset::Lenet5, 1, true),
    ] {
        depthlab_core::simd::set_fused_multiply_add(fma);
        for threads in [1, 2] {
            let model = ModelConfig { preset, depth: 20, ..Default::default() };
            let mut t = Trainer::new(TrainConfig { model, probe_every, ..Default::default() }, 1).unwrap();
            let pool = (threads > 1).then(|| depthlab_core::parallel::RayonPool::leaked(threads).unwrap());
            t.set_parallel(pool.map(|p| p as &dyn depthlab_core::parallel::Parallel));
            // Steps run on a thread of the pool, as the CLI's (see `RayonPool::install`).
            g.bench_function(format!("{name}_{threads}_threads"), |b| match pool {
                Some(p) => b.iter(|| p.install(|| t.train_step(&x, &y).unwrap())),
                None => b.iter(|| t.train_step(&x, &y).unwrap()),
            });
        }
    }
    depthlab_core::simd::set_fused_multiply_add(false);
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
