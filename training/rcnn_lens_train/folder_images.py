"""Decode a folder run's images exactly as the extension preprocesses them (data.py's decoder: EXIF
orientation, transparency onto white, the model's resize policy), skipping files that are not images."""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch

from .config import ModelConfig
from .data import _decode_image, fill_padding
from .errors import UserError
from .folder_data import FolderData

MAX_FILE_BYTES = 64 * 1024 * 1024  # a larger "image" is skipped rather than read into memory
MAX_SKIPPED_LISTED = 20


@dataclass
class DecodedImages:
    images: torch.Tensor  # uint8 [N, C, H, W], letterbox padding already filled with the mean colour
    labels: torch.Tensor  # int64 [N]
    kept: list[int]  # index into FolderData.files of each decoded image
    skipped: list[dict]  # {"path": relative path, "reason": ...}, at most MAX_SKIPPED_LISTED
    skipped_count: int


def _read(path) -> bytes:
    st = os.stat(path)
    if not os.path.isfile(path):
        raise UserError("not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise UserError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    with open(path, "rb") as f:
        return f.read(MAX_FILE_BYTES + 1)


def decode_folder(data: FolderData, cfg: ModelConfig, cancelled=lambda: False, on_progress=None) -> DecodedImages:
    """Decode every file of `data` at the model's input size. `cancelled()` is polled between files
    (returns None then); `on_progress(done, total)` is called now and then."""
    imgs, boxes, labels, kept, skipped, n_skipped = [], [], [], [], [], 0
    size = (cfg.height, cfg.width)
    for i, (path, label) in enumerate(zip(data.files, data.labels)):
        if cancelled():
            return None
        try:
            a, box = _decode_image(_read(path), data.rel_paths[i], cfg.channels, size, cfg.resize)
        except (UserError, OSError) as e:
            n_skipped += 1
            if len(skipped) < MAX_SKIPPED_LISTED:
                reason = e.args[0] if isinstance(e, UserError) else (e.strerror or str(e))
                skipped.append({"path": data.rel_paths[i], "reason": str(reason)})
            continue
        imgs.append(a)
        boxes.append(box)
        labels.append(label)
        kept.append(i)
        if on_progress and i % 200 == 0:
            on_progress(i, len(data.files))
    c = cfg.channels
    x = torch.from_numpy(np.stack(imgs)) if imgs else torch.zeros(0, c, *size, dtype=torch.uint8)
    if cfg.resize == "letterbox" and imgs:
        x = fill_padding(x, torch.from_numpy(np.asarray(boxes, dtype=np.int32)), cfg.mean)
    return DecodedImages(x.contiguous(), torch.tensor(labels, dtype=torch.long), kept, skipped, n_skipped)
