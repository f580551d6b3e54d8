"""Writes N images, evenly spaced (so every class is represented), of a model's held-out validation split as JPEG files, for benchmarks.

The split is the one training used (training/rcnn_lens_train/data.py: split_indices over the
archive's images sorted by name, seeded by the card's split_seed). The JPEG bytes are copied
unchanged from the archive, so the benchmark decodes exactly what training evaluated.
Usage: python3 scripts/val_split_images.py ARCHIVE OUT_DIR [--count N] [--val-images 5000] [--seed 0]
Prints the written paths, one per line. OUT_DIR should be outside the repository (e.g. /tmp).
"""
import argparse
import os
import sys
import tarfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from training.rcnn_lens_train.data import _is_hidden, _is_image, _order_classes, split_indices  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("archive")
    ap.add_argument("out_dir")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--val-images", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    with tarfile.open(a.archive, "r:*") as tf:
        members = {}
        for m in tf:
            parts = [p for p in m.name.split("/") if p not in ("", ".")]
            if m.isfile() and _is_image(m.name) and not any(_is_hidden(p) for p in parts):
                members["/".join(parts)] = m
        names = sorted(members)
        classes = _order_classes(sorted({n.split("/")[-2] for n in names}))
        labels = torch.tensor([classes.index(n.split("/")[-2]) for n in names])
        _, val = split_indices(labels, len(classes), a.val_images, a.seed)
        os.makedirs(a.out_dir, exist_ok=True)
        step = max(1, len(val) // a.count)
        for i in val[::step][: a.count].tolist():
            name = names[i]
            out = os.path.join(a.out_dir, f"{i:05d}-{name.split('/')[-2]}.jpg")
            with open(out, "wb") as f:
                f.write(tf.extractfile(members[name]).read())
            print(out)


if __name__ == "__main__":
    main()
