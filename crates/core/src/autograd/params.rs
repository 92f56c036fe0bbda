//! The parameter arena: every weight of a model in one flat `Vec<f32>`, gradients in a twin.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// Handle of one parameter tensor inside a [`ParamStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamId(pub(crate) usize);

impl ParamId {
    /// The handle of the `i`-th entry of [`ParamStore::entries`].
    pub fn from_index(i: usize) -> Self {
        ParamId(i)
    }

    /// Position in [`ParamStore::entries`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// Name, shape and location of one parameter tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamEntry {
    /// PyTorch-style name, e.g. `conv1.weight`.
    pub name: String,
    /// Shape, e.g. `[6, 1, 5, 5]`.
    pub shape: Vec<usize>,
    /// Start inside the flat buffers.
    pub offset: usize,
    /// Number of values.
    pub len: usize,
}

/// Handle of a non-trained buffer (batch-norm running statistics) inside a [`ParamStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferId(pub(crate) usize);

impl BufferId {
    /// The handle of the `i`-th entry of [`ParamStore::buffer_entries`].
    pub fn from_index(i: usize) -> Self {
        BufferId(i)
    }
}

/// All parameters of a model: flat values, flat gradients, and an index of entries; plus a
/// separate list of buffers that are state but not trained (running means and variances).
#[derive(Clone, Debug, Default)]
pub struct ParamStore {
    values: Vec<f32>,
    grads: Vec<f32>,
    entries: Vec<ParamEntry>,
    buffers: Vec<f32>,
    buffer_entries: Vec<ParamEntry>,
}

impl ParamStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parameter with the given initial values.
    ///
    /// # Panics
    /// If `init.len()` does not match `shape`.
    #[track_caller]
    pub fn add(&mut self, name: &str, shape: &[usize], init: Vec<f32>) -> ParamId {
        let len: usize = shape.iter().product();
        assert_eq!(len, init.len(), "ParamStore::add({name}): shape {shape:?} vs {} values", init.len());
        let offset = self.values.len();
        self.values.extend_from_slice(&init);
        self.grads.extend(core::iter::repeat_n(0.0, len));
        self.entries.push(ParamEntry { name: name.into(), shape: shape.to_vec(), offset, len });
        ParamId(self.entries.len() - 1)
    }

    /// A zero-initialised parameter (biases).
    pub fn add_zeros(&mut self, name: &str, shape: &[usize]) -> ParamId {
        let len = shape.iter().product();
        self.add(name, shape, vec![0.0; len])
    }

    /// Adds a buffer (state that is saved but not trained), e.g. `bn1.running_mean`.
    ///
    /// # Panics
    /// If `init.len()` does not match `shape`.
    #[track_caller]
    pub fn add_buffer(&mut self, name: &str, shape: &[usize], init: Vec<f32>) -> BufferId {
        let len: usize = shape.iter().product();
        assert_eq!(len, init.len(), "ParamStore::add_buffer({name}): shape {shape:?} vs {} values", init.len());
        let offset = self.buffers.len();
        self.buffers.extend_from_slice(&init);
        self.buffer_entries.push(ParamEntry { name: name.into(), shape: shape.to_vec(), offset, len });
        BufferId(self.buffer_entries.len() - 1)
    }
    /// Values of one buffer.
    pub fn buffer(&self, id: BufferId) -> &[f32] {
        let e = &self.buffer_entries[id.0];
        &self.buffers[e.offset..e.offset + e.len]
    }
    /// Mutable values of one buffer.
    pub fn buffer_mut(&mut self, id: BufferId) -> &mut [f32] {
        let e = &self.buffer_entries[id.0];
        &mut self.buffers[e.offset..e.offset + e.len]
    }
    /// All buffer entries.
    pub fn buffer_entries(&self) -> &[ParamEntry] {
        &self.buffer_entries
    }
    /// All buffer values, flat.
    pub fn buffers(&self) -> &[f32] {
        &self.buffers
    }
    /// All buffer values, flat and mutable (checkpoint loading).
    pub fn buffers_mut(&mut self) -> &mut [f32] {
        &mut self.buffers
    }

    /// The entry for `id`.
    pub fn entry(&self, id: ParamId) -> &ParamEntry {
        &self.entries[id.0]
    }
    /// All entries in creation order.
    pub fn entries(&self) -> &[ParamEntry] {
        &self.entries
    }
    /// Values of one parameter.
    pub fn value(&self, id: ParamId) -> &[f32] {
        let e = &self.entries[id.0];
        &self.values[e.offset..e.offset + e.len]
    }
    /// Gradient of one parameter.
    pub fn grad(&self, id: ParamId) -> &[f32] {
        let e = &self.entries[id.0];
        &self.grads[e.offset..e.offset + e.len]
    }
    /// Value and mutable gradient of one parameter at once (backward passes).
    pub fn value_and_grad_mut(&mut self, id: ParamId) -> (&[f32], &mut [f32]) {
        let e = &self.entries[id.0];
        (&self.values[e.offset..e.offset + e.len], &mut self.grads[e.offset..e.offset + e.len])
    }
    /// Mutable gradient of one parameter.
    pub fn grad_mut(&mut self, id: ParamId) -> &mut [f32] {
        let e = &self.entries[id.0];
        &mut self.grads[e.offset..e.offset + e.len]
    }
    /// Mutable values of one parameter.
    pub fn value_mut(&mut self, id: ParamId) -> &mut [f32] {
        let e = &self.entries[id.0];
        &mut self.values[e.offset..e.offset + e.len]
    }
    /// All values, flat.
    pub fn values(&self) -> &[f32] {
        &self.values
    }
    /// All values, flat and mutable (optimizers, checkpoint loading).
    pub fn values_mut(&mut self) -> &mut [f32] {
        &mut self.values
    }
    /// All gradients, flat.
    pub fn grads(&self) -> &[f32] {
        &self.grads
    }
    /// Values and gradients together (what an optimizer step needs).
    pub fn values_and_grads_mut(&mut self) -> (&mut [f32], &[f32]) {
        (&mut self.values, &self.grads)
    }
    /// Sets every gradient to zero.
    pub fn zero_grad(&mut self) {
        self.grads.fill(0.0);
    }
    /// [`ParamStore::zero_grad`] on `tape`'s threads.
    pub fn zero_grad_on(&mut self, tape: &crate::Tape) {
        tape.elementwise([&mut self.grads], &|_, [g]| g.fill(0.0));
    }
    /// Total number of scalar parameters.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// True when there is no parameter.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
