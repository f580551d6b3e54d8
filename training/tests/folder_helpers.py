"""Run `python3 -m rcnn_lens_train.folder_train` as the extension does and read its JSON-lines events."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# a network small enough to train in seconds on a loaded CPU (grid 4x4)
TINY_CONFIG = {"height": 16, "width": 16, "widths": [8, 16], "pools": [1, 1], "context_widths": [],
               "hidden_size": 8, "attention_size": 8, "convs_per_stage": 1}


def folder_train_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "rcnn_lens_train.folder_train", *map(str, args)]


def folder_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO / "training"), "OMP_NUM_THREADS": "2"}


def run_folder_train(*args, timeout: int = 300) -> tuple[int, list[dict], str]:
    r = subprocess.run(folder_train_cmd(*args), capture_output=True, text=True, env=folder_env(), timeout=timeout,
                       cwd=str(REPO))
    return r.returncode, parse_events(r.stdout), r.stderr


def parse_events(stdout: str) -> list[dict]:
    """Every stdout line must be one JSON object with an "event" key (the protocol allows nothing else)."""
    events = [json.loads(line) for line in stdout.splitlines()]
    assert all(isinstance(e, dict) and "event" in e for e in events), stdout
    return events


def write_tiny_config(tmp: Path) -> Path:
    p = tmp / "tiny.json"
    p.write_text(json.dumps(TINY_CONFIG))
    return p
