//! `cargo xtask wasm-mt [DIR]`: the threaded wasm build, beside the single-thread one Trunk
//! makes. Nightly Rust rebuilds `std` with atomics (`-Z build-std`), the linker gives the module
//! a shared, imported memory (4 GiB at most) and exports the thread-local-storage symbols
//! wasm-bindgen needs to start a thread; wasm-bindgen (`--target web`) and wasm-opt then write
//! `depthlab-wasm-mt.js` and `depthlab-wasm-mt_bg.wasm` into `DIR` (default: Trunk's staging
//! folder, as a post-build hook). The page uses it when it is cross-origin isolated.
//!
//! Its own target folder (`target/wasm-mt`), so it never invalidates the stable build; flags
//! through `--config`, never an exported `RUSTFLAGS`.

use crate::tools::{ensure_threads_toolchain, run, Env};
use std::path::PathBuf;

/// File stem of the threaded build's glue and module (one place; the page reads it from
/// www/js/threads.js, which must agree — the e2e tests load it).
pub const STEM: &str = "depthlab-wasm-mt";

/// Target features of the threaded build: the stable build's simd128, plus what threads need.
const FEATURES: &str = "+simd128,+atomics,+bulk-memory,+mutable-globals";

/// Linker arguments: shared imported memory, up to 4 GiB, and the TLS exports.
const LINK_ARGS: &[&str] = &[
    "--shared-memory",
    "--max-memory=4294967296",
    "--import-memory",
    "--export=__wasm_init_tls",
    "--export=__tls_size",
    "--export=__tls_align",
    "--export=__tls_base",
];

/// Trunk's post-build hook: the threaded build into the staging folder, then the service
/// worker's file list of everything in it (`scripts/precache.mjs`), in that order.
pub fn post_build(env: &Env) -> Result<(), String> {
    build(env, None)?;
    run(env.cmd("node").arg("scripts/precache.mjs"), "scripts/precache.mjs")
}

/// Builds the threaded module into `out` (see the module comment).
pub fn build(env: &Env, out: Option<PathBuf>) -> Result<(), String> {
    let out = match out.or_else(|| std::env::var_os("TRUNK_STAGING_DIR").map(PathBuf::from)) {
        Some(o) => o,
        None => return Err("usage: cargo xtask wasm-mt DIR (or run as a Trunk hook)".into()),
    };
    ensure_threads_toolchain(env)?;
    let mut flags = vec![format!("\"-C\",\"target-feature={FEATURES}\"")];
    flags.extend(LINK_ARGS.iter().map(|a| format!("\"-C\",\"link-arg={a}\"")));
    let config = format!("target.wasm32-unknown-unknown.rustflags=[{}]", flags.join(","));
    println!("==> the threaded wasm build (nightly, build-std, atomics)");
    run(
        env.cmd("cargo").args([
            "+nightly",
            "build",
            "-p",
            "depthlab-wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--release",
            "--target-dir",
            "target/wasm-mt",
            "-Z",
            "build-std=panic_abort,std",
            "--config",
            &config,
        ]),
        "cargo +nightly build (threaded wasm)",
    )?;
    let input = "target/wasm-mt/wasm32-unknown-unknown/release/depthlab_wasm.wasm";
    let bind = PathBuf::from("target/wasm-mt/bindgen");
    run(
        env.cmd("wasm-bindgen").args(["--target", "web", "--out-name", STEM, "--out-dir"]).arg(&bind).arg(input),
        "wasm-bindgen (threaded build)",
    )?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let glue = format!("{STEM}.js");
    std::fs::copy(bind.join(&glue), out.join(&glue)).map_err(|e| format!("copying {glue}: {e}"))?;
    let wasm = format!("{STEM}_bg.wasm");
    run(
        env.cmd("wasm-opt")
            .args([
                "-O3",
                "--enable-simd",
                "--enable-threads",
                "--enable-bulk-memory",
                "--enable-mutable-globals",
                "--enable-sign-ext",
                "--enable-nontrapping-float-to-int",
                "--enable-reference-types",
                "--enable-multivalue",
            ])
            .arg(bind.join(&wasm))
            .arg("-o")
            .arg(out.join(&wasm)),
        "wasm-opt (threaded build)",
    )?;
    println!("==> {} and {glue} in {}", wasm, out.display());
    Ok(())
}
