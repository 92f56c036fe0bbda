//! The memory estimate (`depthlab_nn::memory`) against the real peak heap of training: a
//! counting global allocator records the highest number of live bytes while a trainer of each
//! family is built, recalibrated, evaluated and takes training steps; the estimate must be at
//! least that (so a configuration it accepts fits) and at most four times it (so it does not
//! refuse what would fit). Some cases train on several threads, each with its own scratch.
#![cfg(not(target_arch = "wasm32"))]

use depthlab_nn::models::Preset;
use depthlab_nn::train::PIXELS;
use depthlab_nn::{ModelConfig, TrainConfig, Trainer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Peak;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: forwards to the system allocator; only counts live bytes.
unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        grew(l.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if n >= l.size() {
            grew(n - l.size());
        } else {
            LIVE.fetch_sub(l.size() - n, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

/// Peak bytes above what was live before, for building, evaluating and training `cfg` on
/// `pool`'s threads (None: one thread).
fn measured(cfg: &TrainConfig, pool: Option<&'static dyn depthlab_core::parallel::Parallel>) -> usize {
    let b = cfg.batch_size;
    let x: Vec<f32> = (0..b * PIXELS).map(|i| ((i * 7919) % 255) as f32 / 255.0).collect();
    let y: Vec<u8> = (0..b).map(|i| (i % 10) as u8).collect();
    let test: Vec<f32> = (0..200 * PIXELS).map(|i| ((i * 31) % 97) as f32 / 97.0).collect();
    let test_y: Vec<u8> = (0..200).map(|i| (i % 10) as u8).collect();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    {
        let mut t = Trainer::new(cfg.clone(), 1).unwrap();
        t.set_parallel(pool);
        for _ in 0..2 {
            t.train_step(&x, &y).unwrap();
        }
        t.calibrate_batch_norm(&test).unwrap();
        t.evaluate(&test, &test_y).unwrap();
        t.train_step(&x, &y).unwrap();
    }
    PEAK.load(Ordering::Relaxed) - base
}

/// One test so the global counters are never shared between threads running concurrently.
#[test]
fn the_estimate_bounds_the_real_peak_of_every_family() {
    let cases = [
        (Preset::Lenet5, 0, 256, 1),
        (Preset::AlexnetMini, 0, 32, 1),
        (Preset::AlexnetMini, 0, 8, 8),
        (Preset::AlexnetMini, 0, 16, 16),
        (Preset::VggMini, 0, 32, 1),
        (Preset::VggMini, 0, 8, 8),
        (Preset::Plain, 20, 32, 1),
        (Preset::Resnet, 20, 64, 1),
        (Preset::Resnet, 20, 16, 4),
        (Preset::Resnet, 56, 16, 1),
        (Preset::ResnetV2, 20, 32, 1),
        (Preset::BottleneckResnet, 20, 32, 1),
        (Preset::Highway, 20, 32, 1),
        (Preset::Highway, 20, 128, 1),
        (Preset::Resnet, 20, 256, 1),
        (Preset::Resnext, 11, 16, 1),
        (Preset::Inception, 0, 16, 1),
        (Preset::Inception, 0, 16, 4),
    ];
    for (preset, depth, batch, threads) in cases {
        let mut model = ModelConfig { preset, ..Default::default() };
        if depth > 0 {
            model.depth = depth;
        }
        let cfg = TrainConfig { model, batch_size: batch, ..Default::default() };
        // The pool's own allocations come before the measurement (a worker's pool exists first).
        let pool = (threads > 1).then(|| {
            depthlab_core::parallel::RayonPool::leaked(threads).unwrap() as &dyn depthlab_core::parallel::Parallel
        });
        let spec = cfg.model_spec().unwrap();
        // The cost table is a dry build: the rows of a real build, without its parameters'
        // memory (so a model is judged before it is allocated).
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let rows = depthlab_nn::spec::cost_table(&spec).unwrap();
        let dry_peak = PEAK.load(Ordering::Relaxed) - base;
        let mut params = depthlab_core::ParamStore::new();
        let (_, built) = depthlab_nn::spec::build(&spec, &mut params, &mut depthlab_core::Rng::new(1)).unwrap();
        assert_eq!(rows, built, "{}: the cost table differs from a real build's", spec.name);
        let param_bytes = params.len() * 4;
        assert!(
            dry_peak < param_bytes / 4 + 64 * 1024,
            "{}: the cost table allocated {dry_peak} bytes for {param_bytes} bytes of parameters",
            spec.name
        );
        drop(params);
        let est = depthlab_nn::memory::estimate(&rows, batch, cfg.optimizer, threads).total as usize;
        let real = measured(&cfg, pool);
        // The estimate's fixed part for the digits a worker holds is not allocated here.
        let est_model = est - depthlab_nn::memory::RUNTIME as usize;
        println!(
            "{:<28} batch {batch:>4}, {threads} thread(s): peak {:>8.1} MiB, estimate {:>8.1} MiB ({:.2}×)",
            spec.name,
            real as f64 / 1048576.0,
            est_model as f64 / 1048576.0,
            est_model as f64 / real as f64
        );
        assert!(est_model >= real, "{}: estimate {est_model} below the real peak {real}", spec.name);
        assert!(est_model <= 4 * real, "{}: estimate {est_model} more than 4× the real peak {real}", spec.name);
    }
}
