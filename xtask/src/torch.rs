//! The PyTorch and ONNX hand-off tests: a pinned Python virtualenv (torch from PyPI, whose
//! Linux wheel brings several GB of CUDA libraries, so the venv lives outside the clone and is
//! reused whenever it already has these exact versions) and `tests/pytorch/handoff.py`.

use crate::tools::{root, run, Env};
use std::path::PathBuf;
use std::process::Command;

/// `package==version` pins of the venv; the first line of its check prints them back.
pub const PINS: [(&str, &str); 5] =
    [("torch", "2.15.0"), ("safetensors", "0.6.2"), ("onnx", "1.23.2"), ("onnxruntime", "1.32.0"), ("numpy", "2.4.6")];

/// Where the venv lives: `$DEPTHLAB_TORCH_VENV`, or `~/.cache/depthlab/torch-venv`.
pub fn venv_dir() -> PathBuf {
    if let Ok(p) = std::env::var("DEPTHLAB_TORCH_VENV") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    PathBuf::from(home).join(".cache/depthlab/torch-venv")
}

/// The versions the venv's Python imports, as `name==version` lines (None: not importable).
fn installed(python: &PathBuf) -> Option<String> {
    let code = PINS
        .iter()
        .map(|(p, _)| format!("import {p}; print('{p}==' + {p}.__version__.split('+')[0])"))
        .collect::<Vec<_>>()
        .join("; ");
    let out = Command::new(python).args(["-c", &code]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The venv's Python, created and filled at the pinned versions unless it has them already.
pub fn ensure_venv() -> Result<PathBuf, String> {
    let dir = venv_dir();
    let python = dir.join("bin/python");
    let wanted = PINS.iter().map(|(p, v)| format!("{p}=={v}")).collect::<Vec<_>>().join("\n");
    if installed(&python).as_deref() == Some(wanted.as_str()) {
        println!("PyTorch venv {} has {}", dir.display(), wanted.replace('\n', ", "));
        return Ok(python);
    }
    println!("==> creating the PyTorch venv in {} ({})", dir.display(), wanted.replace('\n', ", "));
    if !python.exists() {
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        if run(Command::new("python3").args(["-m", "venv"]).arg(&dir), "python3 -m venv").is_err() {
            crate::tools::apt_install(&["python3-venv"])?;
            let _ = std::fs::remove_dir_all(&dir);
            run(Command::new("python3").args(["-m", "venv"]).arg(&dir), "python3 -m venv")?;
        }
    }
    let pins: Vec<String> = PINS.iter().map(|(p, v)| format!("{p}=={v}")).collect();
    run(Command::new(&python).args(["-m", "pip", "install", "--quiet"]).args(&pins), "pip install (PyTorch venv)")?;
    match installed(&python) {
        Some(v) if v == wanted => Ok(python),
        other => Err(format!("the PyTorch venv does not import the pinned versions: {other:?}")),
    }
}

/// Builds the CLI and runs the hand-off test in the venv; with `page_export`, also on what the
/// page's Export buttons downloaded in the e2e tests (saved there).
pub fn handoff(env: &Env, page_export: Option<&str>) -> Result<(), String> {
    let python = ensure_venv()?;
    run(env.cmd("cargo").args(["build", "--release", "-p", "depthlab"]), "cargo build (CLI)")?;
    let mut cmd = Command::new(&python);
    cmd.current_dir(root()).args([
        "tests/pytorch/handoff.py",
        "--cli",
        "target/release/depthlab",
        "--work",
        "target/handoff",
    ]);
    if let Some(dir) = page_export {
        cmd.args(["--page-export", dir]);
    }
    run(&mut cmd, "PyTorch/ONNX hand-off test")
}
