#!/usr/bin/env python3
"""Explores rankings for mislabeled-image detection on the bundled model's validation split (issue 19).

Simulates the benchmark's folder many times without writing it: each draw takes 200 images per class
from the 5,000-image held-out split (split seed 0), moves 100 of them to a class drawn uniformly from
the other nine, and counts the moved images among the top 100 of each ranking. The model runs once per
image (and once more on the mirrored image, for the test-time-augmentation row).

usage: python3 scripts/explore_suspects.py [--data ARCHIVE] [--model ONNX] [--draws 30]
Needs the CIFAR-10 archive (a development machine's ../shared/datasets), onnxruntime, numpy, torch, Pillow.
"""
import argparse
import io
import sys
import tarfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.rcnn_lens_train.data import _is_hidden, _is_image, _order_classes, split_indices  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PER_CLASS, MOVED, TOP = 200, 100, 100


def validation_images(archive: str) -> tuple[np.ndarray, np.ndarray]:
    """The held-out split's images (normalised as the bundled model expects) and their classes."""
    files = {}
    with tarfile.open(archive, "r:*") as tf:
        for m in tf:
            parts = [p for p in m.name.split("/") if p not in ("", ".")]
            if m.isfile() and _is_image(m.name) and not any(_is_hidden(p) for p in parts):
                files["/".join(parts)] = tf.extractfile(m).read()
    names = sorted(files)
    classes = _order_classes(sorted({n.split("/")[-2] for n in names}))
    labels = torch.tensor([classes.index(n.split("/")[-2]) for n in names])
    _, val = split_indices(labels, len(classes), 5000, 0)
    mean = np.array([0.4914, 0.4822, 0.4467], np.float32)[:, None, None]
    std = np.array([0.2452, 0.2429, 0.2607], np.float32)[:, None, None]
    load = lambda i: (np.asarray(Image.open(io.BytesIO(files[names[i]])).convert("RGB"), np.float32).transpose(2, 0, 1) / 255 - mean) / std
    return np.stack([load(i) for i in val.tolist()]).astype(np.float32), labels[val].numpy()


def run_model(path: str, x: np.ndarray) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = ["logits", "hidden", "attention"]
    out = {k: [] for k in names}
    for b in range(0, len(x), 250):
        feed = {"image": x[b : b + 250]}
        if any(i.name == "step_mask" for i in session.get_inputs()):
            feed["step_mask"] = np.ones((len(feed["image"]), 64), np.float32)
        for k, v in zip(names, session.run(names, feed)):
            out[k].append(v)
    return {k: np.concatenate(v) for k, v in out.items()}


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def out_of_fold_logistic(features: np.ndarray, given: np.ndarray, folds: int = 5) -> np.ndarray:
    """Class probabilities of a logistic regression fitted to the folder's own (noisy) labels, each image
    predicted by the fit on the other folds: confident learning's recommended out-of-sample probabilities."""
    f = torch.tensor(features)
    f = (f - f.mean(0)) / (f.std(0) + 1e-6)
    g = torch.tensor(given)
    out = np.zeros((len(g), 10), np.float32)
    order = torch.randperm(len(g), generator=torch.Generator().manual_seed(0))
    for k in range(folds):
        test = order[k::folds]
        train = torch.ones(len(g), dtype=torch.bool)
        train[test] = False
        w = torch.zeros(f.shape[1], 10, requires_grad=True)
        b = torch.zeros(10, requires_grad=True)
        opt = torch.optim.LBFGS([w, b], max_iter=300, line_search_fn="strong_wolfe")

        def loss():
            opt.zero_grad()
            value = torch.nn.functional.cross_entropy(f[train] @ w + b, g[train]) + 1e-3 * (w**2).sum()
            value.backward()
            return value

        opt.step(loss)
        with torch.no_grad():
            out[test.numpy()] = torch.softmax(f[test] @ w + b, 1).numpy()
    return out


def draw(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    idx = np.concatenate([r.choice(np.where(y == c)[0], PER_CLASS, replace=False) for c in range(10)])
    given = y[idx].copy()
    moved = np.zeros(len(idx), bool)
    for i in r.choice(len(idx), MOVED, replace=False):
        given[i] = r.choice([c for c in range(10) if c != given[i]])
        moved[i] = True
    return idx, given, moved


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared/datasets/cifar10-train-jpeg.tar.gz"))
    ap.add_argument("--model", default=str(ROOT / "media/models/rcnn-cifar10.onnx"))
    ap.add_argument("--draws", type=int, default=30)
    a = ap.parse_args()
    x, y = validation_images(a.data)
    out = run_model(a.model, x)
    mirrored = run_model(a.model, np.ascontiguousarray(x[..., ::-1]))
    p, p_mirror = softmax(out["logits"]), softmax(mirrored["logits"])
    pooled = (out["attention"][:, :, None] * out["hidden"]).sum(1)
    print(f"validation accuracy {np.mean(p.argmax(1) == y):.4f} on {len(y)} images")
    hits: dict[str, list[int]] = {}
    crowding_ranks: list[int] = []
    for seed in range(a.draws):
        idx, given, moved = draw(y, seed)
        rows = np.arange(len(idx))
        pg = p[idx][rows, given]
        pooled_lr = out_of_fold_logistic(pooled[idx], given)[rows, given]
        mean_h_lr = out_of_fold_logistic(out["hidden"][idx].mean(1), given)[rows, given]
        scores = {
            "naive 1 - p(given)": 1 - pg,
            "rank of the given class, then 1 - p(given)": (p[idx] > pg[:, None]).sum(1) + (1 - pg),
            "logit gap (max - given)": out["logits"][idx].max(1) - out["logits"][idx][rows, given],
            "out-of-fold logistic regression on the pooled state": 1 - pooled_lr,
            "  ... times naive": (1 - pooled_lr) * (1 - pg),
            "out-of-fold logistic regression on the mean hidden state": 1 - mean_h_lr,
            "test-time augmentation (mirror), 1 - mean p(given)": 1 - (pg + p_mirror[idx][rows, given]) / 2,
        }
        for name, s in scores.items():
            top = np.argsort(-s, kind="stable")[:TOP]
            hits.setdefault(name, []).append(int(moved[top].sum()))
        # Which correctly filed images crowd the naive top 100: how does the model rank their (true) class?
        top = np.argsort(-(1 - pg), kind="stable")[:TOP]
        crowding_ranks += [int((p[idx][i] > pg[i]).sum()) + 1 for i in top if not moved[i]]
    print(f"\nmoved images among the top {TOP}, mean (min-max) over {a.draws} draws:")
    for name, h in hits.items():
        print(f"  {name:58s} {np.mean(h):5.1f} ({min(h)}-{max(h)})")
    ranks = np.bincount(crowding_ranks, minlength=11)[1:]
    print(f"\ncorrectly filed images in the naive top {TOP}: {len(crowding_ranks) / a.draws:.1f} per draw; the model ranks their true class")
    print("  " + ", ".join(f"#{r + 1}: {n}" for r, n in enumerate(ranks)) + f"  (of {len(crowding_ranks)})")


if __name__ == "__main__":
    main()
