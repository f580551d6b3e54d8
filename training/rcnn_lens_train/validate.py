"""Check a model file against the RCNN Lens contract in the extension's words.

    python3 -m training.validate MODEL.onnx [--producer]      (from a checkout)
    python3 -m rcnn_lens_train.validate MODEL.onnx            (after pip install ./training)

Exit 0 when the extension will load it, 1 when it will not (every problem is listed), 2 for usage errors.
--producer also applies the exporter's stricter check (contract.py: model card keys, name, color, layers).
"""
from __future__ import annotations

import argparse
import json
import sys

from .extension_contract import check_model, missing_views, report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m training.validate", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--producer", action="store_true", help="also what training's exporter always writes")
    ap.add_argument("--no-run", action="store_true", help="skip the batch-1 warm-up run in onnxruntime")
    a = ap.parse_args(argv)
    problems, info = check_model(a.model, run=not a.no_run)
    if a.producer and not problems:
        from .contract import validate_model

        problems = [("exporter", msg) for msg in validate_model(a.model, producer=True)]
    if problems:
        print(report(a.model, problems))
        return 1
    k, (m, n) = len(info["labels"]), info["grid"]
    c, h, w = info["chw"]
    print(f"{a.model} follows the RCNN Lens model contract v1: {info['name'] or 'unnamed'}, {k} labels, "
          f"input {c}×{h}×{w}, grid {m}×{n} ({m * n} timesteps, {info['scan_order']}), head {info['head']}")
    print(f"  labels: {json.dumps(info['labels'], ensure_ascii=False)}")
    views = missing_views(info["outputs"])
    if views:
        print("  the panel cannot show: " + "; ".join(views))
    return 0


if __name__ == "__main__":
    sys.exit(main())
