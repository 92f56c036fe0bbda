//! A built model: a tree of ops holding parameter handles, run on a [`Tape`].

use alloc::vec::Vec;
use depthlab_core::kernels::activation::Activation;
use depthlab_core::ops::batchnorm::BatchNormParams;
use depthlab_core::{Conv2dParams, Mode, ParamId, ParamStore, Pool2dParams, Rng, Tape, Var};

/// One built op.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// `relu`: a ReLU that followed in the spec, fused into the epilogue.
    Conv {
        p: Conv2dParams,
        w: ParamId,
        b: Option<ParamId>,
        relu: bool,
    },
    /// `relu`: a ReLU that followed, fused into the normalising pass.
    Bn {
        p: BatchNormParams,
        relu: bool,
    },
    Act(Activation),
    MaxPool(Pool2dParams),
    AvgPool(Pool2dParams),
    Gap,
    Flatten,
    Linear {
        w: ParamId,
        b: Option<ParamId>,
        relu: bool,
    },
    Dropout(f32),
    /// `post(body(x) + shortcut(x))`.
    Residual {
        body: Vec<Op>,
        shortcut: Shortcut,
        post: Vec<Op>,
    },
    /// `T·H(x) + (1 − T)·x`, `T = σ(gate(x))`.
    Highway {
        h: Vec<Op>,
        gate: Vec<Op>,
    },
    /// Branches applied to the same input, concatenated along channels.
    Branches(Vec<Vec<Op>>),
    /// An auxiliary classifier: its logits are collected, the input passes through.
    Aux(Vec<Op>),
    /// Passes its input on (a removed batch norm); dropped by [`fuse_relu`].
    Identity,
}

/// How a residual block's input reaches the addition.
#[derive(Clone, Debug)]
pub(crate) enum Shortcut {
    Identity,
    Pad { out: usize, stride: usize },
    Proj(Vec<Op>),
    Absent,
}

/// Most auxiliary heads a model may have.
pub const MAX_AUX: usize = 4;

/// What a forward pass produces.
#[derive(Clone, Copy, Debug)]
pub struct NetworkOutput {
    /// Main classifier logits `[N, 10]`.
    pub logits: Var,
    aux: [Var; MAX_AUX],
    n_aux: usize,
}

impl NetworkOutput {
    /// Auxiliary classifiers' logits, in training mode only (empty without `aux_head`s).
    pub fn aux(&self) -> &[Var] {
        &self.aux[..self.n_aux]
    }
}

/// Collects auxiliary logits without allocating.
struct AuxSink {
    vars: [Var; MAX_AUX],
    len: usize,
}

impl AuxSink {
    fn push(&mut self, v: Var) {
        // The builder rejects more than MAX_AUX heads, so this never overflows.
        self.vars[self.len] = v;
        self.len += 1;
    }
}

/// A model built from a [`super::ModelSpec`].
#[derive(Clone, Debug)]
pub struct Network {
    pub(crate) ops: Vec<Op>,
    pub(crate) input: [usize; 3],
    pub(crate) rng: Rng,
}

impl Network {
    /// Input shape `[C, H, W]`.
    pub fn input_shape(&self) -> [usize; 3] {
        self.input
    }

    /// Records the forward pass of `x: [N, C, H, W]`.
    pub fn forward(&mut self, tape: &mut Tape, params: &mut ParamStore, x: Var, mode: Mode) -> NetworkOutput {
        let mut aux = AuxSink { vars: [Var::default(); MAX_AUX], len: 0 };
        let logits = run(&self.ops, tape, params, x, mode, &mut self.rng, &mut aux);
        NetworkOutput { logits, aux: aux.vars, n_aux: aux.len }
    }
}

fn run(ops: &[Op], t: &mut Tape, p: &mut ParamStore, mut x: Var, mode: Mode, rng: &mut Rng, aux: &mut AuxSink) -> Var {
    for op in ops {
        x = match op {
            Op::Conv { p: cp, w, b, relu } => t.conv2d_act(p, x, *w, *b, *cp, *relu),
            Op::Bn { p: bp, relu } => t.batch_norm_act(p, x, *bp, mode, *relu),
            Op::Act(a) => t.activation(x, *a),
            Op::Identity => x,
            Op::MaxPool(pp) => t.max_pool2d(x, *pp),
            Op::AvgPool(pp) => t.avg_pool2d(x, *pp),
            Op::Gap => t.global_avg_pool(x),
            Op::Flatten => t.flatten(x),
            Op::Linear { w, b, relu } => {
                let x = if t.value(x).shape().len() == 2 { x } else { t.flatten(x) };
                t.linear_act(p, x, *w, *b, *relu)
            }
            Op::Dropout(prob) => t.dropout(x, *prob, rng, mode),
            Op::Residual { body, shortcut, post } => {
                let h = run(body, t, p, x, mode, rng, aux);
                let s = match shortcut {
                    Shortcut::Identity => Some(x),
                    Shortcut::Pad { out, stride } => Some(t.pad_shortcut(x, *out, *stride)),
                    Shortcut::Proj(ops) => Some(run(ops, t, p, x, mode, rng, aux)),
                    Shortcut::Absent => None,
                };
                match (s, post.split_first()) {
                    // relu(body + shortcut), ResNet v1's block output: one fused pass.
                    (Some(s), Some((Op::Act(Activation::Relu), rest))) => {
                        let y = t.add_act(h, s, true);
                        run(rest, t, p, y, mode, rng, aux)
                    }
                    (Some(s), _) => {
                        let y = t.add(h, s);
                        run(post, t, p, y, mode, rng, aux)
                    }
                    (None, _) => run(post, t, p, h, mode, rng, aux),
                }
            }
            Op::Highway { h, gate } => {
                let hx = run(h, t, p, x, mode, rng, aux);
                let g = run(gate, t, p, x, mode, rng, aux);
                let gate = t.activation(g, Activation::Sigmoid);
                let carry = t.affine(gate, -1.0, 1.0);
                let th = t.mul(gate, hx);
                let cx = t.mul(carry, x);
                t.add(th, cx)
            }
            Op::Branches(branches) => {
                let mut outs = [Var::default(); depthlab_core::ops::concat::MAX_PARTS];
                for (o, b) in outs.iter_mut().zip(branches) {
                    *o = run(b, t, p, x, mode, rng, aux);
                }
                t.concat_channels(&outs[..branches.len()])
            }
            Op::Aux(head) => {
                if mode == Mode::Train {
                    let logits = run(head, t, p, x, mode, rng, aux);
                    aux.push(logits);
                }
                x
            }
        };
    }
    x
}

/// Peephole pass over a built op tree: a ReLU right after a conv, linear or batch norm is
/// fused into that op's epilogue (one pass over the data and one tensor fewer per step). The
/// ReLU that opens a residual block's `post` is fused into the sum when the block runs
/// ([`Tape::add_act`]), so the tree, and what the exporters read, keep it.
pub(crate) fn fuse_relu(ops: Vec<Op>) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::with_capacity(ops.len());
    for op in ops {
        let op = match op {
            Op::Residual { body, shortcut, post } => {
                let shortcut = match shortcut {
                    Shortcut::Proj(p) => Shortcut::Proj(fuse_relu(p)),
                    s => s,
                };
                Op::Residual { body: fuse_relu(body), shortcut, post: fuse_relu(post) }
            }
            Op::Highway { h, gate } => Op::Highway { h: fuse_relu(h), gate: fuse_relu(gate) },
            Op::Branches(bs) => Op::Branches(bs.into_iter().map(fuse_relu).collect()),
            Op::Aux(h) => Op::Aux(fuse_relu(h)),
            Op::Identity => continue,
            Op::Act(Activation::Relu) => {
                if let Some(
                    Op::Conv { relu: r @ false, .. }
                    | Op::Linear { relu: r @ false, .. }
                    | Op::Bn { relu: r @ false, .. },
                ) = out.last_mut()
                {
                    *r = true;
                    continue;
                }
                Op::Act(Activation::Relu)
            }
            other => other,
        };
        out.push(op);
    }
    out
}
