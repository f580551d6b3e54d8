"""Which images a folder training run uses: from a manifest (written by the extension) or a folder of
class subfolders. Nothing outside the chosen root is ever read: every path is resolved (symbolic links
included) and must stay inside the root.

Folder layout (`python3 -m rcnn_lens_train.folder_train FOLDER`): the classes are the names of FOLDER's
first-level subfolders; every image anywhere below `FOLDER/<class>/` (at any depth) is an example of
`<class>`. Images directly in FOLDER, hidden files and hidden folders (".name", "__MACOSX") are ignored.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .events import TrainingError

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}
MIN_IMAGES_PER_CLASS = 10  # 1 for validation, at least 9 to learn from
MAX_IMAGES = 200_000  # decoded to 32x32 that is 600 MB of pixels; beyond it the run would exhaust memory
MAX_CLASS_NAME = 200
MAX_MANIFEST_BYTES = 256 * 1024 * 1024


@dataclass
class FolderData:
    root: Path
    classes: list[str]
    files: list[Path]  # absolute, resolved, inside root
    labels: list[int]
    rel_paths: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {c: 0 for c in self.classes}
        for y in self.labels:
            out[self.classes[y]] += 1
        return out


def _is_hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def is_image_name(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_EXTS and not _is_hidden(name)


def inside(root: Path, rel: str) -> Path | None:
    """The resolved file `root/rel`, or None when it lies outside `root` (absolute path, '..', a link out)."""
    if not isinstance(rel, str) or not rel or "\0" in rel or os.path.isabs(rel):
        return None
    p = (root / rel).resolve()
    try:
        p.relative_to(root)
    except ValueError:
        return None
    return p


def _check_root(root_arg) -> Path:
    if not isinstance(root_arg, str) or not root_arg:
        raise TrainingError("bad_manifest", "the manifest's root must be a folder path")
    root = Path(root_arg).expanduser()
    if not root.is_dir():
        raise TrainingError("not_a_folder", f"{root_arg} is not a folder", {"path": root_arg})
    return root.resolve()


def _check_classes(classes) -> list[str]:
    ok = isinstance(classes, list) and all(isinstance(c, str) and c.strip() and len(c) <= MAX_CLASS_NAME
                                           and c.isprintable() for c in classes)
    if not ok:
        raise TrainingError("bad_manifest", f"classes must be a list of non-empty printable names "
                            f"(at most {MAX_CLASS_NAME} characters each)")
    if len(set(classes)) != len(classes):
        dup = sorted({c for c in classes if classes.count(c) > 1})
        raise TrainingError("bad_manifest", f"duplicate class names: {', '.join(dup)}", {"classes": dup})
    return list(classes)


def from_manifest(path: str) -> FolderData:
    try:
        if os.path.getsize(path) > MAX_MANIFEST_BYTES:
            raise TrainingError("bad_manifest", f"manifest {path} is larger than {MAX_MANIFEST_BYTES} bytes")
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TrainingError("bad_manifest", f"cannot read manifest {path}: {e}", {"path": path}) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
        raise TrainingError("bad_manifest", "the manifest must be a JSON object with root, classes and items")
    root = _check_root(raw.get("root"))
    classes = _check_classes(raw.get("classes"))
    index = {c: i for i, c in enumerate(classes)}
    files, labels, rels = [], [], []
    if len(raw["items"]) > MAX_IMAGES:
        raise TrainingError("too_many_images", f"{len(raw['items'])} images; at most {MAX_IMAGES} are supported",
                            {"images": len(raw["items"]), "maximum": MAX_IMAGES})
    for n, item in enumerate(raw["items"]):
        if not isinstance(item, dict) or item.get("label") not in index:
            raise TrainingError("bad_manifest", f"item {n} needs a path and a label that is one of the classes",
                                {"item": n})
        p = inside(root, item.get("path"))
        if p is None:
            raise TrainingError("bad_manifest", f"item {n}: its path is not inside {root}", {"item": n})
        files.append(p)
        labels.append(index[item["label"]])
        rels.append(item["path"])
    return FolderData(root, classes, files, labels, rels)


def from_folder(folder: str) -> FolderData:
    root = _check_root(folder)
    class_dirs = sorted(d for d in os.listdir(root) if not _is_hidden(d) and (root / d).is_dir()
                        and not (root / d).is_symlink())
    found: dict[str, list[Path]] = {}
    total = 0
    for c in class_dirs:
        for dirpath, dirnames, filenames in os.walk(root / c):  # does not follow links to folders
            dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
            for name in sorted(filenames):
                if not is_image_name(name):
                    continue
                p = inside(root, os.path.relpath(os.path.join(dirpath, name), root))
                if p is None:
                    continue  # a link that points outside the folder
                found.setdefault(c, []).append(p)
                total += 1
                if total > MAX_IMAGES:
                    raise TrainingError("too_many_images", f"{root} holds more than {MAX_IMAGES} images",
                                        {"maximum": MAX_IMAGES})
    classes = [c for c in class_dirs if found.get(c)]
    files = [p for c in classes for p in found[c]]
    labels = [i for i, c in enumerate(classes) for _ in found[c]]
    rels = [p.relative_to(root).as_posix() for p in files]
    return FolderData(root, classes, files, labels, rels)


def check_enough(data: FolderData, minimum: int = MIN_IMAGES_PER_CLASS) -> None:
    """A classifier needs 2 classes and, in each, images to learn from and to validate on."""
    counts = data.counts()
    with_images = [c for c, n in counts.items() if n > 0]
    if len(with_images) < 2:
        raise TrainingError("too_few_classes", f"{data.root} has {len(with_images)} class(es) with images; "
                            "training needs at least 2 (one subfolder per class)",
                            {"classes": with_images, "root": str(data.root)})
    short = {c: n for c, n in counts.items() if n < minimum}
    if short:
        names = ", ".join(f"{c} ({n})" for c, n in short.items())
        raise TrainingError("too_few_images", f"too few images in class(es) {names}: each class needs at "
                            f"least {minimum}", {"classes": short, "minimum": minimum})
