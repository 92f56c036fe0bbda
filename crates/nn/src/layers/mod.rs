//! Layers in the Config → init → forward shape: a `…Config` is plain data, `init` registers
//! parameters in a [`depthlab_core::ParamStore`] under PyTorch-style names, `forward` records
//! ops on a [`depthlab_core::Tape`].

mod conv;
mod linear;

pub use conv::{Conv2d, Conv2dConfig};
pub use linear::{Linear, LinearConfig};
