//! `Tensor`: an owned, contiguous f32 buffer with a shape (NCHW for images).

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Deref;

/// Highest rank a tensor has here (NCHW).
pub const MAX_RANK: usize = 4;

/// A shape of rank ≤ 4, stored inline (no heap allocation per tensor); derefs to `&[usize]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Shape {
    dims: [usize; MAX_RANK],
    rank: usize,
}

impl Shape {
    /// # Panics
    /// If `dims` has more than [`MAX_RANK`] entries.
    #[track_caller]
    pub fn new(dims: &[usize]) -> Self {
        assert!(dims.len() <= MAX_RANK, "Shape: rank {} exceeds {MAX_RANK}", dims.len());
        let mut d = [0; MAX_RANK];
        d[..dims.len()].copy_from_slice(dims);
        Shape { dims: d, rank: dims.len() }
    }
}

impl Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.dims[..self.rank]
    }
}

/// Contiguous row-major f32 data; images are `[N, C, H, W]`, matrices `[rows, cols]`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Tensor {
    shape: Shape,
    data: Vec<f32>,
}

impl Tensor {
    /// A zero-filled tensor.
    pub fn zeros(shape: &[usize]) -> Self {
        let n = shape.iter().product();
        Tensor { shape: Shape::new(shape), data: vec![0.0; n] }
    }

    /// Wraps `data` with `shape`.
    ///
    /// # Panics
    /// If `data.len()` is not the product of `shape`.
    #[track_caller]
    pub fn from_vec(shape: &[usize], data: Vec<f32>) -> Self {
        let n: usize = shape.iter().product();
        assert_eq!(n, data.len(), "Tensor::from_vec: shape {shape:?} needs {n} values, got {}", data.len());
        Tensor { shape: Shape::new(shape), data }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The shape by value (no allocation), e.g. to create a same-shaped output.
    pub fn dims(&self) -> Shape {
        self.shape
    }
    /// The values, row-major.
    pub fn data(&self) -> &[f32] {
        &self.data
    }
    /// The values, mutable.
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// True when the tensor holds no element.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// Gives back the buffer (e.g. to reuse it).
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// The shape as `[N, C, H, W]`.
    ///
    /// # Panics
    /// If the tensor is not rank 4; `op` names the caller in the message.
    #[track_caller]
    pub fn nchw(&self, op: &str) -> [usize; 4] {
        match *self.shape {
            [n, c, h, w] => [n, c, h, w],
            _ => panic!("{op}: expected an NCHW tensor, got shape {:?}", &*self.shape),
        }
    }

    /// The shape as `[rows, cols]`.
    ///
    /// # Panics
    /// If the tensor is not rank 2.
    #[track_caller]
    pub fn matrix(&self, op: &str) -> [usize; 2] {
        match *self.shape {
            [r, c] => [r, c],
            _ => panic!("{op}: expected a matrix, got shape {:?}", &*self.shape),
        }
    }
}
