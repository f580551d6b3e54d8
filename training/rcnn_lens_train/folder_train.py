"""Train or fine-tune an RCNN on a user's folder; progress as JSON lines on stdout.

    PYTHONPATH=training python3 -m rcnn_lens_train.folder_train (--manifest M.json | FOLDER) --out FILE.onnx
        [--from PATH.onnx|none] [--epochs N] [--minutes M] [--freeze-cnn|--no-freeze-cnn]
        [--checkpoint-dir DIR] [--resume] [--threads N]

Events (one JSON object per line): start, step, epoch, done, cancelled, error. Exit codes: 0 a valid model
was written, 2 error ({"event": "error", "code", "message", "details"}), 3 cancelled (SIGTERM/SIGINT: a
resumable checkpoint is written to --checkpoint-dir). The protocol is documented in training/README.md.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys

from .events import EXIT_CANCELLED, EXIT_ERROR, EXIT_OK, EventStream, TrainingError

REQUIRED_PACKAGES = {"torch": "torch", "onnx": "onnx", "onnxruntime": "onnxruntime", "numpy": "numpy",
                     "PIL": "pillow", "onnxscript": "onnxscript"}


class _ArgParser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit; the caller reads an error event
        raise TrainingError("bad_arguments", message)


def parse_args(argv) -> argparse.Namespace:
    p = _ArgParser(prog="python3 -m rcnn_lens_train.folder_train", description=__doc__,
                   formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", nargs="?", help="a folder of class subfolders (instead of --manifest)")
    p.add_argument("--manifest", help='JSON {"root": FOLDER, "classes": [...], "items": [{"path", "label"}]}')
    p.add_argument("--out", required=True, help="the .onnx file to write (replaced only by a valid model)")
    p.add_argument("--from", dest="source", default="none", help="fine-tune from this exported .onnx, or none")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--minutes", type=float, default=0.0, help="time budget: the schedule ends within it (0 = none)")
    p.add_argument("--freeze-cnn", dest="freeze_cnn", action="store_true", default=None,
                   help="train only the RNN, attention and classifier (default: on when fine-tuning on a small "
                        "folder)")
    p.add_argument("--no-freeze-cnn", dest="freeze_cnn", action="store_false")
    p.add_argument("--checkpoint-dir", help="where the resumable checkpoint goes (default: OUT's name + .checkpoint)")
    p.add_argument("--resume", action="store_true", help="continue the run saved in --checkpoint-dir")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (default: up to 4)")
    p.add_argument("--name", help="model name in its metadata (default: the output file's name)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=None, help="learning rate (Nesterov SGD)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model-config", help="from scratch only: JSON object of ModelConfig keys (architecture, input "
                   "size); default: the bundled model's architecture")
    a = p.parse_args(argv)
    a.argv = list(sys.argv[1:] if argv is None else argv)
    if (a.folder is None) == (a.manifest is None):
        raise TrainingError("bad_arguments", "give either a FOLDER or --manifest M.json")
    if a.epochs < 1 or a.minutes < 0 or a.batch_size < 1 or a.threads < 0:
        raise TrainingError("bad_arguments", "--epochs and --batch-size must be >= 1, --minutes and --threads >= 0")
    return a


def check_packages() -> None:
    missing = [pip for mod, pip in REQUIRED_PACKAGES.items() if importlib.util.find_spec(mod) is None]
    if missing:
        raise TrainingError("missing_package", f"Python packages missing: {', '.join(missing)}",
                            {"packages": missing, "python": sys.executable})


class CancelFlag:
    """SIGTERM/SIGINT set the flag (the loop stops at the next step and saves); a second signal exits now."""

    def __init__(self):
        self.set = False

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum, frame):
        if self.set:
            sys.exit(EXIT_CANCELLED)
        self.set = True

    def __call__(self) -> bool:
        return self.set


def main(argv=None, events: EventStream | None = None, cancel: CancelFlag | None = None) -> int:
    events = events or EventStream()
    cancel = cancel or CancelFlag()
    try:
        args = parse_args(argv)
        check_packages()
        from .folder_run import run_folder_training

        return run_folder_training(args, events, cancel)
    except TrainingError as e:
        return events.error(e)
    except MemoryError:
        return events.error(TrainingError("out_of_memory", "training ran out of memory",
                                          {"hint": "use fewer or smaller images"}))


def console_main() -> int:
    """The process entry point (`python3 -m` and the `rcnn-lens-folder-train` console script): events on the
    original stdout, SIGTERM/SIGINT cancel the run."""
    cancel = CancelFlag()
    cancel.install()
    rc = main(events=EventStream.claim_stdout(), cancel=cancel)
    if rc == EXIT_CANCELLED:
        # the checkpoint is on disk and the event flushed: skip the interpreter's teardown (torch's takes
        # seconds of CPU on a loaded machine), so that a cancel ends the process promptly
        sys.stderr.flush()
        os._exit(EXIT_CANCELLED)
    return rc


if __name__ == "__main__":
    sys.exit(console_main())
