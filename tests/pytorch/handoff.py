"""The PyTorch and ONNX hand-off, end to end (run by `cargo xtask test` in its pinned virtualenv).

For each family: the CLI trains a few steps (so batch-norm statistics are real) and saves the
weights; `depthlab export --pytorch` writes model.py, train.py, the weights and the self-check;
the generated model.py must give Depthlab's logits on 100 test digits within 1e-4, and so
must ONNX Runtime running `depthlab export --onnx`'s graph (after onnx's full checker). Then
train.py continues ResNet-20 under `torchrun --nproc_per_node=2` (gloo, CPU) and must end with
the two processes' weights identical, and the weights it writes load back into Depthlab.

    python tests/pytorch/handoff.py --cli target/release/depthlab --work target/handoff \
        [--page-export target/page-export]   # the page's downloads, saved by the e2e tests
"""

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "www" / "data"
TOLERANCE = 1e-4

# (name, CLI model settings): every family the issue lists, and a few more variants.
FAMILIES = [
    ("LeNet-5", ["--model", "lenet5"]),
    ("ResNet-20, shortcut A", ["--model", "resnet", "--depth", "20", "--shortcut", "A"]),
    ("ResNet-20, shortcut B", ["--model", "resnet", "--depth", "20", "--shortcut", "B"]),
    ("ResNet v2 (pre-activation)", ["--model", "resnet_v2", "--depth", "20"]),
    ("Highway", ["--model", "highway", "--depth", "20"]),
    ("ResNeXt", ["--model", "resnext"]),
    ("Inception, auxiliary heads", ["--model", "inception", "--aux-heads", "true"]),
    ("ResNet-14, unit b, shortcut C", ["--model", "resnet", "--depth", "14", "--unit", "b", "--shortcut", "C"]),
    ("plain-8 without batch norm, tanh", ["--model", "plain", "--depth", "8", "--batch-norm", "false", "--activation", "tanh"]),
    ("AlexNet-mini", ["--model", "alexnet_mini"]),
    ("VGG-mini", ["--model", "vgg_mini"]),
]


def run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"FAILED ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def check_export(folder):
    """Runs the export's own self-check (python model.py); returns the largest difference."""
    out = subprocess.run([sys.executable, folder / "model.py"], capture_output=True, text=True)
    m = re.search(r"logits on (\d+) digits: ([0-9.e+-]+)", out.stdout)
    if not m:
        raise SystemExit(f"{folder}/model.py printed no result:\n{out.stdout}\n{out.stderr}")
    return float(m.group(2)), int(m.group(1)), out.returncode


def check_onnx(path, check_file):
    """onnx's full checker, then ONNX Runtime's logits against Depthlab's; the largest difference."""
    import onnx
    import onnxruntime
    from safetensors.numpy import load_file

    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    saved = load_file(str(check_file))
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits = session.run(["logits"], {"images": saved["images"]})[0]
    return float(abs(logits - saved["logits"]).max())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--page-export", help="the page's PyTorch and ONNX downloads, saved by the e2e tests")
    a = p.parse_args()
    cli, work = Path(a.cli).resolve(), Path(a.work).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    failures = []

    print(f"{'family':34} {'digits':>6} {'PyTorch max |Δ logit|':>22} {'ONNX Runtime':>13}")
    for i, (name, model) in enumerate(FAMILIES):
        weights, folder = work / f"m{i}.safetensors", work / f"m{i}"
        run([cli, "train", *model, "--steps", "12", "--batch-size", "32", "--seed", "3", "--save", weights])
        onnx_file = folder / "model.onnx"
        run([cli, "export", *model, "--seed", "3", "--load", weights, "--pytorch", folder, "--onnx", onnx_file])
        diff, n, code = check_export(folder)
        onnx_diff = check_onnx(onnx_file, folder / "check.safetensors")
        ok = diff <= TOLERANCE and code == 0 and n == 100 and onnx_diff <= TOLERANCE
        print(f"{name:34} {n:>6} {diff:>22.3g} {onnx_diff:>13.3g} {'ok' if ok else 'FAIL'}")
        if not ok:
            failures.append(f"{name}: largest logit difference {diff} (PyTorch), {onnx_diff} (ONNX Runtime) on {n} digits (exit {code})")

    # train.py on two processes (gloo on CPU), from ResNet-20 (A)'s export.
    folder = work / "m1"
    cont = work / "continued.safetensors"
    t0 = time.time()
    torchrun = Path(sys.executable).with_name("torchrun")
    r = subprocess.run(
        [str(torchrun), "--nproc_per_node=2", str(folder / "train.py"), "--data", str(DATA), "--steps", "8", "--out", str(cont)],
        capture_output=True, text=True, cwd=work,
    )
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    print("torchrun --nproc_per_node=2 train.py: " + " | ".join(lines[-4:]) + f" ({time.time() - t0:.1f} s)")
    if r.returncode != 0 or "weights identical on all 2 processes: True" not in r.stdout:
        failures.append(f"torchrun: exit {r.returncode}\n{r.stdout}\n{r.stderr[-3000:]}")
    elif not cont.exists():
        failures.append("torchrun: no continued weights written")
    else:
        # The continued weights load back into Depthlab and export again, checked again.
        back = work / "back"
        run([cli, "export", "--model", "resnet", "--depth", "20", "--shortcut", "A", "--load", cont, "--pytorch", back])
        diff, n, code = check_export(back)
        print(f"weights trained by PyTorch, loaded back into Depthlab and exported again: max |Δ logit| {diff:.3g}")
        if diff > TOLERANCE or code != 0:
            failures.append(f"round trip: largest logit difference {diff}")

    # One process, a model with auxiliary heads (their losses join the main one).
    r = subprocess.run(
        [sys.executable, str(work / "m6" / "train.py"), "--data", str(DATA), "--steps", "3", "--out", str(work / "inc.safetensors")],
        capture_output=True, text=True, cwd=work,
    )
    print("python train.py (Inception with auxiliary heads, 1 process): " + " | ".join(r.stdout.splitlines()[-2:]))
    if r.returncode != 0:
        failures.append(f"train.py with auxiliary heads: exit {r.returncode}\n{r.stderr[-3000:]}")

    if a.page_export:
        # What the page's Export buttons downloaded (a ResNet-8 trained in the browser).
        page = Path(a.page_export).resolve()
        diff, n, code = check_export(page / "pytorch")
        onnx_diff = check_onnx(page / "model.onnx", page / "pytorch" / "check.safetensors")
        ok = diff <= TOLERANCE and code == 0 and n == 100 and onnx_diff <= TOLERANCE
        print(f"{'the page: ResNet-8 (A), its downloads':34} {n:>6} {diff:>22.3g} {onnx_diff:>13.3g} {'ok' if ok else 'FAIL'}")
        if not ok:
            failures.append(f"the page's export: largest logit difference {diff} (PyTorch), {onnx_diff} (ONNX Runtime)")

    if failures:
        print("\n".join(["", "FAILED:"] + failures))
        sys.exit(1)
    print("PyTorch hand-off: all checks passed")


if __name__ == "__main__":
    main()
