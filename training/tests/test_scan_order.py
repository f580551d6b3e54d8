"""The scan order written in the metadata is really the order of `hidden` (docs/model-contract.md)."""
from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn as nn

from training.rcnn_lens_train.config import ModelConfig
from training.rcnn_lens_train.export import export_onnx, read_metadata
from training.rcnn_lens_train.model import RCNN, scan_permutation

CARD = {"dataset": "none", "split": "none", "val_accuracy": 0, "val_images": 0, "training_command": "pytest",
        "date": "test"}


def cell_of(t: int, m: int, n: int, order: str) -> tuple[int, int]:
    """Contract formulas, written independently of the model code."""
    if order == "row_major":
        return t // n, t % n
    if order == "column_major":
        return t % m, t // m
    row = t // n
    return row, (t % n) if row % 2 == 0 else n - 1 - (t % n)


@pytest.mark.parametrize("order", ["row_major", "column_major", "snake"])
@pytest.mark.parametrize("m,n", [(4, 4), (3, 5), (7, 7)])
def test_permutation_matches_contract(order, m, n):
    perm = scan_permutation(m, n, order)
    assert sorted(perm) == list(range(m * n))
    for t, p in enumerate(perm):
        assert divmod(p, n) == cell_of(t, m, n, order)


def build(order: str, bidirectional: bool, tmp_path, seed=0):
    torch.manual_seed(seed)
    cfg = ModelConfig(height=16, width=16, widths=[6, 8], pools=[1, 1], convs_per_stage=1, stem="conv", hidden_size=5,
                      context_widths=[],  # no context stage: one cell's input then reaches only its own timestep
                      bidirectional=bidirectional, scan_order=order, head="final", num_classes=3,
                      mean=[0.5] * 3, std=[0.25] * 3)
    model = RCNN(cfg).eval()
    with torch.no_grad():  # make BatchNorm non-trivial
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
    path = tmp_path / f"scan-{order}-{int(bidirectional)}.onnx"
    export_onnx(model, path, ["a", "b", "c"], "scan", card=CARD)
    return model, path


def onnx_hidden(path, x):
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return s.run(["hidden"], {s.get_inputs()[0].name: x})[0]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = tmp_path_factory.mktemp("scan")
    out = {}
    for order in ("row_major", "column_major", "snake"):
        out[(order, False)] = build(order, False, d)
    out[("snake", True)] = build("snake", True, d)
    return out


@pytest.mark.parametrize("order", ["row_major", "column_major", "snake"])
def test_hidden_equals_rnn_over_manually_serialised_feature_map(models, order):
    model, path = models[(order, False)]
    meta = read_metadata(path)
    assert meta["rcnn_lens.scan_order"] == order
    m, n = json.loads(meta["rcnn_lens.grid"])
    x = np.random.default_rng(1).standard_normal((2, 3, 16, 16), dtype=np.float32)
    with torch.no_grad():
        fmap = model.cnn(torch.from_numpy(x))  # B C M N
        seq = torch.stack([fmap[:, :, r, c] for r, c in (cell_of(t, m, n, order) for t in range(m * n))], 1)
        ref = model.rnn(seq)[0].numpy()
    got = onnx_hidden(path, x)
    assert np.abs(got - ref).max() < 1e-5


def test_bidirectional_halves_are_forward_then_backward(models):
    model, path = models[("snake", True)]
    m, n = 4, 4
    x = np.random.default_rng(2).standard_normal((3, 3, 16, 16), dtype=np.float32)
    got = onnx_hidden(path, x)
    h = model.cfg.hidden_size
    with torch.no_grad():
        fmap = model.cnn(torch.from_numpy(x))
        seq = torch.stack([fmap[:, :, r, c] for r, c in (cell_of(t, m, n, "snake") for t in range(m * n))], 1)
        fw = nn.GRU(seq.shape[-1], h, batch_first=True)
        bw = nn.GRU(seq.shape[-1], h, batch_first=True)
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(fw, name).copy_(getattr(model.rnn, name))
            getattr(bw, name).copy_(getattr(model.rnn, name + "_reverse"))
        ref_f = fw(seq)[0].numpy()  # state after reading steps 1..t
        ref_b = bw(seq.flip(1))[0].flip(1).numpy()  # state after reading steps L..t
    assert np.abs(got[..., :h] - ref_f).max() < 1e-5
    assert np.abs(got[..., h:] - ref_b).max() < 1e-5


@pytest.mark.parametrize("order", ["row_major", "column_major", "snake"])
def test_perturbing_one_region_changes_hidden_first_at_its_timestep(models, order):
    """Black-box check: the forward RNN state first changes at the first timestep that reads an affected cell."""
    model, path = models[(order, False)]
    m, n = 4, 4
    x = np.random.default_rng(3).standard_normal((1, 3, 16, 16), dtype=np.float32)
    x2 = x.copy()
    x2[:, :, 7, 14] += 25.0  # lower half of cell (1, 3): reaches cells in rows 1..2 of column 3 only
    with torch.no_grad():
        f1, f2 = model.cnn(torch.from_numpy(x)), model.cnn(torch.from_numpy(x2))
    changed = (f1 - f2).abs().amax(dim=(0, 1)) > 1e-6  # M N
    affected = {(r, c) for r in range(m) for c in range(n) if changed[r, c]}
    assert affected and all(c >= 2 for _, c in affected)
    t_of = {cell_of(t, m, n, order): t for t in range(m * n)}
    first = min(t_of[c] for c in affected)
    h1, h2 = onnx_hidden(path, x), onnx_hidden(path, x2)
    diff = np.abs(h1 - h2).max(axis=(0, 2))
    assert diff[:first].max(initial=0.0) < 1e-6, f"{order}: steps before {first} changed: {diff[:first]}"
    assert diff[first] > 1e-4, f"{order}: step {first} did not change"
    # the orders must disagree for this region, otherwise the test would not discriminate
    firsts = {o: min({cell_of(t, m, n, o): t for t in range(m * n)}[c] for c in affected)
              for o in ("row_major", "column_major", "snake")}
    assert len(set(firsts.values())) == 3, firsts
