//! Whole networks of every family, as the builder builds them (batch norm folded into fused
//! ReLU epilogues, option-A and projection shortcuts, pre-activation units, bottlenecks,
//! grouped and depthwise convolutions, Highway gates, Inception branches with an auxiliary
//! head), checked against finite differences: every input and parameter element, relative
//! error 3% above a floor of 1% of the largest gradient (`depthlab_core::gradcheck`; max
//! pooling's kinks get a second, smaller step). Small inputs (1×8×8, batch 2) keep the check
//! to a few seconds. The fused conv-BN-ReLU path is checked with ReLU in `plain` (a single
//! block, few kinks) and per operation in `depthlab_core::gradcheck`; deeper nets use tanh in
//! place of every ReLU (see [`check`]).

use depthlab_core::gradcheck::{check_gradients, GradCheck};
use depthlab_core::{Mode, ParamStore, Rng, Tensor};
use depthlab_nn::spec::{build, ModelSpec};

/// Checks the network of `layers` with every ReLU replaced by tanh (the spec-wide `activation`
/// switch, as the page's model setting does): a finite difference that straddles a ReLU's
/// kink measures nothing, and after batch norm — which couples every value of the batch — one
/// perturbed pixel moves every pre-activation, so some always straddle one.
fn check(name: &str, layers: &str) {
    check_with(name, layers, "tanh");
}

fn check_with(name: &str, layers: &str, activation: &str) {
    let (eps, seed) = (1e-3, 3);
    let spec: ModelSpec = serde_json::from_str(&format!(
        r#"{{"name": "{name}", "input": [1, 8, 8], "activation": "{activation}", "layers": [{layers}]}}"#
    ))
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut params = ParamStore::new();
    let mut rng = Rng::new(seed);
    let (net, _) = build(&spec, &mut params, &mut rng).unwrap_or_else(|e| panic!("{name}: {e}"));
    // Batch norm's γ starts at 1 and β at 0; move every parameter off its initial value so a
    // gradient that happened to vanish at initialisation would still be seen.
    for v in params.values_mut() {
        *v += rng.uniform(-0.2, 0.2);
    }
    let net = std::cell::RefCell::new(net);
    let x = Tensor::from_vec(&[2, 1, 8, 8], (0..128).map(|_| rng.uniform(-1.0, 1.0)).collect());
    let worst = check_gradients(
        &mut params,
        &[x],
        |t, p, v| {
            let out = net.borrow_mut().forward(t, p, v[0], Mode::Train);
            out.aux().iter().fold(out.logits, |acc, &a| t.add(acc, a))
        },
        GradCheck { eps, tol: 3e-2, kink_eps: Some(eps / 4.0), floor: 1e-2 },
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    println!("{name:<28} {} parameters, worst relative error {worst:.2e}", params.len());
}

const HEAD: &str = r#"{"type": "global_avg_pool"}, {"type": "linear", "out": 10}"#;

#[test]
fn plain_and_fused_conv_bn_relu() {
    check_with(
        "plain (fused conv-bn-relu)",
        &format!(
            r#"{{"type": "conv", "out": 4, "bias": false}}, {{"type": "batch_norm"}}, {{"type": "relu"}}, {{"type": "conv", "out": 4, "stride": 2, "bias": false}}, {{"type": "batch_norm"}}, {{"type": "relu"}}, {HEAD}"#
        ),
        "relu",
    );
}

#[test]
fn resnet_v1_option_a_and_b() {
    for sc in ["A", "B", "C"] {
        check(
            &format!("ResNet v1, shortcut {sc}"),
            &format!(
                r#"{{"type": "conv", "out": 4, "bias": false}}, {{"type": "batch_norm"}}, {{"type": "relu"}}, {{"type": "residual", "out": 4}}, {{"type": "residual", "out": 8, "stride": 2, "shortcut": "{sc}"}}, {HEAD}"#
            ),
        );
    }
}

#[test]
fn resnet_v2_units_and_bottleneck() {
    for unit in ["b", "c", "d", "e"] {
        check(
            &format!("ResNet v2, unit {unit}"),
            &format!(
                r#"{{"type": "conv", "out": 4, "bias": false}}, {{"type": "residual", "out": 4, "unit": "{unit}"}}, {{"type": "residual", "out": 8, "stride": 2, "shortcut": "B", "unit": "{unit}"}}, {{"type": "batch_norm"}}, {{"type": "relu"}}, {HEAD}"#
            ),
        );
    }
    check(
        "bottleneck ResNet",
        &format!(
            r#"{{"type": "conv", "out": 8, "bias": false}}, {{"type": "batch_norm"}}, {{"type": "relu"}}, {{"type": "residual", "out": 8, "bottleneck": 2, "shortcut": "B"}}, {{"type": "residual", "out": 8, "stride": 2, "bottleneck": 2, "shortcut": "B"}}, {HEAD}"#
        ),
    );
}

#[test]
fn highway_resnext_and_depthwise() {
    check(
        "Highway",
        &format!(
            r#"{{"type": "conv", "out": 4}}, {{"type": "relu"}}, {{"type": "highway"}}, {{"type": "highway", "gate_bias": -1.0}}, {HEAD}"#
        ),
    );
    check(
        "ResNeXt (grouped, stride 2)",
        &format!(
            r#"{{"type": "conv", "out": 8, "bias": false}}, {{"type": "batch_norm"}}, {{"type": "relu"}}, {{"type": "resnext", "out": 8, "cardinality": 2, "width": 2}}, {{"type": "resnext", "out": 8, "cardinality": 4, "width": 1, "stride": 2}}, {HEAD}"#
        ),
    );
    check(
        "depthwise stride 2",
        &format!(
            r#"{{"type": "conv", "out": 4}}, {{"type": "conv", "out": 4, "groups": 4, "stride": 2}}, {{"type": "conv", "out": 8, "kernel": 1, "padding": 0}}, {{"type": "tanh"}}, {HEAD}"#
        ),
    );
}

#[test]
fn inception_with_aux_head_and_pools() {
    check(
        "Inception + aux head",
        &format!(
            r#"{{"type": "conv", "out": 4}}, {{"type": "relu"}}, {{"type": "inception", "b1": 2, "b3": [2, 3], "b5": [1, 2], "pool_proj": 2}}, {{"type": "aux_head", "channels": 4}}, {{"type": "max_pool", "kernel": 2}}, {{"type": "inception", "b1": 2, "b3": [0, 2], "b5": [0, 2], "pool_proj": 2}}, {{"type": "avg_pool", "kernel": 2}}, {{"type": "sigmoid"}}, {HEAD}"#
        ),
    );
}
