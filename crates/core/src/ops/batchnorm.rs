//! Batch normalisation (Ioffe & Szegedy 2015) over the channels of `[N, C, H, W]` (or
//! `[N, C]`): train mode normalises with the batch's statistics and updates the running ones;
//! eval mode uses the running statistics.

use crate::autograd::{BufferId, Mode, Node, ParamId, ParamStore, Tape, Var};
use crate::parallel::Shared;
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
        // Channels are independent: the tasks claim them one at a time, and each channel's
        // statistics, running averages and normalising pass run in one task, back to back
        // (its data still in that core's cache). Per channel the arithmetic is that of one
        // thread, so any thread count gives the same bits.
        let threads = self.threads;
        // Σx, Σx² per channel, in the tape's kept f64 scratch (no allocation once grown).
        let mut sums = core::mem::take(&mut self.f64_scratch);
        sums.clear();
        sums.resize(if train { c } else { 0 }, (0.0, 0.0));
        let mut means = self.buffer_for_overwrite(c);
        // The running statistics, updated per channel by the tasks on a copy (written back
        // after); not while recalibrating, which adds the sums to exact totals instead.
        let update = train && self.bn_sums.is_none();
        let mut running = self.buffer_for_overwrite(if update { 2 * c } else { 0 });
        if update {
            running[..c].copy_from_slice(params.buffer(p.running_mean));
            running[c..].copy_from_slice(params.buffer(p.running_var));
        }
        let (gamma, beta) = (params.value(p.gamma), params.value(p.beta));
        let eval_stats = (!train).then(|| (params.buffer(p.running_mean), params.buffer(p.running_var)));
        let xv = self.values[x.0].data();
        let (ys, ss, ms, vs, rs) = (
            Shared(y.data_mut().as_mut_ptr()),
            Shared(sums.as_mut_ptr()),
            Shared(means.as_mut_ptr()),
            Shared(inv_std.as_mut_ptr()),
            Shared(running.as_mut_ptr()),
        );
        threads.items(c, n * c * hw, &|ch| {
            let (mean, var) = match eval_stats {
                Some((rm, rv)) => (rm[ch], rv[ch]),
                None => {
                    // One pass: Σx and Σx² in f64 (exact enough for activations).
                    let mut acc = LaneSums::default();
                    for i in 0..n {
                        acc.add_squares(&xv[(i * c + ch) * hw..(i * c + ch + 1) * hw]);
                    }
                    let (s, s2) = acc.total();
                    // SAFETY (this block's writes): channel ch — its sums, mean, 1/σ,
                    // running statistics and planes of y — belongs to this task alone.
                    unsafe { ss.slice(ch, 1)[0] = (s, s2) };
                    let mean = s / m as f64;
                    // var = E[x²] − mean²
                    let var = (s2 / m as f64 - mean * mean).max(0.0);
                    if update {
                        let unbiased = if m > 1 { var * m as f64 / (m - 1) as f64 } else { var };
                        let mom = momentum;
                        let rm = unsafe { &mut rs.slice(ch, 1)[0] };
                        *rm = (1.0 - mom) * *rm + mom * mean as f32;
                        let rv = unsafe { &mut rs.slice(c + ch, 1)[0] };
                        *rv = (1.0 - mom) * *rv + mom * unbiased as f32;
                    }
                    (mean as f32, var as f32)
                }
            };
            let is = 1.0 / crate::simd::sqrtf(var + p.eps);
            unsafe {
                ms.slice(ch, 1)[0] = mean;
                vs.slice(ch, 1)[0] = is;
            }
            let (g, b) = (gamma[ch], beta[ch]);
            for i in 0..n {
                let off = (i * c + ch) * hw;
                let yp = unsafe { ys.slice(off, hw) };
                for (yv, &xv) in yp.iter_mut().zip(&xv[off..off + hw]) {
                    let v = g * normalise(xv, mean, is) + b;
                    *yv = if relu && v < 0.0 { 0.0 } else { v };
                }
            }
        });
        if update {
            params.buffer_mut(p.running_mean).copy_from_slice(&running[..c]);
            params.buffer_mut(p.running_var).copy_from_slice(&running[c..]);
        }
        if let Some(totals) = self.bn_sums.as_mut().filter(|_| train) {
            // Recalibrating: add to the exact totals instead of a moving average.
            let e = totals.entry(p.running_mean.0).or_insert_with(|| (alloc::vec![0.0; c], alloc::vec![0.0; c], 0));
            for (ch, &(s, s2)) in sums.iter().enumerate() {
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

/// `x̂ = (x − μ)·(1/σ)`: the one definition the forward and the backward pass both use.
#[inline(always)]
fn normalise(x: f32, mean: f32, inv_std: f32) -> f32 {
    (x - mean) * inv_std
}

/// `dx[j] = v(j)` for a fresh gradient buffer ([`Tape::grad_for_write`]), `dx[j] += v(j)`
/// onto earlier contributions: two loops, so neither tests `fresh` per value.
#[inline(always)]
fn write_dx(dx: &mut [f32], fresh: bool, v: impl Fn(usize) -> f32) {
    if fresh {
        for (j, d) in dx.iter_mut().enumerate() {
            *d = v(j);
        }
    } else {
        for (j, d) in dx.iter_mut().enumerate() {
            *d += v(j);
        }
    }
}

impl BatchNormNode {
    /// `dγ += Σ dy·x̂`, `dβ += Σ dy`; train: `dx += γ/(σ·M)·(M·dy − Σdy − x̂·Σ(dy·x̂))`,
    /// eval: `dx += γ·dy/σ`.
    pub(crate) fn backward(&self, tape: &mut Tape, me: Var, dy: &[f32], params: &mut ParamStore) {
        if self.relu {
            let masked = tape.relu_masked(me, dy);
            self.backward_affine(tape, &masked, params);
            tape.recycle(masked);
        } else {
            self.backward_affine(tape, dy, params);
        }
    }

    fn backward_affine(&self, tape: &mut Tape, dy: &[f32], params: &mut ParamStore) {
        let (n, c, hw) = self.dims;
        let m = (n * hw) as f32;
        let threads = tape.threads;
        // A first contribution to dx is assigned, not added to zeros (same values).
        let need_dx = tape.needs_grad(self.x);
        let fresh = need_dx && tape.grad_for_write(self.x);
        let dx = need_dx.then(|| Shared(tape.grads[self.x.0].as_mut_ptr()));
        let gamma = params.value(self.p.gamma);
        // (Σ dy·x̂, Σ dy) per channel: dγ's and dβ's terms.
        let mut dgb = tape.buffer_for_overwrite(2 * c);
        let dgs = Shared(dgb.as_mut_ptr());
        let xv = tape.values[self.x.0].data();
        threads.items(c, n * c * hw, &|ch| {
            let (mean, is) = (self.mean[ch], self.inv_std[ch]);
            let mut acc = LaneSums::default();
            for i in 0..n {
                let off = (i * c + ch) * hw;
                acc.add_pairs(&dy[off..off + hw], &xv[off..off + hw], mean, is);
            }
            let (sd, sdx) = acc.total();
            let (sd, sdx) = (sd as f32, sdx as f32);
            // SAFETY: channel ch (its sums and its planes of dx) belongs to this task alone.
            unsafe { dgs.slice(2 * ch, 2).copy_from_slice(&[sdx, sd]) };
            let k = gamma[ch] * self.inv_std[ch];
            // Hoisted out of the loop (the same value each element had): γ/(σ·M).
            let km = k / m;
            if let Some(dx) = dx {
                for i in 0..n {
                    let off = (i * c + ch) * hw;
                    let dxp = unsafe { dx.slice(off, hw) };
                    let (dyp, xp) = (&dy[off..off + hw], &xv[off..off + hw]);
                    if self.train {
                        write_dx(dxp, fresh, |j| km * (m * dyp[j] - sd - normalise(xp[j], mean, is) * sdx));
                    } else {
                        write_dx(dxp, fresh, |j| k * dyp[j]);
                    }
                }
            }
        });
        for (ch, pair) in dgb.chunks_exact(2).enumerate() {
            params.grad_mut(self.p.gamma)[ch] += pair[0];
            params.grad_mut(self.p.beta)[ch] += pair[1];
        }
        tape.recycle(dgb);
    }
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

    /// Adds `d` and the f32 product `d·x̂` of every pair, `x̂` the [`normalise`]d `x`.
    #[inline(always)]
    fn add_pairs(&mut self, ds: &[f32], xs: &[f32], mean: f32, inv_std: f32) {
        let xs = &xs[..ds.len()];
        let (mut dc, mut xc) = (ds.chunks_exact(LANES), xs.chunks_exact(LANES));
        for (d, x) in (&mut dc).zip(&mut xc) {
            for k in 0..LANES {
                self.a[k] += d[k] as f64;
                self.b[k] += (d[k] * normalise(x[k], mean, inv_std)) as f64;
            }
        }
        for (k, (&d, &x)) in dc.remainder().iter().zip(xc.remainder()).enumerate() {
            self.a[k] += d as f64;
            self.b[k] += (d * normalise(x, mean, inv_std)) as f64;
        }
    }

    /// The two totals, `((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))`.
    fn total(&self) -> (f64, f64) {
        let t = |p: &[f64; LANES]| ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        (t(&self.a), t(&self.b))
    }
}
