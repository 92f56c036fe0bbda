//! Criterion benchmarks of the core kernels (prints GFLOP/s-able timings; never asserts).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use depthlab_core::kernels::gemm::{gemm, gemm_f32x4, GemmScratch, MatRef};
use depthlab_core::Rng;

fn bench_gemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm");
    let mut rng = Rng::new(1);
    // (m, n, k): square 256, then LeNet-5 shapes (conv1 fwd, conv2 fwd, fc1 fwd batch 64).
    for &(m, n, k) in &[(256, 256, 256), (6, 784, 25), (16, 100, 150), (64, 120, 400)] {
        let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let mut cm = vec![0.0; m * n];
        let mut s = GemmScratch::new();
        g.throughput(Throughput::Elements((2 * m * n * k) as u64));
        g.bench_with_input(BenchmarkId::from_parameter(format!("{m}x{n}x{k}")), &(), |bch, _| {
            bch.iter(|| gemm(m, n, k, 1.0, MatRef::row_major(&a, k), MatRef::row_major(&b, n), 0.0, &mut cm, n, &mut s))
        });
    }
    g.finish();
    // The 4-lane kernel alone: what the wasm simd128 build runs (here on SSE2).
    let mut g = c.benchmark_group("gemm_f32x4");
    let (m, n, k) = (256, 256, 256);
    let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let b: Vec<f32> = (0..k * n).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let mut cm = vec![0.0; m * n];
    let mut s = GemmScratch::new();
    g.throughput(Throughput::Elements((2 * m * n * k) as u64));
    g.bench_function("256x256x256", |bch| {
        bch.iter(|| {
            gemm_f32x4(m, n, k, 1.0, MatRef::row_major(&a, k), MatRef::row_major(&b, n), 0.0, &mut cm, n, &mut s)
        })
    });
    g.finish();
    // Opt-in fused multiply-add (AVX2+FMA where the CPU has it; rounds once per step).
    let mut g = c.benchmark_group("gemm_fused");
    depthlab_core::simd::set_fused_multiply_add(true);
    eprintln!("fused GEMM backend: {}", depthlab_core::simd::gemm_backend());
    g.throughput(Throughput::Elements((2 * m * n * k) as u64));
    g.bench_function("256x256x256", |bch| {
        bch.iter(|| gemm(m, n, k, 1.0, MatRef::row_major(&a, k), MatRef::row_major(&b, n), 0.0, &mut cm, n, &mut s))
    });
    depthlab_core::simd::set_fused_multiply_add(false);
    g.finish();
}

criterion_group!(benches, bench_gemm);
criterion_main!(benches);
