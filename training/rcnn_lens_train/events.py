"""The JSON-lines protocol of `folder_train` on stdout: one object per line, each with an "event" key.

The extension reads these lines (docs in training/README.md, "Training on a folder"). Everything else a
library prints (progress bars, warnings, C++ logs) must not reach that stream, so `EventStream.claim_stdout`
moves file descriptor 1 onto stderr and keeps a private copy of the original stdout for the events.
"""
from __future__ import annotations

import json
import math
import os
import sys

EXIT_OK, EXIT_ERROR, EXIT_CANCELLED = 0, 2, 3


class TrainingError(Exception):
    """An error reported to the caller as {"event": "error", "code", "message", "details"} and exit code 2."""

    def __init__(self, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or {}


def _finite(v):
    """JSON has no NaN/Infinity: a non-finite float becomes null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


class EventStream:
    def __init__(self, out=None):
        self._out = out

    @classmethod
    def claim_stdout(cls) -> "EventStream":
        """Events go to the process's original stdout; fd 1 (and sys.stdout) now write to stderr."""
        sys.stdout.flush()
        events_fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        return cls(os.fdopen(events_fd, "w", buffering=1, encoding="utf-8"))

    def emit(self, event: str, **fields) -> None:
        line = json.dumps(_finite({"event": event, **fields}), allow_nan=False)
        out = self._out or sys.stdout
        out.write(line + "\n")
        out.flush()

    def error(self, err: TrainingError) -> int:
        self.emit("error", code=err.code, message=err.message, details=err.details)
        return EXIT_ERROR
