//! Seeded epoch ordering: epoch `e` visits the dataset in a permutation drawn from
//! `(seed, e)` alone, so batch `b` of epoch `e` is the same whenever and however it is asked for.

use alloc::vec::Vec;
use depthlab_core::Rng;

/// Splits a dataset of `n` items into shuffled batches.
#[derive(Clone, Debug)]
pub struct Batcher {
    n: usize,
    batch_size: usize,
    seed: u64,
    epoch: Option<u64>,
    order: Vec<u32>,
}

impl Batcher {
    /// Batches of `batch_size` (≥ 1) over `n` items; the last batch of an epoch may be short.
    ///
    /// # Panics
    /// If `batch_size == 0`.
    pub fn new(n: usize, batch_size: usize, seed: u64) -> Self {
        assert!(batch_size > 0, "Batcher: batch size must be at least 1");
        Batcher { n, batch_size, seed, epoch: None, order: Vec::new() }
    }

    /// Batches in one epoch.
    pub fn batches_per_epoch(&self) -> usize {
        self.n.div_ceil(self.batch_size)
    }

    /// Batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Dataset indices of batch `batch` in epoch `epoch` (empty past the end of the epoch).
    pub fn batch(&mut self, epoch: u64, batch: usize) -> &[u32] {
        if self.epoch != Some(epoch) {
            self.order.clear();
            self.order.extend(0..self.n as u32);
            Rng::with_stream(self.seed, epoch).shuffle(&mut self.order);
            self.epoch = Some(epoch);
        }
        let lo = (batch * self.batch_size).min(self.n);
        let hi = (lo + self.batch_size).min(self.n);
        &self.order[lo..hi]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn each_epoch_is_a_permutation_and_reproducible() {
        let mut b = Batcher::new(10, 4, 9);
        assert_eq!(b.batches_per_epoch(), 3);
        let mut seen: Vec<u32> = (0..3).flat_map(|i| b.batch(0, i).to_vec()).collect();
        let first = seen.clone();
        seen.sort();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        let e1: Vec<u32> = (0..3).flat_map(|i| b.batch(1, i).to_vec()).collect();
        assert_ne!(first, e1, "epochs should be shuffled differently");
        let again: Vec<u32> = (0..3).flat_map(|i| Batcher::new(10, 4, 9).batch(0, i).to_vec()).collect();
        assert_eq!(first, again);
        assert!(b.batch(0, 3).is_empty());
    }
}
