"""The neutral vector a `step_mask`ed step reads (contract v2): the mean feature vector of training images.

It is the mean over images and timesteps of what the RNN reads (the CNN's feature vector, with the
context stage's when there is one), over a seeded draw of training-split images, never validation ones.
"""
from __future__ import annotations

import numpy as np
import torch

from .model import RCNN

NEUTRAL_IMAGES = 2000
NEUTRAL_SEED = 21  # seed of the draw from the training split (independent of the split's own seed)
BATCH = 250


@torch.no_grad()
def mean_feature(model: RCNN, x: np.ndarray) -> torch.Tensor:
    """Mean of `model.sequence(x)` over images and steps; x: preprocessed float images [N, C, H, W]."""
    if len(x) == 0:
        raise ValueError("no images to average")
    model.eval()
    total, count = None, 0
    for i in range(0, len(x), BATCH):
        seq = model.sequence(torch.from_numpy(np.ascontiguousarray(x[i:i + BATCH]))).double()
        part = seq.sum(dim=(0, 1))
        total = part if total is None else total + part
        count += seq.shape[0] * seq.shape[1]
    return (total / count).float()


def neutral_sample(train_idx: np.ndarray, n: int = NEUTRAL_IMAGES) -> np.ndarray:
    """A seeded draw of up to n training-split indices (not the first n: a class-sorted folder would give
    one class only)."""
    return np.sort(np.random.default_rng(NEUTRAL_SEED).permutation(np.asarray(train_idx))[:n])


def set_neutral(model: RCNN, x: np.ndarray, data: str, split_seed: int) -> dict:
    """Set `model.step_neutral` from preprocessed training images x; return the `rcnn_lens.ablation` record."""
    model.step_neutral.copy_(mean_feature(model, x))
    return {"neutral": "mean_feature",
            "meaning": "a masked step reads the mean feature vector (the RNN's input, averaged over images and "
                       "timesteps) of training images instead of the CNN's feature",
            "images": int(len(x)), "data": str(data),
            "from": f"seeded draw (seed {NEUTRAL_SEED}) from the training split (split seed {split_seed}); "
                    "never validation images",
            "feature_size": int(model.step_neutral.numel())}


def neutral_from_dataset(model: RCNN, ds, train_idx, meta: dict, data: str, split_seed: int,
                         n: int = NEUTRAL_IMAGES) -> dict:
    """`set_neutral` from a decoded dataset (data.Dataset) and its training-split indices; `meta` gives the
    preprocessing (the model's rcnn_lens.* metadata)."""
    import json

    from .data import fill_padding
    from .evaluate import preprocess_u8

    idx = torch.from_numpy(neutral_sample(np.asarray(train_idx), n))
    boxes = ds.boxes[idx] if ds.boxes is not None else None
    mean = json.loads(meta["rcnn_lens.preprocess"])["mean"]
    x = preprocess_u8(fill_padding(ds.images[idx], boxes, mean).numpy(), meta)
    return set_neutral(model, x, data, split_seed)
