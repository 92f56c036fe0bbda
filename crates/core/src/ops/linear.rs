//! Fully connected layer `y = x·Wᵀ + b` (PyTorch weight layout `[out, in]`).

use crate::autograd::{Node, ParamId, ParamStore, Tape, Var};
use crate::kernels::gemm::{Gemm, MatRef};
use crate::parallel::gemm_rows;

/// Saved state of a linear op.
#[derive(Debug)]
pub(crate) struct LinearNode {
    pub(crate) x: Var,
    pub(crate) w: ParamId,
    b: Option<ParamId>,
    dims: (usize, usize, usize), // (batch B, in, out)
    /// ReLU fused into the epilogue.
    pub(crate) relu: bool,
}

impl Tape {
    /// `y[B, out] = x[B, in] · Wᵀ + b` with `w: [out, in]`, `b: [out]`.
    ///
    /// # Panics
    /// If `x` is not `[B, in]` or the parameter shapes disagree.
    #[track_caller]
    pub fn linear(&mut self, params: &ParamStore, x: Var, w: ParamId, b: Option<ParamId>) -> Var {
        self.linear_act(params, x, w, b, false)
    }

    /// [`Tape::linear`] with an optional ReLU fused into the epilogue (bias is fused already:
    /// the GEMM accumulates onto it).
    #[track_caller]
    pub fn linear_act(&mut self, params: &ParamStore, x: Var, w: ParamId, b: Option<ParamId>, relu: bool) -> Var {
        let [batch, fan_in] = self.value(x).matrix("linear");
        let ws = &params.entry(w).shape;
        assert!(ws.len() == 2 && ws[1] == fan_in, "linear: weight {ws:?} does not take {fan_in} inputs");
        let out = ws[0];
        let mut y = self.tensor_for_overwrite(&[batch, out]);
        let beta = match b {
            Some(b) => {
                let bv = params.value(b);
                assert_eq!(bv.len(), out, "linear: bias length");
                for row in y.data_mut().chunks_exact_mut(out) {
                    row.copy_from_slice(bv);
                }
                1.0
            }
            None => 0.0,
        };
        // The batch's rows split among the threads (bit-identical for any count).
        let threads = self.threads;
        self.lanes(threads.count());
        let Tape { values, lanes, .. } = &mut *self;
        let xv = values[x.0].data();
        gemm_rows(
            threads,
            lanes,
            Gemm {
                m: batch,
                n: out,
                k: fan_in,
                alpha: 1.0,
                a: MatRef::row_major(xv, fan_in),
                b: MatRef::transposed(params.value(w), fan_in),
                beta,
                ldc: out,
            },
            y.data_mut(),
        );
        if relu {
            crate::kernels::activation::relu_in_place(y.data_mut());
        }
        // Parameters always need gradients, so the output does too.
        self.push(y, Node::Linear(LinearNode { x, w, b, dims: (batch, fan_in, out), relu }), true)
    }
}

impl LinearNode {
    /// `dW += dyᵀ·x`, `db += Σ_rows dy`, `dx += dy·W`.
    pub(crate) fn backward(&self, tape: &mut Tape, me: Var, dy: &[f32], params: &mut ParamStore) {
        if self.relu {
            let masked = tape.relu_masked(me, dy);
            self.backward_linear_part(tape, &masked, params);
            tape.recycle(masked);
        } else {
            self.backward_linear_part(tape, dy, params);
        }
    }

    fn backward_linear_part(&self, tape: &mut Tape, dy: &[f32], params: &mut ParamStore) {
        let (batch, fan_in, out) = self.dims;
        // Rows of dx (the batch) and of dW (the outputs) split among the threads.
        let threads = tape.threads;
        tape.lanes(threads.count());
        if tape.needs_grad(self.x) {
            tape.grad_mut(self.x);
            let Tape { grads, lanes, .. } = &mut *tape;
            gemm_rows(
                threads,
                lanes,
                Gemm {
                    m: batch,
                    n: fan_in,
                    k: out,
                    alpha: 1.0,
                    a: MatRef::row_major(dy, out),
                    b: MatRef::row_major(params.value(self.w), fan_in),
                    beta: 1.0,
                    ldc: fan_in,
                },
                &mut grads[self.x.0],
            );
        }
        let Tape { values, lanes, .. } = &mut *tape;
        let xv = values[self.x.0].data();
        gemm_rows(
            threads,
            lanes,
            Gemm {
                m: out,
                n: fan_in,
                k: batch,
                alpha: 1.0,
                a: MatRef::transposed(dy, out),
                b: MatRef::row_major(xv, fan_in),
                beta: 1.0,
                ldc: fan_in,
            },
            params.grad_mut(self.w),
        );
        if let Some(b) = self.b {
            let db = params.grad_mut(b);
            for row in dy.chunks_exact(out) {
                for (g, d) in db.iter_mut().zip(row) {
                    *g += d;
                }
            }
        }
    }
}
