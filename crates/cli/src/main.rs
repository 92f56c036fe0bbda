//! `depthlab`: train and inspect Depthlab models natively, on the bundled MNIST subset or on
//! a directory of IDX files.
//!
//! ```text
//! depthlab train --epochs 10 --metrics run.csv
//! depthlab train --data ~/mnist --activation tanh --optimizer sgd --lr 0.05
//! depthlab inspect
//! ```

mod data;

use clap::{Parser, Subcommand, ValueEnum};
use depthlab_nn::augment::{AugmentConfig, Augmenter};
use depthlab_nn::config::{ActivationName, ModelKind};
use depthlab_nn::optim::OptimizerConfig;
use depthlab_nn::{TrainConfig, Trainer};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(name = "depthlab", version, about = "Train and inspect Depthlab models on MNIST")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a model and report test accuracy per epoch.
    Train(TrainArgs),
    /// Print the model's parameters, layer by layer.
    Inspect {
        /// Hidden-layer activation.
        #[arg(long, value_enum, default_value_t = Act::Relu)]
        activation: Act,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Act {
    Relu,
    Tanh,
    Sigmoid,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Opt {
    Adam,
    Sgd,
}

#[derive(clap::Args, Debug)]
struct TrainArgs {
    /// Passes over the training set.
    #[arg(long, default_value_t = 10)]
    epochs: u32,
    /// Hidden-layer activation.
    #[arg(long, value_enum, default_value_t = Act::Relu)]
    activation: Act,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = Opt::Adam)]
    optimizer: Opt,
    /// Learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f32,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    momentum: f32,
    /// L2 weight decay.
    #[arg(long, default_value_t = 0.0)]
    weight_decay: f32,
    /// Samples per step.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Seed for initialisation, data order and augmentation.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Directory with train-/test- images and labels (IDX, raw or .gz); default: bundled set.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Train on the plain digits.
    #[arg(long)]
    no_augment: bool,
    /// Write per-step metrics here (`.csv`, or JSON lines for any other extension).
    #[arg(long)]
    metrics: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train(args),
        Command::Inspect { activation } => inspect(activation),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn act_name(a: Act) -> ActivationName {
    match a {
        Act::Relu => ActivationName::Relu,
        Act::Tanh => ActivationName::Tanh,
        Act::Sigmoid => ActivationName::Sigmoid,
    }
}

fn train(a: TrainArgs) -> Result<(), String> {
    let (train, test) = data::load(a.data.as_deref())?;
    let optimizer = match a.optimizer {
        Opt::Adam => {
            OptimizerConfig::Adam { lr: a.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: a.weight_decay }
        }
        Opt::Sgd => OptimizerConfig::Sgd { lr: a.lr, momentum: a.momentum, weight_decay: a.weight_decay },
    };
    let config = TrainConfig {
        model: ModelKind::Lenet5,
        activation: act_name(a.activation),
        optimizer,
        batch_size: a.batch_size,
        seed: Some(a.seed),
    };
    let mut trainer = Trainer::new(config, a.seed).map_err(|e| e.to_string())?;
    let aug_cfg = AugmentConfig { enabled: !a.no_augment, ..Default::default() };
    let bs = a.batch_size;
    let mut aug = Augmenter::new(train, bs, a.seed, aug_cfg);
    let mut metrics = match &a.metrics {
        Some(p) => Some(Metrics::create(p)?),
        None => None,
    };
    let (test_x, test_y) = (test.images_f32(), test.labels().to_vec());
    let (mut imgs, mut lbls) = (vec![0.0; bs * 784], vec![0u8; bs]);
    let bpe = aug.batches_per_epoch();
    println!(
        "LeNet-5, {} parameters; {} train / {} test digits; {bpe} steps per epoch",
        trainer.params().len(),
        aug.dataset().len(),
        test.len()
    );
    let bar = ProgressBar::new(bpe as u64 * a.epochs as u64);
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} steps  {msg}").map_err(|e| e.to_string())?);
    let start = Instant::now();
    let mut samples = 0usize;
    for epoch in 0..a.epochs {
        for b in 0..bpe {
            let n = aug.fill_batch(epoch as u64, b, &mut imgs, &mut lbls);
            let s = trainer.train_step(&imgs[..n * 784], &lbls[..n]).map_err(|e| e.to_string())?;
            samples += n;
            if let Some(m) = metrics.as_mut() {
                m.row(trainer.steps(), epoch, s.loss, s.accuracy)?;
            }
            bar.inc(1);
            if b % 10 == 0 {
                bar.set_message(format!("epoch {} loss {:.4}", epoch + 1, s.loss));
            }
        }
        let e = trainer.evaluate(&test_x, &test_y).map_err(|e| e.to_string())?;
        let line = format!(
            "epoch {:>3}: test accuracy {:.2}%  test loss {:.4}  ({:.0} samples/s)",
            epoch + 1,
            e.accuracy * 100.0,
            e.loss,
            samples as f64 / start.elapsed().as_secs_f64()
        );
        // A hidden bar (output not a terminal) would swallow println through it.
        if bar.is_hidden() {
            println!("{line}");
        } else {
            bar.println(line);
        }
    }
    bar.finish_and_clear();
    Ok(())
}

fn inspect(activation: Act) -> Result<(), String> {
    let config = TrainConfig { activation: act_name(activation), ..Default::default() };
    let trainer = Trainer::new(config, 0).map_err(|e| e.to_string())?;
    println!("{:<14} {:<16} {:>10}", "parameter", "shape", "count");
    for e in trainer.params().entries() {
        println!("{:<14} {:<16} {:>10}", e.name, format!("{:?}", e.shape), e.len);
    }
    println!("{:<14} {:<16} {:>10}", "total", "", trainer.params().len());
    Ok(())
}

/// Per-step metrics as CSV or JSON lines.
struct Metrics {
    out: std::io::BufWriter<std::fs::File>,
    csv: bool,
}

impl Metrics {
    fn create(path: &std::path::Path) -> Result<Self, String> {
        let f = std::fs::File::create(path).map_err(|e| format!("cannot write metrics to {}: {e}", path.display()))?;
        let csv = path.extension().is_some_and(|e| e == "csv");
        let mut m = Metrics { out: std::io::BufWriter::new(f), csv };
        if csv {
            writeln!(m.out, "step,epoch,loss,accuracy").map_err(|e| e.to_string())?;
        }
        Ok(m)
    }

    fn row(&mut self, step: u64, epoch: u32, loss: f32, accuracy: f32) -> Result<(), String> {
        let r = if self.csv {
            writeln!(self.out, "{step},{epoch},{loss},{accuracy}")
        } else {
            writeln!(
                self.out,
                "{}",
                serde_json::json!({"step": step, "epoch": epoch, "loss": loss, "accuracy": accuracy})
            )
        };
        r.map_err(|e| e.to_string())
    }
}
