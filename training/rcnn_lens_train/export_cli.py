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

from .config import ModelConfig, TrainConfig, model_config_from_checkpoint
from .contract import validate_model
from .errors import UserError, run_cli
from .export import OPSET, export_onnx, set_metadata
from .model import RCNN, count_params


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
    lines.append(f"RCNN Lens model, contract v1 (see `docs/model-contract.md`). File: `{meta_extra.get('file')}` "
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
    from .data import load_dataset, split_indices
    from .evaluate import onnx_accuracy

    model, ck = load_checkpoint(ckpt_path)
    mcfg: ModelConfig = model.cfg
    tcfg = TrainConfig(**ck["train_config"])
    name = name or tcfg.name
    labels = ck["classes"]
    out_p = Path(out)
    log(f"exporting {ckpt_path} -> {out_p}")
    export_onnx(model, out_p, labels, name, card={})

    # accuracy of the exported ONNX model on the held-out split
    data = data or tcfg.data
    ds = load_dataset(data, mcfg.channels, (mcfg.height, mcfg.width), kind=tcfg.data_kind)
    _, va = split_indices(ds.labels, len(ds.classes), tcfg.val_images, tcfg.seed)
    xva, yva = ds.images[va].numpy(), ds.labels[va].numpy()
    acc = onnx_accuracy(str(out_p), xva, yva)
    sample = onnx_accuracy(str(out_p), xva[:500], yva[:500])
    log(f"onnx val accuracy {acc['accuracy']:.4f} on {acc['images']} held-out images "
        f"(first 500: {sample['accuracy']:.4f})")
    hist = ck["history"]
    card = {
        "name": name,
        "dataset": ck.get("dataset", Path(data).name),
        "data_path": tcfg.data,
        "split": (f"held-out validation split of the training set: {tcfg.val_images} images "
                  f"({tcfg.val_images // len(labels)} per class), seeded (seed {tcfg.seed}); never trained on"),
        "split_seed": tcfg.seed,
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
        "recipe": {"optimizer": "SGD nesterov", "lr_per_256": tcfg.lr, "batch_size": tcfg.batch_size,
                   "weight_decay": tcfg.weight_decay, "label_smoothing": tcfg.label_smoothing,
                   "augment": f"flip={tcfg.flip}, translate={tcfg.translate}px, cutout={tcfg.cutout}px", "bf16_autocast": tcfg.bf16,
                   "threads": tcfg.threads, "schedule": "linear warmup + linear decay"},
        "exporter": f"torch {torch.__version__} torch.onnx.export(dynamo=True), opset {OPSET}",
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads",
    }
    n_total = len(ds.labels)
    card["train_images"] = (min(tcfg.limit_train, n_total - tcfg.val_images) if tcfg.limit_train
                            else n_total - tcfg.val_images)
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
    problems = validate_model(out_p)
    if problems:
        raise RuntimeError("exported model violates the contract: " + "; ".join(problems))
    size = out_p.stat().st_size
    md = out_p.with_suffix("").with_suffix(".card.md") if out_p.suffix == ".onnx" else Path(str(out_p) + ".card.md")
    md.write_text(card_markdown(card, {"file": out_p.name, "size_bytes": size}))
    log(f"wrote {out_p} ({size / 1e6:.2f} MB) and {md}")
    return {"onnx": str(out_p), "card_md": str(md), "size_bytes": size, "card": card}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m training.export", description=__doc__)
    p.add_argument("checkpoint", nargs="?", default="training/runs/rcnn-cifar10/last.pt")
    p.add_argument("--out", default="media/models/rcnn-cifar10.onnx")
    p.add_argument("--name", default=None, help="rcnn_lens.name (default: the run name)")
    p.add_argument("--data", default=None, help="dataset for the accuracy in the card (default: the training data)")
    p.add_argument("--no-bench", action="store_true", help="skip the onnxruntime throughput measurement")
    a = p.parse_args(argv)
    r = export_checkpoint(a.checkpoint, a.out, a.name, bench=not a.no_bench, data=a.data)
    print(json.dumps({k: v for k, v in r.items() if k != "card"}, indent=1))


if __name__ == "__main__":
    sys.exit(run_cli(main))
