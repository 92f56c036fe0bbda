//! Differentiable ops, one file per family; each adds a method to [`crate::Tape`] for the
//! forward pass and keeps its backward (and the state it needs) right beside it.

pub mod activation;
pub mod batchnorm;
pub mod concat;
pub mod conv;
pub mod dropout;
pub mod elementwise;
pub mod linear;
pub mod loss;
pub mod pool;
pub mod reshape;
pub mod shortcut;
