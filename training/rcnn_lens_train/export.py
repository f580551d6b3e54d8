"""ONNX export with the RCNN Lens contract (docs/model-contract.md)."""
from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import onnx
import torch

from .config import ModelConfig
from .model import RCNN, ExportWrapper

CONTRACT_VERSION = "2"  # what a model with `step_mask` or `gates` declares; a file without them stays "1"
OPSET = 18
ALL_OUTPUTS = ("logits", "hidden", "step_logits", "attention", "gates")


def contract_metadata(cfg: ModelConfig, labels: list[str], name: str, card: dict | None,
                      version: str = CONTRACT_VERSION) -> dict[str, str]:
    m, n = cfg.grid
    return {
        "rcnn_lens.contract": version,
        "rcnn_lens.name": name,
        "rcnn_lens.labels": json.dumps(list(labels)),
        "rcnn_lens.grid": json.dumps([m, n]),
        "rcnn_lens.scan_order": cfg.scan_order,
        "rcnn_lens.input": json.dumps({"channels": cfg.channels, "height": cfg.height, "width": cfg.width,
                                       "color": cfg.color}),
        "rcnn_lens.preprocess": json.dumps({"resize": cfg.resize, "mean": [round(v, 6) for v in cfg.mean],
                                            "std": [round(v, 6) for v in cfg.std]}),
        "rcnn_lens.rnn": json.dumps({"type": cfg.rnn_type, "hidden_size": cfg.hidden_size,
                                     "layers": cfg.rnn_layers, "bidirectional": cfg.bidirectional}),
        "rcnn_lens.head": cfg.head,
        "rcnn_lens.model_card": json.dumps(card or {}),
        # the whole ModelConfig, so that onnx_import.load_rcnn_from_onnx can rebuild the network
        "rcnn_lens.architecture": json.dumps(dataclasses.asdict(cfg)),
    }


def assert_exportable(cfg: ModelConfig) -> None:
    """The diagnostic `pool` head has no RNN outputs, so no model file can be made from it."""
    if cfg.head == "pool":
        from .errors import UserError
        raise UserError("head 'pool' is a training diagnostic without the RNN: it has no hidden states or "
                        "step logits, so it cannot follow the ONNX contract", "train with --head attention or final")


def default_outputs(cfg: ModelConfig) -> list[str]:
    outs = ["logits", "hidden", "step_logits"]
    if cfg.head == "attention":
        outs.append("attention")
    if cfg.rnn_layers == 1:  # the gates are recomputed from the RNN's inputs: exact for one layer only
        outs.append("gates")
    return outs


def export_onnx(model: RCNN, path: str | Path, labels: list[str], name: str, card: dict | None = None,
                outputs: list[str] | None = None, metadata: bool = True, opset: int = OPSET,
                ablation: dict | None = None) -> Path:
    """Export `model` (eval mode, fp32) to `path` with a dynamic batch axis and contract metadata.

    `ablation` (contract v2): the model gets the `step_mask` input, reading `model.step_neutral` at masked
    steps, and the dict (what the neutral vector is, from which images) is written as `rcnn_lens.ablation`.

    Uses torch's dynamo-based exporter (``dynamo=True``, torch 2.13's default). It maps
    nn.GRU/nn.LSTM onto the standard ONNX GRU/LSTM operators. (The legacy TorchScript exporter,
    ``dynamo=False``, produced graphs that crashed onnxruntime 1.30's ORT_ENABLE_ALL optimiser
    with a segfault in our tests, so it is not used.)
    """
    cfg = model.cfg
    assert_exportable(cfg)
    outputs = list(outputs or default_outputs(cfg))
    for o in outputs:
        if o not in ALL_OUTPUTS or (o == "attention" and cfg.head != "attention"):
            raise ValueError(f"cannot export output {o!r} for head {cfg.head}")
        if o == "gates" and cfg.rnn_layers != 1:
            raise ValueError("the gates output is exact for a one-layer RNN only")
    model = model.float().eval()
    wrapper = ExportWrapper(model, outputs).eval()
    x = torch.zeros(2, cfg.channels, cfg.height, cfg.width)
    batch = torch.export.Dim("batch", min=1, max=65536)
    args, names, dims = (x,), ["image"], ({0: batch},)
    if ablation is not None:
        args, names, dims = (x, torch.ones(2, cfg.grid[0] * cfg.grid[1])), ["image", "step_mask"], ({0: batch},) * 2
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    import contextlib
    import io
    import logging

    logging.getLogger("torch").setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, args, str(path), input_names=names, output_names=outputs, dynamic_shapes=dims,
                          opset_version=opset, dynamo=True, external_data=False, verbose=False)
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    version = CONTRACT_VERSION if ablation is not None or "gates" in outputs else "1"
    if metadata:
        meta = contract_metadata(cfg, labels, name, card, version)
        if ablation is not None:
            meta["rcnn_lens.ablation"] = json.dumps(ablation)
        for k, v in meta.items():
            e = proto.metadata_props.add()
            e.key, e.value = k, v
    proto.producer_name = "rcnn-lens-training"
    proto.doc_string = f"RCNN Lens model {name} (contract v{version})" if metadata else ""
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return path


def set_metadata(path: str | Path, updates: dict[str, str]) -> None:
    proto = onnx.load(str(path))
    props = {p.key: p for p in proto.metadata_props}
    for k, v in updates.items():
        if k in props:
            props[k].value = v
        else:
            e = proto.metadata_props.add()
            e.key, e.value = k, v
    onnx.save(proto, str(path))


def read_metadata(path: str | Path) -> dict[str, str]:
    proto = onnx.load(str(path), load_external_data=False)
    return {p.key: p.value for p in proto.metadata_props}
