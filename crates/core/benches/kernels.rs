//! Criterion benchmarks of the core kernels (prints GFLOP/s-able timings; never asserts).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use depthlab_core::kernels::gemm::{gemm, gemm_f32x4, Gemm, GemmScratch, MatRef};
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
            bch.iter(|| {
                gemm(
                    Gemm {
                        m,
                        n,
                        k,
                        alpha: 1.0,
                        a: MatRef::row_major(&a, k),
                        b: MatRef::row_major(&b, n),
                        beta: 0.0,
                        ldc: n,
                    },
                    &mut cm,
                    &mut s,
                )
            })
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
            gemm_f32x4(
                Gemm {
                    m,
                    n,
                    k,
                    alpha: 1.0,
                    a: MatRef::row_major(&a, k),
                    b: MatRef::row_major(&b, n),
                    beta: 0.0,
                    ldc: n,
                },
                &mut cm,
                &mut s,
            )
        })
    });
    g.finish();
    // Opt-in fused multiply-add (AVX2+FMA where the CPU has it; rounds once per step).
    let mut g = c.benchmark_group("gemm_fused");
    depthlab_core::simd::set_fused_multiply_add(true);
    eprintln!("fused GEMM backend: {}", depthlab_core::simd::gemm_backend());
    g.throughput(Throughput::Elements((2 * m * n * k) as u64));
    g.bench_function("256x256x256", |bch| {
        bch.iter(|| {
            gemm(
                Gemm {
                    m,
                    n,
                    k,
                    alpha: 1.0,
                    a: MatRef::row_major(&a, k),
                    b: MatRef::row_major(&b, n),
                    beta: 0.0,
                    ldc: n,
                },
                &mut cm,
                &mut s,
            )
        })
    });
    // ResNet-20's Winograd products, one position each (m = out channels, n = tiles of the
    // images per product, k = in channels), and a weight-gradient one (`A·Bᵀ`, k = tiles).
    for &(m, n, k, bt) in &[(64, 128, 64, false), (32, 294, 32, false), (16, 245, 16, false), (64, 64, 64, true)] {
        let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let mut cm = vec![0.0; m * n];
        let bm = if bt { MatRef::transposed(&b, k) } else { MatRef::row_major(&b, n) };
        g.throughput(Throughput::Elements((2 * m * n * k) as u64));
        let name = format!("{m}x{n}x{k}{}", if bt { "_bt" } else { "" });
        g.bench_function(name, |bch| {
            bch.iter(|| gemm(Gemm::new(m, n, k, MatRef::row_major(&a, k), bm), &mut cm, &mut s))
        });
    }
    depthlab_core::simd::set_fused_multiply_add(false);
    g.finish();
}

/// One conv layer forward + backward (input gradient included), batch 16: a ResNet stage-1
/// conv, a ResNeXt grouped conv, and a depthwise conv. Throughput in multiply-adds × 3.
fn bench_conv(c: &mut Criterion) {
    use depthlab_core::{Conv2dParams, ParamStore, Tape, Tensor};
    let mut g = c.benchmark_group("conv_fwd_bwd");
    let mut rng = Rng::new(3);
    for (name, p) in [
        ("16to16_3x3", Conv2dParams::square(16, 16, 3, 1, 1)),
        ("16to16_3x3_groups4", Conv2dParams::square(16, 16, 3, 1, 1).with_groups(4)),
        ("64_depthwise_3x3", Conv2dParams::square(64, 64, 3, 1, 1).with_groups(64)),
    ] {
        let n = 16;
        let mut ps = ParamStore::new();
        let w = ps.add(
            "w",
            &[p.out_channels, p.in_channels / p.groups, 3, 3],
            (0..p.weight_len()).map(|_| rng.uniform(-0.1, 0.1)).collect(),
        );
        let x = Tensor::from_vec(
            &[n, p.in_channels, 28, 28],
            (0..n * p.in_channels * 784).map(|_| rng.uniform(-1.0, 1.0)).collect(),
        );
        let mut t = Tape::new();
        g.throughput(Throughput::Elements(3 * 2 * n as u64 * p.macs(28, 28)));
        g.bench_function(name, |b| {
            b.iter(|| {
                t.reset();
                let xv = t.input_with_grad(x.clone());
                let y = t.conv2d(&ps, xv, w, None, p);
                let dy = vec![1e-3; t.value(y).len()];
                t.backward_from(y, &dy, &mut ps);
            })
        });
    }
    g.finish();
}

/// The parts of one image's 3×3 convolution (ResNet-20 stage 1: 16 → 16 channels, 28×28), to
/// see where a convolution's time goes: im2col, the forward GEMM, the weight-gradient GEMM,
/// the input-gradient GEMM and col2im. Throughput in flops (multiply-adds × 2) or elements.
fn bench_conv_parts(c: &mut Criterion) {
    use depthlab_core::kernels::conv::{col2im_add, im2col};
    use depthlab_core::Conv2dParams;
    let mut g = c.benchmark_group("conv_parts_16to16_28x28");
    let mut rng = Rng::new(4);
    let p = Conv2dParams::square(16, 16, 3, 1, 1);
    let (h, w, hw, k, o) = (28, 28, 784, p.patch_len(), 16);
    let x: Vec<f32> = (0..16 * hw).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let wt: Vec<f32> = (0..p.weight_len()).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let dy: Vec<f32> = (0..o * hw).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let mut col = vec![0.0; k * hw];
    im2col(&x, h, w, &p, &mut col, &mut Vec::new());
    let mut s = GemmScratch::new();
    g.throughput(Throughput::Elements((k * hw) as u64));
    let mut padded = Vec::new();
    g.bench_function("im2col", |b| b.iter(|| im2col(&x, h, w, &p, &mut col, &mut padded)));
    let mut dx = vec![0.0; 16 * hw];
    g.bench_function("col2im_add", |b| b.iter(|| col2im_add(&col, h, w, &p, &mut dx)));
    g.throughput(Throughput::Elements((2 * o * hw * k) as u64));
    let mut y = vec![0.0; o * hw];
    g.bench_function("gemm_forward_16x784x144", |b| {
        b.iter(|| gemm(Gemm::new(o, hw, k, MatRef::row_major(&wt, k), MatRef::row_major(&col, hw)), &mut y, &mut s))
    });
    let mut dw = vec![0.0; o * k];
    g.bench_function("gemm_dweight_16x144x784", |b| {
        b.iter(|| {
            let gm = Gemm::new(o, k, hw, MatRef::row_major(&dy, hw), MatRef::transposed(&col, hw));
            gemm(gm.beta(1.0), &mut dw, &mut s)
        })
    });
    let mut dcol = vec![0.0; k * hw];
    g.bench_function("gemm_dcol_144x784x16", |b| {
        b.iter(|| gemm(Gemm::new(k, hw, o, MatRef::transposed(&wt, k), MatRef::row_major(&dy, hw)), &mut dcol, &mut s))
    });
    g.finish();
}

/// One image of each ResNet-20 3×3 stride-1 layer shape (MNIST: 16 channels at 28×28, 32 at
/// 14×14, 64 at 7×7), forward and backward (dW + dx), by im2col + GEMM and by Winograd
/// F(2×2, 3×3): the measurement behind `winograd::pays`.
fn bench_conv3x3_paths(c: &mut Criterion) {
    use depthlab_core::kernels::conv::{col2im_add, im2col};
    use depthlab_core::kernels::winograd::{self as wg, Geometry, WinogradScratch};
    use depthlab_core::Conv2dParams;
    let mut g = c.benchmark_group("conv3x3_paths");
    let mut rng = Rng::new(6);
    for &(ch, side) in &[(16usize, 28usize), (32, 14), (64, 7)] {
        let p = Conv2dParams::square(ch, ch, 3, 1, 1);
        let (hw, k, o) = (side * side, p.patch_len(), ch);
        let x: Vec<f32> = (0..ch * hw).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let wt: Vec<f32> = (0..p.weight_len()).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let dy: Vec<f32> = (0..o * hw).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let (mut col, mut dcol) = (vec![0.0; k * hw], vec![0.0; k * hw]);
        let (mut y, mut dx, mut dw) = (vec![0.0; o * hw], vec![0.0; ch * hw], vec![0.0; o * k]);
        let mut s = GemmScratch::new();
        let mut padded = Vec::new();
        g.throughput(Throughput::Elements((2 * o * hw * k) as u64));
        let id = |what: &str| BenchmarkId::new(what, format!("{ch}ch_{side}x{side}"));
        g.bench_function(id("im2col_forward"), |b| {
            b.iter(|| {
                im2col(&x, side, side, &p, &mut col, &mut padded);
                gemm(Gemm::new(o, hw, k, MatRef::row_major(&wt, k), MatRef::row_major(&col, hw)), &mut y, &mut s)
            })
        });
        let geo = Geometry::forward(&p, side, side).unwrap();
        let mut u = vec![0.0; wg::POSITIONS * o * ch];
        let mut ws = WinogradScratch::default();
        // Kernels are transformed once per batch, not per image: outside the timed loop.
        wg::transform_weights(&wt, o, ch, false, &mut u);
        let mut uf = vec![0.0; wg::POSITIONS * o * ch];
        wg::transform_weights(&wt, o, ch, true, &mut uf);
        // As the tape runs it: a few images per product (`images_per_gemm`); timed per image.
        let per = wg::images_per_gemm(&geo, 64);
        let xs: Vec<f32> = (0..per).flat_map(|_| x.iter().copied()).collect();
        let dys: Vec<f32> = (0..per).flat_map(|_| dy.iter().copied()).collect();
        let (mut ys, mut dxs) = (vec![0.0; per * o * hw], vec![0.0; per * ch * hw]);
        // Throughput in the direct convolution's FLOPs, so the rates compare; Winograd's
        // iterations cover `per` images.
        g.throughput(Throughput::Elements((per * 2 * o * hw * k) as u64));
        g.bench_function(id("winograd_forward"), |b| {
            b.iter(|| wg::convolve_images(&xs, per, &u, geo, None, false, &mut ys, &mut ws, &mut s))
        });
        {
            use depthlab_core::kernels::winograd4 as w4;
            let mut u4 = vec![0.0; w4::POSITIONS * o * ch];
            w4::transform_weights(&wt, o, ch, false, &mut u4);
            let mut u4f = vec![0.0; w4::POSITIONS * o * ch];
            w4::transform_weights(&wt, o, ch, true, &mut u4f);
            let mut ws4 = WinogradScratch::default();
            let per4 = w4::images_per_gemm(&geo, 64);
            let xs4: Vec<f32> = (0..per4).flat_map(|_| x.iter().copied()).collect();
            let dys4: Vec<f32> = (0..per4).flat_map(|_| dy.iter().copied()).collect();
            let (mut ys4, mut dxs4) = (vec![0.0; per4 * o * hw], vec![0.0; per4 * ch * hw]);
            g.throughput(Throughput::Elements((per4 * 2 * o * hw * k) as u64));
            g.bench_function(id("winograd4_forward"), |b| {
                b.iter(|| w4::convolve_images(&xs4, per4, &u4, geo, None, false, &mut ys4, &mut ws4, &mut s))
            });
            g.bench_function(id("winograd4_input_grad"), |b| {
                b.iter(|| {
                    w4::convolve_images(
                        &dys4,
                        per4,
                        &u4f,
                        geo.input_gradient(),
                        None,
                        true,
                        &mut dxs4,
                        &mut ws4,
                        &mut s,
                    )
                })
            });
        }
        g.throughput(Throughput::Elements((2 * o * hw * k) as u64));
        g.bench_function(id("im2col_weight_grad"), |b| {
            b.iter(|| {
                im2col(&x, side, side, &p, &mut col, &mut padded);
                let gm = Gemm::new(o, k, hw, MatRef::row_major(&dy, hw), MatRef::transposed(&col, hw));
                gemm(gm.beta(1.0), &mut dw, &mut s)
            })
        });
        g.bench_function(id("im2col_input_grad"), |b| {
            b.iter(|| {
                gemm(Gemm::new(k, hw, o, MatRef::transposed(&wt, k), MatRef::row_major(&dy, hw)), &mut dcol, &mut s);
                col2im_add(&dcol, side, side, &p, &mut dx)
            })
        });
        g.throughput(Throughput::Elements((per * 2 * o * hw * k) as u64));
        g.bench_function(id("winograd_weight_grad"), |b| {
            b.iter(|| {
                wg::weight_gradient_images(&xs, &dys, per, geo, true, &mut ws, &mut s);
                wg::finish_weight_gradient(&ws.du, o, ch, &mut dw)
            })
        });
        g.bench_function(id("winograd_input_grad"), |b| {
            b.iter(|| wg::convolve_images(&dys, per, &uf, geo.input_gradient(), None, true, &mut dxs, &mut ws, &mut s))
        });
    }
    g.finish();
}

/// Weight-gradient shapes (`C = A·Bᵀ`, both contiguous along k: m output channels, n patch
/// values, k positions) by the blocked GEMM and by dot products: the measurement behind
/// `dot::pays`.
fn bench_dot_vs_gemm(c: &mut Criterion) {
    use depthlab_core::kernels::dot::{dot_gemm, pays};
    let mut g = c.benchmark_group("dot_vs_gemm");
    let mut rng = Rng::new(8);
    for (m, n, k) in [(6, 25, 784), (4, 100, 400), (16, 25, 784), (16, 48, 256), (16, 75, 196), (16, 150, 100)] {
        let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let b: Vec<f32> = (0..n * k).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let mut out = vec![0.0; m * n];
        let mut s = GemmScratch::new();
        let gm = Gemm::new(m, n, k, MatRef::row_major(&a, k), MatRef::transposed(&b, k)).beta(1.0);
        g.throughput(Throughput::Elements((2 * m * n * k) as u64));
        let shape = format!("{m}x{n}x{k}{}", if pays(m, n, k) { "_dot_pays" } else { "" });
        g.bench_function(BenchmarkId::new("gemm", &shape), |bch| bch.iter(|| gemm(gm, &mut out, &mut s)));
        g.bench_function(BenchmarkId::new("dot", &shape), |bch| bch.iter(|| dot_gemm(gm, &mut out)));
    }
    g.finish();
}

criterion_group!(benches, bench_gemm, bench_conv, bench_conv_parts, bench_conv3x3_paths, bench_dot_vs_gemm);
criterion_main!(benches);
