#!/usr/bin/env bash
# Writes the fuzz seed corpus (fuzz/seeds/<target>/) from real inputs: the first digits of the
# bundled MNIST files (raw and gzip, images and labels), weights the CLI saved for the safetensors
# target's small model (fuzz/tiny-model.json), run configurations for every preset and full model specs with every layer type,
# and URL-style settings. The seeds are committed; rerun this only to change them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/seeds
rm -rf "$out" && mkdir -p "$out"/{idx,gzip,safetensors,spec,settings}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$out" <<'PY'
import gzip, struct, sys, os
out = sys.argv[1]
imgs = gzip.open('www/data/test-images-idx3-ubyte.gz').read()
labs = gzip.open('www/data/test-labels-idx1-ubyte.gz').read()
def idx3(n): return b'\0\0\x08\x03' + struct.pack('>III', n, 28, 28) + imgs[16:16 + n * 784]
def idx1(n): return b'\0\0\x08\x01' + struct.pack('>I', n) + labs[8:8 + n]
files = {'images-2': idx3(2), 'labels-8': idx1(8), 'labels-1': idx1(1)}
for name, data in files.items():
    open(f'{out}/idx/{name}', 'wb').write(data)
    gz = gzip.compress(data, mtime=0)
    open(f'{out}/idx/{name}.gz', 'wb').write(gz)
    open(f'{out}/gzip/{name}.gz', 'wb').write(gz)
# One cut byte, then an image file and a label file (the idx target's dataset half).
pair = idx3(2) + idx1(2)
open(f'{out}/idx/dataset-2', 'wb').write(bytes([len(idx3(2)) * 255 // len(pair)]) + pair)
# gzip with every optional header field (FEXTRA, FNAME, FCOMMENT, FHCRC), stored blocks.
import zlib
body = zlib.compressobj(0, zlib.DEFLATED, -15)
raw = body.compress(idx1(8)) + body.flush()
hdr = b'\x1f\x8b\x08\x1e' + b'\0' * 6 + struct.pack('<H', 3) + b'abc' + b'name\0' + b'comment\0' + b'\0\0'
open(f'{out}/gzip/all-flags.gz', 'wb').write(hdr + raw + struct.pack('<II', zlib.crc32(idx1(8)), 9 + 8 - 1))
PY

# Weights of the fuzz target's small model (fuzz/tiny-model.json) saved by the CLI after one step.
cargo run -q --release -p depthlab -- train --spec fuzz/tiny-model.json --steps 1 --batch-size 8 --probe-every 0 --save "$out/safetensors/tiny.safetensors" > /dev/null
python3 - "$out" <<'PY'
import json, struct, sys
out = sys.argv[1]
def st(tensors, meta=None):
    header, data = {}, b''
    if meta: header['__metadata__'] = meta
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    return struct.pack('<Q', len(h)) + h + data
open(f'{out}/safetensors/small-f32', 'wb').write(st({'layers.0.weight': ('F32', [2, 2], b'\0' * 16)}, {'format': 'pt'}))
open(f'{out}/safetensors/small-f16', 'wb').write(st({'layers.0.bias': ('F16', [2], b'\0' * 4)}))
PY

# Run configurations (the JSON the page and the CLI's --config pass to the trainer).
cat > "$out/spec/lenet.json" <<'J'
{"model": {"preset": "lenet5"}, "optimizer": "adam", "lr": 0.001, "batch_size": 8, "seed": 1}
J
cat > "$out/spec/resnet.json" <<'J'
{"model": {"preset": "resnet", "depth": 20, "shortcut": "A"}, "optimizer": "sgd", "lr": 0.1, "schedule": "cosine", "batch_size": 16}
J
cat > "$out/spec/resnet-v2.json" <<'J'
{"model": {"preset": "resnet_v2", "depth": 8, "unit": "e", "activation": "sigmoid", "batch_norm": false}}
J
cat > "$out/spec/resnext.json" <<'J'
{"model": {"preset": "resnext", "depth": 11, "cardinality": 4, "width": 4}, "batch_size": 4}
J
cat > "$out/spec/highway.json" <<'J'
{"model": {"preset": "highway", "depth": 8}, "augment": {"enabled": true}}
J
cat > "$out/spec/inception.json" <<'J'
{"model": {"preset": "inception", "aux_heads": true}, "batch_size": 2}
J
cat > "$out/spec/full-spec.json" <<'J'
{"model": {"spec": {"name": "every layer", "input": [1, 28, 28], "activation": "tanh", "layers": [
  {"type": "conv", "out": 8, "kernel": 3, "stride": 1, "padding": 1, "groups": 1, "bias": false},
  {"type": "batch_norm"}, {"type": "relu"},
  {"type": "max_pool", "kernel": 2},
  {"type": "residual", "out": 8, "shortcut": "A", "unit": "e"},
  {"type": "residual", "out": 16, "stride": 2, "shortcut": "B", "bottleneck": 4, "zero_init_last_bn": true},
  {"type": "resnext", "out": 16, "cardinality": 4, "width": 2},
  {"type": "highway", "gate_bias": -1.0},
  {"type": "aux_head", "channels": 8},
  {"type": "inception", "b1": 4, "b3": [4, 8], "b5": [2, 4], "pool_proj": 4},
  {"type": "conv", "out": 8, "kernel": 1, "groups": 4},
  {"type": "avg_pool", "kernel": 3, "stride": 2, "padding": 1},
  {"type": "sigmoid"}, {"type": "tanh"}, {"type": "dropout", "p": 0.25},
  {"type": "global_avg_pool"}, {"type": "flatten"}, {"type": "linear", "out": 10}
]}}, "batch_size": 2}
J
cat > "$out/spec/mlp.json" <<'J'
{"model": {"spec": {"layers": [{"type": "flatten"}, {"type": "linear", "out": 32}, {"type": "relu"}, {"type": "linear", "out": 10, "bias": false}]}}}
J

# Settings as the URL gives them.
printf 'model=resnet&depth=32&lr=0.01&optimizer=sgd&momentum=0.9&schedule=cosine' > "$out/settings/resnet"
printf 'model=resnext&cardinality=8&width=4&batch_size=1024&seed=random' > "$out/settings/resnext"
printf 'model=plain&depth=56&activation=sigmoid&batch_norm=0&remove_shortcuts=true&steps=100' > "$out/settings/plain"
printf 'augment=true&strength=0.5&noise=0.1&epochs=3&warmup=10&weight_decay=0.0005&probe_every=5' > "$out/settings/augment"
printf 'model=inception&aux_heads=1&reductions=false&lr=banana&depth=-1&unknown=1' > "$out/settings/bad"
printf 'model=resnet_v2&unit=e&zero_init_last_bn=true&shortcut=C' > "$out/settings/v2"
ls -l "$out"/*
