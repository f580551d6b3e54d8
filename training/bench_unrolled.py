"""Speed of the unrolled RNN export against the native GRU operator, for the bundled model's architecture.

    python3 -m training.bench_unrolled [--out /tmp/rcnn-unrolled] [--batches 1,64] [--runs 5] [--providers cpu,webgpu]

Exports the default architecture (random weights: speed does not depend on them) both ways, then runs
scripts/bench-providers.mjs (onnxruntime-node, the extension's runtime) on each file and prints one
markdown table. WebGPU needs a Vulkan driver (on a machine without a GPU: VK_ICD_FILENAMES pointing at
SwiftShader, which measures correctness, not speed).
"""
from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import torch

from .rcnn_lens_train.config import ModelConfig
from .rcnn_lens_train.export import export_onnx
from .rcnn_lens_train.model import RCNN
from .rcnn_lens_train.unrolled_rnn import unroll_rnn

REPO = Path(__file__).resolve().parent.parent


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m training.bench_unrolled", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="/tmp/rcnn-unrolled")
    p.add_argument("--batches", default="1,64")
    p.add_argument("--runs", default="5")
    p.add_argument("--providers", default="cpu,webgpu")
    a = p.parse_args(argv)
    out = Path(a.out)
    torch.manual_seed(0)
    model = RCNN(ModelConfig(num_classes=10)).eval()
    labels = [f"c{i}" for i in range(10)]
    files = {"native GRU op": export_onnx(model, out / "native.onnx", labels, "bench", card={})}
    files["unrolled"] = export_onnx(unroll_rnn(model), out / "unrolled.onnx", labels, "bench", card={})
    rows = []
    for form, f in files.items():
        r = subprocess.run(["node", str(REPO / "scripts" / "bench-providers.mjs"), "--model", str(f), "--providers",
                            a.providers, "--batches", a.batches, "--runs", a.runs, "--json"],
                           capture_output=True, text=True, check=True)
        for provider, by_batch in json.loads(r.stdout).items():
            if "error" in by_batch:
                rows.append((form, provider, "-", float("nan"), float("nan"), f.stat().st_size / 1e6))
                print(f"{form} on {provider}: {by_batch['error']}")
                continue
            for b, v in by_batch.items():
                rows.append((form, provider, b, v["ms"], v["imgPerSec"], f.stat().st_size / 1e6))
    print("| graph | provider | batch | ms per run (median) | images/s | file MB |")
    print("|---|---|---|---|---|---|")
    for form, provider, b, ms, ips, mb in rows:
        print(f"| {form} | {provider} | {b} | {ms:.1f} | {ips:.0f} | {mb:.1f} |")


if __name__ == "__main__":
    main()
