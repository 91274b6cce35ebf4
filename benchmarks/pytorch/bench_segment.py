#!/usr/bin/env python3
"""The PyTorch side of `dias bench segment`: click-to-overlay of one sequence with the official model code.

Loads the weights `dias train` wrote (safetensors, parsed here with numpy; the model and its options from the
file's metadata, built from the official class), reads the (T, H, W) .npy stack, z-scores it over the whole
sequence, predicts the whole frame in one forward pass under torch.inference_mode() (zero-padded at the bottom
and right to a multiple of 16), takes class 1 of the softmax, thresholds at 0.5 and writes what `dias segment`
writes: the probability map (.npy, 8-bit PNG), the mask PNG and an overlay (the mask's contour in green over the
minimum intensity projection). PNGs are written with zlib (level 6), as no imaging library is assumed.

    /usr/bin/python3 benchmarks/pytorch/bench_segment.py --official /tmp/dias-official \
        --weights packages/dias/models/default/model.safetensors --input x.npy --out /tmp/o --threads 2

The last line is JSON: {"seconds": {"load", "read", "predict", "write", "total"}, ...}; the interpreter's start and
`import torch` are not counted (nor are Node's on the other side). With --warm one unmeasured pass runs first in
the same process (oneDNN's primitives made, the allocator's memory mapped), as `dias bench segment` measures its
own side after a pass in its process.

With --serve (what `dias bench segment` uses) the process stays up and answers one JSON line per request line on
stdin, {"input": ..., "out": ...}, until stdin closes: Node then starts it once, before its own side has grown
its heap. Starting a child process from Node forks it, and after a fork every page of the parent is
copy-on-write, so the parent's next forward pass faulted its whole working set in again (measured: 250-290
thousand minor faults in the 800x800 pass after a spawn, against under 5 thousand without).
"""
import argparse
import importlib.util
import inspect
import json
import os
import struct
import sys
import time
import zlib

import numpy as np

MODEL_FILES = {
    "UNet": "d2/unet.py", "FR_UNet": "d2/fr_unet.py", "Att_UNet": "d2/att_unet.py", "CSNet": "d2/csnet.py",
    "MAA_Net": "d2/maa_net.py", "UNet_Nested": "d2/unet_nested.py", "Res_UNet": "d2/res_unet.py",
    "VSS_Net": "d3tod2/vss_net.py",
}
TWO_D = {"UNet", "FR_UNet", "Att_UNet", "CSNet", "MAA_Net", "UNet_Nested", "Res_UNet"}
DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "F16": np.float16}


def load_class(official, name):
    sys.path.insert(0, official)
    path = os.path.join(official, "models", MODEL_FILES[name])
    spec = importlib.util.spec_from_file_location(f"dias_official_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        tensors[name] = np.frombuffer(data, dtype=DTYPES[info["dtype"]], count=(b - a) // np.dtype(DTYPES[info["dtype"]]).itemsize, offset=base + a).reshape(info["shape"])
    return tensors, meta


def png(path, image):
    """8-bit grey (H, W) or RGB (H, W, 3), written atomically."""
    h, w = image.shape[:2]
    colour = 2 if image.ndim == 3 else 0
    raw = np.concatenate([np.zeros((h, 1), np.uint8), image.reshape(h, -1)], axis=1).tobytes()

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0))
    body += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    with open(path + ".tmp", "wb") as f:
        f.write(body)
    os.replace(path + ".tmp", path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--official", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("--input")
    p.add_argument("--out")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warm", action="store_true", help="one unmeasured pass first, in this process")
    p.add_argument("--serve", action="store_true", help="answer request lines on stdin until it closes")
    a = p.parse_args()
    if not a.serve and (a.input is None or a.out is None):
        p.error("--input and --out are required (or --serve)")
    import torch
    torch.set_num_threads(a.threads)
    if a.serve:
        serve(a, torch)
        return
    if a.warm:
        once(a, torch)
    seconds, name = once(a, torch)
    print(json.dumps({
        "seconds": seconds, "model": name, "threads": torch.get_num_threads(), "warm": a.warm,
        "implementation": f"pytorch {torch.__version__}",
    }))


def serve(a, torch):
    """One measured pass per request line; the first request of a size is the caller's unmeasured warm-up."""
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        a.input, a.out = request["input"], request["out"]
        seconds, name = once(a, torch)
        print(json.dumps({"seconds": seconds, "model": name, "threads": torch.get_num_threads()}), flush=True)


def once(a, torch):
    """Load, read, predict, write; returns the seconds of each and the model's name."""
    t0 = time.perf_counter()
    tensors, meta = read_safetensors(a.weights)
    name = meta["dias_model"]
    name = "VSS_Net" if name == "VSS_Net_all" else name
    cls = load_class(a.official, name)
    accepted = inspect.signature(cls.__init__).parameters
    options = {k: v for k, v in json.loads(meta["dias_model_options"]).items() if k in accepted}
    model = cls(**options)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
    model.eval()
    t1 = time.perf_counter()
    frames = np.load(a.input).astype(np.float32)
    t2 = time.perf_counter()
    T, H, W = frames.shape
    z = (frames - frames.mean(dtype=np.float64)) / (frames.std(dtype=np.float64) + 1e-8)
    m = 16
    ph, pw = -H % m, -W % m
    x = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))
    x = torch.nn.functional.pad(x, (0, pw, 0, ph))
    x = x[None] if name in TWO_D else x[None, None]
    with torch.inference_mode():
        logits = model(x)
        prob = torch.softmax(logits, 1)[0, 1, :H, :W].contiguous().numpy()
    t3 = time.perf_counter()
    os.makedirs(a.out, exist_ok=True)
    mask = prob >= 0.5
    np.save(os.path.join(a.out, "bench_prob.npy"), prob)
    png(os.path.join(a.out, "bench_prob.png"), np.floor(prob * 255).astype(np.uint8))
    png(os.path.join(a.out, "bench_mask.png"), mask.astype(np.uint8) * 255)
    minip = frames.min(axis=0)
    lo, hi = float(minip.min()), float(minip.max())
    grey = ((minip - lo) / (hi - lo if hi > lo else 1) * 255).astype(np.uint8)
    inner = mask.copy()
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    rgb[mask & ~inner] = (0, 255, 0)
    png(os.path.join(a.out, "bench_overlay.png"), rgb)
    t4 = time.perf_counter()
    r = lambda s: round(s, 3)
    seconds = {"load": r(t1 - t0), "read": r(t2 - t1), "predict": r(t3 - t2), "write": r(t4 - t3), "total": r(t4 - t0)}
    return seconds, name


if __name__ == "__main__":
    main()
