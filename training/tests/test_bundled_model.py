"""The bundled default model follows the contract and reproduces its card's accuracy on a fixed sample."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helpers import REPO
from training.rcnn_lens_train.contract import validate_model
from training.rcnn_lens_train.export import read_metadata

MODEL = REPO / "media" / "models" / "rcnn-cifar10.onnx"
CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@pytest.fixture(scope="module")
def meta():
    assert MODEL.exists(), f"{MODEL} is missing"
    return read_metadata(MODEL)


@pytest.fixture(scope="module")
def card(meta):
    return json.loads(meta["rcnn_lens.model_card"])


def test_bundled_model_validates(meta):
    assert validate_model(MODEL) == []
    assert validate_model(MODEL, producer=True) == []  # written by training.export: card, name, color, layers
    assert json.loads(meta["rcnn_lens.labels"]) == CIFAR10
    m, n = json.loads(meta["rcnn_lens.grid"])
    assert m * n >= 64
    assert json.loads(meta["rcnn_lens.input"]) == {"channels": 3, "height": 32, "width": 32, "color": "rgb"}
    assert json.loads(meta["rcnn_lens.rnn"])["bidirectional"] is True
    assert meta["rcnn_lens.head"] == "attention"
    assert MODEL.stat().st_size <= 10 * 1024 * 1024


def test_bundled_model_outputs(meta):
    import onnxruntime as ort

    s = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((3, 3, 32, 32), dtype=np.float32)
    from training.rcnn_lens_train.evaluate import model_feeds

    out = dict(zip([o.name for o in s.get_outputs()], s.run(None, model_feeds(s, x))))  # all-ones step_mask
    rnn = json.loads(meta["rcnn_lens.rnn"])
    d = rnn["hidden_size"] * 2
    assert out["logits"].shape == (3, 10)
    assert out["hidden"].shape == (3, 64, d)
    assert out["step_logits"].shape == (3, 64, 10)
    np.testing.assert_allclose(out["attention"].sum(1), 1.0, atol=1e-5)
    # logits are the attention-weighted step logits (the classifier is linear)
    np.testing.assert_allclose(np.einsum("bl,blk->bk", out["attention"], out["step_logits"]), out["logits"],
                               atol=1e-4)


def test_card_has_measured_numbers(card):
    for k in ("dataset", "split", "val_accuracy", "val_images", "training_command", "date", "epochs",
              "train_minutes", "params"):
        assert k in card, k
    assert card["dataset"] == "CIFAR-10"
    assert card["val_images"] == 5000


def test_card_accuracy_reproduces_on_first_500_validation_images(card, repo_root):
    data = (repo_root / card.get("data_path", "../shared/datasets/cifar10-train-jpeg.tar.gz")).resolve()
    if not data.exists():
        pytest.skip(f"CIFAR-10 archive not found at {data}; cannot re-measure the card's accuracy")
    from training.rcnn_lens_train.evaluate import onnx_accuracy, validation_split

    x, y = validation_split(read_metadata(MODEL), str(data), card["val_images"], card.get("split_seed", 0))
    assert len(y) == 5000 and np.bincount(y).tolist() == [500] * 10
    r = onnx_accuracy(str(MODEL), x[:500], y[:500])
    assert abs(r["accuracy"] - card["val_accuracy_first500"]) <= 0.004, (r["accuracy"], card["val_accuracy_first500"])
