"""Bring your own model: ComposedRCNN + export_composed, and the runnable Fashion-MNIST example."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn as nn

from training.rcnn_lens_train.byo import ComposedRCNN, export_composed
from training.rcnn_lens_train.extension_contract import check_model

from helpers import REPO

FASHION = Path("/usr/share/datasets/fashion-mnist")


def small_cnn(c_in=3, d=8):
    return nn.Sequential(nn.Conv2d(c_in, d, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))  # 16x12 -> 8x6


@pytest.mark.parametrize("rnn,attention,scan", [
    (nn.GRU(8, 6, num_layers=2, batch_first=True), None, "row_major"),
    (nn.LSTM(8, 5, batch_first=True, bidirectional=True), nn.Linear(10, 1), "snake"),
    (nn.GRU(8, 4, batch_first=True, bidirectional=True), None, "column_major"),
])
def test_composed_model_exports_every_output_and_matches_onnxruntime(rnn, attention, scan, tmp_path):
    torch.manual_seed(0)
    width = rnn.hidden_size * (2 if rnn.bidirectional else 1)
    model = ComposedRCNN(small_cnn(), rnn, nn.Linear(width, 3), attention=attention, scan_order=scan).eval()
    path = export_composed(model, tmp_path / "m.onnx", ["a", "b", "c"], input_size=(3, 16, 12),
                           mean=[0.5, 0.5, 0.5], std=[0.25, 0.25, 0.25])
    problems, info = check_model(path)
    assert problems == [] and info["grid"] == (8, 6) and info["scan_order"] == scan
    assert info["head"] == ("attention" if attention is not None else "final")
    x = torch.randn(3, 3, 16, 12)
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = dict(zip([o.name for o in s.get_outputs()], s.run(None, {"image": x.numpy()})))
    with torch.no_grad():
        ref = model(x)
    assert set(got) == set(ref)
    for k in ref:
        np.testing.assert_allclose(got[k], ref[k].numpy(), atol=1e-4)


def test_wrong_parts_are_refused_with_a_reason():
    with pytest.raises(TypeError, match="batch_first"):
        ComposedRCNN(small_cnn(), nn.GRU(8, 4), nn.Linear(4, 2))
    with pytest.raises(TypeError, match=r"nn.Linear\(8, K\)"):
        ComposedRCNN(small_cnn(), nn.GRU(8, 4, batch_first=True, bidirectional=True), nn.Linear(4, 2))
    model = ComposedRCNN(small_cnn(d=5), nn.GRU(8, 4, batch_first=True), nn.Linear(4, 2))
    with pytest.raises(ValueError, match="input_size"):
        model(torch.zeros(1, 3, 16, 12))


@pytest.mark.skipif(not FASHION.is_dir(), reason="apt-get install -y dataset-fashion-mnist")
def test_fashion_mnist_example_runs_and_exports_a_model_that_learned(tmp_path):
    out = tmp_path / "fashion-byo.onnx"
    env = {**os.environ, "PYTHONPATH": str(REPO / "training")}
    r = subprocess.run([sys.executable, str(REPO / "docs/examples/byo_fashion_mnist.py"), "--out", str(out),
                        "--images", "600", "--test-images", "200", "--epochs", "3"], capture_output=True, text=True,
                       env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.splitlines()[-1])
    assert check_model(out)[0] == []
    assert res["onnx_accuracy"] > 0.3  # 10 classes: chance is 0.1
    assert abs(res["onnx_accuracy"] - res["torch_accuracy"]) <= 0.01
