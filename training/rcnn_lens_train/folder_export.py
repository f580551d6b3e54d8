"""Export a folder run's model: ONNX with the contract metadata and a model card, measured with
onnxruntime on the run's validation images, checked against the contract before it replaces --out."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np

from .contract import validate_model
from .events import TrainingError
from .export import export_onnx, set_metadata
from .export_cli import card_markdown
from .model import RCNN


def onnx_predictions(path: Path, x_u8: np.ndarray, mean, std) -> np.ndarray:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    s = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    m = np.asarray(mean, np.float32).reshape(1, -1, 1, 1)
    sd = np.asarray(std, np.float32).reshape(1, -1, 1, 1)
    preds = []
    for i in range(0, len(x_u8), 256):
        xb = (x_u8[i:i + 256].astype(np.float32) / 255.0 - m) / sd
        preds.append(s.run(["logits"], {"image": xb})[0].argmax(1))
    return np.concatenate(preds) if preds else np.zeros(0, np.int64)


def confusion(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> list[list[int]]:
    """confusion[true][predicted] = image count."""
    c = np.zeros((k, k), np.int64)
    np.add.at(c, (y_true, y_pred), 1)
    return c.tolist()


def export_folder_model(model: RCNN, out: Path, classes: list[str], name: str, card: dict,
                        xva: np.ndarray, yva: np.ndarray) -> dict:
    """Write `out` (via a temporary file beside it); returns the card with the measured accuracy."""
    tmp = out.with_name(f".{out.name}.partial.onnx")
    try:
        export_onnx(model.eval(), tmp, classes, name, card={})
        pred = onnx_predictions(tmp, xva, model.cfg.mean, model.cfg.std)
        card = {**card, "val_accuracy": round(float((pred == yva).mean()), 4) if len(yva) else None,
                "val_images": int(len(yva)),
                "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        set_metadata(tmp, {"rcnn_lens.model_card": json.dumps(card)})
        problems = validate_model(tmp, producer=True)
        if problems:
            raise TrainingError("invalid_export", "the exported model does not follow the contract: "
                                + "; ".join(problems), {"problems": problems})
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    md = out.with_suffix(".card.md") if out.suffix == ".onnx" else Path(str(out) + ".card.md")
    md.write_text(card_markdown(card, {"file": out.name, "size_bytes": out.stat().st_size}))
    return {"card": card, "confusion": confusion(yva, pred, len(classes)), "card_md": str(md)}
