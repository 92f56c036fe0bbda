//! depthlab-core: f32 NCHW tensors, slice-in/slice-out kernels, SIMD primitives and a
//! tape-based reverse-mode autograd. `#![no_std]` + `alloc`; knows nothing about models.
//!
//! Layout of the crate:
//! - [`simd`]: the only place with `target_arch`; a 4-lane f32 vector for wasm32 simd128,
//!   x86_64 SSE2 and plain scalar code, behind the [`simd::Lanes`] trait.
//! - [`kernels`]: plain maths on slices (GEMM, im2col, pooling, activations, softmax-CE),
//!   each fast kernel with a naive reference beside it.
//! - [`autograd`]: the [`Tape`] of nodes and the [`ParamStore`] arena.
//! - [`ops`]: one file per op family, forward and backward side by side.
#![no_std]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod autograd;
pub mod gradcheck;
pub mod kernels;
pub mod ops;
pub mod parallel;
pub mod rng;
pub mod simd;
pub mod tensor;

pub use autograd::{BufferId, Mode, NodeInfo, ParamId, ParamStore, Tape, Var};
pub use kernels::conv::Conv2dParams;
pub use kernels::pool::Pool2dParams;
pub use rng::Rng;
pub use tensor::Tensor;
