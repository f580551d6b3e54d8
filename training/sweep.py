"""Entry point: python3 -m training.sweep (see training/README.md)."""
import sys

from training.rcnn_lens_train.errors import run_cli
from training.rcnn_lens_train.sweep import main

if __name__ == "__main__":
    sys.exit(run_cli(main))
