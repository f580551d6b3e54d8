"""Bring your own PyTorch model: compose your own CNN, RNN, classifier (and attention) the canonical RCNN
Lens way and export it with every contract output and the metadata (docs/byo-model.md has a worked example).

    from rcnn_lens_train.byo import ComposedRCNN, export_composed

    model = ComposedRCNN(cnn, nn.LSTM(D, 64, batch_first=True, bidirectional=True), nn.Linear(128, K),
                         attention=None, scan_order="snake")
    ... train it ...
    export_composed(model, "mine.onnx", labels, input_size=(1, 28, 28), mean=[0.29], std=[0.35])

The composition: image [B, C, H, W] -> cnn -> feature map [B, D, M, N] -> the M*N cells in scan order
-> rnn (nn.GRU or nn.LSTM, batch_first=True, any number of layers, uni- or bidirectional) -> hidden
[B, L, H'] -> classifier (nn.Linear(H', K)) at every timestep = step_logits [B, L, K]. The image's logits:
with an attention module, the attention-weighted sum of the step logits (attention = softmax over the L
timesteps of attention(hidden) [B, L] or [B, L, 1] scores); without one, the classifier of the final state
(for a bidirectional RNN: the forward direction's last step and the backward direction's first).
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import warnings
from pathlib import Path

import onnx
import torch
import torch.nn as nn

from .export import CONTRACT_VERSION, OPSET
from .model import ExportWrapper, scan_permutation

REQUIRED_CARD = {"dataset": "unknown", "split": "unknown", "val_accuracy": None, "val_images": 0,
                 "training_command": "unknown"}


class ComposedRCNN(nn.Module):
    def __init__(self, cnn: nn.Module, rnn: nn.Module, classifier: nn.Linear, attention: nn.Module | None = None,
                 scan_order: str = "row_major"):
        super().__init__()
        if not isinstance(rnn, (nn.GRU, nn.LSTM)) or not rnn.batch_first:
            raise TypeError("rnn must be an nn.GRU or nn.LSTM built with batch_first=True")
        if getattr(rnn, "proj_size", 0):
            raise TypeError("an nn.LSTM with proj_size is not supported (the contract's hidden width is "
                            "hidden_size x directions)")
        width = rnn.hidden_size * (2 if rnn.bidirectional else 1)
        if not isinstance(classifier, nn.Linear) or classifier.in_features != width:
            raise TypeError(f"classifier must be an nn.Linear({width}, K): the RNN's output width is {width}")
        if scan_order not in ("row_major", "column_major", "snake"):
            raise ValueError(f"scan_order must be row_major, column_major or snake, got {scan_order!r}")
        self.cnn, self.rnn, self.classifier, self.attention = cnn, rnn, classifier, attention
        self.scan_order = scan_order

    def sequence(self, image: torch.Tensor) -> torch.Tensor:
        f = self.cnn(image)
        if f.dim() != 4 or f.shape[1] != self.rnn.input_size:
            raise ValueError(f"the CNN must return [B, D, M, N] with D = the RNN's input_size "
                             f"({self.rnn.input_size}); it returned {list(f.shape)}")
        m, n = f.shape[2], f.shape[3]
        seq = f.flatten(2).transpose(1, 2)
        if self.scan_order != "row_major":
            perm = torch.tensor(scan_permutation(int(m), int(n), self.scan_order), device=f.device)
            seq = seq.index_select(1, perm)
        return seq

    def forward(self, image: torch.Tensor, step_mask=None, gates: bool = False) -> dict[str, torch.Tensor]:
        # step_mask/gates (contract v2) are not offered for composed models: ExportWrapper asks for them only when exported
        del step_mask, gates
        hidden, _ = self.rnn(self.sequence(image))
        step_logits = self.classifier(hidden)
        out = {"hidden": hidden, "step_logits": step_logits}
        if self.attention is not None:
            scores = self.attention(hidden)
            att = torch.softmax(scores.reshape(scores.shape[0], -1), dim=1)
            out["attention"] = att
            out["logits"] = torch.bmm(att.unsqueeze(1), step_logits).squeeze(1)
        else:
            hs = self.rnn.hidden_size
            final = torch.cat([hidden[:, -1, :hs], hidden[:, 0, hs:]], -1) if self.rnn.bidirectional \
                else hidden[:, -1]
            out["logits"] = self.classifier(final)
        return out


def _today() -> str:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def composed_metadata(model: ComposedRCNN, grid: tuple[int, int], labels: list[str], name: str, input_size, mean,
                      std, resize: str, card: dict | None) -> dict[str, str]:
    c, h, w = input_size
    rnn = model.rnn
    return {
        "rcnn_lens.contract": CONTRACT_VERSION,
        "rcnn_lens.name": name,
        "rcnn_lens.labels": json.dumps(list(labels)),
        "rcnn_lens.grid": json.dumps(list(grid)),
        "rcnn_lens.scan_order": model.scan_order,
        "rcnn_lens.input": json.dumps({"channels": c, "height": h, "width": w, "color": "rgb" if c == 3 else "grey"}),
        "rcnn_lens.preprocess": json.dumps({"resize": resize, "mean": list(mean), "std": list(std)}),
        "rcnn_lens.rnn": json.dumps({"type": "gru" if isinstance(rnn, nn.GRU) else "lstm",
                                     "hidden_size": rnn.hidden_size, "layers": rnn.num_layers,
                                     "bidirectional": rnn.bidirectional}),
        "rcnn_lens.head": "attention" if model.attention is not None else "final",
        "rcnn_lens.model_card": json.dumps({**REQUIRED_CARD, "name": name, "date": _today(), **(card or {})}),
    }


def export_composed(model: ComposedRCNN, path: str | Path, labels: list[str], input_size: tuple[int, int, int],
                    mean: list[float], std: list[float], resize: str = "center_crop", name: str | None = None,
                    card: dict | None = None) -> Path:
    """Export `model` to ONNX (dynamic batch; outputs logits, hidden, step_logits and, with attention,
    attention) with the contract metadata, then check it as the extension will. `input_size` is (C, H, W),
    C 1 (grey) or 3 (rgb); `mean`/`std` normalise pixels in [0, 1], one value per channel; `card` is merged
    into the model card (dataset, split, val_accuracy, val_images, training_command are expected there).
    Raises ValueError listing the problems when the file would not load in the extension."""
    from .contract import validate_model
    from .extension_contract import check_model, report

    path = Path(path)
    model = model.float().eval()
    x = torch.zeros(2, *input_size)
    with torch.no_grad():
        grid = tuple(int(v) for v in model.cnn(x).shape[2:])
    if len(labels) != model.classifier.out_features:
        raise ValueError(f"{len(labels)} labels for a classifier with {model.classifier.out_features} outputs")
    outputs = ["logits", "hidden", "step_logits"] + (["attention"] if model.attention is not None else [])
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("torch").setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(ExportWrapper(model, outputs).eval(), (x,), str(path), input_names=["image"],
                          output_names=outputs, dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=65536)},),
                          opset_version=OPSET, dynamo=True, external_data=False, verbose=False)
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    name = name or path.stem
    for k, v in composed_metadata(model, grid, labels, name, input_size, mean, std, resize, card).items():
        e = proto.metadata_props.add()
        e.key, e.value = k, v
    proto.producer_name = "rcnn-lens-training (byo)"
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    problems, _ = check_model(path)
    problems += [("exporter", p) for p in validate_model(path, producer=True) if not problems]
    if problems:
        raise ValueError(report(path, problems))
    return path
