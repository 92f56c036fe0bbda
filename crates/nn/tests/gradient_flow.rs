//! Vanishing gradients, measured by the probes on real digits (batch 32, Adam 1e-3, seed 7,
//! median over 10 steps of the first layer's weight-gradient norm over the last layer's):
//! - plain-20 with sigmoids and no batch norm: about 1e-11 — the gradient vanishes;
//! - ResNet-20 as the page builds it (v1, ReLU, batch norm, option-A shortcuts): about 0.14;
//! - like for like, ResNet-20 v2 with sigmoids and no batch norm: about 4.5e-3 — nine decades
//!   more gradient than the plain net, because its shortcut path has no nonlinearity at all
//!   (its stem conv still gets 400× less than the classifier, as the layers differ in size).
//!   ResNet v1 applies the activation after each addition, so with sigmoids and no batch norm
//!   its gradients vanish too (about 1e-8): the reason for the pre-activation unit.

use depthlab_nn::data::Dataset;
use depthlab_nn::models::Preset;
use depthlab_nn::probe::{FIELDS, WEIGHT_GRAD};
use depthlab_nn::{ModelConfig, TrainConfig, Trainer};

fn digits(n: usize) -> (Vec<f32>, Vec<u8>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/data");
    let img = std::fs::read(dir.join("train-images-idx3-ubyte.gz")).unwrap();
    let lbl = std::fs::read(dir.join("train-labels-idx1-ubyte.gz")).unwrap();
    let d = Dataset::from_idx(&img, &lbl).unwrap();
    (d.images_f32()[..n * 784].to_vec(), d.labels()[..n].to_vec())
}

/// First-layer over last-layer weight-gradient norm (median of `steps` steps) and the norms of
/// the last step, input side first.
fn first_over_last(model: ModelConfig, steps: usize) -> (f32, Vec<f32>) {
    let (x, y) = digits(32 * steps);
    let mut t = Trainer::new(TrainConfig { model, ..Default::default() }, 7).unwrap();
    let mut ratios = Vec::new();
    let mut norms = Vec::new();
    for s in 0..steps {
        t.train_step(&x[s * 32 * 784..(s + 1) * 32 * 784], &y[s * 32..(s + 1) * 32]).unwrap();
        norms = t.probes().values().chunks(FIELDS).map(|r| r[WEIGHT_GRAD]).collect();
        ratios.push(norms[0] / norms[norms.len() - 1]);
    }
    ratios.sort_by(f32::total_cmp);
    (ratios[ratios.len() / 2], norms)
}

#[test]
fn plain_sigmoid_gradients_vanish_resnet_gradients_do_not() {
    let sigmoid_no_bn = |preset| ModelConfig {
        preset,
        depth: 20,
        activation: "sigmoid".parse().unwrap(),
        batch_norm: false,
        ..Default::default()
    };
    let e = |v: &[f32]| v.iter().map(|x| format!("{x:.1e}")).collect::<Vec<_>>().join(" ");
    let (plain, plain_norms) = first_over_last(sigmoid_no_bn(Preset::Plain), 10);
    let (resnet, resnet_norms) =
        first_over_last(ModelConfig { preset: Preset::Resnet, depth: 20, ..Default::default() }, 10);
    let (v2, v2_norms) = first_over_last(sigmoid_no_bn(Preset::ResnetV2), 10);
    println!("first/last weight-gradient norm, median of 10 steps: plain-20 sigmoid no BN {plain:.2e}, ResNet-20 {resnet:.2e}, ResNet-20 v2 sigmoid no BN {v2:.2e}");
    println!("plain-20 sigmoid no BN, step 10, input → output: {}", e(&plain_norms));
    println!("ResNet-20, step 10: {}", e(&resnet_norms));
    println!("ResNet-20 v2 sigmoid no BN, step 10: {}", e(&v2_norms));
    assert!(plain <= 0.01, "plain-20 sigmoid: first/last = {plain}");
    assert!(resnet > 0.01, "ResNet-20: first/last = {resnet}");
    assert!(v2 > 1e6 * plain, "ResNet-20 v2 sigmoid {v2} vs plain {plain}");
}
