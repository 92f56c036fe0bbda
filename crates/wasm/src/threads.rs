//! Threads inside one run, in the threaded build (`target_feature = "atomics"`, built by
//! xtask/src/variants.rs): a pool of helper Web Workers sharing this instance's memory, as
//! core's [`depthlab_core::parallel::Parallel`]. The trainer worker's own thread takes tasks too, so a run on `T`
//! threads keeps `T` threads busy: itself and `T − 1` helpers.
//!
//! How a job runs: [`Parallel::run`] publishes the job (a pointer to the caller's closure), the
//! task count and a new *generation*; helpers poll the generation up to ~150 microseconds,
//! then sleep in `memory.atomic.wait32` on it and wake on its change. The caller runs task 0 and every thread then claims the others from one 64-bit
//! counter holding `(generation, next task)` with compare-and-swap, so a helper that wakes
//! late can never claim a task of a later job (the caller closes a job's counter before it
//! writes the next job's fields); the caller waits until every task reports done.
//! Which thread runs a task does not change any result (core sums in fixed chunks), so the
//! thread count may change between steps: the page lowers it as more runs share the cores.
//!
//! JavaScript starts helpers (`www/js/workers/thread.worker.js`): each instantiates the module
//! on the shared memory and calls [`thread_helper`], which never returns, unless the helper
//! traps (a bug, running out of memory). Then its task never reports done: the helper's script
//! raises the flag at [`thread_failure_flag`], and the caller, which checks it whenever its wait
//! times out, panics instead of waiting forever. That traps the trainer worker too, which the
//! page replaces as it does any trapped worker (the run continues from its checkpoint).
//!
//! The single-thread build exports the same functions: [`threads_supported`] says `false` and
//! [`set_threads`] keeps one thread.

use wasm_bindgen::prelude::*;

/// Most threads a run may use (the page's cap on helpers per trainer worker, plus its own).
pub const MAX_THREADS: u32 = 16;

/// Most threads a run may use, [`MAX_THREADS`] (the page caps its thread counts with it).
#[wasm_bindgen(js_name = maxThreads)]
pub fn max_threads() -> u32 {
    MAX_THREADS
}

/// Whether this is the threaded build.
#[wasm_bindgen(js_name = threadsSupported)]
pub fn threads_supported() -> bool {
    cfg!(target_feature = "atomics")
}

/// Sets how many threads the runs of this worker use from their next kernel on (1 to
/// [`MAX_THREADS`]; fewer while helpers are still starting). Returns the number in force.
#[wasm_bindgen(js_name = setThreads)]
pub fn set_threads(count: u32) -> u32 {
    #[cfg(target_feature = "atomics")]
    {
        pool::POOL.set_limit(count.clamp(1, MAX_THREADS));
        pool::POOL.threads_now() as u32
    }
    #[cfg(not(target_feature = "atomics"))]
    {
        let _ = count;
        1
    }
}

/// Threads a run uses now: the limit, or fewer while helpers start.
#[wasm_bindgen(js_name = threadsInUse)]
pub fn threads_in_use() -> u32 {
    #[cfg(target_feature = "atomics")]
    {
        pool::POOL.threads_now() as u32
    }
    #[cfg(not(target_feature = "atomics"))]
    {
        1
    }
}

/// Helpers that have joined the pool.
#[wasm_bindgen(js_name = threadHelpers)]
pub fn thread_helpers() -> u32 {
    #[cfg(target_feature = "atomics")]
    {
        pool::POOL.helpers()
    }
    #[cfg(not(target_feature = "atomics"))]
    {
        0
    }
}

/// A helper thread's life: joins the pool and runs tasks forever (called by a helper worker
/// once its instance shares the trainer's memory). In the single-thread build it fails.
#[wasm_bindgen(js_name = threadHelper)]
pub fn thread_helper() -> Result<(), JsError> {
    #[cfg(target_feature = "atomics")]
    {
        pool::POOL.helper_loop()
    }
    #[cfg(not(target_feature = "atomics"))]
    {
        Err(JsError::new("threadHelper: this is the single-thread build"))
    }
}

/// Byte address of the pool's failure flag in the shared memory: a helper's script sets it
/// (`Atomics.store`, then `notify`) when its instance traps. 0 in the single-thread build.
#[wasm_bindgen(js_name = threadFailureFlag)]
pub fn thread_failure_flag() -> u32 {
    #[cfg(target_feature = "atomics")]
    {
        pool::POOL.failure_flag() as u32
    }
    #[cfg(not(target_feature = "atomics"))]
    {
        0
    }
}

/// Test hook: runs a job on which every helper thread traps (a panic) while this thread waits
/// for them, as a helper that failed inside a kernel would leave it. The caller then traps too
/// (see the module's notes). An error when no helper has joined (or in the single-thread build).
#[wasm_bindgen(js_name = debugTrapHelper)]
pub fn debug_trap_helper() -> Result<(), JsError> {
    #[cfg(target_feature = "atomics")]
    {
        pool::POOL.debug_trap_helpers()
    }
    #[cfg(not(target_feature = "atomics"))]
    {
        Err(JsError::new("debugTrapHelper: this is the single-thread build"))
    }
}

/// Test hook: runs `jobs` jobs back to back on the pool (2 tasks and `tasks` tasks in turn),
/// each task counting its runs, and returns how many tasks did not run exactly once (0 when the pool is
/// right). An error when no helper has joined (or in the single-thread build).
#[wasm_bindgen(js_name = debugPoolStress)]
pub fn debug_pool_stress(jobs: u32, tasks: u32) -> Result<u32, JsError> {
    #[cfg(target_feature = "atomics")]
    {
        pool::POOL.debug_stress(jobs, tasks)
    }
    #[cfg(not(target_feature = "atomics"))]
    {
        let _ = (jobs, tasks);
        Err(JsError::new("debugPoolStress: this is the single-thread build"))
    }
}

/// The pool every trainer of this instance uses, as core's [`depthlab_core::parallel::Parallel`].
#[cfg(target_feature = "atomics")]
pub(crate) fn pool() -> &'static dyn depthlab_core::parallel::Parallel {
    &pool::POOL
}

#[cfg(target_feature = "atomics")]
mod pool {
    use core::arch::wasm32::{memory_atomic_notify, memory_atomic_wait32};
    use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
    use depthlab_core::parallel::Parallel;

    /// The job being run, as the two words of a `*const (dyn Fn(usize) + Sync)`.
    type JobWords = [usize; 2];

    pub(super) struct WebPool {
        /// `(generation << 32) | next unclaimed task`.
        claim: AtomicU64,
        /// The generation, alone in 32 bits: helpers wait on it.
        generation: AtomicU32,
        /// Tasks of the current job.
        tasks: AtomicU32,
        /// Tasks of the current job not finished yet: the caller waits on it.
        remaining: AtomicU32,
        job: [AtomicUsize; 2],
        /// Helpers that joined.
        helpers: AtomicU32,
        /// Threads a job may use (helpers + the caller).
        limit: AtomicU32,
        /// Set (to 1) by a helper's script when its instance trapped: see the module's notes.
        failed: AtomicU32,
    }

    pub(super) static POOL: WebPool = WebPool {
        claim: AtomicU64::new(0),
        generation: AtomicU32::new(0),
        tasks: AtomicU32::new(0),
        remaining: AtomicU32::new(0),
        job: [AtomicUsize::new(0), AtomicUsize::new(0)],
        helpers: AtomicU32::new(0),
        limit: AtomicU32::new(1),
        failed: AtomicU32::new(0),
    };

    std::thread_local! {
        /// Whether this thread is a helper (set in `helper_loop`), for the test hook.
        static HELPER: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
    }

    /// How long the caller sleeps between checks of the failure flag while it waits.
    const CHECK_NS: i64 = 50_000_000;

    /// Sleeps while `cell` holds `while_equal`, for at most `timeout_ns` (−1: no limit).
    fn wait(cell: &AtomicU32, while_equal: u32, timeout_ns: i64) {
        // SAFETY: the pointer is a live, aligned 32-bit atomic of the shared memory; a worker
        // may block (the trainer and its helpers are workers, never the page's main thread).
        unsafe { memory_atomic_wait32(cell.as_ptr() as *mut i32, while_equal as i32, timeout_ns) };
    }

    /// Polls of a cell before a thread goes to sleep on it: about 150 µs in Chromium here
    /// (~0.6 ns a poll). A step's parallel parts come one after another, separated by serial
    /// work of tens to a few hundred microseconds, so a helper that polls that long finds the
    /// next job without a sleep and wake-up, which would delay its start on the job; and the
    /// caller finds the last task done without one. Measured on ResNet-20 (138 jobs a step, 2
    /// threads): with 2¹⁵ polls (~20 µs) the helper slept ~90 times a step and the caller ~47;
    /// with 2¹⁸, 7 and 9 times, and the caller's waits at the joins fell from ~4.5 to ~3.4 ms a
    /// step. A polling helper only holds a core its run was given: the page's pool never gives
    /// runs more threads than cores.
    const SPINS: u32 = 1 << 18;

    /// Polls `cell` up to [`SPINS`] times; whether it stopped holding `while_equal`.
    fn spin_while(cell: &AtomicU32, while_equal: u32) -> bool {
        for _ in 0..SPINS {
            if cell.load(Acquire) != while_equal {
                return true;
            }
            core::hint::spin_loop();
        }
        false
    }

    fn wake(cell: &AtomicU32, count: u32) {
        // SAFETY: as in `wait`.
        unsafe { memory_atomic_notify(cell.as_ptr() as *mut i32, count) };
    }

    impl WebPool {
        pub(super) fn set_limit(&self, n: u32) {
            self.limit.store(n, Relaxed);
        }

        pub(super) fn helpers(&self) -> u32 {
            self.helpers.load(Acquire)
        }

        pub(super) fn threads_now(&self) -> usize {
            self.limit.load(Relaxed).min(self.helpers() + 1).max(1) as usize
        }

        pub(super) fn failure_flag(&self) -> usize {
            self.failed.as_ptr() as usize
        }

        /// Panics (so the caller traps) once a helper has failed: its task will never finish.
        fn check_helpers(&self) {
            if self.failed.load(Acquire) != 0 {
                panic!("a helper thread of this trainer trapped, so its step cannot finish; this worker stops and the page replaces it");
            }
        }

        pub(super) fn debug_trap_helpers(&self) -> Result<(), wasm_bindgen::JsError> {
            let helpers = self.helpers();
            if helpers == 0 {
                return Err(wasm_bindgen::JsError::new(
                    "debugTrapHelper: no helper thread has joined this worker's pool yet",
                ));
            }
            // One task per thread: a helper that claims one panics; this thread's own tasks
            // wait for the flag, so that a helper is sure to claim one.
            self.run(helpers as usize + 1, &|_| {
                if HELPER.with(|h| h.get()) {
                    panic!("debugTrapHelper: a helper thread traps on purpose (a test hook)");
                }
                while self.failed.load(Acquire) == 0 {
                    wait(&self.failed, 0, CHECK_NS);
                }
            });
            Ok(())
        }

        pub(super) fn debug_stress(&self, jobs: u32, tasks: u32) -> Result<u32, wasm_bindgen::JsError> {
            if self.helpers() == 0 {
                return Err(wasm_bindgen::JsError::new(
                    "debugPoolStress: no helper thread has joined this worker's pool yet",
                ));
            }
            // Jobs alternate between 2 tasks and `tasks`, as a step's jobs vary: a helper late
            // to leave one job must never claim a task of the next, larger one.
            let counts: Vec<AtomicU32> = (0..tasks.max(3)).map(|_| AtomicU32::new(0)).collect();
            let mut wrong = 0;
            for j in 0..jobs {
                let n = if j % 2 == 0 { 2 } else { counts.len() };
                self.run(n, &|i| {
                    counts[i].fetch_add(1, Relaxed);
                });
                wrong += counts[..n].iter().filter(|c| c.swap(0, Relaxed) != 1).count() as u32;
            }
            Ok(wrong)
        }

        pub(super) fn helper_loop(&self) -> ! {
            HELPER.with(|h| h.set(true));
            self.helpers.fetch_add(1, AcqRel);
            let mut seen = self.generation.load(Acquire);
            loop {
                let now = self.generation.load(Acquire);
                if now == seen {
                    if !spin_while(&self.generation, seen) {
                        wait(&self.generation, seen, -1);
                    }
                    continue;
                }
                seen = now;
                self.work(now);
            }
        }

        /// Claims and runs tasks of generation `generation` until none is left.
        fn work(&self, generation: u32) {
            loop {
                let c = self.claim.load(Acquire);
                if (c >> 32) as u32 != generation {
                    return;
                }
                let i = c as u32;
                if i >= self.tasks.load(Acquire) {
                    return;
                }
                if self.claim.compare_exchange_weak(c, c + 1, AcqRel, Acquire).is_err() {
                    continue;
                }
                // Claimed task i of this generation: the job cannot change before it reports
                // done, so these words are this generation's.
                let words: JobWords = [self.job[0].load(Acquire), self.job[1].load(Acquire)];
                // SAFETY: published by `run` from a live `&dyn Fn(usize) + Sync`, which outlives
                // the job: `run` returns only after every task reported done.
                let f: &(dyn Fn(usize) + Sync) =
                    unsafe { &*core::mem::transmute::<JobWords, *const (dyn Fn(usize) + Sync)>(words) };
                f(i as usize);
                if self.remaining.fetch_sub(1, AcqRel) == 1 {
                    wake(&self.remaining, 1);
                }
            }
        }
    }

    impl Parallel for WebPool {
        fn threads(&self) -> usize {
            self.threads_now()
        }

        fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) {
            if tasks <= 1 || self.helpers() == 0 {
                (0..tasks).for_each(f);
                return;
            }
            let tasks = tasks.min(u32::MAX as usize) as u32;
            // SAFETY: only the pointer's lifetime is erased; see `work`.
            let words: JobWords = unsafe { core::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), JobWords>(f) };
            // Close the previous job's claims before its fields change. A helper leaving that
            // job may have read the claim word (every task taken) before the new task count
            // and then the new count: its compare-and-swap on the old word would claim a task
            // of this job that the claim reset below hands out again — that task runs twice,
            // and `remaining`, counted down once too often, wraps past zero and the caller
            // waits forever (seen as a rare stall of a run under load; `debugPoolStress`
            // found 6 tasks run twice and a hang in 460,000 jobs). After this store, a helper
            // that sees the new count (released below) fails that compare-and-swap.
            let previous = self.generation.load(Relaxed);
            self.claim.store(((previous as u64) << 32) | u32::MAX as u64, Relaxed);
            self.job[0].store(words[0], Release);
            self.job[1].store(words[1], Release);
            self.tasks.store(tasks, Release);
            self.remaining.store(tasks, Release);
            let generation = previous.wrapping_add(1);
            // Task 0 is this thread's, the helpers claim from task 1 on: a task runs on the
            // same thread from job to job unless a thread was held up, so that the kernels'
            // shares of the batch stay in one core's cache (see core's `parallel::Claims`).
            self.claim.store(((generation as u64) << 32) | 1, Release);
            self.generation.store(generation, Release);
            wake(&self.generation, tasks - 1);
            f(0);
            self.remaining.fetch_sub(1, AcqRel);
            self.work(generation);
            loop {
                let left = self.remaining.load(Acquire);
                if left == 0 {
                    break;
                }
                self.check_helpers();
                if !spin_while(&self.remaining, left) {
                    wait(&self.remaining, left, CHECK_NS);
                }
            }
        }
    }
}
