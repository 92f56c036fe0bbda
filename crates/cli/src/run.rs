//! The subcommands: train, inspect, sweep, export.

use crate::args::{read_spec, with_spec, ExportArgs, InspectArgs, SweepArgs, TrainArgs};
use crate::data;
use depthlab_nn::augment::Augmenter;
use depthlab_nn::data::Dataset;
use depthlab_nn::train::{CALIBRATION_DIGITS, PIXELS};
use depthlab_nn::{TrainConfig, Trainer};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn bar(len: u64) -> Result<ProgressBar, String> {
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} steps {elapsed_precise} {msg}")
            .map_err(|e| e.to_string())?,
    );
    Ok(b)
}

/// Prints through the bar when it is visible (a hidden bar swallows its println).
fn say(b: &ProgressBar, line: String) {
    if b.is_hidden() {
        println!("{line}");
    } else {
        b.println(line);
    }
}

/// The seed a configuration names, or one drawn from the clock for `--seed random`.
fn seed_of(c: &TrainConfig) -> u64 {
    c.seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let s = (t.as_nanos() as u64 ^ (t.as_secs() << 20)) & u32::MAX as u64;
        println!("seed: {s}");
        s
    })
}

fn trainer_for(c: &TrainConfig, seed: u64) -> Result<Trainer, String> {
    Trainer::new(c.clone(), seed).map_err(|e| e.to_string())
}

/// Fills and trains batches by global step number; the trainer follows the lr schedule.
struct Session {
    aug: Augmenter,
    imgs: Vec<f32>,
    lbls: Vec<u8>,
}

impl Session {
    fn new(train: Dataset, c: &TrainConfig, seed: u64) -> Self {
        let bs = c.batch_size;
        Session { aug: Augmenter::new(train, bs, seed, c.augment), imgs: vec![0.0; bs * PIXELS], lbls: vec![0; bs] }
    }

    fn step(&mut self, t: &mut Trainer, global: u64) -> Result<depthlab_nn::StepStats, String> {
        let bpe = self.aug.batches_per_epoch() as u64;
        let n = self.aug.fill_batch(global / bpe, (global % bpe) as usize, &mut self.imgs, &mut self.lbls);
        t.train_step(&self.imgs[..n * PIXELS], &self.lbls[..n]).map_err(|e| e.to_string())
    }
}

/// Digits for batch-norm recalibration before each evaluation: the first clean training
/// digits (the page uses the same set).
fn calibration_set(train: &Dataset) -> Vec<f32> {
    let n = train.len().min(CALIBRATION_DIGITS);
    train.images_f32()[..n * PIXELS].to_vec()
}

pub fn train(a: TrainArgs) -> Result<(), String> {
    let (train, test) = data::load(a.data.data.as_deref())?;
    let config = with_spec(&a.settings, a.spec.as_deref())?;
    let seed = seed_of(&config);
    let mut trainer = trainer_for(&config, seed)?;
    let threads = a.threads.count.count();
    let pool = crate::threads::pool(threads)?;
    trainer.set_parallel(crate::threads::parallel(pool));
    let kernel = crate::threads::fma(a.threads.fma);
    if let Some(p) = &a.load {
        let bytes = std::fs::read(p).map_err(|e| format!("cannot read weights {}: {e}", p.display()))?;
        trainer.load_checkpoint(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let mut metrics = match &a.metrics {
        Some(p) => Some(Metrics::create(p)?),
        None => None,
    };
    let (test_x, test_y) = (test.images_f32(), test.labels().to_vec());
    let calib = calibration_set(&train);
    let n_train = train.len();
    let mut s = Session::new(train, &config, seed);
    let bpe = s.aug.batches_per_epoch() as u64;
    let total = config.total_steps(bpe);
    trainer.set_step_budget(total);
    println!(
        "{}: {} parameters; {n_train} train / {} test digits; {bpe} steps per epoch; {threads} thread{}; {kernel}",
        trainer.spec().name,
        trainer.params().len(),
        test.len(),
        if threads == 1 { "" } else { "s" }
    );
    let b = bar(total)?;
    let batch = config.batch_size as u64;
    crate::threads::within(pool, || {
        train_loop(&mut trainer, &mut s, (total, batch), &mut metrics, &b, (&test_x, &test_y), &calib)
    })?;
    b.finish_and_clear();
    if let Some(p) = &a.save {
        let bytes = trainer.save_checkpoint().map_err(|e| e.to_string())?;
        std::fs::write(p, bytes).map_err(|e| format!("cannot write weights to {}: {e}", p.display()))?;
        println!("weights saved to {}", p.display());
    }
    Ok(())
}

/// `train`'s steps, with an evaluation at the end of each epoch.
fn train_loop(
    trainer: &mut Trainer,
    s: &mut Session,
    (total, batch): (u64, u64),
    metrics: &mut Option<Metrics>,
    b: &ProgressBar,
    (test_x, test_y): (&[f32], &[u8]),
    calib: &[f32],
) -> Result<(), String> {
    let bpe = s.aug.batches_per_epoch() as u64;
    let start = Instant::now();
    let mut samples = 0u64;
    for step in 0..total {
        let st = s.step(trainer, step)?;
        samples += batch;
        if let Some(m) = metrics.as_mut() {
            m.row(step + 1, step / bpe, st.loss, st.accuracy)?;
        }
        b.inc(1);
        if step % 10 == 0 {
            b.set_message(format!("loss {:.4}", st.loss));
        }
        if !st.loss.is_finite() {
            return Err(format!("training diverged at step {} (loss {}); lower --lr", step + 1, st.loss));
        }
        if (step + 1) % bpe == 0 || step + 1 == total {
            trainer.calibrate_batch_norm(calib).map_err(|e| e.to_string())?;
            let e = trainer.evaluate(test_x, test_y).map_err(|e| e.to_string())?;
            say(
                b,
                format!(
                    "epoch {:>3}: test accuracy {:.2}%  test loss {:.4}  ({:.0} samples/s)",
                    (step + 1).div_ceil(bpe),
                    e.accuracy * 100.0,
                    e.loss,
                    samples as f64 / start.elapsed().as_secs_f64()
                ),
            );
        }
    }
    Ok(())
}

pub fn export(a: ExportArgs) -> Result<(), String> {
    let config = with_spec(&a.settings, a.spec.as_deref())?;
    let mut trainer = trainer_for(&config, seed_of(&config))?;
    if let Some(p) = &a.load {
        let bytes = std::fs::read(p).map_err(|e| format!("cannot read weights {}: {e}", p.display()))?;
        trainer.load_checkpoint(&bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let (_, test) = data::load(a.data.data.as_deref())?;
    if let Some(dir) = &a.pytorch {
        let files = depthlab_nn::export::pytorch_files(&mut trainer, &test.images_f32()).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for (name, bytes) in files {
            let p = dir.join(name);
            std::fs::write(&p, bytes).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        }
        println!(
            "{}: PyTorch export in {} (model.py, train.py, weights, self-check)\n  check it:  python {}\n  train on:  python {} --data MNIST_DIR   (or torchrun --nproc_per_node=N …)",
            trainer.spec().name,
            dir.display(),
            dir.join("model.py").display(),
            dir.join("train.py").display()
        );
    }
    if let Some(p) = &a.onnx {
        let bytes = depthlab_nn::export::onnx_file(&trainer).map_err(|e| e.to_string())?;
        std::fs::write(p, &bytes).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        println!("{}: ONNX graph in {} ({} bytes)", trainer.spec().name, p.display(), bytes.len());
    }
    Ok(())
}

pub fn inspect(a: InspectArgs) -> Result<(), String> {
    let config = with_spec(&a.settings, a.spec.as_deref())?;
    let t = trainer_for(&config, 0)?;
    println!("{}", t.spec().name);
    println!("{:<34} {:<16} {:>16} {:>10} {:>14}", "layer", "kind", "output", "params", "MACs");
    for r in t.costs() {
        println!("{:<34} {:<16} {:>16} {:>10} {:>14}", r.name, r.kind, format!("{:?}", r.output), r.params, r.macs);
    }
    let (p, macs): (u64, u64) = t.costs().iter().fold((0, 0), |(p, m), r| (p + r.params, m + r.macs));
    println!("{:<34} {:<16} {:>16} {:>10} {:>14}", "total", "", "", p, macs);
    println!("{}", memory_line(t.costs(), &config, a.threads.count()));
    Ok(())
}

/// `inspect`'s memory estimate for training `config` (its batch and optimizer) on `threads`.
fn memory_line(costs: &[depthlab_nn::spec::CostRow], config: &TrainConfig, threads: usize) -> String {
    let m = depthlab_nn::memory::estimate(costs, config.batch_size, config.optimizer, threads);
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    format!(
        "memory to train at batch {} on {threads} thread{} (estimate): {:.1} MiB = weights and gradients {:.1} + optimizer {:.1} + activations {:.1} + scratch {:.1}",
        config.batch_size,
        if threads == 1 { "" } else { "s" },
        mib(m.total),
        mib(m.params),
        mib(m.optimizer),
        mib(m.activations),
        mib(m.scratch)
    )
}

/// `preset[:depth][:no-shortcuts]` or `@spec.json` → the configuration `base` with that model.
fn parse_entry(entry: &str, base: &TrainConfig) -> Result<TrainConfig, String> {
    let mut c = base.clone();
    if let Some(path) = entry.strip_prefix('@') {
        c.model.spec = Some(read_spec(Path::new(path))?);
        return Ok(c);
    }
    let mut parts = entry.split(':');
    let name = parts.next().unwrap_or_default();
    c.set("model", name).map_err(|e| format!("sweep entry {entry:?}: {}", e.reason))?;
    for p in parts {
        if p == "no-shortcuts" {
            c.model.remove_shortcuts = true;
        } else if p.parse::<u64>().is_ok() {
            c.set("depth", p).map_err(|e| format!("sweep entry {entry:?}: {}", e.reason))?;
        } else {
            return Err(format!("sweep entry {entry:?}: {p:?} is neither a depth nor `no-shortcuts`"));
        }
    }
    Ok(c)
}

pub fn sweep(a: SweepArgs) -> Result<(), String> {
    let seed = seed_of(&a.settings.0);
    let entries: Vec<(String, TrainConfig)> =
        a.models.iter().map(|e| parse_entry(e, &a.settings.0).map(|m| (e.clone(), m))).collect::<Result<_, _>>()?;
    // Build every model first so a bad entry fails before hours of training.
    for (e, c) in &entries {
        trainer_for(c, seed).map_err(|err| format!("{e}: {err}"))?;
    }
    let (train, test) = data::load(a.data.data.as_deref())?;
    let (test_x, test_y) = (test.images_f32(), test.labels().to_vec());
    let calib = calibration_set(&train);
    let pool = crate::threads::pool(a.threads.count.count())?;
    crate::threads::fma(a.threads.fma);
    let mut out = match &a.out {
        Some(p) => Some(std::fs::File::create(p).map_err(|e| format!("cannot write {}: {e}", p.display()))?),
        None => None,
    };
    let csv = a.out.as_ref().is_some_and(|p| p.extension().is_some_and(|x| x == "csv"));
    if let (Some(f), true) = (out.as_mut(), csv) {
        writeln!(f, "model,name,params,steps,final_train_loss,final_train_accuracy,test_accuracy,test_loss,seconds")
            .map_err(|e| e.to_string())?;
    }
    println!(
        "{:<26} {:>10} {:>8} {:>12} {:>10} {:>10} {:>8}",
        "model", "params", "steps", "train loss", "train acc", "test acc", "seconds"
    );
    for (entry, c) in &entries {
        let mut t = trainer_for(c, seed)?;
        t.set_parallel(crate::threads::parallel(pool));
        let mut s = Session::new(train.clone(), c, seed);
        let steps = c.total_steps(s.aug.batches_per_epoch() as u64);
        t.set_step_budget(steps);
        let b = bar(steps)?;
        let start = Instant::now();
        // Final training loss/accuracy: mean over the last 10% of steps (at least 1).
        let tail = (steps / 10).max(1);
        // Steps and evaluation on a thread of the pool, as `train`'s.
        let (loss_sum, acc_sum, e) = crate::threads::within(pool, || {
            let (mut loss_sum, mut acc_sum) = (0.0f64, 0.0f64);
            for step in 0..steps {
                let st = s.step(&mut t, step)?;
                if step >= steps - tail {
                    loss_sum += st.loss as f64;
                    acc_sum += st.accuracy as f64;
                }
                b.inc(1);
            }
            b.finish_and_clear();
            t.calibrate_batch_norm(&calib).map_err(|e| e.to_string())?;
            let e = t.evaluate(&test_x, &test_y).map_err(|e| e.to_string())?;
            Ok::<_, String>((loss_sum, acc_sum, e))
        })?;
        let secs = start.elapsed().as_secs_f64();
        let (loss, acc) = (loss_sum / tail as f64, acc_sum / tail as f64);
        println!(
            "{:<26} {:>10} {:>8} {:>12.4} {:>9.2}% {:>9.2}% {:>8.1}",
            entry,
            t.params().len(),
            steps,
            loss,
            acc * 100.0,
            e.accuracy * 100.0,
            secs
        );
        if let Some(f) = out.as_mut() {
            let name = &t.spec().name;
            let r = if csv {
                writeln!(
                    f,
                    "{entry},{name:?},{},{},{loss},{acc},{},{},{secs:.1}",
                    t.params().len(),
                    steps,
                    e.accuracy,
                    e.loss
                )
            } else {
                writeln!(
                    f,
                    "{}",
                    serde_json::json!({"model": entry, "name": name, "params": t.params().len(), "steps": steps,
                        "final_train_loss": loss, "final_train_accuracy": acc, "test_accuracy": e.accuracy, "test_loss": e.loss, "seconds": secs})
                )
            };
            r.map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Per-step metrics as CSV or JSON lines.
struct Metrics {
    out: std::io::BufWriter<std::fs::File>,
    csv: bool,
}

impl Metrics {
    fn create(path: &Path) -> Result<Self, String> {
        let f = std::fs::File::create(path).map_err(|e| format!("cannot write metrics to {}: {e}", path.display()))?;
        let csv = path.extension().is_some_and(|e| e == "csv");
        let mut m = Metrics { out: std::io::BufWriter::new(f), csv };
        if csv {
            writeln!(m.out, "step,epoch,loss,accuracy").map_err(|e| e.to_string())?;
        }
        Ok(m)
    }

    fn row(&mut self, step: u64, epoch: u64, loss: f32, accuracy: f32) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `inspect` states the thread count its estimate is for, and each thread adds scratch.
    #[test]
    fn memory_line_counts_every_threads_scratch() {
        let mut config = TrainConfig::default();
        config.set("model", "resnet").unwrap();
        let t = trainer_for(&config, 0).unwrap();
        let scratch =
            |threads| depthlab_nn::memory::estimate(t.costs(), config.batch_size, config.optimizer, threads).scratch;
        assert!(scratch(4) > scratch(1), "more threads, more scratch");
        let (one, four) = (memory_line(t.costs(), &config, 1), memory_line(t.costs(), &config, 4));
        assert!(one.contains("on 1 thread (estimate)"), "{one}");
        assert!(four.contains("on 4 threads (estimate)"), "{four}");
        let total =
            |line: &str| line.split("): ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse::<f64>().unwrap();
        assert!(total(&four) > total(&one), "{one} / {four}");
    }
}

#[cfg(test)]
mod thread_arg_tests {
    use crate::args::{Cli, Command};
    use clap::Parser;

    /// `inspect --threads` takes the count `train` does, and refuses what `train` refuses.
    #[test]
    fn inspect_threads_is_checked() {
        let Ok(Cli { command: Command::Inspect(a), .. }) =
            Cli::try_parse_from(["depthlab", "inspect", "--threads", "3"])
        else {
            panic!("inspect --threads 3 parses");
        };
        assert_eq!(a.threads.count(), 3);
        for bad in ["0", "257", "two", "-1"] {
            let e = Cli::try_parse_from(["depthlab", "inspect", &format!("--threads={bad}")]).unwrap_err().to_string();
            assert!(e.contains("--threads"), "{bad}: {e}");
        }
    }
}
