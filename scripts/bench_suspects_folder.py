#!/usr/bin/env python3
"""Builds the folder of the mislabeled-images benchmark (scripts/bench-suspects.mjs).

From the CIFAR-10 archive it takes the bundled model's validation split (the training package's
seeded split: 500 images per class, --split-seed 0, never trained on), draws --per-class images of
every class from it (seeded), writes them as <out>/<class>/<file>, then moves --moved of them (seeded)
into another class folder chosen uniformly at random. The truth (which files were moved, and their
true class) goes to <out>.truth.json, beside the folder, never inside it.

usage: bench_suspects_folder.py --out /tmp/rl-suspects/folder [--data ARCHIVE] [--per-class 200]
                                [--moved 100] [--seed 0]
"""
import argparse
import json
import random
import shutil
import sys
import tarfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.rcnn_lens_train.data import _is_hidden, _is_image, _order_classes, split_indices  # noqa: E402

VAL_IMAGES = 5000  # the training package's default validation split (training/README.md)
SPLIT_SEED = 0


def archive_entries(path: str) -> tuple[dict[str, bytes], list[str]]:
    """The archive's image files by name, and their names in the order the training package indexes them."""
    files: dict[str, bytes] = {}
    with tarfile.open(path, "r:*") as tf:
        for m in tf:
            parts = [p for p in m.name.split("/") if p not in ("", ".")]
            if not m.isfile() or not _is_image(m.name) or any(_is_hidden(p) for p in parts):
                continue
            f = tf.extractfile(m)
            files["/".join(parts)] = f.read() if f else b""
    return files, sorted(files)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parent.parent.parent / "shared/datasets/cifar10-train-jpeg.tar.gz"))
    ap.add_argument("--per-class", type=int, default=200)
    ap.add_argument("--moved", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    files, keys = archive_entries(args.data)
    class_of = {k: k.split("/")[-2] for k in keys}
    classes = _order_classes(sorted(set(class_of.values())))
    labels = torch.tensor([classes.index(class_of[k]) for k in keys])
    _, val = split_indices(labels, len(classes), VAL_IMAGES, SPLIT_SEED)

    rng = random.Random(args.seed)
    chosen: list[str] = []
    for c in classes:
        of_class = [keys[i] for i in val.tolist() if class_of[keys[i]] == c]
        chosen += sorted(rng.sample(of_class, args.per_class))
    moved = set(rng.sample(chosen, args.moved))

    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    truth = []
    index = {k: i for i, k in enumerate(keys)}
    for k in chosen:
        true_class = class_of[k]
        given = rng.choice([c for c in classes if c != true_class]) if k in moved else true_class
        rel = f"{given}/{index[k]:05d}{Path(k).suffix}"  # a name that does not tell the class
        (out / given).mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(files[k])
        truth.append({"path": rel, "true": true_class, "given": given, "moved": k in moved})
    Path(str(out) + ".truth.json").write_text(json.dumps(truth, indent=0))
    print(json.dumps({"folder": str(out), "images": len(chosen), "moved": len(moved), "classes": classes}))


if __name__ == "__main__":
    main()
