"""Benchmark an RCNN Lens ONNX model with onnxruntime (CPU).

    python3 training/bench_ort.py media/models/rcnn-cifar10.onnx [--threads 2] [--batches 1,16,64,128,256]

Prints images/s for each batch size and the median single-image latency (all outputs computed).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def session(path: str, threads: int) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def bench(path: str, threads: int = 2, batches=(1, 16, 64, 128, 256), seconds: float = 3.0,
          outputs: list[str] | None = None) -> dict:
    s = session(path, threads)
    inp = next(i for i in s.get_inputs() if i.name != "step_mask")
    mask = next((i for i in s.get_inputs() if i.name == "step_mask"), None)  # contract v2: all ones = read every step
    c, h, w = inp.shape[1:]
    rng = np.random.default_rng(0)
    res = {"model": path, "threads": threads, "outputs": outputs or [o.name for o in s.get_outputs()], "batches": {}}
    for b in batches:
        x = rng.standard_normal((b, c, h, w), dtype=np.float32)
        feeds = {inp.name: x, **({mask.name: np.ones((b, mask.shape[1]), np.float32)} if mask is not None else {})}
        for _ in range(3):
            s.run(outputs, feeds)
        times = []
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end or len(times) < 5:
            t = time.perf_counter()
            s.run(outputs, feeds)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        res["batches"][b] = {"images_per_s": round(b / med, 1), "median_ms": round(med * 1000, 3), "runs": len(times)}
    if 1 in res["batches"]:
        res["single_image_ms"] = res["batches"][1]["median_ms"]
    best = max(res["batches"].items(), key=lambda kv: kv[1]["images_per_s"])
    res["best_batch"], res["best_images_per_s"] = best[0], best[1]["images_per_s"]
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batches", default="1,16,64,128,256")
    p.add_argument("--seconds", type=float, default=3.0, help="time per batch size")
    p.add_argument("--logits-only", action="store_true", help="fetch only the logits output")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    try:
        batches = [int(b) for b in a.batches.split(",")]
    except ValueError:
        p.error("--batches must be comma-separated integers")
    r = bench(a.model, a.threads, batches, a.seconds, ["logits"] if a.logits_only else None)
    if a.json:
        print(json.dumps(r, indent=1))
        return
    print(f"{a.model}  (onnxruntime {ort.__version__}, CPU, {a.threads} threads, outputs: {', '.join(r['outputs'])})")
    for b, v in r["batches"].items():
        print(f"  batch {b:4d}: {v['images_per_s']:9.1f} images/s   {v['median_ms']:8.2f} ms/batch")
    if "single_image_ms" in r:
        print(f"  single image latency (median): {r['single_image_ms']:.2f} ms")
    print(f"  best: {r['best_images_per_s']:.1f} images/s at batch {r['best_batch']}")


if __name__ == "__main__":
    sys.exit(main())
