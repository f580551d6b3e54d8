"""python3 -m training.reexport turns a v1 file into v2 with the same weights, or writes nothing."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from helpers import make_synthetic_folder
from training.rcnn_lens_train.config import ModelConfig
from training.rcnn_lens_train.contract import validate_model
from training.rcnn_lens_train.errors import UserError
from training.rcnn_lens_train.export import export_onnx, read_metadata
from training.rcnn_lens_train.model import RCNN
from training.rcnn_lens_train.reexport import max_output_difference, reexport

CLASSES = ["bars", "blobs", "checks", "rings"]


@pytest.fixture(scope="module")
def v1_model(tmp_path_factory, cache_env):
    root = tmp_path_factory.mktemp("reexport")
    data = make_synthetic_folder(root / "data", n_per_class=8, size=16)
    torch.manual_seed(4)
    cfg = ModelConfig(height=16, width=16, widths=[6, 8], pools=[1, 1], context_widths=[], hidden_size=5,
                      attention_size=3, num_classes=4, stem="conv", head="attention", rnn_type="lstm")
    card = {"dataset": "synthetic", "split": "8 held out", "val_accuracy": 0.25, "val_images": 8, "split_seed": 0,
            "training_command": "pytest", "date": "test", "train_data_path": str(data)}
    path = root / "m.onnx"
    export_onnx(RCNN(cfg).eval(), path, CLASSES, "m", card=card, outputs=["logits", "hidden", "step_logits",
                                                                           "attention"])
    return path, data


def test_reexport_writes_v2_with_the_same_outputs(v1_model, tmp_path):
    src, _ = v1_model
    assert read_metadata(src)["rcnn_lens.contract"] == "1"
    out = tmp_path / "v2.onnx"
    r = reexport(src, out, bench=False, log=lambda *a: None)
    assert validate_model(out, producer=True) == []
    meta = read_metadata(out)
    assert meta["rcnn_lens.contract"] == "2"
    ablation = json.loads(meta["rcnn_lens.ablation"])
    assert ablation["images"] == 24 and ablation["feature_size"] == 8  # 32 images, 8 held out
    x = np.random.default_rng(0).standard_normal((4, 3, 16, 16), dtype=np.float32)
    assert max(max_output_difference(src, out, x).values()) <= 1e-6
    assert max(r["max_abs_diff"].values()) <= 1e-6
    assert json.loads(meta["rcnn_lens.model_card"])["reexported"]["from"]["file"] == "m.onnx"
    assert (tmp_path / "v2.card.md").exists()


def test_reexport_without_training_data_writes_nothing(v1_model, tmp_path):
    src, data = v1_model
    out = tmp_path / "never.onnx"
    with pytest.raises(UserError):
        reexport(src, out, data=str(tmp_path / "no-such-folder"), bench=False, log=lambda *a: None)
    assert not out.exists()
