"""Generate the small ONNX fixture models used by the extension's unit tests.

    python3 -m training.make_fixtures [--out test/fixtures/models]

The models are deterministic (seeded), untrained and tiny; they exist to exercise the
contract handling, not to classify anything. See test/fixtures/models/README.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import onnx
import torch
import torch.nn as nn

from training.rcnn_lens_train.config import ModelConfig
from training.rcnn_lens_train.contract import validate_model
from training.rcnn_lens_train.data import CIFAR10_LABELS, FASHION_LABELS
from training.rcnn_lens_train.export import export_onnx
from training.rcnn_lens_train.model import RCNN


def _card(name: str, dataset: str) -> dict:
    return {"dataset": dataset, "split": "none (untrained fixture)", "val_accuracy": None, "val_images": 0,
            "training_command": "python3 -m training.make_fixtures", "date": "fixture",
            "note": f"{name}: untrained, seeded test fixture; predictions are meaningless"}


def _randomise_bn(model: nn.Module) -> None:
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.8, 1.2)


def make(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []

    # 1) contract metadata, but only the `logits` output
    torch.manual_seed(1)
    cfg = ModelConfig(channels=3, height=32, width=32, color="rgb", stem="conv", widths=[8, 16, 16], pools=[1, 1, 0], convs_per_stage=1, context_widths=[],
                      rnn_type="gru", hidden_size=16, bidirectional=True, scan_order="row_major", head="final",
                      num_classes=10)
    m = RCNN(cfg).eval()
    _randomise_bn(m)
    p = out / "tiny-logits-only.onnx"
    export_onnx(m, p, CIFAR10_LABELS, "tiny-logits-only", card=_card("tiny-logits-only", "none"),
                outputs=["logits"])
    written.append(p)

    # 2) greyscale 28x28, 7x7 grid, unidirectional LSTM, snake scan, final head, hidden + step_logits
    torch.manual_seed(2)
    cfg = ModelConfig(channels=1, height=28, width=28, color="grey", stem="conv", widths=[8, 16], pools=[1, 1], convs_per_stage=1, context_widths=[],
                      rnn_type="lstm", hidden_size=16, bidirectional=False, scan_order="snake", head="final",
                      num_classes=10, mean=[0.286], std=[0.353])
    m = RCNN(cfg).eval()
    _randomise_bn(m)
    p = out / "tiny-grey-lstm-snake-final.onnx"
    export_onnx(m, p, FASHION_LABELS, "tiny-grey-lstm-snake-final",
                card=_card("tiny-grey-lstm-snake-final", "none"), outputs=["logits", "hidden", "step_logits"])
    written.append(p)

    # 3) a valid ONNX model without any rcnn_lens metadata
    torch.manual_seed(3)
    cfg = ModelConfig(channels=3, height=32, width=32, stem="conv", widths=[4, 8, 8], pools=[1, 1, 0], convs_per_stage=1, context_widths=[],
                      hidden_size=8, bidirectional=False, head="final")
    m = RCNN(cfg).eval()
    p = out / "bad-no-metadata.onnx"
    export_onnx(m, p, CIFAR10_LABELS, "bad", metadata=False, outputs=["logits", "hidden", "step_logits"])
    written.append(p)

    for p in written:
        onnx.checker.check_model(onnx.load(str(p)))
    assert validate_model(out / "tiny-logits-only.onnx") == []
    assert validate_model(out / "tiny-grey-lstm-snake-final.onnx") == []
    assert validate_model(out / "bad-no-metadata.onnx") != []
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="test/fixtures/models")
    a = ap.parse_args(argv)
    for p in make(Path(a.out)):
        print(f"{p}  {p.stat().st_size / 1024:.1f} KB")


if __name__ == "__main__":
    sys.exit(main())
