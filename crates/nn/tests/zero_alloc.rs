//! A steady-state training step must not touch the heap: a counting global allocator records
//! every allocation while the step runs (after warm-up steps have sized every buffer).
#![cfg(not(target_arch = "wasm32"))]

use depthlab_nn::models::Preset;
use depthlab_nn::{ModelConfig, TrainConfig, Trainer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations of each of five steady-state steps (every one must be 0: an average would
/// hide a step that allocates now and then).
fn allocations_per_step(model: Preset, depth: Option<usize>) -> Vec<usize> {
    let model = ModelConfig { preset: model, depth: depth.unwrap_or(20), ..Default::default() };
    let cfg = TrainConfig { model, batch_size: 16, ..Default::default() };
    let mut t = Trainer::new(cfg, 3).unwrap();
    let x: Vec<f32> = (0..16 * 784).map(|i| ((i * 7919) % 255) as f32 / 255.0).collect();
    let y: Vec<u8> = (0..16).map(|i| (i % 10) as u8).collect();
    for _ in 0..3 {
        t.train_step(&x, &y).unwrap();
    }
    (0..5)
        .map(|_| {
            ALLOCS.store(0, Ordering::Relaxed);
            COUNTING.store(true, Ordering::Relaxed);
            t.train_step(&x, &y).unwrap();
            COUNTING.store(false, Ordering::Relaxed);
            ALLOCS.load(Ordering::Relaxed)
        })
        .collect()
}

/// One test so the global counter is never shared between threads running concurrently.
#[test]
fn steady_state_training_steps_do_not_allocate() {
    for (model, depth) in [
        (Preset::Lenet5, None),
        (Preset::Resnet, Some(8)),
        (Preset::Resnext, Some(11)),
        (Preset::Inception, None),
        (Preset::Highway, Some(8)),
    ] {
        let n = allocations_per_step(model, depth);
        assert!(n.iter().all(|&k| k == 0), "{model:?}: heap allocations in steady-state steps: {n:?}");
    }
}
