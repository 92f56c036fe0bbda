//! The catalogue is consistent with the types it describes.

use super::*;
use crate::config::{ModelConfig, TrainConfig};
use crate::models::{preset_spec, Preset};
use alloc::vec::Vec;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test(unsupported = test)]
fn every_preset_has_one_entry_in_order() {
    let listed: Vec<Preset> = PRESETS.iter().map(|p| p.preset).collect();
    assert_eq!(listed, Preset::ALL);
    for p in Preset::ALL {
        assert_eq!(preset_info(*p).preset, *p);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn keys_are_unique_and_references_resolve() {
    for (i, s) in SETTINGS.iter().enumerate() {
        assert!(SETTINGS[..i].iter().all(|o| o.key != s.key), "duplicate key {}", s.key);
        if let Some(w) = s.when {
            let other = setting(w.key).unwrap_or_else(|| panic!("{}: when refers to unknown {}", s.key, w.key));
            for v in w.values {
                let mut c = TrainConfig::default();
                c.set(other.key, v).unwrap_or_else(|e| panic!("{}: when value {v}: {e}", s.key));
            }
        }
    }
    for p in PRESETS {
        for o in p.options {
            let s = setting(o).unwrap_or_else(|| panic!("{:?} lists unknown option {o}", p.preset));
            assert_eq!(s.group, Group::Model, "{o}");
        }
        assert_eq!(p.depth.is_some(), p.options.contains(&"depth"), "{:?}", p.preset);
    }
}

/// Every default parses and validates; every offered depth builds.
#[wasm_bindgen_test(unsupported = test)]
fn defaults_and_offered_depths_are_valid() {
    TrainConfig::default().validate().unwrap();
    for p in PRESETS {
        for &depth in p.depth.map_or(&[][..], |d| d.offered) {
            let m = ModelConfig { preset: p.preset, depth, ..Default::default() };
            preset_spec(&m).unwrap_or_else(|e| panic!("{:?} depth {depth}: {e}", p.preset));
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn names_round_trip_through_from_str_display_and_serde() {
    for p in Preset::ALL {
        let name = alloc::format!("{p}");
        assert_eq!(name.parse::<Preset>().unwrap(), *p);
        assert_eq!(serde_json::to_string(p).unwrap(), alloc::format!("\"{name}\""));
    }
    let e = "resnet-20".parse::<Preset>().unwrap_err();
    assert!(alloc::format!("{e}").contains("choose one of lenet5, alexnet_mini"), "{e}");
}

#[wasm_bindgen_test(unsupported = test)]
fn the_catalogue_serialises() {
    let json = serde_json::to_string(&catalog()).unwrap();
    assert!(json.contains(r#""key":"zero_init_last_bn""#) && json.contains(r#""preset":"resnext""#), "{json}");
}

/// Every lesson's settings are catalogue settings with allowed values, its runs build, its
/// sweep families have depth rules offering its depths, and ids are unique.
#[wasm_bindgen_test(unsupported = test)]
fn lessons_are_valid() {
    let mut ids = Vec::new();
    for l in LESSONS {
        assert!(!ids.contains(&l.id), "duplicate lesson {}", l.id);
        ids.push(l.id);
        let mut base = crate::TrainConfig::default();
        for (k, v) in l.base {
            base.set(k, v).unwrap_or_else(|e| panic!("{}: {k}={v}: {e}", l.id));
        }
        assert!(base.steps > 0, "{}: a lesson runs a step budget", l.id);
        assert!(l.runs.is_empty() != l.sweep.is_none(), "{}: runs or a sweep", l.id);
        for run in l.runs {
            let mut c = base.clone();
            for (k, v) in *run {
                c.set(k, v).unwrap_or_else(|e| panic!("{}: {k}={v}: {e}", l.id));
            }
            c.model_spec().unwrap_or_else(|e| panic!("{}: {e}", l.id));
        }
        if let Some(s) = l.sweep {
            for f in s.families {
                let p: crate::models::Preset = f.parse().unwrap();
                let rule = preset_info(p).depth.unwrap_or_else(|| panic!("{}: {f} has no depth rule", l.id));
                assert!(s.depths.iter().all(|d| rule.offered.contains(d)), "{}: {f} {:?}", l.id, s.depths);
            }
        }
        for v in l.views {
            assert!(["inside", "arch", "cost", "test", "features", "sweep"].contains(v), "{}: view {v}", l.id);
        }
    }
    assert_eq!(lesson("degradation").map(|l| l.id), Some("degradation"));
    assert!(lesson("nope").is_none());
}
