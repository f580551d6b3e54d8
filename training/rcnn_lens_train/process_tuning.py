"""Process-level tuning for the command-line entry points (never applied on import).

Each `python3 -m training.<tool>` entry point calls `tune_process(tool)` before it imports torch:

- OpenMP wait policy. Idle OpenMP threads spin by default. Spinning makes training steps faster on an idle
  machine, but on a busy or shared CPU it burns the cores the other work needs, and in every other tool
  (export, evaluate) the spinning threads steal the CPU from the onnxruntime benchmark those tools run.
  So training spins only when the machine is idle at start; everything else waits passively. A user's own
  OMP_WAIT_POLICY always wins.
- glibc malloc (Linux only). A training step's activations are larger than glibc's mmap threshold, so by
  default each one is mapped and unmapped every step and faulted back in 4 KiB at a time. Training raises the
  threshold, stops trimming, and re-executes itself once with `glibc.malloc.hugetlb=1` (the tunable is read
  by the dynamic loader at start-up, so setting it needs a fresh process).
"""
from __future__ import annotations

import os
import sys

TRAIN = "train"


def tune_process(tool: str) -> bool:
    """Apply the tuning for `tool`; returns True when this call chose OMP_WAIT_POLICY."""
    if tool == TRAIN:
        _reexec_with_huge_pages()
    chose = "OMP_WAIT_POLICY" not in os.environ
    if chose:
        os.environ["OMP_WAIT_POLICY"] = "ACTIVE" if tool == TRAIN and not _machine_busy() else "PASSIVE"
    _keep_freed_memory_mapped()
    return chose


def _machine_busy() -> bool:
    try:
        return os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1)
    except OSError:
        return False


def _reexec_with_huge_pages() -> None:
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if not sys.platform.startswith("linux") or "glibc.malloc.hugetlb" in tunables:
        return
    env = dict(os.environ)
    env["GLIBC_TUNABLES"] = ":".join(t for t in (tunables, "glibc.malloc.hugetlb=1") if t)
    try:
        os.execve(sys.executable, list(sys.orig_argv), env)
    except OSError:  # cannot re-exec: run without huge pages
        pass


def _keep_freed_memory_mapped() -> None:
    import ctypes
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
        libc.mallopt(m_trim_threshold, 4 * 1024 * 1024 * 1024 - 1)
        libc.mallopt(m_top_pad, 256 * 1024 * 1024)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def exec_export(checkpoint: str, out: str, extra_args: list[str], omp_policy_chosen_here: bool) -> None:
    """Replace this training process by `python3 -m training.export checkpoint --out out [extra_args]`.

    A fresh process rather than an in-process export: this one's OpenMP threads may be spinning
    (ACTIVE policy), which would steal the CPU from the throughput the export measures for the model card.
    exec keeps the pid, so the caller sees the export's exit status.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    env = dict(os.environ)
    if omp_policy_chosen_here:
        env.pop("OMP_WAIT_POLICY", None)  # the export process chooses its own (passive)
    os.execve(sys.executable, [sys.executable, "-m", "training.export", checkpoint, "--out", out, *extra_args], env)
