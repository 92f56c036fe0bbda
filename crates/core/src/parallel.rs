//! Threads for the kernels, supplied from outside: core is `no_std` and starts no thread
//! itself. A host (the CLI with rayon, a threaded wasm build with its worker pool) implements
//! [`Parallel`] and hands it to [`crate::Tape::set_parallel`]; the tape then runs one task per
//! thread. Every kernel cuts the batch the same way — a convolution its images (or image
//! groups, or chunks), batch norm its image chunks, elementwise work a few pieces per task in
//! memory order — and task `t` claims its own share first, one item at a time, then takes
//! what others left (`Claims`): an image's data stays on one core from kernel to kernel, and
//! a thread that loses its core for a while holds up no one. Batch norm on one thread goes by
//! channel instead, each channel's statistics and normalising pass back to back while the
//! channel is in cache.

//! Determinism: any thread count gives the same bits. Each image's forward pass and input
//! gradient are computed exactly as on one thread. The weight gradient sums over the images:
//! the batch is cut into [`CHUNKS`] fixed chunks (fewer for a small batch) whatever the thread
//! count; chunk 0 adds its images' terms straight into the gradient, every other chunk into a
//! zeroed partial sum of its own, in image order, and the partial sums are then added in chunk
//! order; batch norm's sums too, per chunk, its chunks' totals added in chunk order. Which
//! thread computes a chunk changes nothing, so a run may even change its thread count between
//! steps (the page does, as runs start and finish) and stay reproducible.

use crate::kernels::gemm::{gemm, Gemm, GemmScratch, MatRef, MR};
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
    pub fn leaked(threads: usize) -> Result<&'static RayonPool, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        Ok(alloc::boxed::Box::leak(alloc::boxed::Box::new(RayonPool(pool))))
    }

    /// Runs `f` on one of the pool's threads and returns its result. Train there: a kernel's
    /// job started from a thread of the pool runs on it and one more, while a job started from
    /// outside (the program's main thread) is handed to the pool while the caller sleeps until
    /// it ends, two thread wake-ups per job, over a hundred jobs a ResNet-20 step. ResNet-20 on
    /// two threads, interleaved with one thread in one process (4 runs, `--fma`): 1.62–1.71×
    /// one thread's speed from outside, 1.75–1.79× inside.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.0.install(f)
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

    /// Tasks for `items` independent items worth `work` elements in all: one when the work
    /// is too small to be worth waking threads for ([`MIN_PARALLEL_WORK`]).
    pub(crate) fn tasks_for(&self, items: usize, work: usize) -> usize {
        if work < MIN_PARALLEL_WORK {
            1
        } else {
            self.tasks(items)
        }
    }

    /// Runs `f(0..tasks)`: inline when there is one task.
    pub(crate) fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) {
        match self.0 {
            Some(p) if tasks > 1 => p.run(tasks, f),
            _ => (0..tasks).for_each(f),
        }
    }
}

impl Threads {
    /// Calls `f(start, pieces)` over `outs` (equal lengths) cut at the same places into
    /// contiguous pieces, [`PIECES_PER_TASK`] per task, claimed by the tasks; `start` is the
    /// pieces' offset, for reading inputs at the same positions. For elementwise work, where
    /// each element is computed on its own (a vector lane and a scalar tail agree:
    /// [`crate::simd::Lanes`] ops are defined by their scalar reference), so the bits never
    /// depend on the cuts or the thread count. Cuts fall on multiples of [`PIECE_ALIGN`];
    /// below [`MIN_PARALLEL_WORK`] elements it is one call on this thread.
    pub(crate) fn pieces<const K: usize>(&self, outs: [&mut [f32]; K], f: &(dyn Fn(usize, [&mut [f32]; K]) + Sync)) {
        let len = outs.first().map_or(0, |o| o.len());
        assert!(outs.iter().all(|o| o.len() == len), "pieces: outputs differ in length");
        let blocks = len.div_ceil(PIECE_ALIGN);
        let tasks = self.tasks_for(blocks, len);
        if tasks <= 1 {
            f(0, outs);
            return;
        }
        let ptrs = outs.map(|o| Shared(o.as_mut_ptr()));
        // A few pieces per task, claimed: a thread that starts late (woken from sleep, or
        // descheduled) leaves its share to the others instead of holding up the join.
        let pieces = blocks.min(tasks * PIECES_PER_TASK);
        let claims = Claims::new(pieces, tasks);
        self.run(tasks, &|t| {
            for piece in claims.iter(t) {
                let b = share(piece, pieces, blocks);
                let (start, end) = (b.start * PIECE_ALIGN, (b.end * PIECE_ALIGN).min(len));
                // SAFETY: the pieces' ranges are disjoint and inside every output (equal
                // lengths), each claimed once, and `outs` stays mutably borrowed for the call.
                f(start, core::array::from_fn(|i| unsafe { ptrs[i].slice(start, end - start) }));
            }
        });
    }

    /// Calls `f(i)` for every item `i` in `0..items`, each once, on this thread and the
    /// pool's: tasks claim items one at a time ([`Claims`]). `work` (elements in all) keeps
    /// small jobs on this thread ([`MIN_PARALLEL_WORK`]). `f` must give each item's result
    /// independently of which thread runs it, as every caller here does.
    pub(crate) fn items(&self, items: usize, work: usize, f: &(dyn Fn(usize) + Sync)) {
        let tasks = self.tasks_for(items, work);
        if tasks <= 1 {
            (0..items).for_each(f);
            return;
        }
        let claims = Claims::new(items, tasks);
        self.run(tasks, &|t| claims.iter(t).for_each(f));
    }
}

/// Pieces per task of elementwise work ([`crate::Tape::elementwise`]), claimed one at a time.
pub const PIECES_PER_TASK: usize = 4;

/// Elementwise work is cut at multiples of this many elements (whole cache lines and whole
/// vectors per piece), see [`crate::Tape::elementwise`].
pub const PIECE_ALIGN: usize = 64;

/// Elementwise work (in elements) below which a kernel stays on one thread: waking a thread
/// costs microseconds. Results do not depend on it.
pub const MIN_PARALLEL_WORK: usize = 1 << 15;

/// The fixed number of chunks a batch's weight gradient is summed in (see the module
/// comment); also the most threads a convolution's backward pass can use.
pub const CHUNKS: usize = 16;

/// Chunks of a batch of `n` images: [`CHUNKS`], or one per image for a smaller batch.
pub(crate) fn chunks(n: usize) -> usize {
    CHUNKS.min(n).max(1)
}

/// Items `0..items` handed out to `tasks` tasks, each item once: task `t` takes its own share
/// ([`share`]`(t, tasks, items)`) from the front, one at a time, and when that is done takes
/// the others' last items, one at a time, from the back. A task slowed down (another process
/// took its core for a while) is left fewer, and the others do not wait for it at the join.
///
/// Own share first: every kernel of a step cuts the batch the same way (images, groups of
/// images, chunks, elementwise pieces in memory order), and the pools run task `t` on the same
/// thread from job to job while nothing holds a thread up (the caller runs task 0), so an
/// image's data stays in one core's cache from kernel to kernel. Claimed in plain order from
/// one counter, about half of what each kernel read had been written on the other core, and
/// on this machine kind the host at times puts our two virtual cores without a shared cache:
/// there a line's round trip between them costs ~340 ns instead of ~100, and ResNet-20 on two
/// threads ran at ~1.55× one thread's speed instead of ~1.85× (README, 2026-12-04).
///
/// Which task computes an item changes nothing in its result.
#[derive(Debug)]
pub(crate) struct Claims {
    /// Per share: `(back << 32) | front`, its unclaimed items `front..back`. On the stack
    /// (a step allocates nothing once warm); past [`SHARES`] tasks, task `t` takes share
    /// `t % SHARES` with the others of its class.
    cursors: [Cursor; SHARES],
    shares: usize,
}

/// Most shares a [`Claims`] cuts its items into.
const SHARES: usize = 16;

/// One share's cursor, alone in its cache line: the owners claim at the same time.
#[derive(Debug)]
#[repr(align(64))]
struct Cursor(core::sync::atomic::AtomicU64);

impl Claims {
    pub(crate) fn new(items: usize, tasks: usize) -> Self {
        let items = u32::try_from(items).expect("Claims: more than 2³² items") as usize;
        let shares = tasks.clamp(1, SHARES);
        let cursors = core::array::from_fn(|t| {
            let r = if t < shares { share(t, shares, items) } else { 0..0 };
            Cursor(core::sync::atomic::AtomicU64::new(((r.end as u64) << 32) | r.start as u64))
        });
        Claims { cursors, shares }
    }

    /// The items task `t` claims, until none is left: its own share, then the others'.
    pub(crate) fn iter(&self, t: usize) -> impl Iterator<Item = usize> + '_ {
        let shares = self.shares;
        let mut victim = 0;
        core::iter::from_fn(move || {
            while victim < shares {
                let v = (t + victim) % shares;
                if let Some(i) = self.take(v, victim == 0) {
                    return Some(i);
                }
                victim += 1;
            }
            None
        })
    }

    /// An item of task `v`'s share: its front one (`own`), or its back one.
    fn take(&self, v: usize, own: bool) -> Option<usize> {
        use core::sync::atomic::Ordering::Relaxed;
        let cell = &self.cursors[v].0;
        // Relaxed: the items' results are published by the pool's join, not by this word.
        let mut c = cell.load(Relaxed);
        loop {
            let (front, back) = (c & 0xffff_ffff, c >> 32);
            if front >= back {
                return None;
            }
            let (next, item) = if own { (c + 1, front) } else { (((back - 1) << 32) | front, back - 1) };
            match cell.compare_exchange_weak(c, next, Relaxed, Relaxed) {
                Ok(_) => return Some(item as usize),
                Err(now) => c = now,
            }
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
    /// A zero-padded copy of one image for [`crate::kernels::conv::im2col`].
    pub(crate) padded: Vec<f32>,
    pub(crate) wino: crate::kernels::winograd::WinogradScratch,
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

/// `C = alpha·op(A)·op(B) + beta·C` with `C`'s rows split among up to `threads` tasks, each
/// with its own scratch from `lanes`. Splits fall on multiples of the micro-tile height
/// ([`MR`]) and every element is computed by the same tile code in the same order as in one
/// call, so the bits never depend on the thread count. Small products stay on one thread.
pub(crate) fn gemm_rows(threads: Threads, lanes: &mut [Lane], g: Gemm, c: &mut [f32]) {
    let panels = g.m.div_ceil(MR);
    let work = g.m.saturating_mul(g.n).saturating_mul(g.k);
    let tasks = if work < 64 * MIN_PARALLEL_WORK { 1 } else { threads.tasks(panels).min(lanes.len()) };
    if tasks <= 1 {
        if let Some(lane) = lanes.first_mut() {
            gemm(g, c, &mut lane.gemm);
        }
        return;
    }
    let Gemm { m, n, a, ldc, .. } = g;
    assert!(m == 0 || c.len() >= (m - 1) * ldc + n, "gemm_rows: C too small");
    let (cs, ls) = (Shared(c.as_mut_ptr()), Shared(lanes.as_mut_ptr()));
    threads.run(tasks, &|t| {
        let rows = share(t, tasks, panels);
        let (r0, r1) = (rows.start * MR, (rows.end * MR).min(m));
        if r0 >= r1 {
            return;
        }
        let sub = Gemm { m: r1 - r0, a: MatRef { data: &a.data[r0 * a.rs..], ..a }, ..g };
        let len = (r1 - r0 - 1) * ldc + n;
        // SAFETY: task t alone uses lane t and rows r0..r1 of C (disjoint ranges of panels).
        let (lane, ct) = unsafe { (&mut ls.slice(t, 1)[0], cs.slice(r0 * ldc, len)) };
        gemm(sub, ct, &mut lane.gemm);
    });
}

#[cfg(test)]
mod tests {
    use super::{share, Claims};
    use alloc::vec::Vec;
    use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

    #[test]
    fn each_task_takes_its_own_share_in_order_when_nothing_races() {
        let claims = Claims::new(10, 3);
        let mine: Vec<usize> = Claims::new(10, 3).iter(1).take(share(1, 3, 10).len()).collect();
        assert_eq!(mine, share(1, 3, 10).collect::<Vec<_>>());
        // Alone, task 0 takes everything: its share front to back, then task 1's and task 2's
        // from the back.
        let all: Vec<usize> = claims.iter(0).collect();
        assert_eq!(all, [0, 1, 2, 5, 4, 3, 9, 8, 7, 6]);
        assert_eq!(claims.iter(1).next(), None);
    }

    #[test]
    fn racing_tasks_claim_every_item_exactly_once() {
        for (items, tasks) in [(0, 2), (1, 4), (7, 2), (64, 2), (100, 3), (16, 5), (1000, 8), (100, 20)] {
            for round in 0..20 {
                let claims = Claims::new(items, tasks);
                let counts: Vec<AtomicU32> = (0..items).map(|_| AtomicU32::new(0)).collect();
                std::thread::scope(|s| {
                    for t in 0..tasks {
                        let (claims, counts) = (&claims, &counts);
                        s.spawn(move || {
                            // A late task (as a descheduled thread) finds its share taken.
                            if t == round % tasks {
                                std::thread::sleep(std::time::Duration::from_micros(200));
                            }
                            for i in claims.iter(t) {
                                counts[i].fetch_add(1, Relaxed);
                            }
                        });
                    }
                });
                assert!(counts.iter().all(|c| c.load(Relaxed) == 1), "{items} items, {tasks} tasks");
            }
        }
    }
}
