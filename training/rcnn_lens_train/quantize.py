"""The int8 variant of an exported model: onnxruntime static quantization (QDQ), calibrated on the
model's own training images, checked against the fp32 model before it is written.

Scheme: int8 per-channel weights and uint8 activations on Conv, MatMul and Gemm; the GRU/LSTM, the
softmaxes and everything else stay fp32 (onnxruntime has no static int8 kernel for GRU/LSTM).
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import UserError

QUANTIZED_OPS = ("Conv", "MatMul", "Gemm")
CALIBRATION_METHODS = ("minmax", "percentile", "entropy")
DEFAULT_CALIBRATION_IMAGES = 512
# training images (disjoint from the calibration ones) on which the method is chosen: top-1 agreement with fp32
DEFAULT_SELECTION_IMAGES = 1000
DEFAULT_MAX_DROP_POINTS = 0.3
CALIBRATION_BATCH = 64
# the calibration sample's seed: a permutation of the training split, independent of the split itself
CALIBRATION_SEED = 20


def variant_path(fp32_path: str | Path) -> Path:
    """`<stem>.int8.onnx` beside `<stem>.onnx`: the extension finds the variant by this name."""
    p = Path(fp32_path)
    return p.with_name((p.name[:-5] if p.name.endswith(".onnx") else p.name) + ".int8.onnx")


def file_hash(path: str | Path) -> str:
    """The identity labels files record (src/core/model/modelHash.ts): 16 hex digits of the file's SHA-256."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _method(name: str):
    from onnxruntime.quantization import CalibrationMethod

    return {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
            "entropy": CalibrationMethod.Entropy}[name]


class _Batches:
    """onnxruntime's CalibrationDataReader protocol over preprocessed float batches."""

    def __init__(self, session, x: np.ndarray, batch: int = CALIBRATION_BATCH):
        from .evaluate import model_feeds

        self._it = iter([model_feeds(session, x[i:i + batch]) for i in range(0, len(x), batch)])

    def get_next(self):
        return next(self._it, None)


def quantize_file(fp32: Path, out: Path, x_calib: np.ndarray, method: str, ops=QUANTIZED_OPS,
                  nodes: list[str] | None = None) -> None:
    """Static QDQ quantization of `fp32` into `out`, calibrated on preprocessed float images `x_calib`;
    `nodes`: only these (int8_graph.nodes_to_quantize), else every node of the `ops` types."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    from .evaluate import ort_session

    session = ort_session(str(fp32), 1)
    with tempfile.TemporaryDirectory(prefix="rcnn-lens-calib-") as tmp:
        # the calibrator writes an augmented copy of the model; keep it out of the user's folders
        extra = {"CalibTensorRangeSymmetric": False}
        if method == "percentile":
            extra["CalibPercentile"] = 99.999
        quantize_static(str(fp32), str(out), _Batches(session, x_calib), quant_format=QuantFormat.QDQ,
                        op_types_to_quantize=list(ops), nodes_to_quantize=nodes, per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=_method(method), extra_options=extra,
                        calibration_providers=["CPUExecutionProvider"],
                        **({"calib_temp_dir": tmp} if _accepts_temp_dir() else {}))


def _accepts_temp_dir() -> bool:
    import inspect

    from onnxruntime.quantization import quantize_static

    return "calib_temp_dir" in inspect.signature(quantize_static).parameters


@dataclass
class Outputs:
    """All outputs of a model over a set of images, in batch order."""
    values: dict[str, list[np.ndarray]]

    def cat(self, name: str) -> np.ndarray:
        return np.concatenate(self.values[name])


def run_all(path: Path, x: np.ndarray, batch: int = 250, threads: int = 2) -> Outputs:
    from .evaluate import model_feeds, ort_session

    s = ort_session(str(path), threads)
    names = [o.name for o in s.get_outputs()]
    vals: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for i in range(0, len(x), batch):
        for n, v in zip(names, s.run(names, model_feeds(s, x[i:i + batch]))):
            vals[n].append(v)
    return Outputs(vals)


def parity(ref: Outputs, other: Outputs) -> dict:
    """Per output: max and mean |Δ| of `other` against `ref` (same images, same order)."""
    out = {}
    for n in ref.values:
        total, count, worst = 0.0, 0, 0.0
        for a, b in zip(ref.values[n], other.values[n]):
            d = np.abs(a.astype(np.float64) - b.astype(np.float64))
            total, count, worst = total + float(d.sum()), count + d.size, max(worst, float(d.max(initial=0.0)))
        out[n] = {"max_abs": round(worst, 6), "mean_abs": round(total / max(1, count), 6)}
    return out


def top1(o: Outputs) -> np.ndarray:
    return o.cat("logits").argmax(1)


def choose_method(fp32: Path, x_calib: np.ndarray, x_select: np.ndarray, methods, work: Path, log=print,
                  graph=None) -> dict:
    """Quantize with each method; the one whose logits are closest to fp32's on `x_select` (mean |Δ|) wins:
    a continuous measure, where top-1 agreement on a thousand images differs by an image or two between
    methods. Training images, so the validation split stays unseen. `graph` (int8_graph.QuantizationGraph):
    what to quantize, when it is not `fp32` itself; the reference stays `fp32`."""
    ref = run_all(fp32, x_select)
    trials = {}
    for m in methods:
        out = work / f"{m}.onnx"
        quantize_file(graph.path if graph else fp32, out, x_calib, m, nodes=graph.nodes if graph else None)
        got = run_all(out, x_select)
        trials[m] = {"agreement": round(float((top1(got) == top1(ref)).mean()), 4),
                     "logits_mean_abs": parity(ref, got)["logits"]["mean_abs"]}
        log(f"calibration {m}: top-1 agreement with fp32 {trials[m]['agreement']:.4f} on {len(x_select)} "
            f"training images, logits mean |Δ| {trials[m]['logits_mean_abs']:.4f}")
    best = min(methods, key=lambda m: (trials[m]["logits_mean_abs"], -trials[m]["agreement"]))
    return {"method": best, "file": work / f"{best}.onnx", "trials": trials}


def calibration_sample(train_idx: np.ndarray, n_calib: int, n_select: int) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint, seeded draws from the training split: calibration images and method-selection images."""
    if n_calib < 1:
        raise UserError(f"--calibration-images must be >= 1, got {n_calib}")
    if n_calib + n_select > len(train_idx):
        raise UserError(f"the training split has {len(train_idx)} images; {n_calib} calibration + {n_select} "
                        "selection images do not fit", "lower --calibration-images")
    perm = np.random.default_rng(CALIBRATION_SEED).permutation(train_idx)
    return np.sort(perm[:n_calib]), np.sort(perm[n_calib:n_calib + n_select])
