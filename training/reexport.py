"""Entry point: python3 -m training.reexport (see training/README.md)."""
import sys

from training.rcnn_lens_train.process_tuning import tune_process

if __name__ == "__main__":
    tune_process("export")  # before torch is imported
    from training.rcnn_lens_train.errors import run_cli
    from training.rcnn_lens_train.reexport import main

    sys.exit(run_cli(main))
