"""The folder-training entry point the extension calls: its JSON-lines events, exit codes and model."""
from __future__ import annotations

import json

import onnx
import pytest

from training.rcnn_lens_train.contract import validate_model

from folder_helpers import run_folder_train, write_tiny_config
from helpers import make_synthetic_folder


@pytest.fixture(scope="module")
def two_classes(tmp_path_factory):
    return make_synthetic_folder(tmp_path_factory.mktemp("folder") / "data", n_per_class=30, size=16,
                                 classes=("bars", "blobs"))


def errors(events):
    return [e for e in events if e["event"] == "error"]


def test_scratch_run_writes_a_valid_model_and_reports_progress(two_classes, tmp_path):
    out = tmp_path / "m.onnx"
    rc, events, err = run_folder_train(two_classes, "--out", out, "--epochs", "2", "--from", "none",
                                       "--model-config", write_tiny_config(tmp_path))
    assert rc == 0, err
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("epoch") == 2
    start, done = events[0], events[-1]
    assert start["classes"] == ["bars", "blobs"] and start["counts"] == {"bars": 30, "blobs": 30}
    assert start["train_images"] + start["val_images"] == 60
    for e in (e for e in events if e["event"] == "epoch"):
        assert {"epoch", "epochs", "loss", "val_acc", "eta_s", "elapsed_s"} <= set(e)
    assert done["model"] == str(out) and done["labels"] == ["bars", "blobs"]
    assert sum(map(sum, done["confusion"])) == start["val_images"]
    assert validate_model(out, producer=True) == []
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    card = json.loads(meta["rcnn_lens.model_card"])
    assert card["data"]["counts"] == {"bars": 30, "blobs": 30} and card["val_accuracy"] == done["val_acc"]
    assert card["from_model"]["path"] is None
    assert not (tmp_path / "m.onnx.checkpoint").exists()  # removed once the model is written


def test_one_class_is_too_few_classes(tmp_path):
    root = make_synthetic_folder(tmp_path / "data", n_per_class=12, size=16, classes=("bars",))
    rc, events, _ = run_folder_train(root, "--out", tmp_path / "m.onnx")
    assert rc == 2 and errors(events)[0]["code"] == "too_few_classes"
    assert not (tmp_path / "m.onnx").exists()


def test_too_few_images_names_the_classes(tmp_path):
    root = make_synthetic_folder(tmp_path / "data", n_per_class=12, size=16, classes=("bars", "blobs"))
    for f in sorted((root / "blobs").iterdir())[:5]:
        f.unlink()
    rc, events, _ = run_folder_train(root, "--out", tmp_path / "m.onnx")
    err = errors(events)[0]
    assert rc == 2 and err["code"] == "too_few_images"
    assert "blobs (7)" in err["message"] and err["details"]["classes"] == {"blobs": 7}


@pytest.mark.parametrize("path", ["../outside.png", "/etc/passwd", "bars/../../outside.png"])
def test_manifest_path_outside_the_root_is_refused(two_classes, tmp_path, path):
    manifest = tmp_path / "m.json"
    items = [{"path": f"bars/{i:04d}.png", "label": "bars"} for i in range(12)] + [{"path": path, "label": "blobs"}]
    manifest.write_text(json.dumps({"root": str(two_classes), "classes": ["bars", "blobs"], "items": items}))
    rc, events, _ = run_folder_train("--manifest", manifest, "--out", tmp_path / "m.onnx")
    assert rc == 2 and errors(events)[0]["code"] == "bad_manifest"


def test_bad_arguments_are_an_error_event(tmp_path):
    rc, events, _ = run_folder_train(tmp_path, "--epochs", "3")
    assert rc == 2 and errors(events)[0]["code"] == "bad_arguments" and "--out" in errors(events)[0]["message"]
