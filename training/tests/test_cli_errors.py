"""Bad input to the training CLI gives a clear error message (exit code 2), not a bare stack trace."""
from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import make_synthetic_folder, make_truncated_archive, run_cli

TRAIN = ["-m", "training.train", "--epochs", "1", "--time-budget", "0", "--val-images", "8", "--size", "16",
         "--widths", "4,8", "--pools", "1,1", "--context-widths", "4", "--hidden-size", "4"]


@pytest.fixture()
def env(tmp_path):
    return {"RCNN_LENS_CACHE": str(tmp_path / "cache")}


def check(r, *needles):
    out = r.stderr + r.stdout
    assert r.returncode == 2, f"exit {r.returncode}\n{out}"
    assert "Traceback" not in out, out
    assert out.strip().startswith("error:") or "error:" in r.stderr, out
    for s in needles:
        assert s in out, f"{s!r} not in {out!r}"


def test_missing_archive(tmp_path, env):
    r = run_cli([*TRAIN, "--data", str(tmp_path / "nope" / "cifar10-train-jpeg.tar.gz"), "--out-dir", str(tmp_path)],
                env=env)
    check(r, "dataset not found", "nope")


def test_empty_class_folder(tmp_path, env):
    root = make_synthetic_folder(tmp_path / "data", n_per_class=4, size=16)
    (root / "empty_class").mkdir()
    r = run_cli([*TRAIN, "--data", str(root), "--out-dir", str(tmp_path)], env=env)
    check(r, "without images", "empty_class")


def test_unreadable_image(tmp_path, env):
    root = make_synthetic_folder(tmp_path / "data", n_per_class=4, size=16)
    (root / "bars" / "broken.jpg").write_bytes(b"this is not a jpeg")
    r = run_cli([*TRAIN, "--data", str(root), "--out-dir", str(tmp_path)], env=env)
    check(r, "cannot read image", "broken.jpg")


def test_corrupt_archive(tmp_path, env):
    bad = tmp_path / "data.tar.gz"
    bad.write_bytes(b"\x1f\x8b garbage")
    r = run_cli([*TRAIN, "--data", str(bad), "--out-dir", str(tmp_path)], env=env)
    check(r, "cannot open archive")


@pytest.mark.parametrize("content,needle", [
    ({"model": {"scan_order": "diagonal"}}, "scan_order"),
    ({"model": {"rnn_type": "transformer"}}, "rnn_type"),
    ({"model": {"hiden_size": 12}}, "unknown model config key"),
    ({"train": {"epochs": "ten"}}, "wrong type"),
    ({"optimiser": {}}, "unknown section"),
    ({"model": {"channels": 1, "color": "rgb"}}, "does not match channels"),
    ({"model": {"pools": [1, 1, 1, 1, 1, 1]}}, "pools"),
    # 28x28 pooled twice is a 7x7 grid: a context stage cannot pool it again
    ({"model": {"channels": 1, "color": "grey", "height": 28, "width": 28, "widths": [8, 16], "pools": [1, 1],
                "context_widths": [8], "mean": [0.5], "std": [0.25]}}, "cannot be pooled"),
    ({"model": {"context_widths": [0]}}, "context_widths"),
    ({"model": {"widths": ["a"]}}, "widths must be a list of integers"),
    ({"model": {"mean": ["x", 0.5, 0.5]}}, "mean must be a list of numbers"),
    ({"model": {"std": [0.25, 0, 0.25]}}, "std values must be > 0"),
    ({"model": {"dropout": 2}}, "dropout must be in [0, 1)"),
    ({"train": {"label_smoothing": 1.5}}, "label_smoothing must be in [0, 1)"),
    ({"train": {"data_kind": "zip"}}, "data_kind"),
])
def test_wrong_config(tmp_path, env, content, needle):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(content))
    r = run_cli(["-m", "training.train", "--config", str(cfg), "--data", str(tmp_path)], env=env)
    check(r, needle)


def test_config_not_json(tmp_path, env):
    cfg = tmp_path / "cfg.json"
    cfg.write_text("{model: oops")
    r = run_cli(["-m", "training.train", "--config", str(cfg)], env=env)
    check(r, "not valid JSON")


def test_bad_flag_values(tmp_path, env):
    r = run_cli(["-m", "training.train", "--widths", "a,b"], env=env)
    check(r, "--widths")
    r = run_cli(["-m", "training.train", "--size", "32", "--pools", "1,1,1,1,1,1", "--widths", "1,1,1,1,1,1"], env=env)
    check(r, "not divisible")
    r = run_cli(["-m", "training.train", "--context-widths", "wide"], env=env)
    check(r, "--context-widths")


def test_evaluate_and_export_missing_files(tmp_path, env):
    r = run_cli(["-m", "training.evaluate", str(tmp_path / "none.onnx")], env=env)
    check(r, "model not found")
    r = run_cli(["-m", "training.export", str(tmp_path / "none.pt"), "--out", str(tmp_path / "x.onnx")], env=env)
    check(r, "checkpoint not found")


def test_unknown_or_missing_device(tmp_path, env):
    r = run_cli(["-m", "training.train", "--device", "tpu7", "--data", str(tmp_path)], env=env)
    check(r, "device 'tpu7'")
    import torch
    if not torch.cuda.is_available():
        r = run_cli(["-m", "training.train", "--device", "cuda", "--data", str(tmp_path)], env=env)
        check(r, "sees no CUDA GPU", "--device cpu")


def test_sweep_plan_errors(tmp_path, env):
    r = run_cli(["-m", "training.sweep", str(tmp_path / "none.json"), "--out", str(tmp_path / "o")], env=env)
    check(r, "sweep plan not found")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"runs": {"a b": []}}))
    r = run_cli(["-m", "training.sweep", str(plan), "--out", str(tmp_path / "o")], env=env)
    check(r, "run name 'a b'")
    plan.write_text(json.dumps({"runs": {"a": "--ema 0.9"}}))
    r = run_cli(["-m", "training.sweep", str(plan), "--out", str(tmp_path / "o")], env=env)
    check(r, "list of strings")


@pytest.mark.parametrize("flags,needle", [
    (["--size", "0"], "positive sizes"),
    (["--size", "-8"], "positive sizes"),
    (["--label-smoothing", "1.5"], "label_smoothing must be in [0, 1)"),
    (["--dropout", "2"], "dropout must be in [0, 1)"),
    (["--translate", "40"], "translate 40 px must be smaller than the input"),
    (["--cutout", "-1"], "cutout must be >= 0"),
    (["--ema", "1"], "ema must be in [0, 1)"),
    (["--lr", "0"], "lr must be > 0"),
    (["--epochs", "0"], "must be >= 1"),
    (["--momentum", "1"], "momentum must be in (0, 1)"),
    (["--bn-momentum", "0"], "bn_momentum must be in (0, 1]"),
    (["--bn-bias-lr-scale", "0"], "bn_bias_lr_scale must be > 0"),
    (["--head", "pool", "--export", "never-written.onnx"], "head 'pool' is a training diagnostic"),
])
def test_out_of_range_values_fail_before_any_data_is_read(tmp_path, env, flags, needle):
    # the data path does not exist: the config error must come first, i.e. before decoding
    r = run_cli(["-m", "training.train", "--data", str(tmp_path / "not-there"), *flags], env=env)
    check(r, needle)
    assert "dataset not found" not in r.stderr


def test_fewer_validation_images_than_classes(tmp_path, env):
    root = make_synthetic_folder(tmp_path / "data", n_per_class=4, size=16)
    r = run_cli([*TRAIN, "--val-images", "2", "--data", str(root), "--out-dir", str(tmp_path)], env=env)
    check(r, "less than the number of classes (4)")


def test_truncated_archive(tmp_path, env):
    cut = make_truncated_archive(tmp_path)
    r = run_cli([*TRAIN, "--data", str(cut), "--out-dir", str(tmp_path)], env=env)
    check(r, "truncated or corrupt", "cut.tar.gz")


def test_nested_class_folders(tmp_path, env):
    make_synthetic_folder(tmp_path / "data" / "train", n_per_class=2, size=16)
    make_synthetic_folder(tmp_path / "data" / "test", n_per_class=2, size=16)
    r = run_cli([*TRAIN, "--data", str(tmp_path / "data"), "--out-dir", str(tmp_path)], env=env)
    check(r, "sub-folders with images", "<root>/train")


def test_evaluate_checks_the_classes(tmp_path, env, repo_root):
    # fixture model: CIFAR-10 labels, 32x32 rgb
    model = str(repo_root / "test" / "fixtures" / "models" / "tiny-logits-only.onnx")
    other = make_synthetic_folder(tmp_path / "other", n_per_class=3, size=32)
    r = run_cli(["-m", "training.evaluate", model, "--data", str(other), "--all"], env=env)
    check(r, "do not match the model's labels", "not in the model: bars")
    # a test folder with only some of the model's classes: matched by name with --all ...
    subset = make_synthetic_folder(tmp_path / "subset", n_per_class=3, size=32, classes=("cat", "dog"))
    r = run_cli(["-m", "training.evaluate", model, "--data", str(subset), "--all"], env=env)
    assert r.returncode == 0, r.stderr
    assert set(json.loads(r.stdout[r.stdout.index("{"):])["per_class"]) == {"cat", "dog"}
    # ... but a held-out split needs every class (a missing one would shift the label indices)
    r = run_cli(["-m", "training.evaluate", model, "--data", str(subset), "--val-images", "2"], env=env)
    check(r, "missing from the data: airplane, automobile, bird")
