"""Train an RCNN. `python3 -m training.train --help`."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import (ModelConfig, TrainConfig, build_configs, load_config_file, model_config_from_checkpoint,
                     train_config_from_checkpoint)
from .data import fill_padding, load_dataset, masked_mean_std, split_indices
from .errors import UserError, run_cli
from .export import assert_exportable
from .model import RCNN, configure_batchnorm, count_params, dirac_init


# ----------------------------------------------------------------------------- CLI

def add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model (defaults: the bundled CIFAR-10 model)")
    g.add_argument("--channels", type=int, help="input channels: 3 (rgb) or 1 (grey)")
    g.add_argument("--size", type=str, help="input size HxW or S, e.g. 32 or 28x28")
    g.add_argument("--widths", type=str, help="CNN stage widths, comma separated, e.g. 64,256")
    g.add_argument("--pools", type=str, help="1/0 per stage: 2x2 max-pool in that stage, e.g. 1,1,0 (grid = size / 2^sum)")
    g.add_argument("--convs-per-stage", type=int)
    g.add_argument("--context-widths", type=str,
                   help="coarse context stages after the grid stage (pool + convs, upsampled back and concatenated), "
                        "e.g. 256; 'none' for none")
    g.add_argument("--stem", choices=["whiten", "conv"])
    g.add_argument("--rnn", dest="rnn_type", choices=["gru", "lstm"])
    g.add_argument("--hidden-size", type=int)
    g.add_argument("--rnn-layers", type=int)
    g.add_argument("--bidirectional", dest="bidirectional", action="store_true", default=None)
    g.add_argument("--unidirectional", dest="bidirectional", action="store_false")
    g.add_argument("--scan-order", choices=["row_major", "column_major", "snake"])
    g.add_argument("--head", choices=["attention", "final", "pool"],
                   help="pool: a diagnostic without the RNN (CNN max-pooled + linear), not exportable")
    g.add_argument("--attention-size", type=int)
    g.add_argument("--dropout", type=float)
    g.add_argument("--resize", choices=["center_crop", "stretch", "letterbox"])


def model_overrides(a: argparse.Namespace) -> dict:
    out = {}
    for k in ("channels", "convs_per_stage", "stem", "rnn_type", "hidden_size", "rnn_layers", "bidirectional",
              "scan_order", "head", "attention_size", "dropout", "resize"):
        v = getattr(a, k, None)
        if v is not None:
            out[k] = v
    def ints(s, what):
        try:
            return [int(v) for v in s.split(",") if v.strip()]
        except ValueError:
            raise UserError(f"--{what} must be comma-separated integers, got {s!r}") from None
    if getattr(a, "widths", None):
        out["widths"] = ints(a.widths, "widths")
    if getattr(a, "context_widths", None):
        out["context_widths"] = [] if a.context_widths.strip().lower() == "none" else ints(a.context_widths, "context-widths")
    if getattr(a, "pools", None):
        out["pools"] = ints(a.pools, "pools")
    if getattr(a, "size", None):
        try:
            hw = [int(v) for v in a.size.lower().split("x")]
        except ValueError:
            raise UserError(f"--size must be S or HxW, got {a.size!r}") from None
        if len(hw) not in (1, 2) or min(hw) < 1:
            raise UserError(f"--size must be S or HxW with positive sizes, got {a.size!r}", "e.g. --size 32 or --size 28x28")
        out["height"], out["width"] = (hw[0], hw[-1])
    if "channels" in out:
        # one channel means a greyscale model; its mean/std (one value each) come from the data at training start
        out["color"] = "grey" if out["channels"] == 1 else "rgb"
        if out["channels"] == 1:
            out["mean"], out["std"] = [0.5], [0.25]
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python3 -m training.train", description=__doc__)
    p.add_argument("--config", help="JSON file with optional 'model' and 'train' sections (flags override it)")
    p.add_argument("--data", help="CIFAR-10 style .tar.gz, a <class>/<image> folder, or the Fashion-MNIST folder")
    p.add_argument("--data-kind", choices=["auto", "archive", "folder", "fashion-mnist"])
    p.add_argument("--name", help="run name (checkpoints in <out-dir>/<name>/)")
    p.add_argument("--out-dir")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--momentum", type=float, help="Nesterov momentum (default 0.9)")
    p.add_argument("--bn-momentum", type=float, help="BatchNorm running-statistics momentum (PyTorch convention, "
                   "default 0.1)")
    p.add_argument("--freeze-bn-scale", dest="bn_scale", action="store_false", default=None,
                   help="keep every BatchNorm scale at 1 (learn only the shift)")
    p.add_argument("--bn-bias-lr-scale", type=float, help="learning-rate factor of the BatchNorm shifts (default 1)")
    p.add_argument("--dirac-init", dest="dirac_init", action="store_true", default=None,
                   help="initialise the CNN's 3x3 convs as identities on their first input channels")
    p.add_argument("--label-smoothing", type=float)
    p.add_argument("--translate", type=int, help="random translation in pixels (reflect padding)")
    p.add_argument("--cutout", type=int, help="side of the square cut out of each training image (0 = none)")
    p.add_argument("--val-images", type=int, help="held-out validation images (split evenly over classes)")
    p.add_argument("--seed", type=int, help="seed of the initialisation, data order and augmentation")
    p.add_argument("--split-seed", type=int, help="seed of the held-out validation split (default 0; independent "
                   "of --seed, so runs with different seeds are scored on the same images)")
    p.add_argument("--threads", type=int)
    p.add_argument("--no-bf16", dest="bf16", action="store_false", default=None)
    p.add_argument("--rnn-lr-scale", type=float, help="learning-rate factor of the RNN's weights (default 0.25)")
    p.add_argument("--ema", type=float, help="per-step decay of an exponential moving average of the weights, "
                   "which is evaluated and exported instead of the raw weights (e.g. 0.999; 0 = off)")
    p.add_argument("--device", help="auto (default: cuda when available), cpu, cuda or cuda:N")
    p.add_argument("--max-minutes", type=float, help="stop gracefully after this many minutes of training")
    p.add_argument("--time-budget", dest="time_budget_minutes", type=float,
                   help="minutes of training: the LR schedule progresses by max(step/total, time/budget) and the run "
                        "ends, fully annealed, when either reaches 1 (0 = epochs only; default 52)")
    p.add_argument("--limit-train", type=int, help="use only a seeded random subset of N training images (smoke tests)")
    p.add_argument("--resume", action="store_true", help="continue from <out-dir>/<name>/last.pt")
    p.add_argument("--export", metavar="ONNX", help="after training, export to this .onnx, evaluate it with "
                   "onnxruntime on the validation split and write the model card (+ .card.md)")
    p.add_argument("--int8", action="store_true", help="with --export: also write the int8 variant "
                   "(python3 -m training.export --int8)")
    add_model_args(p)
    return p.parse_args(argv)


def resolve_configs(a) -> tuple[ModelConfig, TrainConfig]:
    mv, tv = ({}, {})
    if a.config:
        mv, tv = load_config_file(a.config)
    mv = {**mv, **model_overrides(a)}
    for k in ("data", "data_kind", "name", "out_dir", "epochs", "batch_size", "lr", "weight_decay", "momentum",
              "bn_momentum", "bn_scale", "bn_bias_lr_scale", "dirac_init",
              "label_smoothing", "translate", "cutout", "val_images", "seed", "split_seed", "threads", "bf16", "max_minutes", "limit_train",
              "time_budget_minutes", "rnn_lr_scale", "ema", "device"):
        v = getattr(a, k, None)
        if v is not None:
            tv[k] = v
    return build_configs(mv, tv)


# ----------------------------------------------------------------------------- helpers

def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def limit_subset(tr_idx: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """--limit-train: a seeded random subset of n training indices (the split's training indices are
    sorted, i.e. grouped by class for a <class>/<image> dataset, so the first n would miss classes)."""
    g = torch.Generator().manual_seed(seed)
    return tr_idx[torch.randperm(len(tr_idx), generator=g)[:n]]


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise UserError(f"unknown device {name!r}", "use auto, cpu, cuda or cuda:N") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device {name!r} asked for, but this PyTorch sees no CUDA GPU", "use --device cpu")
    if dev.type not in ("cpu", "cuda"):
        raise UserError(f"device {name!r} is not supported", "use auto, cpu, cuda or cuda:N")
    return dev


class WeightAverage:
    """Exponential moving average of a model's parameters and buffers (BatchNorm statistics too).

    The decay ramps up from 0 ((1 + step) / (10 + step)) so that early, random weights fade quickly."""

    def __init__(self, model: nn.Module, decay: float):
        import copy
        self.decay = decay
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.updates = 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        src = model.state_dict()
        avg, new = [], []
        for k, v in self.model.state_dict().items():
            if v.dtype.is_floating_point:
                avg.append(v)
                new.append(src[k])
            else:
                v.copy_(src[k])
        torch._foreach_lerp_(avg, new, 1.0 - d)


def normalise(x_u8: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    return (x_u8.float().div_(255.0) - mean) / std


def augment(x_u8: torch.Tensor, g: torch.Generator, translate: int, flip: bool, cutout: int = 0,
            fill: torch.Tensor | None = None) -> torch.Tensor:
    """Random horizontal flip, random translation by up to `translate` px (reflect padding) and
    cutout: one `cutout`x`cutout` square per image (centre anywhere, clipped at the border) set to
    `fill` (the mean colour, i.e. zero after normalisation)."""
    b = x_u8.shape[0]
    if flip:
        m = torch.rand(b, generator=g) < 0.5
        x_u8 = torch.where(m[:, None, None, None], x_u8.flip(3), x_u8)
    if translate > 0:
        t = translate
        h, w = x_u8.shape[2:]
        xp = F.pad(x_u8.float(), (t, t, t, t), mode="reflect").to(torch.uint8)
        dy = torch.randint(0, 2 * t + 1, (b,), generator=g)
        dx = torch.randint(0, 2 * t + 1, (b,), generator=g)
        out = torch.empty_like(x_u8)
        for oy in range(2 * t + 1):
            for ox in range(2 * t + 1):
                idx = ((dy == oy) & (dx == ox)).nonzero().flatten()
                if len(idx):
                    out[idx] = xp[idx, :, oy:oy + h, ox:ox + w]
        x_u8 = out
    if cutout > 0:
        h, w = x_u8.shape[2:]
        cy = torch.randint(0, h, (b, 1, 1), generator=g)
        cx = torch.randint(0, w, (b, 1, 1), generator=g)
        ys = torch.arange(h).view(1, h, 1)
        xs = torch.arange(w).view(1, 1, w)
        top, left = cy - cutout // 2, cx - cutout // 2
        hole = (ys >= top) & (ys < top + cutout) & (xs >= left) & (xs < left + cutout)
        fill_u8 = (fill if fill is not None else torch.zeros(x_u8.shape[1])).to(torch.uint8).view(1, -1, 1, 1)
        x_u8 = torch.where(hole[:, None], fill_u8, x_u8)
    return x_u8


@torch.no_grad()
def predict(model: RCNN, x_u8: torch.Tensor, mean, std, batch: int = 500, bf16: bool = False,
            tta: bool = False) -> torch.Tensor:
    """Logits (on the CPU) of `model` for uint8 images, computed on the model's device."""
    model.eval()
    dev = mean.device
    outs = []
    for i in range(0, len(x_u8), batch):
        xb = normalise(x_u8[i:i + batch].to(dev), mean, std).contiguous(memory_format=torch.channels_last)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            lo = model(xb)["logits"].float()
            if tta:
                lo = lo + model(xb.flip(3))["logits"].float()
        outs.append(lo.cpu())
    return torch.cat(outs) if outs else torch.zeros(0)


def param_groups(model: RCNN, wd: float, lr: float, rnn_lr_scale: float, bn_bias_lr_scale: float = 1.0):
    decay, no_decay, rnn, bn_bias = [], [], [], []
    bn_biases = {id(m.bias) for m in model.modules() if isinstance(m, nn.BatchNorm2d)}
    for n, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if bn_bias_lr_scale != 1.0 and id(p) in bn_biases:
            bn_bias.append(p)
        elif n.startswith("rnn."):
            rnn.append(p)
        elif p.ndim <= 1:
            no_decay.append(p)
        else:
            decay.append(p)
    return [
        {"params": decay, "weight_decay": wd, "lr_scale": 1.0},
        {"params": no_decay, "weight_decay": 0.0, "lr_scale": 1.0},
        {"params": rnn, "weight_decay": wd, "lr_scale": rnn_lr_scale},
    ] + ([{"params": bn_bias, "weight_decay": 0.0, "lr_scale": bn_bias_lr_scale}] if bn_bias else [])


# ----------------------------------------------------------------------------- training

RESUMABLE = ("time_budget_minutes", "max_minutes", "epochs")


def train(mcfg: ModelConfig, tcfg: TrainConfig, resume: bool = False,
          command: str | None = None, log=print, resume_overrides: dict | None = None) -> dict:
    torch.set_num_threads(max(1, tcfg.threads))
    run_dir = Path(tcfg.out_dir) / tcfg.name
    ckpt_path = run_dir / "last.pt"
    if resume and not ckpt_path.exists():
        raise UserError(f"--resume: no checkpoint at {ckpt_path}", "start without --resume")
    ckpt = None
    if resume:
        ckpt = torch.load(ckpt_path, weights_only=False, map_location="cpu")
        prev = ckpt.get("command") or "python3 -m training.train"
        command = prev if command is None or command == prev else f"{prev}  (then resumed: {command})"
        log(f"resuming {ckpt_path} after epoch {ckpt['epoch']}")
        mcfg = model_config_from_checkpoint(ckpt["model_config"])
        # only run-time knobs may change on resume (explicit flags); everything else comes from the checkpoint
        keep = {k: getattr(tcfg, k) for k in (resume_overrides or {}) if k in RESUMABLE}
        tcfg = train_config_from_checkpoint({**ckpt["train_config"], "threads": tcfg.threads, "device": tcfg.device,
                                             **keep})
        if keep:
            log(f"resume overrides: {keep}")
    set_seed(tcfg.seed)
    device = resolve_device(tcfg.device)

    ds = load_dataset(tcfg.data, mcfg.channels, (mcfg.height, mcfg.width), kind=tcfg.data_kind, resize=mcfg.resize)
    if ckpt is not None and ds.classes != ckpt["classes"]:
        raise UserError(f"--resume: the classes of {tcfg.data} ({', '.join(ds.classes)}) are not the checkpoint's "
                        f"({', '.join(ckpt['classes'])})", "resume on the data the run started with")
    if len(ds.classes) != mcfg.num_classes:
        log(f"dataset has {len(ds.classes)} classes; setting num_classes={len(ds.classes)}")
        mcfg.num_classes = len(ds.classes)
    tr_idx, va_idx = split_indices(ds.labels, len(ds.classes), tcfg.val_images, tcfg.split_seed)
    if tcfg.limit_train:
        tr_idx = limit_subset(tr_idx, tcfg.limit_train, tcfg.seed)
    xtr, ytr = ds.images[tr_idx].contiguous(), ds.labels[tr_idx].contiguous()
    xva, yva = ds.images[va_idx].contiguous(), ds.labels[va_idx].contiguous()
    if ckpt is None:
        # normalisation statistics of the training split
        if ds.boxes is None:
            f = xtr.float().div(255.0)
            mcfg.mean = [round(v, 4) for v in f.mean(dim=(0, 2, 3)).tolist()]
            mcfg.std = [round(max(v, 1e-3), 4) for v in f.std(dim=(0, 2, 3)).tolist()]
            del f
        else:  # letterbox: statistics of the images, not of the padding
            mean_, std_ = masked_mean_std(xtr, ds.boxes[tr_idx])
            mcfg.mean = [round(v, 4) for v in mean_]
            mcfg.std = [round(max(v, 1e-3), 4) for v in std_]
    if ds.boxes is not None:
        # letterbox padding gets the mean colour, as in the extension (and in evaluate/export)
        xtr = fill_padding(xtr, ds.boxes[tr_idx], mcfg.mean)
        xva = fill_padding(xva, ds.boxes[va_idx], mcfg.mean)
    mean = torch.tensor(mcfg.mean).view(1, -1, 1, 1)
    std = torch.tensor(mcfg.std).view(1, -1, 1, 1)
    mean_dev, std_dev = mean.to(device), std.to(device)
    mean_u8 = (torch.tensor(mcfg.mean) * 255).round()

    model = RCNN(mcfg)
    configure_batchnorm(model, tcfg.bn_momentum, tcfg.bn_scale)
    if ckpt is None and tcfg.dirac_init:
        dirac_init(model)
    if ckpt is None and model.whiten is not None:
        # The first 5,000 training images in index order. For the CIFAR-10 archive (sorted by class) these
        # are 4,500 airplanes and 500 automobiles; kept so that the default recipe (and the bundled model)
        # is reproduced exactly. With --limit-train, xtr is already a random subset.
        model.whiten.init_whitening(normalise(xtr[:5000], mean, std))
    model = model.to(device, memory_format=torch.channels_last)
    # the hand-written recurrence is for the CPU; on a GPU the stock module runs cuDNN's fused kernels
    model.fast_rnn = device.type == "cpu"
    bs = tcfg.batch_size
    base_lr = tcfg.lr * bs / 256
    groups = param_groups(model, tcfg.weight_decay, base_lr, tcfg.rnn_lr_scale, tcfg.bn_bias_lr_scale)
    opt = torch.optim.SGD(groups, lr=base_lr, momentum=tcfg.momentum, nesterov=True)
    steps_per_epoch = max(1, len(xtr) // bs)
    total = steps_per_epoch * tcfg.epochs
    warm_frac = min(0.5, tcfg.warmup_epochs / tcfg.epochs)
    budget_s = tcfg.time_budget_minutes * 60.0

    def progress_at(step, seconds):
        p = step / total
        if budget_s > 0:
            p = max(p, seconds / budget_s)
        return min(1.0, p)

    def lr_at(p):
        if p < warm_frac:
            return base_lr * max(p / warm_frac, 1.0 / (warm_frac * total))
        return base_lr * max(0.0, (1.0 - p) / (1.0 - warm_frac))

    start_epoch, history, train_seconds = 0, [], 0.0
    ema = WeightAverage(model, tcfg.ema) if tcfg.ema > 0 else None
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        if ema is not None:
            ema.model.load_state_dict(ckpt.get("ema") or ckpt["model"])
            ema.updates = ckpt.get("ema_updates", 0)
        start_epoch, history, train_seconds = ckpt["epoch"], ckpt["history"], ckpt["train_seconds"]
    crit = nn.CrossEntropyLoss(label_smoothing=tcfg.label_smoothing)
    run_dir.mkdir(parents=True, exist_ok=True)
    log(f"model: {count_params(model):,} params, grid {mcfg.grid}, {mcfg.rnn_type} h={mcfg.hidden_size} "
        f"bi={mcfg.bidirectional} scan={mcfg.scan_order} head={mcfg.head}")
    log(f"data: {ds.name} {len(xtr)} train / {len(xva)} val, classes {ds.classes}")
    log(f"train: {tcfg.epochs} epochs x {steps_per_epoch} steps, batch {bs}, lr {base_lr:.3f}, bf16={tcfg.bf16}, "
        f"ema={tcfg.ema or 'off'}, device={device}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    eval_model = (lambda: ema.model) if ema is not None else (lambda: model)

    stopped_early = False
    finished = bool(history) and history[-1].get("progress", 0) >= 1.0
    for epoch in range(start_epoch, tcfg.epochs):
        if finished:
            break
        model.train()
        g = torch.Generator().manual_seed(tcfg.seed * 1000 + epoch)
        perm = torch.randperm(len(xtr), generator=g)
        t0 = time.time()
        loss_sum, correct, seen = 0.0, 0, 0
        for i in range(steps_per_epoch):
            step = epoch * steps_per_epoch + i
            prog = progress_at(step, train_seconds + time.time() - t0)
            if prog >= 1.0:
                finished = True
                break
            lr = lr_at(prog)
            for gr in opt.param_groups:
                gr["lr"] = lr * gr.get("lr_scale", 1.0)
            idx = perm[i * bs:(i + 1) * bs]
            xb = augment(xtr[idx], g, tcfg.translate, tcfg.flip, tcfg.cutout, mean_u8)
            xb = normalise(xb.to(device, non_blocking=True), mean_dev, std_dev).contiguous(memory_format=torch.channels_last)
            yb = ytr[idx].to(device, non_blocking=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=tcfg.bf16):
                out = model(xb)
                loss = crit(out["logits"].float(), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.rnn.parameters(), 5.0)
            opt.step()
            if ema is not None:
                ema.update(model)
            loss_sum += loss.item() * len(idx)
            correct += (out["logits"].argmax(1) == yb).sum().item()
            seen += len(idx)
            if i % 50 == 0:
                el = time.time() - t0
                log(f"  epoch {epoch + 1} step {i}/{steps_per_epoch} loss {loss.item():.3f} "
                    f"lr {lr:.4f} {seen / max(el, 1e-6):.0f} img/s")
        ep_sec = time.time() - t0
        train_seconds += ep_sec
        va_logits = predict(eval_model(), xva, mean_dev, std_dev, bf16=tcfg.bf16)
        va_acc = (va_logits.argmax(1) == yva).float().mean().item() if len(yva) else float("nan")
        raw_acc = None
        # the raw weights' accuracy is for comparison only: every 10th and the last epoch (an evaluation costs seconds)
        if ema is not None and len(yva) and (finished or (epoch + 1) % 10 == 0 or epoch + 1 == tcfg.epochs):
            raw_acc = (predict(model, xva, mean_dev, std_dev, bf16=tcfg.bf16).argmax(1) == yva).float().mean().item()
        prog = 1.0 if finished else progress_at((epoch + 1) * steps_per_epoch, train_seconds)
        rec = {"epoch": epoch + 1, "steps": i + (0 if finished else 1), "train_loss": loss_sum / max(1, seen),
               "train_acc": correct / max(1, seen), "val_acc": va_acc, "epoch_seconds": round(ep_sec, 1),
               "progress": round(prog, 4)}
        if raw_acc is not None:
            rec["val_acc_raw_weights"] = raw_acc
        history.append(rec)
        log(f"epoch {epoch + 1}/{tcfg.epochs} (schedule {prog:.0%}): loss {rec['train_loss']:.4f} train_acc {rec['train_acc']:.4f} "
            f"val_acc {va_acc:.4f}{'' if raw_acc is None else f' (raw weights {raw_acc:.4f})'} ({ep_sec:.0f}s, total {train_seconds / 60:.1f} min)")
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1,
                 "history": history, "train_seconds": train_seconds, "classes": ds.classes,
                 "dataset": ds.name, "model_config": dataclasses.asdict(mcfg),
                 "train_config": dataclasses.asdict(tcfg), "command": command}
        if ema is not None:  # the exported weights; "model" stays the raw ones so that --resume continues exactly
            state["ema"], state["ema_updates"] = ema.model.state_dict(), ema.updates
        tmp = run_dir / "last.pt.tmp"
        torch.save(state, tmp)
        tmp.replace(ckpt_path)
        if tcfg.max_minutes and train_seconds / 60 > tcfg.max_minutes and epoch + 1 < tcfg.epochs:
            log(f"stopping: --max-minutes {tcfg.max_minutes} reached after epoch {epoch + 1}")
            stopped_early = True
            break

    result = {"run_dir": str(run_dir), "checkpoint": str(ckpt_path), "history": history,
              "train_minutes": round(train_seconds / 60, 1), "stopped_early": stopped_early}
    if tcfg.tta and len(yva):
        tta_logits = predict(eval_model(), xva, mean_dev, std_dev, bf16=False, tta=True)
        result["val_acc_torch_tta"] = (tta_logits.argmax(1) == yva).float().mean().item()
        log(f"pytorch val_acc with flip-TTA (not in the ONNX model): {result['val_acc_torch_tta']:.4f}")
    return result


def main(argv=None, on_export=None):
    """Train; with --export, hand the checkpoint to `on_export(checkpoint, out, extra_export_args)` (the entry point runs the
    export in a fresh process, see process_tuning.exec_export) or export in-process when none is given."""
    a = parse_args(argv)
    m, t = resolve_configs(a)
    if a.int8 and not a.export:
        raise UserError("--int8 writes the int8 variant of the exported model", "add --export PATH.onnx")
    if a.export:
        assert_exportable(m)  # refused now, not after the whole training run
    cmd = "python3 -m training.train " + " ".join(argv if argv is not None else sys.argv[1:])
    explicit = {k: getattr(a, k) for k in RESUMABLE if getattr(a, k, None) is not None}
    res = train(m, t, resume=a.resume, command=cmd.strip(), resume_overrides=explicit)
    print(json.dumps({k: v for k, v in res.items() if k != "history"}, indent=1))
    if a.export:
        extra = ["--int8"] if a.int8 else []
        if on_export is not None:
            on_export(res["checkpoint"], a.export, extra)
        else:
            from .export_cli import main as export_main
            return export_main([res["checkpoint"], "--out", a.export, *extra])


if __name__ == "__main__":
    sys.exit(run_cli(main))
