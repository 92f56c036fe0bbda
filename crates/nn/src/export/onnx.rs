//! A trained model's inference graph as ONNX (opset 17): one node per op of the spec's op tree
//! in evaluation mode — batch norm with its running statistics, dropout and auxiliary heads
//! left out — and every weight an initializer under its safetensors name, so the file opens in
//! Netron and runs in any ONNX runtime. Input `images` `[N, 1, 28, 28]` (pixels / 255), output
//! `logits` `[N, 10]`.
//!
//! The protobuf messages below are the fields of `onnx.proto` this writer uses, with their
//! field numbers; prost encodes them.

use super::Graph;
use crate::config::TrainConfig;
use crate::error::ConfigError;
use crate::spec::{Op, Shortcut};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use depthlab_core::kernels::activation::Activation;
use depthlab_core::{ParamStore, Pool2dParams};
use prost::Message;

/// ONNX IR version 8 (ONNX 1.10+), the default operator set at version 17.
const IR_VERSION: i64 = 8;
const OPSET: i64 = 17;
const FLOAT: i32 = 1;
const INT64: i32 = 7;

#[derive(Clone, PartialEq, Message)]
struct ModelProto {
    #[prost(int64, tag = "1")]
    ir_version: i64,
    #[prost(string, tag = "2")]
    producer_name: String,
    #[prost(string, tag = "3")]
    producer_version: String,
    #[prost(string, tag = "6")]
    doc_string: String,
    #[prost(message, optional, tag = "7")]
    graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "8")]
    opset_import: Vec<OperatorSetIdProto>,
}

#[derive(Clone, PartialEq, Message)]
struct OperatorSetIdProto {
    #[prost(string, tag = "1")]
    domain: String,
    #[prost(int64, tag = "2")]
    version: i64,
}

#[derive(Clone, PartialEq, Message)]
struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(message, repeated, tag = "5")]
    initializer: Vec<TensorProto>,
    #[prost(message, repeated, tag = "11")]
    input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    output: Vec<ValueInfoProto>,
}

#[derive(Clone, PartialEq, Message)]
struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    output: Vec<String>,
    #[prost(string, tag = "3")]
    name: String,
    #[prost(string, tag = "4")]
    op_type: String,
    #[prost(message, repeated, tag = "5")]
    attribute: Vec<AttributeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct AttributeProto {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(float, tag = "2")]
    f: f32,
    #[prost(int64, tag = "3")]
    i: i64,
    #[prost(int64, repeated, tag = "8")]
    ints: Vec<i64>,
    /// AttributeType: FLOAT 1, INT 2, INTS 7.
    #[prost(int32, tag = "20")]
    r#type: i32,
}

#[derive(Clone, PartialEq, Message)]
struct TensorProto {
    #[prost(int64, repeated, tag = "1")]
    dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    data_type: i32,
    #[prost(string, tag = "8")]
    name: String,
    #[prost(bytes = "vec", tag = "9")]
    raw_data: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
struct ValueInfoProto {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "2")]
    r#type: Option<TypeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TypeProto {
    #[prost(message, optional, tag = "1")]
    tensor_type: Option<TensorTypeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TensorTypeProto {
    #[prost(int32, tag = "1")]
    elem_type: i32,
    #[prost(message, optional, tag = "2")]
    shape: Option<TensorShapeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    dim: Vec<Dimension>,
}

#[derive(Clone, PartialEq, Message)]
struct Dimension {
    #[prost(int64, optional, tag = "1")]
    dim_value: Option<i64>,
    #[prost(string, optional, tag = "2")]
    dim_param: Option<String>,
}

fn ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto { name: name.to_string(), ints: v.to_vec(), r#type: 7, ..Default::default() }
}

fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto { name: name.to_string(), i: v, r#type: 2, ..Default::default() }
}

fn float(name: &str, v: f32) -> AttributeProto {
    AttributeProto { name: name.to_string(), f: v, r#type: 1, ..Default::default() }
}

fn value_info(name: &str, dims: &[Dimension]) -> ValueInfoProto {
    let shape = TensorShapeProto { dim: dims.to_vec() };
    let tensor_type = TensorTypeProto { elem_type: FLOAT, shape: Some(shape) };
    ValueInfoProto { name: name.to_string(), r#type: Some(TypeProto { tensor_type: Some(tensor_type) }) }
}

fn dim(v: usize) -> Dimension {
    Dimension { dim_value: Some(v as i64), dim_param: None }
}

/// The ONNX file of `config`'s model with the weights and batch-norm statistics in `params`
/// (a trainer's, whose names and shapes are the model's).
pub fn export(config: &TrainConfig, params: &ParamStore, name: &str) -> Result<Vec<u8>, ConfigError> {
    let spec = config.model_spec()?;
    let g = Graph::of(&spec)?;
    if g.params.entries().len() != params.entries().len()
        || g.params.buffer_entries().len() != params.buffer_entries().len()
    {
        return Err(ConfigError::new("weights", "the weights are not this model's"));
    }
    let mut w = Writer { params, nodes: Vec::new(), inits: Vec::new(), used: Vec::new(), next: 0 };
    let out = w.seq(&g, &g.ops, "images".to_string(), false)?;
    w.node("Identity", vec![out], "logits", vec![]);
    let [c, h, wd] = g.input;
    let batch = Dimension { dim_value: None, dim_param: Some("N".to_string()) };
    let graph = GraphProto {
        node: w.nodes,
        name: name.to_string(),
        initializer: w.inits,
        input: vec![value_info("images", &[batch.clone(), dim(c), dim(h), dim(wd)])],
        output: vec![value_info("logits", &[batch, dim(crate::train::CLASSES)])],
    };
    let model = ModelProto {
        ir_version: IR_VERSION,
        producer_name: "Depthlab".to_string(),
        producer_version: env!("CARGO_PKG_VERSION").to_string(),
        doc_string: format!(
            "{name}: inputs are MNIST digits as pixels / 255, [N, {c}, {h}, {wd}]; outputs are logits [N, 10]."
        ),
        graph: Some(graph),
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET }],
    };
    Ok(model.encode_to_vec())
}

struct Writer<'a> {
    params: &'a ParamStore,
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    used: Vec<String>,
    next: usize,
}

impl Writer<'_> {
    /// A node with one output; returns its name (`out`, or a fresh one when `out` is empty).
    fn node(&mut self, op: &str, inputs: Vec<String>, out: &str, attribute: Vec<AttributeProto>) -> String {
        let out = if out.is_empty() {
            self.next += 1;
            format!("t{}", self.next)
        } else {
            out.to_string()
        };
        let name = format!("{op}_{}", self.nodes.len());
        self.nodes.push(NodeProto {
            input: inputs,
            output: vec![out.clone()],
            name,
            op_type: op.to_string(),
            attribute,
        });
        out
    }

    /// The initializer of a parameter or buffer, by its safetensors name (added once).
    fn weight(&mut self, name: &str) -> Result<String, ConfigError> {
        if !self.used.iter().any(|u| u == name) {
            let (entry, data) = if let Some(e) = self.params.entries().iter().find(|e| e.name == name) {
                (e, &self.params.values()[e.offset..e.offset + e.len])
            } else if let Some(e) = self.params.buffer_entries().iter().find(|e| e.name == name) {
                (e, &self.params.buffers()[e.offset..e.offset + e.len])
            } else {
                return Err(ConfigError::new("weights", format!("no tensor \"{name}\" in the weights")));
            };
            let raw_data = data.iter().flat_map(|x| x.to_le_bytes()).collect();
            let dims = entry.shape.iter().map(|&d| d as i64).collect();
            self.inits.push(TensorProto { dims, data_type: FLOAT, name: name.to_string(), raw_data });
            self.used.push(name.to_string());
        }
        Ok(name.to_string())
    }

    /// An int64 constant initializer.
    fn ints(&mut self, values: &[i64]) -> String {
        self.next += 1;
        let name = format!("c{}", self.next);
        let raw_data = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.inits.push(TensorProto {
            dims: vec![values.len() as i64],
            data_type: INT64,
            name: name.clone(),
            raw_data,
        });
        name
    }

    fn scalar(&mut self, v: f32) -> String {
        self.next += 1;
        let name = format!("c{}", self.next);
        self.inits.push(TensorProto {
            dims: vec![],
            data_type: FLOAT,
            name: name.clone(),
            raw_data: v.to_le_bytes().to_vec(),
        });
        name
    }

    fn pool(&mut self, op: &str, x: String, p: &Pool2dParams) -> String {
        let (k, s, pad) = (p.kernel as i64, p.stride as i64, p.padding as i64);
        let mut attrs =
            vec![ints("kernel_shape", &[k, k]), ints("strides", &[s, s]), ints("pads", &[pad, pad, pad, pad])];
        if op == "AveragePool" {
            attrs.push(int("count_include_pad", 1));
        }
        self.node(op, vec![x], "", attrs)
    }

    /// The nodes of `ops` applied to `x`; returns the output's name.
    fn seq(&mut self, g: &Graph, ops: &[Op], mut x: String, mut flat: bool) -> Result<String, ConfigError> {
        for op in ops {
            x = match op {
                Op::Conv { p, w, b, relu } => {
                    let mut inputs = vec![x, self.weight(&g.params.entry(*w).name)?];
                    if let Some(b) = b {
                        inputs.push(self.weight(&g.params.entry(*b).name)?);
                    }
                    let (k, s, pad) = (p.kernel.0 as i64, p.stride as i64, p.padding as i64);
                    let attrs = vec![
                        ints("kernel_shape", &[k, k]),
                        ints("strides", &[s, s]),
                        ints("pads", &[pad, pad, pad, pad]),
                        int("group", p.groups as i64),
                    ];
                    let y = self.node("Conv", inputs, "", attrs);
                    self.relu_if(*relu, y)
                }
                Op::Bn { p, relu } => {
                    let m = g.module(p.gamma).to_string();
                    let inputs = vec![
                        x,
                        self.weight(&format!("{m}.weight"))?,
                        self.weight(&format!("{m}.bias"))?,
                        self.weight(&format!("{m}.running_mean"))?,
                        self.weight(&format!("{m}.running_var"))?,
                    ];
                    let y = self.node("BatchNormalization", inputs, "", vec![float("epsilon", p.eps)]);
                    self.relu_if(*relu, y)
                }
                Op::Act(a) => {
                    let op = match a {
                        Activation::Relu => "Relu",
                        Activation::Tanh => "Tanh",
                        Activation::Sigmoid => "Sigmoid",
                    };
                    self.node(op, vec![x], "", vec![])
                }
                Op::MaxPool(p) => self.pool("MaxPool", x, p),
                Op::AvgPool(p) => self.pool("AveragePool", x, p),
                Op::Gap => {
                    let y = self.node("GlobalAveragePool", vec![x], "", vec![]);
                    self.node("Flatten", vec![y], "", vec![int("axis", 1)])
                }
                Op::Flatten => self.node("Flatten", vec![x], "", vec![int("axis", 1)]),
                Op::Linear { w, b, relu } => {
                    let x = if flat { x } else { self.node("Flatten", vec![x], "", vec![int("axis", 1)]) };
                    let mut inputs = vec![x, self.weight(&g.params.entry(*w).name)?];
                    if let Some(b) = b {
                        inputs.push(self.weight(&g.params.entry(*b).name)?);
                    }
                    let y = self.node("Gemm", inputs, "", vec![int("transB", 1)]);
                    self.relu_if(*relu, y)
                }
                // Inference: dropout and removed batch norms pass their input on, auxiliary
                // heads only train.
                Op::Dropout(_) | Op::Identity | Op::Aux(_) => x,
                Op::Residual { body, shortcut, post } => {
                    let h = self.seq(g, body, x.clone(), false)?;
                    let s = match shortcut {
                        Shortcut::Identity => Some(x),
                        Shortcut::Pad { out, stride } => {
                            let c_in = body
                                .iter()
                                .find_map(|o| if let Op::Conv { p, .. } = o { Some(p.in_channels) } else { None })
                                .ok_or_else(|| {
                                    ConfigError::new(
                                        "shortcut",
                                        "a padded shortcut around a block without a convolution",
                                    )
                                })?;
                            let sub = if *stride == 1 {
                                x
                            } else {
                                let s = *stride as i64;
                                let inputs = vec![
                                    x,
                                    self.ints(&[0, 0]),
                                    self.ints(&[i64::MAX, i64::MAX]),
                                    self.ints(&[2, 3]),
                                    self.ints(&[s, s]),
                                ];
                                self.node("Slice", inputs, "", vec![])
                            };
                            let pads = self.ints(&[0, 0, 0, 0, 0, (*out - c_in) as i64, 0, 0]);
                            Some(self.node("Pad", vec![sub, pads], "", vec![]))
                        }
                        Shortcut::Proj(ops) => Some(self.seq(g, ops, x, false)?),
                        Shortcut::Absent => None,
                    };
                    let y = match s {
                        Some(s) => self.node("Add", vec![h, s], "", vec![]),
                        None => h,
                    };
                    self.seq(g, post, y, false)?
                }
                Op::Highway { h, gate } => {
                    let hx = self.seq(g, h, x.clone(), false)?;
                    let gx = self.seq(g, gate, x.clone(), false)?;
                    let t = self.node("Sigmoid", vec![gx], "", vec![]);
                    let one = self.scalar(1.0);
                    let carry = self.node("Sub", vec![one, t.clone()], "", vec![]);
                    let th = self.node("Mul", vec![t, hx], "", vec![]);
                    let cx = self.node("Mul", vec![carry, x], "", vec![]);
                    self.node("Add", vec![th, cx], "", vec![])
                }
                Op::Branches(branches) => {
                    let mut outs = Vec::new();
                    for b in branches {
                        outs.push(self.seq(g, b, x.clone(), false)?);
                    }
                    self.node("Concat", outs, "", vec![int("axis", 1)])
                }
            };
            flat = super::flat_after(op, flat);
        }
        Ok(x)
    }

    fn relu_if(&mut self, relu: bool, x: String) -> String {
        if relu {
            self.node("Relu", vec![x], "", vec![])
        } else {
            x
        }
    }
}
