"""Re-export an exported model as contract v2 (`step_mask` input, `gates` output) with the same weights.

`python3 -m training.reexport MODEL.onnx [--data PATH] [--out OUT.onnx]`

The network is rebuilt from the file (onnx_import.py), the neutral vector of `step_mask` is computed from
training-split images of `--data` (default: the card's training data), and the result is checked before
it replaces anything: with an all-ones mask every output equals the source file's within 1e-6.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import UserError

SAME_OUTPUTS_TOL = 1e-6
SAME_KEYS = ("rcnn_lens.name", "rcnn_lens.labels", "rcnn_lens.grid", "rcnn_lens.scan_order", "rcnn_lens.input",
             "rcnn_lens.preprocess", "rcnn_lens.rnn", "rcnn_lens.head")


def max_output_difference(a: Path, b: Path, x: np.ndarray) -> dict[str, float]:
    """Per output of `a`: max |a - b| on images x (both read every step)."""
    from .evaluate import model_feeds, ort_session

    sa, sb = ort_session(str(a)), ort_session(str(b))
    names = [o.name for o in sa.get_outputs()]
    ra, rb = sa.run(names, model_feeds(sa, x)), sb.run(names, model_feeds(sb, x))
    return {n: float(np.abs(va - vb).max()) for n, va, vb in zip(names, ra, rb)}


def _check_same_metadata(src_meta: dict, new_meta: dict) -> None:
    for key in SAME_KEYS:
        if key in src_meta and json.loads(_as_json(src_meta[key])) != json.loads(_as_json(new_meta.get(key, "null"))):
            raise UserError(f"re-export changed {key}: {src_meta[key]} -> {new_meta.get(key)}")


def _as_json(text: str) -> str:
    try:
        json.loads(text)
        return text
    except json.JSONDecodeError:
        return json.dumps(text)


def _test_images(meta: dict, ds, n: int = 32) -> np.ndarray:
    from .data import fill_padding
    from .evaluate import preprocess_u8

    inp = json.loads(meta["rcnn_lens.input"])
    rng = np.random.default_rng(5)
    noise = rng.standard_normal((n // 2, inp["channels"], inp["height"], inp["width"]), dtype=np.float32)
    idx = np.sort(rng.choice(len(ds.labels), size=min(n // 2, len(ds.labels)), replace=False))
    boxes = ds.boxes[idx] if ds.boxes is not None else None
    real = preprocess_u8(fill_padding(ds.images[idx], boxes, json.loads(meta["rcnn_lens.preprocess"])["mean"])
                         .numpy(), meta)
    return np.concatenate([noise, real])


def reexport(src: str | Path, out: str | Path | None = None, data: str | None = None, bench: bool = True,
             log=print) -> dict:
    from .contract import validate_model
    from .data import split_indices
    from .evaluate import load_for_model
    from .export import export_onnx, read_metadata, set_metadata
    from .export_cli import bench_in_fresh_process, card_markdown
    from .neutral import neutral_from_dataset
    from .onnx_import import load_rcnn_from_onnx
    from .quantize import file_hash

    src = Path(src)
    out = Path(out) if out else src
    model, cfg, meta = load_rcnn_from_onnx(src)
    card = json.loads(meta.get("rcnn_lens.model_card") or "{}")
    data = data or card.get("train_data_path") or card.get("data_path")
    if not data:
        raise UserError(f"{src}: the model card names no training data", "pass --data PATH (the model's training data)")
    ds, _ = load_for_model(meta, data)
    split_seed = int(card.get("split_seed", 0))
    tr, _ = split_indices(ds.labels, len(ds.classes), int(card.get("val_images", 5000)), split_seed)
    ablation = neutral_from_dataset(model, ds, tr.numpy(), meta, data, split_seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rcnn-lens-reexport-", dir=out.parent) as tmp:
        tmp_out = Path(tmp) / out.name
        export_onnx(model, tmp_out, json.loads(meta["rcnn_lens.labels"]), meta.get("rcnn_lens.name", src.stem),
                    card={}, ablation=ablation)
        diff = max_output_difference(src, tmp_out, _test_images(meta, ds))
        worst = max(diff.values())
        if not worst <= SAME_OUTPUTS_TOL:
            raise UserError(f"the re-exported model differs from {src} by {worst:.3g} with an all-ones mask "
                            f"({diff}); nothing was written")
        card = {**card, "reexported": {"from": {"file": src.name, "hash": file_hash(src)},
                                       "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                       "why": "contract v2: step_mask input and gates output, same weights",
                                       "max_abs_diff_all_ones_mask": diff}}
        if bench:
            r = bench_in_fresh_process(tmp_out)
            card["onnxruntime_cpu_2_threads"] = {
                **card.get("onnxruntime_cpu_2_threads", {}), "single_image_ms": r["single_image_ms"],
                "best_images_per_s": r["best_images_per_s"], "best_batch": r["best_batch"],
                "images_per_s_by_batch": {str(b): v["images_per_s"] for b, v in r["batches"].items()}}
        elif "onnxruntime_cpu_2_threads" in card:
            card["onnxruntime_cpu_2_threads"] = {**card["onnxruntime_cpu_2_threads"], "measured_on": (
                f"{src.name} before re-export (contract v1: same weights, without step_mask and gates)")}
        set_metadata(tmp_out, {"rcnn_lens.model_card": json.dumps(card)})
        _check_same_metadata(meta, read_metadata(tmp_out))
        problems = validate_model(tmp_out, producer=True)
        if problems:
            raise RuntimeError("the re-exported model violates the contract: " + "; ".join(problems))
        os.replace(tmp_out, out)
    md = out.with_name(out.name[:-5] + ".card.md") if out.name.endswith(".onnx") else Path(str(out) + ".card.md")
    md.write_text(card_markdown(card, {"file": out.name, "size_bytes": out.stat().st_size, "contract": "2"}))
    log(f"wrote {out} (contract v2; all-ones mask: max |Δ| {worst:.2g} against {src.name}) and {md}")
    return {"onnx": str(out), "card_md": str(md), "max_abs_diff": diff, "ablation": ablation}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m training.reexport", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="an exported RCNN Lens model (.onnx, fp32)")
    p.add_argument("--out", default=None, help="where to write (default: replace MODEL once it checks out)")
    p.add_argument("--data", default=None, help="training data for the neutral vector (default: the card's)")
    p.add_argument("--no-bench", action="store_true", help="keep the card's onnxruntime timings as they are")
    a = p.parse_args(argv)
    r = reexport(a.model, a.out, a.data, bench=not a.no_bench)
    print(json.dumps({k: v for k, v in r.items() if k != "ablation"}, indent=1))
