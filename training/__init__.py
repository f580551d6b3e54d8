"""RCNN Lens training package (see training/README.md)."""
import os as _os
import sys as _sys

# OpenMP threads spin while waiting by default. On a busy, shared CPU that burns the cores other work needs
# (measured: a training step went from >24 s to ~7 s with PASSIVE under load); on an idle machine spinning
# is faster (a step of the default model: 0.81 s ACTIVE vs 0.99 s PASSIVE). So the choice follows the load
# when the process starts, unless OMP_WAIT_POLICY is set. Must happen before torch is imported.
# Spinning only pays while training: every other entry point (export, evaluate, tests) waits on
# subprocesses such as the onnxruntime benchmark, and its idle spinning threads halved the throughput
# that benchmark measured (745 vs 1,535 img/s at batch 128, same model).
def _running_module():
    argv = list(getattr(_sys, "orig_argv", []))
    return argv[argv.index("-m") + 1] if "-m" in argv[:-1] else None


def _reexec_with_huge_pages() -> None:
    """Run training with glibc's malloc asking for transparent huge pages.

    Activations of a batch-512 step (64-256 channels at 16x16-32x32, 30-130 MB each) are bigger than
    glibc's largest mmap threshold (32 MiB), so each one is mmap'ed and unmapped every step and faulted
    back in 4 KiB at a time. Measured on the default network: ~88,000 page faults and 1.60 s per step;
    with `glibc.malloc.hugetlb=1` (madvise'd 2 MiB pages) ~2,800 faults and 1.10 s. The tunable is read
    by the dynamic loader at start-up, hence the re-exec (once; the variable marks it done).
    """
    tunables = _os.environ.get("GLIBC_TUNABLES", "")
    if (not _sys.platform.startswith("linux") or "glibc.malloc.hugetlb" in tunables
            or _running_module() != "training.train"):
        return
    env = dict(_os.environ)
    env["GLIBC_TUNABLES"] = ":".join(t for t in (tunables, "glibc.malloc.hugetlb=1") if t)
    try:
        _os.execve(_sys.executable, list(_sys.orig_argv), env)
    except OSError:  # cannot re-exec: train without huge pages
        pass


_reexec_with_huge_pages()

OMP_POLICY_CHOSEN_HERE = "OMP_WAIT_POLICY" not in _os.environ
if OMP_POLICY_CHOSEN_HERE:
    try:
        _busy = _os.getloadavg()[0] > 0.5 * (_os.cpu_count() or 1)
    except OSError:
        _busy = False
    _spin = not _busy and _running_module() == "training.train"
    _os.environ["OMP_WAIT_POLICY"] = "ACTIVE" if _spin else "PASSIVE"


def _keep_freed_memory_mapped() -> None:
    """Stop glibc from returning every large freed tensor to the kernel.

    By default blocks >= 128 KiB are mmap'ed and unmapped on free, so each training step page-faults its
    activations in again. Measured here: a batch-512 step of the default model fell from 3.1 s to 0.8 s
    (the GRU recurrence alone from 1.6 s to 0.2 s) with a 32 MiB mmap threshold and no trimming.
    """
    import ctypes
    if not _sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
        libc.mallopt(m_trim_threshold, 4 * 1024 * 1024 * 1024 - 1)
        libc.mallopt(m_top_pad, 256 * 1024 * 1024)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


_keep_freed_memory_mapped()
