"""The network a folder run trains: a new RCNN (from scratch) or one rebuilt from an exported ONNX model
(fine-tuning), with a classifier for the folder's classes and, optionally, a frozen CNN.

Fine-tuning keeps everything the source model learned: the CNN, the RNN, the attention. When the folder's
classes are not exactly the model's, the classifier is replaced by a new one for the folder's classes; the
rows of classes that both have (same name) start from the old weights, the others from a random init.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn as nn

from .config import ModelConfig, model_config_from_dict
from .errors import UserError
from .events import TrainingError
from .model import RCNN

# "small" folder: fewer than this many training images per class on average. With so few examples,
# updating the CNN's million-odd weights overfits them and forgets the features that transfer; training
# only the RNN, the attention and the classifier keeps them (see training/README.md, "Training on a folder").
SMALL_FOLDER_IMAGES_PER_CLASS = 1000


def default_freeze(train_images: int, num_classes: int, fine_tuning: bool) -> bool:
    return fine_tuning and train_images / max(1, num_classes) < SMALL_FOLDER_IMAGES_PER_CLASS


def scratch_model(classes: list[str], config_path: str | None = None) -> tuple[RCNN, ModelConfig]:
    """The bundled model's architecture, or the one in `config_path` (JSON of ModelConfig keys); mean/std
    and the whitening come from the data (see folder_run.prepare_scratch)."""
    values = {}
    if config_path:
        try:
            values = json.loads(Path(config_path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise TrainingError("bad_arguments", f"cannot read --model-config {config_path}: {e}") from None
        if not isinstance(values, dict):
            raise TrainingError("bad_arguments", "--model-config must hold a JSON object of model config keys")
    try:
        cfg = model_config_from_dict({**values, "num_classes": len(classes)})
        if cfg.channels == 1 and "mean" not in values:
            cfg.color, cfg.mean, cfg.std = "grey", [0.5], [0.25]
        cfg.validate()
    except UserError as e:
        raise TrainingError("bad_arguments", f"--model-config: {e.args[0]}", {"hint": e.hint}) from None
    if cfg.head == "pool":
        raise TrainingError("bad_arguments", "--model-config: head 'pool' cannot be exported")
    return RCNN(cfg), cfg


def load_source_model(path: str) -> tuple[RCNN, ModelConfig, list[str], dict]:
    from .onnx_import import load_rcnn_from_onnx

    try:
        model, cfg, meta = load_rcnn_from_onnx(path)
    except UserError as e:
        raise TrainingError("bad_model", f"cannot fine-tune from {path}: {e.args[0]}",
                            {"path": path, "hint": e.hint}) from None
    labels = json.loads(meta["rcnn_lens.labels"])
    return model, cfg, labels, meta


@torch.no_grad()
def fit_classifier(model: RCNN, old_labels: list[str], classes: list[str]) -> str:
    """Give `model` a classifier for `classes`. Returns 'kept', 'reordered' or 'new'."""
    if list(old_labels) == list(classes):
        return "kept"
    old = model.classifier
    new = nn.Linear(old.in_features, len(classes))
    shared = [c for c in classes if c in old_labels]
    for c in shared:
        new.weight[classes.index(c)] = old.weight[old_labels.index(c)]
        new.bias[classes.index(c)] = old.bias[old_labels.index(c)]
    model.classifier = new
    model.cfg.num_classes = len(classes)
    return "reordered" if sorted(old_labels) == sorted(classes) else "new"


def freeze_cnn(model: RCNN) -> None:
    for part in (model.cnn, model.context):
        if part is not None:
            for p in part.parameters():
                p.requires_grad_(False)


def set_train_mode(model: RCNN, keep_bn_stats: bool) -> None:
    """Training mode, except that BatchNorms keep their statistics when `keep_bn_stats`: for a frozen CNN,
    and for a fine-tuned model, whose folded BatchNorms the importer rebuilds as identities (their batch
    statistics would change what the CNN computes)."""
    model.train()
    if keep_bn_stats:
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
