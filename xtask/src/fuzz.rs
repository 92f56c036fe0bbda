//! `cargo xtask fuzz`: runs the cargo-fuzz targets in `fuzz/` (libFuzzer, nightly) one after
//! another, each from the committed seeds (`fuzz/seeds/<target>`) plus the corpus it grew before
//! (`fuzz/corpus/<target>`, not committed), and prints a table of inputs run, inputs per second,
//! peak memory and the outcome. A crash, a timeout (an input taking over 10 s) or running out of
//! memory (over 2 GB, or one allocation over 2 GB) fails the command and leaves the input in
//! `fuzz/artifacts/<target>/`.

use crate::tools::{ensure_fuzz_tools, root, Env};
use std::process::Stdio;

/// Every target, in the order they run.
pub const TARGETS: [&str; 5] = ["idx", "gzip", "safetensors", "spec", "settings"];
/// libFuzzer's per-input time limit, in seconds.
const TIMEOUT: u32 = 10;
/// libFuzzer's memory limit (resident set, and any single allocation), in MB.
const RSS_MB: u32 = 2048;

const USAGE: &str = "usage: cargo xtask fuzz [--time SECONDS | --runs N] [--sanitizer address|none] [TARGET…]
  Runs each target (default: all of idx gzip safetensors spec settings) for SECONDS
  (default 60) or for N inputs. --sanitizer none builds without AddressSanitizer
  (about 5× more inputs per second; the Rust code's own checks — bounds, overflow,
  debug assertions — stay on).";

/// How long each target runs.
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    /// Seconds.
    Time(u64),
    /// Inputs.
    Runs(u64),
}

/// What one target did.
#[derive(Debug)]
struct Outcome {
    target: &'static str,
    runs: u64,
    seconds: f64,
    per_second: u64,
    rss_mb: u64,
    ok: bool,
    why: String,
}

/// Parses the arguments of `cargo xtask fuzz` and runs it.
pub fn command(args: &[String]) -> Result<(), String> {
    let mut budget = Budget::Time(60);
    let mut sanitizer = "address".to_string();
    let mut targets: Vec<&'static str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--time" => budget = Budget::Time(number(&value("--time")?)?),
            "--runs" => budget = Budget::Runs(number(&value("--runs")?)?),
            "--sanitizer" => {
                sanitizer = value("--sanitizer")?;
                if sanitizer != "address" && sanitizer != "none" {
                    return Err(format!("--sanitizer {sanitizer}: use address or none\n{USAGE}"));
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            t => match TARGETS.iter().find(|&&k| k == t) {
                Some(&k) => targets.push(k),
                None => return Err(format!("{t} is not a fuzz target (they are {})\n{USAGE}", TARGETS.join(", "))),
            },
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    let env = ensure_fuzz_tools()?;
    run(&env, &targets, budget, &sanitizer)
}

fn number(s: &str) -> Result<u64, String> {
    s.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("{s:?} is not a positive whole number\n{USAGE}"))
}

/// Builds every target once, then runs `targets` one after another.
pub fn run(env: &Env, targets: &[&'static str], budget: Budget, sanitizer: &str) -> Result<(), String> {
    println!("==> building the fuzz targets (nightly, sanitizer {sanitizer})");
    crate::tools::run(
        env.cmd("cargo").args(["+nightly", "fuzz", "build", "--sanitizer", sanitizer]),
        "cargo fuzz build",
    )?;
    let mut outcomes = Vec::new();
    for &target in targets {
        println!("==> fuzzing {target} ({budget:?})");
        outcomes.push(one(env, target, budget, sanitizer)?);
    }
    println!("\n{:<12} {:>12} {:>9} {:>10} {:>8}  outcome", "target", "inputs", "seconds", "inputs/s", "rss MB");
    for o in &outcomes {
        println!(
            "{:<12} {:>12} {:>9.0} {:>10} {:>8}  {}",
            o.target,
            o.runs,
            o.seconds,
            o.per_second,
            o.rss_mb,
            if o.ok { "ok: no crash, timeout or out-of-memory".to_string() } else { o.why.clone() }
        );
    }
    let failed: Vec<&str> = outcomes.iter().filter(|o| !o.ok).map(|o| o.target).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz target(s) failed: {} (inputs in fuzz/artifacts/)", failed.join(", ")))
    }
}

fn one(env: &Env, target: &'static str, budget: Budget, sanitizer: &str) -> Result<Outcome, String> {
    let fuzz = root().join("fuzz");
    let corpus = fuzz.join("corpus").join(target);
    let artifacts = fuzz.join("artifacts").join(target);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let seeds = fuzz.join("seeds").join(target);
    let limit = match budget {
        Budget::Time(s) => format!("-max_total_time={s}"),
        Budget::Runs(n) => format!("-runs={n}"),
    };
    let started = std::time::Instant::now();
    let out = env
        .cmd("cargo")
        .args(["+nightly", "fuzz", "run", "--sanitizer", sanitizer, target])
        .arg(&corpus)
        .arg(&seeds)
        .args(["--", &limit, &format!("-timeout={TIMEOUT}"), &format!("-rss_limit_mb={RSS_MB}")])
        .args(["-print_final_stats=1", &format!("-artifact_prefix={}/", artifacts.display())])
        .stdout(Stdio::inherit())
        .output()
        .map_err(|e| format!("cargo fuzz run {target}: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr);
    let stat = |name: &str| {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (runs, per_second, rss_mb) =
        (stat("number_of_executed_units"), stat("average_exec_per_sec"), stat("peak_rss_mb"));
    let why = ["deadly signal", "panicked at", "ERROR: libFuzzer: timeout", "out-of-memory", "ERROR: AddressSanitizer"]
        .iter()
        .find(|m| log.contains(*m))
        .map(|m| m.to_string());
    let ok = out.status.success() && why.is_none() && runs > 0;
    if !ok {
        // The end of libFuzzer's report: the panic or sanitizer message and the saved input.
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
    }
    let why = why.unwrap_or_else(|| if runs == 0 { "no input ran".into() } else { format!("exit {}", out.status) });
    Ok(Outcome { target, runs, seconds, per_second, rss_mb, ok, why })
}
