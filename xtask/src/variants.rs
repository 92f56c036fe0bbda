//! The page's extra wasm builds, beside the single-thread one Trunk makes (`depthlab-wasm`):
//!
//! | stem | threads | GEMM multiply-add | Rust |
//! |---|---|---|---|
//! | `depthlab-wasm-fma` | one | `f32x4.relaxed_madd` | stable |
//! | `depthlab-wasm-mt` | a pool | `f32x4.mul` + `f32x4.add` | nightly |
//! | `depthlab-wasm-mt-fma` | a pool | `f32x4.relaxed_madd` | nightly |
//!
//! The threaded builds rebuild `std` with atomics (`-Z build-std`), and the linker gives the
//! module a shared, imported memory (4 GiB at most) and exports the thread-local-storage
//! symbols wasm-bindgen needs to start a thread. Each build has its own target folder
//! (`target/wasm-<variant>`), so none invalidates another; flags go through `--config`, never an
//! exported `RUSTFLAGS`. wasm-bindgen (`--target web`) and wasm-opt write `<stem>.js` and
//! `<stem>_bg.wasm`. The page picks one at load (www/js/threads.js): threads when it is
//! cross-origin isolated, the relaxed multiply-add where a probe shows the browser fuses it.
//!
//! `cargo xtask wasm-variants DIR` builds them into `DIR`; `cargo xtask post-build` is Trunk's
//! post-build hook: into the staging folder, then the service worker's file list.

use crate::tools::{ensure_nightly_component, ensure_threads_toolchain, run, Env};
use std::path::{Path, PathBuf};

/// One extra build.
struct Variant {
    stem: &'static str,
    threads: bool,
    fma: bool,
}

/// Every extra build (one place: the page's www/js/threads.js names the same stems).
const VARIANTS: [Variant; 3] = [
    Variant { stem: "depthlab-wasm-fma", threads: false, fma: true },
    Variant { stem: "depthlab-wasm-mt", threads: true, fma: false },
    Variant { stem: "depthlab-wasm-mt-fma", threads: true, fma: true },
];

/// Linker arguments of the threaded builds: shared imported memory, up to 4 GiB, TLS exports.
const THREAD_LINK_ARGS: &[&str] = &[
    "--shared-memory",
    "--max-memory=4294967296",
    "--import-memory",
    "--export=__wasm_init_tls",
    "--export=__tls_size",
    "--export=__tls_align",
    "--export=__tls_base",
];

/// Trunk's post-build hook: every extra build into the staging folder, then the service
/// worker's file list of everything in it (`scripts/precache.mjs`), in that order.
pub fn post_build(env: &Env) -> Result<(), String> {
    let out = std::env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .ok_or("post-build runs as Trunk's hook (TRUNK_STAGING_DIR is not set)")?;
    build_all(env, &out)?;
    run(env.cmd("node").arg("scripts/precache.mjs"), "scripts/precache.mjs")
}

/// Every extra build into `out`.
pub fn build_all(env: &Env, out: &Path) -> Result<(), String> {
    ensure_threads_toolchain(env)?;
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    for v in &VARIANTS {
        build(env, v, out)?;
    }
    Ok(())
}

/// The variant's target features, and the `--config` that passes them (with the threaded
/// builds' linker arguments) as rustflags.
fn flags(v: &Variant) -> (String, String) {
    let mut features = String::from("+simd128");
    if v.fma {
        features.push_str(",+relaxed-simd");
    }
    if v.threads {
        features.push_str(",+atomics,+bulk-memory,+mutable-globals");
    }
    let mut flags = vec![format!("\"-C\",\"target-feature={features}\"")];
    if v.threads {
        flags.extend(THREAD_LINK_ARGS.iter().map(|a| format!("\"-C\",\"link-arg={a}\"")));
    }
    let config = format!("target.wasm32-unknown-unknown.rustflags=[{}]", flags.join(","));
    (features, config)
}

/// `cargo` for variant `v` with `subcommand` (`build`, `clippy`): nightly and `-Z build-std`
/// for the threaded ones, its own target folder, its flags.
fn cargo(env: &Env, v: &Variant, subcommand: &str) -> std::process::Command {
    let dir = format!("target/wasm-{}", v.stem.trim_start_matches("depthlab-wasm-"));
    let mut cmd = env.cmd("cargo");
    if v.threads {
        cmd.arg("+nightly");
    }
    cmd.args([
        subcommand,
        "-p",
        "depthlab-wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
        "--target-dir",
        &dir,
    ]);
    if v.threads {
        cmd.args(["-Z", "build-std=panic_abort,std"]);
    }
    cmd.args(["--config", &flags(v).1]);
    cmd
}

/// Clippy over the code only the extra builds compile, warnings denied: the relaxed-SIMD
/// lanes in core (`cfg(target_feature = "relaxed-simd")`: the fma build on stable, core, nn and
/// depthlab-wasm) and the web thread pool (`cfg(target_feature = "atomics")`: the threaded
/// build, nightly's clippy on depthlab-wasm alone, `--no-deps`: core and nn are linted on
/// stable, and nightly may bring lints stable does not know).
pub fn clippy_variants(env: &Env) -> Result<(), String> {
    ensure_threads_toolchain(env)?;
    ensure_nightly_component(env, "clippy", "to lint the threaded build")?;
    for v in VARIANTS.iter().filter(|v| v.threads != v.fma) {
        let mut cmd = cargo(env, v, "clippy");
        if v.threads {
            cmd.arg("--no-deps");
        }
        run(cmd.args(["--", "-D", "warnings"]), &format!("clippy ({})", v.stem))?;
    }
    Ok(())
}

fn build(env: &Env, v: &Variant, out: &Path) -> Result<(), String> {
    let features = flags(v).0;
    let dir = format!("target/wasm-{}", v.stem.trim_start_matches("depthlab-wasm-"));
    println!("==> the {} build ({features})", v.stem);
    run(&mut cargo(env, v, "build"), &format!("cargo build ({})", v.stem))?;
    let input = format!("{dir}/wasm32-unknown-unknown/release/depthlab_wasm.wasm");
    let bind = PathBuf::from(&dir).join("bindgen");
    run(
        env.cmd("wasm-bindgen").args(["--target", "web", "--out-name", v.stem, "--out-dir"]).arg(&bind).arg(&input),
        &format!("wasm-bindgen ({})", v.stem),
    )?;
    let glue = format!("{}.js", v.stem);
    std::fs::copy(bind.join(&glue), out.join(&glue)).map_err(|e| format!("copying {glue}: {e}"))?;
    let wasm = format!("{}_bg.wasm", v.stem);
    let mut opt = env.cmd("wasm-opt");
    opt.args([
        "-O3",
        "--enable-simd",
        "--enable-bulk-memory",
        "--enable-mutable-globals",
        "--enable-sign-ext",
        "--enable-nontrapping-float-to-int",
        "--enable-reference-types",
        "--enable-multivalue",
    ]);
    if v.fma {
        opt.arg("--enable-relaxed-simd");
    }
    if v.threads {
        opt.arg("--enable-threads");
    }
    run(opt.arg(bind.join(&wasm)).arg("-o").arg(out.join(&wasm)), &format!("wasm-opt ({})", v.stem))?;
    Ok(())
}
