//! LeNet-5 on the bundled real MNIST digits (native only: reads `www/data` from disk).
#![cfg(not(target_arch = "wasm32"))]

use depthlab_nn::augment::{AugmentConfig, Augmenter};
use depthlab_nn::data::Dataset;
use depthlab_nn::{TrainConfig, Trainer};
use std::path::PathBuf;

fn bundled(split: &str) -> Dataset {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../www/data");
    let img = std::fs::read(dir.join(format!("{split}-images-idx3-ubyte.gz"))).unwrap();
    let lbl = std::fs::read(dir.join(format!("{split}-labels-idx1-ubyte.gz"))).unwrap();
    Dataset::from_idx(&img, &lbl).expect("bundled data must parse")
}

#[test]
fn bundled_files_parse_with_expected_counts() {
    let (train, test) = (bundled("train"), bundled("test"));
    assert_eq!((train.len(), test.len()), (8000, 2000));
    // Every class is present in both splits.
    for d in 0..10u8 {
        assert!(train.labels().contains(&d) && test.labels().contains(&d));
    }
}

/// The classic sanity check: a correct model and backward pass drive training accuracy on a
/// small fixed batch to 100%.
#[test]
fn lenet5_overfits_64_digits_to_100_percent() {
    let data = bundled("train");
    let images: Vec<f32> = data.images_f32()[..64 * 784].to_vec();
    let labels = &data.labels()[..64];
    let mut t = Trainer::new(TrainConfig::default(), 1).unwrap();
    let mut last = None;
    for step in 0..150 {
        let s = t.train_step(&images, labels).unwrap();
        if s.accuracy == 1.0 && s.loss < 0.05 {
            last = Some(step);
            break;
        }
    }
    let eval = t.evaluate(&images, labels).unwrap();
    assert_eq!(eval.accuracy, 1.0, "stopped at {last:?}: {eval:?}");
    eprintln!("LeNet-5 fit 64 digits in {} steps (eval loss {:.4})", last.unwrap() + 1, eval.loss);
}

/// One epoch with the page's defaults (relu, Adam 1e-3, batch 64, augmentation on) reaches
/// at least 90% on the 2,000 held-out digits.
#[test]
fn lenet5_one_epoch_with_augmentation_beats_90_percent() {
    let (train, test) = (bundled("train"), bundled("test"));
    let mut trainer = Trainer::new(TrainConfig::default(), 42).unwrap();
    let mut aug = Augmenter::new(train, 64, 42, AugmentConfig::default());
    let (mut imgs, mut lbls) = (vec![0.0; 64 * 784], vec![0u8; 64]);
    for b in 0..aug.batches_per_epoch() {
        let n = aug.fill_batch(0, b, &mut imgs, &mut lbls);
        trainer.train_step(&imgs[..n * 784], &lbls[..n]).unwrap();
    }
    let s = trainer.evaluate(&test.images_f32(), test.labels()).unwrap();
    eprintln!("LeNet-5, 1 epoch: test accuracy {:.4}, loss {:.4}", s.accuracy, s.loss);
    assert!(s.accuracy >= 0.90, "{s:?}");
    // The confusion matrix of that evaluation: it counts every test digit once, and its
    // diagonal is the accuracy reported; the per-digit probabilities agree with it.
    let d = trainer.last_eval();
    let m = d.confusion(test.labels());
    let total: u32 = m.iter().flatten().sum();
    let diagonal: u32 = (0..10).map(|i| m[i][i]).sum();
    assert_eq!(total as usize, test.len());
    assert_eq!(diagonal as f32 / total as f32, s.accuracy);
    for i in 0..test.len() {
        let right = d.predicted[i] == test.labels()[i];
        assert!(d.p_predicted[i] >= d.p_true[i] && (right == (d.p_predicted[i] == d.p_true[i])), "digit {i}");
    }
    let wrong = d.predicted.iter().zip(test.labels()).filter(|(p, t)| p != t).count();
    eprintln!("confusion matrix: {total} digits, {diagonal} on the diagonal, {wrong} wrong");
}
