#!/usr/bin/env python3
"""The Python baseline for scripts/bench-label.mjs: what an ML engineer would write to label a
folder with the same ONNX model. Pillow decode + resize (shorter side to the input size, centre
crop, per the model's metadata), numpy normalisation, onnxruntime on the CPU, batch 64,
results as JSON lines. Prints one JSON summary line on stdout.

usage: bench_label_baseline.py FOLDER --model MODEL [--batch 64] [--out FILE]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

EXTS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--out", default=os.devnull)
    args = ap.parse_args()
    t0 = time.perf_counter()

    sess = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    meta = sess.get_modelmeta().custom_metadata_map
    labels = json.loads(meta["rcnn_lens.labels"])
    spec = json.loads(meta["rcnn_lens.input"])
    pre = json.loads(meta["rcnn_lens.preprocess"])
    h, w = spec["height"], spec["width"]
    mean = np.array(pre["mean"], dtype=np.float32).reshape(-1, 1, 1)
    std = np.array(pre["std"], dtype=np.float32).reshape(-1, 1, 1)
    input_name = sess.get_inputs()[0].name

    files = []
    for root, _dirs, names in os.walk(args.folder, followlinks=False):
        for n in names:
            if os.path.splitext(n)[1].lower() in EXTS:
                files.append(os.path.join(root, n))
    files.sort()

    def load(path: str) -> np.ndarray:
        img = Image.open(path).convert("RGB")
        s = max(w / img.width, h / img.height)
        img = img.resize((max(w, round(img.width * s)), max(h, round(img.height * s))), Image.BILINEAR)
        left, top = (img.width - w) // 2, (img.height - h) // 2
        img = img.crop((left, top, left + w, top + h))
        x = np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / 255.0
        return (x - mean) / std

    t_start = time.perf_counter()
    n_ok = n_err = 0
    with open(args.out, "w") as out:
        for i in range(0, len(files), args.batch):
            chunk = files[i : i + args.batch]
            arrays, names = [], []
            for f in chunk:
                try:
                    arrays.append(load(f))
                    names.append(f)
                except Exception as e:  # noqa: BLE001
                    n_err += 1
                    out.write(json.dumps({"path": os.path.relpath(f, args.folder), "error": str(e)}) + "\n")
            if not arrays:
                continue
            feeds = {input_name: np.stack(arrays)}
            for extra in sess.get_inputs()[1:]:  # contract v2 step_mask: all ones = read every step
                feeds[extra.name] = np.ones((len(arrays), extra.shape[1]), np.float32)
            logits = sess.run(["logits"], feeds)[0]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)
            for f, p in zip(names, probs):
                top = np.argsort(-p)[:5]
                out.write(json.dumps({"path": os.path.relpath(f, args.folder), "label": labels[top[0]], "score": float(p[top[0]]),
                                      "topk": [{"label": labels[j], "score": float(p[j])} for j in top]}) + "\n")
                n_ok += 1
    t_end = time.perf_counter()
    print(json.dumps({"images": len(files), "labeled": n_ok, "errors": n_err, "seconds": t_end - t0,
                      "label_seconds": t_end - t_start, "images_per_second": len(files) / (t_end - t0),
                      "label_images_per_second": len(files) / (t_end - t_start)}))


if __name__ == "__main__":
    sys.exit(main())
