"""Importing the training package must not change the process: no re-exec, no environment, no allocator."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os, sys
before = dict(os.environ)
import training, training.rcnn_lens_train, training.rcnn_lens_train.train, training.rcnn_lens_train.export_cli
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
print("CHANGED", changed)
"""


def test_import_changes_no_environment_and_does_not_reexec():
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("OMP_WAIT_POLICY", "GLIBC_TUNABLES")}
    # `-m training.train`-like argv would have triggered the old re-exec; a plain -c must stay one process
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "CHANGED []" in r.stdout, r.stdout


def test_tune_process_sets_passive_policy_for_tools_other_than_training(monkeypatch):
    from training.rcnn_lens_train import process_tuning
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert process_tuning.tune_process("export") is True
    import os
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert process_tuning.tune_process("export") is False  # the user's choice wins
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
