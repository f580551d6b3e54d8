"""Run several training recipes side by side and tabulate their validation accuracy.

Meant for a machine with a GPU (or many cores): each run is its own `python3 -m training.train`
process with one CPU thread, so a dozen small runs share one GPU. The plan is a JSON file:

    {"common": ["--epochs", "40", "--time-budget", "0"],
     "runs": {"base": [], "ema": ["--ema", "0.998"], "wide": ["--widths", "64,256,256"]}}

`python3 -m training.sweep plan.json --out DIR [--parallel N]` writes DIR/<run>.log per run and
DIR/summary.md + DIR/summary.json (last epoch's accuracy, best epoch, epochs done, minutes).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .errors import UserError, run_cli

EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+) .*?val_acc ([0-9.]+)(?: \(raw weights ([0-9.]+)\))? \((\d+)s, total ([0-9.]+) min\)")
TTA_LINE = re.compile(r"flip-TTA .*: ([0-9.]+)")


def read_plan(path: str) -> tuple[list[str], dict[str, list[str]]]:
    try:
        plan = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UserError(f"sweep plan not found: {path}") from None
    except json.JSONDecodeError as e:
        raise UserError(f"sweep plan {path} is not valid JSON: {e}") from None
    runs = plan.get("runs") if isinstance(plan, dict) else None
    if not isinstance(runs, dict) or not runs:
        raise UserError(f"sweep plan {path} needs a non-empty 'runs' object: name -> list of train flags")
    common = plan.get("common", [])
    for name, flags in [("common", common), *runs.items()]:
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            raise UserError(f"sweep plan {path}: {name!r} must be a list of strings (command-line flags)")
        if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
            raise UserError(f"sweep plan {path}: run name {name!r} may only hold letters, digits, '.', '_', '-'")
    return common, runs


def summarise_log(text: str) -> dict:
    epochs = [m for m in (EPOCH_LINE.match(line) for line in text.splitlines()) if m]
    tta = TTA_LINE.search(text)
    if not epochs:
        return {"epochs": 0}
    accs = [float(m.group(3)) for m in epochs]
    last = epochs[-1]
    return {"epochs": int(last.group(1)), "of": int(last.group(2)), "val_acc": accs[-1],
            "val_acc_raw_weights": float(last.group(4)) if last.group(4) else None,
            "best_val_acc": max(accs), "minutes": float(last.group(6)),
            "val_acc_tta": float(tta.group(1)) if tta else None}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m training.sweep", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plan")
    p.add_argument("--out", required=True, help="folder for the runs' checkpoints, logs and the summary")
    p.add_argument("--parallel", type=int, default=os.cpu_count() or 1)
    a = p.parse_args(argv)
    common, runs = read_plan(a.plan)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    pending = list(runs.items())
    active: dict[str, tuple[subprocess.Popen, float]] = {}
    started = time.time()
    codes: dict[str, int] = {}
    while pending or active:
        while pending and len(active) < max(1, a.parallel):
            name, flags = pending.pop(0)
            cmd = [sys.executable, "-m", "training.train", "--name", name, "--out-dir", str(out), "--threads", "1",
                   *common, *flags]
            log = open(out / f"{name}.log", "w")
            log.write(" ".join(cmd) + "\n")
            log.flush()
            active[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env), time.time())
        time.sleep(2)
        for name, (proc, t0) in list(active.items()):
            if proc.poll() is not None:
                codes[name] = proc.returncode
                print(f"[{time.time() - started:6.0f}s] {name}: exit {proc.returncode} after {time.time() - t0:.0f}s",
                      flush=True)
                del active[name]
    rows = {}
    for name, flags in runs.items():
        rows[name] = {"flags": " ".join(flags), "exit": codes.get(name),
                      **summarise_log((out / f"{name}.log").read_text())}
    (out / "summary.json").write_text(json.dumps(rows, indent=1))
    lines = ["| run | flags | val acc (last) | raw weights | best | TTA | epochs | min | exit |", "|---|---|---|---|---|---|---|---|---|"]
    fmt = lambda v: "" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)
    for name, r in sorted(rows.items(), key=lambda kv: -(kv[1].get("val_acc") or 0)):
        lines.append(f"| {name} | `{r['flags']}` | {fmt(r.get('val_acc'))} | {fmt(r.get('val_acc_raw_weights'))} | "
                     f"{fmt(r.get('best_val_acc'))} | {fmt(r.get('val_acc_tta'))} | {r.get('epochs')} | "
                     f"{fmt(r.get('minutes'))} | {r['exit']} |")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(run_cli(main))
