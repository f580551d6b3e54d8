"""Python-side validator for docs/model-contract.md (the extension has its own, in TypeScript)."""
from __future__ import annotations

import json
from pathlib import Path

import onnx

REQUIRED_KEYS = ["rcnn_lens.contract", "rcnn_lens.name", "rcnn_lens.labels", "rcnn_lens.grid",
                 "rcnn_lens.scan_order", "rcnn_lens.input", "rcnn_lens.preprocess", "rcnn_lens.rnn",
                 "rcnn_lens.head", "rcnn_lens.model_card"]
CARD_KEYS = ["dataset", "split", "val_accuracy", "val_images", "training_command", "date"]


def _dim(d):
    return d.dim_param if d.HasField("dim_param") else (d.dim_value if d.HasField("dim_value") else None)


def validate_model(path: str | Path) -> list[str]:
    """Return a list of human-readable problems (empty when the model follows the contract)."""
    problems: list[str] = []
    try:
        m = onnx.load(str(path))
    except Exception as e:  # noqa: BLE001
        return [f"not a readable ONNX file: {e}"]
    meta = {p.key: p.value for p in m.metadata_props}
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        problems.append(f"missing metadata keys: {', '.join(missing)}")
        return problems

    def js(key):
        try:
            return json.loads(meta[key])
        except json.JSONDecodeError as e:
            problems.append(f"{key} is not valid JSON: {e}")
            return None

    if meta["rcnn_lens.contract"] != "1":
        problems.append(f"rcnn_lens.contract is {meta['rcnn_lens.contract']!r}, expected '1'")
    labels, grid, inp, pre, rnn, card = (js(k) for k in ("rcnn_lens.labels", "rcnn_lens.grid", "rcnn_lens.input",
                                                         "rcnn_lens.preprocess", "rcnn_lens.rnn",
                                                         "rcnn_lens.model_card"))
    if not (isinstance(labels, list) and labels and all(isinstance(s, str) for s in labels)):
        problems.append("rcnn_lens.labels must be a non-empty JSON array of strings")
        labels = None
    if not (isinstance(grid, list) and len(grid) == 2 and all(isinstance(v, int) and v > 0 for v in grid)):
        problems.append("rcnn_lens.grid must be a JSON array [M, N] of positive ints")
        grid = None
    if meta["rcnn_lens.scan_order"] not in ("row_major", "column_major", "snake"):
        problems.append(f"rcnn_lens.scan_order {meta['rcnn_lens.scan_order']!r} is not row_major/column_major/snake")
    if meta["rcnn_lens.head"] not in ("final", "attention"):
        problems.append(f"rcnn_lens.head {meta['rcnn_lens.head']!r} is not final/attention")
    if isinstance(inp, dict):
        if inp.get("color") not in ("rgb", "grey") or inp.get("channels") != (3 if inp.get("color") == "rgb" else 1):
            problems.append(f"rcnn_lens.input color/channels inconsistent: {inp}")
    else:
        problems.append("rcnn_lens.input must be a JSON object")
        inp = None
    if isinstance(pre, dict):
        if pre.get("resize") not in ("center_crop", "stretch", "letterbox"):
            problems.append(f"rcnn_lens.preprocess resize {pre.get('resize')!r} unknown")
        if inp and (len(pre.get("mean", [])) != inp["channels"] or len(pre.get("std", [])) != inp["channels"]):
            problems.append("rcnn_lens.preprocess mean/std must have one value per channel")
    else:
        problems.append("rcnn_lens.preprocess must be a JSON object")
    if not (isinstance(rnn, dict) and rnn.get("type") in ("gru", "lstm") and isinstance(rnn.get("hidden_size"), int)
            and isinstance(rnn.get("bidirectional"), bool)):
        problems.append(f"rcnn_lens.rnn must be {{type: gru|lstm, hidden_size: int, layers, bidirectional: bool}}, got {rnn}")
        rnn = None
    if isinstance(card, dict):
        mk = [k for k in CARD_KEYS if k not in card]
        if mk:
            problems.append(f"rcnn_lens.model_card lacks: {', '.join(mk)}")
    else:
        problems.append("rcnn_lens.model_card must be a JSON object")

    # graph signature
    inits = {i.name for i in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    if len(inputs) != 1:
        problems.append(f"expected exactly one input, found {len(inputs)}")
    else:
        t = inputs[0].type.tensor_type
        dims = [_dim(d) for d in t.shape.dim]
        if t.elem_type != onnx.TensorProto.FLOAT or len(dims) != 4:
            problems.append(f"input must be float32 [batch, C, H, W], got elem_type {t.elem_type} dims {dims}")
        else:
            if not isinstance(dims[0], str):
                problems.append(f"input batch axis must be dynamic (symbolic), got {dims[0]}")
            if inp and dims[1:] != [inp["channels"], inp["height"], inp["width"]]:
                problems.append(f"input shape {dims[1:]} does not match rcnn_lens.input {inp}")
    outs = {o.name: [_dim(d) for d in o.type.tensor_type.shape.dim] for o in m.graph.output}
    if "logits" not in outs:
        problems.append("no output named 'logits'")
    k = len(labels) if labels else None
    L = grid[0] * grid[1] if grid else None
    D = rnn["hidden_size"] * (2 if rnn["bidirectional"] else 1) if rnn else None
    expect = {"logits": [k], "hidden": [L, D], "step_logits": [L, k], "attention": [L]}
    for name, dims in outs.items():
        if name not in expect:
            continue
        if len(dims) != len(expect[name]) + 1 or dims[1:] != expect[name]:
            problems.append(f"output {name} has shape {dims}, expected [batch, {', '.join(map(str, expect[name]))}]")
    if meta["rcnn_lens.head"] == "attention" and "attention" not in outs:
        problems.append("head is 'attention' but there is no 'attention' output")
    return problems
