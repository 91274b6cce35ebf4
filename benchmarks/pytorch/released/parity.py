#!/usr/bin/env python3
"""Parity of DIAS-TS's recipes with the DIAS release's training scripts (issue 18): the same data, model, budget
and seeds on both sides, both scored by `dias test`.

Follows the official code (github lseventeen/DIAS) through run_released.py beside this file, which runs the
released scripts with the patches listed in README.md; this driver only pairs each script with the `dias train`
command it is compared with (PAIRS) and tabulates the test DSC.

    /usr/bin/python3 benchmarks/pytorch/released/parity.py --official /tmp/dias-official --data /tmp/parity-data \
        --work /tmp/parity --pairs pcedice,sscr,ssl --seeds 0,1,2
    /usr/bin/python3 benchmarks/pytorch/released/parity.py --work /tmp/parity --table     # the table again

Each run's test result is appended to WORK/results.jsonl (a run already there is skipped, so an interrupted
driver continues); --teachers tests iteration 0 of the ssl runs; --table prints mean ± std over seeds per side and the difference ours − released with its
standard error, sqrt(s_ours²/n + s_released²/n).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

# released script -> (label, dias train arguments of the row it is compared with)
PAIRS = {
    "pcedice": ("pCE + Dice", ["--recipe", "pce-dice"]),
    "sscr": ("SSCR", ["--recipe", "sscr", "--as-released"]),
    # --as-released would set pseudoLabels back to self: its other settings, one by one
    "sscr-ablation": ("SSCR, cross pseudo-labels", ["--recipe", "sscr", "--set", "sscr.pseudoLabels=cross",
                                                   "--set", "sscr.consistency=as-released",
                                                   "--set", "validation.select=final"]),
    "entropy-mini": ("entropy minimisation", ["--recipe", "entropy-min"]),
    "gated-crf": ("gated CRF", ["--recipe", "gated-crf"]),
    "dmpls": ("DMPLS (UNet_CCT)", ["--recipe", "dmpls"]),
    "ssl": ("RPST, 1 labelled", ["--recipe", "rpst", "--as-released", "--labelled", "1"]),
    # not a run of its own: the teacher (iteration 0) of each ssl run, tested by --teachers
    "ssl-teacher": ("RPST's teacher", ["--iteration", "0"]),
}


def sh(cmd, log):
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        t0 = time.time()
        r = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
        f.write(f"# rc {r.returncode}, {time.time() - t0:.1f} s\n")
    if r.returncode:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}; see {log}")
    return time.time() - t0


def test(run, a, log, extra=()):
    cmd = ["npx", "dias", "test", "--run", run, "--checkpoint", "final", "--no-tta", "--threads", str(a.threads),
           "--json", "--no-progress", *extra]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n" + out.stderr[-2000:])
    if out.returncode:
        raise SystemExit(f"dias test failed on {run}; see {log}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def done(path):
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {(r["pair"], r["side"], r["seed"]) for r in map(json.loads, f)}


def run_all(a):
    results = os.path.join(a.work, "results.jsonl")
    have = done(results)
    data = os.path.join(a.work, "released-work", "data")  # the converted copy both sides train on
    model_options = json.loads(a.model_options)
    for seed in a.seeds:
        for pair in a.pairs:
            label, ours_args = PAIRS[pair]
            model = "UNet_CCT" if pair == "dmpls" else a.model
            options = {} if pair == "dmpls" else model_options
            for side in a.sides:
                if (pair, side, seed) in have:
                    continue
                run = os.path.join(a.work, "runs", f"{side}-{pair}-s{seed}")
                log = os.path.join(a.work, "logs", f"{side}-{pair}-s{seed}.log")
                os.makedirs(os.path.dirname(log), exist_ok=True)
                if side == "released":
                    cmd = ["nice", "-n", "10", "/usr/bin/python3", os.path.join(HERE, "run_released.py"),
                           "--official", a.official, "--script", pair, "--data", a.data,
                           "--work", os.path.join(a.work, "released-work"), "--out", run, "--model", model,
                           "--model-options", json.dumps(options), "--epochs", str(a.epochs), "--patches",
                           str(a.patches), "--batch", str(a.batch), "--seed", str(seed), "--threads", str(a.threads),
                           "--opts", "TRAIN.BASE_LR", str(a.lr), "TRAIN.VAL_NUM_EPOCHS", str(a.val_every)]
                else:
                    if not os.path.isdir(data):
                        raise SystemExit(f"{data}: run a released side first (it converts the data)")
                    cmd = ["nice", "-n", "10", "npx", "dias", "train", *ours_args, "--data", data, "--model", model,
                           "--epochs", str(a.epochs), "--patches-per-epoch", str(a.patches), "--batch", str(a.batch),
                           "--warmup-epochs", "0", "--seed", str(seed), "--threads", str(a.threads), "--workers", "0",
                           "--lr", str(a.lr), "--set", f"validation.everyEpochs={a.val_every}",
                           "--out", run, "--force", "--no-progress"]
                    cmd += [x for k, v in options.items() for x in ("--model-option", f"{k}={json.dumps(v)}")]
                seconds = sh(cmd, log)
                r = test(run, a, log)
                row = {"pair": pair, "side": side, "seed": seed, "train_seconds": round(seconds, 1),
                       "mean": r["mean"], "per_case": [c.get("DSC") for c in r.get("per_case", [])],
                       "budget": {"epochs": a.epochs, "patches": a.patches, "batch": a.batch, "lr": a.lr},
                       "model": model,
                       "model_options": options, "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
                with open(results, "a") as f:
                    f.write(json.dumps(row) + "\n")
                print(f"{pair} {side} seed {seed}: DSC {r['mean']['DSC']:.4f} ({seconds:.0f} s)", flush=True)


def teachers(a):
    """Tests iteration 0 (the teacher) of every finished ssl run, as pair 'ssl-teacher'."""
    results = os.path.join(a.work, "results.jsonl")
    have = done(results)
    with open(results) as f:
        runs = [r for r in map(json.loads, f) if r["pair"] == "ssl"]
    for r in runs:
        if ("ssl-teacher", r["side"], r["seed"]) in have:
            continue
        run = os.path.join(a.work, "runs", f"{r['side']}-ssl-s{r['seed']}")
        t = test(run, a, os.path.join(a.work, "logs", f"{r['side']}-ssl-s{r['seed']}.log"), ["--iteration", "0"])
        row = {**r, "pair": "ssl-teacher", "mean": t["mean"], "per_case": [c.get("DSC") for c in t.get("per_case", [])]}
        with open(results, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(f"ssl-teacher {r['side']} seed {r['seed']}: DSC {t['mean']['DSC']:.4f}", flush=True)


def stats(xs):
    n = len(xs)
    m = sum(xs) / n
    s = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else float("nan")
    return m, s, n


def table(a, metrics=("DSC", "Sen", "clDice")):
    rows = {}
    with open(os.path.join(a.work, "results.jsonl")) as f:
        for r in map(json.loads, f):
            rows.setdefault(r["pair"], {}).setdefault(r["side"], {})[r["seed"]] = r
    print("| released script | DIAS-TS | seeds | metric | released | DIAS-TS | DIAS-TS − released (± s.e.) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for pair in PAIRS:
        if pair not in rows or len(rows[pair]) < 2:
            continue
        rel, ours = rows[pair]["released"], rows[pair]["ours"]
        seeds = sorted(set(rel) & set(ours))
        for i, metric in enumerate(metrics):
            mr, sr, n = stats([rel[s]["mean"][metric] for s in seeds])
            mo, so, _ = stats([ours[s]["mean"][metric] for s in seeds])
            se = math.sqrt(sr**2 / n + so**2 / n)
            head = (f"`{pair}`", "`" + " ".join(PAIRS[pair][1]) + "`", ",".join(map(str, seeds))) if i == 0 else ("", "", "")
            print(f"| {head[0]} | {head[1]} | {head[2]} | {metric} | {mr:.3f} ± {sr:.3f} | {mo:.3f} ± {so:.3f} | "
                  f"{mo - mr:+.3f} ± {se:.3f} |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--official", help="checkout of lseventeen/DIAS")
    p.add_argument("--data", help="DIAS-TS dataset (dias synth --preset small)")
    p.add_argument("--work", required=True, help="runs, logs, converted data and results.jsonl")
    p.add_argument("--pairs", default="pcedice,sscr,ssl")
    p.add_argument("--sides", default="released,ours")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--model", default="FR_UNet")
    p.add_argument("--model-options", default='{"feature_scale":16}')
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--patches", type=int, default=256)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate, both sides (released 5e-4)")
    p.add_argument("--val-every", type=int, default=4, help="validate every N epochs, both sides (tested: final)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--table", action="store_true", help="only print the table of WORK/results.jsonl")
    p.add_argument("--teachers", action="store_true", help="only test the teachers of the finished ssl runs")
    a = p.parse_args()
    if a.table:
        return table(a)
    if a.teachers:
        teachers(a)
        return table(a)
    if not (a.official and a.data):
        raise SystemExit("--official and --data are required to run")
    a.pairs = [x for x in a.pairs.split(",") if x]
    unknown = [x for x in a.pairs if x not in PAIRS or x == "ssl-teacher"]
    if unknown:
        raise SystemExit(f"unknown pair(s) {unknown}; known: {', '.join(PAIRS)}")
    a.sides = a.sides.split(",")
    a.seeds = [int(s) for s in a.seeds.split(",")]
    run_all(a)
    table(a)


if __name__ == "__main__":
    sys.exit(main())
