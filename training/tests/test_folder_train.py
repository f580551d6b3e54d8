"""The folder-training entry point the extension calls: its JSON-lines events, exit codes and model."""
from __future__ import annotations

import json

import onnx
import torch
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


@pytest.fixture(scope="module")
def source_model(two_classes, tmp_path_factory):
    """A small model trained on bars/blobs, the starting point of the fine-tuning tests."""
    tmp = tmp_path_factory.mktemp("source")
    out = tmp / "source.onnx"
    rc, _, err = run_folder_train(two_classes, "--out", out, "--epochs", "3", "--model-config", write_tiny_config(tmp))
    assert rc == 0, err
    return out


def _cnn_weights(path):
    from training.rcnn_lens_train.onnx_import import load_rcnn_from_onnx

    model, _, _ = load_rcnn_from_onnx(path)
    return {k: v for k, v in model.state_dict().items() if k.startswith(("cnn.", "context."))}


def test_fine_tuning_with_new_classes_gets_a_new_classifier_and_keeps_the_frozen_cnn(source_model, tmp_path):
    root = make_synthetic_folder(tmp_path / "data", n_per_class=20, size=16, classes=("bars", "blobs", "checks"))
    out = tmp_path / "tuned.onnx"
    rc, events, err = run_folder_train(root, "--out", out, "--from", source_model, "--epochs", "2")
    assert rc == 0, err
    start, done = events[0], events[-1]
    assert start["freeze_cnn"] is True  # small folder: frozen by default
    assert start["source"]["classifier"] == "new" and start["source"]["labels"] == ["bars", "blobs"]
    assert done["labels"] == ["bars", "blobs", "checks"] and len(done["confusion"]) == 3
    card = done["card"]
    assert card["from_model"]["path"] == str(source_model) and card["freeze_cnn"] is True
    before, after = _cnn_weights(source_model), _cnn_weights(out)
    assert before.keys() == after.keys() and all(torch.allclose(before[k], after[k], atol=1e-5) for k in before)


def test_no_freeze_cnn_trains_the_cnn_too(source_model, two_classes, tmp_path):
    out = tmp_path / "tuned.onnx"
    rc, events, err = run_folder_train(two_classes, "--out", out, "--from", source_model, "--epochs", "1",
                                       "--no-freeze-cnn")
    assert rc == 0, err
    assert events[0]["freeze_cnn"] is False and events[0]["source"]["classifier"] == "kept"
    before, after = _cnn_weights(source_model), _cnn_weights(out)
    assert any(not torch.allclose(before[k], after[k], atol=1e-5) for k in before if k.endswith("weight"))


def test_a_file_that_is_no_model_is_bad_model(two_classes, tmp_path):
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not an onnx file")
    rc, events, _ = run_folder_train(two_classes, "--out", tmp_path / "m.onnx", "--from", fake)
    assert rc == 2 and errors(events)[0]["code"] == "bad_model"


def _wait_for_epoch(proc, epoch: int) -> list[dict]:
    seen = []
    for line in proc.stdout:
        seen.append(json.loads(line))
        if seen[-1]["event"] in ("done", "error") or seen[-1].get("epoch", 0) >= epoch and seen[-1]["event"] == "epoch":
            break
    return seen


def test_sigterm_leaves_a_checkpoint_that_resumes(two_classes, tmp_path):
    import signal
    import subprocess

    from folder_helpers import folder_env, folder_train_cmd

    out, ckdir = tmp_path / "m.onnx", tmp_path / "ck"
    args = [two_classes, "--out", out, "--epochs", "400", "--checkpoint-dir", ckdir,
            "--model-config", write_tiny_config(tmp_path)]
    proc = subprocess.Popen(folder_train_cmd(*args), stdout=subprocess.PIPE, text=True, env=folder_env())
    try:
        seen = _wait_for_epoch(proc, 2)
        assert seen[-1]["event"] == "epoch", seen
        proc.send_signal(signal.SIGTERM)
        rest = [json.loads(line) for line in proc.stdout]
        assert proc.wait(timeout=60) == 3
    finally:
        proc.kill()
    cancelled = rest[-1]
    assert cancelled["event"] == "cancelled" and cancelled["checkpoint"] == str(ckdir / "folder-train.pt")
    assert (ckdir / "folder-train.pt").is_file() and not out.exists()
    done_epochs = max(e["epoch"] for e in seen + rest if e["event"] == "epoch")

    rc, events, err = run_folder_train(*args[:3], "--epochs", str(done_epochs + 1), *args[5:], "--resume")
    assert rc == 0, err
    assert events[0]["resumed"] is True
    epochs = [e["epoch"] for e in events if e["event"] == "epoch"]
    assert done_epochs >= 2 and epochs[0] >= done_epochs  # continues where it stopped, not from epoch 1
    assert events[-1]["event"] == "done" and out.is_file()
    assert not (ckdir / "folder-train.pt").exists()


def test_resume_without_checkpoint_is_an_error(two_classes, tmp_path):
    rc, events, _ = run_folder_train(two_classes, "--out", tmp_path / "m.onnx", "--resume",
                                     "--checkpoint-dir", tmp_path / "none")
    assert rc == 2 and errors(events)[0]["code"] == "no_checkpoint"


def test_resume_refuses_a_changed_folder(two_classes, tmp_path):
    import shutil

    from training.rcnn_lens_train import folder_checkpoint

    root = tmp_path / "data"
    shutil.copytree(two_classes, root)
    folder_checkpoint.save(tmp_path / "ck", {"fingerprint": "an older folder"})
    rc, events, _ = run_folder_train(root, "--out", tmp_path / "m.onnx", "--resume", "--checkpoint-dir",
                                     tmp_path / "ck")
    assert rc == 2 and errors(events)[0]["code"] == "resume_mismatch"


def test_symlink_out_of_the_folder_is_not_read(two_classes, tmp_path):
    import shutil

    from training.rcnn_lens_train.folder_data import from_folder

    root = tmp_path / "data"
    shutil.copytree(two_classes, root)
    secret = tmp_path / "secret.png"
    shutil.copy(root / "bars" / "0000.png", secret)
    (root / "bars" / "link.png").symlink_to(secret)
    (root / "outside").symlink_to(tmp_path, target_is_directory=True)
    data = from_folder(str(root))
    assert data.classes == ["bars", "blobs"] and data.counts() == {"bars": 30, "blobs": 30}
    assert all(str(f).startswith(str(root.resolve())) for f in data.files)


def test_missing_package_is_named(monkeypatch, tmp_path):
    import io

    from training.rcnn_lens_train import folder_train
    from training.rcnn_lens_train.events import EventStream

    monkeypatch.setattr(folder_train, "REQUIRED_PACKAGES",
                        {**folder_train.REQUIRED_PACKAGES, "no_such_module_rcnn": "no-such-package"})
    out = io.StringIO()
    rc = folder_train.main([str(tmp_path), "--out", str(tmp_path / "m.onnx")], events=EventStream(out))
    event = json.loads(out.getvalue())
    assert rc == 2 and event["code"] == "missing_package" and event["details"]["packages"] == ["no-such-package"]
