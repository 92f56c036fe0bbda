//! `cargo xtask <command>`: the project's set-up and check commands, runnable on a fresh
//! Debian/Ubuntu machine (they install what is missing, at pinned versions).
//!
//! - `serve`     build the page (release) and serve it at http://127.0.0.1:8080
//! - `test`      every check: fmt, clippy, native tests, docs, no_std build, wasm tests in
//!   Node, headless Chromium and headless Firefox ESR, `wasm-pack test --headless --chrome`,
//!   the release page build, its SIMD check, the end-to-end tests in Chromium and Firefox,
//!   the PyTorch and ONNX hand-off, and each fuzz target briefly
//! - `bench-web` build the release page and print the in-browser benchmark as one JSON line
//! - `check`     the quick subset: fmt, clippy, a type check of the fuzz targets, and TypeScript (checkJs) over www/ and tests/e2e
//! - `dist`      the release build in `dist/`, checked ready for any static host (no inline
//!   script, no live-reload socket), with a `_headers` file carrying the Content-Security-Policy
//! - `soak`      train one run in the page for 30 minutes (or `soak MINUTES`), printing wasm
//!   memory and the JS heap each minute; fails if either moves over 5% after warm-up
//! - `fuzz`      the cargo-fuzz targets (nightly), each for a time or a number of inputs; see
//!   `cargo xtask fuzz --help`
//! - `handoff`   the PyTorch and ONNX export checked in a pinned virtualenv (created in
//!   `~/.cache/depthlab/torch-venv` or `$DEPTHLAB_TORCH_VENV`, reused when its versions match):
//!   logits of every family, train.py under `torchrun --nproc_per_node=2`, ONNX Runtime's logits
//! - `wasm-variants DIR` the page's extra wasm builds (threaded, relaxed-SIMD) into a folder
//! - `post-build` Trunk's hook: those builds, then the service worker's file list
//!
//! Never exports `RUSTFLAGS` (it would replace `+simd128` from `.cargo/config.toml`).

mod fuzz;
mod tools;
mod torch;
mod variants;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tools::{ensure_browser, ensure_tools, root, run, run_capture, Env, NO_STD_TARGET};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("test") => test(),
        Some("bench-web") => bench_web(&args[1..]),
        Some("check") => ensure_tools().and_then(|env| check(&env)),
        Some("fuzz") => fuzz::command(&args[1..]),
        Some("soak") => soak(&args[1..]),
        Some("wasm-variants") => match args.get(1) {
            Some(dir) => variants::build_all(&tools::Env::new(), Path::new(dir)),
            None => Err("usage: cargo xtask wasm-variants DIR".into()),
        },
        Some("post-build") => variants::post_build(&tools::Env::new()),
        Some("dist") => dist(),
        Some("handoff") => ensure_tools().and_then(|env| torch::handoff(&env, None)),
        _ => {
            eprintln!("usage: cargo xtask <serve | test | bench-web | check | fuzz | soak | dist | handoff | wasm-variants DIR>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn serve() -> Result {
    let env = ensure_tools()?;
    build_page(&env)?;
    println!("\nServing Depthlab at http://127.0.0.1:8080 (Ctrl-C to stop)");
    run(env.cmd("trunk").args(["serve", "--release"]), "trunk serve")
}

fn build_page(env: &Env) -> Result {
    run(env.cmd("trunk").args(["build", "--release"]), "trunk build --release")
}

fn check(env: &Env) -> Result {
    step("cargo fmt --check");
    run(env.cmd("cargo").args(["fmt", "--all", "--check"]), "cargo fmt (run `cargo fmt --all` to fix)")?;
    step("clippy (native, warnings denied)");
    run(env.cmd("cargo").args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]), "clippy")?;
    // The fuzz targets live outside the workspace: type-check them on stable, so an API change
    // that breaks them shows here, not only in `test`'s nightly sanitizer build.
    step("cargo check (fuzz targets)");
    run(
        env.cmd("cargo").args(["check", "--manifest-path", "fuzz/Cargo.toml", "--bins"]),
        "cargo check (fuzz targets)",
    )?;
    step("clippy (wasm32, warnings denied)");
    run(
        env.cmd("cargo").args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "depthlab-core",
            "-p",
            "depthlab-nn",
            "-p",
            "depthlab-wasm",
            "--",
            "-D",
            "warnings",
        ]),
        "clippy wasm32",
    )?;
    step("clippy (the fma and threaded wasm builds, warnings denied)");
    variants::clippy_variants(env)?;
    step("the bundled CJK font covers every character of the language catalogues");
    cjk_font_covers_catalogues()?;
    typecheck(env)
}

/// The first code point counted as CJK (scripts/subset-cjk-font.py's `FIRST_CJK`, the same
/// rule): from the CJK radicals on, what a Latin system font lacks.
const FIRST_CJK: char = '\u{2E80}';

/// Every CJK character of www/js/i18n/*.js is in the bundled font subset
/// (www/fonts/noto-sans-sc-subset.woff2, whose characters the script lists beside it): a
/// string added to a catalogue with a new character would show as a box on machines without
/// an installed CJK font.
fn cjk_font_covers_catalogues() -> Result {
    let fonts = root().join("www/fonts");
    let read = |p: &std::path::Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let covered: std::collections::BTreeSet<char> =
        read(&fonts.join("noto-sans-sc-subset.chars.txt"))?.chars().collect();
    let font = fonts.join("noto-sans-sc-subset.woff2");
    if !font.is_file() {
        return Err(format!("{} is missing: run scripts/subset-cjk-font.py (see its header)", font.display()));
    }
    let dir = root().join("www/js/i18n");
    let mut used = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "js") {
            used.extend(read(&path)?.chars().filter(|&c| c >= FIRST_CJK));
        }
    }
    let missing: String = used.iter().filter(|c| !covered.contains(c)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} character(s) of www/js/i18n are not in the bundled CJK font ({missing}): run scripts/subset-cjk-font.py (see its header) and commit www/fonts",
            missing.chars().count()
        ));
    }
    println!("{} CJK characters in the catalogues, all in {}", used.len(), font.display());
    Ok(())
}

/// TypeScript over the page's JavaScript (JSDoc types, checkJs, no emit): the page, the
/// workers and the end-to-end tests, each with its own libraries. The wasm module's types are
/// generated first (a debug build and wasm-bindgen into target/ts-types, where tsconfig.json's
/// rootDirs finds them).
fn typecheck(env: &Env) -> Result {
    step("TypeScript checkJs (www/, tests/e2e)");
    run(
        env.cmd("cargo").args(["build", "--target", "wasm32-unknown-unknown", "-p", "depthlab-wasm"]),
        "wasm build for the type declarations",
    )?;
    run(
        env.cmd("wasm-bindgen").args([
            "--target",
            "web",
            "--out-dir",
            "target/ts-types",
            "--out-name",
            "depthlab-wasm",
            "target/wasm32-unknown-unknown/debug/depthlab_wasm.wasm",
        ]),
        "wasm-bindgen (type declarations)",
    )?;
    for project in ["tsconfig.json", "www/js/workers/tsconfig.json", "tests/e2e/tsconfig.json"] {
        run(env.cmd("tsc").args(["-p", project]), &format!("TypeScript check of {project}"))?;
        println!("{project}: no type errors");
    }
    Ok(())
}

/// Seconds each fuzz target runs in the test command (`cargo xtask fuzz` runs longer).
const FUZZ_SECONDS: u64 = 20;

fn test() -> Result {
    let env = ensure_tools()?;
    ensure_browser()?;
    tools::ensure_test_tools(&env)?;
    check(&env)?;
    step("native tests (all crates)");
    run(env.cmd("cargo").args(["test", "--workspace"]), "cargo test")?;
    step("docs (broken links denied)");
    run(
        env.cmd("cargo")
            .args(["doc", "--workspace", "--no-deps", "--exclude", "xtask"])
            .env("RUSTDOCFLAGS", "-D warnings"),
        "cargo doc",
    )?;
    step(&format!("no_std build of core and nn for a target without std ({NO_STD_TARGET})"));
    run(
        env.cmd("cargo").args(["build", "--target", NO_STD_TARGET, "-p", "depthlab-core", "-p", "depthlab-nn"]),
        "no_std build",
    )?;
    step("wasm tests in Node");
    wasm_tests(&env, Where::Node)?;
    step("wasm tests in headless Chromium");
    wasm_tests(&env, Where::Chrome)?;
    step("wasm tests in headless Firefox ESR");
    wasm_tests(&env, Where::Firefox)?;
    step("wasm-pack test --headless --chrome (core, nn)");
    wasm_pack_tests(&env)?;
    step("release page build");
    build_page(&env)?;
    step("SIMD in the shipped wasm's GEMM");
    check_simd(&env)?;
    step("end-to-end tests in headless Chromium");
    run(env.cmd("node").arg("tests/e2e/run.mjs"), "end-to-end tests")?;
    step("end-to-end tests in headless Firefox ESR (smoke, same losses as Chromium, background tab)");
    run(env.cmd("node").arg("tests/e2e/firefox.mjs"), "Firefox end-to-end tests")?;
    step("PyTorch and ONNX hand-off (pinned virtualenv)");
    torch::handoff(&env, Some("target/page-export"))?;
    step(&format!("fuzz targets, {FUZZ_SECONDS} s each with AddressSanitizer"));
    let fuzz_env = tools::ensure_fuzz_tools()?;
    fuzz::run(&fuzz_env, &fuzz::TARGETS, fuzz::Budget::Time(FUZZ_SECONDS), "address")?;
    println!("\nAll checks passed.");
    Ok(())
}

/// Where the wasm tests run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Where {
    Node,
    Chrome,
    Firefox,
}

/// Runs the unit tests of core and nn compiled to wasm32 in Node or a headless browser, and
/// fails unless tests passed there: the runner exits 0 with "no tests to run" when
/// misconfigured, and falls back to Node when no browser is asked for, so a browser run must
/// show the runner's "Running headless tests in <browser>" line.
fn wasm_tests(env: &Env, place: Where) -> Result {
    let mut cmd = env.cmd("cargo");
    cmd.args(["test", "--target", "wasm32-unknown-unknown", "-p", "depthlab-core", "-p", "depthlab-nn", "--lib"]);
    cmd.env_remove("WASM_BINDGEN_USE_BROWSER").env_remove("CHROMEDRIVER").env_remove("GECKODRIVER");
    match place {
        Where::Node => {}
        Where::Chrome => {
            cmd.env("WASM_BINDGEN_USE_BROWSER", "1").env("CHROMEDRIVER", "/usr/bin/chromedriver");
        }
        Where::Firefox => {
            cmd.env("WASM_BINDGEN_USE_BROWSER", "1").env("GECKODRIVER", tools::geckodriver());
        }
    }
    let out = run_capture(&mut cmd, "wasm tests")?;
    count_passed(&out, place, "wasm tests").map(|_| ())
}

/// The number of tests passed in a test runner's output; an error when none ran, or when a
/// browser was asked for and the output does not show the runner started one.
fn count_passed(out: &str, place: Where, what: &str) -> Result<usize> {
    let passed: usize = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("test result: ok. "))
        .filter_map(|l| l.split_whitespace().next()?.parse::<usize>().ok())
        .sum();
    let (name, proof) = match place {
        Where::Node => ("Node", None),
        Where::Chrome => ("headless Chromium", Some("Running headless tests in Chrome")),
        Where::Firefox => ("headless Firefox", Some("Running headless tests in Firefox")),
    };
    if passed == 0 {
        return Err(format!("{what} in {name}: no test ran (the runner was not configured for {name})"));
    }
    if let Some(line) = proof {
        let starts = out.matches(line).count();
        if starts == 0 {
            return Err(format!(
                "{what}: {passed} passed, but the runner never printed \"{line}\": they did not run in {name}"
            ));
        }
        println!("{what} in {name}: {passed} passed ({starts} × \"{line}\")");
    } else {
        println!("{what} in {name}: {passed} passed");
    }
    Ok(passed)
}

/// `wasm-pack test --headless --chrome` for core and nn, the way the README tells developers to
/// run them (wasm-pack 0.15.1); fails unless each crate reports passed tests in Chromium.
fn wasm_pack_tests(env: &Env) -> Result {
    for krate in ["crates/core", "crates/nn"] {
        let mut cmd = env.cmd("wasm-pack");
        cmd.args(["test", "--headless", "--chrome", krate])
            .env("WASM_BINDGEN_USE_BROWSER", "1")
            .env("CHROMEDRIVER", "/usr/bin/chromedriver");
        let out = run_capture(&mut cmd, "wasm-pack test")?;
        count_passed(&out, Where::Chrome, &format!("wasm-pack test --headless --chrome {krate}"))?;
    }
    Ok(())
}

/// The shipped wasm must contain simd128 arithmetic, and specifically in the GEMM kernel.
fn check_simd(env: &Env) -> Result {
    let wasm = find_wasm(&root().join("dist"))?;
    let wat = run_capture(env.cmd("wasm2wat").args(["--enable-all"]).arg(&wasm), "wasm2wat")?;
    let total = wat.matches("f32x4.").count();
    let mul = wat.matches("f32x4.mul").count();
    let add = wat.matches("f32x4.add").count();
    println!("{}: {total} f32x4 instructions ({mul} f32x4.mul, {add} f32x4.add)", wasm.display());
    // The GEMM micro-kernel is the only place with long runs of f32x4.mul/add on splatted
    // operands: find a function with at least 8 multiplies next to 8 adds and a splat.
    let gemm_like = wat
        .split("(func ")
        .filter(|f| {
            f.matches("f32x4.mul").count() >= 8 && f.matches("f32x4.add").count() >= 8 && f.contains("f32x4.splat")
        })
        .count();
    if mul == 0 || add == 0 || gemm_like == 0 {
        return Err(format!("the shipped wasm has no SIMD GEMM ({total} f32x4 ops, {gemm_like} GEMM-like functions): was RUSTFLAGS exported, dropping +simd128?"));
    }
    println!("{gemm_like} function(s) with a SIMD GEMM micro-kernel (≥8 f32x4.mul + ≥8 f32x4.add + f32x4.splat)");
    Ok(())
}

fn find_wasm(dist: &Path) -> Result<PathBuf> {
    std::fs::read_dir(dist)
        .map_err(|e| format!("{}: {e}; build the page first", dist.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("_bg.wasm"))
        .ok_or_else(|| format!("no *_bg.wasm in {}", dist.display()))
}

/// `cargo xtask dist`: the release build in `dist/`, checked for what breaks on a static host
/// (an inline script the Content-Security-Policy forbids, Trunk's live-reload socket), plus a
/// `_headers` file (Netlify / Cloudflare Pages format) with the policy `cargo xtask serve` sends.
fn dist() -> Result {
    let env = ensure_tools()?;
    build_page(&env)?;
    let dist = root().join("dist");
    let html = std::fs::read_to_string(dist.join("index.html")).map_err(|e| format!("dist/index.html: {e}"))?;
    for (bad, why) in [
        ("__trunk_address__", "Trunk's live-reload script"),
        ("ws://", "a WebSocket (live reload)"),
        ("<script>", "an inline script, which the Content-Security-Policy forbids"),
        ("<script type=\"module\">", "an inline script, which the Content-Security-Policy forbids"),
    ] {
        if html.contains(bad) {
            return Err(format!("dist/index.html contains {why} ({bad}): not publishable"));
        }
    }
    let trunk = std::fs::read_to_string(root().join("Trunk.toml")).map_err(|e| format!("Trunk.toml: {e}"))?;
    // The serve command's headers (Trunk.toml, one place), for hosts that read _headers.
    let mut headers = String::from("/*\n");
    for name in [
        "Content-Security-Policy",
        "Cross-Origin-Opener-Policy",
        "Cross-Origin-Embedder-Policy",
        "Cross-Origin-Resource-Policy",
    ] {
        let value = trunk
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("\"{name}\" = \"")))
            .and_then(|v| v.strip_suffix('"'))
            .ok_or(format!("Trunk.toml has no {name} header"))?;
        headers.push_str(&format!("  {name}: {value}\n"));
    }
    headers.push_str("  X-Content-Type-Options: nosniff\n");
    std::fs::write(dist.join("_headers"), headers).map_err(|e| format!("dist/_headers: {e}"))?;
    let (files, bytes) = walk(&dist)?;
    println!(
        "\ndist/ is ready for any static host: {files} files, {:.1} MB. Copy the folder as it is; the host must\nserve .wasm as application/wasm. dist/_headers carries the Content-Security-Policy (also a meta tag\nin the page) and the cross-origin isolation headers the threaded build needs, for hosts that read it;\nelsewhere the page offers to reload through its service worker, which adds them.",
        bytes as f64 / 1e6
    );
    Ok(())
}

/// Files and bytes under `dir`.
fn walk(dir: &Path) -> Result<(usize, u64)> {
    let mut total = (0, 0);
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.is_dir() {
            let (f, b) = walk(&p)?;
            total = (total.0 + f, total.1 + b);
        } else {
            total = (total.0 + 1, total.1 + p.metadata().map_or(0, |m| m.len()));
        }
    }
    Ok(total)
}

/// `cargo xtask soak [MINUTES]`: builds the page and trains one run for MINUTES (default 30),
/// printing wasm memory and the JS heap each minute (tests/e2e/soak.mjs).
fn soak(args: &[String]) -> Result {
    let minutes = args.first().map_or("30", String::as_str);
    let env = ensure_tools()?;
    ensure_browser()?;
    build_page(&env)?;
    run(env.cmd("node").args(["tests/e2e/soak.mjs", "--minutes", minutes]), "soak")
}

fn bench_web(args: &[String]) -> Result {
    let env = ensure_tools()?;
    ensure_browser()?;
    build_page(&env)?;
    let mut cmd = env.cmd("node");
    cmd.arg("tests/e2e/bench.mjs").args(args);
    run(&mut cmd, "browser benchmark")
}

fn step(name: &str) {
    println!("\n==> {name}");
}
