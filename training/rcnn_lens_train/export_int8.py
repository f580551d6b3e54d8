"""Write the int8 variant beside an exported fp32 model (`python3 -m training.export … --int8`).

The variant is calibrated on training images, measured on the same held-out split as the fp32
model, and refused (nothing written) when its accuracy is more than `max_drop_points` below fp32's.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import UserError
from .int8_graph import quantization_graph
from .quantize import (CALIBRATION_METHODS, CALIBRATION_SEED, DEFAULT_CALIBRATION_IMAGES, DEFAULT_MAX_DROP_POINTS,
                       DEFAULT_SELECTION_IMAGES, QUANTIZED_OPS, calibration_sample, choose_method, file_hash, parity,
                       run_all, top1, variant_path)


def _accuracy(pred: np.ndarray, y: np.ndarray, labels: list[str]) -> dict:
    per_class = {lab: round(float((pred[y == c] == c).mean()), 4) for c, lab in enumerate(labels) if (y == c).any()}
    return {"accuracy": float((pred == y).mean()) if len(y) else 0.0, "per_class": per_class}


def _data_for(meta: dict, card: dict, data: str | None):
    """Training and validation images of the fp32 model's own split, preprocessed as the model expects."""
    from .data import split_indices
    from .evaluate import load_for_model, preprocess_u8

    src = data or card.get("train_data_path") or card.get("data_path")
    if not src:
        raise UserError("the model card names no training data", "pass --data PATH (the model's training data)")
    ds, images = load_for_model(meta, src)
    tr, va = split_indices(ds.labels, len(ds.classes), int(card.get("val_images", 5000)), int(card.get("split_seed", 0)))
    if len(va) == 0:
        raise UserError("the model has no validation split to measure the int8 variant on")
    pre = lambda idx: preprocess_u8(images[idx].numpy(), meta)  # noqa: E731
    return src, tr.numpy(), pre, pre(va.numpy()), ds.labels[va].numpy()


def _guard(fp32_acc: float, int8_acc: float, max_drop_points: float) -> float:
    drop = round((fp32_acc - int8_acc) * 100, 2)
    if drop > max_drop_points:
        raise UserError(f"the int8 variant is {drop:.2f} points below the fp32 model on the validation split "
                        f"({int8_acc:.4f} vs {fp32_acc:.4f}; allowed: {max_drop_points:g}); it was not written",
                        "calibrate on more images (--calibration-images), or allow more with --int8-max-drop")
    return drop


def make_int8_variant(fp32: str | Path, out: str | Path | None = None, data: str | None = None,
                      calibration_images: int = DEFAULT_CALIBRATION_IMAGES, methods=CALIBRATION_METHODS,
                      selection_images: int = DEFAULT_SELECTION_IMAGES,
                      max_drop_points: float = DEFAULT_MAX_DROP_POINTS, bench: bool = True, log=print) -> dict:
    from .export import read_metadata

    fp32, out = Path(fp32), Path(out) if out else variant_path(fp32)
    if not fp32.exists():
        raise UserError(f"model not found: {fp32}")
    meta = read_metadata(fp32)
    if "rcnn_lens.quantization" in meta:
        raise UserError(f"{fp32} is already a quantized variant", "pass the fp32 model")
    card = json.loads(meta.get("rcnn_lens.model_card") or "{}")
    labels = json.loads(meta["rcnn_lens.labels"])
    src, tr, pre, xva, yva = _data_for(meta, card, data)
    calib_idx, select_idx = calibration_sample(tr, calibration_images, selection_images if len(methods) > 1 else 0)
    with tempfile.TemporaryDirectory(prefix="rcnn-lens-int8-") as tmp:
        graph = quantization_graph(fp32, Path(tmp), log)
        chosen = choose_method(fp32, pre(calib_idx), pre(select_idx) if len(select_idx) else pre(calib_idx[:1]),
                               list(methods), Path(tmp), log, graph=graph)
        ref, got = run_all(fp32, xva), run_all(chosen["file"], xva)
        acc32, acc8 = _accuracy(top1(ref), yva, labels), _accuracy(top1(got), yva, labels)
        drop = _guard(acc32["accuracy"], acc8["accuracy"], max_drop_points)
        quant = {
            "precision": "int8",
            "scheme": "onnxruntime quantize_static, QDQ: int8 per-channel weights, uint8 per-tensor activations",
            "quantized_ops": list(QUANTIZED_OPS),
            "rnn": graph.rnn,
            "float_ops": "everything else (the RNN's recurrence, softmax, attention pooling)",
            "calibration": {"method": chosen["method"], "images": int(len(calib_idx)), "data": src,
                            "from": f"training split (seeded draw, seed {CALIBRATION_SEED}; never the validation split)",
                            "methods_tried": chosen["trials"], "selection_images": int(len(select_idx)),
                            "selected_by": "smallest mean |Δ| of the logits against fp32 on the selection images (training split)"},
            "fp32_model": {"file": fp32.name, "hash": file_hash(fp32)},
            "validation": {"images": int(len(yva)), "split_seed": int(card.get("split_seed", 0)),
                           "fp32_accuracy": round(acc32["accuracy"], 4), "int8_accuracy": round(acc8["accuracy"], 4),
                           "drop_points": drop, "max_drop_points": max_drop_points,
                           "top1_agreement": round(float((top1(ref) == top1(got)).mean()), 4)},
            "parity": parity(ref, got),
            "onnxruntime": _ort_version(),
        }
        tmp_out = Path(tmp) / "variant.onnx"
        _write_variant(chosen["file"], tmp_out, meta, card, quant, acc8, bench, log)
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_out, out) if _same_fs(tmp_out, out) else out.write_bytes(tmp_out.read_bytes())
    written = read_metadata(out)
    md = _write_card_md(out, {**json.loads(written["rcnn_lens.model_card"]),
                              "quantization": json.loads(written["rcnn_lens.quantization"])})
    log(f"int8 variant: {acc8['accuracy']:.4f} vs fp32 {acc32['accuracy']:.4f} ({drop:+.2f} points drop), "
        f"top-1 agreement {quant['validation']['top1_agreement']:.4f}; wrote {out} and {md}")
    return {"onnx": str(out), "card_md": str(md), "quantization": quant}


def _ort_version() -> str:
    import onnxruntime as ort

    return ort.__version__


def _same_fs(a: Path, b: Path) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b.parent).st_dev
    except OSError:
        return False


def _write_variant(src: Path, dst: Path, meta: dict, card: dict, quant: dict, acc8: dict, bench: bool, log) -> None:
    import onnx

    from .contract import validate_model
    from .export import set_metadata

    proto = onnx.load(str(src))
    del proto.metadata_props[:]
    for k, v in meta.items():
        e = proto.metadata_props.add()
        e.key, e.value = k, v
    proto.producer_name = "rcnn-lens-training"
    proto.doc_string = f"RCNN Lens model {meta.get('rcnn_lens.name', '')} (contract v{meta.get('rcnn_lens.contract', '1')}), int8 variant"
    onnx.save(proto, str(dst))
    vcard = {k: v for k, v in card.items() if k not in ("onnxruntime_cpu_2_threads", "val_accuracy_first500",
                                                          "val_accuracy_pytorch_last_epoch")}
    vcard.update({"precision": "int8", "val_accuracy": quant["validation"]["int8_accuracy"],
                  "val_accuracy_per_class": acc8["per_class"], "fp32_val_accuracy": card.get("val_accuracy"),
                  "quantized_from": quant["fp32_model"], "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    if bench:
        from .export_cli import bench_in_fresh_process

        r = bench_in_fresh_process(dst)
        vcard["onnxruntime_cpu_2_threads"] = {"version": _ort_version(), "single_image_ms": r["single_image_ms"],
                                              "best_images_per_s": r["best_images_per_s"], "best_batch": r["best_batch"],
                                              "images_per_s_by_batch": {str(b): v["images_per_s"] for b, v in r["batches"].items()}}
        log(f"onnxruntime int8: best {r['best_images_per_s']:.0f} img/s at batch {r['best_batch']}")
    set_metadata(dst, {"rcnn_lens.model_card": json.dumps(vcard), "rcnn_lens.quantization": json.dumps(quant)})
    problems = validate_model(dst, producer=True)
    if problems:
        raise RuntimeError("the int8 variant violates the contract: " + "; ".join(problems))


def _write_card_md(out: Path, vcard: dict) -> Path:
    from .export_cli import card_markdown

    md = out.with_name(out.name[:-5] + ".card.md") if out.name.endswith(".onnx") else Path(str(out) + ".card.md")
    from .export import read_metadata

    contract = read_metadata(out).get("rcnn_lens.contract", "1")
    md.write_text(card_markdown(vcard, {"file": out.name, "size_bytes": out.stat().st_size, "contract": contract}))
    return md
