"""The extension's contract check (src/core/model/contract.ts: validateContract and checkWarmUpOutputs),
ported message for message, so `python3 -m training.validate` says what the extension will say.

contract.py is the exporter's stricter check (it also requires what our exporter always writes); this
module answers "will the extension load this file?" in the extension's own words.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import onnx

CONTRACT_VERSION = "1"
STEP_MASK_INPUT = "step_mask"
GATES_OUTPUT = "gates"
META_PREFIX = "rcnn_lens."
MAX_INPUT_VALUES = 2 ** 24
MIN_STD = 1e-6
MAX_ABS_MEAN = 1e3
# onnxruntime-node's names of ONNX element types
ORT_TYPES = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string",
             9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 16: "bfloat16"}


def js(v) -> str:
    """JSON.stringify(v) as the extension writes it into a message (compact, integral floats as ints)."""
    def norm(x):
        if isinstance(x, float) and math.isfinite(x) and x.is_integer():
            return int(x)
        if isinstance(x, list):
            return [norm(i) for i in x]
        if isinstance(x, dict):
            return {k: norm(i) for k, i in x.items()}
        return x
    return json.dumps(norm(v), separators=(",", ":"), ensure_ascii=False)


def _pos_int(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and float(v).is_integer() \
        and v > 0


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _dynamic(d) -> bool:
    return isinstance(d, str) or d < 0


class Problems(list):
    def add(self, where: str, message: str) -> None:
        self.append((where, message))


def _parse(p: Problems, key: str, raw):
    if raw is None:
        p.add(key, "missing from metadata_props")
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        p.add(key, f"is not valid JSON: {js(raw[:80])}")
        return None


def _signature(values) -> list[dict]:
    out = []
    for v in values:
        t = v.type.tensor_type
        dims = [d.dim_param if d.HasField("dim_param") else (d.dim_value if d.HasField("dim_value") else -1)
                for d in t.shape.dim]
        out.append({"name": v.name, "type": ORT_TYPES.get(t.elem_type, str(t.elem_type)), "shape": dims})
    return out


def _check_input_meta(p: Problems, inp) -> tuple[int, int, int]:
    channels = height = width = 0
    if not isinstance(inp, dict):
        p.add("rcnn_lens.input", "must be a JSON object")
        return 0, 0, 0
    c, h, w, col = inp.get("channels"), inp.get("height"), inp.get("width"), inp.get("color")
    if not _pos_int(c) or c not in (1, 3):
        p.add("rcnn_lens.input.channels", f"must be 1 or 3, got {js(c)}")
    else:
        channels = int(c)
    if not _pos_int(h):
        p.add("rcnn_lens.input.height", f"must be a positive integer, got {js(h)}")
    else:
        height = int(h)
    if not _pos_int(w):
        p.add("rcnn_lens.input.width", f"must be a positive integer, got {js(w)}")
    else:
        width = int(w)
    expected = "grey" if channels == 1 else "rgb"
    if "color" in inp:
        if col not in ("rgb", "grey"):
            p.add("rcnn_lens.input.color", f'must be "rgb" or "grey", got {js(col)}')
        elif channels and col != expected:
            p.add("rcnn_lens.input.color", f'"{col}" does not match {channels} channel(s)')
    if channels and height and width and channels * height * width > MAX_INPUT_VALUES:
        p.add("rcnn_lens.input", f"{channels}×{height}×{width} = {channels * height * width} values per image is "
              f"more than the contract allows ({MAX_INPUT_VALUES}, e.g. 3×2048×2048)")
    return channels, height, width


def _check_preprocess(p: Problems, pre, channels: int) -> None:
    if not isinstance(pre, dict):
        p.add("rcnn_lens.preprocess", "must be a JSON object")
        return
    if pre.get("resize") not in ("center_crop", "stretch", "letterbox"):
        p.add("rcnn_lens.preprocess.resize", f"must be center_crop, stretch or letterbox, got {js(pre.get('resize'))}")
    for key in ("mean", "std"):
        v = pre.get(key)
        if not isinstance(v, list) or not all(_number(x) for x in v):
            p.add(f"rcnn_lens.preprocess.{key}", "must be an array of numbers, one per channel")
        elif channels and len(v) != channels:
            p.add(f"rcnn_lens.preprocess.{key}", f"has {len(v)} values for {channels} channel(s)")
        elif key == "std" and any(x <= 0 for x in v):
            p.add("rcnn_lens.preprocess.std", "values must be > 0")
        elif key == "std" and any(x < MIN_STD for x in v):
            p.add("rcnn_lens.preprocess.std", "values must be at least 1e-6 (a smaller one makes the normalised "
                  "input overflow)")
        elif key == "mean" and any(abs(x) > MAX_ABS_MEAN for x in v):
            p.add("rcnn_lens.preprocess.mean", "values must lie within ±1000")


def _check_rnn(p: Problems, rnn) -> dict:
    info = {"type": "gru", "hidden_size": 0, "bidirectional": False}
    if not isinstance(rnn, dict):
        p.add("rcnn_lens.rnn", "must be a JSON object")
        return info
    t, hs, layers, bi = rnn.get("type"), rnn.get("hidden_size"), rnn.get("layers"), rnn.get("bidirectional")
    if t not in ("gru", "lstm"):
        p.add("rcnn_lens.rnn.type", f'must be "gru" or "lstm", got {js(t)}')
    if not _pos_int(hs):
        p.add("rcnn_lens.rnn.hidden_size", f"must be a positive integer, got {js(hs)}")
    if "layers" in rnn and not _pos_int(layers):
        p.add("rcnn_lens.rnn.layers", "must be a positive integer")
    if not isinstance(bi, bool):
        p.add("rcnn_lens.rnn.bidirectional", "must be true or false")
    return {"type": "lstm" if t == "lstm" else "gru", "hidden_size": int(hs) if _pos_int(hs) else 0,
            "bidirectional": bi is True}


def _check_metadata(p: Problems, meta: dict) -> dict:
    def m(k):
        return meta.get(META_PREFIX + k)

    version = m("contract")
    if version is None:
        p.add("rcnn_lens.contract", 'missing (expected "1" or "2")')
    elif version not in ("1", "2"):
        p.add("rcnn_lens.contract", f"version {js(version)} is not supported (this extension reads versions 1 and 2)")
    labels, label_list = _parse(p, "rcnn_lens.labels", m("labels")), []
    if labels is not None:
        if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(s, str) and s for s in labels):
            p.add("rcnn_lens.labels", "must be a JSON array of at least 2 non-empty strings")
        elif len(set(labels)) != len(labels):
            p.add("rcnn_lens.labels", "contains duplicate class names")
        else:
            label_list = labels
    grid, mn = _parse(p, "rcnn_lens.grid", m("grid")), (0, 0)
    if grid is not None:
        if not isinstance(grid, list) or len(grid) != 2 or not all(_pos_int(v) for v in grid):
            p.add("rcnn_lens.grid", f"must be [M, N] with positive integers, got {js(grid)}")
        else:
            mn = (int(grid[0]), int(grid[1]))
    scan = m("scan_order")
    if scan is None:
        p.add("rcnn_lens.scan_order", "missing (row_major, column_major or snake)")
    elif scan not in ("row_major", "column_major", "snake"):
        p.add("rcnn_lens.scan_order", f"{js(scan)} is not one of row_major, column_major, snake")
    inp = _parse(p, "rcnn_lens.input", m("input"))
    chw = _check_input_meta(p, inp) if inp is not None else (0, 0, 0)
    pre = _parse(p, "rcnn_lens.preprocess", m("preprocess"))
    if pre is not None:
        _check_preprocess(p, pre, chw[0])
    rnn_meta = _parse(p, "rcnn_lens.rnn", m("rnn"))
    rnn = _check_rnn(p, rnn_meta) if rnn_meta is not None else {"type": "gru", "hidden_size": 0,
                                                                "bidirectional": False}
    head = m("head")
    if head is None:
        p.add("rcnn_lens.head", 'missing ("final" or "attention")')
    elif head not in ("final", "attention"):
        p.add("rcnn_lens.head", f'must be "final" or "attention", got {js(head)}')
    if m("model_card") is not None:
        try:
            if not isinstance(json.loads(m("model_card")), dict):
                p.add("rcnn_lens.model_card", "must be a JSON object")
        except json.JSONDecodeError:
            p.add("rcnn_lens.model_card", "is not valid JSON")
    if m("quantization") is not None:
        try:
            q = json.loads(m("quantization"))
            if not isinstance(q, dict) or q.get("precision") != "int8":
                p.add("rcnn_lens.quantization", 'must be a JSON object with "precision": "int8"')
        except json.JSONDecodeError:
            p.add("rcnn_lens.quantization", "is not valid JSON")
    return {"labels": label_list, "grid": mn, "chw": chw, "rnn": rnn, "head": head,
            "name": m("name"), "scan_order": scan, "version": version, "ablation": m("ablation")}


def _check_step_mask(p: Problems, sig: dict, length: int, version, ablation) -> None:
    """contractV2.ts checkStepMask: float32 [batch, L], version 2 only, with rcnn_lens.ablation."""
    where, s = f'input "{STEP_MASK_INPUT}"', sig["shape"]
    if version != "2":
        p.add(where, f'needs rcnn_lens.contract "2" (the file says {js(version)})')
    if sig["type"] != "float32":
        p.add(where, f"must be float32, is {sig['type']}")
    if len(s) != 2:
        p.add(where, f"must have shape [batch, L], has rank {len(s)}")
    else:
        if not _dynamic(s[0]):
            p.add(where, f"the batch axis must be dynamic, it is fixed at {s[0]}")
        if isinstance(s[1], int) and s[1] > 0 and length > 0 and s[1] != length:
            p.add(where, f"has {s[1]} steps, the grid has L = {length}")
    _check_ablation(p, ablation)


def _check_ablation(p: Problems, raw) -> None:
    where = "rcnn_lens.ablation"
    if raw is None:
        p.add(where, "missing: a model with a step_mask input must say what a masked step reads")
        return
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError:
        p.add(where, "is not valid JSON")
        return
    neutral = parsed.get("neutral") if isinstance(parsed, dict) else None
    if not isinstance(neutral, str) or not neutral:
        p.add(where, 'must be a JSON object with a non-empty string "neutral"')


def expected_gates(rnn: dict) -> dict:
    """contractV2.ts expectedGates: G = hidden_size × directions × (1 for GRU's z, 2 for LSTM's i and f)."""
    per_direction = 1 if rnn["type"] == "gru" else 2
    return {"kind": "gru_update" if rnn["type"] == "gru" else "lstm_input_forget",
            "width": rnn["hidden_size"] * (2 if rnn["bidirectional"] else 1) * per_direction}


def _check_gates(p: Problems, sig: dict | None, length: int, rnn: dict, version) -> dict | None:
    """contractV2.ts checkGates: float32 [batch, L, G] on a version 2 model; None when absent or malformed."""
    if sig is None or version != "2":
        return None
    where, want, found = f'output "{GATES_OUTPUT}"', expected_gates(rnn), []
    if sig["type"] != "float32":
        found.append(f"must be float32, is {sig['type']}")
    if len(sig["shape"]) != 3:
        found.append(f"must have shape [batch, L, G], has rank {len(sig['shape'])}")
    else:
        _, steps, width = sig["shape"]
        if isinstance(steps, int) and steps > 0 and length > 0 and steps != length:
            found.append(f"axis 1 is {steps}, expected L = {length}")
        if isinstance(width, int) and width > 0 and rnn["hidden_size"] and width != want["width"]:
            found.append(f"axis 2 is {width}, but rcnn_lens.rnn implies G = {want['width']} ({want['kind']})")
    for message in found:
        p.add(where, message)
    return None if found else want


def _check_signature(p: Problems, info: dict, inputs: list[dict], outputs: list[dict]) -> dict:
    k, length = len(info["labels"]), info["grid"][0] * info["grid"][1]
    step_mask = next((i for i in inputs if i["name"] == STEP_MASK_INPUT), None)
    inputs = [i for i in inputs if i["name"] != STEP_MASK_INPUT]
    if step_mask is not None:
        _check_step_mask(p, step_mask, length, info["version"], info["ablation"])
    if len(inputs) != 1:
        what = "image input besides step_mask" if step_mask is not None else "input"
        p.add("inputs", f"the model must have exactly one {what}, it has {len(inputs)}")
    if inputs:
        i, s = inputs[0], inputs[0]["shape"]
        where = f'input "{i["name"]}"'
        if i["type"] != "float32":
            p.add(where, f"must be float32, is {i['type']}")
        if len(s) != 4:
            p.add(where, f"must have shape [batch, C, H, W], has rank {len(s)}")
        else:
            if not _dynamic(s[0]):
                p.add(where, f"the batch axis must be dynamic, it is fixed at {s[0]}")
            for actual, wanted, axis in zip(s[1:], info["chw"], "CHW"):
                if wanted and actual != wanted:
                    p.add(where, f"{axis} is {actual} but rcnn_lens.input says {wanted}")
    by_name = {o["name"]: o for o in outputs}

    def check(name, dims, required) -> bool:
        o = by_name.get(name)
        if o is None:
            if required:
                p.add(f'output "{name}"', "missing (required)")
            return False
        if o["type"] != "float32":
            p.add(f'output "{name}"', f"must be float32, is {o['type']}")
        if len(o["shape"]) != len(dims):
            p.add(f'output "{name}"', f"must have rank {len(dims)}, has rank {len(o['shape'])}")
            return False
        for ax, (want, got) in enumerate(zip(dims, o["shape"])):
            if want is not None and want > 0 and isinstance(got, int) and got != want:
                p.add(f'output "{name}"', f"axis {ax} is {got}, expected {want}")
        return True

    check("logits", [None, k], True)
    has = {"hidden": check("hidden", [None, length, None], False),
           "step_logits": check("step_logits", [None, length, k], False),
           "attention": check("attention", [None, length], info["head"] == "attention")}
    width = None
    if has["hidden"]:
        d = by_name["hidden"]["shape"][2]
        if isinstance(d, int) and d > 0:
            width = d
            expected = info["rnn"]["hidden_size"] * (2 if info["rnn"]["bidirectional"] else 1)
            if info["rnn"]["hidden_size"] and d != expected:
                p.add('output "hidden"', f"width is {d}, but rcnn_lens.rnn implies {expected}")
    gates = _check_gates(p, by_name.get(GATES_OUTPUT), length, info["rnn"], info["version"])
    return {"outputs": has, "hidden_width": width, "step_mask": step_mask is not None, "gates": gates}


def _check_warm_up(p: Problems, path: Path, info: dict, sig: dict) -> None:
    """checkWarmUpOutputs: what a batch-1 run of zeros really returns."""
    import onnxruntime as ort

    k, length = len(info["labels"]), info["grid"][0] * info["grid"][1]
    try:
        s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feeds = {i.name: np.zeros((1, *info["chw"]), np.float32) for i in s.get_inputs() if i.name != STEP_MASK_INPUT}
        if sig["step_mask"]:
            feeds[STEP_MASK_INPUT] = np.ones((1, length), np.float32)  # all ones: every step read normally
        got = dict(zip([o.name for o in s.get_outputs()], s.run(None, feeds)))
    except Exception as e:  # noqa: BLE001 - the runtime's own words
        p.add("onnxruntime", f"the model does not run: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
        return
    n = got["logits"].size
    if n != k:
        p.add('output "logits"', f"has {n} values for one image, expected K = {k} (one per label)")
    width = sig["hidden_width"]
    if "hidden" in got and sig["outputs"]["hidden"]:
        n = got["hidden"].size
        if width is not None and n != length * width:
            p.add('output "hidden"', f"has {n} values for one image, expected L × D = {length} × {width} = "
                  f"{length * width}")
        elif width is None and (n == 0 or n % length):
            p.add('output "hidden"', f"has {n} values for one image, not a multiple of L = {length} timesteps")
    if "step_logits" in got and got["step_logits"].size != length * k:
        p.add('output "step_logits"', f"has {got['step_logits'].size} values for one image, expected L × K = "
              f"{length} × {k} = {length * k}")
    if "attention" in got and got["attention"].size != length:
        p.add('output "attention"', f"has {got['attention'].size} values for one image, expected L = {length} "
              "(one per timestep)")
    gates = sig["gates"]
    if "gates" in got and gates and got["gates"].size != length * gates["width"]:
        p.add('output "gates"', f"has {got['gates'].size} values for one image, expected L × G = {length} × "
              f"{gates['width']} = {length * gates['width']}")


def check_model(path: str | Path, run: bool = True) -> tuple[list[tuple[str, str]], dict]:
    """(problems as (where, message), what the extension would read). `run`: also the batch-1 warm-up."""
    path = Path(path)
    try:
        proto = onnx.load(str(path))
    except Exception as e:  # noqa: BLE001
        return [("file", f"is not a readable ONNX model: {e}")], {}
    meta = {m.key: m.value for m in proto.metadata_props}
    if not any(k.startswith(META_PREFIX) for k in meta):
        return [("metadata_props", "the model has no rcnn_lens.* metadata, so it is not an RCNN Lens model (see "
                 "docs/model-contract.md; training/export.py writes these keys)")], {}
    p = Problems()
    info = _check_metadata(p, meta)
    inits = {i.name for i in proto.graph.initializer}
    sig = _check_signature(p, info, _signature(i for i in proto.graph.input if i.name not in inits),
                           _signature(proto.graph.output))
    if not p and run:
        _check_warm_up(p, path, info, sig)
    return list(p), {**info, **sig}


def missing_views(outputs: dict) -> list[str]:
    out = []
    if not outputs.get("hidden"):
        out.append('hidden-state heatmaps (the model has no "hidden" output)')
    if not outputs.get("step_logits"):
        out.append('running prediction and class evidence (no "step_logits" output)')
    if not outputs.get("attention"):
        out.append('attention map (no "attention" output)')
    return out


def report(path: str | Path, problems: list[tuple[str, str]]) -> str:
    """The extension's ModelContractError message."""
    return f"{path} does not follow the RCNN Lens model contract:\n" + \
        "\n".join(f"  - {where}: {message}" for where, message in problems)
