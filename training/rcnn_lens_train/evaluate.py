"""Evaluate an exported RCNN Lens ONNX model with onnxruntime. `python3 -m training.evaluate --help`."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from .contract import validate_model
from .data import align_classes, fill_padding, load_dataset, split_indices
from .errors import UserError, run_cli


def ort_session(path: str, threads: int = 2):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def model_feeds(session, x: np.ndarray) -> dict:
    """The inputs of one run: the images, and an all-ones `step_mask` (contract v2: read every step) when
    the model has that input."""
    feeds = {}
    for i in session.get_inputs():
        if i.name == "step_mask":
            feeds[i.name] = np.ones((len(x), int(i.shape[1])), np.float32)
        else:
            feeds[i.name] = x
    return feeds


def preprocess_u8(x_u8: np.ndarray, meta: dict) -> np.ndarray:
    pre = json.loads(meta["rcnn_lens.preprocess"])
    mean = np.asarray(pre["mean"], np.float32).reshape(1, -1, 1, 1)
    std = np.asarray(pre["std"], np.float32).reshape(1, -1, 1, 1)
    return ((x_u8.astype(np.float32) / 255.0) - mean) / std


def onnx_accuracy(path: str, x_u8: np.ndarray, y: np.ndarray, batch: int = 250, threads: int = 2) -> dict:
    from .export import read_metadata

    meta = read_metadata(path)
    s = ort_session(path, threads)
    preds = []
    t0 = time.time()
    for i in range(0, len(x_u8), batch):
        lo = s.run(["logits"], model_feeds(s, preprocess_u8(x_u8[i:i + batch], meta)))[0]
        preds.append(lo.argmax(1))
    sec = time.time() - t0
    p = np.concatenate(preds) if preds else np.zeros(0, np.int64)
    correct = int((p == y).sum())
    per_class = {}
    labels = json.loads(meta["rcnn_lens.labels"])
    for c, lab in enumerate(labels):
        m = y == c
        if m.any():
            per_class[lab] = round(float((p[m] == c).mean()), 4)
    return {"accuracy": correct / max(1, len(y)), "correct": correct, "images": int(len(y)),
            "per_class": per_class, "seconds": round(sec, 2)}


def load_for_model(meta: dict, data: str, kind: str = "auto", allow_subset: bool = False):
    """`data` decoded as the model's metadata says (input size, channels, resize policy) with label
    indices in the order of the model's labels (matched by name; UserError if they do not match).
    Returns the dataset and its images with any letterbox padding set to the model's mean colour."""
    inp = json.loads(meta["rcnn_lens.input"])
    pre = json.loads(meta["rcnn_lens.preprocess"])
    ds = load_dataset(data, inp["channels"], (inp["height"], inp["width"]), kind=kind,
                      resize=pre.get("resize", "center_crop"))
    ds = align_classes(ds, json.loads(meta["rcnn_lens.labels"]), allow_subset=allow_subset)
    return ds, fill_padding(ds.images, ds.boxes, pre["mean"])


def validation_split(meta: dict, data: str, val_images: int, seed: int, kind: str = "auto"):
    """The held-out split (`val_images`, split seed `seed`) of `data`, as the model sees it."""
    ds, images = load_for_model(meta, data, kind)
    _, va = split_indices(ds.labels, len(ds.classes), val_images, seed)
    return images[va].numpy(), ds.labels[va].numpy()


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m training.evaluate", description=__doc__)
    p.add_argument("model", nargs="?", default="media/models/rcnn-cifar10.onnx")
    p.add_argument("--data", default=None, help="dataset (default: the one named in the model card)")
    p.add_argument("--data-kind", default="auto", choices=["auto", "archive", "folder", "fashion-mnist"])
    p.add_argument("--val-images", type=int, default=None, help="default: from the model card")
    p.add_argument("--split-seed", "--seed", dest="split_seed", type=int, default=None,
                   help="seed of the validation split (default: the card's split_seed)")
    p.add_argument("--limit", type=int, default=0, help="only the first N validation images")
    p.add_argument("--all", action="store_true", help="evaluate every image of --data (no split), e.g. a test folder")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    if a.threads < 1 or a.limit < 0 or (a.val_images is not None and a.val_images < 1):
        raise UserError("--threads and --val-images must be >= 1 and --limit >= 0")
    if not Path(a.model).exists():
        raise UserError(f"model not found: {a.model}")
    from .export import read_metadata

    problems = validate_model(a.model)
    if problems:
        raise UserError(f"{a.model} does not follow the contract:\n  - " + "\n  - ".join(problems))
    meta = read_metadata(a.model)
    card = json.loads(meta.get("rcnn_lens.model_card", "{}") or "{}")
    data = a.data or card.get("data_path")
    if not data:
        raise UserError("no --data given and the model card names no data_path")
    if a.all:
        # a test folder may hold only some of the model's classes; they are matched by name
        ds, images = load_for_model(meta, data, a.data_kind, allow_subset=True)
        x, y = images.numpy(), ds.labels.numpy()
    else:
        val_images = a.val_images if a.val_images is not None else card.get("val_images", 5000)
        seed = a.split_seed if a.split_seed is not None else card.get("split_seed", 0)
        x, y = validation_split(meta, data, val_images, seed, a.data_kind)
    if a.limit:
        x, y = x[:a.limit], y[:a.limit]
    r = onnx_accuracy(a.model, x, y, threads=a.threads)
    print(json.dumps({"model": a.model, "data": data, **r, "card_val_accuracy": card.get("val_accuracy")}, indent=1))


if __name__ == "__main__":
    sys.exit(run_cli(main))
