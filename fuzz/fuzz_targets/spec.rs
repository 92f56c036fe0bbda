//! A run's configuration as JSON (a preset with options, or a full model spec) through
//! validation, the cost table, the memory check and the builder. A configuration is accepted
//! only if it builds and fits: building never allocates more than the memory estimate said,
//! and an accepted small model runs forward to ten finite probabilities.
#![no_main]

use depthlab_fuzz::{peak_of, PeakAlloc};
use depthlab_nn::train::PIXELS;
use depthlab_nn::{TrainConfig, Trainer};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

/// The memory a fuzzed configuration may claim (libFuzzer's own limit is 2 GB).
const LIMIT: u64 = 256 << 20;
/// Models up to this many multiply-accumulates per digit also run one forward pass.
const FORWARD_MACS: u64 = 20_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(config) = serde_json::from_slice::<TrainConfig>(data) else { return };
    let (trainer, peak) = peak_of(|| Trainer::new_within(config.clone(), 7, LIMIT, 1));
    let Ok(mut trainer) = trainer else { return };
    // Accepted: the estimate (which includes activations for a whole batch) covers the build.
    assert!(peak as u64 <= LIMIT, "building took {peak} bytes, past the {LIMIT}-byte limit it was accepted under");
    let macs: u64 = trainer.costs().iter().map(|r| r.macs).sum();
    if macs <= FORWARD_MACS {
        let probs = trainer.predict(&[0.5; PIXELS]).expect("one digit is a valid batch");
        assert!(probs.iter().all(|p| p.is_finite()), "{probs:?}");
    }
});
