//! Hand-off to other frameworks: a model as PyTorch code ([`pytorch`]) and as an ONNX
//! inference graph ([`onnx`]). Both are written from the same op tree the trainer builds from
//! the spec (`spec::build_unfused`: one op per spec layer, nothing fused), with the
//! same parameter names as the safetensors file ([`crate::checkpoint`]), so the weights load
//! into either without renaming.

pub mod onnx;
pub mod pytorch;

use crate::error::ConfigError;
use crate::spec::{build_unfused, ModelSpec, Op};
use crate::Trainer;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use depthlab_core::{ParamId, ParamStore};

/// Digits of the self-check written next to an export ([`CHECK_FILE`]).
pub const CHECK_DIGITS: usize = 100;
/// The self-check's file: `images` `[N, 1, 28, 28]` and the `logits` `[N, 10]` Depthlab computed
/// for them in evaluation mode.
pub const CHECK_FILE: &str = "check.safetensors";
/// Largest difference between Depthlab's logits and the exported model's that the self-check
/// accepts.
pub const CHECK_TOLERANCE: f32 = 1e-4;

/// A model's op tree and parameter names and shapes, as the exporters read them.
pub(crate) struct Graph {
    pub ops: Vec<Op>,
    pub params: ParamStore,
    pub input: [usize; 3],
}

impl Graph {
    pub(crate) fn of(spec: &ModelSpec) -> Result<Self, ConfigError> {
        let mut params = ParamStore::new();
        let ops = build_unfused(spec, &mut params)?;
        Ok(Graph { ops, params, input: spec.input })
    }

    /// The module path of a parameter: `layers.3.conv1.weight` → `layers.3.conv1`.
    pub(crate) fn module(&self, id: ParamId) -> &str {
        let name = &self.params.entry(id).name;
        name.rsplit_once('.').map_or(name.as_str(), |(m, _)| m)
    }

    pub(crate) fn shape(&self, id: ParamId) -> &[usize] {
        &self.params.entry(id).shape
    }
}

/// Whether the activations are `[N, features]` after `op` (`flat` before it).
pub(crate) fn flat_after(op: &Op, flat: bool) -> bool {
    match op {
        Op::Gap | Op::Flatten | Op::Linear { .. } => true,
        Op::Conv { .. }
        | Op::MaxPool(_)
        | Op::AvgPool(_)
        | Op::Residual { .. }
        | Op::Highway { .. }
        | Op::Branches(_) => false,
        _ => flat,
    }
}

/// `x` as Python source: a float that reads back as the same `f32`.
pub(crate) fn py_float(x: f32) -> String {
    let s = alloc::format!("{x:?}");
    if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        alloc::format!("{s}.0")
    }
}

/// Everything a PyTorch export writes, as `(file name, contents)`: `model.py`, `train.py`, the
/// trainer's weights (batch-norm statistics included) and the self-check ([`CHECK_FILE`]: the
/// first [`CHECK_DIGITS`] of `check_images` with the logits this trainer gives them).
pub fn pytorch_files(trainer: &mut Trainer, check_images: &[f32]) -> Result<Vec<(&'static str, Vec<u8>)>, ConfigError> {
    let name = trainer.spec().name.clone();
    // train.py's default seed: the one this run used (also when it was drawn at random).
    let mut config = trainer.config().clone();
    config.seed = Some(trainer.seed());
    let code = pytorch::export(&config, &name)?;
    let weights = crate::checkpoint::save(trainer.params()).map_err(|e| ConfigError::new("weights", e.to_string()))?;
    let check = self_check(trainer, check_images)?;
    Ok(alloc::vec![
        ("model.py", code.model_py.into_bytes()),
        ("train.py", code.train_py.into_bytes()),
        (pytorch::WEIGHTS_FILE, weights),
        (CHECK_FILE, check),
    ])
}

/// The ONNX inference graph of this trainer's model with its weights ([`onnx`]).
pub fn onnx_file(trainer: &Trainer) -> Result<Vec<u8>, ConfigError> {
    onnx::export(trainer.config(), trainer.params(), &trainer.spec().name)
}

/// The self-check file: up to [`CHECK_DIGITS`] images and this trainer's logits for them.
pub fn self_check(trainer: &mut Trainer, images: &[f32]) -> Result<Vec<u8>, ConfigError> {
    const PIXELS: usize = 28 * 28;
    let n = (images.len() / PIXELS).min(CHECK_DIGITS);
    if n == 0 {
        return Err(ConfigError::new("check_images", "no digits to check the export with"));
    }
    let images = &images[..n * PIXELS];
    let logits = trainer.logits(images).map_err(|e| ConfigError::new("check_images", e.to_string()))?;
    crate::checkpoint::save_tensors(&[
        ("images", &[n, 1, 28, 28], images),
        ("logits", &[n, crate::train::CLASSES], &logits),
    ])
    .map_err(|e| ConfigError::new("check_images", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PRESETS;
    use crate::TrainConfig;

    /// Every preset exports: one `nn.Sequential` entry per spec layer, every parameter of the
    /// model named in a module the code declares, and a self-check of the trainer's logits.
    #[test]
    fn every_preset_exports_with_its_parameter_names() {
        for info in PRESETS {
            let mut c = TrainConfig::default();
            c.model.preset = info.preset;
            let mut trainer = Trainer::new(c.clone(), 1).unwrap();
            let spec = trainer.spec().clone();
            let files = pytorch_files(&mut trainer, &alloc::vec![0.25; 3 * 784]).unwrap();
            let model = core::str::from_utf8(&files[0].1).unwrap();
            for (i, _) in spec.layers.iter().enumerate() {
                assert!(model.contains(&alloc::format!("  # layers.{i}\n")), "{:?}: layers.{i} missing", info.preset);
            }
            for e in trainer.params().entries() {
                // `layers.3.conv1.weight` → the block of layers.3 declares `self.conv1`.
                let parts: Vec<&str> = e.name.split('.').collect();
                if parts.len() > 3 {
                    let attr = alloc::format!("self.{} = ", parts[2]);
                    assert!(model.contains(&attr), "{:?}: {} has no module ({attr})", info.preset, e.name);
                }
            }
            let train = core::str::from_utf8(&files[1].1).unwrap();
            assert!(train.contains("SETTINGS = {") && !train.contains("{{SETTINGS}}"));
            assert_eq!(files[2].0, pytorch::WEIGHTS_FILE);
            let check = safetensors::SafeTensors::deserialize(&files[3].1).unwrap();
            assert_eq!(check.tensor("logits").unwrap().shape(), &[3, 10]);
            // (ONNX Runtime runs every preset's graph in tests/pytorch/handoff.py.)
            let graph = onnx_file(&trainer).unwrap();
            assert!(
                graph.len() > 1000 && graph.windows(8).any(|w| w == b"Depthlab"),
                "{:?}: no ONNX graph",
                info.preset
            );
        }
    }
}
