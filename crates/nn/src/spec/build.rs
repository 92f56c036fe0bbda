//! Spec → network: validates every field, infers shapes, registers parameters (PyTorch-style
//! names) and records one [`CostRow`] per layer. Never panics on a spec: every problem is a
//! [`SpecError`] naming the field and the reason.

use super::network::{Network, Op, Shortcut};
use super::{LayerSpec, ModelSpec, ShortcutKind, Unit};
use crate::init::Init;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use depthlab_core::kernels::activation::Activation;
use depthlab_core::ops::batchnorm::BatchNormParams;
use depthlab_core::{Conv2dParams, ParamStore, Pool2dParams, Rng};

/// A spec that cannot be built: which field, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    /// Where, e.g. `layers[3].groups`.
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl core::error::Error for SpecError {}

/// One row of the cost table.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CostRow {
    /// Layer name (the parameter prefix), e.g. `layers.3.conv1`.
    pub name: String,
    /// Layer kind, e.g. `conv`.
    pub kind: &'static str,
    /// Output shape for one input (`[C, H, W]` or `[F]`).
    pub output: Vec<usize>,
    /// Trainable parameters.
    pub params: u64,
    /// Multiply-accumulates per input (convolutions and linear layers).
    pub macs: u64,
}

/// Largest parameter count a spec may ask for (keeps a typo from allocating gigabytes).
pub const MAX_PARAMS: u64 = 50_000_000;
/// Number of classes every model must output.
pub const CLASSES: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Img(usize, usize, usize),
    Flat(usize),
}

impl Shape {
    fn dims(self) -> Vec<usize> {
        match self {
            Shape::Img(c, h, w) => vec![c, h, w],
            Shape::Flat(f) => vec![f],
        }
    }
    fn numel(self) -> usize {
        match self {
            Shape::Img(c, h, w) => c * h * w,
            Shape::Flat(f) => f,
        }
    }
}

fn err(path: &str, reason: impl Into<String>) -> SpecError {
    SpecError { path: path.into(), reason: reason.into() }
}

struct Builder<'a> {
    params: &'a mut ParamStore,
    rng: &'a mut Rng,
    rows: Vec<CostRow>,
    no_shortcuts: bool,
    total_params: u64,
    aux_heads: usize,
}

/// Builds `spec`, registering its parameters in `params` (initialised from `rng`).
pub fn build(spec: &ModelSpec, params: &mut ParamStore, rng: &mut Rng) -> Result<(Network, Vec<CostRow>), SpecError> {
    let [c, h, w] = spec.input;
    if c == 0 || h == 0 || w == 0 || c > 4096 || h > 1024 || w > 1024 {
        return Err(err("input", format!("{:?} is not a plausible [C, H, W] input", spec.input)));
    }
    if spec.layers.is_empty() {
        return Err(err("layers", "a model needs at least one layer"));
    }
    let mut b =
        Builder { params, rng, rows: Vec::new(), no_shortcuts: spec.remove_shortcuts, total_params: 0, aux_heads: 0 };
    let (ops, out) = b.sequence(&spec.layers, Shape::Img(c, h, w), "layers", "layers")?;
    let out_flat = match out {
        Shape::Flat(f) => f,
        Shape::Img(..) => 0,
    };
    if out_flat != CLASSES {
        return Err(err(
            "layers",
            format!("the last layer must output {CLASSES} class scores, but the model ends with shape {:?}; end with a linear layer of out 10", out.dims()),
        ));
    }
    let seed = b.rng.next_u32() as u64;
    let ops = super::network::fuse_relu(ops);
    Ok((Network { ops, input: spec.input, rng: Rng::with_stream(seed, 0xd20) }, b.rows))
}

/// The cost table of `spec` alone (builds into a scratch parameter store).
pub fn cost_table(spec: &ModelSpec) -> Result<Vec<CostRow>, SpecError> {
    build(spec, &mut ParamStore::new(), &mut Rng::new(0)).map(|(_, rows)| rows)
}

/// The initialiser for a weight layer at `i`: He when the next activation is ReLU, Xavier when
/// it is tanh/sigmoid or when no activation follows (an output layer).
fn init_for(layers: &[LayerSpec], i: usize) -> Init {
    for l in &layers[i + 1..] {
        match l {
            LayerSpec::Relu => return Init::HeNormal,
            LayerSpec::Tanh | LayerSpec::Sigmoid => return Init::XavierUniform,
            LayerSpec::Conv { .. } | LayerSpec::Linear { .. } => break,
            _ => {}
        }
    }
    if matches!(layers[i], LayerSpec::Conv { .. }) && i + 1 < layers.len() {
        Init::HeNormal
    } else {
        Init::XavierUniform
    }
}

impl Builder<'_> {
    fn sequence(
        &mut self,
        layers: &[LayerSpec],
        mut shape: Shape,
        path: &str,
        name: &str,
    ) -> Result<(Vec<Op>, Shape), SpecError> {
        let mut ops = Vec::with_capacity(layers.len());
        for (i, l) in layers.iter().enumerate() {
            let (p, n) = (format!("{path}[{i}]"), format!("{name}.{i}"));
            let (op, s) = self.layer(l, shape, &p, &n, init_for(layers, i))?;
            ops.push(op);
            shape = s;
        }
        Ok((ops, shape))
    }

    fn row(&mut self, name: &str, kind: &'static str, out: Shape, params: u64, macs: u64) {
        self.rows.push(CostRow { name: name.to_string(), kind, output: out.dims(), params, macs });
    }

    fn count(&mut self, path: &str, n: u64) -> Result<(), SpecError> {
        self.total_params += n;
        if self.total_params > MAX_PARAMS {
            return Err(err(path, format!("the model would exceed {MAX_PARAMS} parameters; make it smaller")));
        }
        Ok(())
    }

    fn img(shape: Shape, path: &str, what: &str) -> Result<(usize, usize, usize), SpecError> {
        match shape {
            Shape::Img(c, h, w) => Ok((c, h, w)),
            Shape::Flat(f) => Err(err(
                path,
                format!("{what} needs an image input, but it gets {f} flat features (after flatten/linear)"),
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn conv(
        &mut self,
        shape: Shape,
        path: &str,
        name: &str,
        out: usize,
        k: usize,
        stride: usize,
        pad: usize,
        groups: usize,
        bias: bool,
        init: Init,
    ) -> Result<(Op, Shape), SpecError> {
        let (c, h, w) = Self::img(shape, path, "conv")?;
        if out == 0 || out > 4096 {
            return Err(err(&format!("{path}.out"), format!("{out} output channels; use 1 to 4096")));
        }
        if k == 0 || k > 15 {
            return Err(err(&format!("{path}.kernel"), format!("kernel {k}; use 1 to 15")));
        }
        if stride == 0 || stride > 8 {
            return Err(err(&format!("{path}.stride"), format!("stride {stride}; use 1 to 8")));
        }
        if groups == 0 || c % groups != 0 || out % groups != 0 {
            return Err(err(
                &format!("{path}.groups"),
                format!("{groups} groups do not divide {c} input and {out} output channels"),
            ));
        }
        let p = Conv2dParams::square(c, out, k, stride, pad).with_groups(groups);
        let (oh, ow) = p.output_size(h, w).ok_or_else(|| {
            err(path, format!("a {k}×{k} kernel with padding {pad} does not fit the {h}×{w} input: the output would be smaller than 1×1"))
        })?;
        let n_params = (p.weight_len() + if bias { out } else { 0 }) as u64;
        self.count(path, n_params)?;
        let (fan_in, fan_out) = (p.patch_len(), out / groups * k * k);
        let wv = init.sample(self.rng, p.weight_len(), fan_in, fan_out);
        let wid = self.params.add(&format!("{name}.weight"), &[out, c / groups, k, k], wv);
        let bid = bias.then(|| self.params.add_zeros(&format!("{name}.bias"), &[out]));
        let s = Shape::Img(out, oh, ow);
        self.row(name, "conv", s, n_params, p.macs(h, w));
        Ok((Op::Conv { p, w: wid, b: bid, relu: false }, s))
    }

    fn bn(&mut self, shape: Shape, path: &str, name: &str, zero_gamma: bool) -> Result<(Op, Shape), SpecError> {
        let c = match shape {
            Shape::Img(c, ..) | Shape::Flat(c) => c,
        };
        self.count(path, 2 * c as u64)?;
        let gamma = self.params.add(&format!("{name}.weight"), &[c], vec![if zero_gamma { 0.0 } else { 1.0 }; c]);
        let beta = self.params.add_zeros(&format!("{name}.bias"), &[c]);
        let running_mean = self.params.add_buffer(&format!("{name}.running_mean"), &[c], vec![0.0; c]);
        let running_var = self.params.add_buffer(&format!("{name}.running_var"), &[c], vec![1.0; c]);
        self.row(name, "batch_norm", shape, 2 * c as u64, 0);
        let p = BatchNormParams { gamma, beta, running_mean, running_var, momentum: 0.1, eps: 1e-5 };
        Ok((Op::Bn { p, relu: false }, shape))
    }

    fn pool(
        &mut self,
        shape: Shape,
        path: &str,
        name: &str,
        max: bool,
        k: usize,
        stride: Option<usize>,
        pad: usize,
    ) -> Result<(Op, Shape), SpecError> {
        let kind = if max { "max_pool" } else { "avg_pool" };
        let (c, h, w) = Self::img(shape, path, kind)?;
        let s = stride.unwrap_or(k);
        if k == 0 || s == 0 || pad * 2 >= k.max(1) + pad {
            return Err(err(path, format!("kernel {k}, stride {s}, padding {pad}: kernel and stride must be at least 1 and padding less than half the kernel")));
        }
        let p = Pool2dParams { kernel: k, stride: s, padding: pad };
        let (oh, ow) =
            p.output_size(h, w).ok_or_else(|| err(path, format!("a {k}×{k} window does not fit the {h}×{w} input")))?;
        let out = Shape::Img(c, oh, ow);
        self.row(name, kind, out, 0, 0);
        Ok((if max { Op::MaxPool(p) } else { Op::AvgPool(p) }, out))
    }

    fn linear(
        &mut self,
        shape: Shape,
        path: &str,
        name: &str,
        out: usize,
        bias: bool,
        init: Init,
    ) -> Result<(Op, Shape), SpecError> {
        if out == 0 || out > 65536 {
            return Err(err(&format!("{path}.out"), format!("{out} outputs; use 1 to 65536")));
        }
        let fan_in = shape.numel();
        let n_params = (fan_in * out + if bias { out } else { 0 }) as u64;
        self.count(path, n_params)?;
        let wv = init.sample(self.rng, fan_in * out, fan_in, out);
        let w = self.params.add(&format!("{name}.weight"), &[out, fan_in], wv);
        let b = bias.then(|| self.params.add_zeros(&format!("{name}.bias"), &[out]));
        self.row(name, "linear", Shape::Flat(out), n_params, (fan_in * out) as u64);
        Ok((Op::Linear { w, b, relu: false }, Shape::Flat(out)))
    }

    fn act(&mut self, shape: Shape, name: &str, a: Activation, kind: &'static str) -> (Op, Shape) {
        self.row(name, kind, shape, 0, 0);
        (Op::Act(a), shape)
    }

    fn layer(
        &mut self,
        l: &LayerSpec,
        shape: Shape,
        path: &str,
        name: &str,
        init: Init,
    ) -> Result<(Op, Shape), SpecError> {
        match *l {
            LayerSpec::Conv { out, kernel, stride, padding, groups, bias } => {
                self.conv(shape, path, name, out, kernel, stride, padding.unwrap_or(kernel / 2), groups, bias, init)
            }
            LayerSpec::BatchNorm => self.bn(shape, path, name, false),
            LayerSpec::Relu => Ok(self.act(shape, name, Activation::Relu, "relu")),
            LayerSpec::Tanh => Ok(self.act(shape, name, Activation::Tanh, "tanh")),
            LayerSpec::Sigmoid => Ok(self.act(shape, name, Activation::Sigmoid, "sigmoid")),
            LayerSpec::MaxPool { kernel, stride, padding } => {
                self.pool(shape, path, name, true, kernel, stride, padding)
            }
            LayerSpec::AvgPool { kernel, stride, padding } => {
                self.pool(shape, path, name, false, kernel, stride, padding)
            }
            LayerSpec::GlobalAvgPool => {
                let (c, ..) = Self::img(shape, path, "global_avg_pool")?;
                self.row(name, "global_avg_pool", Shape::Flat(c), 0, 0);
                Ok((Op::Gap, Shape::Flat(c)))
            }
            LayerSpec::Flatten => {
                let s = Shape::Flat(shape.numel());
                self.row(name, "flatten", s, 0, 0);
                Ok((Op::Flatten, s))
            }
            LayerSpec::Linear { out, bias } => self.linear(shape, path, name, out, bias, init),
            LayerSpec::Dropout { p } => {
                if !(0.0..1.0).contains(&p) {
                    return Err(err(&format!("{path}.p"), format!("drop probability {p} is not in [0, 1)")));
                }
                self.row(name, "dropout", shape, 0, 0);
                Ok((Op::Dropout(p), shape))
            }
            LayerSpec::Residual { out, stride, shortcut, unit, bottleneck, zero_init_last_bn } => {
                let convs = match bottleneck {
                    None => vec![(3, out, stride, 1), (3, out, 1, 1)],
                    Some(0) => return Err(err(&format!("{path}.bottleneck"), "bottleneck width must be at least 1")),
                    Some(w) => vec![(1, w, 1, 1), (3, w, stride, 1), (1, out, 1, 1)],
                };
                self.residual(shape, path, name, &convs, shortcut, unit, zero_init_last_bn)
            }
            LayerSpec::Resnext { out, cardinality, width, stride } => {
                if cardinality == 0 || width == 0 {
                    return Err(err(&format!("{path}.cardinality"), "cardinality and width must be at least 1"));
                }
                let mid = cardinality * width;
                let convs = [(1, mid, 1, 1), (3, mid, stride, cardinality), (1, out, 1, 1)];
                self.residual(shape, path, name, &convs, ShortcutKind::B, Unit::A, false)
            }
            LayerSpec::Highway { gate_bias } => {
                let (c, ..) = Self::img(shape, path, "highway")?;
                if !gate_bias.is_finite() || gate_bias.abs() > 20.0 {
                    return Err(err(&format!("{path}.gate_bias"), format!("{gate_bias} is not a number in -20..20")));
                }
                let (conv, s) =
                    self.conv(shape, path, &format!("{name}.h.conv"), c, 3, 1, 1, 1, false, Init::HeNormal)?;
                let (bn, s) = self.bn(s, path, &format!("{name}.h.bn"), false)?;
                let (relu, _) = self.act(s, &format!("{name}.h.relu"), Activation::Relu, "relu");
                let (gate, _) =
                    self.conv(shape, path, &format!("{name}.gate"), c, 1, 1, 0, 1, true, Init::XavierUniform)?;
                if let Op::Conv { b: Some(b), .. } = gate {
                    self.params.value_mut(b).fill(gate_bias);
                }
                Ok((Op::Highway { h: vec![conv, bn, relu], gate: vec![gate] }, shape))
            }
            LayerSpec::Inception { b1, b3, b5, pool_proj } => self.inception(shape, path, name, b1, b3, b5, pool_proj),
            LayerSpec::AuxHead { channels } => {
                let (_, h, _) = Self::img(shape, path, "aux_head")?;
                self.aux_heads += 1;
                if self.aux_heads > super::MAX_AUX {
                    return Err(err(path, format!("a model may have at most {} auxiliary heads", super::MAX_AUX)));
                }
                let mark = self.rows.len();
                let k = h.min(5);
                let (pool, s) = self.pool(shape, path, &format!("{name}.pool"), false, k, Some(3.min(k)), 0)?;
                let (conv, s) = self.conv(
                    s,
                    &format!("{path}.channels"),
                    &format!("{name}.conv"),
                    channels,
                    1,
                    1,
                    0,
                    1,
                    true,
                    Init::HeNormal,
                )?;
                let (relu, s) = self.act(s, &format!("{name}.relu"), Activation::Relu, "relu");
                let (fc, _) = self.linear(s, path, &format!("{name}.fc"), CLASSES, true, Init::XavierUniform)?;
                for r in &mut self.rows[mark..] {
                    r.kind = if r.kind == "linear" { "aux_linear" } else { r.kind };
                }
                Ok((Op::Aux(vec![pool, conv, relu, fc]), shape))
            }
        }
    }

    /// A residual unit over `convs` (kernel, out, stride, groups), arranged as unit `unit`.
    #[allow(clippy::too_many_arguments)]
    fn residual(
        &mut self,
        shape: Shape,
        path: &str,
        name: &str,
        convs: &[(usize, usize, usize, usize)],
        kind: ShortcutKind,
        unit: Unit,
        zero_last: bool,
    ) -> Result<(Op, Shape), SpecError> {
        let (c, ..) = Self::img(shape, path, "a residual block")?;
        let mut body = Vec::new();
        let mut s = shape;
        let last = convs.len() - 1;
        for (i, &(k, out, stride, groups)) in convs.iter().enumerate() {
            let n = i + 1;
            let is_last = i == last;
            let conv_path = if groups > 1 { format!("{path}.cardinality") } else { path.to_string() };
            if matches!(unit, Unit::D) {
                body.push(self.act(s, &format!("{name}.relu{n}"), Activation::Relu, "relu").0);
            }
            if matches!(unit, Unit::E) {
                body.push(self.bn(s, path, &format!("{name}.bn{n}"), false)?.0);
                body.push(self.act(s, &format!("{name}.relu{n}"), Activation::Relu, "relu").0);
            }
            let (op, ns) = self.conv(
                s,
                &conv_path,
                &format!("{name}.conv{n}"),
                out,
                k,
                stride,
                k / 2,
                groups,
                false,
                Init::HeNormal,
            )?;
            body.push(op);
            s = ns;
            let zero = zero_last && is_last;
            match unit {
                Unit::A => {
                    body.push(self.bn(s, path, &format!("{name}.bn{n}"), zero)?.0);
                    if !is_last {
                        body.push(self.act(s, &format!("{name}.relu{n}"), Activation::Relu, "relu").0);
                    }
                }
                Unit::C => {
                    body.push(self.bn(s, path, &format!("{name}.bn{n}"), zero)?.0);
                    body.push(self.act(s, &format!("{name}.relu{n}"), Activation::Relu, "relu").0);
                }
                Unit::D => body.push(self.bn(s, path, &format!("{name}.bn{n}"), zero)?.0),
                Unit::B if !is_last => {
                    body.push(self.bn(s, path, &format!("{name}.bn{n}"), false)?.0);
                    body.push(self.act(s, &format!("{name}.relu{n}"), Activation::Relu, "relu").0);
                }
                Unit::B | Unit::E => {}
            }
        }
        let out_c = match s {
            Shape::Img(oc, ..) => oc,
            Shape::Flat(_) => unreachable!("convolutions keep images"),
        };
        let stride: usize = convs.iter().map(|c| c.2).product();
        let changes = stride != 1 || out_c != c;
        let kind = if self.no_shortcuts { ShortcutKind::None } else { kind };
        let shortcut = match kind {
            ShortcutKind::None => Shortcut::Absent,
            ShortcutKind::A if changes => {
                if out_c < c {
                    return Err(err(
                        &format!("{path}.shortcut"),
                        format!("option A zero-pads channels and cannot go from {c} down to {out_c}; use B or C"),
                    ));
                }
                Shortcut::Pad { out: out_c, stride }
            }
            ShortcutKind::A => Shortcut::Identity,
            ShortcutKind::B if !changes => Shortcut::Identity,
            ShortcutKind::B | ShortcutKind::C => {
                let (conv, ps) = self.conv(
                    shape,
                    path,
                    &format!("{name}.shortcut.0"),
                    out_c,
                    1,
                    stride,
                    0,
                    1,
                    false,
                    Init::HeNormal,
                )?;
                let (bn, _) = self.bn(ps, path, &format!("{name}.shortcut.1"), false)?;
                Shortcut::Proj(vec![conv, bn])
            }
        };
        if let Shortcut::Pad { .. } = shortcut {
            self.row(&format!("{name}.shortcut"), "pad_shortcut", s, 0, 0);
        }
        let mut post = Vec::new();
        match unit {
            Unit::A => post.push(self.act(s, &format!("{name}.relu_out"), Activation::Relu, "relu").0),
            Unit::B => {
                post.push(self.bn(s, path, &format!("{name}.bn_out"), false)?.0);
                post.push(self.act(s, &format!("{name}.relu_out"), Activation::Relu, "relu").0);
            }
            Unit::C | Unit::D | Unit::E => {}
        }
        Ok((Op::Residual { body, shortcut, post }, s))
    }

    #[allow(clippy::too_many_arguments)]
    fn inception(
        &mut self,
        shape: Shape,
        path: &str,
        name: &str,
        b1: usize,
        b3: [usize; 2],
        b5: [usize; 2],
        pool_proj: usize,
    ) -> Result<(Op, Shape), SpecError> {
        let (_, h, w) = Self::img(shape, path, "inception")?;
        let mut branches = Vec::new();
        let mut total = 0;
        let cbr =
            |b: &mut Self, s: Shape, n: &str, f: &str, out: usize, k: usize| -> Result<(Vec<Op>, Shape), SpecError> {
                let fp = format!("{path}.{f}");
                let (conv, s) =
                    b.conv(s, &fp, &format!("{name}.{n}.conv"), out, k, 1, k / 2, 1, false, Init::HeNormal)?;
                let (bn, s) = b.bn(s, &fp, &format!("{name}.{n}.bn"), false)?;
                let (relu, s) = b.act(s, &format!("{name}.{n}.relu"), Activation::Relu, "relu");
                Ok((vec![conv, bn, relu], s))
            };
        if b1 > 0 {
            branches.push(cbr(self, shape, "b1", "b1", b1, 1)?.0);
            total += b1;
        }
        for (field, [reduce, out], k) in [("b3", b3, 3), ("b5", b5, 5)] {
            if out == 0 {
                continue;
            }
            if reduce == 0 {
                return Err(err(
                    &format!("{path}.{field}"),
                    format!("the {k}×{k} branch needs a 1×1 reduction of at least 1 channel"),
                ));
            }
            let (mut ops, s) = cbr(self, shape, &format!("{field}_reduce"), field, reduce, 1)?;
            ops.extend(cbr(self, s, field, field, out, k)?.0);
            branches.push(ops);
            total += out;
        }
        if pool_proj > 0 {
            let (pool, s) = self.pool(shape, path, &format!("{name}.pool"), true, 3, Some(1), 1)?;
            let (mut ops, _) = cbr(self, s, "pool_proj", "pool_proj", pool_proj, 1)?;
            ops.insert(0, pool);
            branches.push(ops);
            total += pool_proj;
        }
        if branches.is_empty() {
            return Err(err(path, "an inception module needs at least one branch with a width above 0"));
        }
        let out = Shape::Img(total, h, w);
        self.row(name, "concat", out, 0, 0);
        Ok((Op::Branches(branches), out))
    }
}
