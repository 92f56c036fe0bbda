"""Continue training a model exported from Depthlab, in PyTorch, on MNIST IDX files.

One process:        python train.py --data DIR
Several (DDP):      torchrun --nproc_per_node=4 train.py --data DIR
Several machines:   torchrun --nnodes=2 --node_rank=R --master_addr=HOST --nproc_per_node=8 train.py --data DIR

DIR holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
t10k-labels-idx1-ubyte (raw or .gz; `test-` may replace `t10k-`), e.g. the files Depthlab
bundles or those of https://yann.lecun.com/exdb/mnist/. Training starts from weights.safetensors
(the weights Depthlab saved) and writes the weights it reaches to --out, in the same format and
names, so Depthlab can load them back (`depthlab train --load FILE`, or the page's Load weights).

Under torchrun every process trains on its own share of each batch (DistributedSampler; the
batch size below is the total over all processes), gradients are averaged by
DistributedDataParallel (backend gloo on CPU, nccl on CUDA), and the processes' weights stay
identical — the script checks that at the end.
"""

import argparse
import gzip
import math
import os
import struct
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from model import AUX_WEIGHT, INPUT_SHAPE, load  # noqa: E402

# {{SETTINGS}}


def read_idx(path):
    """An IDX file (raw or gzip) as a uint8 tensor of its dimensions."""
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack(f">{data[3]}I", data[4 : 4 + 4 * data[3]])
    body = data[4 + 4 * data[3] :]
    if len(body) != math.prod(dims):
        raise ValueError(f"{path}: {len(body)} bytes of data, the header says {math.prod(dims)}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(dims)


def find(folder, names):
    for name in names:
        for p in (Path(folder) / name, Path(folder) / (name + ".gz")):
            if p.exists():
                return p
    raise FileNotFoundError(f"none of {names} (raw or .gz) in {folder}")


def mnist(folder, split):
    prefixes = ["train"] if split == "train" else ["t10k", "test"]
    images = read_idx(find(folder, [f"{p}-images-idx3-ubyte" for p in prefixes]))
    labels = read_idx(find(folder, [f"{p}-labels-idx1-ubyte" for p in prefixes]))
    if len(images) != len(labels):
        raise ValueError(f"{split}: {len(images)} images but {len(labels)} labels")
    # Depthlab's inputs: pixels / 255, no mean subtraction.
    return images.reshape(-1, *INPUT_SHAPE).float() / 255.0, labels.long()


def lr_at(step, total, s):
    """Depthlab's learning-rate schedule at `step` (0-based) of `total`, after the warm-up."""
    f = step / max(total, 1)
    ramp = (step + 1) / s["warmup"] if step < s["warmup"] else 1.0
    if s["schedule"] == "cosine":
        lr = s["lr"] * 0.5 * (1.0 + math.cos(math.pi * f))
    elif s["schedule"] == "step":
        lr = s["lr"] * (1.0 if f < 0.5 else 0.1 if f < 0.75 else 0.01)
    else:
        lr = s["lr"]
    return ramp * lr


def average_buffers(model, world):
    """Each process's batch-norm statistics saw only its share of the batches: average them
    (the parameters themselves are kept equal by DDP's averaged gradients)."""
    for b in model.buffers():
        if b.is_floating_point():
            dist.all_reduce(b, op=dist.ReduceOp.SUM)
            b /= world


def spread_from_first(model):
    """Largest difference between this process's weights and buffers and process 0's."""
    flat = torch.cat([t.detach().double().flatten() for _, t in sorted(model.state_dict().items())])
    first = flat.clone()
    dist.broadcast(first, 0)
    diff = (flat - first).abs().max()
    dist.all_reduce(diff, op=dist.ReduceOp.MAX)
    return diff.item()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="folder with the MNIST IDX files")
    p.add_argument("--weights", default=str(Path(__file__).with_name("weights.safetensors")))
    p.add_argument("--out", default="weights-continued.safetensors", help="where the trained weights go")
    for key in ("lr", "momentum", "weight_decay"):
        p.add_argument(f"--{key.replace('_', '-')}", type=float, default=SETTINGS[key])
    for key in ("warmup", "batch_size", "epochs", "steps", "seed"):
        p.add_argument(f"--{key.replace('_', '-')}", type=int, default=SETTINGS[key])
    p.add_argument("--optimizer", choices=["adam", "sgd"], default=SETTINGS["optimizer"])
    p.add_argument("--schedule", choices=["constant", "cosine", "step"], default=SETTINGS["schedule"])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    s = vars(p.parse_args())

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    device = torch.device(s["device"])
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
    if s["batch_size"] % world:
        sys.exit(f"the batch size {s['batch_size']} does not split evenly over {world} processes")
    torch.manual_seed(s["seed"])

    model = load(s["weights"], device=device).train()
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    params = list(model.parameters())
    if s["optimizer"] == "adam":
        opt = torch.optim.Adam(params, lr=s["lr"], weight_decay=s["weight_decay"])
    else:
        opt = torch.optim.SGD(params, lr=s["lr"], momentum=s["momentum"], weight_decay=s["weight_decay"])

    train_x, train_y = mnist(s["data"], "train")
    test_x, test_y = mnist(s["data"], "test")
    per_process = s["batch_size"] // world
    sampler = torch.utils.data.DistributedSampler(
        torch.utils.data.TensorDataset(train_x, train_y), num_replicas=world, rank=rank, shuffle=True, seed=s["seed"], drop_last=True
    )
    batches_per_epoch = len(sampler) // per_process
    if batches_per_epoch == 0:
        sys.exit(f"{len(train_x)} training digits are too few for batches of {s['batch_size']}")
    total = s["steps"] if s["steps"] > 0 else batches_per_epoch * s["epochs"]
    if rank == 0:
        print(f"{len(train_x)} training and {len(test_x)} test digits; {world} process(es), batch {s['batch_size']}, {total} steps")

    step, epoch, t0 = 0, 0, time.time()
    while step < total:
        sampler.set_epoch(epoch)
        order = list(sampler)
        for b in range(batches_per_epoch):
            if step >= total:
                break
            idx = torch.tensor(order[b * per_process : (b + 1) * per_process])
            x, y = train_x[idx].to(device), train_y[idx].to(device)
            for group in opt.param_groups:
                group["lr"] = lr_at(step, total, s)
            out = net(x)
            logits, aux = out if isinstance(out, tuple) else (out, [])
            loss = F.cross_entropy(logits, y)
            total_loss = loss + sum(AUX_WEIGHT * F.cross_entropy(a, y) for a in aux)
            opt.zero_grad(set_to_none=True)
            total_loss.backward()
            opt.step()
            step += 1
            if rank == 0 and (step % 50 == 0 or step == total):
                print(f"step {step}/{total}  loss {loss.item():.4f}  {step * s['batch_size'] / (time.time() - t0):.0f} digits/s")
        epoch += 1
        if world > 1:
            average_buffers(model, world)
        model.eval()
        with torch.no_grad():
            correct = sum((model(test_x[i : i + 500].to(device)).argmax(1) == test_y[i : i + 500].to(device)).sum().item() for i in range(0, len(test_x), 500))
        model.train()
        if rank == 0:
            print(f"epoch {epoch}: test accuracy {100 * correct / len(test_x):.2f}%")

    if world > 1:
        diff = spread_from_first(model)
        if rank == 0:
            print(f"weights identical on all {world} processes: {diff == 0} (largest difference {diff:.3g})")
        if diff != 0:
            sys.exit(1)
    if rank == 0:
        from safetensors.torch import save_file

        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
        save_file(state, s["out"])
        print(f"saved {s['out']}")
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
