//! The fuzz seed corpus (fuzz/seeds, written by fuzz/make-seeds.sh) stays valid input as the
//! formats evolve: a seed the readers refuse would leave the fuzzer starting from nothing.
#![cfg(not(target_arch = "wasm32"))]

use depthlab_nn::data::{parse_idx, IdxKind};
use depthlab_nn::{TrainConfig, Trainer};
use std::path::PathBuf;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds").join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

#[test]
fn every_configuration_seed_builds() {
    for (name, bytes) in seeds("spec") {
        let config: TrainConfig = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let t = Trainer::new(config, 1).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!t.params().is_empty(), "{name}");
    }
}

#[test]
fn every_settings_seed_but_the_bad_one_is_accepted() {
    for (name, bytes) in seeds("settings") {
        let mut config = TrainConfig::default();
        let errors = std::str::from_utf8(&bytes)
            .unwrap()
            .split('&')
            .filter(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                config.set(k, v).is_err()
            })
            .count();
        if name == "bad" {
            assert_eq!(errors, 3, "{name}: lr=banana, depth=-1 and unknown=1 are refused");
        } else {
            assert_eq!(errors, 0, "{name}");
            config.model_spec().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn every_idx_seed_reads() {
    for (name, bytes) in seeds("idx").into_iter().chain(seeds("gzip")) {
        if name.starts_with("dataset") {
            continue;
        }
        let kind = if name.starts_with("images") { IdxKind::Images } else { IdxKind::Labels };
        let f = parse_idx(&bytes, kind).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(f.count > 0, "{name}");
    }
}

#[test]
fn the_weights_seed_loads_into_the_fuzzed_model() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let spec = serde_json::from_slice(&std::fs::read(dir.join("tiny-model.json")).unwrap()).unwrap();
    let model = depthlab_nn::ModelConfig { spec: Some(spec), ..Default::default() };
    let mut params = Trainer::new(TrainConfig { model, ..Default::default() }, 2).unwrap().params().clone();
    let bytes = std::fs::read(dir.join("seeds/safetensors/tiny.safetensors")).unwrap();
    let before = params.values().to_vec();
    depthlab_nn::checkpoint::load(&mut params, &bytes).unwrap();
    assert_ne!(params.values(), &before[..], "the seed's weights were loaded");
}
