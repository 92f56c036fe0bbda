//! The declarative model spec: a model is data (JSON via serde) — an input shape and a
//! sequence of layers and blocks. [`build`] checks it, infers every shape, registers the
//! parameters and returns the runnable [`Network`] with its [`CostRow`] table; every preset in
//! [`crate::models`] is a function that returns a [`ModelSpec`].
//!
//! ```json
//! {"input": [1, 28, 28], "layers": [
//!   {"type": "conv", "out": 16}, {"type": "batch_norm"}, {"type": "relu"},
//!   {"type": "residual", "out": 32, "stride": 2, "shortcut": "A"},
//!   {"type": "global_avg_pool"}, {"type": "linear", "out": 10}]}
//! ```

mod build;
mod network;

pub(crate) use build::build_unfused;
pub use build::{build, cost_table, CostRow, CLASSES, MAX_PARAMS};
pub use network::{Network, NetworkOutput, MAX_AUX};
pub(crate) use network::{Op, Shortcut};

use crate::catalog::named_enum;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A whole model: input shape `[C, H, W]` and layers in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Human-readable name (shown in the page and the CLI).
    #[serde(default)]
    pub name: String,
    /// Input shape `[C, H, W]`; MNIST digits are `[1, 28, 28]`.
    #[serde(default = "mnist_input")]
    pub input: [usize; 3],
    /// Layers and blocks, applied in order.
    pub layers: Vec<LayerSpec>,
    /// Ablation switch: build every residual block without its shortcut.
    #[serde(default)]
    pub remove_shortcuts: bool,
    /// Ablation switch: build the model without any batch norm (each becomes the identity; no
    /// parameters). Deep plain nets without it show vanishing gradients.
    #[serde(default)]
    pub remove_batch_norm: bool,
    /// Replace every ReLU (including those inside blocks) by this nonlinearity; `None`: as written.
    #[serde(default)]
    pub activation: Option<crate::config::ActivationName>,
}

fn mnist_input() -> [usize; 3] {
    [1, 28, 28]
}
fn one() -> usize {
    1
}
fn three() -> usize {
    3
}
fn yes() -> bool {
    true
}
fn gate_bias() -> f32 {
    -2.0
}
fn half() -> f32 {
    0.5
}

named_enum! {
    /// How a residual block's shortcut maps its input to the output shape (He et al. 2016, §4.2).
    #[derive(Default)]
    pub enum ShortcutKind ("shortcut option") {
        /// Identity; where the shape changes, subsample and zero-pad the channels (no parameters).
        A = "A",
        /// Identity; a 1×1 projection (+BN) only where the shape changes.
        #[default]
        B = "B",
        /// A 1×1 projection (+BN) on every block.
        C = "C",
        /// No shortcut at all: a plain block.
        None = "none",
    }
}

named_enum! {
    /// Residual-unit arrangement (He et al., "Identity Mappings in Deep Residual Networks", 2016,
    /// Fig. 4): `a` original (post-activation, v1) … `e` full pre-activation (v2).
    #[derive(Default)]
    pub enum Unit ("residual unit") {
        /// conv-BN-ReLU-conv-BN, add, ReLU.
        #[default]
        A = "a",
        /// conv-BN-ReLU-conv, add, BN, ReLU.
        B = "b",
        /// conv-BN-ReLU-conv-BN-ReLU, add.
        C = "c",
        /// ReLU-conv-BN-ReLU-conv-BN, add.
        D = "d",
        /// BN-ReLU-conv-BN-ReLU-conv, add.
        E = "e",
    }
}

/// One layer or block of a [`ModelSpec`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LayerSpec {
    /// 2-D convolution; `padding` defaults to `kernel / 2` ("same" for odd kernels).
    Conv {
        /// Output channels.
        out: usize,
        /// Square kernel side.
        #[serde(default = "three")]
        kernel: usize,
        /// Stride.
        #[serde(default = "one")]
        stride: usize,
        /// Zero padding; default `kernel / 2`.
        #[serde(default)]
        padding: Option<usize>,
        /// Channel groups (divides input and output channels).
        #[serde(default = "one")]
        groups: usize,
        /// Whether to add a bias.
        #[serde(default = "yes")]
        bias: bool,
    },
    /// Batch normalisation over channels (or features after flatten).
    BatchNorm,
    /// ReLU.
    Relu,
    /// tanh.
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
    /// Max pooling; `stride` defaults to `kernel`.
    MaxPool {
        /// Window side.
        kernel: usize,
        /// Stride.
        #[serde(default)]
        stride: Option<usize>,
        /// Padding.
        #[serde(default)]
        padding: usize,
    },
    /// Average pooling; `stride` defaults to `kernel`.
    AvgPool {
        /// Window side.
        kernel: usize,
        /// Stride.
        #[serde(default)]
        stride: Option<usize>,
        /// Padding.
        #[serde(default)]
        padding: usize,
    },
    /// Mean of every channel: `[C, H, W] → [C]`.
    GlobalAvgPool,
    /// `[C, H, W] → [C·H·W]`.
    Flatten,
    /// Fully connected layer (flattens an image input first).
    Linear {
        /// Output features.
        out: usize,
        /// Whether to add a bias.
        #[serde(default = "yes")]
        bias: bool,
    },
    /// Inverted dropout with drop probability `p`.
    Dropout {
        /// Drop probability in `[0, 1)`.
        #[serde(default = "half")]
        p: f32,
    },
    /// A residual block: basic (two 3×3 convs) or bottleneck (1×1-3×3-1×1), any unit a–e.
    Residual {
        /// Output channels.
        out: usize,
        /// Stride of the first 3×3 conv (2 halves the resolution).
        #[serde(default = "one")]
        stride: usize,
        /// Shortcut option.
        #[serde(default)]
        shortcut: ShortcutKind,
        /// Unit arrangement.
        #[serde(default)]
        unit: Unit,
        /// Bottleneck width: `Some(w)` makes the body 1×1 (w) → 3×3 (w) → 1×1 (out).
        #[serde(default)]
        bottleneck: Option<usize>,
        /// Initialise the last BN's γ to zero (the block starts as the identity).
        #[serde(default)]
        zero_init_last_bn: bool,
    },
    /// A ResNeXt block (Xie et al. 2017): 1×1 to `cardinality·width`, grouped 3×3 with
    /// `cardinality` groups, 1×1 to `out`, added to the shortcut (option B).
    Resnext {
        /// Output channels.
        out: usize,
        /// Number of groups C.
        cardinality: usize,
        /// Width of each group d.
        width: usize,
        /// Stride of the grouped 3×3 conv.
        #[serde(default = "one")]
        stride: usize,
    },
    /// A Highway layer (Srivastava et al. 2015): `y = T·H(x) + (1 − T)·x` with
    /// `H` = conv3×3-BN-ReLU and the gate `T = σ(conv1×1(x) + b)`, `b` starting at `gate_bias`.
    Highway {
        /// Initial gate bias (negative: start by carrying the input through).
        #[serde(default = "gate_bias")]
        gate_bias: f32,
    },
    /// An Inception module (Szegedy et al. 2015), each conv followed by BN and ReLU:
    /// 1×1 | 1×1→3×3 | 1×1→5×5 | 3×3 max-pool→1×1, concatenated along channels.
    Inception {
        /// 1×1 branch width.
        b1: usize,
        /// 3×3 branch: `[1×1 reduce, 3×3 out]`.
        b3: [usize; 2],
        /// 5×5 branch: `[1×1 reduce, 5×5 out]`.
        b5: [usize; 2],
        /// Pool branch projection width.
        pool_proj: usize,
    },
    /// An auxiliary classifier (GoogLeNet): from here, avg-pool → 1×1 conv → linear → 10
    /// logits whose loss is added with weight 0.3 in training; the main path is unchanged.
    AuxHead {
        /// Channels of the 1×1 conv.
        #[serde(default = "aux_channels")]
        channels: usize,
    },
}

fn aux_channels() -> usize {
    32
}

impl LayerSpec {
    /// The JSON tag of this layer (for messages and cost-table rows).
    pub fn kind(&self) -> &'static str {
        match self {
            LayerSpec::Conv { .. } => "conv",
            LayerSpec::BatchNorm => "batch_norm",
            LayerSpec::Relu => "relu",
            LayerSpec::Tanh => "tanh",
            LayerSpec::Sigmoid => "sigmoid",
            LayerSpec::MaxPool { .. } => "max_pool",
            LayerSpec::AvgPool { .. } => "avg_pool",
            LayerSpec::GlobalAvgPool => "global_avg_pool",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Linear { .. } => "linear",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::Residual { .. } => "residual",
            LayerSpec::Resnext { .. } => "resnext",
            LayerSpec::Highway { .. } => "highway",
            LayerSpec::Inception { .. } => "inception",
            LayerSpec::AuxHead { .. } => "aux_head",
        }
    }
}
