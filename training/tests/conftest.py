import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def cache_env(tmp_path_factory):
    """Keep test datasets' decode caches out of the user's cache."""
    d = tmp_path_factory.mktemp("cache")
    old = os.environ.get("RCNN_LENS_CACHE")
    os.environ["RCNN_LENS_CACHE"] = str(d)
    yield d
    if old is None:
        os.environ.pop("RCNN_LENS_CACHE", None)
    else:
        os.environ["RCNN_LENS_CACHE"] = old
