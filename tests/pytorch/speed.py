"""PyTorch's training speed on a model Depthlab exported, for a same-machine comparison.

    depthlab export --model resnet --depth 20 --pytorch target/speed/resnet20
    ONEDNN_MAX_CPU_ISA=AVX2 ~/.cache/depthlab/torch-venv/bin/python tests/pytorch/speed.py \
        target/speed/resnet20 --threads 1

Trains the export's `Net` (the very layers Depthlab trains) with Adam (lr 1e-3), batch 64, on
64 digits of the export's check.safetensors, and prints samples/s: the median of --repeats
timings of --steps steps each, after 3 warm-up steps. Figures only; nothing is asserted.
`ONEDNN_MAX_CPU_ISA=AVX2` keeps oneDNN to the vector width Depthlab's native kernels use.
"""

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export", type=Path, help="a folder written by `depthlab export --pytorch`")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    spec = importlib.util.spec_from_file_location("exported_model", a.export / "model.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["exported_model"] = mod
    spec.loader.exec_module(mod)
    model = mod.Net().train()
    saved = load_file(str(a.export / "check.safetensors"))
    x = saved["images"][:64].contiguous()
    y = saved["logits"][:64].argmax(1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        out = model(x)
        logits = out[0] if isinstance(out, tuple) else out
        F.cross_entropy(logits, y).backward()
        opt.step()

    for _ in range(3):
        step()
    rates = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step()
        rates.append(a.steps * 64 / (time.perf_counter() - t0))
    print(
        f"PyTorch {torch.__version__}, {a.threads} thread(s), oneDNN ISA "
        f"{torch.backends.mkldnn.is_available() and __import__('os').environ.get('ONEDNN_MAX_CPU_ISA', 'default')}: "
        f"{statistics.median(rates):.0f} samples/s (median of {a.repeats}: {', '.join(f'{r:.0f}' for r in rates)})"
    )


if __name__ == "__main__":
    main()
