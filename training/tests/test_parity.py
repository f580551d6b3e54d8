"""Tiny models trained for a few steps export to ONNX and match PyTorch in onnxruntime (Python and Node)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers import make_synthetic_folder, node_runner_available, run_node
from training.rcnn_lens_train.config import ModelConfig, TrainConfig
from training.rcnn_lens_train.contract import validate_model
from training.rcnn_lens_train.export import export_onnx, read_metadata
from training.rcnn_lens_train.export_cli import load_checkpoint
from training.rcnn_lens_train.fast_rnn import fast_rnn_forward
from training.rcnn_lens_train.neutral import set_neutral
from training.rcnn_lens_train.train import train

TOL = 1e-4

# every rnn type x direction x scan order x head appears at least once; each scan order with GRU and LSTM;
# some with a coarse context stage (exported as MaxPool + Resize nearest + Concat)
CASES = [
    dict(rnn_type="gru", bidirectional=True, scan_order="row_major", head="attention", context_widths=[8]),
    dict(rnn_type="lstm", bidirectional=False, scan_order="row_major", head="final"),
    dict(rnn_type="gru", bidirectional=False, scan_order="column_major", head="final"),
    dict(rnn_type="lstm", bidirectional=True, scan_order="column_major", head="attention", context_widths=[8]),
    dict(rnn_type="lstm", bidirectional=True, scan_order="snake", head="final"),
    dict(rnn_type="gru", bidirectional=False, scan_order="snake", head="attention"),
    dict(rnn_type="gru", bidirectional=True, scan_order="snake", head="final", channels=1, color="grey",
         stem="conv", rnn_layers=2, context_widths=[6]),
]


def case_id(c):
    return "-".join([c["rnn_type"], "bi" if c["bidirectional"] else "uni", c["scan_order"], c["head"]]
                    + (["grey"] if c.get("channels") == 1 else []) + (["ctx"] if c.get("context_widths") else []))


@pytest.fixture(scope="module")
def synth(tmp_path_factory, cache_env):
    root = tmp_path_factory.mktemp("synth")
    return {3: make_synthetic_folder(root / "rgb", n_per_class=60, channels=3),
            1: make_synthetic_folder(root / "grey", n_per_class=60, channels=1)}


@pytest.fixture(scope="module", params=CASES, ids=[case_id(c) for c in CASES])
def trained(request, synth, tmp_path_factory):
    c = dict(request.param)
    ch = c.get("channels", 3)
    mean, std = ([0.5] * ch, [0.25] * ch)
    m = ModelConfig(**{"height": 16, "width": 16, "widths": [8, 16], "pools": [1, 1], "hidden_size": 8,
                       "attention_size": 8, "num_classes": 4, "mean": mean, "std": std, "context_widths": [], **c})
    out = tmp_path_factory.mktemp("run")
    t = TrainConfig(data=str(synth[ch]), name="tiny", out_dir=str(out), epochs=1, batch_size=32,
                    val_images=40, time_budget_minutes=0, tta=False)
    res = train(m, t, log=lambda *a: None)
    model, ck = load_checkpoint(res["checkpoint"])
    onnx_path = out / "tiny.onnx"
    card = {"dataset": "synthetic", "split": "40 held out", "val_accuracy": res["history"][-1]["val_acc"],
            "val_images": 40, "training_command": "pytest", "date": "test"}
    ablation = set_neutral(model, inputs(model, 16, seed=99), "synthetic", 0)  # contract v2: step_mask input
    export_onnx(model, onnx_path, ck["classes"], "tiny", card=card, ablation=ablation)
    return model, onnx_path, c


def torch_outputs(model, x, mask=None):
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(x), None if mask is None else torch.from_numpy(mask),
                    gates=model.cfg.rnn_layers == 1)
        return {k: v.numpy() for k, v in out.items()}


def expected_outputs(c):
    return ({"logits", "hidden", "step_logits"} | ({"attention"} if c["head"] == "attention" else set())
            | ({"gates"} if c.get("rnn_layers", 1) == 1 else set()))


def step_masks(batch, length, seed):
    """Row 0 all ones (reads every step), row 1 all zeros, the others random 0/1."""
    m = (np.random.default_rng(seed).random((batch, length)) < 0.7).astype(np.float32)
    m[0] = 1
    if batch > 1:
        m[1] = 0
    return m


def inputs(model, batch, seed):
    cfg = model.cfg
    return np.random.default_rng(seed).standard_normal((batch, cfg.channels, cfg.height, cfg.width), dtype=np.float32)


def test_exported_model_follows_contract(trained):
    model, path, c = trained
    assert validate_model(path) == []
    meta = read_metadata(path)
    assert meta["rcnn_lens.scan_order"] == c["scan_order"]
    assert meta["rcnn_lens.head"] == c["head"]
    assert meta["rcnn_lens.grid"] == "[4, 4]"
    assert meta["rcnn_lens.contract"] == "2"


@pytest.mark.parametrize("batch", [1, 7])
def test_onnxruntime_python_matches_pytorch(trained, batch):
    import onnxruntime as ort

    model, path, c = trained
    x = inputs(model, batch, seed=batch)
    mask = step_masks(batch, 16, seed=batch)
    ref = torch_outputs(model, x, mask)
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in s.get_outputs()]
    assert set(names) == expected_outputs(c)
    for name, got in zip(names, s.run(None, {"image": x, "step_mask": mask})):
        assert got.shape == ref[name].shape, name
        diff = np.abs(got - ref[name]).max()
        assert diff <= TOL, f"{name}: max abs diff {diff}"
    if c["head"] == "attention":
        att = s.run(["attention"], {"image": x, "step_mask": mask})[0]
        np.testing.assert_allclose(att.sum(1), 1.0, atol=1e-5)


@pytest.mark.parametrize("batch", [1, 7])
def test_onnxruntime_node_matches_pytorch(trained, batch, tmp_path):
    ok, why = node_runner_available()
    if not ok:
        pytest.skip(f"onnxruntime-node parity skipped: {why}")
    model, path, c = trained
    x = inputs(model, batch, seed=100 + batch)
    mask = step_masks(batch, 16, seed=100 + batch)
    ref = torch_outputs(model, x, mask)
    got = run_node(path, x, tmp_path, step_mask=mask)
    assert set(got) == set(ref)
    for name in ref:
        diff = np.abs(got[name] - ref[name]).max()
        assert diff <= TOL, f"{name}: max abs diff {diff}"


def test_fast_training_rnn_matches_stock_module(trained):
    model, _, _ = trained
    seq = torch.randn(5, 16, model.rnn.input_size)
    with torch.no_grad():
        a = model.rnn(seq)[0]
        b = fast_rnn_forward(model.rnn, seq)
    assert (a - b).abs().max().item() < 1e-5


@pytest.mark.parametrize("rnn_type", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2])
def test_fast_training_rnn_gradients_match_stock_module(rnn_type, bidirectional, layers):
    """The GRU path has a hand-written backward: values and every gradient must equal autograd's."""
    torch.manual_seed(layers * 10 + bidirectional)
    cls = torch.nn.GRU if rnn_type == "gru" else torch.nn.LSTM
    rnn = cls(6, 5, num_layers=layers, batch_first=True, bidirectional=bidirectional)
    x = torch.randn(3, 9, 6, requires_grad=True)
    a = rnn(x)[0]
    w = torch.randn_like(a)
    ga = torch.autograd.grad((a * w).sum(), [x, *rnn.parameters()])
    b = fast_rnn_forward(rnn, x)
    gb = torch.autograd.grad((b * w).sum(), [x, *rnn.parameters()])
    assert (a - b).abs().max().item() < 1e-5
    for (name, _), p, q in zip([("x", None), *rnn.named_parameters()], ga, gb):
        assert (p - q).abs().max().item() < 1e-5, name


SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json"


def test_onnxruntime_webgpu_matches_cpu_and_places_heavy_nodes_on_the_gpu(trained):
    """Every case on the WebGPU provider (software Vulkan here): all outputs within TOL of the CPU, and no
    Conv/GRU/LSTM/MatMul/Gemm node left on the CPU (scripts/webgpu-check.mjs reads the placement log)."""
    import json
    import os
    import subprocess
    from helpers import REPO

    ok, why = node_runner_available()
    have_vulkan = os.path.exists(SWIFTSHADER_ICD)
    if os.environ.get("RCNN_LENS_REQUIRE_WEBGPU") != "1" and not (ok and have_vulkan):
        pytest.skip(f"webgpu parity skipped: {why or 'no SwiftShader Vulkan driver (Debian chromium)'}")
    _, path, c = trained
    env = {**os.environ, "VK_ICD_FILENAMES": SWIFTSHADER_ICD, "XDG_RUNTIME_DIR": "/tmp"}
    r = subprocess.run(["node", str(REPO / "scripts" / "webgpu-check.mjs"), str(path), "--json", "--tol", str(TOL)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    [res] = json.loads(r.stdout)
    assert set(res["maxAbsDiff"]) == expected_outputs(c)
    assert max(res["maxAbsDiff"].values()) <= TOL
    assert res["heavyOnCpu"] == []


def test_all_ones_mask_changes_nothing_and_a_masked_step_reads_the_neutral_vector(trained):
    model, _, _ = trained
    x = inputs(model, 3, seed=7)
    plain = torch_outputs(model, x)
    ones = torch_outputs(model, x, np.ones((3, 16), np.float32))
    for name in plain:
        assert np.array_equal(plain[name], ones[name]), name
    mask = np.ones((3, 16), np.float32)
    mask[:, 5] = 0
    with torch.no_grad():
        seq = model.sequence(torch.from_numpy(x))
        seq[:, 5] = model.step_neutral
        hidden, _ = model.rnn(seq)
    masked = torch_outputs(model, x, mask)
    np.testing.assert_allclose(masked["hidden"], hidden.numpy(), atol=1e-6)
    assert not np.allclose(masked["hidden"], plain["hidden"])


@pytest.mark.parametrize("rnn_type", ["gru", "lstm"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_gates_equal_a_step_by_step_cell_run(rnn_type, bidirectional):
    """The gates recomputed from the sequence and `hidden` equal those of the RNN cell run step by step."""
    from training.rcnn_lens_train.timestep_ops import rnn_gates

    torch.manual_seed(3)
    cls = torch.nn.GRU if rnn_type == "gru" else torch.nn.LSTM
    rnn = cls(5, 4, batch_first=True, bidirectional=bidirectional).eval()
    seq = torch.randn(2, 6, 5)
    with torch.no_grad():
        hidden, _ = rnn(seq)
        got = rnn_gates(rnn, seq, hidden)
        want = []
        for d, suffix in enumerate(["_l0", "_l0_reverse"][: 2 if bidirectional else 1]):
            w_ih, w_hh = getattr(rnn, "weight_ih" + suffix), getattr(rnn, "weight_hh" + suffix)
            b_ih, b_hh = getattr(rnn, "bias_ih" + suffix), getattr(rnn, "bias_hh" + suffix)
            h, cell = torch.zeros(2, 4), torch.zeros(2, 4)
            per_step = [None] * 6
            for t in (range(5, -1, -1) if d == 1 else range(6)):
                gi, gh = seq[:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
                if rnn_type == "gru":
                    r, z = torch.sigmoid(gi[:, :4] + gh[:, :4]), torch.sigmoid(gi[:, 4:8] + gh[:, 4:8])
                    n = torch.tanh(gi[:, 8:] + r * gh[:, 8:])
                    h = (1 - z) * n + z * h
                    per_step[t] = z
                else:
                    g = gi + gh
                    i, f = torch.sigmoid(g[:, :4]), torch.sigmoid(g[:, 4:8])
                    cell = f * cell + i * torch.tanh(g[:, 8:12])
                    h = torch.sigmoid(g[:, 12:]) * torch.tanh(cell)
                    per_step[t] = torch.cat([i, f], dim=-1)
            want.append(torch.stack(per_step, dim=1))
        want = torch.cat(want, dim=-1)
    assert got.shape == (2, 6, 4 * (2 if bidirectional else 1) * (1 if rnn_type == "gru" else 2))
    assert (got - want).abs().max().item() < 1e-6
