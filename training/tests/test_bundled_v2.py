"""The bundled models are contract v2 with the weights of the v1 files they were re-exported from
(python3 -m training.reexport): with an all-ones step_mask they reproduce the v1 outputs recorded in
data/bundled_v1_outputs.json, a masked step changes them, and the gates are sigmoids of the right width."""
from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import REPO
from training.rcnn_lens_train.contract import validate_model
from training.rcnn_lens_train.export import read_metadata

MODELS = ["rcnn-cifar10.onnx", "fashion-mnist-lstm.onnx"]
V1 = json.loads((REPO / "training" / "tests" / "data" / "bundled_v1_outputs.json").read_text())


def run(path, x, mask):
    import onnxruntime as ort

    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in s.get_outputs()], s.run(None, {"image": x, "step_mask": mask})))


@pytest.mark.parametrize("name", MODELS)
def test_bundled_model_is_v2_with_the_v1_outputs_under_an_all_ones_mask(name):
    path = REPO / "media" / "models" / name
    assert validate_model(path, producer=True) == []
    meta = read_metadata(path)
    assert meta["rcnn_lens.contract"] == "2"
    ablation = json.loads(meta["rcnn_lens.ablation"])
    assert ablation["neutral"] == "mean_feature" and ablation["images"] == 2000
    ref = V1[name]
    x = np.random.default_rng(ref["seed"]).standard_normal(ref["shape"], dtype=np.float32)
    m, n = json.loads(meta["rcnn_lens.grid"])
    got = run(path, x, np.ones((len(x), m * n), np.float32))
    for key, want in ref["outputs"].items():
        diff = float(np.abs(got[key] - np.asarray(want)).max())
        assert diff <= 1e-6, f"{key}: max |Δ| {diff} against the v1 file"
    sums = got["hidden"].astype(np.float64).sum(-1)
    assert float(np.abs(sums - np.asarray(ref["hidden_step_sums"])).max()) <= 1e-5


@pytest.mark.parametrize("name", MODELS)
def test_bundled_model_gates_and_ablation(name):
    path = REPO / "media" / "models" / name
    meta = read_metadata(path)
    rnn = json.loads(meta["rcnn_lens.rnn"])
    m, n = json.loads(meta["rcnn_lens.grid"])
    x = np.random.default_rng(7).standard_normal((2, *V1[name]["shape"][1:]), dtype=np.float32)
    ones = np.ones((2, m * n), np.float32)
    masked = ones.copy()
    masked[:, 3] = 0
    a, b = run(path, x, ones), run(path, x, masked)
    width = rnn["hidden_size"] * (2 if rnn["bidirectional"] else 1) * (1 if rnn["type"] == "gru" else 2)
    assert a["gates"].shape == (2, m * n, width)
    assert a["gates"].min() >= 0 and a["gates"].max() <= 1
    # the masked step reads something else: its gates and the prediction move, earlier forward states do not
    assert not np.allclose(a["gates"][:, 3], b["gates"][:, 3])
    assert not np.allclose(a["logits"], b["logits"])
    h = rnn["hidden_size"]
    np.testing.assert_array_equal(a["hidden"][:, :3, :h], b["hidden"][:, :3, :h])
