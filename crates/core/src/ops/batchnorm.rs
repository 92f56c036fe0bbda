//! Batch normalisation (Ioffe & Szegedy 2015) over the channels of `[N, C, H, W]` (or
//! `[N, C]`): train mode normalises with the batch's statistics and updates the running ones;
//! eval mode uses the running statistics.

use crate::autograd::{BufferId, Mode, Node, ParamId, ParamStore, Tape, Var};
use crate::parallel::{share, Shared};
use crate::simd::{scalar::Scalar1, Lanes, OverLanes};
use alloc::vec::Vec;

/// Learned scale/shift, running statistics and constants of one batch-norm layer.
#[derive(Clone, Copy, Debug)]
pub struct BatchNormParams {
    /// γ, `[C]`.
    pub gamma: ParamId,
    /// β, `[C]`.
    pub beta: ParamId,
    /// Running mean, `[C]`.
    pub running_mean: BufferId,
    /// Running (unbiased) variance, `[C]`.
    pub running_var: BufferId,
    /// Weight of the new batch in the running averages (PyTorch's 0.1).
    pub momentum: f32,
    /// Added to the variance.
    pub eps: f32,
}

/// Saved state: per-channel μ and `1/σ`, and the mode it ran in. The backward pass recomputes
/// `x̂ = (x − μ)/σ` from the input, which the tape keeps anyway, with the forward's very
/// operations (same bits), instead of keeping a normalised copy of every input: one write
/// pass and one activation-sized buffer fewer per layer.
#[derive(Debug)]
pub(crate) struct BatchNormNode {
    x: Var,
    pub(crate) p: BatchNormParams,
    dims: (usize, usize, usize), // (N, C, H·W)
    pub(crate) mean: Vec<f32>,
    pub(crate) inv_std: Vec<f32>,
    train: bool,
    /// ReLU fused after the affine step.
    pub(crate) relu: bool,
}

fn dims_of(shape: &[usize]) -> (usize, usize, usize) {
    match *shape {
        [n, c, h, w] => (n, c, h * w),
        [n, c] => (n, c, 1),
        _ => panic!("batch_norm: expected [N, C, H, W] or [N, C], got {shape:?}"),
    }
}

impl Tape {
    /// `y = γ·(x − μ)/√(σ² + ε) + β` per channel; in [`Mode::Train`] μ, σ² are the batch's
    /// (biased) statistics and the running statistics move toward them (unbiased variance).
    #[track_caller]
    pub fn batch_norm(&mut self, params: &mut ParamStore, x: Var, p: BatchNormParams, mode: Mode) -> Var {
        self.batch_norm_act(params, x, p, mode, false)
    }

    /// [`Tape::batch_norm`] with an optional ReLU fused into the normalising pass (the
    /// conv → BN → ReLU pattern of every ResNet block): one pass over the data instead of two
    /// and one tensor fewer on the tape.
    #[track_caller]
    pub fn batch_norm_act(
        &mut self,
        params: &mut ParamStore,
        x: Var,
        p: BatchNormParams,
        mode: Mode,
        relu: bool,
    ) -> Var {
        let shape = self.value(x).dims();
        let (n, c, hw) = dims_of(&shape);
        assert_eq!(params.value(p.gamma).len(), c, "batch_norm: gamma has the wrong length");
        let m = n * hw;
        let train = mode == Mode::Train;
        let momentum = self.bn_momentum.unwrap_or(p.momentum);
        let mut y = self.tensor_for_overwrite(&shape);
        let mut inv_std = self.buffer_for_overwrite(c);
        // The statistics are summed per image chunk (`parallel::chunks`, fixed for a batch
        // size), each chunk's planes of a channel in [`LaneSums`], and the chunks' totals then
        // added in chunk order: the same bits on any thread count. One thread goes channel by
        // channel (statistics, then the normalising pass while the channel is in cache);
        // several go chunk by chunk, twice (all statistics, then all normalising), so that
        // each task reads and writes the images whose convolution it computed and will
        // compute next (see `parallel::Claims`): by channel, half of every channel had been
        // written on the other core.
        let chunks = crate::parallel::chunks(n);
        let tasks = self.threads.tasks_for(chunks, n * c * hw);
        // Per chunk and channel, then per channel: Σx, Σx² (in f64), in the tape's kept f64
        // scratch (no allocation once grown).
        let mut sums = core::mem::take(&mut self.f64_scratch);
        sums.clear();
        sums.resize(if train { (chunks + 1) * c } else { 0 }, (0.0, 0.0));
        let mut means = self.buffer_for_overwrite(c);
        // The running statistics, updated per channel on a copy (written back after); not
        // while recalibrating, which adds the sums to exact totals instead.
        let update = train && self.bn_sums.is_none();
        let mut running = self.buffer_for_overwrite(if update { 2 * c } else { 0 });
        if update {
            running[..c].copy_from_slice(params.buffer(p.running_mean));
            running[c..].copy_from_slice(params.buffer(p.running_var));
        }
        let (gamma, beta) = (params.value(p.gamma), params.value(p.beta));
        let eval_stats = (!train).then(|| (params.buffer(p.running_mean), params.buffer(p.running_var)));
        let xv = self.values[x.0].data();
        let ys = Shared(y.data_mut().as_mut_ptr());
        let chunk_sums = |k: usize, ch: usize| {
            crate::simd::widest(SquareSums { x: xv, at: Planes { c, hw, ch }, images: share(k, chunks, n) })
        };
        let normalise = |ch: usize, mean: f32, is: f32, images: core::ops::Range<usize>| {
            let gate = Gate { relu, mean, inv_std: is, gamma: gamma[ch], beta: beta[ch] };
            crate::simd::widest(Normalise { x: xv, y: ys, at: Planes { c, hw, ch }, images, gate });
        };
        // Channel ch's μ and 1/σ from its totals (train) or the running statistics (eval), its
        // running statistics moved toward the batch's.
        let mut statistics = |ch: usize, totals: (f64, f64)| {
            let (mean, var) = match eval_stats {
                Some((rm, rv)) => (rm[ch], rv[ch]),
                None => {
                    let (s, s2) = totals;
                    let mean = s / m as f64;
                    // var = E[x²] − mean²
                    let var = (s2 / m as f64 - mean * mean).max(0.0);
                    if update {
                        let unbiased = if m > 1 { var * m as f64 / (m - 1) as f64 } else { var };
                        let mom = momentum;
                        running[ch] = (1.0 - mom) * running[ch] + mom * mean as f32;
                        running[c + ch] = (1.0 - mom) * running[c + ch] + mom * unbiased as f32;
                    }
                    (mean as f32, var as f32)
                }
            };
            let is = 1.0 / crate::simd::sqrtf(var + p.eps);
            means[ch] = mean;
            inv_std[ch] = is;
            (mean, is)
        };
        let (parts, totals) = sums.split_at_mut(if train { chunks * c } else { 0 });
        if tasks <= 1 {
            for ch in 0..c {
                if train {
                    totals[ch] = chunk_total(chunks, |k| chunk_sums(k, ch));
                }
                let (mean, is) = statistics(ch, totals.get(ch).copied().unwrap_or_default());
                normalise(ch, mean, is, 0..n);
            }
        } else {
            let threads = self.threads;
            if train {
                chunk_partials(threads, n * c * hw, (parts, chunks, c), &chunk_sums);
                for (ch, total) in totals.iter_mut().enumerate() {
                    *total = chunk_total(chunks, |k| parts[k * c + ch]);
                }
            }
            for ch in 0..c {
                statistics(ch, totals.get(ch).copied().unwrap_or_default());
            }
            let (ms, vs) = (&means, &inv_std);
            threads.items(chunks, n * c * hw, &|k| {
                for ch in 0..c {
                    // Chunk k's images of y are this task's alone.
                    normalise(ch, ms[ch], vs[ch], share(k, chunks, n));
                }
            });
        }
        if update {
            params.buffer_mut(p.running_mean).copy_from_slice(&running[..c]);
            params.buffer_mut(p.running_var).copy_from_slice(&running[c..]);
        }
        if let Some(totals) = self.bn_sums.as_mut().filter(|_| train) {
            // Recalibrating: add to the exact totals instead of a moving average.
            let e = totals.entry(p.running_mean.0).or_insert_with(|| (alloc::vec![0.0; c], alloc::vec![0.0; c], 0));
            for (ch, &(s, s2)) in sums[chunks * c..].iter().enumerate() {
                e.0[ch] += s;
                e.1[ch] += s2;
            }
            e.2 += m as u64;
        }
        self.recycle(running);
        self.f64_scratch = sums;
        let node = BatchNormNode { x, p, dims: (n, c, hw), mean: means, inv_std, train, relu };
        self.push(y, Node::BatchNorm(node), true)
    }
}

/// One channel's affine step and the gradient reaching it: `x̂ = (x − μ)·(1/σ)` and `γ·x̂ + β`,
/// written once here for the forward and the backward pass (which recomputes `x̂` with the very
/// same operations, so the same bits); and `dy`, or with a fused ReLU `dy` where the forward's
/// `γ·x̂ + β` was positive and 0 elsewhere (what [`Tape::relu_masked`] would have
/// written from the output: `y > 0` exactly where `γ·x̂ + β > 0`).
#[derive(Clone, Copy)]
struct Gate {
    relu: bool,
    mean: f32,
    inv_std: f32,
    gamma: f32,
    beta: f32,
}

impl Gate {
    /// `x̂` and the gated `d` on lanes (`W::N` values; `RELU` is `self.relu`, a constant where
    /// the caller branched on it outside its loop). The mask is [`Lanes::keep_where_positive`]:
    /// written as a scalar `if`, the compiler branched on every lane instead of vectorising.
    #[inline(always)]
    fn gated<W: Lanes, const RELU: bool>(&self, d: W, x: W) -> (W, W) {
        let xh = self.normalise(x);
        let d = if RELU { d.keep_where_positive(self.affine(xh)) } else { d };
        (d, xh)
    }

    /// `x̂ = (x − μ)·(1/σ)` on lanes: the one definition both passes use.
    #[inline(always)]
    fn normalise<W: Lanes>(&self, x: W) -> W {
        x.sub(W::splat(self.mean)).mul(W::splat(self.inv_std))
    }

    /// `γ·x̂ + β` on lanes, before the fused ReLU.
    #[inline(always)]
    fn affine<W: Lanes>(&self, xh: W) -> W {
        W::splat(self.gamma).mul(xh).add(W::splat(self.beta))
    }

    /// The forward's output on `W::N` values: `γ·x̂ + β`, then the fused ReLU as `max(v, 0)`
    /// (`v < 0 ? 0 : v`, [`Lanes::max`]'s selection: the scalar `if` exactly).
    #[inline(always)]
    fn forward<W: Lanes>(&self, x: &[f32], y: &mut [f32]) {
        let v = self.affine(self.normalise(W::load_slice(x)));
        let v = if self.relu { v.max(W::zero()) } else { v };
        v.store_slice(y);
    }
}

impl BatchNormNode {
    /// `dγ += Σ dy·x̂`, `dβ += Σ dy`; train: `dx += γ/(σ·M)·(M·dy − Σdy − x̂·Σ(dy·x̂))`,
    /// eval: `dx += γ·dy/σ`.
    ///
    /// A fused ReLU's mask is recomputed from the input per element ([`Gate`]) rather than
    /// written out from the output first: two passes over `dy` and `x` instead of three passes
    /// over three tensors (ResNet-20 natively, one thread: 2% of a step less).
    pub(crate) fn backward(&self, tape: &mut Tape, dy: &[f32], params: &mut ParamStore) {
        let (n, c, hw) = self.dims;
        let m = (n * hw) as f32;
        let threads = tape.threads;
        // A first contribution to dx is assigned, not added to zeros (same values).
        let need_dx = tape.needs_grad(self.x);
        let fresh = need_dx && tape.grad_for_write(self.x);
        let dx = need_dx.then(|| Shared(tape.grads[self.x.0].as_mut_ptr()));
        let (gamma, beta) = (params.value(self.p.gamma), params.value(self.p.beta));
        // (Σ dy·x̂, Σ dy) per channel: dγ's and dβ's terms, summed per image chunk and the
        // chunks' totals added in chunk order, as the forward's statistics (one thread by
        // channel, several by chunk: see `Tape::batch_norm_act`).
        let mut dgb = tape.buffer_for_overwrite(2 * c);
        let chunks = crate::parallel::chunks(n);
        let tasks = threads.tasks_for(chunks, n * c * hw);
        let mut parts = core::mem::take(&mut tape.f64_scratch);
        parts.clear();
        parts.resize(if tasks > 1 { chunks * c } else { 0 }, (0.0, 0.0));
        let xv = tape.values[self.x.0].data();
        let gate = |ch: usize| Gate {
            relu: self.relu,
            mean: self.mean[ch],
            inv_std: self.inv_std[ch],
            gamma: gamma[ch],
            beta: beta[ch],
        };
        let chunk_sums = |k: usize, ch: usize| {
            crate::simd::widest(PairSums {
                dy,
                x: xv,
                at: Planes { c, hw, ch },
                images: share(k, chunks, n),
                gate: gate(ch),
            })
        };
        // Channel ch's input gradient over `images`, from its totals (Σd, Σd·x̂).
        let input_gradient = |ch: usize, (sd, sdx): (f32, f32), images: core::ops::Range<usize>| {
            let k = gamma[ch] * self.inv_std[ch];
            // Hoisted out of the loop (the same value each element had): γ/(σ·M).
            let km = k / m;
            if let Some(dx) = dx {
                let terms = self.train.then_some((km, m, sd, sdx));
                let at = Planes { c, hw, ch };
                // SAFETY: the caller's task alone writes these images' planes of channel ch.
                crate::simd::widest(InputGradient { dy, x: xv, dx, fresh, at, images, gate: gate(ch), k, terms });
            }
        };
        let total = |sums: (f64, f64)| (sums.0 as f32, sums.1 as f32);
        if tasks <= 1 {
            for ch in 0..c {
                let (sd, sdx) = total(chunk_total(chunks, |k| chunk_sums(k, ch)));
                dgb[2 * ch..2 * ch + 2].copy_from_slice(&[sdx, sd]);
                input_gradient(ch, (sd, sdx), 0..n);
            }
        } else {
            chunk_partials(threads, n * c * hw, (&mut parts, chunks, c), &chunk_sums);
            for ch in 0..c {
                let (sd, sdx) = total(chunk_total(chunks, |k| parts[k * c + ch]));
                dgb[2 * ch..2 * ch + 2].copy_from_slice(&[sdx, sd]);
            }
            let dgb = &dgb;
            threads.items(chunks, n * c * hw, &|k| {
                for ch in 0..c {
                    input_gradient(ch, (dgb[2 * ch + 1], dgb[2 * ch]), share(k, chunks, n));
                }
            });
        }
        tape.f64_scratch = parts;
        for (ch, pair) in dgb.chunks_exact(2).enumerate() {
            params.grad_mut(self.p.gamma)[ch] += pair[0];
            params.grad_mut(self.p.beta)[ch] += pair[1];
        }
        tape.recycle(dgb);
    }
}

/// Channel `ch`'s planes of an `[N, C, H·W]` tensor: one run of `hw` values per image, `c·hw`
/// apart.
#[derive(Clone, Copy)]
struct Planes {
    c: usize,
    hw: usize,
    ch: usize,
}

impl Planes {
    /// The index range of plane `i`.
    #[inline(always)]
    fn plane(&self, i: usize) -> core::ops::Range<usize> {
        let off = (i * self.c + self.ch) * self.hw;
        off..off + self.hw
    }
}

// The per-channel loops below run through `simd::widest`, on 8-lane AVX where the CPU has it
// (the f64 sums, which the compiler vectorises by itself, too: twice the lanes of the SSE2
// baseline). No multiply-add is fused, and the f64 sums keep their `LANES` partials whatever
// the vector width, so every width computes the same bits.

/// Σx and Σx² over some images' planes of a channel (the forward's statistics).
struct SquareSums<'a> {
    x: &'a [f32],
    at: Planes,
    /// The images whose planes it covers.
    images: core::ops::Range<usize>,
}

impl OverLanes for SquareSums<'_> {
    type Output = (f64, f64);
    #[inline(always)]
    fn run<V: Lanes>(self) -> (f64, f64) {
        let mut acc = LaneSums::default();
        for i in self.images.clone() {
            acc.add_squares(&self.x[self.at.plane(i)]);
        }
        acc.total()
    }
}

/// `y = γ·x̂ + β` (then the fused ReLU) over some images' planes of a channel.
struct Normalise<'a> {
    x: &'a [f32],
    /// Written only in the planes `at` and `images` name, which the caller's task owns.
    y: Shared<f32>,
    at: Planes,
    /// The images whose planes it covers.
    images: core::ops::Range<usize>,
    gate: Gate,
}

impl OverLanes for Normalise<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        let gate = self.gate;
        for i in self.images.clone() {
            let r = self.at.plane(i);
            // SAFETY: these planes belong to the calling task alone.
            let yp = unsafe { self.y.slice(r.start, r.len()) };
            let xp = &self.x[r];
            let whole = xp.len() / V::N * V::N;
            for j in (0..whole).step_by(V::N) {
                gate.forward::<V>(&xp[j..], &mut yp[j..]);
            }
            for j in whole..xp.len() {
                gate.forward::<Scalar1>(&xp[j..], &mut yp[j..]);
            }
        }
    }
}

/// `(Σ d, Σ d·x̂)` over some images' planes of a channel, `d` the [`Gate`]d gradient.
struct PairSums<'a> {
    dy: &'a [f32],
    x: &'a [f32],
    at: Planes,
    /// The images whose planes it covers.
    images: core::ops::Range<usize>,
    gate: Gate,
}

impl OverLanes for PairSums<'_> {
    type Output = (f64, f64);
    #[inline(always)]
    fn run<V: Lanes>(self) -> (f64, f64) {
        let mut acc = LaneSums::default();
        for i in self.images.clone() {
            let r = self.at.plane(i);
            if self.gate.relu {
                acc.add_pairs::<V, true>(&self.dy[r.clone()], &self.x[r], self.gate);
            } else {
                acc.add_pairs::<V, false>(&self.dy[r.clone()], &self.x[r], self.gate);
            }
        }
        acc.total()
    }
}

/// A channel's input gradient: train `dx (+)= km·(m·d − Σd − x̂·Σ(d·x̂))` (`terms` = `(km, m,
/// Σd, Σ(d·x̂))`), eval `dx (+)= k·d`, `d` the [`Gate`]d gradient.
struct InputGradient<'a> {
    dy: &'a [f32],
    x: &'a [f32],
    /// Written only in the planes `at` and `images` name, which the caller's task owns.
    dx: Shared<f32>,
    fresh: bool,
    at: Planes,
    /// The images whose planes it covers.
    images: core::ops::Range<usize>,
    gate: Gate,
    k: f32,
    terms: Option<(f32, f32, f32, f32)>,
}

impl OverLanes for InputGradient<'_> {
    type Output = ();
    #[inline(always)]
    fn run<V: Lanes>(self) {
        match self.gate.relu {
            true => self.planes::<V, true>(),
            false => self.planes::<V, false>(),
        }
    }
}

impl InputGradient<'_> {
    #[inline(always)]
    fn planes<V: Lanes, const RELU: bool>(&self) {
        for i in self.images.clone() {
            let r = self.at.plane(i);
            // SAFETY: these planes belong to the calling task alone.
            let dxp = unsafe { self.dx.slice(r.start, r.len()) };
            let (dyp, xp) = (&self.dy[r.clone()], &self.x[r]);
            let whole = xp.len() / V::N * V::N;
            for j in (0..whole).step_by(V::N) {
                self.lanes::<V, RELU>(&dyp[j..], &xp[j..], &mut dxp[j..]);
            }
            for j in whole..xp.len() {
                self.lanes::<Scalar1, RELU>(&dyp[j..], &xp[j..], &mut dxp[j..]);
            }
        }
    }

    /// `W::N` values from the starts of the slices.
    #[inline(always)]
    fn lanes<W: Lanes, const RELU: bool>(&self, dy: &[f32], x: &[f32], dx: &mut [f32]) {
        let (d, x) = (W::load_slice(dy), W::load_slice(x));
        let (d, xh) = self.gate.gated::<W, RELU>(d, x);
        // The scalar formulas' operations in their order: km·((m·d − Σd) − x̂·Σ(d·x̂)), k·d.
        let v = match self.terms {
            Some((km, m, sd, sdx)) => W::splat(km).mul(W::splat(m).mul(d).sub(W::splat(sd)).sub(xh.mul(W::splat(sdx)))),
            None => W::splat(self.k).mul(d),
        };
        let v = if self.fresh { v } else { W::load_slice(dx).add(v) };
        v.store_slice(dx);
    }
}

/// A channel's two sums over the batch from its image chunks' (`chunk(k)` for chunk `k` of
/// `chunks`), added in chunk order: both passes' totals, the same bits whether the chunks'
/// sums were just computed on this thread or read back from [`chunk_partials`].
fn chunk_total(chunks: usize, chunk: impl Fn(usize) -> (f64, f64)) -> (f64, f64) {
    (0..chunks).map(chunk).fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// Every image chunk's sums of every channel on the pool's threads: `sums(k, ch)` into row
/// `k` of `parts` (`chunks` rows of `c`), each row by the task that claims chunk `k`,
/// which on its own share is the task that computed those images' convolution
/// ([`crate::parallel::Claims`]). `work` is the pass's size in elements.
fn chunk_partials(
    threads: crate::parallel::Threads,
    work: usize,
    (parts, chunks, c): (&mut [(f64, f64)], usize, usize),
    sums: &(dyn Fn(usize, usize) -> (f64, f64) + Sync),
) {
    assert!(parts.len() >= chunks * c, "chunk_partials: {} sums for {chunks} chunks of {c}", parts.len());
    let ps = Shared(parts.as_mut_ptr());
    threads.items(chunks, work, &|k| {
        // SAFETY: chunk k's row belongs to this task alone, inside `parts`, which stays
        // mutably borrowed for the call.
        let row = unsafe { ps.slice(k * c, c) };
        for (ch, part) in row.iter_mut().enumerate() {
            *part = sums(k, ch);
        }
    });
}

/// Two f64 sums over runs of f32, kept in [`LANES`] independent partial sums (element `j` of
/// every run goes to partial `j % LANES`), added up as a fixed tree at the end: the same order
/// on every machine and thread count, and no chain of dependent additions, so the loop runs at
/// the speed of the loads (a single running sum waits for each addition's latency).
#[derive(Default)]
struct LaneSums {
    a: [f64; LANES],
    b: [f64; LANES],
}

/// Partial sums of [`LaneSums`].
const LANES: usize = 8;

impl LaneSums {
    /// Adds every `v` of `xs` and its square (in f64).
    #[inline(always)]
    fn add_squares(&mut self, xs: &[f32]) {
        let mut chunks = xs.chunks_exact(LANES);
        for ch in &mut chunks {
            for k in 0..LANES {
                let v = ch[k] as f64;
                self.a[k] += v;
                self.b[k] += v * v;
            }
        }
        for (k, &v) in chunks.remainder().iter().enumerate() {
            let v = v as f64;
            self.a[k] += v;
            self.b[k] += v * v;
        }
    }

    /// Adds `d` and the f32 product `d·x̂` of every pair, `x̂` the normalised `x` and `d`
    /// the [`Gate`]d gradient: both computed on lanes into a block of [`LANES`], then added to
    /// the partial sums in f64.
    #[inline(always)]
    fn add_pairs<V: Lanes, const RELU: bool>(&mut self, ds: &[f32], xs: &[f32], gate: Gate) {
        let xs = &xs[..ds.len()];
        let whole = ds.len() / LANES * LANES;
        for j in (0..whole).step_by(LANES) {
            let (mut dm, mut pr) = ([0.0f32; LANES], [0.0f32; LANES]);
            for h in (0..LANES).step_by(V::N) {
                let (d, xh) = gate.gated::<V, RELU>(V::load_slice(&ds[j + h..]), V::load_slice(&xs[j + h..]));
                d.store_slice(&mut dm[h..]);
                d.mul(xh).store_slice(&mut pr[h..]);
            }
            for k in 0..LANES {
                self.a[k] += dm[k] as f64;
                self.b[k] += pr[k] as f64;
            }
        }
        for (k, (&d, &x)) in ds[whole..].iter().zip(&xs[whole..]).enumerate() {
            let (d, xh) = gate.gated::<Scalar1, RELU>(Scalar1(d), Scalar1(x));
            self.a[k] += d.0 as f64;
            self.b[k] += (d.0 * xh.0) as f64;
        }
    }

    /// The two totals, `((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))`.
    fn total(&self) -> (f64, f64) {
        let t = |p: &[f64; LANES]| ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        (t(&self.a), t(&self.b))
    }
}
