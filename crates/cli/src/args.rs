//! Command-line arguments (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use depthlab_nn::config::ActivationName;
use depthlab_nn::models::Preset;
use depthlab_nn::optim::OptimizerConfig;
use depthlab_nn::spec::{ModelSpec, ShortcutKind, Unit};
use depthlab_nn::TrainConfig;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "depthlab", version, about = "Train, inspect and compare Depthlab models on MNIST")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train one model and report test accuracy per epoch.
    Train(TrainArgs),
    /// Print a model's cost table: output shape, parameters and multiply-accumulates per layer.
    Inspect(ModelArgs),
    /// Train several models for the same step budget and write one results table.
    Sweep(SweepArgs),
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum Act {
    Relu,
    Tanh,
    Sigmoid,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum Opt {
    Adam,
    Sgd,
}

/// Learning-rate schedule over the whole run.
#[derive(Copy, Clone, Debug, ValueEnum, PartialEq)]
pub enum Schedule {
    /// The same rate throughout.
    Constant,
    /// Cosine decay to zero.
    Cosine,
    /// ×0.1 at 50% and again at 75% of the steps (as in the ResNet paper).
    Step,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum Shortcut {
    A,
    B,
    C,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum UnitArg {
    A,
    B,
    C,
    D,
    E,
}

/// Which model: a preset with its options, or a spec file.
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Preset architecture.
    #[arg(long, value_enum, default_value_t = PresetArg::Lenet5)]
    pub model: PresetArg,
    /// Depth (plain/resnet/resnet-v2/highway: 6n+2; bottleneck-resnet/resnext: 9n+2).
    #[arg(long)]
    pub depth: Option<usize>,
    /// Hidden activation (LeNet-5).
    #[arg(long, value_enum, default_value_t = Act::Relu)]
    pub activation: Act,
    /// ResNet shortcut option.
    #[arg(long, value_enum)]
    pub shortcut: Option<Shortcut>,
    /// Residual unit variant (a = v1 post-activation … e = full pre-activation).
    #[arg(long, value_enum)]
    pub unit: Option<UnitArg>,
    /// ResNeXt cardinality.
    #[arg(long, default_value_t = 4)]
    pub cardinality: usize,
    /// ResNeXt group width.
    #[arg(long, default_value_t = 4)]
    pub width: usize,
    /// Inception without its auxiliary heads.
    #[arg(long)]
    pub no_aux_heads: bool,
    /// Remove every residual shortcut (ablation).
    #[arg(long)]
    pub remove_shortcuts: bool,
    /// Start each residual block's last batch norm at γ = 0 (the block starts as the identity).
    #[arg(long)]
    pub zero_init_last_bn: bool,
    /// A model spec (JSON) instead of a preset.
    #[arg(long)]
    pub spec: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq)]
pub enum PresetArg {
    Lenet5,
    AlexnetMini,
    VggMini,
    Plain,
    Resnet,
    ResnetV2,
    BottleneckResnet,
    Highway,
    Resnext,
    Inception,
}

impl PresetArg {
    pub fn preset(self) -> Preset {
        match self {
            PresetArg::Lenet5 => Preset::Lenet5,
            PresetArg::AlexnetMini => Preset::AlexnetMini,
            PresetArg::VggMini => Preset::VggMini,
            PresetArg::Plain => Preset::Plain,
            PresetArg::Resnet => Preset::Resnet,
            PresetArg::ResnetV2 => Preset::ResnetV2,
            PresetArg::BottleneckResnet => Preset::BottleneckResnet,
            PresetArg::Highway => Preset::Highway,
            PresetArg::Resnext => Preset::Resnext,
            PresetArg::Inception => Preset::Inception,
        }
    }
}

/// Optimizer, batch and seed.
#[derive(Args, Debug, Clone)]
pub struct OptimArgs {
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = Opt::Adam)]
    pub optimizer: Opt,
    /// Peak learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f32,
    /// Learning-rate schedule.
    #[arg(long, value_enum, default_value_t = Schedule::Constant)]
    pub schedule: Schedule,
    /// Linear learning-rate warm-up over this many first steps (0 = none).
    #[arg(long, default_value_t = 0)]
    pub warmup: u64,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f32,
    /// L2 weight decay.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f32,
    /// Samples per step.
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// Seed for initialisation, data order and augmentation.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory with train-/test- (or t10k-) images and labels, IDX raw or .gz; default: the
    /// bundled subset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Train on the plain digits (no random affine).
    #[arg(long)]
    pub no_augment: bool,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub optim: OptimArgs,
    /// Passes over the training set.
    #[arg(long, default_value_t = 10)]
    pub epochs: u32,
    /// Write per-step metrics here (`.csv`, or JSON lines for any other extension).
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Save the trained weights here (safetensors, PyTorch-style names).
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Start from these weights (a safetensors file saved from the same model).
    #[arg(long)]
    pub load: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Models as `preset[:depth][:no-shortcuts]` (e.g. `resnet:32`, `plain:32`,
    /// `resnet:32:no-shortcuts`) or `@spec.json`.
    #[arg(required = true)]
    pub models: Vec<String>,
    #[command(flatten)]
    pub optim: OptimArgs,
    /// Optimizer steps per model.
    #[arg(long, default_value_t = 500)]
    pub steps: u64,
    /// Write the results table here (`.csv`, or JSON lines otherwise).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

impl ModelArgs {
    /// The trainer configuration's model part.
    pub fn apply(&self, c: &mut TrainConfig) -> Result<(), String> {
        c.model = self.model.preset();
        c.depth = self.depth;
        c.activation = match self.activation {
            Act::Relu => ActivationName::Relu,
            Act::Tanh => ActivationName::Tanh,
            Act::Sigmoid => ActivationName::Sigmoid,
        };
        c.shortcut = self.shortcut.map(|s| match s {
            Shortcut::A => ShortcutKind::A,
            Shortcut::B => ShortcutKind::B,
            Shortcut::C => ShortcutKind::C,
        });
        c.unit = self.unit.map(|u| match u {
            UnitArg::A => Unit::A,
            UnitArg::B => Unit::B,
            UnitArg::C => Unit::C,
            UnitArg::D => Unit::D,
            UnitArg::E => Unit::E,
        });
        c.cardinality = self.cardinality;
        c.width = self.width;
        c.aux_heads = !self.no_aux_heads;
        c.remove_shortcuts = self.remove_shortcuts;
        c.zero_init_last_bn = self.zero_init_last_bn;
        c.spec = match &self.spec {
            Some(p) => Some(read_spec(p)?),
            None => None,
        };
        Ok(())
    }
}

/// Reads and parses a spec file; the error names the file, line and column.
pub fn read_spec(p: &std::path::Path) -> Result<ModelSpec, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read spec {}: {e}", p.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
}

impl OptimArgs {
    /// The trainer configuration's optimizer part.
    pub fn apply(&self, c: &mut TrainConfig) {
        c.optimizer = match self.optimizer {
            Opt::Adam => OptimizerConfig::Adam {
                lr: self.lr,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: self.weight_decay,
            },
            Opt::Sgd => OptimizerConfig::Sgd { lr: self.lr, momentum: self.momentum, weight_decay: self.weight_decay },
        };
        c.batch_size = self.batch_size;
        c.seed = Some(self.seed);
    }

    /// The learning rate at `step` of `total` (after the warm-up ramp, if any).
    pub fn lr_at(&self, step: u64, total: u64) -> f32 {
        let f = step as f32 / total.max(1) as f32;
        let ramp = if step < self.warmup { (step + 1) as f32 / self.warmup as f32 } else { 1.0 };
        ramp * match self.schedule {
            Schedule::Constant => self.lr,
            Schedule::Cosine => self.lr * 0.5 * (1.0 + (std::f32::consts::PI * f).cos()),
            Schedule::Step => {
                self.lr
                    * if f < 0.5 {
                        1.0
                    } else if f < 0.75 {
                        0.1
                    } else {
                        0.01
                    }
            }
        }
    }
}
