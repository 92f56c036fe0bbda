//! `--threads`: the convolutions' batch split over a rayon pool
//! ([`depthlab_core::parallel::RayonPool`]); any count gives the page's bits (see
//! `depthlab_core::parallel`). `--fma`: the fused GEMM kernel.

use depthlab_core::parallel::{Parallel, RayonPool};

/// Most threads `--threads` accepts.
pub const MAX_THREADS: usize = 256;

/// The thread count to use: `requested`, or every core the machine reports.
pub fn count(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Turns the fused GEMM kernel on (`--fma`) or off; the kernel in use, e.g. `x86_64-avx2-fma`
/// (without AVX2+FMA the plain one runs).
pub fn fma(on: bool) -> &'static str {
    depthlab_core::simd::set_fused_multiply_add(on);
    depthlab_core::simd::gemm_backend()
}

/// A pool of `n` threads for the trainers (none for one thread), kept for the whole command.
pub fn pool(n: usize) -> Result<Option<&'static RayonPool>, String> {
    if n <= 1 {
        return Ok(None);
    }
    RayonPool::leaked(n).map(Some).map_err(|e| format!("cannot start {n} threads: {e}"))
}

/// The pool as the trainers take it.
pub fn parallel(pool: Option<&'static RayonPool>) -> Option<&'static dyn Parallel> {
    pool.map(|p| p as &'static dyn Parallel)
}

/// Runs `f` (the training loop) on a thread of `pool`, or here without one: see
/// [`RayonPool::install`].
pub fn within<R: Send>(pool: Option<&'static RayonPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}
