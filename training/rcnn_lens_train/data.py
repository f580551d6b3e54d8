"""Datasets: CIFAR-10 JPEG archive, any `<class>/<image>` folder or archive, Fashion-MNIST idx files.

Everything is decoded once into a uint8 tensor ``[N, C, H, W]`` and cached under
``~/.cache/rcnn-lens/`` (override with ``RCNN_LENS_CACHE``), never inside the repo.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import struct
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .errors import UserError

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}
FASHION_LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
CIFAR10_LABELS = ["airplane", "automobile", "bird", "cat", "deer",
                  "dog", "frog", "horse", "ship", "truck"]
DEFAULT_CIFAR_ARCHIVE = "../shared/datasets/cifar10-train-jpeg.tar.gz"
DEFAULT_FASHION_DIR = "/usr/share/datasets/fashion-mnist"


@dataclass
class Dataset:
    images: torch.Tensor  # uint8 [N, C, H, W]
    labels: torch.Tensor  # int64 [N]
    classes: list[str]
    name: str
    source: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def cache_dir() -> Path:
    d = Path(os.environ.get("RCNN_LENS_CACHE", Path.home() / ".cache" / "rcnn-lens"))
    d.mkdir(parents=True, exist_ok=True)
    return d


# ----------------------------------------------------------------------------- decoding

def _decode_image(data: bytes, where: str, channels: int, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise UserError(f"cannot read image {where}: {e}",
                        "remove or replace the file; every file in a class folder must be an image") from None
    im = im.convert("RGB" if channels == 3 else "L")
    h, w = size
    if im.size != (w, h):
        im = center_crop_resize(im, h, w)
    a = np.asarray(im, dtype=np.uint8)
    if a.ndim == 2:
        a = a[:, :, None]
    return a.transpose(2, 0, 1)


def center_crop_resize(im, h: int, w: int):
    """Scale the shorter side to fit, then crop the centre (contract resize policy `center_crop`)."""
    from PIL import Image

    sw, sh = im.size
    scale = max(w / sw, h / sh)
    nw, nh = max(w, round(sw * scale)), max(h, round(sh * scale))
    im = im.resize((nw, nh), Image.BILINEAR)
    left, top = (nw - w) // 2, (nh - h) // 2
    return im.crop((left, top, left + w, top + h))


def _is_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_EXTS


def _collect(entries: list[tuple[str, str]], where: str) -> tuple[list[str], dict[str, list[str]]]:
    """entries: (class, key). Returns sorted classes and the keys of each class."""
    by_class: dict[str, list[str]] = {}
    for cls, key in entries:
        by_class.setdefault(cls, []).append(key)
    return sorted(by_class), by_class


def _order_classes(classes: list[str]) -> list[str]:
    # CIFAR-10 folders get the canonical CIFAR-10 label order (it is alphabetical anyway).
    if sorted(classes) == sorted(CIFAR10_LABELS):
        return list(CIFAR10_LABELS)
    return sorted(classes)


def _load_folder(root: Path, channels: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if (root / "train").is_dir() and not any(_is_image(p.name) for p in (root / "train").iterdir() if p.is_file()):
        sub = [p for p in root.iterdir() if p.is_dir()]
        if len(sub) == 1:
            root = root / "train"
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        raise UserError(f"{root} has no class folders",
                        "lay the data out as <root>/<class>/<image>, one folder per class")
    empty = [d.name for d in class_dirs if not any(_is_image(f.name) for f in d.iterdir() if f.is_file())]
    if empty:
        raise UserError(f"class folder(s) without images in {root}: {', '.join(empty)}",
                        f"add images ({', '.join(sorted(IMAGE_EXTS))}) or remove the empty folder(s)")
    if len(class_dirs) < 2:
        raise UserError(f"{root} has only one class folder ({class_dirs[0].name})", "a classifier needs at least 2 classes")
    classes = _order_classes([d.name for d in class_dirs])
    imgs, labels = [], []
    for ci, cls in enumerate(classes):
        for f in sorted((root / cls).iterdir()):
            if f.is_file() and _is_image(f.name):
                imgs.append(_decode_image(f.read_bytes(), str(f), channels, size))
                labels.append(ci)
    return np.stack(imgs), np.asarray(labels, dtype=np.int64), classes


def _load_tar(path: Path, channels: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    try:
        tf = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as e:
        raise UserError(f"cannot open archive {path}: {e}", "expected a .tar/.tar.gz of <class>/<image> files") from None
    files: dict[str, bytes] = {}
    dirs: set[str] = set()
    with tf:
        for m in tf:
            parts = [p for p in m.name.split("/") if p not in ("", ".")]
            if m.isdir():
                dirs.add("/".join(parts))
                continue
            if not m.isfile() or not _is_image(m.name):
                continue
            f = tf.extractfile(m)
            files["/".join(parts)] = f.read() if f else b""
    if not files:
        raise UserError(f"archive {path} contains no images", "expected <class>/<image> entries (optionally under train/)")
    # class = parent folder of the image; drop a common leading folder such as train/
    parents = {k.rsplit("/", 1)[0] if "/" in k else "" for k in files}
    if "" in parents:
        raise UserError(f"archive {path} has images outside class folders", "lay it out as <class>/<image>")
    prefix = os.path.commonpath(sorted(parents)) if len(parents) > 1 else parents.pop().rsplit("/", 1)[0]
    def cls_of(k: str) -> str:
        rel = k[len(prefix):].lstrip("/") if prefix else k
        return rel.split("/")[0]
    entries = [(cls_of(k), k) for k in sorted(files)]
    # empty class folders: directories directly under prefix with no images
    class_names = {c for c, _ in entries}
    empty = sorted({d[len(prefix):].lstrip("/").split("/")[0] for d in dirs
                    if d.startswith(prefix) and d != prefix and d[len(prefix):].lstrip("/")} - class_names)
    if empty:
        raise UserError(f"class folder(s) without images in {path}: {', '.join(empty)}",
                        "add images or remove the empty folder(s)")
    classes = _order_classes(sorted(class_names))
    if len(classes) < 2:
        raise UserError(f"archive {path} has only one class ({classes[0]})", "a classifier needs at least 2 classes")
    idx = {c: i for i, c in enumerate(classes)}
    imgs = [_decode_image(files[k], f"{path}:{k}", channels, size) for _, k in entries]
    labels = [idx[c] for c, _ in entries]
    return np.stack(imgs), np.asarray(labels, dtype=np.int64), classes


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise UserError(f"{path} is not an idx ubyte file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims).copy()


def _find_idx(root: Path, stem: str) -> Path:
    for cand in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (root / cand).exists():
            return root / cand
    hits = sorted(root.rglob(stem + "*"))
    if hits:
        return hits[0]
    raise UserError(f"Fashion-MNIST file {stem}[.gz] not found under {root}",
                    "install it with: apt-get install -y dataset-fashion-mnist")


def _load_fashion(root: Path, channels: int, size: tuple[int, int]):
    x = _read_idx(_find_idx(root, "train-images-idx3-ubyte"))
    y = _read_idx(_find_idx(root, "train-labels-idx1-ubyte")).astype(np.int64)
    if x.shape[0] != y.shape[0]:
        raise UserError(f"Fashion-MNIST images/labels count mismatch in {root}")
    x = x[:, None]
    if channels == 3:
        x = np.repeat(x, 3, axis=1)
    if tuple(x.shape[2:]) != tuple(size):
        t = torch.nn.functional.interpolate(torch.from_numpy(x).float(), size=size, mode="bilinear", align_corners=False)
        x = t.round().clamp(0, 255).byte().numpy()
    return np.ascontiguousarray(x), y, list(FASHION_LABELS)


# ----------------------------------------------------------------------------- public API

def detect_kind(path: str) -> str:
    p = Path(path)
    if p.is_dir():
        if any(p.rglob("train-images-idx3-ubyte*")):
            return "fashion-mnist"
        return "folder"
    return "archive"


def load_dataset(path: str, channels: int, size: tuple[int, int], kind: str = "auto",
                 use_cache: bool = True, verbose: bool = True) -> Dataset:
    p = Path(path).expanduser()
    if not p.exists():
        hint = "pass --data PATH (a .tar.gz archive, a <class>/<image> folder or the Fashion-MNIST folder)"
        if "cifar10" in str(path):
            hint += f"; in a project checkout the CIFAR-10 archive is at {DEFAULT_CIFAR_ARCHIVE}"
        if "fashion" in str(path):
            hint += "; install Fashion-MNIST with: apt-get install -y dataset-fashion-mnist"
        raise UserError(f"dataset not found: {path}", hint)
    if kind == "auto":
        kind = detect_kind(str(p))
    st = p.stat()
    key = json.dumps([str(p.resolve()), st.st_size, int(st.st_mtime), kind, channels, list(size), 1])
    cache = cache_dir() / f"{p.name.split('.')[0]}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.pt"
    if use_cache and cache.exists():
        d = torch.load(cache, weights_only=False)
        return Dataset(d["images"], d["labels"], d["classes"], d["name"], str(p))
    if verbose:
        print(f"decoding {p} ({kind}) once into {cache} ...", flush=True)
    if kind == "fashion-mnist":
        x, y, classes = _load_fashion(p, channels, size)
        name = "Fashion-MNIST"
    elif kind == "folder":
        x, y, classes = _load_folder(p, channels, size)
        name = p.name
    elif kind == "archive":
        x, y, classes = _load_tar(p, channels, size)
        name = "CIFAR-10" if classes == CIFAR10_LABELS and len(y) >= 50000 else p.name.split(".")[0]
    else:
        raise UserError(f"unknown dataset kind {kind!r}", "use auto, archive, folder or fashion-mnist")
    ds = Dataset(torch.from_numpy(x).contiguous(), torch.from_numpy(y), classes, name, str(p))
    if use_cache:
        tmp = cache.with_suffix(".tmp")
        torch.save({"images": ds.images, "labels": ds.labels, "classes": classes, "name": name}, tmp)
        tmp.replace(cache)
    return ds


def split_indices(labels: torch.Tensor, num_classes: int, val_images: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Fixed seeded split: `val_images / num_classes` images of every class go to validation.

    Returned indices are sorted, so the split depends only on (labels, val_images, seed).
    """
    if val_images <= 0:
        return torch.arange(len(labels)), torch.zeros(0, dtype=torch.long)
    per = val_images // num_classes
    g = torch.Generator().manual_seed(seed)
    val = []
    for c in range(num_classes):
        idx = (labels == c).nonzero().flatten()
        if len(idx) <= per:
            raise UserError(f"class {c} has only {len(idx)} images; cannot hold out {per} for validation",
                            "lower --val-images or add data")
        perm = idx[torch.randperm(len(idx), generator=g)]
        val.append(perm[:per])
    val = torch.cat(val).sort().values
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[val] = False
    return mask.nonzero().flatten(), val
