//! 2-D convolution via im2col + GEMM, one image and one group at a time;
//! `x: [N, C, H, W]`, `w: [O, C/G, KH, KW]`, `b: [O]`, `y: [N, O, OH, OW]`.
//!
//! Group `g` of image `n` is one GEMM: `y[n, g] (O/G × OH·OW) = W[g] (O/G × K) · col[n, g]
//! (K × OH·OW)` with `K = (C/G)·KH·KW`; the rows of `col` for group `g` are contiguous, so
//! grouped and depthwise convolution need no copies. A pointwise (1×1, stride 1, no padding)
//! convolution skips im2col: the input image already is its `col` matrix.

use crate::autograd::{Node, ParamId, ParamStore, Tape, Var};
use crate::kernels::activation::relu_in_place;
use crate::kernels::conv::{col2im_add, im2col, Conv2dParams};
use crate::kernels::depthwise::{depthwise_backward_input, depthwise_backward_weight, depthwise_forward};
use crate::kernels::dot;
use crate::kernels::gemm::{gemm, Gemm, MatRef};
use crate::kernels::{winograd, winograd4};
use crate::parallel::{share, Claims, Lane, Shared};

/// Saved state of a convolution: geometry and handles only. The backward pass unfolds each
/// image again instead of keeping `[N, C·KH·KW, OH·OW]` columns alive between the passes:
/// im2col is cheap next to the GEMMs, and a deep net's saved columns would take hundreds of
/// megabytes; one image's columns stay in cache.
#[derive(Debug)]
pub(crate) struct Conv2dNode {
    pub(crate) x: Var,
    pub(crate) w: ParamId,
    b: Option<ParamId>,
    p: Conv2dParams,
    in_hw: (usize, usize),
    out_hw: (usize, usize),
    batch: usize,
    /// ReLU fused into the epilogue: the output on the tape is post-activation.
    pub(crate) relu: bool,
}

impl Tape {
    /// Convolution with geometry `p`: per image and group `y = W · im2col(x) + b`.
    ///
    /// # Panics
    /// If shapes disagree with `p`, `p` is invalid, or the kernel does not fit the padded input.
    #[track_caller]
    pub fn conv2d(&mut self, params: &ParamStore, x: Var, w: ParamId, b: Option<ParamId>, p: Conv2dParams) -> Var {
        self.conv2d_act(params, x, w, b, p, false)
    }

    /// [`Tape::conv2d`] with an optional ReLU fused into the epilogue: each image's output is
    /// clamped right after its GEMM (bias is already fused: the GEMM accumulates onto it),
    /// saving a pass over the activations and a tensor on the tape.
    #[track_caller]
    pub fn conv2d_act(
        &mut self,
        params: &ParamStore,
        x: Var,
        w: ParamId,
        b: Option<ParamId>,
        p: Conv2dParams,
        relu: bool,
    ) -> Var {
        let [n, c, h, wd] = self.value(x).nchw("conv2d");
        if let Err(e) = p.check() {
            panic!("conv2d: {e} ({p:?})");
        }
        assert_eq!(c, p.in_channels, "conv2d: input has {c} channels, params say {}", p.in_channels);
        assert_eq!(params.entry(w).len, p.weight_len(), "conv2d: weight length");
        let (oh, ow) =
            p.output_size(h, wd).unwrap_or_else(|| panic!("conv2d: kernel {:?} does not fit {h}x{wd}", p.kernel));
        let (k, rows, hw, o, g) = (p.patch_len(), p.col_rows(), oh * ow, p.out_channels, p.groups);
        let og = o / g;
        if p.is_depthwise() {
            let node = Conv2dNode { x, w, b, p, in_hw: (h, wd), out_hw: (oh, ow), batch: n, relu };
            return self.depthwise_conv2d(params, node);
        }
        if winograd::pays(&p) {
            let node = Conv2dNode { x, w, b, p, in_hw: (h, wd), out_hw: (oh, ow), batch: n, relu };
            return self.winograd_conv2d(params, node);
        }
        let mut y = self.tensor_for_overwrite(&[n, o, oh, ow]);
        let pointwise = p.is_pointwise();
        let wv = params.value(w);
        let beta = if let Some(b) = b {
            fill_bias(y.data_mut(), params.value(b), hw);
            1.0
        } else {
            0.0
        };
        // Images claimed one at a time by the threads' tasks (see crate::parallel): each image
        // is computed exactly as on one thread.
        let tasks = self.threads.tasks(n);
        let threads = self.threads;
        for lane in self.lanes(tasks) {
            if !pointwise && lane.col.len() < rows * hw {
                lane.col.resize(rows * hw, 0.0);
            }
        }
        let Tape { values, lanes, .. } = &mut *self;
        let xv = values[x.0].data();
        let (ys, ls) = (Shared(y.data_mut().as_mut_ptr()), Shared(lanes.as_mut_ptr()));
        let claims = Claims::new(n, tasks);
        threads.run(tasks, &|t| {
            // SAFETY: task t alone uses lane t and the outputs of the images it claims.
            let lane = unsafe { &mut ls.slice(t, 1)[0] };
            for i in claims.iter(t) {
                let xi = &xv[i * c * h * wd..(i + 1) * c * h * wd];
                let col: &[f32] = if pointwise {
                    xi
                } else {
                    im2col(xi, h, wd, &p, &mut lane.col[..rows * hw], &mut lane.padded);
                    &lane.col[..rows * hw]
                };
                let yi = unsafe { ys.slice(i * o * hw, o * hw) };
                for gi in 0..g {
                    let a = MatRef::row_major(&wv[gi * og * k..], k);
                    let bm = MatRef::row_major(&col[gi * k * hw..(gi + 1) * k * hw], hw);
                    gemm(
                        Gemm { m: og, n: hw, k, alpha: 1.0, a, b: bm, beta, ldc: hw },
                        &mut yi[gi * og * hw..],
                        &mut lane.gemm,
                    );
                }
                if relu {
                    relu_in_place(yi);
                }
            }
        });
        let node = Conv2dNode { x, w, b, p, in_hw: (h, wd), out_hw: (oh, ow), batch: n, relu };
        self.push(y, Node::Conv2d(node), true)
    }
}

/// Sets every output plane of `y: [N, O, hw]` to its channel's bias (the GEMM then accumulates
/// onto it with `beta = 1`: the bias add is fused).
fn fill_bias(y: &mut [f32], bias: &[f32], hw: usize) {
    for img in y.chunks_exact_mut(bias.len() * hw) {
        for (plane, &b) in img.chunks_exact_mut(hw).zip(bias) {
            plane.fill(b);
        }
    }
}

impl Tape {
    /// The depthwise path of [`Tape::conv2d`]: a direct stencil per plane; `node` is the
    /// checked geometry the backward will need.
    fn depthwise_conv2d(&mut self, params: &ParamStore, node: Conv2dNode) -> Var {
        let Conv2dNode { x, w, b, p, in_hw: (h, wd), out_hw: (oh, ow), batch: n, relu } = node;
        let (c, o, hw) = (p.in_channels, p.out_channels, oh * ow);
        let mut y = self.tensor(&[n, o, oh, ow]);
        if let Some(b) = b {
            fill_bias(y.data_mut(), params.value(b), hw);
        }
        let xv = self.values[x.0].data();
        for i in 0..n {
            let yi = &mut y.data_mut()[i * o * hw..(i + 1) * o * hw];
            depthwise_forward(&xv[i * c * h * wd..(i + 1) * c * h * wd], h, wd, params.value(w), &p, yi);
            if relu {
                relu_in_place(yi);
            }
        }
        self.push(y, Node::Conv2d(node), true)
    }
}

impl Tape {
    /// The Winograd path of [`Tape::conv2d`] (see [`winograd::pays`]): the kernels are
    /// transformed once, then each thread convolves its images a few at a time.
    fn winograd_conv2d(&mut self, params: &ParamStore, node: Conv2dNode) -> Var {
        let Conv2dNode { x, w, b, p, in_hw: (h, wd), out_hw: (oh, ow), batch: n, relu } = node;
        let (c, o) = (p.in_channels, p.out_channels);
        let geo = winograd::Geometry::forward(&p, h, wd).expect("conv2d: winograd::pays checked the geometry");
        // F(4×4, 3×3) where the output is whole 4×4 tiles (see winograd4::pays).
        let f4 = winograd4::pays(&geo);
        let convolve = winograd4::convolver(f4);
        let u = self.transformed_weights(params.value(w), o, c, false, f4);
        let mut y = self.tensor_for_overwrite(&[n, o, oh, ow]);
        let bias = b.map(|b| params.value(b));
        let tasks = self.threads.tasks(n);
        let threads = self.threads;
        self.lanes(tasks);
        let Tape { values, lanes, .. } = &mut *self;
        let xv = values[x.0].data();
        let per = if f4 { winograd4::images_per_gemm(&geo, n) } else { winograd::images_per_gemm(&geo, n) };
        let count = balanced_groups(n, per, tasks);
        let (in_len, out_len) = (c * h * wd, o * oh * ow);
        let (ys, ls) = (Shared(y.data_mut().as_mut_ptr()), Shared(lanes.as_mut_ptr()));
        // Groups of images (one GEMM each), claimed one at a time.
        let claims = Claims::new(count, tasks);
        threads.run(tasks, &|t| {
            // SAFETY: task t alone uses lane t and the outputs of the groups it claims.
            let lane = unsafe { &mut ls.slice(t, 1)[0] };
            for g in claims.iter(t) {
                let group = share(g, count, n);
                let yi = unsafe { ys.slice(group.start * out_len, group.len() * out_len) };
                let xi = &xv[group.start * in_len..group.end * in_len];
                convolve(xi, group.len(), &u, geo, bias, false, yi, &mut lane.wino, &mut lane.gemm);
                if relu {
                    relu_in_place(yi);
                }
            }
        });
        self.recycle(u);
        self.push(y, Node::Conv2d(node), true)
    }
}

impl Tape {
    /// [`winograd::transform_weights`] (or, with `f4`, [`winograd4::transform_weights`]) into a
    /// pooled buffer, its rows split among the threads (each value is computed as on one
    /// thread).
    fn transformed_weights(&mut self, w: &[f32], o: usize, c: usize, flip: bool, f4: bool) -> alloc::vec::Vec<f32> {
        let positions = if f4 { winograd4::POSITIONS } else { winograd::POSITIONS };
        let mut u = self.buffer_for_overwrite(positions * o * c);
        let (rows, cols) = if flip { (c, o) } else { (o, c) };
        let tasks = self.threads.tasks_for(rows, positions * o * c);
        let us = Shared(u.as_mut_ptr());
        self.threads.run(tasks, &|t| {
            let r = share(t, tasks, rows);
            // SAFETY: task t alone writes rows r of every position's plane, inside u.
            let plane = |xi: usize| unsafe { us.slice(xi * o * c + r.start * cols, r.len() * cols) };
            if f4 {
                winograd4::transform_weight_rows(w, o, c, flip, r.clone(), core::array::from_fn(plane));
            } else {
                winograd::transform_weight_rows(w, o, c, flip, r.clone(), core::array::from_fn(plane));
            }
        });
        u
    }
}

/// How many groups the forward pass cuts `n` images into for `tasks` threads, where
/// [`winograd::images_per_gemm`] asks for about `per` images a group: `n / per` groups,
/// rounded up to a multiple of `tasks`, so that no thread is left a group to run while the
/// others wait at the join (64 images at 5 a group made 13 groups, 7 for one thread and 6 for
/// the other); a group size a little smaller than `per` that cuts `n` into equal groups, if one
/// does (64 images: 16 groups of 4). Images go to groups by [`share`]. Each output of a product
/// is summed in the same order whatever the other columns are, so any grouping gives the same
/// bits (the weight gradient, which sums over tiles, keeps its fixed groups).
fn balanced_groups(n: usize, per: usize, tasks: usize) -> usize {
    let per = per.clamp(1, n.max(1));
    let tasks = tasks.max(1);
    if tasks == 1 {
        return n.div_ceil(per);
    }
    if let Some(even) =
        (per.div_ceil(2).max(1)..=per).rev().find(|&q| n.is_multiple_of(q) && (n / q).is_multiple_of(tasks))
    {
        return n / even;
    }
    n.div_ceil(per).next_multiple_of(tasks).min(n.max(1))
}

/// `range` cut into consecutive groups of at most `per` items.
fn groups(range: core::ops::Range<usize>, per: usize) -> impl Iterator<Item = core::ops::Range<usize>> {
    let end = range.end;
    range.step_by(per.max(1)).map(move |i| i..(i + per.max(1)).min(end))
}

impl Conv2dNode {
    /// Depthwise backward: direct stencils for `dW` and `dx`.
    fn backward_depthwise(&self, tape: &mut Tape, dy: &[f32], params: &mut ParamStore) {
        let p = &self.p;
        let (h, w) = self.in_hw;
        let (c, o, hw) = (p.in_channels, p.out_channels, self.out_hw.0 * self.out_hw.1);
        let need_dx = tape.needs_grad(self.x);
        if need_dx {
            tape.grad_mut(self.x);
        }
        let (wv, dw) = params.value_and_grad_mut(self.w);
        let Tape { values, grads, .. } = &mut *tape;
        let xv = values[self.x.0].data();
        for i in 0..self.batch {
            let dyi = &dy[i * o * hw..(i + 1) * o * hw];
            depthwise_backward_weight(&xv[i * c * h * w..(i + 1) * c * h * w], dyi, h, w, p, dw);
            if need_dx {
                depthwise_backward_input(dyi, h, w, wv, p, &mut grads[self.x.0][i * c * h * w..(i + 1) * c * h * w]);
            }
        }
    }

    /// Per image and group: `dW += dy·colᵀ`, `db += Σ_hw dy`, `dx += col2im(Wᵀ·dy)`.
    pub(crate) fn backward(&self, tape: &mut Tape, me: Var, dy: &[f32], params: &mut ParamStore) {
        if self.relu {
            // The fused ReLU's backward: pass dy where the output is positive.
            let masked = tape.relu_masked(me, dy);
            self.backward_linear_part(tape, &masked, params);
            tape.recycle(masked);
        } else {
            self.backward_linear_part(tape, dy, params);
        }
    }

    /// The convolution's own backward, for `dy` with respect to its (pre-activation) output.
    fn backward_linear_part(&self, tape: &mut Tape, dy: &[f32], params: &mut ParamStore) {
        if let Some(b) = self.b {
            let o = self.p.out_channels;
            let hw = self.out_hw.0 * self.out_hw.1;
            let db = params.grad_mut(b);
            for img in dy.chunks_exact(o * hw) {
                for (gr, plane) in db.iter_mut().zip(img.chunks_exact(hw)) {
                    *gr += plane.iter().sum::<f32>();
                }
            }
        }
        if self.p.is_depthwise() {
            return self.backward_depthwise(tape, dy, params);
        }
        let p = &self.p;
        let (h, w) = self.in_hw;
        let hw = self.out_hw.0 * self.out_hw.1;
        let (k, rows, o, c, g) = (p.patch_len(), p.col_rows(), p.out_channels, p.in_channels, p.groups);
        let og = o / g;
        let pointwise = p.is_pointwise();
        let need_dx = tape.needs_grad(self.x);
        // Winograd where it measured faster (see winograd::pays): the input gradient convolves
        // dy with the rotated kernels; the weight gradient sums each chunk in the transformed
        // domain, in fixed groups of its images, then transforms back into the chunk's target.
        let geo = winograd::Geometry::forward(p, h, w).filter(|_| winograd::pays(p));
        let wino = geo.is_some();
        // A first contribution to dx is assigned: Winograd writes every value; col2im and the
        // pointwise GEMM add, so each task zeroes its own images' dx first (in parallel).
        let fresh_dx = need_dx && tape.grad_for_write(self.x);
        // The input gradient's own geometry picks F(4×4, 3×3) or F(2×2, 3×3) (winograd4::pays).
        let gd = geo.map(|geo| geo.input_gradient());
        let dx_f4 = gd.is_some_and(|gd| winograd4::pays(&gd));
        let convolve_dx = winograd4::convolver(dx_f4);
        let uf = if wino && need_dx {
            tape.transformed_weights(params.value(self.w), o, c, true, dx_f4)
        } else {
            alloc::vec::Vec::new()
        };
        let (in_len, out_len) = (c * h * w, o * hw);
        let per = geo.map_or(1, |geo| winograd::images_per_gemm(&geo, self.batch));
        let per_dx = match gd {
            Some(gd) if dx_f4 => winograd4::images_per_gemm(&gd, self.batch),
            _ => per,
        };
        let (wv, dw) = params.value_and_grad_mut(self.w);
        let n_w = dw.len();
        // The batch in fixed chunks, one contiguous range of chunks per thread (see
        // crate::parallel): chunk 0 adds its images' weight gradients straight into dW, the
        // others into zeroed partial sums, added in chunk order at the end; dx is per image.
        let chunks = crate::parallel::chunks(self.batch);
        let tasks = tape.threads.tasks(chunks);
        let threads = tape.threads;
        for lane in tape.lanes(tasks).iter_mut() {
            if !pointwise && !wino && lane.col.len() < rows * hw {
                lane.col.resize(rows * hw, 0.0);
            }
            if need_dx && !wino && !pointwise && lane.dcol.len() < rows * hw {
                lane.dcol.resize(rows * hw, 0.0);
            }
        }
        while tape.partials.len() < chunks - 1 {
            tape.partials.push(alloc::vec::Vec::new());
        }
        for part in &mut tape.partials[..chunks - 1] {
            // Zeroed by the task that sums into it (its first `n_w` values); never shortened,
            // so that the layers' different sizes do not refill it serially every step.
            if part.len() < n_w {
                part.resize(n_w, 0.0);
            }
        }
        let Tape { values, grads, lanes, partials, .. } = &mut *tape;
        let xv = values[self.x.0].data();
        let dx = Shared(grads[self.x.0].as_mut_ptr());
        let (ls, dws, ps) = (Shared(lanes.as_mut_ptr()), Shared(dw.as_mut_ptr()), Shared(partials.as_mut_ptr()));
        let claims = Claims::new(chunks, tasks);
        threads.run(tasks, &|t| {
            // SAFETY: task t alone uses lane t, the dW targets of the chunks it claims (dW
            // itself for chunk 0, partial c − 1 for chunk c) and dx of their images.
            let lane = unsafe { &mut ls.slice(t, 1)[0] };
            let Lane { gemm: scratch, col, dcol, wino: ws, padded } = lane;
            for chunk in claims.iter(t) {
                let dw: &mut [f32] = if chunk == 0 {
                    unsafe { dws.slice(0, n_w) }
                } else {
                    let part = unsafe { &mut ps.slice(chunk - 1, 1)[0][..n_w] };
                    part.fill(0.0);
                    part
                };
                let imgs = share(chunk, chunks, self.batch);
                if let (Some(geo), Some(gd)) = (geo, gd) {
                    let input_gradient = |grp: core::ops::Range<usize>, ws: &mut _, scratch: &mut _| {
                        let dys = &dy[grp.start * out_len..grp.end * out_len];
                        // SAFETY: this chunk's images are this task's alone.
                        let dxs = unsafe { dx.slice(grp.start * in_len, grp.len() * in_len) };
                        convolve_dx(dys, grp.len(), &uf, gd, None, !fresh_dx, dxs, ws, scratch);
                    };
                    for (gi, grp) in groups(imgs.clone(), per).enumerate() {
                        let dys = &dy[grp.start * out_len..grp.end * out_len];
                        let xs = &xv[grp.start * in_len..grp.end * in_len];
                        winograd::weight_gradient_images(xs, dys, grp.len(), geo, gi == 0, ws, scratch);
                        if need_dx && !dx_f4 {
                            input_gradient(grp, ws, scratch);
                        }
                    }
                    winograd::finish_weight_gradient(&ws.du, o, c, dw);
                    if need_dx && dx_f4 {
                        // F(4×4, 3×3) groups images its own way: after dW, in the buffers
                        // dW has finished with (it keeps only its sum, ws.du).
                        for grp in groups(imgs.clone(), per_dx) {
                            input_gradient(grp, ws, scratch);
                        }
                    }
                    continue;
                }
                for i in imgs {
                    let dyi = &dy[i * o * hw..(i + 1) * o * hw];
                    let xi = &xv[i * c * h * w..(i + 1) * c * h * w];
                    let coli: &[f32] = if pointwise {
                        xi
                    } else {
                        im2col(xi, h, w, p, &mut col[..rows * hw], padded);
                        &col[..rows * hw]
                    };
                    // dW[g] += dy[g] · col[g]ᵀ (as dot products where that pays: dot::pays)
                    for gi in 0..g {
                        let a = MatRef::row_major(&dyi[gi * og * hw..(gi + 1) * og * hw], hw);
                        let bm = MatRef::transposed(&coli[gi * k * hw..(gi + 1) * k * hw], hw);
                        let gm = Gemm { m: og, n: k, k: hw, alpha: 1.0, a, b: bm, beta: 1.0, ldc: k };
                        if dot::pays(og, k, hw) {
                            dot::dot_gemm(gm, &mut dw[gi * og * k..]);
                        } else {
                            gemm(gm, &mut dw[gi * og * k..], scratch);
                        }
                    }
                    if !need_dx {
                        continue;
                    }
                    // dcol[g] = W[g]ᵀ · dy[g]; pointwise accumulates straight into dx.
                    let dxi = unsafe { dx.slice(i * c * h * w, c * h * w) };
                    if fresh_dx {
                        dxi.fill(0.0);
                    }
                    let (target, beta): (&mut [f32], f32) =
                        if pointwise { (dxi, 1.0) } else { (&mut dcol[..rows * hw], 0.0) };
                    for gi in 0..g {
                        let a = MatRef::transposed(&wv[gi * og * k..(gi + 1) * og * k], k);
                        let bm = MatRef::row_major(&dyi[gi * og * hw..(gi + 1) * og * hw], hw);
                        gemm(
                            Gemm { m: k, n: hw, k: og, alpha: 1.0, a, b: bm, beta, ldc: hw },
                            &mut target[gi * k * hw..],
                            scratch,
                        );
                    }
                    if !pointwise {
                        let dxi = unsafe { dx.slice(i * c * h * w, c * h * w) };
                        col2im_add(&dcol[..rows * hw], h, w, p, dxi);
                    }
                }
            }
        });
        // The partial sums in chunk order, each element on its own (split among the threads).
        let parts = &partials[..chunks - 1];
        threads.pieces([dw], &|at, [d]| {
            for part in parts {
                for (d, &v) in d.iter_mut().zip(&part[at..]) {
                    *d += v;
                }
            }
        });
        tape.recycle(uf);
    }
}

#[cfg(test)]
mod tests {
    use super::balanced_groups;

    /// Groups come in multiples of the thread count, equal where a size near the target divides
    /// the batch, never more than one per image; one thread keeps the target size.
    #[test]
    fn forward_groups_share_out_evenly() {
        // ResNet-20's forward passes at batch 64: 5 (28×28, F(4×4)), 6 (14×14) and 8 (7×7)
        // images a group.
        assert_eq!(balanced_groups(64, 5, 2), 16);
        assert_eq!(balanced_groups(64, 6, 2), 16);
        assert_eq!(balanced_groups(64, 8, 2), 8);
        assert_eq!(balanced_groups(64, 5, 1), 13);
        assert_eq!(balanced_groups(64, 5, 3), 15); // no equal size: 13 rounded up to 15
        assert_eq!(balanced_groups(50, 6, 2), 10); // 10 groups of 5
        assert_eq!(balanced_groups(7, 3, 2), 4);
        assert_eq!(balanced_groups(3, 8, 4), 3); // never more groups than images
        assert_eq!(balanced_groups(1, 5, 2), 1);
        for n in 1..100 {
            for per in 1..12 {
                for tasks in 1..5 {
                    let g = balanced_groups(n, per, tasks);
                    assert!(g >= 1 && g <= n, "{n} {per} {tasks}: {g}");
                    // No group is larger than asked for (the buffers are sized for `per`).
                    assert!(n.div_ceil(g) <= per.max(1), "{n} {per} {tasks}: {g}");
                }
            }
        }
    }
}
