//! GEMM tests: every transpose and odd shape against the naive loop, SIMD against scalar.

use super::*;
use crate::rng::Rng;
use alloc::vec;
use wasm_bindgen_test::wasm_bindgen_test;

fn rand_vec(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

/// Every transpose case on odd sizes that cross MR/NR/KC edges, against the naive loop.
#[wasm_bindgen_test(unsupported = test)]
fn matches_naive_on_odd_shapes_all_transposes() {
    let mut rng = Rng::new(7);
    let mut scratch = GemmScratch::new();
    for &(m, n, k) in &[(1, 1, 1), (3, 5, 7), (4, 8, 1), (13, 17, 9), (6, 25, 784), (33, 70, 300), (65, 9, 257)] {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = rand_vec(&mut rng, m * k);
            let b = rand_vec(&mut rng, k * n);
            let am = if ta { MatRef::transposed(&a, m) } else { MatRef::row_major(&a, k) };
            let bm = if tb { MatRef::transposed(&b, k) } else { MatRef::row_major(&b, n) };
            let c0 = rand_vec(&mut rng, m * n);
            let (mut c1, mut c2) = (c0.clone(), c0.clone());
            gemm(Gemm { m, n, k, alpha: 0.5, a: am, b: bm, beta: 2.0, ldc: n }, &mut c1, &mut scratch);
            gemm_naive(Gemm { m, n, k, alpha: 0.5, a: am, b: bm, beta: 2.0, ldc: n }, &mut c2);
            // The 4-lane kernel (what wasm runs) on the same problem, also on x86 hosts.
            let mut c3 = c0.clone();
            gemm_scalar(Gemm { m, n, k, alpha: 0.5, a: am, b: bm, beta: 2.0, ldc: n }, &mut c3, &mut scratch);
            for (x, y) in c3.iter().zip(&c2) {
                assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "4 lanes {m}x{n}x{k} t=({ta},{tb}): {x} vs {y}");
            }
            for (x, y) in c1.iter().zip(&c2) {
                assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{m}x{n}x{k} t=({ta},{tb}): {x} vs {y}");
            }
        }
    }
}

/// The SIMD backend and the scalar lanes run the same algorithm: results are bit-equal.
#[wasm_bindgen_test(unsupported = test)]
fn simd_is_bit_identical_to_scalar_lanes() {
    let mut rng = Rng::new(11);
    let mut s = GemmScratch::new();
    for &(m, n, k) in &[(5, 11, 3), (19, 23, 29), (7, 100, 513)] {
        let a = rand_vec(&mut rng, m * k);
        let b = rand_vec(&mut rng, k * n);
        let mut c1 = rand_vec(&mut rng, m * n);
        let mut c2 = c1.clone();
        let (am, bm) = (MatRef::row_major(&a, k), MatRef::transposed(&b, k));
        gemm(Gemm { m, n, k, alpha: 1.0, a: am, b: bm, beta: 1.0, ldc: n }, &mut c1, &mut s);
        gemm_scalar(Gemm { m, n, k, alpha: 1.0, a: am, b: bm, beta: 1.0, ldc: n }, &mut c2, &mut s);
        assert_eq!(c1, c2);
    }
}

/// beta = 0 must ignore whatever C held, NaN included; k = 0 scales C by beta.
#[wasm_bindgen_test(unsupported = test)]
fn beta_zero_ignores_garbage_and_k_zero_scales() {
    let a = vec![1.0, 2.0];
    let b = vec![3.0, 4.0];
    let mut c = vec![f32::NAN; 4];
    let mut s = GemmScratch::new();
    // [1,2]^T [3,4] = [[3,4],[6,8]]
    gemm(
        Gemm {
            m: 2,
            n: 2,
            k: 1,
            alpha: 1.0,
            a: MatRef::row_major(&a, 1),
            b: MatRef::row_major(&b, 2),
            beta: 0.0,
            ldc: 2,
        },
        &mut c,
        &mut s,
    );
    assert_eq!(c, vec![3.0, 4.0, 6.0, 8.0]);
    gemm(
        Gemm {
            m: 2,
            n: 2,
            k: 0,
            alpha: 1.0,
            a: MatRef::row_major(&a, 0),
            b: MatRef::row_major(&b, 2),
            beta: 0.5,
            ldc: 2,
        },
        &mut c,
        &mut s,
    );
    assert_eq!(c, vec![1.5, 2.0, 3.0, 4.0]);
}

#[wasm_bindgen_test(unsupported = test)]
fn simd_backend_is_on_where_expected() {
    // black_box: the backend is a compile-time constant; the point is to fail a build
    // that lost `+simd128` (an exported RUSTFLAGS replaces .cargo/config.toml's).
    let backend = core::hint::black_box(crate::simd::BACKEND);
    #[cfg(any(target_arch = "x86_64", target_arch = "wasm32"))]
    assert_ne!(backend, "scalar", "SIMD is off in this build");
    let _ = backend;
}
