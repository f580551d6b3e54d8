"""Would a quantized GRU help? onnxruntime's quantizer has no GRU operator, so this rewrites the model's
bidirectional GRU node as plain ONNX ops (one MatMul for the input projection of every timestep, then per
step and direction a MatMul with the recurrent weights and the gate arithmetic), checks the rewrite against
the original, quantizes the rewritten model three ways and measures each against the shipped variants.

    python3 scripts/int8_unrolled_gru.py media/models/rcnn-cifar10.onnx [--work /tmp/rl-gru] [--seconds 2]

Variants: unrolled fp32; int8 convs + the input projection; int8 convs + every GRU MatMul (recurrent ones
too). Calibration and the validation split as in training/rcnn_lens_train/export_int8.py (percentile, 512
training images). Exploration only: nothing here is used by the exporter.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def constant_inputs(model_path: Path, names: list[str]) -> list[np.ndarray]:
    """The values of computed-but-constant tensors (the GRU's reordered W and R) by running the model once."""
    import onnxruntime as ort

    m = onnx.load(str(model_path))
    for n in names:
        m.graph.output.append(helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None))
    s = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.zeros([1, *s.get_inputs()[0].shape[1:]], np.float32)
    return s.run(names, {s.get_inputs()[0].name: x})


def unroll(model_path: Path, out: Path) -> dict:
    m = onnx.load(str(model_path))
    gru = next(n for n in m.graph.node if n.op_type == "GRU")
    attrs = {a.name: helper.get_attribute_value(a) for a in gru.attribute}
    assert attrs["direction"] == b"bidirectional" and attrs.get("linear_before_reset") == 1 and attrs.get("layout", 0) == 0
    x_name, w_name, r_name, b_name, _, h0_name = gru.input
    w, r = constant_inputs(model_path, [w_name, r_name])
    b = numpy_helper.to_array(next(i for i in m.graph.initializer if i.name == b_name))
    H = attrs["hidden_size"]
    T = 64  # the grid's timesteps (rcnn_lens.grid); the unrolled graph is fixed to them
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr, np.float32), name))
        return name

    def node(op, ins, outs, **kw):
        nodes.append(helper.make_node(op, ins, outs, name=outs[0] + "_" + op, **kw))
        return outs

    wt = const("gru_w_all", np.concatenate([w[0].T, w[1].T], axis=1))  # [I, 2*3H]
    wb = const("gru_wb_all", np.concatenate([b[0, :3 * H], b[1, :3 * H]]))
    xw, = node("MatMul", [x_name, wt], ["gru_xw_raw"])
    xw, = node("Add", [xw, wb], ["gru_xw"])  # [T, B, 6H]
    inits.append(numpy_helper.from_array(np.array([3 * H, 3 * H], np.int64), "gru_split_dir"))
    inits.append(numpy_helper.from_array(np.array([2 * H, H], np.int64), "gru_split_gates"))
    inits.append(numpy_helper.from_array(np.array([H, H], np.int64), "gru_split_zr"))
    inits.append(numpy_helper.from_array(np.ones(T, np.int64), "gru_split_t"))
    inits.append(numpy_helper.from_array(np.array([1, 1], np.int64), "gru_split_h0"))
    per_dir = node("Split", [xw, "gru_split_dir"], ["gru_x_f", "gru_x_b"], axis=2)
    h0 = node("Split", [h0_name, "gru_split_h0"], ["gru_h0_f", "gru_h0_b"], axis=0)
    ys = []
    for d, tag in enumerate("fb"):
        steps = node("Split", [per_dir[d], "gru_split_t"], [f"gru_x{tag}{t}" for t in range(T)], axis=0)
        rt = const(f"gru_r_{tag}", r[d].T)  # [H, 3H]
        rb = const(f"gru_rb_{tag}", b[d, 3 * H:])
        h = h0[d]
        outs = [None] * T
        for t in (range(T) if d == 0 else range(T - 1, -1, -1)):
            p = f"gru_{tag}{t}_"
            hr, = node("MatMul", [h, rt], [p + "hr_raw"])
            hr, = node("Add", [hr, rb], [p + "hr"])
            xzr, xh = node("Split", [steps[t], "gru_split_gates"], [p + "xzr", p + "xh"], axis=2)
            hzr, hh = node("Split", [hr, "gru_split_gates"], [p + "hzr", p + "hh"], axis=2)
            zr, = node("Sigmoid", [node("Add", [xzr, hzr], [p + "zr_in"])[0]], [p + "zr"])
            z, rr = node("Split", [zr, "gru_split_zr"], [p + "z", p + "r"], axis=2)
            n, = node("Tanh", [node("Add", [xh, node("Mul", [rr, hh], [p + "rh"])[0]], [p + "n_in"])[0]], [p + "n"])
            dh, = node("Sub", [h, n], [p + "dh"])
            h, = node("Add", [n, node("Mul", [z, dh], [p + "zdh"])[0]], [p + "h"])
            outs[t] = h
        ys.append(node("Concat", outs, [f"gru_y_{tag}"], axis=0)[0])  # [T, B, H]
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "gru_axis1"))
    yf, = node("Unsqueeze", [ys[0], "gru_axis1"], ["gru_y_f4"])
    yb, = node("Unsqueeze", [ys[1], "gru_axis1"], ["gru_y_b4"])
    node("Concat", [yf, yb], [gru.output[0]], axis=1)
    at = list(m.graph.node).index(gru)
    new_nodes = list(m.graph.node)[:at] + nodes + list(m.graph.node)[at + 1:]
    del m.graph.node[:]
    m.graph.node.extend(new_nodes)
    m.graph.initializer.extend(inits)
    onnx.save(m, str(out))
    return {"input_projection": "gru_xw_raw", "recurrent": [n.output[0] for n in nodes if n.op_type == "MatMul"][1:]}


def quantize(src: Path, out: Path, x_calib: np.ndarray, nodes_to_quantize: list[str] | None):
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    from training.rcnn_lens_train.quantize import _Batches

    quantize_static(str(src), str(out), _Batches("image", x_calib), quant_format=QuantFormat.QDQ,
                    op_types_to_quantize=["Conv", "MatMul"], per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.Percentile,
                    nodes_to_quantize=nodes_to_quantize, extra_options={"CalibPercentile": 99.999})


def speed(models: dict[str, Path], x: np.ndarray, seconds: float, rounds: int = 3) -> dict[str, float]:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = 2, 1
    sessions = {k: ort.InferenceSession(str(p), so, providers=["CPUExecutionProvider"]) for k, p in models.items()}
    got: dict[str, list[float]] = {k: [] for k in models}
    for _ in range(rounds):  # interleaved: the machine is shared
        for k, s in sessions.items():
            s.run(["logits"], {"image": x})
            n, t = 0, time.perf_counter()
            while time.perf_counter() - t < seconds:
                s.run(["logits"], {"image": x})
                n += len(x)
            got[k].append(n / (time.perf_counter() - t))
    return {k: statistics.median(v) for k, v in got.items()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--work", default="/tmp/rl-gru")
    p.add_argument("--seconds", type=float, default=2.0)
    a = p.parse_args(argv)
    from training.rcnn_lens_train.export import read_metadata
    from training.rcnn_lens_train.export_int8 import _data_for
    from training.rcnn_lens_train.quantize import calibration_sample, parity, run_all, top1

    fp32, work = Path(a.model).resolve(), Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(REPO)  # the card's data path is relative to the repository
    meta = read_metadata(fp32)
    _, tr, pre, xva, yva = _data_for(meta, json.loads(meta["rcnn_lens.model_card"]), None)
    x_calib = pre(calibration_sample(tr, 512, 0)[0])
    unrolled = work / "unrolled-fp32.onnx"
    names = unroll(fp32, unrolled)
    models = {"fp32 (GRU operator)": fp32, "fp32 unrolled": unrolled,
              "int8 shipped (GRU operator fp32)": fp32.with_name(fp32.name[:-5] + ".int8.onnx")}
    conv_nodes = [n.name for n in onnx.load(str(unrolled)).graph.node if n.op_type == "Conv"]
    mm = {n.output[0]: n.name for n in onnx.load(str(unrolled)).graph.node if n.op_type == "MatMul"}
    for label, extra in (("int8 convs + GRU input projection", [mm[names["input_projection"]]]),
                         ("int8 convs + all GRU MatMuls", [mm[names["input_projection"]], *[mm[o] for o in names["recurrent"]]])):
        out = work / (label.replace(" ", "-").replace("+", "") + ".onnx")
        quantize(unrolled, out, x_calib, conv_nodes + extra)
        models[label] = out
    ref = run_all(fp32, xva)
    print("| model | img/s (batch 64, 2 threads) | val accuracy | top-1 agreement with fp32 | logits max / mean abs Δ |")
    print("|---|---|---|---|---|")
    ips = speed(models, xva[:64], a.seconds)
    for k, path in models.items():
        got = run_all(path, xva)
        par = parity(ref, got)["logits"]
        print(f"| {k} | {ips[k]:.0f} | {100 * (top1(got) == yva).mean():.2f}% | {100 * (top1(got) == top1(ref)).mean():.2f}% "
              f"| {par['max_abs']:.4f} / {par['mean_abs']:.5f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
