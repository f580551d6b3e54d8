"""What RCNN Lens needs from a Python to train: prints one JSON object and exits 0.

Run as a file (``python3 training/rcnn_lens_train/env_check.py``), not as a module of the
package: it must answer on a Python that has none of the package's dependencies, and fast,
so it reads installed versions from the package metadata instead of importing torch.
"""
import importlib.metadata
import importlib.util
import json
import sys

# import name -> distribution name: what folder_train needs (torch, onnx, onnxruntime, and the export's helpers).
REQUIRED = {"torch": "torch", "onnx": "onnx", "onnxruntime": "onnxruntime", "numpy": "numpy", "PIL": "pillow",
            "onnxscript": "onnxscript"}
MIN_PYTHON = (3, 9)


def package_version(module, distribution):
    """The installed version of ``distribution``, or None when ``module`` cannot be imported."""
    if importlib.util.find_spec(module) is None:
        return None
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def main():
    packages = {dist: package_version(module, dist) for module, dist in REQUIRED.items()}
    report = {
        "python": sys.executable,
        "version": ".".join(str(v) for v in sys.version_info[:3]),
        "python_ok": sys.version_info[:2] >= MIN_PYTHON,
        "packages": packages,
        "missing": [name for name, version in packages.items() if version is None],
    }
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
