"""The Python contract validator checks at least what the extension's (src/core/model/contract.ts) does."""
from __future__ import annotations

import json

import onnx
import pytest
from onnx import TensorProto, helper

from training.rcnn_lens_train.contract import validate_model

GOOD = {
    "rcnn_lens.contract": "1",
    "rcnn_lens.labels": json.dumps(["a", "b"]),
    "rcnn_lens.grid": "[2, 2]",
    "rcnn_lens.scan_order": "row_major",
    "rcnn_lens.input": json.dumps({"channels": 3, "height": 8, "width": 8}),
    "rcnn_lens.preprocess": json.dumps({"resize": "center_crop", "mean": [0.5] * 3, "std": [0.25] * 3}),
    "rcnn_lens.rnn": json.dumps({"type": "gru", "hidden_size": 4, "bidirectional": True}),
    "rcnn_lens.head": "final",
}


def model_file(tmp_path, meta: dict, out_type=TensorProto.FLOAT, batch="batch", logits_k=2):
    """A graph with the contract's signature (the validator reads the signature, it never runs it)."""
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, 3, 8, 8])
    outs = [helper.make_tensor_value_info("logits", out_type, ["batch", logits_k]),
            helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", 4, 8]),
            helper.make_tensor_value_info("step_logits", TensorProto.FLOAT, ["batch", "L", 2])]
    nodes = [helper.make_node("Identity", ["image"], [o.name]) for o in outs]
    m = helper.make_model(helper.make_graph(nodes, "g", [x], outs))
    for k, v in meta.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    p = tmp_path / "m.onnx"
    onnx.save(m, str(p))
    return p


def test_minimal_contract_model_passes(tmp_path):
    # no name, no model card, no input.color, no rnn.layers: all optional, as in the extension
    p = model_file(tmp_path, GOOD)
    assert validate_model(p) == []
    # the exporter always writes them; producer=True says what is missing
    probs = validate_model(p, producer=True)
    assert any("rcnn_lens.name" in s and "rcnn_lens.model_card" in s for s in probs), probs


@pytest.mark.parametrize("key,value,needle", [
    ("rcnn_lens.labels", json.dumps(["only"]), "at least 2"),
    ("rcnn_lens.labels", json.dumps(["a", ""]), "non-empty"),
    ("rcnn_lens.labels", json.dumps(["a", "a"]), "duplicate"),
    ("rcnn_lens.preprocess", json.dumps({"resize": "center_crop", "mean": [0.5] * 3, "std": [0.25, 0, 0.25]}),
     "std values must be > 0"),
    ("rcnn_lens.preprocess", json.dumps({"resize": "center_crop", "mean": [0.5] * 3, "std": [0.25] * 2}),
     "std has 2 values"),
    ("rcnn_lens.preprocess", json.dumps({"resize": "center_crop", "mean": [0.5] * 3, "std": [0.25, 1e-320, 0.25]}),
     "std values must be at least"),
    ("rcnn_lens.preprocess", json.dumps({"resize": "center_crop", "mean": [0.5, 1e39, 0.5], "std": [0.25] * 3}),
     "mean values must lie within"),
    ("rcnn_lens.input", json.dumps({"channels": 3, "height": 20000, "width": 20000}), "more than the contract allows"),
    ("rcnn_lens.input", json.dumps({"channels": 3, "height": 8, "width": 8, "color": "grey"}), "inconsistent"),
    ("rcnn_lens.input", json.dumps({"channels": 2, "height": 8, "width": 8}), "channels must be 1 or 3"),
    ("rcnn_lens.rnn", json.dumps({"type": "gru", "hidden_size": 4, "layers": 0, "bidirectional": True}),
     "rcnn_lens.rnn must be"),
    ("rcnn_lens.model_card", "[1, 2]", "model_card must be a JSON object"),
])
def test_metadata_problems(tmp_path, key, value, needle):
    probs = validate_model(model_file(tmp_path, {**GOOD, key: value}))
    assert any(needle in s for s in probs), probs


def test_graph_problems(tmp_path):
    probs = validate_model(model_file(tmp_path, GOOD, out_type=TensorProto.DOUBLE))
    assert any("logits must be float32" in s for s in probs), probs
    probs = validate_model(model_file(tmp_path, GOOD, batch=1))
    assert any("batch axis must be dynamic" in s for s in probs), probs
    probs = validate_model(model_file(tmp_path, GOOD, logits_k=3))
    assert any("output logits has shape" in s for s in probs), probs
    probs = validate_model(model_file(tmp_path, {**GOOD, "rcnn_lens.head": "attention"}))
    assert any("no 'attention' output" in s for s in probs), probs
    probs = validate_model(model_file(tmp_path, {k: v for k, v in GOOD.items() if k != "rcnn_lens.grid"}))
    assert any("missing metadata keys: rcnn_lens.grid" in s for s in probs), probs


V2 = {**GOOD, "rcnn_lens.contract": "2", "rcnn_lens.ablation": json.dumps({"neutral": "mean_feature"})}


def v2_model_file(tmp_path, meta: dict, mask_type=TensorProto.FLOAT, mask_dims=("batch", 4),
                  gates_dims=("batch", 4, 8), gates_type=TensorProto.FLOAT, mask=True):
    """GOOD's signature plus contract v2's `step_mask` input and `gates` output (GRU, bidirectional, H = 4)."""
    inputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, 8, 8])]
    if mask:
        inputs.append(helper.make_tensor_value_info("step_mask", mask_type, list(mask_dims)))
    outs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2]),
            helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", 4, 8]),
            helper.make_tensor_value_info("gates", gates_type, list(gates_dims))]
    nodes = [helper.make_node("Identity", ["image"], [o.name]) for o in outs]
    m = helper.make_model(helper.make_graph(nodes, "g", inputs, outs))
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)
    p = tmp_path / "v2.onnx"
    onnx.save(m, str(p))
    return p


def test_v2_model_with_step_mask_and_gates_passes(tmp_path):
    assert validate_model(v2_model_file(tmp_path, V2)) == []
    # gates alone (no step_mask, no ablation metadata) is a v2 model too
    no_mask = {k: v for k, v in V2.items() if k != "rcnn_lens.ablation"}
    assert validate_model(v2_model_file(tmp_path, no_mask, mask=False)) == []
    lstm = {**V2, "rcnn_lens.rnn": json.dumps({"type": "lstm", "hidden_size": 4, "bidirectional": True})}
    assert validate_model(v2_model_file(tmp_path, lstm, gates_dims=("batch", 4, 16))) == []


@pytest.mark.parametrize("meta,kwargs,needle", [
    ({}, {"mask_type": TensorProto.DOUBLE}, "step_mask must be float32 [batch, L]"),
    ({}, {"mask_dims": ("batch", 4, 1)}, "step_mask must be float32 [batch, L]"),
    ({}, {"mask_dims": ("batch", 5)}, "step_mask has 5 steps, the grid has L = 4"),
    ({}, {"mask_dims": (3, 4)}, "step_mask batch axis must be dynamic"),
    ({}, {"gates_dims": ("batch", 4, 16)}, "output gates has shape"),
    ({}, {"gates_dims": ("batch", 4)}, "output gates has shape"),
    ({}, {"gates_type": TensorProto.FLOAT16}, "gates must be float32"),
    ({"rcnn_lens.contract": "1"}, {}, "step_mask needs rcnn_lens.contract '2'"),
    ({"rcnn_lens.contract": "3"}, {}, "expected '1' or '2'"),
    ({"rcnn_lens.ablation": None}, {}, "no rcnn_lens.ablation metadata"),
    ({"rcnn_lens.ablation": "{"}, {}, "rcnn_lens.ablation is not valid JSON"),
    ({"rcnn_lens.ablation": json.dumps({"neutral": ""})}, {}, "non-empty string 'neutral'"),
    ({"rcnn_lens.ablation": json.dumps(["mean"])}, {}, "non-empty string 'neutral'"),
])
def test_v2_problems(tmp_path, meta, kwargs, needle):
    m = {k: v for k, v in {**V2, **meta}.items() if v is not None}
    probs = validate_model(v2_model_file(tmp_path, m, **kwargs))
    assert any(needle in s for s in probs), probs


def test_v1_model_ignores_a_gates_output_and_producer_needs_ablation_source(tmp_path):
    v1 = {**GOOD}
    assert validate_model(v2_model_file(tmp_path, v1, mask=False, gates_dims=("batch", 9))) == []
    card = {k: 1 for k in ("dataset", "split", "val_accuracy", "val_images", "training_command", "date")}
    full = {**V2, "rcnn_lens.name": "m", "rcnn_lens.model_card": json.dumps(card),
            "rcnn_lens.input": json.dumps({"channels": 3, "height": 8, "width": 8, "color": "rgb"}),
            "rcnn_lens.rnn": json.dumps({"type": "gru", "hidden_size": 4, "layers": 1, "bidirectional": True})}
    probs = validate_model(v2_model_file(tmp_path, full), producer=True)
    assert any("rcnn_lens.ablation lacks: images, data" in s for s in probs), probs
