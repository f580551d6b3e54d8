"""Python-side validator for docs/model-contract.md.

The extension has its own, in TypeScript (src/core/model/contract.ts); `validate_model` checks at
least everything that one checks, so a model that passes here loads in the extension.
`producer=True` adds what `python3 -m training.export` always writes on top of the contract
(a model card with the keys in CARD_KEYS, `name`, `input.color`, `rnn.layers`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import onnx

# required by the contract (and by the extension)
REQUIRED_KEYS = ["rcnn_lens.contract", "rcnn_lens.labels", "rcnn_lens.grid", "rcnn_lens.scan_order",
                 "rcnn_lens.input", "rcnn_lens.preprocess", "rcnn_lens.rnn", "rcnn_lens.head"]
# optional in the contract (name defaults to the file name, the card to {}); the exporter writes both
OPTIONAL_KEYS = ["rcnn_lens.name", "rcnn_lens.model_card"]
CARD_KEYS = ["dataset", "split", "val_accuracy", "val_images", "training_command", "date"]
KNOWN_OUTPUTS = ("logits", "hidden", "step_logits", "attention", "gates")
VERSIONS = ("1", "2")  # 2 adds the optional `step_mask` input and `gates` output
STEP_MASK = "step_mask"
# Same bounds as src/core/model/contract.ts: values per image's input (C x H x W), and what keeps
# (x/255 - mean)/std finite in float32.
MAX_INPUT_VALUES = 2 ** 24
MIN_STD = 1e-6
MAX_ABS_MEAN = 1e3


def _dim(d):
    return d.dim_param if d.HasField("dim_param") else (d.dim_value if d.HasField("dim_value") else None)


def _pos_int(v) -> bool:
    # JSON has one number type: 8 and 8.0 are the same integer to the extension's JSON.parse
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return (isinstance(v, int) or (math.isfinite(v) and float(v).is_integer())) and v > 0


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _dynamic(d) -> bool:
    # a symbolic dim, an unknown one, or (as some runtimes report it) a negative size
    return d is None or isinstance(d, str) or d < 0


def validate_model(path: str | Path, producer: bool = False) -> list[str]:
    """Return a list of human-readable problems (empty when the model follows the contract).

    producer: also require what our exporter always writes (model card keys, name, color, layers)."""
    problems: list[str] = []
    try:
        m = onnx.load(str(path))
    except Exception as e:  # noqa: BLE001
        return [f"not a readable ONNX file: {e}"]
    meta = {p.key: p.value for p in m.metadata_props}
    if not any(k.startswith("rcnn_lens.") for k in meta):
        return ["missing metadata: the model has no rcnn_lens.* metadata_props, so it is not an RCNN Lens model"]
    required = REQUIRED_KEYS + (OPTIONAL_KEYS if producer else [])
    missing = [k for k in required if k not in meta]
    if missing:
        problems.append(f"missing metadata keys: {', '.join(missing)}")
        return problems

    def js(key):
        if key not in meta:
            return None
        try:
            return json.loads(meta[key])
        except json.JSONDecodeError as e:
            problems.append(f"{key} is not valid JSON: {e}")
            return None

    version = meta["rcnn_lens.contract"]
    if version not in VERSIONS:
        problems.append(f"rcnn_lens.contract is {version!r}, expected '1' or '2'")
    labels, grid, inp, pre, rnn = (js(k) for k in ("rcnn_lens.labels", "rcnn_lens.grid", "rcnn_lens.input",
                                                   "rcnn_lens.preprocess", "rcnn_lens.rnn"))
    if not (isinstance(labels, list) and len(labels) >= 2 and all(isinstance(s, str) and s for s in labels)):
        problems.append("rcnn_lens.labels must be a JSON array of at least 2 non-empty strings")
        labels = None
    elif len(set(labels)) != len(labels):
        problems.append("rcnn_lens.labels contains duplicate class names")
        labels = None
    if not (isinstance(grid, list) and len(grid) == 2 and all(_pos_int(v) for v in grid)):
        problems.append("rcnn_lens.grid must be a JSON array [M, N] of positive ints")
        grid = None
    if meta["rcnn_lens.scan_order"] not in ("row_major", "column_major", "snake"):
        problems.append(f"rcnn_lens.scan_order {meta['rcnn_lens.scan_order']!r} is not row_major/column_major/snake")
    if meta["rcnn_lens.head"] not in ("final", "attention"):
        problems.append(f"rcnn_lens.head {meta['rcnn_lens.head']!r} is not final/attention")
    if isinstance(inp, dict):
        c, h, w, col = inp.get("channels"), inp.get("height"), inp.get("width"), inp.get("color")
        if c not in (1, 3) or isinstance(c, bool):
            problems.append(f"rcnn_lens.input channels must be 1 or 3, got {c!r}")
        if not (_pos_int(h) and _pos_int(w)):
            problems.append(f"rcnn_lens.input height and width must be positive integers, got {h!r}, {w!r}")
        if col is None:
            if producer:
                problems.append("rcnn_lens.input has no color (optional in the contract; the exporter writes it)")
        elif col not in ("rgb", "grey"):
            problems.append(f"rcnn_lens.input color must be 'rgb' or 'grey', got {col!r}")
        elif c in (1, 3) and col != ("rgb" if c == 3 else "grey"):
            problems.append(f"rcnn_lens.input color/channels inconsistent: {inp}")
        if c in (1, 3) and _pos_int(h) and _pos_int(w) and c * h * w > MAX_INPUT_VALUES:
            problems.append(f"rcnn_lens.input {c}x{h}x{w} = {int(c * h * w)} values per image is more than "
                            f"the contract allows ({MAX_INPUT_VALUES}, e.g. 3x2048x2048)")
        if c not in (1, 3) or not (_pos_int(h) and _pos_int(w)):
            inp = None
    else:
        problems.append("rcnn_lens.input must be a JSON object")
        inp = None
    if isinstance(pre, dict):
        if pre.get("resize") not in ("center_crop", "stretch", "letterbox"):
            problems.append(f"rcnn_lens.preprocess resize {pre.get('resize')!r} unknown "
                            "(center_crop, stretch or letterbox)")
        for key in ("mean", "std"):
            v = pre.get(key)
            if not (isinstance(v, list) and all(_number(x) for x in v)):
                problems.append(f"rcnn_lens.preprocess {key} must be an array of numbers, one per channel")
            elif inp and len(v) != inp["channels"]:
                problems.append(f"rcnn_lens.preprocess {key} has {len(v)} values for {inp['channels']} channel(s)")
            elif key == "std" and any(x <= 0 for x in v):
                problems.append("rcnn_lens.preprocess std values must be > 0")
            elif key == "std" and any(x < MIN_STD for x in v):
                problems.append(f"rcnn_lens.preprocess std values must be at least {MIN_STD} "
                                "(a smaller one makes the normalised input overflow)")
            elif key == "mean" and any(abs(x) > MAX_ABS_MEAN for x in v):
                problems.append(f"rcnn_lens.preprocess mean values must lie within +-{MAX_ABS_MEAN:g}")
    else:
        problems.append("rcnn_lens.preprocess must be a JSON object")
    if isinstance(rnn, dict):
        layers = rnn.get("layers")
        if not (rnn.get("type") in ("gru", "lstm") and _pos_int(rnn.get("hidden_size"))
                and isinstance(rnn.get("bidirectional"), bool)
                and (_pos_int(layers) or (layers is None and not producer))):
            problems.append("rcnn_lens.rnn must be {type: gru|lstm, hidden_size: positive int, layers: positive int"
                            f"{'' if producer else ' (optional)'}, bidirectional: bool}}, got {rnn}")
            rnn = None
    else:
        problems.append("rcnn_lens.rnn must be a JSON object")
        rnn = None
    if "rcnn_lens.model_card" in meta:
        card = js("rcnn_lens.model_card")
        if isinstance(card, dict):
            mk = [k for k in CARD_KEYS if k not in card]
            if mk and producer:
                problems.append(f"rcnn_lens.model_card lacks: {', '.join(mk)}")
        elif card is not None:
            problems.append("rcnn_lens.model_card must be a JSON object")

    if "rcnn_lens.quantization" in meta:
        problems.extend(quantization_problems(meta["rcnn_lens.quantization"], producer))

    k = len(labels) if labels else None
    L = int(grid[0] * grid[1]) if grid else None
    problems.extend(input_problems(m, inp, L, version))
    if "rcnn_lens.ablation" in meta or any(i.name == STEP_MASK for i in m.graph.input):
        problems.extend(ablation_problems(meta.get("rcnn_lens.ablation"), producer))
    outs = {o.name: o.type.tensor_type for o in m.graph.output}
    if "logits" not in outs:
        problems.append("no output named 'logits'")
    D = rnn["hidden_size"] * (2 if rnn["bidirectional"] else 1) if rnn else None
    expect = {"logits": [k], "hidden": [L, D], "step_logits": [L, k], "attention": [L]}
    if version == "2":  # a v1 model's other outputs are ignored, `gates` included
        expect["gates"] = [L, D * (1 if rnn["type"] == "gru" else 2) if rnn else None]
    for name, t in outs.items():
        if name not in expect:
            continue
        if t.elem_type != onnx.TensorProto.FLOAT:
            problems.append(f"output {name} must be float32, has elem_type {t.elem_type}")
        dims = [_dim(d) for d in t.shape.dim]
        want = expect[name]
        # like the extension: the rank must match; a fixed (numeric) size must equal the expected one,
        # a symbolic size is accepted
        if len(dims) != len(want) + 1 or any(isinstance(d, int) and d > 0 and e is not None and d != e
                                             for d, e in zip(dims[1:], want)):
            problems.append(f"output {name} has shape {dims}, expected [batch, {', '.join(map(str, want))}]")
    if meta["rcnn_lens.head"] == "attention" and "attention" not in outs:
        problems.append("head is 'attention' but there is no 'attention' output")
    return problems


def input_problems(m: onnx.ModelProto, inp: dict | None, L: int | None, version: str) -> list[str]:
    """The image input float32 [batch, C, H, W]; in contract 2 also an optional `step_mask` float32 [batch, L]."""
    problems = []
    inits = {i.name for i in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    masks = [i for i in inputs if i.name == STEP_MASK]
    images = [i for i in inputs if i.name != STEP_MASK]
    if masks and version != "2":
        problems.append(f"input {STEP_MASK} needs rcnn_lens.contract '2' (the file says {version!r})")
    if len(images) != 1:
        problems.append(f"expected exactly one image input{' (besides step_mask)' if masks else ''}, "
                        f"found {len(images)}")
    else:
        t = images[0].type.tensor_type
        dims = [_dim(d) for d in t.shape.dim]
        if t.elem_type != onnx.TensorProto.FLOAT or len(dims) != 4:
            problems.append(f"input must be float32 [batch, C, H, W], got elem_type {t.elem_type} dims {dims}")
        else:
            if not _dynamic(dims[0]):
                problems.append(f"input batch axis must be dynamic (symbolic), got {dims[0]}")
            if inp and dims[1:] != [inp["channels"], inp["height"], inp["width"]]:
                problems.append(f"input shape {dims[1:]} does not match rcnn_lens.input {inp}")
    for mask in masks:
        t = mask.type.tensor_type
        dims = [_dim(d) for d in t.shape.dim]
        if t.elem_type != onnx.TensorProto.FLOAT or len(dims) != 2:
            problems.append(f"input {STEP_MASK} must be float32 [batch, L], got elem_type {t.elem_type} dims {dims}")
        elif not _dynamic(dims[0]):
            problems.append(f"input {STEP_MASK} batch axis must be dynamic (symbolic), got {dims[0]}")
        elif L is not None and isinstance(dims[1], int) and dims[1] > 0 and dims[1] != L:
            problems.append(f"input {STEP_MASK} has {dims[1]} steps, the grid has L = {L}")
    return problems


def ablation_problems(text: str | None, producer: bool) -> list[str]:
    """rcnn_lens.ablation goes with the step_mask input: a JSON object whose `neutral` says what a masked step
    reads; the exporter also records from how many images (`images`) of which data (`data`)."""
    if text is None:
        return ["the model has a step_mask input but no rcnn_lens.ablation metadata (what a masked step reads)"]
    try:
        a = json.loads(text)
    except json.JSONDecodeError as e:
        return [f"rcnn_lens.ablation is not valid JSON: {e}"]
    if not isinstance(a, dict) or not isinstance(a.get("neutral"), str) or not a["neutral"]:
        return ["rcnn_lens.ablation must be a JSON object with a non-empty string 'neutral'"]
    missing = [k for k in ("images", "data") if k not in a] if producer else []
    return [f"rcnn_lens.ablation lacks: {', '.join(missing)}"] if missing else []


# what the exporter's int8 variant records (training/rcnn_lens_train/export_int8.py); optional in the contract
QUANTIZATION_KEYS = {"calibration": ("method", "images", "data"), "fp32_model": ("hash",),
                     "validation": ("fp32_accuracy", "int8_accuracy", "top1_agreement"), "parity": ("logits",)}


def quantization_problems(text: str, producer: bool) -> list[str]:
    """rcnn_lens.quantization: a JSON object whose precision is 'int8'; the exporter also writes the scheme,
    the calibration, the fp32 model's hash, both accuracies, the top-1 agreement and the parity."""
    try:
        q = json.loads(text)
    except json.JSONDecodeError as e:
        return [f"rcnn_lens.quantization is not valid JSON: {e}"]
    if not isinstance(q, dict) or q.get("precision") != "int8":
        return ["rcnn_lens.quantization must be a JSON object with precision 'int8'"]
    if not producer:
        return []
    missing = [] if isinstance(q.get("scheme"), str) else ["scheme"]
    for key, inner in QUANTIZATION_KEYS.items():
        part = q.get(key)
        missing += [f"{key}.{k}" for k in inner if not (isinstance(part, dict) and k in part)]
    return [f"rcnn_lens.quantization lacks: {', '.join(missing)}"] if missing else []
