"""Entry point: python3 -m training.train (see training/README.md)."""
import sys

from training.rcnn_lens_train.process_tuning import TRAIN, exec_export, tune_process

if __name__ == "__main__":
    omp_chosen_here = tune_process(TRAIN)  # may re-execute this process; before torch is imported
    from training.rcnn_lens_train.errors import run_cli
    from training.rcnn_lens_train.train import main

    exports = []
    rc = run_cli(lambda argv: main(argv, on_export=lambda ckpt, out, extra: exports.append((ckpt, out, extra))))
    if rc == 0 and exports:
        exec_export(*exports[0], omp_policy_chosen_here=omp_chosen_here)
    sys.exit(rc)
