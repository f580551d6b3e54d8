"""Rebuild the PyTorch RCNN of an exported `.onnx` model (for fine-tuning or re-exporting it).

`load_rcnn_from_onnx(path)` reads the architecture from the metadata (`rcnn_lens.architecture`, written
by exporters since contract v2; older files: the model card's `architecture` plus `input`, `preprocess`,
`labels`, `rnn` and `head`) and loads the graph's weights back into the module (onnx_weights.py).
A BatchNorm that the exporter folded into its conv comes back as an identity BatchNorm (scale 1,
running mean 0, running variance 1 - eps) whose shift is the folded bias, so the module computes
what the file computes. The result is checked against onnxruntime before it is returned.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn

from .config import ModelConfig, model_config_from_dict
from .errors import UserError
from .model import RCNN, ConvBNAct, Whiten
from .onnx_weights import GraphReader, conv_layers, rnn_state

# card `architecture` key -> ModelConfig field (the card names a few differently)
CARD_ARCH_KEYS = {"stem": "stem", "widths": "widths", "pools": "pools", "context_widths": "context_widths",
                  "convs_per_stage": "convs_per_stage", "act": "act", "rnn": "rnn_type",
                  "hidden_size": "hidden_size", "rnn_layers": "rnn_layers", "bidirectional": "bidirectional",
                  "scan_order": "scan_order", "head": "head"}
CARD_ARCH_REQUIRED = ("stem", "widths", "pools", "convs_per_stage", "act", "rnn", "hidden_size", "bidirectional",
                      "scan_order", "head")
VERIFY_TOL = 1e-3


def _json(meta: dict, key: str, path) -> object:
    if key not in meta:
        raise UserError(f"{path}: metadata {key} is missing, so the PyTorch model cannot be rebuilt",
                        "load a model exported by python3 -m training.export")
    try:
        return json.loads(meta[key])
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: metadata {key} is not valid JSON: {e}") from None


def config_from_metadata(meta: dict, path="model", attention_size: int | None = None) -> ModelConfig:
    """The ModelConfig that built the exported network. `attention_size` (read off the graph) fills what an
    older card did not record."""
    if "rcnn_lens.architecture" in meta:
        arch = _json(meta, "rcnn_lens.architecture", path)
        if not isinstance(arch, dict):
            raise UserError(f"{path}: rcnn_lens.architecture must be a JSON object")
        cfg = model_config_from_dict(arch)
    else:
        card = _json(meta, "rcnn_lens.model_card", path)
        arch = card.get("architecture") if isinstance(card, dict) else None
        missing = [k for k in CARD_ARCH_REQUIRED if not isinstance(arch, dict) or k not in arch]
        if missing:
            raise UserError(f"{path}: the metadata does not describe the architecture (rcnn_lens.architecture is "
                            f"absent and the model card's architecture lacks {', '.join(missing)})",
                            "only models exported by python3 -m training.export can be loaded into PyTorch")
        inp, pre = _json(meta, "rcnn_lens.input", path), _json(meta, "rcnn_lens.preprocess", path)
        labels = _json(meta, "rcnn_lens.labels", path)
        values = {field: arch[k] for k, field in CARD_ARCH_KEYS.items() if k in arch}
        values.setdefault("context_widths", [])  # cards written before context stages existed had none
        values.update(channels=inp.get("channels"), height=inp.get("height"), width=inp.get("width"),
                      color=inp.get("color") or ("rgb" if inp.get("channels") == 3 else "grey"),
                      mean=pre.get("mean"), std=pre.get("std"), resize=pre.get("resize"),
                      num_classes=len(labels) if isinstance(labels, list) else labels)
        if attention_size is not None:
            values["attention_size"] = attention_size
        cfg = model_config_from_dict(values)
    cfg.dropout = 0.0
    cfg.validate()
    grid = meta.get("rcnn_lens.grid")
    if grid is not None and json.loads(grid) != list(cfg.grid):
        raise UserError(f"{path}: the architecture gives grid {list(cfg.grid)} but rcnn_lens.grid is {grid}")
    return cfg


def _attention_layers(reader: GraphReader):
    """(att_proj, att_score) linear layers around the attention's Tanh, or None without attention."""
    tanh = reader.nodes("Tanh")
    if not tanh:
        return None
    proj = reader.linear_producing(tanh[0].input[0])
    score_mm = [n for n in reader.consumers.get(tanh[0].output[0], []) if n.op_type == "MatMul"]
    if not score_mm:
        raise UserError("the attention's score layer is missing from the ONNX graph")
    return proj, reader.linear_producing(score_mm[0].output[0])


def _conv_modules(model: RCNN) -> list[tuple[nn.Conv2d, nn.BatchNorm2d | None]]:
    pairs = []
    for m in model.modules():
        if isinstance(m, Whiten):
            pairs.append((m.conv, None))
        elif isinstance(m, ConvBNAct):
            pairs.append((m[0], m[1]))
    return pairs


def _set(param: torch.Tensor, value: np.ndarray, what: str) -> None:
    value = np.asarray(value, dtype=np.float32)
    if tuple(param.shape) != value.shape:
        raise UserError(f"{what}: the graph holds shape {list(value.shape)}, the architecture needs "
                        f"{list(param.shape)}", "the metadata does not describe this graph")
    param.data.copy_(torch.from_numpy(value.copy()))


@torch.no_grad()
def _load_convs(model: RCNN, reader: GraphReader) -> None:
    found, modules = conv_layers(reader), _conv_modules(model)
    if len(found) != len(modules):
        raise UserError(f"the architecture has {len(modules)} convolutions, the ONNX graph {len(found)}")
    for i, ((w, b, bn_graph), (conv, bn)) in enumerate(zip(found, modules)):
        _set(conv.weight, w, f"conv {i} weight")
        shift = np.zeros(w.shape[0], np.float32) if b is None else b
        if bn is None:
            _set(conv.bias, shift, f"conv {i} bias")
        elif bn_graph is not None:
            for key in ("weight", "bias", "running_mean", "running_var"):
                _set(getattr(bn, key), bn_graph[key], f"batchnorm {i} {key}")
            bn.eps = bn_graph["eps"]
        else:  # folded: an identity BatchNorm that adds the folded bias
            bn.weight.fill_(1.0)
            _set(bn.bias, shift, f"conv {i} folded bias")
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)


@torch.no_grad()
def load_weights(model: RCNN, reader: GraphReader) -> None:
    cfg = model.cfg
    _load_convs(model, reader)
    op = "GRU" if cfg.rnn_type == "gru" else "LSTM"
    for key, value in rnn_state(reader, op, cfg.rnn_layers, cfg.hidden_size).items():
        _set(getattr(model.rnn, key), value, f"rnn {key}")
    outputs = {o.name for o in reader.graph.output}
    source = "step_logits" if "step_logits" in outputs else ("logits" if cfg.head == "final" else None)
    if source is None:
        raise UserError("the classifier cannot be found: the model has no step_logits output")
    w, b = reader.linear_producing(source)
    _set(model.classifier.weight, w, "classifier weight")
    _set(model.classifier.bias, b if b is not None else np.zeros(w.shape[0], np.float32), "classifier bias")
    if cfg.head == "attention":
        att = _attention_layers(reader)
        if att is None:
            raise UserError("head is 'attention' but the ONNX graph has no attention layers")
        (pw, pb), (sw, _) = att
        _set(model.att_proj.weight, pw, "attention projection weight")
        _set(model.att_proj.bias, pb, "attention projection bias")
        _set(model.att_score.weight, sw, "attention score weight")
    neutral = next((v for k, v in reader.values.items() if k.endswith("step_neutral")), None)
    if neutral is not None and hasattr(model, "step_neutral"):
        _set(model.step_neutral, neutral, "step_mask neutral vector")


def _onnx_check(model: RCNN, path: Path) -> float:
    """Max |PyTorch - onnxruntime| over the outputs both have, on random images."""
    import onnxruntime as ort

    cfg = model.cfg
    x = np.random.default_rng(0).standard_normal((2, cfg.channels, cfg.height, cfg.width), dtype=np.float32)
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {}
    for i in s.get_inputs():
        feeds[i.name] = x if len(i.shape) == 4 else np.ones((2, cfg.grid[0] * cfg.grid[1]), np.float32)
    got = dict(zip([o.name for o in s.get_outputs()], s.run(None, feeds)))
    with torch.no_grad():
        ref = model(torch.from_numpy(x))
    return max(float(np.abs(got[k] - ref[k].numpy()).max()) for k in got if k in ref)


def load_rcnn_from_onnx(path: str | Path, verify: bool = True) -> tuple[RCNN, ModelConfig, dict[str, str]]:
    """(PyTorch RCNN in eval mode, its ModelConfig, the file's metadata) of an exported RCNN Lens model."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"model not found: {path}")
    try:
        proto = onnx.load(str(path))
    except Exception as e:  # noqa: BLE001 - any parse failure is the file's fault
        raise UserError(f"{path} is not a readable ONNX file: {e}") from None
    meta = {p.key: p.value for p in proto.metadata_props}
    if not any(k.startswith("rcnn_lens.") for k in meta):
        raise UserError(f"{path} has no rcnn_lens.* metadata: it is not an RCNN Lens model")
    if "rcnn_lens.quantization" in meta:
        raise UserError(f"{path} is a quantized variant; its weights are not the trained ones",
                        "load the fp32 model it was made from")
    reader = GraphReader(proto)
    att = _attention_layers(reader) if meta.get("rcnn_lens.head") == "attention" else None
    cfg = config_from_metadata(meta, path, attention_size=att[0][0].shape[0] if att else None)
    model = RCNN(cfg)
    load_weights(model, reader)
    model.eval()
    if verify:
        diff = _onnx_check(model, path)
        if not diff <= VERIFY_TOL:
            raise UserError(f"{path}: the rebuilt PyTorch model differs from the ONNX file by {diff:.3g}",
                            "the metadata does not describe this graph")
    return model, cfg, meta
