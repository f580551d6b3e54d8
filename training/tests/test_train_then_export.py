"""`python3 -m training.train --export OUT` trains, then exports in a fresh process (the entry point's job)."""
from __future__ import annotations

from helpers import make_synthetic_folder, run_cli
from training.rcnn_lens_train.contract import validate_model


def test_train_with_export_writes_a_valid_contract_model(tmp_path):
    data = make_synthetic_folder(tmp_path / "data", n_per_class=10, size=16)
    out = tmp_path / "m.onnx"
    r = run_cli(["-m", "training.train", "--data", str(data), "--out-dir", str(tmp_path), "--name", "tx",
                 "--epochs", "1", "--time-budget", "0", "--val-images", "8", "--size", "16", "--widths", "4,8",
                 "--pools", "1,1", "--context-widths", "4", "--hidden-size", "4", "--batch-size", "16",
                 "--device", "cpu", "--export", str(out)],
                env={"RCNN_LENS_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr + r.stdout
    assert out.is_file()
    assert validate_model(str(out), producer=True) == []
