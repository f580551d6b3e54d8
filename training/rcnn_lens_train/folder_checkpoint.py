"""The resumable checkpoint of a folder run: <checkpoint-dir>/folder-train.pt, written atomically at
every epoch's end and on cancellation, deleted when the run has exported its model."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch

from .events import TrainingError
from .folder_data import FolderData

CHECKPOINT_NAME = "folder-train.pt"
FORMAT = 1


def checkpoint_path(directory: str | Path) -> Path:
    return Path(directory) / CHECKPOINT_NAME


def data_fingerprint(data: FolderData) -> str:
    """What a resumed run must find again: the same classes and the same labelled files."""
    h = hashlib.sha256(json.dumps([str(data.root), data.classes]).encode())
    for rel, y in zip(data.rel_paths, data.labels):
        h.update(json.dumps([rel, y]).encode())
    return h.hexdigest()


def save(directory: str | Path, payload: dict) -> Path:
    path = checkpoint_path(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format": FORMAT, **payload}, tmp)
    os.replace(tmp, path)
    return path


def load(directory: str | Path, fingerprint: str) -> dict:
    path = checkpoint_path(directory)
    if not path.is_file():
        raise TrainingError("no_checkpoint", f"--resume: no checkpoint in {directory}", {"path": str(path)})
    try:
        # weights_only: a checkpoint file must not be able to run code when it is loaded
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - a damaged or foreign file
        raise TrainingError("bad_checkpoint", f"cannot read checkpoint {path}: {e}", {"path": str(path)}) from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise TrainingError("bad_checkpoint", f"{path} is not a folder-training checkpoint", {"path": str(path)})
    if saved.get("fingerprint") != fingerprint:
        raise TrainingError("resume_mismatch", "the folder's images or classes changed since the checkpoint was "
                            "written; start a new run instead of resuming", {"path": str(path)})
    return saved


def remove(directory: str | Path) -> None:
    path = checkpoint_path(directory)
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()  # only when empty
    except OSError:
        pass
