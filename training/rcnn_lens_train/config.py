"""Model and training configuration (JSON config files and/or command-line flags)."""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError


@dataclass
class ModelConfig:
    channels: int = 3
    height: int = 32
    width: int = 32
    color: str = "rgb"  # rgb | grey
    num_classes: int = 10
    stem: str = "whiten"  # whiten | conv
    widths: list[int] = field(default_factory=lambda: [64, 256])
    pools: list[int] = field(default_factory=lambda: [1, 1])  # 2x2 max-pool after the first conv of a stage
    convs_per_stage: int = 2
    # Coarse context stages after the grid stage: each is a 2x2 max-pool then convs_per_stage convs.
    # Their output is upsampled (nearest) back to the grid and concatenated to the grid's features, so
    # every timestep reads its own cell and the wider neighbourhood around it. [] = none.
    context_widths: list[int] = field(default_factory=lambda: [256])
    act: str = "relu"  # relu | gelu
    rnn_type: str = "gru"  # gru | lstm
    hidden_size: int = 96
    rnn_layers: int = 1
    bidirectional: bool = True
    scan_order: str = "row_major"  # row_major | column_major | snake
    head: str = "attention"  # attention | final | pool (pool: a training diagnostic without the RNN, not exportable)
    attention_size: int = 64
    dropout: float = 0.0
    mean: list[float] = field(default_factory=lambda: [0.4914, 0.4822, 0.4465])
    std: list[float] = field(default_factory=lambda: [0.2470, 0.2435, 0.2616])
    resize: str = "center_crop"

    @property
    def grid(self) -> tuple[int, int]:
        f = 2 ** sum(1 for p in self.pools if p)
        return self.height // f, self.width // f

    def validate(self) -> None:
        def bad(msg, hint=None):
            raise UserError(f"invalid model config: {msg}", hint)

        # types first: a config file can hold anything JSON can (e.g. "widths": ["a"])
        for k in ("channels", "height", "width", "num_classes", "convs_per_stage", "hidden_size", "rnn_layers",
                  "attention_size"):
            if not _is_int(getattr(self, k)):
                bad(f"{k} must be an integer, got {getattr(self, k)!r}")
        for k in ("widths", "pools", "context_widths"):
            v = getattr(self, k)
            if not isinstance(v, list) or not all(_is_int(x) for x in v):
                bad(f"{k} must be a list of integers, got {v!r}")
        for k in ("mean", "std"):
            v = getattr(self, k)
            if not isinstance(v, list) or not all(_is_number(x) and math.isfinite(x) for x in v):
                bad(f"{k} must be a list of numbers, got {v!r}")
        if not isinstance(self.bidirectional, bool):
            bad(f"bidirectional must be true or false, got {self.bidirectional!r}")
        if not _is_number(self.dropout) or not 0 <= self.dropout < 1:
            bad(f"dropout must be in [0, 1), got {self.dropout!r}", "it is the probability of dropping a unit")
        if self.height < 1 or self.width < 1:
            bad(f"input size must be positive, got {self.height}x{self.width}", "e.g. --size 32 or --size 28x28")
        if any(p not in (0, 1) for p in self.pools):
            bad(f"pools must hold 1 (pool in that stage) or 0 (no pool), got {self.pools}")
        if self.attention_size < 1:
            bad(f"attention_size must be >= 1, got {self.attention_size}")
        if any(v <= 0 for v in self.std):
            bad(f"std values must be > 0, got {self.std}")
        if self.channels not in (1, 3):
            bad(f"channels must be 1 or 3, got {self.channels}")
        if self.color not in ("rgb", "grey"):
            bad(f"color must be 'rgb' or 'grey', got {self.color!r}")
        if (self.color == "rgb") != (self.channels == 3):
            bad(f"color {self.color!r} does not match channels {self.channels}", "rgb needs 3 channels, grey needs 1")
        if self.rnn_type not in ("gru", "lstm"):
            bad(f"rnn_type must be 'gru' or 'lstm', got {self.rnn_type!r}")
        if self.scan_order not in ("row_major", "column_major", "snake"):
            bad(f"scan_order must be row_major, column_major or snake, got {self.scan_order!r}")
        if self.head not in ("attention", "final", "pool"):
            bad(f"head must be 'attention', 'final' or 'pool', got {self.head!r}")
        if self.stem not in ("whiten", "conv"):
            bad(f"stem must be 'whiten' or 'conv', got {self.stem!r}")
        if self.act not in ("relu", "gelu"):
            bad(f"act must be 'relu' or 'gelu', got {self.act!r}")
        if self.resize not in ("center_crop", "stretch", "letterbox"):
            bad(f"resize must be center_crop, stretch or letterbox, got {self.resize!r}")
        if not self.widths or any(int(w) < 1 for w in self.widths):
            bad(f"widths must be a non-empty list of positive ints, got {self.widths}")
        if len(self.pools) != len(self.widths):
            bad(f"pools ({len(self.pools)} entries) must have one entry per stage in widths ({len(self.widths)})")
        f = 2 ** sum(1 for p in self.pools if p)
        if self.height % f or self.width % f:
            bad(f"input {self.height}x{self.width} is not divisible by the total pooling factor {f}")
        if any(int(w) < 1 for w in self.context_widths):
            bad(f"context_widths must be positive ints, got {self.context_widths}")
        m, n = self.grid
        fc = 2 ** len(self.context_widths)
        if self.context_widths and (m % fc or n % fc):
            bad(f"grid {m}x{n} cannot be pooled {len(self.context_widths)} more time(s) by context_widths",
                "use fewer context stages (--context-widths none) or a finer grid")
        if min(self.hidden_size, self.rnn_layers, self.num_classes - 1, self.convs_per_stage) < 1:
            bad("hidden_size, rnn_layers, convs_per_stage must be >= 1 and num_classes >= 2")
        if len(self.mean) != self.channels or len(self.std) != self.channels:
            bad(f"mean/std need {self.channels} values")


@dataclass
class TrainConfig:
    data: str = "../shared/datasets/cifar10-train-jpeg.tar.gz"
    data_kind: str = "auto"  # auto | archive | folder | fashion-mnist
    name: str = "rcnn-cifar10"
    out_dir: str = "training/runs"
    epochs: int = 40  # upper bound; with time_budget_minutes the run may anneal and stop earlier
    batch_size: int = 512
    lr: float = 0.2  # Nesterov SGD, per 256 images (scaled linearly with batch size)
    momentum: float = 0.9
    # BatchNorm and initialisation knobs (airbench-style when changed; sweeps/README.md has what they measured):
    bn_momentum: float = 0.1  # PyTorch convention: weight of the new batch's statistics in the running ones
    bn_scale: bool = True  # False: every BatchNorm scale is frozen at 1 (only the shift is learned)
    bn_bias_lr_scale: float = 1.0  # learning-rate factor of the BatchNorm shifts (not their weight decay)
    dirac_init: bool = False  # initialise each 3x3 conv of the CNN as an identity on its first input channels
    weight_decay: float = 1e-3
    rnn_lr_scale: float = 0.25
    label_smoothing: float = 0.2
    warmup_epochs: float = 1.0
    translate: int = 4
    cutout: int = 8
    flip: bool = True
    val_images: int = 5000
    seed: int = 0
    threads: int = 2
    bf16: bool = True
    ema: float = 0.998  # 0 = off; else the per-step decay of an exponential moving average of the weights (exported)
    device: str = "auto"  # auto (cuda when available) | cpu | cuda | cuda:N
    tta: bool = True
    time_budget_minutes: float = 52.0  # 0 = pure epoch schedule; else the LR schedule also follows training time
    max_minutes: float = 0.0  # 0 = no limit; otherwise stop the run gracefully at this wall-clock budget
    limit_train: int = 0  # 0 = all; else a seeded random subset of N training images (smoke tests)
    split_seed: int = 0  # seed of the held-out validation split (independent of `seed`, so seeds share a split)

    def validate(self, model: ModelConfig | None = None) -> None:
        """Check types and ranges before any data is decoded (a bad value would otherwise crash late)."""
        def bad(msg, hint=None):
            raise UserError(f"invalid train config: {msg}", hint)

        ints = ("epochs", "batch_size", "translate", "cutout", "val_images", "seed", "threads", "limit_train",
                "split_seed")
        for k in ints:
            if not _is_int(getattr(self, k)):
                bad(f"{k} must be an integer, got {getattr(self, k)!r}")
        for k in ("lr", "momentum", "bn_momentum", "bn_bias_lr_scale", "weight_decay", "rnn_lr_scale",
                  "label_smoothing", "warmup_epochs", "ema", "time_budget_minutes", "max_minutes"):
            v = getattr(self, k)
            if not _is_number(v) or not math.isfinite(v):
                bad(f"{k} must be a number, got {v!r}")
        for k in ("flip", "bf16", "tta", "bn_scale", "dirac_init"):
            if not isinstance(getattr(self, k), bool):
                bad(f"{k} must be true or false, got {getattr(self, k)!r}")
        if self.data_kind not in ("auto", "archive", "folder", "fashion-mnist"):
            bad(f"data_kind must be auto, archive, folder or fashion-mnist, got {self.data_kind!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.threads < 1:
            bad(f"epochs, batch_size and threads must be >= 1, got {self.epochs}, {self.batch_size}, {self.threads}")
        if self.lr <= 0:
            bad(f"lr must be > 0, got {self.lr}")
        if not 0 < self.momentum < 1:
            bad(f"momentum must be in (0, 1) (Nesterov SGD), got {self.momentum}")
        if not 0 < self.bn_momentum <= 1:
            bad(f"bn_momentum must be in (0, 1], got {self.bn_momentum}", "PyTorch's convention: 0.1 is its default")
        if self.bn_bias_lr_scale <= 0:
            bad(f"bn_bias_lr_scale must be > 0, got {self.bn_bias_lr_scale}")
        if not 0 <= self.label_smoothing < 1:
            bad(f"label_smoothing must be in [0, 1), got {self.label_smoothing}", "e.g. --label-smoothing 0.2")
        if not 0 <= self.ema < 1:
            bad(f"ema must be in [0, 1) (0 = off), got {self.ema}", "e.g. --ema 0.998")
        for k in ("weight_decay", "rnn_lr_scale", "warmup_epochs", "time_budget_minutes", "max_minutes",
                  "translate", "cutout", "val_images", "limit_train", "seed", "split_seed"):
            if getattr(self, k) < 0:
                bad(f"{k} must be >= 0, got {getattr(self, k)}")
        if model is not None:
            if self.translate >= min(model.height, model.width):
                bad(f"translate {self.translate} px must be smaller than the input ({model.height}x{model.width})",
                    "the reflect padding of the random translation needs translate < height and width; e.g. "
                    "--translate 4")
            if self.cutout > max(model.height, model.width):
                bad(f"cutout {self.cutout} px is larger than the input ({model.height}x{model.width})")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _merge(dc, values: dict, what: str):
    names = {f.name for f in dataclasses.fields(dc)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise UserError(f"unknown {what} key(s): {', '.join(unknown)}",
                        f"valid keys: {', '.join(sorted(names))}")
    for k, v in values.items():
        cur = getattr(dc, k)
        ok = (isinstance(v, bool) if isinstance(cur, bool) else
              isinstance(v, (int, float)) and not isinstance(v, bool) if isinstance(cur, (int, float)) else
              isinstance(v, list) if isinstance(cur, list) else isinstance(v, str))
        if not ok:
            raise UserError(f"{what} key {k!r} has the wrong type: got {json.dumps(v)}, expected {type(cur).__name__}")
        if isinstance(cur, int) and not isinstance(cur, bool) and isinstance(v, float):
            if not v.is_integer():
                raise UserError(f"{what} key {k!r} must be an integer, got {v}")
            v = int(v)
        setattr(dc, k, v)
    return dc


def load_config_file(path: str) -> tuple[dict, dict]:
    p = Path(path)
    if not p.exists():
        raise UserError(f"config file not found: {path}")
    try:
        raw = json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise UserError(f"config file {path} is not valid JSON: {e}") from None
    if not isinstance(raw, dict):
        raise UserError(f"config file {path} must hold a JSON object with 'model' and/or 'train' sections")
    extra = sorted(set(raw) - {"model", "train"})
    if extra:
        raise UserError(f"config file {path}: unknown section(s) {', '.join(extra)}", "use 'model' and 'train'")
    return raw.get("model", {}) or {}, raw.get("train", {}) or {}


def build_configs(model_values: dict, train_values: dict) -> tuple[ModelConfig, TrainConfig]:
    m = _merge(ModelConfig(), model_values, "model config")
    t = _merge(TrainConfig(), train_values, "train config")
    m.validate()
    t.validate(m)
    return m, t


def model_config_from_dict(d: dict) -> ModelConfig:
    return _merge(ModelConfig(), d, "model config")


def model_config_from_checkpoint(d: dict) -> ModelConfig:
    """The model config saved in a checkpoint. Keys added to ModelConfig later get the value that
    reproduces the older network (not today's default): a checkpoint without context_widths has none."""
    return ModelConfig(**{"context_widths": [], **d})


def train_config_from_checkpoint(d: dict) -> TrainConfig:
    """The train config saved in a checkpoint. A checkpoint written before `split_seed` existed
    held out the split of its training `seed`, so that is its split seed."""
    return TrainConfig(**{"split_seed": d.get("seed", 0), **d})
