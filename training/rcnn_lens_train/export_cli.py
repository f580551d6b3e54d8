"""Export a checkpoint to ONNX, evaluate the ONNX model and write its model card.

`python3 -m training.export --help`
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

import torch

from .config import ModelConfig, model_config_from_checkpoint, train_config_from_checkpoint
from .contract import validate_model
from .errors import UserError, run_cli
from .export import OPSET, assert_exportable, contract_metadata, export_onnx, read_metadata, set_metadata
from .model import RCNN, count_params
from .quantize import CALIBRATION_METHODS, DEFAULT_CALIBRATION_IMAGES, DEFAULT_MAX_DROP_POINTS


def load_checkpoint(path: str) -> tuple[RCNN, dict]:
    if not Path(path).exists():
        raise UserError(f"checkpoint not found: {path}", "train first: python3 -m training.train")
    ck = torch.load(path, weights_only=False, map_location="cpu")
    model = RCNN(model_config_from_checkpoint(ck["model_config"]))
    # a run with --ema exports its averaged weights (the ones its validation accuracy was measured on)
    model.load_state_dict(ck.get("ema") or ck["model"])
    return model.eval(), ck


def card_markdown(card: dict, meta_extra: dict) -> str:
    lines = [f"# Model card: {card.get('name', 'model')}", ""]
    lines.append(f"RCNN Lens model, contract v{meta_extra.get('contract', '1')} (see `docs/model-contract.md`). "
                 f"File: `{meta_extra.get('file')}` "
                 f"({meta_extra.get('size_bytes', 0) / 1e6:.2f} MB).")
    lines.append("")
    lines.append("| field | value |")
    lines.append("|---|---|")
    for k, v in card.items():
        if isinstance(v, (dict, list)):
            v = "`" + json.dumps(v) + "`"
        lines.append(f"| {k} | {v} |")
    lines.append("")
    lines.append("All numbers above were measured by `python3 -m training.export` when the file was written "
                 "(accuracy: the exported ONNX model run with onnxruntime on the held-out split; throughput: "
                 "onnxruntime CPU, 2 threads, on the build machine, which is shared, so it fluctuates).")
    lines.append("")
    return "\n".join(lines)


def bench_in_fresh_process(model: Path) -> dict:
    """onnxruntime throughput of `model`, measured in a new process: in the training process, torch's
    OpenMP threads may still be spinning (wait policy ACTIVE) and would halve what onnxruntime gets."""
    import subprocess

    script = Path(__file__).resolve().parent.parent / "bench_ort.py"
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    done = subprocess.run([sys.executable, str(script), str(model), "--threads", "2", "--batches", "1,8,32,128",
                           "--seconds", "2", "--json"], capture_output=True, text=True, env=env, check=True)
    r = json.loads(done.stdout)
    r["batches"] = {int(b): v for b, v in r["batches"].items()}
    return r


def export_checkpoint(ckpt_path: str, out: str, name: str | None = None, log=print,
                      bench: bool = True, data: str | None = None) -> dict:
    from .data import align_classes, fill_padding, load_dataset, split_indices
    from .evaluate import onnx_accuracy

    model, ck = load_checkpoint(ckpt_path)
    mcfg: ModelConfig = model.cfg
    assert_exportable(mcfg)  # before the data is decoded
    tcfg = train_config_from_checkpoint(ck["train_config"])
    name = name or tcfg.name
    labels = ck["classes"]
    out_p = Path(out)

    # the held-out split the exported model is measured on (loaded first: a data problem fails before the export)
    other_data = data is not None and Path(data).expanduser().resolve() != Path(tcfg.data).expanduser().resolve()
    data = data if other_data else tcfg.data
    ds = load_dataset(data, mcfg.channels, (mcfg.height, mcfg.width), kind="auto" if other_data else tcfg.data_kind,
                      resize=mcfg.resize)
    # label index i must mean labels[i]: a folder without one class would shift every later index
    ds = align_classes(ds, labels)
    tr, va = split_indices(ds.labels, len(labels), tcfg.val_images, tcfg.split_seed)
    xva = fill_padding(ds.images[va], ds.boxes[va] if ds.boxes is not None else None, mcfg.mean).numpy()
    yva = ds.labels[va].numpy()

    from .neutral import neutral_from_dataset

    ablation = neutral_from_dataset(model, ds, tr.numpy(), contract_metadata(mcfg, labels, name, None),
                                    data, tcfg.split_seed)
    log(f"exporting {ckpt_path} -> {out_p}")
    export_onnx(model, out_p, labels, name, card={}, ablation=ablation)
    acc = onnx_accuracy(str(out_p), xva, yva)
    sample = onnx_accuracy(str(out_p), xva[:500], yva[:500])
    log(f"onnx val accuracy {acc['accuracy']:.4f} on {acc['images']} held-out images "
        f"(first 500: {sample['accuracy']:.4f})")
    hist = ck["history"]
    card = {
        "name": name,
        "dataset": ds.name if other_data else ck.get("dataset", Path(data).name),
        "data_path": data,  # the data the accuracy below was measured on (`evaluate` re-measures it from here)
        "train_data_path": tcfg.data,
        "split": (f"held-out validation split of the training set: {tcfg.val_images} images "
                  f"({tcfg.val_images // len(labels)} per class), seeded (split seed {tcfg.split_seed}); "
                  f"never trained on") if not other_data else
                 (f"seeded split (split seed {tcfg.split_seed}) of {tcfg.val_images} images of {data}, which is not "
                  f"the training data ({tcfg.data}); whether these images were trained on is not known here"),
        "split_seed": tcfg.split_seed,
        "val_images": acc["images"],
        "val_accuracy": round(acc["accuracy"], 4),
        "val_accuracy_first500": round(sample["accuracy"], 4),
        "val_accuracy_per_class": acc["per_class"],
        "val_accuracy_pytorch_last_epoch": round(hist[-1]["val_acc"], 4) if hist else None,
        "train_images": None,
        "epochs": ck["epoch"],
        "epochs_planned": tcfg.epochs,
        "train_minutes": round(ck["train_seconds"] / 60, 1),
        "training_command": ck.get("command") or "python3 -m training.train",
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "params": count_params(model),
        "architecture": {"stem": mcfg.stem, "widths": mcfg.widths, "pools": mcfg.pools,
                         "context_widths": mcfg.context_widths,
                         "convs_per_stage": mcfg.convs_per_stage, "act": mcfg.act, "grid": list(mcfg.grid),
                         "rnn": mcfg.rnn_type, "hidden_size": mcfg.hidden_size, "rnn_layers": mcfg.rnn_layers,
                         "bidirectional": mcfg.bidirectional, "scan_order": mcfg.scan_order, "head": mcfg.head},
        "recipe": {"optimizer": "SGD nesterov", "lr_per_256": tcfg.lr, "momentum": tcfg.momentum,
                   "batchnorm": {"momentum": tcfg.bn_momentum, "scale_learned": tcfg.bn_scale,
                                 "shift_lr_scale": tcfg.bn_bias_lr_scale},
                   "dirac_init": tcfg.dirac_init, "batch_size": tcfg.batch_size,
                   "weight_decay": tcfg.weight_decay, "label_smoothing": tcfg.label_smoothing,
                   "augment": f"flip={tcfg.flip}, translate={tcfg.translate}px, cutout={tcfg.cutout}px", "bf16_autocast": tcfg.bf16,
                   "threads": tcfg.threads, "schedule": "linear warmup + linear decay"},
        "exporter": f"torch {torch.__version__} torch.onnx.export(dynamo=True), opset {OPSET}",
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
    }
    n_total = len(ds.labels)
    card["train_images"] = None if other_data else (
        min(tcfg.limit_train, n_total - len(va)) if tcfg.limit_train else n_total - len(va))
    if bench:
        import onnxruntime as ort

        r = bench_in_fresh_process(out_p)
        card["onnxruntime_cpu_2_threads"] = {
            "version": ort.__version__, "single_image_ms": r["single_image_ms"],
            "best_images_per_s": r["best_images_per_s"], "best_batch": r["best_batch"],
            "images_per_s_by_batch": {str(b): v["images_per_s"] for b, v in r["batches"].items()}}
        log(f"onnxruntime: {r['single_image_ms']:.2f} ms/image at batch 1, best {r['best_images_per_s']:.0f} img/s "
            f"at batch {r['best_batch']}")
    set_metadata(out_p, {"rcnn_lens.model_card": json.dumps(card)})
    problems = validate_model(out_p, producer=True)
    if problems:
        raise RuntimeError("exported model violates the contract: " + "; ".join(problems))
    size = out_p.stat().st_size
    md = out_p.with_suffix("").with_suffix(".card.md") if out_p.suffix == ".onnx" else Path(str(out_p) + ".card.md")
    contract = read_metadata(out_p)["rcnn_lens.contract"]
    md.write_text(card_markdown(card, {"file": out_p.name, "size_bytes": size, "contract": contract}))
    log(f"wrote {out_p} ({size / 1e6:.2f} MB) and {md}")
    return {"onnx": str(out_p), "card_md": str(md), "size_bytes": size, "card": card}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m training.export", description=__doc__)
    p.add_argument("checkpoint", nargs="?", default="training/runs/rcnn-cifar10/last.pt")
    p.add_argument("--out", default="media/models/rcnn-cifar10.onnx")
    p.add_argument("--name", default=None, help="rcnn_lens.name (default: the run name)")
    p.add_argument("--data", default=None, help="dataset for the accuracy in the card (default: the training data; "
                   "its classes must be the model's; the card's data_path records what was used)")
    p.add_argument("--no-bench", action="store_true", help="skip the onnxruntime throughput measurement")
    add_int8_args(p)
    a = p.parse_args(argv)
    if a.from_onnx and not a.int8:
        raise UserError("--from-onnx only makes the int8 variant of an exported model", "add --int8")
    r = {} if a.from_onnx else export_checkpoint(a.checkpoint, a.out, a.name, bench=not a.no_bench, data=a.data)
    if a.int8:
        from .export_int8 import make_int8_variant

        methods = CALIBRATION_METHODS if a.calibration_method == "auto" else (a.calibration_method,)
        r["int8"] = make_int8_variant(a.from_onnx or a.out, data=a.data, calibration_images=a.calibration_images,
                                      methods=methods, max_drop_points=a.int8_max_drop, bench=not a.no_bench)
    print(json.dumps({k: v for k, v in r.items() if k != "card"}, indent=1))


def add_int8_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--int8", action="store_true", help="also write the int8 variant beside the model "
                   "(<name>.int8.onnx + .card.md): calibrated on training images, refused when its validation "
                   "accuracy is more than --int8-max-drop points below the fp32 model's")
    p.add_argument("--from-onnx", metavar="ONNX", help="with --int8: quantize this exported fp32 model instead of "
                   "exporting a checkpoint (its card names the data and the split)")
    p.add_argument("--calibration-images", type=int, default=DEFAULT_CALIBRATION_IMAGES,
                   help=f"training images to calibrate on (default {DEFAULT_CALIBRATION_IMAGES})")
    p.add_argument("--calibration-method", choices=("auto", *CALIBRATION_METHODS), default="auto",
                   help="auto (default): try each and keep the one closest to fp32 on other training images")
    p.add_argument("--int8-max-drop", type=float, default=DEFAULT_MAX_DROP_POINTS, metavar="POINTS",
                   help=f"accuracy guard in percentage points (default {DEFAULT_MAX_DROP_POINTS})")


if __name__ == "__main__":
    sys.exit(run_cli(main))
