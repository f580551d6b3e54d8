#!/usr/bin/env python3
"""Bring your own model: a small custom CNN + LSTM on Fashion-MNIST, composed and exported for RCNN Lens.

    apt-get install -y dataset-fashion-mnist        # idx files in /usr/share/datasets/fashion-mnist
    pip install ./training                          # or: PYTHONPATH=training
    python3 docs/examples/byo_fashion_mnist.py --out fashion-byo.onnx [--images 6000] [--epochs 3]

Prints one JSON line: test accuracy (PyTorch and the exported file in onnxruntime) and the output path.
Walkthrough: docs/byo-model.md.
"""
from __future__ import annotations

import argparse
import gzip
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from rcnn_lens_train.byo import ComposedRCNN, export_composed

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
MEAN, STD = [0.286], [0.353]  # Fashion-MNIST's pixel statistics in [0, 1]


def read_idx(path: Path) -> np.ndarray:
    data = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(root: Path, split: str, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = read_idx(root / f"{split}-images-idx3-ubyte.gz")[:n]
    y = read_idx(root / f"{split}-labels-idx1-ubyte.gz")[:n]
    return torch.from_numpy(x.copy()).unsqueeze(1), torch.from_numpy(y.astype(np.int64))


def my_model() -> ComposedRCNN:
    cnn = nn.Sequential(  # [B, 1, 28, 28] -> [B, 32, 7, 7]: a 7x7 grid, 49 timesteps
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
    rnn = nn.LSTM(32, 48, num_layers=1, batch_first=True, bidirectional=True)
    classifier = nn.Linear(96, len(LABELS))
    attention = nn.Sequential(nn.Linear(96, 32), nn.Tanh(), nn.Linear(32, 1))  # a score per timestep
    return ComposedRCNN(cnn, rnn, classifier, attention=attention, scan_order="snake")


def normalise(x_u8: torch.Tensor) -> torch.Tensor:
    return (x_u8.float() / 255 - MEAN[0]) / STD[0]


def train(model: ComposedRCNN, x, y, epochs: int, seed: int = 0) -> None:
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=g).split(64):
            loss = nn.functional.cross_entropy(model(normalise(x[idx]))["logits"], y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()


def onnx_accuracy(path: Path, x, y) -> float:
    import onnxruntime as ort

    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits = s.run(["logits"], {"image": normalise(x).numpy()})[0]
    return float((logits.argmax(1) == y.numpy()).mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default="fashion-byo.onnx")
    ap.add_argument("--images", type=int, default=6000, help="training images (the first N of the training set)")
    ap.add_argument("--test-images", type=int, default=1000, help="the first N of the official test set")
    ap.add_argument("--epochs", type=int, default=3)
    a = ap.parse_args()
    torch.manual_seed(0)
    x, y = load(Path(a.data), "train", a.images)
    xt, yt = load(Path(a.data), "t10k", a.test_images)
    model = my_model()
    train(model, x, y, a.epochs)
    model.eval()
    with torch.no_grad():
        torch_acc = float((model(normalise(xt))["logits"].argmax(1) == yt).float().mean())
    card = {"dataset": "Fashion-MNIST", "split": f"first {len(yt)} images of the official test set",
            "val_accuracy": round(torch_acc, 4), "val_images": len(yt),
            "training_command": "python3 docs/examples/byo_fashion_mnist.py " + " ".join(sys.argv[1:])}
    out = export_composed(model, a.out, LABELS, input_size=(1, 28, 28), mean=MEAN, std=STD, resize="stretch",
                          name="fashion-byo", card=card)
    print(json.dumps({"model": str(out), "train_images": len(y), "test_images": len(yt),
                      "torch_accuracy": round(torch_acc, 4), "onnx_accuracy": round(onnx_accuracy(out, xt, yt), 4)}))


if __name__ == "__main__":
    main()
