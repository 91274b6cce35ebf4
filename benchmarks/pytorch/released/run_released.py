#!/usr/bin/env python3
"""Runs one of the DIAS release's training scripts on a DIAS-TS dataset and writes a run folder `dias test` reads.

Follows the official code (github lseventeen/DIAS, a checkout given with --official): the scripts
weak_supervised_segmentation/wsl_train_{sscr,sscr_ablation,pcedice,entropy_mini,GatedCRFLoss,DMPLS}.py and
semi_supervised_segmentation/ssl_train.py run unchanged except for the patches listed in README.md beside this
file (CPU instead of CUDA, stand-ins for modules Debian lacks, paths, budget, seed, model width, two logging-only
method names the released trainers call but do not define, and the SSL pseudo-labeller's hard-coded 800x800x60).
Nothing of the official code is copied here: the checkout is exported to --work at run time, transformed there,
and imported from there.

    /usr/bin/python3 benchmarks/pytorch/released/run_released.py --official /tmp/dias-official \
        --script sscr --data /tmp/parity-data --work /tmp/parity-work --out /tmp/parity-runs/released-sscr-s0 \
        --model FR_UNet --model-options '{"feature_scale":16}' --epochs 4 --patches 256 --batch 16 --seed 0
    npx dias test --run /tmp/parity-runs/released-sscr-s0 --checkpoint final --no-tta --stride 64 --json

Steps: (1) the dataset is converted to the layout the official readers expect (per-split ids from 0, exactly 8
frames, resampled along time as the paper describes: skimage.transform.resize(seq, (8, H, W), order=3,
mode='edge'), written as 8-bit PNG); `dias train` can read the converted folder too, so both sides train on the
same bytes. (2) the script runs in this process with the patches applied. (3) its final_checkpoint.pth (network A
= model1 for SSCR; the last student for SSL, and the teacher as iter0) is written as safetensors with the
official parameter names and the metadata `dias test` builds the model from, in a run folder with config.json.

`--self-check` runs every step on a tiny budget (one epoch of one batch) and checks the run folder's files.
"""
import argparse
import ast
import copy
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import types

SCRIPTS = {
    # name: (folder, file, dias recipe the checkpoint is tested as)
    "sscr": ("weak_supervised_segmentation", "wsl_train_sscr.py", "sscr"),
    "sscr-ablation": ("weak_supervised_segmentation", "wsl_train_sscr_ablation.py", "sscr"),
    "pcedice": ("weak_supervised_segmentation", "wsl_train_pcedice.py", "pce-dice"),
    "entropy-mini": ("weak_supervised_segmentation", "wsl_train_entropy_mini.py", "entropy-min"),
    "gated-crf": ("weak_supervised_segmentation", "wsl_train_GatedCRFLoss.py", "gated-crf"),
    "dmpls": ("weak_supervised_segmentation", "wsl_train_DMPLS.py", "dmpls"),
    "ssl": ("semi_supervised_segmentation", "ssl_train.py", "rpst"),
}
SPLITS = ("training", "validation", "test", "unlabeled")
FRAMES = 8
CONVERTED_MARK = "dias-official-layout.json"


# ------------------------------------------------------------------------------------------------ 1. the dataset


def convert_dataset(src, dst):
    """Our DIAS-layout folder (ids running on across splits, 4-9 frames) -> the official readers' layout."""
    mark = os.path.join(dst, CONVERTED_MARK)
    if os.path.exists(mark):
        with open(mark) as f:
            if json.load(f).get("source") == os.path.abspath(src):
                return
    import numpy as np
    from PIL import Image
    from skimage.transform import resize

    tmp = dst + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    ids = {}
    for split in SPLITS:
        images = os.path.join(src, split, "images")
        if not os.path.isdir(images):
            continue
        frames = {}
        for name in os.listdir(images):
            m = re.fullmatch(r"image_s(\d+)_i(\d+)\.png", name)
            if m:
                frames.setdefault(int(m[1]), []).append(int(m[2]))
        order = sorted(frames)
        ids[split] = order
        os.makedirs(os.path.join(tmp, split, "images"))
        for i, n in enumerate(order):
            seq = np.stack([np.asarray(Image.open(os.path.join(images, f"image_s{n}_i{k}.png")).convert("L"))
                            for k in sorted(frames[n])])
            # The paper's preprocessing (uint8 in, so skimage scales to [0, 1] first), back to 8 bits.
            out = resize(seq, (FRAMES,) + seq.shape[1:], order=3, mode="edge")
            out = np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)
            for k in range(FRAMES):
                Image.fromarray(out[k]).save(os.path.join(tmp, split, "images", f"image_s{i}_i{k}.png"))
            for sub in os.listdir(os.path.join(src, split)):
                label = os.path.join(src, split, sub, f"label_s{n}.png")
                if sub != "images" and os.path.isfile(label):
                    os.makedirs(os.path.join(tmp, split, sub), exist_ok=True)
                    shutil.copyfile(label, os.path.join(tmp, split, sub, f"label_s{i}.png"))
    with open(os.path.join(tmp, CONVERTED_MARK), "w") as f:
        json.dump({"source": os.path.abspath(src), "frames": FRAMES, "ids": ids}, f)
    shutil.rmtree(dst, ignore_errors=True)
    os.rename(tmp, dst)


# ------------------------------------------------------------------------------------------------ 2. the patches


def export_official(official, dst):
    """A fresh copy of the checkout with the two source transforms (README: S1, S2)."""
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(official, dst, ignore=shutil.ignore_patterns(".git"))
    path = os.path.join(dst, "semi_supervised_segmentation", "inference.py")
    text = open(path).read()
    for old, new in (("H,W = 800,800", "H,W = self.test_loader.dataset.images[0].shape[1:]"),
                     ("num_data = 60", "num_data = len(self.test_loader.dataset.images)")):
        if text.count(old) != 1:
            raise SystemExit(f"{path}: expected one '{old}' (a different release?)")
        text = text.replace(old, new)
    open(path, "w").write(text)


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


class CfgNode(dict):
    """A stand-in for yacs.config.CfgNode (not in Debian): attribute access, freeze, clone and merges (README: M3)."""

    def __init__(self, init=None):
        super().__init__()
        object.__setattr__(self, "_frozen", False)
        for k, v in (init or {}).items():
            self[k] = CfgNode(v) if isinstance(v, dict) and not isinstance(v, CfgNode) else v

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)

    def __setattr__(self, name, value):
        if self._frozen:
            raise AttributeError(f"frozen config: cannot set {name}")
        self[name] = value

    def _set_frozen(self, frozen):
        object.__setattr__(self, "_frozen", frozen)
        for v in self.values():
            if isinstance(v, CfgNode):
                v._set_frozen(frozen)

    def freeze(self):
        self._set_frozen(True)

    def defrost(self):
        self._set_frozen(False)

    def is_frozen(self):
        return self._frozen

    def clone(self):
        return copy.deepcopy(self)

    def __deepcopy__(self, memo):
        out = CfgNode({k: copy.deepcopy(v, memo) for k, v in self.items()})
        out._set_frozen(self._frozen)
        return out

    def __reduce__(self):
        return (CfgNode, (dict(self),))

    def _merge(self, key, value):
        node, parts = self, key.split(".")
        for p in parts[:-1]:
            node = node[p]
        if parts[-1] not in node:
            raise KeyError(f"non-existent config key: {key}")
        old = node[parts[-1]]
        if isinstance(value, str):
            try:
                value = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                pass
        if isinstance(old, tuple) and isinstance(value, list):
            value = tuple(value)
        elif isinstance(old, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif old is not None and not isinstance(value, type(old)):
            raise ValueError(f"config key {key}: {value!r} is not of type {type(old).__name__}")
        dict.__setitem__(node, parts[-1], value)

    def merge_from_list(self, items):
        if len(items) % 2:
            raise ValueError("merge_from_list needs KEY VALUE pairs")
        for k, v in zip(items[0::2], items[1::2]):
            self._merge(k, v)

    def merge_from_file(self, path):
        import yaml

        def flat(prefix, d):
            for k, v in d.items():
                if isinstance(v, dict):
                    yield from flat(prefix + k + ".", v)
                else:
                    yield prefix + k, v

        with open(path) as f:
            for k, v in flat("", yaml.safe_load(f) or {}):
                self._merge(k, v)


class CosineLRScheduler:
    """timm.scheduler.cosine_lr.CosineLRScheduler for the arguments build_scheduler passes (README: M4): t counted in
    updates, linear warm-up from warmup_lr_init over warmup_t (set on construction), then lr_min + (base - lr_min)
    (1 + cos(pi t / t_initial)) / 2 with t not shifted by the warm-up, and lr_min from t_initial on (one cycle)."""

    def __init__(self, optimizer, t_initial, lr_min=0.0, warmup_t=0, warmup_lr_init=0.0, cycle_mul=1.0,
                 cycle_limit=1, t_in_epochs=True, **_):
        import math

        self.math = math
        if cycle_mul != 1.0 or cycle_limit != 1 or t_in_epochs:
            raise NotImplementedError("only the arguments of the release's build_scheduler")
        self.optimizer, self.t_initial, self.lr_min = optimizer, t_initial, lr_min
        self.warmup_t, self.warmup_lr_init = warmup_t, warmup_lr_init
        for g in optimizer.param_groups:
            g.setdefault("initial_lr", g["lr"])
        self.base = [g["initial_lr"] for g in optimizer.param_groups]
        if warmup_t:
            self.warmup_steps = [(v - warmup_lr_init) / warmup_t for v in self.base]
            self._set([warmup_lr_init] * len(self.base))

    def _set(self, lrs):
        for g, lr in zip(self.optimizer.param_groups, lrs):
            g["lr"] = lr

    def lr_at(self, t):
        if t < self.warmup_t:
            return [self.warmup_lr_init + t * s for s in self.warmup_steps]
        if t >= self.t_initial:
            return [self.lr_min for _ in self.base]
        c = 1 + self.math.cos(self.math.pi * t / self.t_initial)
        return [self.lr_min + 0.5 * (v - self.lr_min) * c for v in self.base]

    def step_update(self, num_updates, metric=None):
        self._set(self.lr_at(num_updates))

    def step(self, epoch, metric=None):
        pass


def install_stand_ins():
    """Modules the release imports that Debian does not package (README: M2-M6)."""

    class Run:
        def log(self, *a, **k):
            pass

    module("wandb", init=lambda *a, **k: Run(), log=lambda *a, **k: None, finish=lambda *a, **k: None)
    module("yacs")
    CfgNode.__module__ = "yacs.config"  # checkpoints pickle the config: name the module that holds the class
    module("yacs.config", CfgNode=CfgNode)
    module("timm")
    module("timm.scheduler")

    class Scheduler:
        def __init__(self, *a, **k):
            raise NotImplementedError("timm's Scheduler base: only CosineLRScheduler is provided")

    class StepLRScheduler(Scheduler):
        pass

    module("timm.scheduler.cosine_lr", CosineLRScheduler=CosineLRScheduler)
    module("timm.scheduler.step_lr", StepLRScheduler=StepLRScheduler)
    module("timm.scheduler.scheduler", Scheduler=Scheduler)
    module("prefetch_generator", BackgroundGenerator=lambda it, *a, **k: iter(it))

    def cldice(*a, **k):
        raise NotImplementedError("utils/cldice.py is not in the release; training never asks for clDice")

    module("utils.cldice", clDice=cldice)
    import pickle

    def maybe_mkdir_p(d):
        os.makedirs(d, exist_ok=True)

    def subfiles(folder, join=True, prefix=None, suffix=None, sort=True):
        names = [n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n))
                 and (prefix is None or n.startswith(prefix)) and (suffix is None or n.endswith(suffix))]
        names = sorted(names) if sort else names
        return [os.path.join(folder, n) for n in names] if join else names

    def load_pickle(path, mode="rb"):
        with open(path, mode) as f:
            return pickle.load(f)

    def save_pickle(obj, path, mode="wb"):
        with open(path, mode) as f:
            pickle.dump(obj, f)

    module("batchgenerators")
    module("batchgenerators.utilities")
    module("batchgenerators.utilities.file_and_folder_operations", os=os, join=os.path.join,
           isfile=os.path.isfile, isdir=os.path.isdir, listdir=os.listdir, maybe_mkdir_p=maybe_mkdir_p,
           subfiles=subfiles, load_pickle=load_pickle, save_pickle=save_pickle, pickle=pickle)


def patch_torch_for_cpu(torch):
    """README: C1-C3. The scripts move every tensor and model with .cuda() and pick a device."""
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    torch.cuda.set_device = lambda *a, **k: None


def patch_after_import(official, model_type, model_options):
    """README: M1, L1, L2, B3 — patches of already imported release modules."""
    import models
    import utils.metrics

    cls = getattr(models, model_type)

    def build(**kwargs):
        return cls(**{**kwargs, **model_options})

    build.__name__ = model_type
    setattr(models, model_type, build)
    # L1: the trainers read AverageMeter.average; the released AverageMeter has .mean.
    utils.metrics.AverageMeter.average = property(lambda self: self.mean)


def alias_metric_methods(cls):
    """L2: SSCR's and SSL's trainers call _metrics_update/_metrics_ave but define _update_metrics/_get_metrics_mean."""
    for missing, present in (("_metrics_update", "_update_metrics"), ("_metrics_ave", "_get_metrics_mean")):
        if not hasattr(cls, missing) and hasattr(cls, present):
            setattr(cls, missing, getattr(cls, present))


# ------------------------------------------------------------------------------------------------ 3. the run folder

DTYPES = {"float32": "F32", "float64": "F64", "int64": "I64", "float16": "F16", "int32": "I32", "uint8": "U8"}


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        a = tensors[name]
        data = a.tobytes()
        header[name] = {"dtype": DTYPES[str(a.dtype)], "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def write_weights(run_dir, state_dict, model, options, epoch):
    import numpy as np

    tensors = {k.replace("module.", ""): np.array(v.detach().cpu().numpy(), order="C") for k, v in state_dict.items()}
    meta = {"dias_model": model, "dias_model_options": json.dumps(options), "dias_frames": str(FRAMES),
            "dias_normalization": "zscore-per-sequence", "epoch": str(epoch), "dias_source": "released-code"}
    os.makedirs(run_dir, exist_ok=True)
    for which in ("best", "final"):  # the released tester loads the final checkpoint: best is the same file
        write_safetensors(os.path.join(run_dir, f"checkpoint_{which}.safetensors"), tensors, meta)


def write_config(run_dir, a, recipe, extra=None):
    config = {
        "model": {"name": a.model, "options": a.options_full},
        "data": {"dir": os.path.abspath(a.converted), "frames": FRAMES},
        "train": {"recipe": recipe, "epochs": a.epochs, "patchesPerEpoch": a.patches, "batchSize": a.batch,
                  "seed": a.seed},
        "scheduler": {"warmupEpochs": a.warmup_epochs},
    }
    for k, v in (extra or {}).items():
        config.setdefault(k, {}).update(v)
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


# ------------------------------------------------------------------------------------------------ main


def script_argv(a, folder):
    d = os.path.abspath(a.converted)
    opts = [
        "SEED", str(a.seed), "TRAIN.EPOCHS", str(a.epochs), "DATASET.NUM_EACH_EPOCH", str(a.patches),
        "TRAIN.WARMUP_EPOCHS", str(a.warmup_epochs), "DATALOADER.NUM_WORKERS", "0", "DATALOADER.PIN_MEMORY", "False",
        "SAVE_DIR", os.path.join(a.work, "save_pth"),
        "DATASET.TRAIN_IMAGE_PATH", f"{d}/training/images",
        "DATASET.VAL_IMAGE_PATH", f"{d}/validation/images", "DATASET.VAL_LABEL_PATH", f"{d}/validation/labels",
        "DATASET.TEST_IMAGE_PATH", f"{d}/test/images", "DATASET.TEST_LABEL_PATH", f"{d}/test/labels",
    ]
    argv = ["-mt", a.model, "-bs", str(a.batch), "-wm", "offline"]
    if folder == "weak_supervised_segmentation":
        opts += ["DATASET.SCRIBBLE_LABEL_PATH", f"{d}/training/{a.scribbles}",
                 "DATASET.MANUAL_LABEL_PATH", f"{d}/training/labels"]
        argv += ["-st", "scribble"]
    else:
        n_unlabelled = len([n for n in os.listdir(f"{d}/unlabeled/images") if n.endswith(".png")]) // FRAMES
        opts += ["DATASET.TRAIN_LABEL_PATH", f"{d}/training/labels", "DATASET.UNLABEL_IMAGE_PATH",
                 f"{d}/unlabeled/images", "ITE", str(a.iterations)]
        argv += ["-nl", str(a.labelled), "-nu", str(n_unlabelled)]
    return argv + a.script_args + ["--opts"] + opts + a.opts


def run(a):
    t0 = time.time()
    folder, file, recipe = SCRIPTS[a.script]
    a.converted = os.path.join(a.work, "data")
    convert_dataset(a.data, a.converted)
    official = os.path.join(a.work, "official")
    export_official(a.official, official)
    save = os.path.join(a.work, "save_pth")
    shutil.rmtree(save, ignore_errors=True)

    install_stand_ins()
    import torch

    torch.set_num_threads(a.threads)
    patch_torch_for_cpu(torch)
    script_dir = os.path.join(official, folder)
    sys.path[:0] = [script_dir, official]
    import runpy

    argv = [os.path.join(script_dir, file)] + script_argv(a, folder)
    print("released:", folder + "/" + file, " ".join(argv[1:]), flush=True)
    sys.argv = argv
    cwd = os.getcwd()
    os.chdir(a.work)  # relative paths the scripts write (SSL's pseudo_label/) land in --work
    try:
        g = runpy.run_path(argv[0], run_name="released_script")  # defines everything; main() is called below
        patch_after_import(official, a.model, a.model_options)
        for cls in (g.get("Trainer"), getattr(sys.modules.get("ssl_trainer"), "SSL_Trainer", None),
                    getattr(sys.modules.get("trainer"), "Trainer", None)):
            if cls is not None:
                alias_metric_methods(cls)
        _, config = g["parse_option"]()
        g["main"](config)
    finally:
        os.chdir(cwd)
        sys.argv = [sys.argv[0]]
    train_s = time.time() - t0

    # The checkpoint(s): save_pth/<experiment>/final_checkpoint.pth (SSL: .../ite_{k}_{teacher,student}/).
    found = sorted(glob.glob(os.path.join(save, "**", "final_checkpoint.pth"), recursive=True))
    if not found:
        raise SystemExit(f"no final_checkpoint.pth under {save}")
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    if a.script == "ssl":
        stages = {}
        for path in found:
            m = re.search(r"ite_(\d+)_(teacher|student)", path)
            stages[0 if m[2] == "teacher" else int(m[1])] = path
        for k, path in sorted(stages.items()):
            ck = torch.load(path, map_location="cpu")
            write_weights(os.path.join(a.out, f"iter{k}"), ck["state_dict"], a.model, a.options_full, ck["epoch"])
        write_config(a.out, a, "rpst", {"data": {"labelled": a.labelled},
                                        "rpst": {"iterations": a.iterations, "strongAugment": "fsl"}})
    else:
        ck = torch.load(found[-1], map_location="cpu")
        key = "state_dict1" if "state_dict1" in ck else "state_dict"
        write_weights(a.out, ck[key], a.model, a.options_full, ck["epoch"])
        if "state_dict2" in ck:
            write_weights(os.path.join(a.out, "network_B"), ck["state_dict2"], a.model, a.options_full, ck["epoch"])
        write_config(a.out, a, recipe, {"data": {"scribbles": a.scribbles}})
    with open(os.path.join(a.out, "released.json"), "w") as f:
        json.dump({"script": f"{folder}/{file}", "argv": argv[1:], "checkpoints": found,
                   "train_seconds": round(train_s, 1), "torch": torch.__version__, "threads": a.threads}, f, indent=2)
    print(json.dumps({"out": a.out, "train_seconds": round(train_s, 1)}))


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--official", required=True, help="checkout of lseventeen/DIAS (read only; copied to --work)")
    p.add_argument("--script", choices=sorted(SCRIPTS), default="sscr")
    p.add_argument("--data", help="DIAS-TS dataset (dias synth)")
    p.add_argument("--work", default="/tmp/dias-released-work", help="scratch folder (converted data, export)")
    p.add_argument("--out", help="run folder to write (replaced)")
    p.add_argument("--model", default="FR_UNet")
    p.add_argument("--model-options", default="{}", help="JSON constructor options added to the release's")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--patches", type=int, default=256, help="DATASET.NUM_EACH_EPOCH")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--warmup-epochs", type=int, default=0)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--scribbles", default="scribbles", help="folder under training/ (weak scripts)")
    p.add_argument("--labelled", type=int, default=1, help="ssl: -nl")
    p.add_argument("--iterations", type=int, default=1, help="ssl: ITE (students)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--opts", nargs="*", default=[], help="more KEY VALUE config pairs for the script")
    p.add_argument("--script-arg", dest="script_args", action="append", default=[],
                   help="one more argument for the script's own parser (repeatable), e.g. --script-arg=-plw")
    p.add_argument("--self-check", action="store_true", help="every step on a tiny budget; checks the run folder")
    a = p.parse_args(argv)
    a.model_options = json.loads(a.model_options)
    # Everything the release's build_wsl_model/build_model passes, for the weights' metadata.
    weak = SCRIPTS[a.script][0] == "weak_supervised_segmentation"
    a.options_full = {"num_classes": 3 if weak and a.model != "UNet_CCT" else 2, "num_channels": FRAMES,
                      **a.model_options}
    return a


def self_check(a):
    import tempfile

    base = tempfile.mkdtemp(prefix="released-self-check-")
    data = a.data or os.path.join(base, "data")
    if not a.data:
        subprocess.run(["npx", "dias", "synth", "--out", data, "--preset", "small", "--training", "2",
                        "--validation", "1", "--test", "1", "--unlabelled", "1", "--size", "64"], check=True)
    for script in ("pcedice", "sscr", "ssl"):
        out = os.path.join(base, script)
        cmd = [sys.executable, __file__, "--official", a.official, "--script", script, "--data", data,
               "--work", os.path.join(base, "work-" + script), "--out", out, "--model", "FR_UNet",
               "--model-options", '{"feature_scale":16}', "--epochs", "1", "--patches", "2", "--batch", "2"]
        subprocess.run(cmd, check=True)
        weights = os.path.join(out, "iter1" if script == "ssl" else "", "checkpoint_final.safetensors")
        assert os.path.isfile(weights) and os.path.isfile(os.path.join(out, "config.json")), out
        print(f"self-check {script}: ok ({weights})", flush=True)
    shutil.rmtree(base)


if __name__ == "__main__":
    args = parse()
    if args.self_check:
        self_check(args)
    else:
        if not (args.data and args.out):
            raise SystemExit("--data and --out are required (or --self-check)")
        run(args)
