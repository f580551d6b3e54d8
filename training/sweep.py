"""Entry point: python3 -m training.sweep (see training/README.md)."""
import sys

from training.rcnn_lens_train.process_tuning import tune_process

if __name__ == "__main__":
    tune_process("sweep")  # the sweep itself only waits on its training subprocesses: passive
    from training.rcnn_lens_train.errors import run_cli
    from training.rcnn_lens_train.sweep import main

    sys.exit(run_cli(main))
