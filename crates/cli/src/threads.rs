//! `--threads`: the convolutions' batch split over a rayon pool
//! ([`depthlab_core::parallel::RayonPool`]). One thread gives the page's bits exactly; any
//! other count is reproducible for itself (see `depthlab_core::parallel`).

use depthlab_core::parallel::{Parallel, RayonPool};

/// Most threads `--threads` accepts.
pub const MAX_THREADS: usize = 256;

/// The thread count to use: `requested`, or every core the machine reports.
pub fn count(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A pool of `n` threads for the trainers (none for one thread), kept for the whole command.
pub fn pool(n: usize) -> Result<Option<&'static dyn Parallel>, String> {
    if n <= 1 {
        return Ok(None);
    }
    RayonPool::leaked(n).map(Some).map_err(|e| format!("cannot start {n} threads: {e}"))
}
