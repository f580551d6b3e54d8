"""The int8 variant: export --int8 writes it with its quantization metadata, the accuracy guard refuses
a variant that loses too much, both validators accept it, and the bundled one matches its fp32 model."""
from __future__ import annotations

import json

import pytest

from helpers import REPO, make_synthetic_folder, run_cli
from training.rcnn_lens_train.config import ModelConfig, TrainConfig
from training.rcnn_lens_train.contract import quantization_problems, validate_model
from training.rcnn_lens_train.errors import UserError
from training.rcnn_lens_train.export import read_metadata
from training.rcnn_lens_train.export_cli import export_checkpoint
from training.rcnn_lens_train.export_int8 import _guard, make_int8_variant
from training.rcnn_lens_train.int8_graph import UNROLLED_RNN
from training.rcnn_lens_train.quantize import file_hash, variant_path
from training.rcnn_lens_train.train import train

QUIET = dict(log=lambda *a: None)


@pytest.fixture(scope="module")
def fp32(tmp_path_factory, cache_env):
    """A tiny attention-head model, trained one epoch on synthetic patterns and exported (fp32)."""
    root = tmp_path_factory.mktemp("int8")
    data = make_synthetic_folder(root / "data", n_per_class=16, size=16)
    m = ModelConfig(height=16, width=16, widths=[8, 8], pools=[1, 1], context_widths=[], hidden_size=4,
                    attention_size=4, num_classes=4, stem="conv", head="attention")
    t = TrainConfig(data=str(data), name="q", out_dir=str(root / "runs"), epochs=1, batch_size=16, val_images=16,
                    time_budget_minutes=0, tta=False, seed=1, split_seed=0, bf16=False)
    res = train(m, t, **QUIET)
    out = root / "q.onnx"
    export_checkpoint(res["checkpoint"], str(out), bench=False, **QUIET)
    return out


def test_export_int8_writes_the_variant_with_its_quantization_metadata(fp32):
    r = make_int8_variant(fp32, calibration_images=16, selection_images=16, max_drop_points=100, bench=False, **QUIET)
    out = variant_path(fp32)
    assert r["onnx"] == str(out) and out.name == "q.int8.onnx" and (fp32.parent / "q.int8.card.md").exists()
    assert validate_model(out, producer=True) == []
    meta, fp32_meta = read_metadata(out), read_metadata(fp32)
    # the contract metadata is the fp32 model's, plus the quantization record
    assert {k: v for k, v in meta.items() if k not in ("rcnn_lens.model_card", "rcnn_lens.quantization")} == \
        {k: v for k, v in fp32_meta.items() if k != "rcnn_lens.model_card"}
    q = json.loads(meta["rcnn_lens.quantization"])
    assert q["precision"] == "int8" and q["fp32_model"]["hash"] == file_hash(fp32)
    assert q["calibration"]["images"] == 16 and q["calibration"]["method"] in ("minmax", "percentile", "entropy")
    assert set(q["calibration"]["methods_tried"]) == {"minmax", "percentile", "entropy"}
    v = q["validation"]
    assert v["images"] == 16 and 0 <= v["top1_agreement"] <= 1
    assert v["drop_points"] == pytest.approx((v["fp32_accuracy"] - v["int8_accuracy"]) * 100, abs=0.01)
    assert set(q["parity"]) == {"logits", "hidden", "step_logits", "attention", "gates"}
    assert all(p["max_abs"] >= p["mean_abs"] >= 0 for p in q["parity"].values())
    # QDQ: the weights went to int8 (the graph carries QuantizeLinear/DequantizeLinear nodes)
    import onnx

    graph = onnx.load(str(out)).graph
    ops = {n.op_type for n in graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    # the RNN is unrolled: its input projections take int8 weights, its recurrent products (both directions
    # in one step: state [2, B, H] x the stacked W_hh^T [2, H, 3H]) keep fp32 ones
    assert q["rnn"] == UNROLLED_RNN and not ops & {"GRU", "LSTM"}
    made_by = {o: n.op_type for n in graph.node for o in n.output}
    fp32_weights = {i.name: list(i.dims) for i in graph.initializer if i.data_type == onnx.TensorProto.FLOAT}
    products = [n for n in graph.node if n.op_type in ("MatMul", "Gemm")]
    assert sum(made_by.get(n.input[1]) == "DequantizeLinear" for n in products) >= 2
    recurrent = [n for n in products if fp32_weights.get(n.input[1]) == [2, 4, 12]]
    assert len(recurrent) == 16  # one per step of the 4 x 4 grid, for both directions
    card = json.loads(meta["rcnn_lens.model_card"])
    assert card["precision"] == "int8" and card["val_accuracy"] == v["int8_accuracy"]


def test_guard_refuses_a_variant_that_loses_too_much_and_writes_nothing(fp32, tmp_path):
    with pytest.raises(UserError, match=r"0\.50 points below .*allowed: 0\.3"):
        _guard(0.90, 0.895, 0.3)
    assert _guard(0.90, 0.898, 0.3) == pytest.approx(0.2)
    out = tmp_path / "refused.int8.onnx"
    # no variant can be 100 points better than its fp32 model
    with pytest.raises(UserError, match="points below the fp32 model"):
        make_int8_variant(fp32, out, calibration_images=16, methods=("minmax",), max_drop_points=-100, bench=False,
                          **QUIET)
    assert not out.exists()


def test_cli_int8_from_onnx_and_its_refusal(fp32, tmp_path):
    r = run_cli(["-m", "training.export", "--from-onnx", str(fp32)])
    assert r.returncode != 0 and "--int8" in r.stderr
    r = run_cli(["-m", "training.export", "--int8", "--from-onnx", str(fp32), "--calibration-images", "8",
                 "--calibration-method", "minmax", "--int8-max-drop", "-100", "--no-bench"], env={"OMP_NUM_THREADS": "1"})
    assert r.returncode != 0 and "points below the fp32 model" in r.stderr and "--int8-max-drop" in r.stderr


def test_quantization_metadata_is_checked():
    assert quantization_problems('{"precision": "int8"}', producer=False) == []
    assert "lacks" in quantization_problems('{"precision": "int8"}', producer=True)[0]
    assert quantization_problems('{"precision": "fp16"}', producer=False)
    assert quantization_problems("{", producer=False)


def test_bundled_int8_variant_matches_its_fp32_model():
    fp32 = REPO / "media" / "models" / "rcnn-cifar10.onnx"
    out = variant_path(fp32)
    assert validate_model(out, producer=True) == []
    q = json.loads(read_metadata(out)["rcnn_lens.quantization"])
    assert q["fp32_model"]["hash"] == file_hash(fp32)
    assert q["rnn"] == UNROLLED_RNN
    v = q["validation"]
    assert v["images"] == 5000 and v["drop_points"] <= v["max_drop_points"] == 0.3
    assert v["fp32_accuracy"] == json.loads(read_metadata(fp32)["rcnn_lens.model_card"])["val_accuracy"]
    assert out.stat().st_size < fp32.stat().st_size / 2
