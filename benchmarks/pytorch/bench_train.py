#!/usr/bin/env python3
"""The PyTorch side of `dias bench train`: the same measurement on the official DIAS models.

Run with Debian's python3-torch (the same libtorch 1.13 the addon links) against a checkout of the official code:

    git -C <bare DIAS repo> worktree add /tmp/dias-official HEAD     # or any checkout of lseventeen/DIAS
    /usr/bin/python3 benchmarks/pytorch/bench_train.py --official /tmp/dias-official --model VSS_Net_all \
        --batch 4 --patch 64 --frames 8 --steps 20 --threads 1

One warm-up step, then N timed steps (forward, cross-entropy against random 0/1 targets, backward, AdamW lr 5e-4,
weight decay 0.01, fp32), the median; then the median of eval-mode forward passes under torch.no_grad().
The last line is JSON with the same keys as `dias bench train --json`.
"""
import argparse
import importlib.util
import json
import os
import resource
import statistics
import sys
import time

# Official class name -> file under models/ of the official repository.
MODEL_FILES = {
    "UNet": "d2/unet.py", "FR_UNet": "d2/fr_unet.py", "Att_UNet": "d2/att_unet.py", "CSNet": "d2/csnet.py",
    "MAA_Net": "d2/maa_net.py", "UNet_Nested": "d2/unet_nested.py", "Res_UNet": "d2/res_unet.py",
    "UNet_3D": "d3/unet_3d.py", "FR_UNet_3D": "d3/fr_unet_3d.py", "CSNet_3D": "d3/csnet_3d.py",
    "Att_UNet_3D": "d3/att_unet_3d.py", "Res_UNet_3D": "d3/res_unet_3d.py", "UNet_Nested_3D": "d3/unet_nested_3d.py",
    "IPN": "d3tod2/ipn.py", "PSC": "d3tod2/psc.py", "SVS_Net": "d3tod2/svs_net.py", "QS_UNet": "d3tod2/qs_unet.py",
    "ST_UNet": "d3tod2/st_unet.py", "VSS_Net": "d3tod2/vss_net.py",
}
TWO_D = {"UNet", "FR_UNet", "Att_UNet", "CSNet", "MAA_Net", "UNet_Nested", "Res_UNet"}


def rss_mb():
    with open("/proc/self/statm") as f:
        return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def load_class(official, name):
    sys.path.insert(0, official)  # the model files import models.utils
    path = os.path.join(official, "models", MODEL_FILES[name])
    spec = importlib.util.spec_from_file_location(f"dias_official_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--official", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--patch", type=int, default=64)
    p.add_argument("--frames", type=int, default=8)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    name = "VSS_Net" if a.model == "VSS_Net_all" else a.model
    cls = load_class(a.official, name)
    kwargs = {"num_classes": 2, "num_channels": a.frames if name in TWO_D else 1}
    if a.model == "VSS_Net_all":
        kwargs["input_reduce"] = None
    model = cls(**kwargs)
    shape = [a.batch, a.frames, a.patch, a.patch] if name in TWO_D else [a.batch, 1, a.frames, a.patch, a.patch]
    x = torch.randn(shape)
    y = torch.randint(0, 2, [a.batch, a.patch, a.patch])
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    step()
    rss_start = rss_mb()
    times = []
    for i in range(1, a.steps + 1):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
        if i == 20 and a.steps > 20:
            rss_start = rss_mb()
    model.eval()
    infer = []
    with torch.no_grad():
        model(x)
        for _ in range(max(3, a.steps)):
            t0 = time.perf_counter()
            model(x)
            infer.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({
        "model": a.model, "batch": a.batch, "patch": a.patch, "frames": a.frames, "threads": torch.get_num_threads(),
        "device": "cpu", "train_step_ms": round(statistics.median(times), 2),
        "infer_batch_ms": round(statistics.median(infer), 2), "rss_mb_start": rss_start, "rss_mb_end": rss_mb(),
        "implementation": f"pytorch {torch.__version__}",
    }))


if __name__ == "__main__":
    main()
