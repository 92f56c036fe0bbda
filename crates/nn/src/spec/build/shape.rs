//! Validation and shape inference: the shape flowing between layers, the checks on the
//! model's input and output, and which initialiser a weight layer gets.

use super::super::{LayerSpec, ModelSpec};
use crate::error::ConfigError;
use crate::init::Init;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// Number of classes every model must output.
pub const CLASSES: usize = 10;

/// The shape of one sample between layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    /// `[C, H, W]`.
    Img(usize, usize, usize),
    /// `[F]` features (after flatten or linear).
    Flat(usize),
}

impl Shape {
    pub(super) fn dims(self) -> Vec<usize> {
        match self {
            Shape::Img(c, h, w) => vec![c, h, w],
            Shape::Flat(f) => vec![f],
        }
    }

    /// Elements per sample (sizes are bounded by the checks below, so this cannot overflow:
    /// channels ≤ 4096 and H, W ≤ 1024).
    pub(super) fn numel(self) -> usize {
        match self {
            Shape::Img(c, h, w) => c * h * w,
            Shape::Flat(f) => f,
        }
    }

    /// Channels (or features).
    pub(super) fn channels(self) -> usize {
        match self {
            Shape::Img(c, ..) | Shape::Flat(c) => c,
        }
    }
}

pub(super) fn err(path: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::new(path, reason)
}

/// The spec's input as a shape, if plausible.
pub(super) fn check_input(spec: &ModelSpec) -> Result<Shape, ConfigError> {
    let [c, h, w] = spec.input;
    if c == 0 || h == 0 || w == 0 || c > 4096 || h > 1024 || w > 1024 {
        return Err(err("input", format!("{:?} is not a plausible [C, H, W] input", spec.input)));
    }
    if spec.layers.is_empty() {
        return Err(err("layers", "a model needs at least one layer"));
    }
    Ok(Shape::Img(c, h, w))
}

/// The model must end in `CLASSES` flat scores.
pub(super) fn check_output(out: Shape) -> Result<(), ConfigError> {
    if out == Shape::Flat(CLASSES) {
        return Ok(());
    }
    Err(err(
        "layers",
        format!("the last layer must output {CLASSES} class scores, but the model ends with shape {:?}; end with a linear layer of out 10", out.dims()),
    ))
}

/// `shape` as `(C, H, W)`, or an error saying `what` needs an image.
pub(super) fn img(shape: Shape, path: &str, what: &str) -> Result<(usize, usize, usize), ConfigError> {
    match shape {
        Shape::Img(c, h, w) => Ok((c, h, w)),
        Shape::Flat(f) => {
            Err(err(path, format!("{what} needs an image input, but it gets {f} flat features (after flatten/linear)")))
        }
    }
}

/// `v` in `lo..=hi`, or an error at `path.field`.
pub(super) fn in_range(path: &str, field: &str, v: usize, lo: usize, hi: usize, what: &str) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(err(&format!("{path}.{field}"), format!("{v} {what}; use {lo} to {hi}")))
    }
}

/// The initialiser for a weight layer at `i`: He when the next activation is ReLU, Xavier when
/// it is tanh/sigmoid or when no activation follows (an output layer).
pub(super) fn init_for(layers: &[LayerSpec], i: usize) -> Init {
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
