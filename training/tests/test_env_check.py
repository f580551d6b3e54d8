"""env_check.py answers with one JSON object, without importing the heavy packages."""
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "rcnn_lens_train" / "env_check.py"


def test_env_check_reports_versions_and_missing():
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True, timeout=60).stdout
    report = json.loads(out)
    assert report["python"] == sys.executable
    assert report["python_ok"] is True
    assert set(report["packages"]) == {"torch", "onnx", "onnxruntime", "numpy", "pillow", "onnxscript"}
    assert report["missing"] == [name for name, v in report["packages"].items() if v is None]


def test_env_check_does_not_import_torch():
    code = f"import runpy, sys; runpy.run_path({str(SCRIPT)!r}, run_name='__main__'); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.strip().splitlines()[-1] == "False"
