//! `--threads`: the convolutions' batch split over a rayon pool (depthlab-core's
//! [`Parallel`] hook). One thread gives the page's bits exactly; any other count is
//! reproducible for itself (see `depthlab_core::parallel`).

use depthlab_core::parallel::Parallel;
use rayon::prelude::*;

/// Most threads `--threads` accepts.
pub const MAX_THREADS: usize = 256;

struct RayonPool(rayon::ThreadPool);

impl Parallel for RayonPool {
    fn threads(&self) -> usize {
        self.0.current_num_threads()
    }
    fn run(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) {
        self.0.install(|| (0..tasks).into_par_iter().for_each(f));
    }
}

/// The thread count to use: `requested`, or every core the machine reports.
pub fn count(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A pool of `n` threads for the trainers (none for one thread); built once and kept for the
/// whole command.
pub fn pool(n: usize) -> Result<Option<&'static dyn Parallel>, String> {
    if n <= 1 {
        return Ok(None);
    }
    let p =
        rayon::ThreadPoolBuilder::new().num_threads(n).build().map_err(|e| format!("cannot start {n} threads: {e}"))?;
    Ok(Some(Box::leak(Box::new(RayonPool(p)))))
}
