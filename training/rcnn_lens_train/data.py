"""Datasets: CIFAR-10 JPEG archive, any `<class>/<image>` folder or archive, Fashion-MNIST idx files.

Everything is decoded once into a uint8 tensor ``[N, C, H, W]`` and cached under
``~/.cache/rcnn-lens/`` (override with ``RCNN_LENS_CACHE``), never inside the repo.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import os
import struct
import tarfile
import zlib
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
    # letterbox only: int32 [N, 4] (top, left, height, width) of each image inside its padded input
    boxes: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def cache_dir() -> Path:
    d = Path(os.environ.get("RCNN_LENS_CACHE", Path.home() / ".cache" / "rcnn-lens"))
    d.mkdir(parents=True, exist_ok=True)
    return d


# ----------------------------------------------------------------------------- decoding

RESIZE_POLICIES = ("center_crop", "stretch", "letterbox")


def _open_image(data: bytes, where: str):
    from PIL import Image, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise UserError(f"cannot read image {where}: {e}",
                        "remove or replace the file; every file in a class folder must be an image") from None
    return im


def _orient_and_flatten(im):
    """What the extension's decoder (sharp: `.rotate()` then `.flatten({background: white})`) does
    before resizing: apply the EXIF orientation and composite any transparency onto white.
    A plain image (no orientation tag, no alpha) is returned unchanged."""
    from PIL import Image, ImageOps

    try:
        orientation = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block: treat as unrotated, like a viewer would
        orientation = 1
    if orientation not in (None, 1):
        im = ImageOps.exif_transpose(im)
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    if has_alpha:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, rgba).convert("RGB")
    return im


def _decode_image(data: bytes, where: str, channels: int, size: tuple[int, int],
                  resize: str = "center_crop") -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Decoded uint8 [C, H, W] pixels and the box (top, left, height, width) that holds the image
    (the whole input except for `letterbox`, whose padding lies outside the box and is filled later
    with the model's mean colour, see `fill_padding`)."""
    im = _orient_and_flatten(_open_image(data, where))
    im = im.convert("RGB" if channels == 3 else "L")
    h, w = size
    box = (0, 0, h, w)
    if im.size != (w, h):
        im, box = resize_image(im, h, w, resize)
    a = np.asarray(im, dtype=np.uint8)
    if a.ndim == 2:
        a = a[:, :, None]
    return a.transpose(2, 0, 1), box


def center_crop_resize(im, h: int, w: int):
    """Scale the shorter side to fit, then crop the centre (contract resize policy `center_crop`)."""
    from PIL import Image

    sw, sh = im.size
    scale = max(w / sw, h / sh)
    nw, nh = max(w, round(sw * scale)), max(h, round(sh * scale))
    im = im.resize((nw, nh), Image.BILINEAR)
    left, top = (nw - w) // 2, (nh - h) // 2
    return im.crop((left, top, left + w, top + h))


def resize_image(im, h: int, w: int, policy: str):
    """Resize a PIL image to w x h by a contract resize policy. Returns (image, content box
    (top, left, height, width)). Geometry as sharp computes it for the extension: `stretch` scales
    each axis on its own (fit 'fill'); `letterbox` (fit 'contain') scales by min(w/sw, h/sh), rounds
    the scaled size and centres it with (w - nw) // 2, (h - nh) // 2; the padding is black here."""
    from PIL import Image

    if policy == "center_crop":
        return center_crop_resize(im, h, w), (0, 0, h, w)
    if policy == "stretch":
        return im.resize((w, h), Image.BILINEAR), (0, 0, h, w)
    if policy == "letterbox":
        sw, sh = im.size
        scale = min(w / sw, h / sh)
        nw, nh = min(w, max(1, round(sw * scale))), min(h, max(1, round(sh * scale)))
        left, top = (w - nw) // 2, (h - nh) // 2
        canvas = Image.new(im.mode, (w, h))
        canvas.paste(im.resize((nw, nh), Image.BILINEAR) if (nw, nh) != im.size else im, (left, top))
        return canvas, (top, left, nh, nw)
    raise UserError(f"unknown resize policy {policy!r}", f"use one of {', '.join(RESIZE_POLICIES)}")


def content_mask(boxes: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """bool [N, 1, H, W]: True inside each image's content box (top, left, height, width)."""
    ys = torch.arange(h).view(1, h, 1)
    xs = torch.arange(w).view(1, 1, w)
    t, l, bh, bw = (boxes[:, i].view(-1, 1, 1) for i in range(4))
    return ((ys >= t) & (ys < t + bh) & (xs >= l) & (xs < l + bw))[:, None]


def pad_value_u8(mean: list[float]) -> torch.Tensor:
    """The letterbox padding colour the extension uses: Math.round(mean * 255) per channel."""
    return torch.tensor([math.floor(m * 255 + 0.5) for m in mean], dtype=torch.uint8)


def fill_padding(images: torch.Tensor, boxes: torch.Tensor | None, mean: list[float]) -> torch.Tensor:
    """Images with everything outside their content box set to the mean colour (letterbox); the
    images themselves when there is no box (center_crop, stretch)."""
    if boxes is None:
        return images
    mask = content_mask(boxes, images.shape[2], images.shape[3])
    return torch.where(mask, images, pad_value_u8(mean).view(1, -1, 1, 1))


def masked_mean_std(images: torch.Tensor, boxes: torch.Tensor) -> tuple[list[float], list[float]]:
    """Per-channel mean and (unbiased) std of the pixels in [0, 1] inside the content boxes."""
    mask = content_mask(boxes, images.shape[2], images.shape[3]).float()
    n = mask.sum()
    f = images.float().div(255.0)
    mean = (f * mask).sum(dim=(0, 2, 3)) / n
    var = (((f - mean.view(1, -1, 1, 1)) ** 2) * mask).sum(dim=(0, 2, 3)) / (n - 1).clamp(min=1)
    return mean.tolist(), var.sqrt().tolist()


def _is_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_EXTS


def _is_hidden(part: str) -> bool:
    return part.startswith(".") or part == "__MACOSX"


def _nested_error(where, nested: list[str]) -> UserError:
    shown = ", ".join(nested[:4]) + (", ..." if len(nested) > 4 else "")
    return UserError(f"{where}: class folders hold sub-folders with images ({shown}); "
                     f"the classes would be the outer folders",
                     "a dataset is <root>/<class>/<image>: point --data at the folder (or pack the archive "
                     "from the folder) whose sub-folders are the classes, e.g. <root>/train")


def _order_classes(classes: list[str]) -> list[str]:
    # CIFAR-10 folders get the canonical CIFAR-10 label order (it is alphabetical anyway).
    if sorted(classes) == sorted(CIFAR10_LABELS):
        return list(CIFAR10_LABELS)
    return sorted(classes)


def _read_file(f: Path) -> bytes:
    try:
        return f.read_bytes()
    except OSError as e:
        raise UserError(f"cannot read {f}: {e.strerror or e}",
                        "check the file's permissions, or remove it from the dataset") from None


def _load_folder(root: Path, channels: int, size: tuple[int, int], resize: str):
    if (root / "train").is_dir() and not any(_is_image(p.name) for p in (root / "train").iterdir() if p.is_file()):
        sub = [p for p in root.iterdir() if p.is_dir()]
        if len(sub) == 1:
            root = root / "train"
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not _is_hidden(p.name))
    if not class_dirs:
        raise UserError(f"{root} has no class folders",
                        "lay the data out as <root>/<class>/<image>, one folder per class")
    nested = [f"{d.name}/{s.name}" for d in class_dirs for s in sorted(d.iterdir())
              if s.is_dir() and not _is_hidden(s.name)
              and any(f.is_file() and _is_image(f.name) for f in s.rglob("*"))]
    if nested:
        raise _nested_error(root, nested)
    empty = [d.name for d in class_dirs if not any(_is_image(f.name) for f in d.iterdir() if f.is_file())]
    if empty:
        raise UserError(f"class folder(s) without images in {root}: {', '.join(empty)}",
                        f"add images ({', '.join(sorted(IMAGE_EXTS))}) or remove the empty folder(s)")
    if len(class_dirs) < 2:
        raise UserError(f"{root} has only one class folder ({class_dirs[0].name})", "a classifier needs at least 2 classes")
    classes = _order_classes([d.name for d in class_dirs])
    imgs, boxes, labels = [], [], []
    for ci, cls in enumerate(classes):
        for f in sorted((root / cls).iterdir()):
            if f.is_file() and _is_image(f.name) and not _is_hidden(f.name):
                a, box = _decode_image(_read_file(f), str(f), channels, size, resize)
                imgs.append(a)
                boxes.append(box)
                labels.append(ci)
    return np.stack(imgs), np.asarray(labels, dtype=np.int64), classes, np.asarray(boxes, dtype=np.int32)


def _load_tar(path: Path, channels: int, size: tuple[int, int], resize: str):
    try:
        tf = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise UserError(f"cannot open archive {path}: {e}", "expected a .tar/.tar.gz of <class>/<image> files") from None
    files: dict[str, bytes] = {}
    dirs: set[str] = set()
    try:
        with tf:
            for m in tf:
                parts = [p for p in m.name.split("/") if p not in ("", ".")]
                if any(_is_hidden(p) for p in parts):
                    continue
                if m.isdir():
                    dirs.add("/".join(parts))
                    continue
                if not m.isfile() or not _is_image(m.name):
                    continue
                f = tf.extractfile(m)
                files["/".join(parts)] = f.read() if f else b""
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise UserError(f"archive {path} is truncated or corrupt: {e or type(e).__name__}",
                        "download or pack it again (tar tzf ARCHIVE lists it to the point where it breaks)") from None
    if not files:
        raise UserError(f"archive {path} contains no images", "expected <class>/<image> entries (optionally under train/)")
    # class = parent folder of the image; drop a common leading folder such as train/
    parents = {k.rsplit("/", 1)[0] if "/" in k else "" for k in files}
    if "" in parents:
        raise UserError(f"archive {path} has images outside class folders", "lay it out as <class>/<image>")
    prefix = os.path.commonpath(sorted(parents)) if len(parents) > 1 else parents.pop().rsplit("/", 1)[0]

    def rel(k: str) -> str:
        return k[len(prefix):].lstrip("/") if prefix else k

    nested = sorted({"/".join(rel(k).split("/")[:2]) for k in files if rel(k).count("/") > 1})
    if nested:
        raise _nested_error(f"archive {path}", nested)
    entries = [(rel(k).split("/")[0], k) for k in sorted(files)]
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
    imgs, boxes = [], []
    for _, k in entries:
        a, box = _decode_image(files[k], f"{path}:{k}", channels, size, resize)
        imgs.append(a)
        boxes.append(box)
    labels = [idx[c] for c, _ in entries]
    return np.stack(imgs), np.asarray(labels, dtype=np.int64), classes, np.asarray(boxes, dtype=np.int32)


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
        zero, dtype, ndim = struct.unpack(">HBB", data[:4])
        if zero != 0 or dtype != 0x08:
            raise UserError(f"{path} is not an idx ubyte file")
        dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims).copy()
    except (struct.error, ValueError, OSError, EOFError, zlib.error) as e:
        raise UserError(f"{path} is not a valid idx file (truncated or corrupt): {e}",
                        "reinstall it: apt-get install --reinstall dataset-fashion-mnist") from None


def _find_idx(root: Path, stem: str) -> Path:
    for cand in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (root / cand).exists():
            return root / cand
    hits = sorted(root.rglob(stem + "*"))
    if hits:
        return hits[0]
    raise UserError(f"Fashion-MNIST file {stem}[.gz] not found under {root}",
                    "install it with: apt-get install -y dataset-fashion-mnist")


def _load_fashion(root: Path, channels: int, size: tuple[int, int], resize: str):
    x = _read_idx(_find_idx(root, "train-images-idx3-ubyte"))
    y = _read_idx(_find_idx(root, "train-labels-idx1-ubyte")).astype(np.int64)
    if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise UserError(f"Fashion-MNIST images/labels shapes do not match in {root}: {x.shape} vs {y.shape}")
    if y.size and int(y.max()) >= len(FASHION_LABELS):
        raise UserError(f"Fashion-MNIST labels in {root} go up to {int(y.max())}; expected 0..9")
    h, w = size
    boxes = np.tile(np.asarray([0, 0, h, w], dtype=np.int32), (len(x), 1))
    if tuple(x.shape[1:]) != (h, w) and (resize == "stretch" or x.shape[1] * w == x.shape[2] * h):
        # same aspect ratio (every policy is a plain scale) or stretch: one batched interpolation
        t = torch.nn.functional.interpolate(torch.from_numpy(x[:, None]).float(), size=size, mode="bilinear",
                                            align_corners=False)
        x = t.round().clamp(0, 255).byte().numpy()[:, 0]
    elif tuple(x.shape[1:]) != (h, w):
        from PIL import Image

        out = np.empty((len(x), h, w), np.uint8)
        for i, a in enumerate(x):
            im, boxes[i] = resize_image(Image.fromarray(a, "L"), h, w, resize)
            out[i] = np.asarray(im)
        x = out
    x = x[:, None]
    if channels == 3:
        x = np.repeat(x, 3, axis=1)
    return np.ascontiguousarray(x), y, list(FASHION_LABELS), boxes


# ----------------------------------------------------------------------------- public API

CACHE_VERSION = 2  # 2: EXIF orientation, alpha onto white, resize policy, per-file manifest in the key


def detect_kind(path: str) -> str:
    p = Path(path)
    if p.is_dir():
        if any(p.rglob("train-images-idx3-ubyte*")):
            return "fashion-mnist"
        return "folder"
    return "archive"


def source_fingerprint(p: Path) -> str:
    """What the cache key knows of the data: a file's size and mtime; for a folder, the relative
    path, size and mtime (ns) of every file below it, so an image added, removed or replaced in a
    class folder invalidates the cache (the root folder's own mtime does not change then)."""
    h = hashlib.sha1()
    if p.is_dir():
        for f in sorted(p.rglob("*")):
            if f.is_file():
                st = f.stat()
                h.update(json.dumps([f.relative_to(p).as_posix(), st.st_size, st.st_mtime_ns]).encode())
    else:
        st = p.stat()
        h.update(json.dumps([st.st_size, st.st_mtime_ns]).encode())
    return h.hexdigest()


def load_dataset(path: str, channels: int, size: tuple[int, int], kind: str = "auto",
                 use_cache: bool = True, verbose: bool = True, resize: str = "center_crop") -> Dataset:
    """Decode a dataset to `size` by the contract resize policy `resize`. For `letterbox` the
    padding is left black here and `Dataset.boxes` holds each image's content box: fill it with the
    model's mean colour (`fill_padding`) once the mean is known."""
    p = Path(path).expanduser()
    if not p.exists():
        hint = "pass --data PATH (a .tar.gz archive, a <class>/<image> folder or the Fashion-MNIST folder)"
        if "cifar10" in str(path):
            hint += f"; in a project checkout the CIFAR-10 archive is at {DEFAULT_CIFAR_ARCHIVE}"
        if "fashion" in str(path):
            hint += "; install Fashion-MNIST with: apt-get install -y dataset-fashion-mnist"
        raise UserError(f"dataset not found: {path}", hint)
    if resize not in RESIZE_POLICIES:
        raise UserError(f"unknown resize policy {resize!r}", f"use one of {', '.join(RESIZE_POLICIES)}")
    try:
        if kind == "auto":
            kind = detect_kind(str(p))
        key = json.dumps([str(p.resolve()), source_fingerprint(p), kind, channels, list(size), resize,
                          CACHE_VERSION])
        cache = cache_dir() / f"{p.name.split('.')[0]}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.pt"
        if use_cache and cache.exists():
            d = torch.load(cache, weights_only=False)
            return Dataset(d["images"], d["labels"], d["classes"], d["name"], str(p), d.get("boxes"))
        if verbose:
            print(f"decoding {p} ({kind}) once into {cache} ...", flush=True)
        if kind == "fashion-mnist":
            x, y, classes, boxes = _load_fashion(p, channels, size, resize)
            name = "Fashion-MNIST"
        elif kind == "folder":
            if not p.is_dir():
                raise UserError(f"--data-kind folder, but {p} is not a folder")
            x, y, classes, boxes = _load_folder(p, channels, size, resize)
            name = p.name
        elif kind == "archive":
            if p.is_dir():
                raise UserError(f"--data-kind archive, but {p} is a folder")
            x, y, classes, boxes = _load_tar(p, channels, size, resize)
            name = "CIFAR-10" if classes == CIFAR10_LABELS and len(y) >= 50000 else p.name.split(".")[0]
        else:
            raise UserError(f"unknown dataset kind {kind!r}", "use auto, archive, folder or fashion-mnist")
    except OSError as e:  # unreadable folders and files (permissions, I/O errors) that no loader caught
        raise UserError(f"cannot read {e.filename or p}: {e.strerror or e}",
                        "check the permissions of the dataset's files and folders") from None
    bx = torch.from_numpy(boxes) if resize == "letterbox" else None
    ds = Dataset(torch.from_numpy(x).contiguous(), torch.from_numpy(y), classes, name, str(p), bx)
    if use_cache:
        tmp = cache.with_suffix(".tmp")
        torch.save({"images": ds.images, "labels": ds.labels, "classes": classes, "name": name, "boxes": bx}, tmp)
        tmp.replace(cache)
    return ds


def align_classes(ds: Dataset, labels: list[str], allow_subset: bool = False) -> Dataset:
    """Make `ds`'s label indices mean the model's `labels` (matched by name). Raises UserError if the
    data has a class the model does not know, or (unless `allow_subset`) lacks one of the model's
    classes: otherwise every label index after the gap would silently shift."""
    if ds.classes == list(labels):
        return ds
    extra = [c for c in ds.classes if c not in labels]
    missing = [c for c in labels if c not in ds.classes]
    if extra or (missing and not allow_subset):
        parts = ([f"not in the model: {', '.join(extra)}"] if extra else []) + \
                ([f"missing from the data: {', '.join(missing)}"] if missing and not allow_subset else [])
        raise UserError(f"the classes of {ds.source} do not match the model's labels ({'; '.join(parts)})",
                        f"the model's classes are {', '.join(labels)}; use data with one folder per class "
                        f"named exactly so" + ("" if allow_subset else " (evaluate --all accepts a subset)"))
    remap = torch.tensor([list(labels).index(c) for c in ds.classes], dtype=torch.long)
    return Dataset(ds.images, remap[ds.labels], list(labels), ds.name, ds.source, ds.boxes)


def split_indices(labels: torch.Tensor, num_classes: int, val_images: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Fixed seeded split: `val_images / num_classes` images of every class go to validation.

    Returned indices are sorted, so the split depends only on (labels, val_images, seed).
    """
    if val_images <= 0:
        return torch.arange(len(labels)), torch.zeros(0, dtype=torch.long)
    per = val_images // num_classes
    if per == 0:
        raise UserError(f"--val-images {val_images} is less than the number of classes ({num_classes}): "
                        "no class would get a validation image",
                        f"use --val-images >= {num_classes} (a multiple of it), or 0 for no validation split")
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
