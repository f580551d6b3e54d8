"""The committed fixture models in test/fixtures/models have the properties the extension tests rely on."""
import json

import numpy as np
import onnxruntime as ort

from helpers import REPO
from training.rcnn_lens_train.contract import validate_model
from training.rcnn_lens_train.export import read_metadata

D = REPO / "test" / "fixtures" / "models"


def run(path, shape):
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    return dict(zip([o.name for o in s.get_outputs()], s.run(None, {s.get_inputs()[0].name: x})))


def test_logits_only():
    p = D / "tiny-logits-only.onnx"
    assert validate_model(p) == []
    out = run(p, (2, 3, 32, 32))
    assert list(out) == ["logits"] and out["logits"].shape == (2, 10)
    assert p.stat().st_size < 200 * 1024


def test_grey_lstm_snake_final():
    p = D / "tiny-grey-lstm-snake-final.onnx"
    assert validate_model(p) == []
    meta = read_metadata(p)
    assert json.loads(meta["rcnn_lens.input"]) == {"channels": 1, "height": 28, "width": 28, "color": "grey"}
    assert json.loads(meta["rcnn_lens.grid"]) == [7, 7]
    assert meta["rcnn_lens.scan_order"] == "snake" and meta["rcnn_lens.head"] == "final"
    assert json.loads(meta["rcnn_lens.rnn"]) == {"type": "lstm", "hidden_size": 16, "layers": 1,
                                                 "bidirectional": False}
    assert len(json.loads(meta["rcnn_lens.labels"])) == 10
    out = run(p, (3, 1, 28, 28))
    assert set(out) == {"logits", "hidden", "step_logits"}
    assert out["hidden"].shape == (3, 49, 16) and out["step_logits"].shape == (3, 49, 10)
    assert p.stat().st_size < 200 * 1024


def test_bad_no_metadata():
    p = D / "bad-no-metadata.onnx"
    assert read_metadata(p) == {}
    assert any("missing metadata" in s for s in validate_model(p))
    assert run(p, (1, 3, 32, 32))["logits"].shape == (1, 10)
