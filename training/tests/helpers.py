"""Shared helpers for the training tests."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def make_synthetic_folder(root: Path, n_per_class: int = 60, size: int = 16, channels: int = 3,
                          classes=("bars", "blobs", "checks", "rings"), seed: int = 0) -> Path:
    """A <class>/<image>.png dataset of simple procedurally generated patterns."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for ci, cls in enumerate(classes):
        d = root / cls
        d.mkdir(parents=True, exist_ok=True)
        for i in range(n_per_class):
            ph, fr = rng.uniform(0, 6.28), rng.uniform(3, 6)
            if ci == 0:
                base = np.sin(xx * fr * 6.28 + ph)
            elif ci == 1:
                cx, cy = rng.uniform(0.2, 0.8, 2)
                base = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) * 30) * 2 - 1
            elif ci == 2:
                base = np.sign(np.sin(xx * fr * 6.28 + ph) * np.sin(yy * fr * 6.28))
            else:
                base = np.sin(np.sqrt((xx - .5) ** 2 + (yy - .5) ** 2) * fr * 12 + ph)
            img = (base[..., None] * 100 + 128 + rng.normal(0, 20, (size, size, channels))).clip(0, 255)
            img = img.astype(np.uint8)
            Image.fromarray(img[..., 0] if channels == 1 else img).save(d / f"{i:04d}.png")
    return root


def make_truncated_archive(tmp_path: Path) -> Path:
    """A .tar.gz of a synthetic <class>/<image> folder, cut off half-way (a download that died)."""
    import tarfile

    root = make_synthetic_folder(tmp_path / "to-archive", n_per_class=30, size=16)
    tgz = tmp_path / "full.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(root, arcname="train")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(tgz.read_bytes()[: tgz.stat().st_size // 2])
    return cut


def node_runner_available() -> tuple[bool, str]:
    if shutil.which("node") is None:
        return False, "node is not installed"
    if not (REPO / "node_modules" / "onnxruntime-node").exists():
        return False, f"onnxruntime-node is not installed in {REPO / 'node_modules'} (run npm install in the repo root)"
    return True, ""


def run_node(model: Path, x: np.ndarray, work: Path, step_mask: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Outputs of onnxruntime-node; `step_mask` feeds a contract v2 model's input of that name."""
    work.mkdir(parents=True, exist_ok=True)
    inp = work / "input.f32"
    np.ascontiguousarray(x, dtype="<f4").tofile(inp)
    out = work / "out"
    extra = []
    if step_mask is not None:
        np.ascontiguousarray(step_mask, dtype="<f4").tofile(work / "mask.f32")
        extra = [str(work / "mask.f32"), ",".join(map(str, step_mask.shape))]
    r = subprocess.run(["node", str(REPO / "training" / "tests" / "ort_node_runner.mjs"), str(model), str(inp),
                        ",".join(map(str, x.shape)), str(out), *extra], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"ort_node_runner failed ({r.returncode}): {r.stderr}")
    summary = json.loads((out / "outputs.json").read_text())
    return {name: np.fromfile(out / f"{name}.f32", dtype="<f4").reshape(v["dims"])
            for name, v in summary["outputs"].items()}


def run_cli(args: list[str], cwd: Path = REPO, env: dict | None = None, timeout: int = 300):
    import os

    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=e)
