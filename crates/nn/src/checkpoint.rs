//! Checkpoints in the safetensors format: every parameter and batch-norm buffer as an F32
//! tensor under its PyTorch-style name (`layers.3.conv1.weight`, `layers.1.running_mean`), so
//! `safetensors.torch.load_file` reads them. Loading checks every name, dtype and shape against
//! the model and changes nothing unless the whole file fits.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use depthlab_core::ParamStore;
use safetensors::tensor::{Dtype, SafeTensors, View};

/// Why a checkpoint could not be written or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointError {
    /// Not a readable safetensors file.
    Format(String),
    /// The model has a tensor the file lacks.
    Missing(String),
    /// A tensor whose shape differs from the model's.
    Shape {
        /// Tensor name.
        name: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape the model needs.
        expected: Vec<usize>,
    },
    /// A tensor stored as something other than F32.
    Dtype {
        /// Tensor name.
        name: String,
        /// Its dtype.
        found: String,
    },
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Format(e) => write!(f, "not a valid safetensors file ({e})"),
            CheckpointError::Missing(n) => write!(
                f,
                "the file has no tensor \"{n}\"; was it saved from this model (same preset, depth and options)?"
            ),
            CheckpointError::Shape { name, found, expected } => {
                write!(f, "tensor \"{name}\" has shape {found:?} but this model needs {expected:?}; pick the model the weights were trained with")
            }
            CheckpointError::Dtype { name, found } => {
                write!(f, "tensor \"{name}\" is {found}; only F32 weights are supported")
            }
        }
    }
}

impl core::error::Error for CheckpointError {}

impl crate::error::Coded for CheckpointError {
    fn code(&self) -> &'static str {
        match self {
            CheckpointError::Format(_) => "weights.format",
            CheckpointError::Missing(_) => "weights.missing",
            CheckpointError::Shape { .. } => "weights.shape",
            CheckpointError::Dtype { .. } => "weights.dtype",
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            CheckpointError::Format(e) => alloc::vec![("detail", e.clone())],
            CheckpointError::Missing(n) => alloc::vec![("name", n.clone())],
            CheckpointError::Shape { name, found, expected } => alloc::vec![
                ("name", name.clone()),
                ("found", format!("{found:?}")),
                ("expected", format!("{expected:?}"))
            ],
            CheckpointError::Dtype { name, found } => alloc::vec![("name", name.clone()), ("found", found.clone())],
        }
    }
}

struct F32View<'a> {
    shape: &'a [usize],
    data: &'a [f32],
}

impl View for F32View<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.data.iter().flat_map(|v| v.to_le_bytes()).collect())
    }
    fn data_len(&self) -> usize {
        self.data.len() * 4
    }
}

/// Serialises every parameter and buffer of `params`.
pub fn save(params: &ParamStore) -> Result<Vec<u8>, CheckpointError> {
    let mut views: Vec<(String, F32View)> = Vec::new();
    for e in params.entries() {
        views.push((e.name.clone(), F32View { shape: &e.shape, data: &params.values()[e.offset..e.offset + e.len] }));
    }
    for e in params.buffer_entries() {
        views.push((e.name.clone(), F32View { shape: &e.shape, data: &params.buffers()[e.offset..e.offset + e.len] }));
    }
    safetensors::serialize(views, None).map_err(|e| CheckpointError::Format(format!("{e:?}")))
}

/// Serialises named F32 tensors (`(name, shape, values)`), e.g. an export's self-check file.
pub fn save_tensors(tensors: &[(&str, &[usize], &[f32])]) -> Result<Vec<u8>, CheckpointError> {
    for (name, shape, data) in tensors {
        if shape.iter().product::<usize>() != data.len() {
            return Err(CheckpointError::Format(format!(
                "tensor \"{name}\": shape {shape:?} does not hold {} values",
                data.len()
            )));
        }
    }
    let views = tensors.iter().map(|(name, shape, data)| (String::from(*name), F32View { shape, data }));
    safetensors::serialize(views, None).map_err(|e| CheckpointError::Format(format!("{e:?}")))
}

/// Header bytes allowed per tensor the model has (a PyTorch-style entry such as
/// `"layers.9.block.2.conv1.weight":{"dtype":"F32","shape":[64,64,3,3],"data_offsets":[…]}` is
/// about 100), plus [`HEADER_SLACK`] for metadata other tools add.
pub const HEADER_PER_TENSOR: u64 = 512;
/// Header bytes allowed beyond [`HEADER_PER_TENSOR`] per tensor.
pub const HEADER_SLACK: u64 = 64 * 1024;

/// Loads `bytes` into `params`: all or nothing. The JSON header is refused before it is parsed
/// when it is longer than this model's tensors could need, so a header listing a million
/// tensors costs nothing.
pub fn load(params: &mut ParamStore, bytes: &[u8]) -> Result<(), CheckpointError> {
    if let Some(len) = bytes.get(..8) {
        let header = u64::from_le_bytes([len[0], len[1], len[2], len[3], len[4], len[5], len[6], len[7]]);
        let tensors = (params.entries().len() + params.buffer_entries().len()) as u64;
        let most = tensors * HEADER_PER_TENSOR + HEADER_SLACK;
        if header > most {
            return Err(CheckpointError::Format(format!(
                "its header is {header} bytes, more than the {most} that this model's {tensors} tensors could need"
            )));
        }
    }
    let st = SafeTensors::deserialize(bytes).map_err(|e| CheckpointError::Format(format!("{e:?}")))?;
    // Validate everything first, so a bad file leaves the model untouched.
    let mut plan: Vec<(bool, usize, safetensors::tensor::TensorView<'_>)> = Vec::new();
    let entries = params.entries().iter().map(|e| (false, e)).chain(params.buffer_entries().iter().map(|e| (true, e)));
    for (is_buffer, e) in entries {
        let t = st.tensor(&e.name).map_err(|_| CheckpointError::Missing(e.name.clone()))?;
        if t.dtype() != Dtype::F32 {
            return Err(CheckpointError::Dtype { name: e.name.clone(), found: format!("{:?}", t.dtype()) });
        }
        if t.shape() != e.shape.as_slice() {
            return Err(CheckpointError::Shape {
                name: e.name.clone(),
                found: t.shape().to_vec(),
                expected: e.shape.clone(),
            });
        }
        plan.push((is_buffer, e.offset, t));
    }
    for (is_buffer, offset, t) in plan {
        let dst = if is_buffer { &mut params.buffers_mut()[offset..] } else { &mut params.values_mut()[offset..] };
        for (d, c) in dst.iter_mut().zip(t.data().chunks_exact(4)) {
            *d = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Preset;
    use crate::{TrainConfig, Trainer};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn trainer(seed: u64, depth: usize) -> Trainer {
        let model = crate::ModelConfig { preset: Preset::Resnet, depth, ..Default::default() };
        Trainer::new(TrainConfig { model, ..Default::default() }, seed).unwrap()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn round_trip_restores_every_parameter_and_buffer() {
        let a = trainer(1, 8);
        let bytes = save(a.params()).unwrap();
        let mut b = trainer(2, 8);
        assert_ne!(a.params().values(), b.params().values());
        let mut pb = b.params().clone();
        load(&mut pb, &bytes).unwrap();
        assert_eq!(a.params().values(), pb.values());
        assert_eq!(a.params().buffers(), pb.buffers());
        b.set_params(pb).unwrap();
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn malformed_files_are_refused_and_change_nothing() {
        let good = save(trainer(1, 8).params()).unwrap();
        let mut target = trainer(3, 8).params().clone();
        let before = target.values().to_vec();
        // Truncated, garbage, and an empty file.
        assert!(matches!(load(&mut target, &good[..good.len() / 2]), Err(CheckpointError::Format(_))));
        assert!(matches!(
            load(&mut target, b"\xff\xff\xff\xff\xff\xff\xff\xffgarbage"),
            Err(CheckpointError::Format(_))
        ));
        assert!(matches!(load(&mut target, &[]), Err(CheckpointError::Format(_))));
        // A header listing 100 000 tensors (8 MB of JSON) is refused by its length alone.
        let mut header = String::from("{");
        for i in 0..100_000 {
            header.push_str(&format!(
                "\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[{},{}]}},",
                4 * i,
                4 * i + 4
            ));
        }
        header.pop();
        header.push('}');
        let mut huge = (header.len() as u64).to_le_bytes().to_vec();
        huge.extend_from_slice(header.as_bytes());
        huge.resize(huge.len() + 400_000, 0);
        match load(&mut target, &huge) {
            Err(CheckpointError::Format(m)) => assert!(m.contains("header is"), "{m}"),
            other => panic!("a 100 000-tensor header was not refused by its length: {other:?}"),
        }
        // A different model: missing tensors or other shapes.
        let deeper = save(trainer(1, 14).params()).unwrap();
        let e = load(&mut target, &deeper);
        assert!(matches!(e, Err(CheckpointError::Shape { .. }) | Err(CheckpointError::Missing(_))), "{e:?}");
        let lenet = save(Trainer::new(TrainConfig::default(), 1).unwrap().params()).unwrap();
        assert!(matches!(
            load(&mut target, &lenet),
            Err(CheckpointError::Shape { .. }) | Err(CheckpointError::Missing(_))
        ));
        // F16 data where F32 is expected.
        let shape = [2usize];
        struct F16<'a>(&'a [usize]);
        impl View for F16<'_> {
            fn dtype(&self) -> Dtype {
                Dtype::F16
            }
            fn shape(&self) -> &[usize] {
                self.0
            }
            fn data(&self) -> Cow<'_, [u8]> {
                Cow::Owned(alloc::vec![0; 4])
            }
            fn data_len(&self) -> usize {
                4
            }
        }
        let name = target.entries()[0].name.clone();
        let f16 = safetensors::serialize([(name, F16(&shape))], None).unwrap();
        assert!(matches!(load(&mut target, &f16), Err(CheckpointError::Dtype { .. })));
        assert_eq!(target.values(), &before[..]);
    }
}
