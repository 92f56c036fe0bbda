//! Preset and spec tests: shapes, parameter counts, costs, error messages, ResNeXt equivalence.

use super::*;
use crate::catalog::Named;
use crate::spec::ShortcutKind;
use crate::spec::{build, cost_table, LayerSpec, ModelSpec};
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;
use depthlab_core::{Mode, ParamStore, Rng, Tape, Tensor};
use wasm_bindgen_test::wasm_bindgen_test;

fn total_params(spec: &ModelSpec) -> u64 {
    cost_table(spec).unwrap().iter().map(|r| r.params).sum()
}

fn all_presets() -> Vec<(Preset, ModelSpec)> {
    Preset::ALL
        .iter()
        .map(|&preset| (preset, preset_spec(&ModelConfig { preset, ..Default::default() }).unwrap()))
        .collect()
}

#[wasm_bindgen_test(unsupported = test)]
fn documented_parameter_counts() {
    assert_eq!(total_params(&lenet5(depthlab_core::kernels::activation::Activation::Relu)), 61_706);
    assert_eq!(total_params(&alexnet_mini()), 461_962);
    assert_eq!(total_params(&vgg_mini()), 584_170);
    assert_eq!(total_params(&resnet(20, ShortcutKind::A, Unit::A, false).unwrap()), 269_434);
}

/// Every preset builds, and a forward pass of two digits gives `[2, 10]` in both modes.
#[wasm_bindgen_test(unsupported = test)]
fn every_preset_builds_and_runs() {
    for (p, spec) in all_presets() {
        let mut ps = ParamStore::new();
        let (mut net, rows) = build(&spec, &mut ps, &mut Rng::new(1)).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(rows.iter().map(|r| r.params).sum::<u64>(), ps.len() as u64, "{p:?}: cost table vs store");
        for mode in [Mode::Train, Mode::Eval] {
            let mut t = Tape::new();
            let x = t.input(Tensor::zeros(&[2, 1, 28, 28]));
            let out = net.forward(&mut t, &mut ps, x, mode);
            assert_eq!(t.value(out.logits).shape(), &[2, 10], "{p:?}");
            let want_aux = if p == Preset::Inception && mode == Mode::Train { 2 } else { 0 };
            assert_eq!(out.aux().len(), want_aux, "{p:?}");
        }
    }
}

/// The seed's arithmetic: 28×28×192 → 32 filters of 5×5 costs 120,422,400 multiplies; through
/// a 16-channel 1×1 bottleneck, 2,408,448 + 10,035,200 = 12,443,648.
#[wasm_bindgen_test(unsupported = test)]
fn bottleneck_cost_matches_the_seed() {
    let conv = |out, kernel| LayerSpec::Conv { out, kernel, stride: 1, padding: None, groups: 1, bias: false };
    let tail = || vec![LayerSpec::GlobalAvgPool, LayerSpec::Linear { out: 10, bias: false }];
    let direct = ModelSpec {
        name: "direct".into(),
        input: [192, 28, 28],
        layers: [vec![conv(32, 5)], tail()].concat(),
        remove_shortcuts: false,
        remove_batch_norm: false,
        activation: None,
    };
    let rows = cost_table(&direct).unwrap();
    assert_eq!(rows[0].macs, 120_422_400);
    assert_eq!(rows[0].output, vec![32, 28, 28]);
    let reduced = ModelSpec { layers: [vec![conv(16, 1), conv(32, 5)], tail()].concat(), ..direct };
    let rows = cost_table(&reduced).unwrap();
    assert_eq!(rows[0].macs + rows[1].macs, 12_443_648);
}

/// The same numbers read from a real model of the zoo: GoogLeNet's inception (3a) block, its 5×5
/// branch with and without the 16-channel 1×1 reduction.
#[wasm_bindgen_test(unsupported = test)]
fn inception_3a_five_by_five_branch_costs_the_seeds_numbers() {
    let macs = |reductions| {
        let rows = cost_table(&super::inception_3a(reductions)).unwrap();
        let b5: u64 = rows.iter().filter(|r| r.name.starts_with("layers.3.b5")).map(|r| r.macs).sum();
        let total: u64 = rows.iter().map(|r| r.macs).sum();
        (b5, total)
    };
    let (with, total_with) = macs(true);
    let (without, total_without) = macs(false);
    assert_eq!(with, 12_443_648);
    assert_eq!(without, 120_422_400);
    // The whole model (129,406,464 vs 309,638,656): the 3×3 branch is reduced too.
    assert!(total_without > 2 * total_with, "{total_with} vs {total_without}");
}

/// Split-transform-merge (C separate branches, summed) equals one grouped convolution with the
/// same weights (Xie et al. 2017, Fig. 3 a ≡ c).
#[wasm_bindgen_test(unsupported = test)]
fn resnext_branches_equal_grouped_convolution() {
    use depthlab_core::Conv2dParams;
    let (c_in, card, d, out) = (8, 4, 3, 8);
    let mut rng = Rng::new(3);
    let mut r = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.uniform(-0.5, 0.5)).collect() };
    let (w1, w2, w3) = (r(card * d * c_in), r(card * d * d * 9), r(out * card * d));
    let x = Tensor::from_vec(&[2, c_in, 6, 6], r(2 * c_in * 36));
    // Grouped form: 1×1 (C·d), grouped 3×3 (C groups), 1×1 (out).
    let mut ps = ParamStore::new();
    let g1 = ps.add("g1", &[card * d, c_in, 1, 1], w1.clone());
    let g2 = ps.add("g2", &[card * d, d, 3, 3], w2.clone());
    let g3 = ps.add("g3", &[out, card * d, 1, 1], w3.clone());
    let mut t = Tape::new();
    let xv = t.input(x.clone());
    let h = t.conv2d(&ps, xv, g1, None, Conv2dParams::square(c_in, card * d, 1, 1, 0));
    let h = t.relu(h);
    let h = t.conv2d(&ps, h, g2, None, Conv2dParams::square(card * d, card * d, 3, 1, 1).with_groups(card));
    let h = t.relu(h);
    let grouped = t.conv2d(&ps, h, g3, None, Conv2dParams::square(card * d, out, 1, 1, 0));
    // Branch form: branch k uses rows k·d.. of w1, group k of w2, columns k·d.. of w3.
    let mut sum: Option<depthlab_core::Var> = None;
    for k in 0..card {
        let b1 = ps.add("b1", &[d, c_in, 1, 1], w1[k * d * c_in..(k + 1) * d * c_in].to_vec());
        let b2 = ps.add("b2", &[d, d, 3, 3], w2[k * d * d * 9..(k + 1) * d * d * 9].to_vec());
        let cols: Vec<f32> =
            (0..out).flat_map(|o| w3[o * card * d + k * d..o * card * d + (k + 1) * d].to_vec()).collect();
        let b3 = ps.add("b3", &[out, d, 1, 1], cols);
        let h = t.conv2d(&ps, xv, b1, None, Conv2dParams::square(c_in, d, 1, 1, 0));
        let h = t.relu(h);
        let h = t.conv2d(&ps, h, b2, None, Conv2dParams::square(d, d, 3, 1, 1));
        let h = t.relu(h);
        let y = t.conv2d(&ps, h, b3, None, Conv2dParams::square(d, out, 1, 1, 0));
        sum = Some(match sum {
            Some(s) => t.add(s, y),
            None => y,
        });
    }
    let a = t.value(grouped).data().to_vec();
    let b = t.value(sum.unwrap()).data().to_vec();
    for (u, v) in a.iter().zip(&b) {
        assert!((u - v).abs() < 1e-4, "{u} vs {v}");
    }
}

fn parse(json: &str) -> Result<ModelSpec, alloc::string::String> {
    serde_json::from_str::<ModelSpec>(json).map_err(|e| e.to_string())
}

fn build_err(json: &str) -> alloc::string::String {
    let spec = parse(json).unwrap();
    build(&spec, &mut ParamStore::new(), &mut Rng::new(0)).unwrap_err().to_string()
}

#[wasm_bindgen_test(unsupported = test)]
fn unknown_block_is_named() {
    let e = parse(r#"{"layers": [{"type": "transformer"}]}"#).unwrap_err();
    assert!(e.contains("unknown variant `transformer`"), "{e}");
    let e = parse(r#"{"layers": [{"type": "conv", "out": 8, "kernal": 3}]}"#).unwrap_err();
    assert!(e.contains("unknown field `kernal`"), "{e}");
}

#[wasm_bindgen_test(unsupported = test)]
fn channels_not_divisible_by_groups() {
    let e = build_err(
        r#"{"layers": [{"type": "conv", "out": 6}, {"type": "conv", "out": 8, "groups": 4}, {"type": "global_avg_pool"}, {"type": "linear", "out": 10}]}"#,
    );
    assert_eq!(e, "layers[1].groups: 4 groups do not divide 6 input and 8 output channels");
}

#[wasm_bindgen_test(unsupported = test)]
fn shape_shrinking_below_1x1() {
    let mut layers = alloc::string::String::new();
    for _ in 0..6 {
        layers.push_str(r#"{"type": "max_pool", "kernel": 2},"#);
    }
    let e = build_err(&alloc::format!(r#"{{"layers": [{layers} {{"type": "linear", "out": 10}}]}}"#));
    assert!(e.starts_with("layers[4]: a 2×2 window does not fit the 1×1 input"), "{e}");
    let e = build_err(
        r#"{"layers": [{"type": "conv", "out": 4, "kernel": 7, "padding": 0}, {"type": "conv", "out": 4, "kernel": 7, "padding": 0}, {"type": "conv", "out": 4, "kernel": 7, "padding": 0}, {"type": "conv", "out": 4, "kernel": 11, "padding": 0}, {"type": "linear", "out": 10}]}"#,
    );
    assert!(e.starts_with("layers[3]: a 11×11 kernel with padding 0 does not fit the 10×10 input"), "{e}");
}

#[wasm_bindgen_test(unsupported = test)]
fn depth_not_6n_plus_2() {
    let e = preset_spec(&ModelConfig { preset: Preset::Resnet, depth: 18, ..Default::default() }).unwrap_err();
    assert_eq!(e.path, "depth");
    assert!(e.reason.contains("6n+2") && e.reason.contains("18"), "{}", e.reason);
    let e = preset_spec(&ModelConfig { preset: Preset::Resnext, depth: 20 + 1, ..Default::default() }).unwrap_err();
    assert!(e.reason.contains("9n+2"));
}

#[wasm_bindgen_test(unsupported = test)]
fn other_spec_mistakes() {
    let e = build_err(
        r#"{"layers": [{"type": "conv", "out": 8}, {"type": "global_avg_pool"}, {"type": "linear", "out": 7}]}"#,
    );
    assert!(e.contains("must output 10 class scores"), "{e}");
    let e =
        build_err(r#"{"layers": [{"type": "flatten"}, {"type": "conv", "out": 8}, {"type": "linear", "out": 10}]}"#);
    assert!(e.starts_with("layers[1]: conv needs an image input"), "{e}");
    let e = build_err(
        r#"{"layers": [{"type": "conv", "out": 32}, {"type": "residual", "out": 16, "shortcut": "A"}, {"type": "global_avg_pool"}, {"type": "linear", "out": 10}]}"#,
    );
    assert!(e.starts_with("layers[1].shortcut: option A"), "{e}");
    let e = build_err(r#"{"layers": [{"type": "dropout", "p": 1.5}, {"type": "linear", "out": 10}]}"#);
    assert!(e.starts_with("layers[0].p"), "{e}");
    let e = build_err(r#"{"layers": [{"type": "linear", "out": 100000000}]}"#);
    assert!(e.contains("out"), "{e}");
    let e = build_err(
        r#"{"layers": [{"type": "conv", "out": 4096, "kernel": 15}, {"type": "conv", "out": 4096, "kernel": 15}, {"type": "linear", "out": 10}]}"#,
    );
    assert!(e.contains("parameters"), "{e}");
    let e = build_err(r#"{"input": [0, 28, 28], "layers": [{"type": "linear", "out": 10}]}"#);
    assert!(e.starts_with("input:"), "{e}");
}

/// The inputs a mutation fuzz found to overflow or to allocate gigabytes are refused with a
/// message (no panic, no allocation): huge conv and pool paddings, paddings at or beyond the
/// kernel, a cardinality that overflows `cardinality × width`.
#[wasm_bindgen_test(unsupported = test)]
fn absurd_sizes_are_refused_not_overflowed() {
    // On wasm32 (usize is 32 bits) the largest values do not even parse: refused either way.
    let refused = |json: &str, field: &str| match parse(json) {
        Err(e) => assert!(e.contains("invalid value") || e.contains(field), "{field}: {e}"),
        Ok(spec) => {
            let e = build(&spec, &mut ParamStore::new(), &mut Rng::new(0)).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    };
    for pad in ["9223372036854775808", "4611686018427387904", "1000", "3"] {
        refused(
            &alloc::format!(
                r#"{{"layers": [{{"type": "conv", "out": 4, "kernel": 3, "padding": {pad}}}, {{"type": "global_avg_pool"}}, {{"type": "linear", "out": 10}}]}}"#
            ),
            "layers[0].padding: padding",
        );
        refused(
            &alloc::format!(
                r#"{{"layers": [{{"type": "max_pool", "kernel": 2, "stride": 2, "padding": {pad}}}, {{"type": "global_avg_pool"}}, {{"type": "linear", "out": 10}}]}}"#
            ),
            "layers[0].padding: padding",
        );
    }
    refused(
        r#"{"layers": [{"type": "conv", "out": 32}, {"type": "resnext", "out": 64, "cardinality": 4611686018427387904, "width": 4}, {"type": "global_avg_pool"}, {"type": "linear", "out": 10}]}"#,
        "cardinality",
    );
    match serde_json::from_str::<crate::TrainConfig>(
        r#"{"model": {"preset": "resnext", "cardinality": 4611686018427387904}}"#,
    ) {
        Err(e) => assert!(e.to_string().contains("invalid value"), "{e}"),
        Ok(cfg) => assert!(cfg.model_spec().unwrap_err().to_string().contains("cardinality")),
    }
}

/// The shortcut switch: plain-20 is ResNet-20 (option A, no parameters in its shortcuts)
/// with the additions removed, and remove_shortcuts turns one into the other.
#[wasm_bindgen_test(unsupported = test)]
fn plain_is_resnet_without_shortcuts() {
    let plain = plain(20).unwrap();
    let mut res = resnet(20, ShortcutKind::A, Unit::A, false).unwrap();
    assert_eq!(total_params(&plain), total_params(&res));
    res.remove_shortcuts = true;
    let (mut a, mut b) = (ParamStore::new(), ParamStore::new());
    let (mut na, _) = build(&plain, &mut a, &mut Rng::new(5)).unwrap();
    let (mut nb, _) = build(&res, &mut b, &mut Rng::new(5)).unwrap();
    let x = Tensor::from_vec(&[1, 1, 28, 28], (0..784).map(|i| (i % 7) as f32 / 7.0).collect());
    let (mut ta, mut tb) = (Tape::new(), Tape::new());
    let (xa, xb) = (ta.input(x.clone()), tb.input(x));
    let ya = na.forward(&mut ta, &mut a, xa, Mode::Eval).logits;
    let yb = nb.forward(&mut tb, &mut b, xb, Mode::Eval).logits;
    assert_eq!(ta.value(ya).data(), tb.value(yb).data());
}

/// Every unit variant a–e and shortcut option builds at depth 8 and the cost table lists the
/// layers the paper draws (e.g. unit b has a BN after the addition).
#[wasm_bindgen_test(unsupported = test)]
fn unit_variants_and_shortcut_options() {
    for unit in [Unit::A, Unit::B, Unit::C, Unit::D, Unit::E] {
        let s = resnet_v2(8, unit, ShortcutKind::B).unwrap();
        let rows = cost_table(&s).unwrap();
        let has_bn_out = rows.iter().any(|r| r.name.ends_with("bn_out"));
        assert_eq!(has_bn_out, unit == Unit::B, "{unit:?}");
    }
    let params = |k| total_params(&resnet(8, k, Unit::A, false).unwrap());
    // A adds no parameters; B projects where the shape changes (2 places); C everywhere (3).
    assert!(params(ShortcutKind::A) < params(ShortcutKind::B) && params(ShortcutKind::B) < params(ShortcutKind::C));
}
