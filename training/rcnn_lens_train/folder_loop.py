"""The training loop of a folder run: progress events, a time budget, cancellation between steps and a
resumable state (model, optimizer, position in the schedule, random generator)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from .finetune import set_train_mode
from .model import RCNN
from .train import augment, normalise, param_groups

STEP_EVENT_SECONDS = 1.0


@dataclass
class Recipe:
    epochs: int = 10
    minutes: float = 0.0  # 0 = no limit; else the schedule anneals to end within this many minutes
    batch_size: int = 64
    lr: float = 0.05  # Nesterov SGD at this batch size
    weight_decay: float = 5e-4
    rnn_lr_scale: float = 0.25
    label_smoothing: float = 0.1
    warmup: float = 0.05  # fraction of the schedule
    translate: int = 2
    flip: bool = True
    seed: int = 0


@dataclass
class LoopState:
    """Where the run is; saved in the checkpoint so that --resume continues from here."""
    epoch: int = 0
    step: int = 0  # steps done in `epoch`
    seconds: float = 0.0  # training time so far (all sessions)
    history: list = field(default_factory=list)
    loss_sum: float = 0.0
    seen: int = 0


class Loop:
    def __init__(self, model: RCNN, recipe: Recipe, fine_tuning: bool, x, y, xva, yva, emit, cancelled):
        self.model, self.recipe, self.fine_tuning = model, recipe, fine_tuning
        self.x, self.y, self.xva, self.yva = x, y, xva, yva
        self.emit, self.cancelled = emit, cancelled
        cfg = model.cfg
        self.mean = torch.tensor(cfg.mean).view(1, -1, 1, 1)
        self.std = torch.tensor(cfg.std).view(1, -1, 1, 1)
        self.mean_u8 = (torch.tensor(cfg.mean) * 255).round()
        groups = param_groups(model, recipe.weight_decay, recipe.lr, recipe.rnn_lr_scale)
        self.opt = torch.optim.SGD([g for g in groups if g["params"]], lr=recipe.lr, momentum=0.9, nesterov=True)
        self.crit = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
        self.steps_per_epoch = max(1, -(-len(x) // recipe.batch_size))
        self.total = self.steps_per_epoch * recipe.epochs
        self.state = LoopState()

    def load(self, saved: dict) -> None:
        self.model.load_state_dict(saved["model"])
        self.opt.load_state_dict(saved["optimizer"])
        self.state = LoopState(**saved["loop"])

    def saveable(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.opt.state_dict(), "loop": vars(self.state)}

    def progress(self, seconds: float) -> float:
        s = self.state
        p = (s.epoch * self.steps_per_epoch + s.step) / self.total
        if self.recipe.minutes > 0:
            p = max(p, seconds / (self.recipe.minutes * 60))
        return min(1.0, p)

    def lr_at(self, p: float) -> float:
        w = self.recipe.warmup
        if p < w:
            return self.recipe.lr * max(p / w, 0.05)
        return self.recipe.lr * max(0.0, (1 - p) / (1 - w))

    def eta(self, seconds: float) -> float:
        p = self.progress(seconds)
        return seconds * (1 - p) / p if p > 0 else None

    def run(self) -> str:
        """'done' or 'cancelled' (state saveable at a step boundary)."""
        s, r = self.state, self.recipe
        while s.epoch < r.epochs:
            outcome = self._epoch()
            if outcome != "next":
                return outcome
        return "done"

    def _epoch(self) -> str:
        s, r = self.state, self.recipe
        g = torch.Generator().manual_seed(r.seed * 1000 + s.epoch)
        perm = torch.randperm(len(self.x), generator=g)
        for _ in range(s.step):  # the augmentation draws of the steps done before a resume
            augment(self.x[:r.batch_size], g, r.translate, r.flip)
        set_train_mode(self.model, self.fine_tuning)
        t0, base, last_event = time.monotonic(), s.seconds, 0.0
        while s.step < self.steps_per_epoch:
            if self.cancelled():
                s.seconds = base + time.monotonic() - t0
                return "cancelled"
            p = self.progress(base + time.monotonic() - t0)
            if p >= 1.0:
                break
            self._step(perm[s.step * r.batch_size:(s.step + 1) * r.batch_size], g, self.lr_at(p))
            s.step += 1
            now = time.monotonic() - t0
            if now - last_event >= STEP_EVENT_SECONDS:
                last_event = now
                self.emit("step", epoch=s.epoch + 1, step=s.step, steps=self.steps_per_epoch,
                          loss=round(s.loss_sum / max(1, s.seen), 5), elapsed_s=round(base + now, 1),
                          eta_s=_round(self.eta(base + now)))
        s.seconds = base + time.monotonic() - t0
        finished = self.progress(s.seconds) >= 1.0
        val_acc = self.validate()
        s.history.append({"epoch": s.epoch + 1, "loss": s.loss_sum / max(1, s.seen), "val_acc": val_acc,
                          "elapsed_s": round(s.seconds, 1)})
        s.epoch, s.step, s.loss_sum, s.seen = s.epoch + 1, 0, 0.0, 0
        self.emit("epoch", epoch=s.epoch, epochs=r.epochs, loss=round(s.history[-1]["loss"], 5),
                  val_acc=round(val_acc, 5), eta_s=0.0 if finished else _round(self.eta(s.seconds)),
                  elapsed_s=round(s.seconds, 1))
        return "done" if finished else "next"

    def _step(self, idx, g, lr) -> None:
        r, s = self.recipe, self.state
        for gr in self.opt.param_groups:
            gr["lr"] = lr * gr.get("lr_scale", 1.0)
        xb = normalise(augment(self.x[idx], g, r.translate, r.flip, 0, self.mean_u8), self.mean, self.std)
        yb = self.y[idx]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = self.model(xb.contiguous(memory_format=torch.channels_last))
        loss = self.crit(out["logits"].float(), yb)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.rnn.parameters(), 5.0)
        self.opt.step()
        s.loss_sum += loss.item() * len(idx)
        s.seen += len(idx)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        self.model.eval()
        outs = [self.model(normalise(x[i:i + 256], self.mean, self.std))["logits"].float()
                for i in range(0, len(x), 256)]
        return torch.cat(outs) if outs else torch.zeros(0, self.model.cfg.num_classes)

    def validate(self) -> float:
        if not len(self.yva):
            return float("nan")
        return (self.predict(self.xva).argmax(1) == self.yva).float().mean().item()


def _round(v):
    return None if v is None else round(v, 1)
