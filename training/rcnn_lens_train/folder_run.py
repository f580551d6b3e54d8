"""One folder training run, start to end: data, model, loop, checkpoint, export (see folder_train.py)."""
from __future__ import annotations

import dataclasses
import os
import shlex
import time
from pathlib import Path

import torch

from . import folder_checkpoint as ckpt
from .config import ModelConfig, model_config_from_dict
from .events import EXIT_CANCELLED, EXIT_OK, EventStream, TrainingError
from .finetune import default_freeze, fit_classifier, freeze_cnn, load_source_model, scratch_model
from .folder_data import FolderData, check_enough, from_folder, from_manifest
from .folder_export import export_folder_model
from .folder_images import decode_folder
from .folder_loop import Loop, Recipe
from .model import RCNN
from .train import normalise

VAL_FRACTION = 0.1
FINE_TUNE_LR, SCRATCH_LR = 0.02, 0.05


def split(labels: torch.Tensor, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded per-class hold-out: 10% of each class (at least 1 image) for validation."""
    g = torch.Generator().manual_seed(seed)
    val = []
    for c in range(k):
        idx = (labels == c).nonzero().flatten()
        n = max(1, round(len(idx) * VAL_FRACTION))
        val.append(idx[torch.randperm(len(idx), generator=g)[:n]])
    val = torch.cat(val).sort().values
    keep = torch.ones(len(labels), dtype=torch.bool)
    keep[val] = False
    return keep.nonzero().flatten(), val


def collect(args) -> FolderData:
    data = from_manifest(args.manifest) if args.manifest else from_folder(args.folder)
    check_enough(data)
    return data


def build(args, data: FolderData, saved: dict | None):
    """(model, source description, whether it was fine-tuned from a model)."""
    if saved is not None:
        model = RCNN(model_config_from_dict(saved["model_config"]))
        return model, saved["source"], saved["source"]["path"] is not None
    if args.source.lower() in ("none", ""):
        model, _ = scratch_model(data.classes, args.model_config)
        return model, {"path": None, "name": None, "classifier": "new"}, False
    model, _, labels, meta = load_source_model(args.source)
    how = fit_classifier(model, labels, data.classes)
    return model, {"path": str(Path(args.source).resolve()), "name": meta.get("rcnn_lens.name"),
                   "labels": labels, "classifier": how}, True


@torch.no_grad()
def prepare_scratch(model: RCNN, x: torch.Tensor) -> None:
    """A new model's input statistics and whitening come from its training images."""
    cfg = model.cfg
    f = x.float().div(255.0)
    cfg.mean = [round(v, 4) for v in f.mean(dim=(0, 2, 3)).tolist()]
    cfg.std = [round(max(v, 1e-3), 4) for v in f.std(dim=(0, 2, 3)).tolist()]
    if model.whiten is not None:
        mean, std = torch.tensor(cfg.mean).view(1, -1, 1, 1), torch.tensor(cfg.std).view(1, -1, 1, 1)
        model.whiten.init_whitening(normalise(x[:5000], mean, std))


def run_folder_training(args, events: EventStream, cancelled) -> int:
    started = time.monotonic()
    torch.set_num_threads(args.threads or min(4, os.cpu_count() or 1))
    out = Path(args.out).expanduser().resolve()
    if not out.parent.is_dir():
        raise TrainingError("bad_arguments", f"the folder of --out does not exist: {out.parent}")
    ckdir = Path(args.checkpoint_dir).expanduser() if args.checkpoint_dir else out.with_name(out.name + ".checkpoint")
    data = collect(args)
    fingerprint = ckpt.data_fingerprint(data)
    saved = ckpt.load(ckdir, fingerprint) if args.resume else None
    model, source, fine_tuning = build(args, data, saved)
    decoded = decode_folder(data, model.cfg, cancelled)
    if decoded is None:
        events.emit("cancelled", checkpoint=None)
        return EXIT_CANCELLED
    if decoded.skipped_count:
        check_enough(FolderData(data.root, data.classes, [], decoded.labels.tolist()))
    tr, va = split(decoded.labels, len(data.classes), args.seed)
    x, y = decoded.images[tr], decoded.labels[tr]
    xva, yva = decoded.images[va], decoded.labels[va]
    if saved is None:
        freeze = default_freeze(len(tr), len(data.classes), fine_tuning) if args.freeze_cnn is None else args.freeze_cnn
        if not fine_tuning:
            prepare_scratch(model, x)
        recipe = Recipe(epochs=args.epochs, minutes=args.minutes, batch_size=args.batch_size, seed=args.seed,
                        lr=args.lr or (FINE_TUNE_LR if fine_tuning else SCRATCH_LR))
    else:
        freeze, recipe = saved["freeze_cnn"], Recipe(**saved["recipe"])
        recipe.epochs, recipe.minutes = args.epochs, args.minutes  # the run-time knobs may change on resume
    if freeze:
        freeze_cnn(model)
    loop = Loop(model, recipe, fine_tuning or freeze, x, y, xva, yva, events.emit, cancelled)
    if saved is not None:
        loop.load(saved["loop_state"])
    counts = data.counts()
    events.emit("start", root=str(data.root), classes=data.classes, counts=counts, train_images=len(tr),
                val_images=len(va), skipped=decoded.skipped, skipped_count=decoded.skipped_count,
                source=source, freeze_cnn=freeze, epochs=recipe.epochs, minutes=recipe.minutes,
                resumed=saved is not None, checkpoint_dir=str(ckdir))

    def payload() -> dict:
        return {"fingerprint": fingerprint, "model_config": dataclasses.asdict(model.cfg), "source": source,
                "freeze_cnn": freeze, "recipe": dataclasses.asdict(recipe), "loop_state": loop.saveable()}

    outcome = loop.run()
    if outcome == "cancelled":
        path = ckpt.save(ckdir, payload())
        events.emit("cancelled", checkpoint=str(path))
        return EXIT_CANCELLED
    card = {"name": args.name or out.stem, "dataset": f"folder {data.root}", "data": {
                "root": str(data.root), "counts": counts, "train_images": len(tr), "skipped": decoded.skipped_count},
            "split": f"held-out {int(VAL_FRACTION * 100)}% of each class (at least 1 image), seed {args.seed}; "
                     "never trained on",
            "from_model": source, "freeze_cnn": freeze, "epochs": loop.state.epoch,
            "train_minutes": round(loop.state.seconds / 60, 2), "history": loop.state.history,
            "training_command": "python3 -m rcnn_lens_train.folder_train " + shlex.join(args.argv)}
    res = export_folder_model(model, out, data.classes, card["name"], card, xva.numpy(), yva.numpy())
    ckpt.remove(ckdir)
    events.emit("done", model=str(out), val_acc=res["card"]["val_accuracy"], labels=data.classes,
                confusion=res["confusion"], card=res["card"], card_md=res["card_md"],
                elapsed_s=round(time.monotonic() - started, 1))
    return EXIT_OK
