"""Dataset loaders (folder, archive, Fashion-MNIST) and the fixed validation split."""
from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from helpers import make_synthetic_folder
from training.rcnn_lens_train.data import DEFAULT_FASHION_DIR, FASHION_LABELS, load_dataset, split_indices


def test_folder_and_archive_agree(tmp_path, cache_env):
    root = make_synthetic_folder(tmp_path / "data" / "train", n_per_class=5, size=20)
    a = load_dataset(str(root), 3, (16, 16), verbose=False)
    tgz = tmp_path / "data.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(root, arcname="train")
    b = load_dataset(str(tgz), 3, (16, 16), verbose=False)
    assert a.classes == b.classes == ["bars", "blobs", "checks", "rings"]
    assert a.images.shape == (20, 3, 16, 16) and a.images.dtype == torch.uint8
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    # second load comes from the cache
    assert any(Path(cache_env).iterdir())
    c = load_dataset(str(tgz), 3, (16, 16), verbose=False)
    assert torch.equal(c.images, b.images)


def test_grey_folder(tmp_path, cache_env):
    root = make_synthetic_folder(tmp_path / "g", n_per_class=3, size=28, channels=1)
    d = load_dataset(str(root), 1, (28, 28), verbose=False)
    assert d.images.shape == (12, 1, 28, 28)


def test_split_is_fixed_balanced_and_disjoint():
    labels = torch.arange(10).repeat_interleave(100)
    tr, va = split_indices(labels, 10, 200, seed=0)
    tr2, va2 = split_indices(labels, 10, 200, seed=0)
    assert torch.equal(va, va2) and torch.equal(tr, tr2)
    assert len(va) == 200 and torch.bincount(labels[va]).tolist() == [20] * 10
    assert not set(tr.tolist()) & set(va.tolist()) and len(tr) + len(va) == 1000
    _, va3 = split_indices(labels, 10, 200, seed=1)
    assert not torch.equal(va, va3)


@pytest.mark.skipif(not Path(DEFAULT_FASHION_DIR).exists(),
                    reason=f"Fashion-MNIST not installed at {DEFAULT_FASHION_DIR} (apt-get install dataset-fashion-mnist)")
def test_fashion_mnist(cache_env):
    d = load_dataset(DEFAULT_FASHION_DIR, 1, (28, 28), verbose=False)
    assert d.classes == FASHION_LABELS and d.images.shape == (60000, 1, 28, 28)
    assert torch.bincount(d.labels).tolist() == [6000] * 10
