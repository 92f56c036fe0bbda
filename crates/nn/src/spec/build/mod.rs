//! Spec → network. [`build`] walks the layers once: [`shape`] validates each layer's fields
//! against the shape flowing in and infers the shape flowing out, [`layers`] registers the
//! parameters of the primitive layers (initialised from the RNG, PyTorch-style names) and
//! [`cost`] records one [`CostRow`] per layer. Each block family has its module: [`residual`]
//! (basic, bottleneck and every unit a–e), [`resnext`], [`highway`], [`inception`],
//! [`aux_head`]. Never panics on a spec: every problem is a [`ConfigError`] naming the field.

mod aux_head;
mod cost;
mod highway;
mod inception;
mod layers;
mod residual;
mod resnext;
mod shape;

pub use cost::{CostRow, MAX_PARAMS};
pub use shape::CLASSES;

use super::network::{Network, Op};
use super::{LayerSpec, ModelSpec};
use crate::error::ConfigError;
use alloc::format;
use alloc::vec::Vec;
use depthlab_core::kernels::activation::Activation;
use depthlab_core::{BufferId, ParamId, ParamStore, Rng};
use layers::{ConvLayer, PoolLayer};
use shape::{err, init_for, Shape};

/// Where a layer is: `path` names it in error messages (`layers[3].residual`), `name` is its
/// parameter prefix (`layers.3`).
#[derive(Clone, Copy, Debug)]
pub(super) struct At<'a> {
    pub path: &'a str,
    pub name: &'a str,
}

/// State while building: the parameter store, the RNG, the cost rows so far.
pub(super) struct Builder<'a> {
    params: &'a mut ParamStore,
    rng: &'a mut Rng,
    rows: Vec<CostRow>,
    no_shortcuts: bool,
    no_batch_norm: bool,
    /// Every ReLU becomes this.
    relu_as: Activation,
    total_params: u64,
    aux_heads: usize,
    /// Shapes and costs only: parameters are registered empty and nothing is initialised, so
    /// a model's size can be judged before its memory is allocated ([`cost_table`]).
    dry: bool,
}

/// Builds `spec`, registering its parameters in `params` (initialised from `rng`).
pub fn build(spec: &ModelSpec, params: &mut ParamStore, rng: &mut Rng) -> Result<(Network, Vec<CostRow>), ConfigError> {
    build_with(spec, params, rng, false)
}

/// The op tree of `spec` as written — one op per spec layer at the top level, no ReLU fused,
/// removed batch norms kept as [`Op::Identity`] — with its parameters registered in `params`
/// (their names and shapes are what [`crate::export`] writes code and graphs from).
pub(crate) fn build_unfused(spec: &ModelSpec, params: &mut ParamStore) -> Result<Vec<Op>, ConfigError> {
    let mut rng = Rng::new(0);
    let (ops, _) = build_ops(spec, params, &mut rng, false)?;
    Ok(ops)
}

fn build_with(
    spec: &ModelSpec,
    params: &mut ParamStore,
    rng: &mut Rng,
    dry: bool,
) -> Result<(Network, Vec<CostRow>), ConfigError> {
    let (ops, rows) = build_ops(spec, params, rng, dry)?;
    let seed = rng.next_u32() as u64;
    let ops = super::network::fuse_relu(ops);
    Ok((Network { ops, input: spec.input, rng: Rng::with_stream(seed, 0xd20) }, rows))
}

fn build_ops(
    spec: &ModelSpec,
    params: &mut ParamStore,
    rng: &mut Rng,
    dry: bool,
) -> Result<(Vec<Op>, Vec<CostRow>), ConfigError> {
    let input = shape::check_input(spec)?;
    let mut b = Builder {
        params,
        rng,
        rows: Vec::new(),
        no_shortcuts: spec.remove_shortcuts,
        no_batch_norm: spec.remove_batch_norm,
        relu_as: spec.activation.map_or(Activation::Relu, Activation::from),
        total_params: 0,
        aux_heads: 0,
        dry,
    };
    let (ops, out) = b.sequence(&spec.layers, input, At { path: "layers", name: "layers" })?;
    shape::check_output(out)?;
    Ok((ops, b.rows))
}

/// The cost table of `spec` alone: the same checks and rows as [`build`], without allocating
/// or initialising any parameter (a dry build), so a model can be judged — and refused for its
/// memory — before it is built.
pub fn cost_table(spec: &ModelSpec) -> Result<Vec<CostRow>, ConfigError> {
    build_with(spec, &mut ParamStore::new(), &mut Rng::new(0), true).map(|(_, rows)| rows)
}

impl Builder<'_> {
    /// Registers a parameter initialised by `init` (empty in a dry build).
    fn param(&mut self, name: &str, shape: &[usize], init: impl FnOnce(&mut Rng) -> Vec<f32>) -> ParamId {
        if self.dry {
            self.params.add(name, &[0], Vec::new())
        } else {
            let values = init(self.rng);
            self.params.add(name, shape, values)
        }
    }

    /// Registers a buffer filled with `value` (empty in a dry build).
    fn buffer(&mut self, name: &str, shape: &[usize], value: f32) -> BufferId {
        if self.dry {
            self.params.add_buffer(name, &[0], Vec::new())
        } else {
            let len = shape.iter().product();
            self.params.add_buffer(name, shape, alloc::vec![value; len])
        }
    }
}

impl Builder<'_> {
    fn sequence(&mut self, layers: &[LayerSpec], mut shape: Shape, at: At) -> Result<(Vec<Op>, Shape), ConfigError> {
        let mut ops = Vec::with_capacity(layers.len());
        for (i, l) in layers.iter().enumerate() {
            let (path, name) = (format!("{}[{i}]", at.path), format!("{}.{i}", at.name));
            let (op, s) = self.layer(l, shape, At { path: &path, name: &name }, init_for(layers, i))?;
            ops.push(op);
            shape = s;
        }
        Ok((ops, shape))
    }

    fn layer(
        &mut self,
        l: &LayerSpec,
        shape: Shape,
        at: At,
        init: crate::init::Init,
    ) -> Result<(Op, Shape), ConfigError> {
        match *l {
            LayerSpec::Conv { out, kernel, stride, padding, groups, bias } => {
                let c = ConvLayer { out, kernel, stride, padding: padding.unwrap_or(kernel / 2), groups, bias, init };
                self.conv(shape, at, c)
            }
            LayerSpec::BatchNorm => self.bn(shape, at, false),
            LayerSpec::Relu => Ok(self.act(shape, at.name, Activation::Relu)),
            LayerSpec::Tanh => Ok(self.act(shape, at.name, Activation::Tanh)),
            LayerSpec::Sigmoid => Ok(self.act(shape, at.name, Activation::Sigmoid)),
            LayerSpec::MaxPool { kernel, stride, padding } => {
                self.pool(shape, at, PoolLayer { max: true, kernel, stride: stride.unwrap_or(kernel), padding })
            }
            LayerSpec::AvgPool { kernel, stride, padding } => {
                self.pool(shape, at, PoolLayer { max: false, kernel, stride: stride.unwrap_or(kernel), padding })
            }
            LayerSpec::GlobalAvgPool => {
                let (c, ..) = shape::img(shape, at.path, "global_avg_pool")?;
                self.row(at.name, "global_avg_pool", Shape::Flat(c), 0, 0);
                Ok((Op::Gap, Shape::Flat(c)))
            }
            LayerSpec::Flatten => {
                let s = Shape::Flat(shape.numel());
                self.row(at.name, "flatten", s, 0, 0);
                Ok((Op::Flatten, s))
            }
            LayerSpec::Linear { out, bias } => self.linear(shape, at, out, bias, init),
            LayerSpec::Dropout { p } => {
                if !(0.0..1.0).contains(&p) {
                    return Err(err(&format!("{}.p", at.path), format!("drop probability {p} is not in [0, 1)")));
                }
                self.row(at.name, "dropout", shape, 0, 0);
                Ok((Op::Dropout(p), shape))
            }
            LayerSpec::Residual { out, stride, shortcut, unit, bottleneck, zero_init_last_bn } => {
                let body = residual::body(at, out, stride, bottleneck)?;
                self.residual(shape, at, &body, residual::Arrangement { shortcut, unit, zero_init_last_bn })
            }
            LayerSpec::Resnext { out, cardinality, width, stride } => {
                self.resnext(shape, at, resnext::ResnextBlock { out, cardinality, width, stride })
            }
            LayerSpec::Highway { gate_bias } => self.highway(shape, at, gate_bias),
            LayerSpec::Inception { b1, b3, b5, pool_proj } => {
                self.inception(shape, at, inception::Widths { b1, b3, b5, pool_proj })
            }
            LayerSpec::AuxHead { channels } => self.aux_head(shape, at, channels),
        }
    }
}
