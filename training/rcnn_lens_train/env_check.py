"""What RCNN Lens needs from a Python to train: prints one JSON object and exits 0.

Run as a file (``python3 training/rcnn_lens_train/env_check.py``), not as a module of the
package: it must answer on a Python that has none of the package's dependencies, and fast,
so it reads installed versions from the package metadata instead of importing torch.
"""
import importlib.metadata
import importlib.util
import json
import sys

REQUIRED = ("torch", "onnx", "onnxruntime")
MIN_PYTHON = (3, 9)


def package_version(name):
    """The installed version of ``name``, or None when it cannot be imported."""
    if importlib.util.find_spec(name) is None:
        return None
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def main():
    packages = {name: package_version(name) for name in REQUIRED}
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
