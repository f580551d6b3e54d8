"""RCNN Lens training package (see training/README.md)."""
import os as _os

# On a small, shared CPU, OpenMP's default spin-waiting burns the cores other threads need; we measured a
# training step going from >24 s to ~7 s with PASSIVE under load. Must be set before torch is imported.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
