//! Command-line arguments. The subcommands and their file options are clap derive; every
//! model and training setting is a flag made from depthlab-nn's catalogue
//! ([`depthlab_nn::catalog::SETTINGS`]): `--batch-size` for `batch_size`, its help, default and
//! allowed values from there, its value parsed and checked by [`TrainConfig::set`]. No preset
//! name, option or default is written in this crate.

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use depthlab_nn::catalog::{Group, Kind, Setting, SETTINGS};
use depthlab_nn::config::default_text;
use depthlab_nn::spec::ModelSpec;
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
    Inspect(InspectArgs),
    /// Train several models for the same step budget and write one results table.
    Sweep(SweepArgs),
    /// Write a model (and its trained weights) for PyTorch — model.py, train.py, the weights and
    /// a self-check against Depthlab's logits — or as an ONNX graph.
    Export(ExportArgs),
}

/// Every catalogue setting as a flag; the parsed result is a whole [`TrainConfig`].
#[derive(Debug, Clone)]
pub struct Settings(pub TrainConfig);

/// `batch_size` → `--batch-size` (clap wants `'static` names; there are a few dozen).
fn flag(s: &Setting) -> &'static str {
    leak(s.key.replace('_', "-"))
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn arg_for(s: &'static Setting) -> Arg {
    let heading = match s.group {
        Group::Model => "Model (see `depthlab inspect`)",
        Group::Training => "Training",
        Group::Augment => "Augmentation",
    };
    let mut help = s.help.to_string();
    match s.kind {
        Kind::Int { min, max, random, .. } => {
            help += &format!(" [{min}..={max}{}]", if random { ", or random" } else { "" })
        }
        Kind::Float { min, max, .. } => help += &format!(" [{min}..={max}]"),
        Kind::Choice { .. } | Kind::Bool { .. } => {}
    }
    let arg = Arg::new(s.key).long(flag(s)).help(help).help_heading(heading).default_value(leak(default_text(s)));
    match s.kind {
        Kind::Choice { values, .. } => arg.value_parser(PossibleValuesParser::new(values.iter().copied())),
        Kind::Bool { .. } => arg
            .num_args(0..=1)
            .default_missing_value("true")
            .value_parser(PossibleValuesParser::new(["true", "false"]))
            .action(ArgAction::Set),
        Kind::Int { .. } | Kind::Float { .. } => {
            // Parsed and range-checked by the catalogue itself, so the message is the page's.
            let key = s.key;
            arg.value_parser(move |v: &str| TrainConfig::default().set(key, v).map(|()| v.to_string()))
        }
    }
}

impl Args for Settings {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.args(SETTINGS.iter().map(arg_for))
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for Settings {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut c = TrainConfig::default();
        for s in SETTINGS {
            if let Some(v) = m.get_one::<String>(s.key) {
                c.set(s.key, v).map_err(|e| clap::Error::raw(clap::error::ErrorKind::ValueValidation, e))?;
            }
        }
        Ok(Settings(c))
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

/// How many threads the kernels use (every subcommand that trains, and `inspect`'s memory).
#[derive(Args, Debug, Clone)]
pub struct ThreadCount {
    /// Threads the convolutions and batch norms split each batch over [default: every core].
    /// Any count trains the page's curve bit for bit.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=crate::threads::MAX_THREADS as i64))]
    pub threads: Option<u16>,
}

impl ThreadCount {
    /// The count asked for, or every core.
    pub fn count(&self) -> usize {
        crate::threads::count(self.threads.map(usize::from))
    }
}

/// Threads and arithmetic of the kernels (every subcommand that trains).
#[derive(Args, Debug, Clone)]
pub struct ThreadArgs {
    #[command(flatten)]
    pub count: ThreadCount,
    /// Fused multiply-add in the matrix products (AVX2+FMA or AVX-512, where the CPU has it):
    /// faster, and rounding once per multiply-add, so the curve is the one the page trains on its
    /// fused (relaxed-SIMD) build, not its plain one.
    #[arg(long)]
    pub fma: bool,
}

/// Options every subcommand that trains shares.
#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// Directory with train-/test- (or t10k-) images and labels, IDX raw or .gz; default: the
    /// bundled subset.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub settings: Settings,
    /// A model spec (JSON) instead of a preset.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
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
pub struct ExportArgs {
    #[command(flatten)]
    pub settings: Settings,
    /// A model spec (JSON) instead of a preset.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// The trained weights (a safetensors file saved from the same model, e.g. by `train
    /// --save`); without it, the model as initialised from the seed.
    #[arg(long)]
    pub load: Option<PathBuf>,
    /// Test digits for the self-check come from here (as `train --data`).
    #[command(flatten)]
    pub data: DataArgs,
    /// Write model.py, train.py, weights.safetensors and check.safetensors into this folder
    /// (created if missing); then `python DIR/model.py` checks the export.
    #[arg(long, value_name = "DIR", required_unless_present = "onnx")]
    pub pytorch: Option<PathBuf>,
    /// Write the inference graph with its weights as ONNX (opens in Netron, runs in ONNX Runtime).
    #[arg(long, value_name = "FILE")]
    pub onnx: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    pub settings: Settings,
    /// A model spec (JSON) instead of a preset.
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// The memory estimate is for training on this many threads (each keeps its own scratch).
    #[command(flatten)]
    pub threads: ThreadCount,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Models as `preset[:depth][:no-shortcuts]` (e.g. `resnet:32`, `plain:32`,
    /// `resnet:32:no-shortcuts`) or `@spec.json`; the other settings apply to every one (give
    /// the budget with `--steps N`, as in the page's sweep).
    #[arg(required = true)]
    pub models: Vec<String>,
    #[command(flatten)]
    pub settings: Settings,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub threads: ThreadArgs,
    /// Write the results table here (`.csv`, or JSON lines otherwise).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The configuration with the spec file (if any) read in.
pub fn with_spec(settings: &Settings, spec: Option<&std::path::Path>) -> Result<TrainConfig, String> {
    let mut c = settings.0.clone();
    if let Some(p) = spec {
        c.model.spec = Some(read_spec(p)?);
    }
    Ok(c)
}

/// Reads and parses a spec file; the error names the file, line and column.
pub fn read_spec(p: &std::path::Path) -> Result<ModelSpec, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read spec {}: {e}", p.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
}
