"""Train, export and evaluate agree on the data: resize policy, split seed, class order, data_path."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from helpers import make_synthetic_folder, run_cli
from training.rcnn_lens_train.config import ModelConfig, TrainConfig
from training.rcnn_lens_train.contract import validate_model
from training.rcnn_lens_train.errors import UserError
from training.rcnn_lens_train.evaluate import onnx_accuracy, validation_split
from training.rcnn_lens_train.export import read_metadata
from training.rcnn_lens_train.export_cli import export_checkpoint
from training.rcnn_lens_train.train import train

CLASSES = ["bars", "blobs", "checks", "rings"]


@pytest.fixture(scope="module")
def run(tmp_path_factory, cache_env):
    """A tiny letterbox model (square 16x16 images into an 8x16 input: 8x8 content, 4 px of padding
    left and right) trained for one epoch with split seed 3 and training seed 1."""
    root = tmp_path_factory.mktemp("letterbox")
    data = make_synthetic_folder(root / "data", n_per_class=12, size=16)
    m = ModelConfig(height=8, width=16, widths=[8, 8], pools=[1, 1], context_widths=[], hidden_size=4,
                    attention_size=4, num_classes=4, resize="letterbox", stem="conv")
    t = TrainConfig(data=str(data), name="lb", out_dir=str(root / "runs"), epochs=1, batch_size=16,
                    val_images=8, time_budget_minutes=0, tta=False, translate=2, seed=1, split_seed=3, bf16=False)
    res = train(m, t, log=lambda *a: None)
    return root, data, res


def test_letterbox_model_is_measured_the_same_by_export_and_evaluate(run):
    root, data, res = run
    ck = torch.load(res["checkpoint"], weights_only=False)
    assert ck["train_config"]["split_seed"] == 3 and ck["model_config"]["resize"] == "letterbox"
    out = root / "lb.onnx"
    r = export_checkpoint(res["checkpoint"], str(out), bench=False, log=lambda *a: None)
    assert validate_model(out, producer=True) == []
    card = r["card"]
    assert card["split_seed"] == 3 and "split seed 3" in card["split"]
    assert card["data_path"] == card["train_data_path"] == str(data)
    meta = read_metadata(out)
    pre = json.loads(meta["rcnn_lens.preprocess"])
    assert pre["resize"] == "letterbox"
    # evaluate decodes with the model's policy and pads with its mean colour: the same images, the same accuracy
    x, y = validation_split(meta, card["data_path"], card["val_images"], card["split_seed"])
    pad = [int(np.floor(v * 255 + 0.5)) for v in pre["mean"]]
    assert (x[:, :, :, :4] == np.array(pad, np.uint8)[None, :, None, None]).all()
    assert onnx_accuracy(str(out), x, y)["accuracy"] == pytest.approx(card["val_accuracy"], abs=1e-9)
    # and pytorch during training saw the same validation images (same split seed, same padding)
    assert card["val_accuracy_pytorch_last_epoch"] == pytest.approx(card["val_accuracy"], abs=0.13)


def test_export_on_other_data_records_it_and_checks_the_classes(run, tmp_path):
    root, data, res = run
    other = make_synthetic_folder(tmp_path / "other", n_per_class=5, size=16, seed=7)
    out = tmp_path / "o.onnx"
    # a folder that lacks one of the model's classes fails before anything is exported
    gap = tmp_path / "gap"
    shutil.copytree(other, gap)
    shutil.rmtree(gap / "checks")
    with pytest.raises(UserError, match="missing from the data: checks"):
        export_checkpoint(res["checkpoint"], str(out), data=str(gap), bench=False, log=lambda *a: None)
    assert not out.exists()
    r = export_checkpoint(res["checkpoint"], str(out), data=str(other), bench=False, log=lambda *a: None)
    card = r["card"]
    assert card["data_path"] == str(other) and card["train_data_path"] == str(data)
    assert "not the training data" in card["split"] and card["train_images"] is None
    # evaluate's default is the card's data_path: it re-measures what the card says
    rr = run_cli(["-m", "training.evaluate", str(out), "--threads", "1"])
    assert rr.returncode == 0, rr.stderr
    got = json.loads(rr.stdout[rr.stdout.index("{"):])  # after any "decoding ..." line
    assert got["data"] == str(other) and got["accuracy"] == pytest.approx(card["val_accuracy"], abs=1e-9)
