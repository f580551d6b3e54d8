"""The training loop of a folder run: progress events, a time budget, cancellation between steps and a
resumable state (model, optimizer, position in the schedule, random generator)."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import torch.nn as nn

from .finetune import set_train_mode
from .model import RCNN
from .train import augment, normalise, param_groups

STEP_EVENT_SECONDS = 1.0
# With a frozen CNN, each image's feature sequence (and its mirror image's) is computed once and kept, in
# bfloat16, when it fits in this much memory; training steps then run only the RNN and the head.
MAX_FEATURE_CACHE_BYTES = 1 << 30


@contextmanager
def sequence_as_input(model: RCNN):
    """Run `model(seq)` on feature sequences [B, L, C] instead of images: RCNN.forward reads its input
    through `self.sequence`, which an instance attribute shadows for the duration."""
    model.sequence = lambda seq: seq
    try:
        yield model
    finally:
        del model.sequence


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
    def __init__(self, model: RCNN, recipe: Recipe, keep_bn_stats: bool, x, y, xva, yva, emit, cancelled):
        self.model, self.recipe, self.keep_bn_stats = model, recipe, keep_bn_stats
        self.features = None  # cached feature sequences of x and of x mirrored, see cache_features
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

    def cnn_frozen(self) -> bool:
        return not any(p.requires_grad for part in (self.model.cnn, self.model.context) if part is not None
                       for p in part.parameters())

    @torch.no_grad()
    def cache_features(self) -> bool:
        """With a frozen CNN: the feature sequences of every training image and its mirror image, computed
        once (False when cancelled meanwhile). Skipped when they would not fit MAX_FEATURE_CACHE_BYTES."""
        if not self.cnn_frozen() or not len(self.x):
            return True
        self.model.eval()
        probe = self.model.sequence(normalise(self.x[:1], self.mean, self.std))
        if 2 * len(self.x) * probe[0].numel() * 2 > MAX_FEATURE_CACHE_BYTES:
            return True
        out = torch.empty(2 * len(self.x), *probe.shape[1:], dtype=torch.bfloat16)
        n, t0, last = len(self.x), time.monotonic(), 0.0
        for i in range(0, n, 128):
            if self.cancelled():
                return False
            xb = normalise(self.x[i:i + 128], self.mean, self.std)
            out[i:i + len(xb)] = self.model.sequence(xb)
            out[n + i:n + i + len(xb)] = self.model.sequence(xb.flip(3))
            if time.monotonic() - t0 - last >= STEP_EVENT_SECONDS:
                last = time.monotonic() - t0
                self.emit("step", phase="features", step=min(n, i + 128), steps=n, elapsed_s=round(last, 1))
        self.features = out
        return True

    def run(self) -> str:
        """'done' or 'cancelled' (state saveable at a step boundary)."""
        s, r = self.state, self.recipe
        t0 = time.monotonic()
        cached = self.cache_features()
        s.seconds += time.monotonic() - t0  # the time budget includes computing the cache
        if not cached:
            return "cancelled"
        while s.epoch < r.epochs:
            outcome = self._epoch()
            if outcome != "next":
                return outcome
        return "done"

    def _epoch(self) -> str:
        s, r = self.state, self.recipe
        g = torch.Generator().manual_seed(r.seed * 1000 + s.epoch)
        perm = torch.randperm(len(self.x), generator=g)
        for i in range(s.step):  # the augmentation draws of the steps done before a resume
            self._batch(perm[i * r.batch_size:(i + 1) * r.batch_size], g)
        set_train_mode(self.model, self.keep_bn_stats)
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
        xb, yb = self._batch(idx, g), self.y[idx]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            if self.features is not None:
                with sequence_as_input(self.model):
                    out = self.model(xb)
            else:
                out = self.model(xb.contiguous(memory_format=torch.channels_last))
        loss = self.crit(out["logits"].float(), yb)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.rnn.parameters(), 5.0)
        self.opt.step()
        s.loss_sum += loss.item() * len(idx)
        s.seen += len(idx)

    def _batch(self, idx, g) -> torch.Tensor:
        """The augmented inputs of a step: images (random mirror and shift), or with the feature cache the
        cached sequences of the images or of their mirror images."""
        r = self.recipe
        if self.features is not None:
            mirror = (torch.rand(len(idx), generator=g) < 0.5) if r.flip else torch.zeros(len(idx), dtype=torch.bool)
            return self.features[idx + mirror.long() * len(self.x)].float()
        return normalise(augment(self.x[idx], g, r.translate, r.flip, 0, self.mean_u8), self.mean, self.std)

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
