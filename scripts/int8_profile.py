"""Where an RCNN Lens model spends its time on the CPU, per operator type (onnxruntime's profiler),
for the fp32 model and its int8 variant side by side: how much a quantized GRU/LSTM could still save.

    python3 scripts/int8_profile.py media/models/rcnn-cifar10.onnx [--batch 64] [--runs 30] [--threads 2]

Prints a table of milliseconds per batch and share of the run by operator type (fused kernels keep
onnxruntime's names, e.g. QLinearConv / FusedConv), and the images/s of each model.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort


def profile(model: Path, batch: int, runs: int, threads: int) -> tuple[dict[str, float], float]:
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
    so.enable_profiling = True
    so.profile_file_prefix = os.path.join(tempfile.mkdtemp(prefix="rl-prof-"), "p")
    s = ort.InferenceSession(str(model), so, providers=["CPUExecutionProvider"])
    c, h, w = s.get_inputs()[0].shape[1:]
    x = np.random.default_rng(0).standard_normal((batch, c, h, w), dtype=np.float32)
    feeds = {s.get_inputs()[0].name: x}
    for i in s.get_inputs()[1:]:  # contract v2 step_mask: all ones = read every step
        feeds[i.name] = np.ones((batch, i.shape[1]), np.float32)
    for _ in range(3):
        s.run(None, feeds)
    t = time.perf_counter()
    for _ in range(runs):
        s.run(None, feeds)
    ips = batch * runs / (time.perf_counter() - t)
    events = json.loads(Path(s.end_profiling()).read_text())
    by_op: dict[str, float] = collections.defaultdict(float)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            by_op[e["args"]["op_name"]] += e["dur"] / 1000.0
    # the profile includes the warm-up runs: per batch
    return {k: v / (runs + 3) for k, v in by_op.items()}, ips


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    fp32 = Path(a.model)
    int8 = fp32.with_name(fp32.name[:-5] + ".int8.onnx")
    rows = {}
    for label, m in (("fp32", fp32), ("int8", int8)):
        ops, ips = profile(m, a.batch, a.runs, a.threads)
        rows[label] = (ops, ips)
        print(f"{label}: {ips:.0f} img/s (batch {a.batch}, {a.threads} threads, profiling on)")
    print(f"\n| operator | fp32 ms/batch | fp32 share | int8 ms/batch | int8 share |\n|---|---|---|---|---|")
    total = {k: sum(v[0].values()) for k, v in rows.items()}
    ops = sorted(set(rows["fp32"][0]) | set(rows["int8"][0]), key=lambda o: -(rows["int8"][0].get(o, 0)))
    for o in ops:
        cells = []
        for k in ("fp32", "int8"):
            v = rows[k][0].get(o)
            cells += ["—", "—"] if v is None else [f"{v:.2f}", f"{100 * v / total[k]:.1f}%"]
        print(f"| {o} | " + " | ".join(cells) + " |")
    print(f"| total | {total['fp32']:.2f} | 100% | {total['int8']:.2f} | 100% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
