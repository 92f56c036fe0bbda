//! Threads for the kernels, supplied from outside: core is `no_std` and starts no thread
//! itself. A host (the CLI with rayon, a threaded wasm build with its worker pool) implements
//! [`Parallel`] and hands it to [`crate::Tape::set_parallel`]; the tape then splits a
//! convolution's batch into one contiguous range of images per thread.
//!
//! Determinism: each image's forward pass and input gradient are computed exactly as on one
//! thread, so they are bit-identical for any thread count. The weight gradient sums over the
//! images: with `T` threads, thread `t` sums its range (thread 0 straight into the gradient,
//! the others into their own buffers, in image order) and the partial sums are then added in
//! thread order — the same seed and thread count always give the same bits, and one thread
//! gives exactly the single-threaded result.

use crate::kernels::gemm::GemmScratch;
use alloc::vec::Vec;
use core::ops::Range;

/// A pool of threads the kernels may use.
pub trait Parallel: Sync {
    /// How many tasks run at once at most (1: no parallelism).
    fn threads(&self) -> usize;
    /// Calls `f(0)`, …, `f(tasks − 1)`, possibly at the same time on several threads, and
    /// returns when every call has returned.
    fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync));
}

/// A rayon thread pool as [`Parallel`] (feature `rayon`): what the CLI and the native
/// benchmarks use.
#[cfg(feature = "rayon")]
#[derive(Debug)]
pub struct RayonPool(rayon::ThreadPool);

#[cfg(feature = "rayon")]
impl RayonPool {
    /// A pool of `threads` threads, leaked: it lives as long as the program, as a tape needs.
    pub fn leaked(threads: usize) -> Result<&'static dyn Parallel, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        Ok(alloc::boxed::Box::leak(alloc::boxed::Box::new(RayonPool(pool))))
    }
}

#[cfg(feature = "rayon")]
impl Parallel for RayonPool {
    fn threads(&self) -> usize {
        self.0.current_num_threads()
    }
    fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) {
        use rayon::prelude::*;
        self.0.install(|| (0..tasks).into_par_iter().for_each(f));
    }
}

/// The tape's pool (none: one thread).
#[derive(Clone, Copy, Default)]
pub(crate) struct Threads(pub(crate) Option<&'static dyn Parallel>);

impl core::fmt::Debug for Threads {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Threads({})", self.count())
    }
}

impl Threads {
    pub(crate) fn count(&self) -> usize {
        self.0.map_or(1, |p| p.threads().max(1))
    }

    /// Tasks for `items` independent items: at most one per thread and per item.
    pub(crate) fn tasks(&self, items: usize) -> usize {
        self.count().min(items).max(1)
    }

    /// Runs `f(0..tasks)`: inline when there is one task.
    pub(crate) fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) {
        match self.0 {
            Some(p) if tasks > 1 => p.run(tasks, f),
            _ => (0..tasks).for_each(f),
        }
    }
}

/// Task `t` of `tasks`' share of `n` items: contiguous, sizes differing by at most one.
pub(crate) fn share(t: usize, tasks: usize, n: usize) -> Range<usize> {
    (t * n / tasks)..((t + 1) * n / tasks)
}

/// One thread's working memory, kept on the tape across steps (no allocation once grown).
#[derive(Debug, Default)]
pub(crate) struct Lane {
    pub(crate) gemm: GemmScratch,
    pub(crate) col: Vec<f32>,
    pub(crate) dcol: Vec<f32>,
    /// A weight gradient's partial sum (lanes after the first).
    pub(crate) dw: Vec<f32>,
}

/// A raw pointer that tasks may share: each task touches only its own, disjoint part of what
/// it points to (the callers below guarantee it).
#[derive(Clone, Copy)]
pub(crate) struct Shared<T>(pub(crate) *mut T);

// SAFETY: see the type's comment — every user gives each task a disjoint region.
unsafe impl<T: Send> Sync for Shared<T> {}
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> Shared<T> {
    /// `len` elements from `start`.
    ///
    /// # Safety
    /// The range is inside the allocation and no other live reference overlaps it.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn slice(&self, start: usize, len: usize) -> &mut [T] {
        // SAFETY: the caller's promise above.
        unsafe { core::slice::from_raw_parts_mut(self.0.add(start), len) }
    }
}
