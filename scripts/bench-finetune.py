#!/usr/bin/env python3
"""The fine-tuning goal of issue 19: animals vs vehicles from CIFAR-10, 500 training images per class,
fine-tuned from the bundled model vs trained from scratch with the same time budget, each measured on
1,000 other images (onnxruntime, the written .onnx file).

    python3 scripts/bench-finetune.py [--archive ../shared/datasets/cifar10-train-jpeg.tar.gz]
        [--minutes 4] [--runs finetune,scratch] [--work /tmp/bench-finetune]

All images come from the bundled model's held-out validation split (5,000 images, split seed 0, never
trained on): 1,000 form the training folder (500 animals, 500 vehicles, as PNG files holding the decoded
32x32 pixels), 1,000 others the test set. Each run is `python3 -m rcnn_lens_train.folder_train` in a child
process, exactly as the extension starts it; wall time and CPU time (user + system of the child) are
reported. The bundled 10-class model with its classes mapped onto the two groups is the reference.
Development data only: nothing a user runs depends on the archive.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from training.rcnn_lens_train.data import CIFAR10_LABELS, load_dataset, split_indices  # noqa: E402

GROUPS = {"animals": ["bird", "cat", "deer", "dog", "frog", "horse"],
          "vehicles": ["airplane", "automobile", "ship", "truck"]}
BUNDLED = REPO / "media" / "models" / "rcnn-cifar10.onnx"


def pick(labels: np.ndarray, idx: np.ndarray, per_group: int, rng) -> tuple[list[int], list[int]]:
    """Seeded: per group, `per_group` training and `per_group` test indices, spread evenly over its classes."""
    train, test = [], []
    for names in GROUPS.values():
        pool = [rng.permutation(idx[labels[idx] == CIFAR10_LABELS.index(n)]) for n in names]
        take = [per_group // len(names) + (1 if i < per_group % len(names) else 0) for i in range(len(names))]
        train += [int(v) for p, t in zip(pool, take) for v in p[:t]]
        test += [int(v) for p, t in zip(pool, take) for v in p[t:2 * t]]
    return train, test


def write_folder(root: Path, images: np.ndarray, labels: np.ndarray, chosen: list[int]) -> None:
    from PIL import Image

    for i in chosen:
        group = next(g for g, names in GROUPS.items() if CIFAR10_LABELS[labels[i]] in names)
        d = root / group / CIFAR10_LABELS[labels[i]]  # class subfolders at depth 2: the group is the class
        d.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[i].transpose(1, 2, 0)).save(d / f"{i:05d}.png")


def group_of(label_names: list[str]) -> np.ndarray:
    return np.array([0 if n in GROUPS["animals"] else 1 for n in label_names])


def onnx_logits(model: Path, x_u8: np.ndarray) -> tuple[np.ndarray, list[str]]:
    import onnxruntime as ort

    s = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    meta = s.get_modelmeta().custom_metadata_map
    pre = json.loads(meta["rcnn_lens.preprocess"])
    m = np.array(pre["mean"], np.float32).reshape(1, -1, 1, 1)
    sd = np.array(pre["std"], np.float32).reshape(1, -1, 1, 1)
    x = (x_u8.astype(np.float32) / 255.0 - m) / sd
    return s.run(["logits"], {"image": x})[0], json.loads(meta["rcnn_lens.labels"])


def run(name: str, folder: Path, out: Path, source: str, minutes: float, threads: int) -> dict:
    cmd = [sys.executable, "-m", "rcnn_lens_train.folder_train", str(folder), "--out", str(out), "--from", source,
           "--epochs", "1000", "--minutes", str(minutes), "--threads", str(threads)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "training")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    events = [json.loads(line) for line in done.stdout.splitlines()]
    if done.returncode != 0:
        raise SystemExit(f"{name} failed ({done.returncode}): {events[-1] if events else done.stderr[-2000:]}")
    start, last = events[0], events[-1]
    epochs = [e for e in events if e["event"] == "epoch"]
    return {"run": name, "from": source, "freeze_cnn": start["freeze_cnn"], "epochs": len(epochs),
            "train_minutes": last["card"]["train_minutes"], "val_acc": last["val_acc"],
            "wall_s": round(wall, 1), "cpu_s": round((after.ru_utime - before.ru_utime)
                                                    + (after.ru_stime - before.ru_stime), 1), "model": str(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archive", default=str(REPO.parent / "shared" / "datasets" / "cifar10-train-jpeg.tar.gz"))
    ap.add_argument("--minutes", type=float, default=4.0, help="--minutes of each training run")
    ap.add_argument("--runs", default="finetune,scratch")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default="/tmp/bench-finetune")
    a = ap.parse_args()
    work = Path(a.work)
    ds = load_dataset(a.archive, 3, (32, 32), verbose=False)
    labels, images = ds.labels.numpy(), ds.images.numpy()
    _, val = split_indices(ds.labels, 10, 5000, 0)  # the bundled model's held-out images
    train, test = pick(labels, val.numpy(), 500, np.random.default_rng(0))
    folder = work / "folder"
    if not folder.exists():
        write_folder(folder, images, labels, train)
    y_test = group_of([CIFAR10_LABELS[v] for v in labels[test]])
    x_test = images[test]
    logits, names = onnx_logits(BUNDLED, x_test)
    results = [{"run": "bundled 10-class model, classes mapped to groups", "test_acc":
                round(float((group_of(names)[logits.argmax(1)] == y_test).mean()), 4)}]
    for name in a.runs.split(","):
        source = str(BUNDLED) if name == "finetune" else "none"
        r = run(name, folder, work / f"{name}.onnx", source, a.minutes, a.threads)
        lo, names = onnx_logits(Path(r["model"]), x_test)
        r["test_acc"] = round(float((np.array([names.index(g) for g in GROUPS])[y_test] == lo.argmax(1)).mean()), 4)
        results.append(r)
        print(json.dumps(r), flush=True)
    print(json.dumps({"test_images": len(test), "train_folder_images": len(train), "load_avg_1min":
                      os.getloadavg()[0], "results": results}, indent=1))


if __name__ == "__main__":
    main()
