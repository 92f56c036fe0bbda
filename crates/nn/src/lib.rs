//! depthlab-nn: layers, the model zoo, optimizers, MNIST IDX data, augmentation and the
//! training step. `#![no_std]` + `alloc`; knows nothing about JavaScript.
//!
//! - [`spec`]: the declarative model spec (JSON), its builder (shapes, parameters, cost
//!   table) and the built [`spec::Network`].
//! - [`models`]: the model zoo as preset specs, each file citing its paper.
//! - [`optim`]: SGD with momentum and Adam, both with L2 weight decay.
//! - [`data`]: the IDX reader (raw or gzip), the in-memory dataset, the seeded batcher.
//! - [`augment`]: seeded random affine (bilinear) and Gaussian noise, pure functions.
//! - [`catalog`]: every preset and setting with defaults and ranges, read by the CLI and the page.
//! - [`config`]: [`TrainConfig`] (JSON), its defaults and validation from the catalogue.
//! - [`train`]: [`train::Trainer`], built from a [`TrainConfig`].
//! - [`checkpoint`]: safetensors save/load with PyTorch-style names.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod augment;
pub mod catalog;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod error;
pub mod export;
pub mod init;
pub mod memory;
pub mod models;
pub mod optim;
pub mod probe;
pub mod spec;
pub mod train;

pub use config::{ModelConfig, TrainConfig};
pub use error::ConfigError;
pub use train::{StepError, StepStats, Trainer};
