//! Plain maths on slices: every kernel takes slices and shapes and returns through `&mut`
//! slices. Fast kernels keep a naive reference beside them (documentation and test oracle).

pub mod activation;
pub mod conv;
pub mod depthwise;
pub mod dot;
pub mod gemm;
pub mod pool;
pub mod softmax;
pub mod winograd;
pub mod winograd4;
