"""The graph the int8 variant is quantized from, and which of its nodes get int8.

onnxruntime's quantizer has no GRU or LSTM operator, so a model with the native RNN operator keeps the
whole RNN in fp32. Most of the RNN's cost is its input projection (W_ih x at every step: D x G·H per step,
against H x G·H for the recurrent product; the bundled model has D = 512, H = 96). So the variant is made
from the same weights with the RNN unrolled (unrolled_rnn.py): each direction's input projection becomes
one MatMul over all steps, which quantizes like a convolution. The per-step recurrent products stay fp32:
a quantize/dequantize pair at every step costs more than their small int8 products save
(docs/benchmarks.md, "The int8 variant").

A model the ONNX importer cannot rebuild in PyTorch (a composed BYO model, say) is quantized as it is,
with its RNN operator in fp32.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

NATIVE_RNN = "the GRU/LSTM operator stays fp32 (onnxruntime has no int8 kernel for it)"
UNROLLED_RNN = "unrolled RNN: input projections int8, the per-step recurrent products fp32"


@dataclass
class QuantizationGraph:
    path: Path
    # node names to quantize; None = every Conv, MatMul and Gemm
    nodes: list[str] | None
    rnn: str


def quantization_graph(fp32: Path, work: Path, log=print) -> QuantizationGraph:
    """The unrolled, constant-folded copy of `fp32` in `work` with the nodes worth quantizing, or `fp32`
    itself when its RNN cannot be rebuilt."""
    from .export import export_onnx
    from .onnx_import import load_rcnn_from_onnx
    from .unrolled_rnn import unroll_rnn

    try:
        model, cfg, meta = load_rcnn_from_onnx(fp32)
    except UserError as e:
        log(f"int8: quantizing the graph as it is ({e.args[0] if e.args else e}); {NATIVE_RNN}")
        return QuantizationGraph(fp32, None, NATIVE_RNN)
    unroll_rnn(model)
    unrolled, folded = work / "unrolled.onnx", work / "unrolled-folded.onnx"
    ablation = json.loads(meta["rcnn_lens.ablation"]) if "rcnn_lens.ablation" in meta else None
    log("int8: exporting the RNN unrolled, so that its input projections can be quantized")
    export_onnx(model, unrolled, json.loads(meta["rcnn_lens.labels"]), meta.get("rcnn_lens.name", "model"), card={},
                outputs=_output_names(fp32), ablation=ablation)
    _fold_constants(unrolled, folded)
    return QuantizationGraph(folded, nodes_to_quantize(folded, cfg.hidden_size), UNROLLED_RNN)


def _output_names(path: Path) -> list[str]:
    import onnx

    return [o.name for o in onnx.load(str(path), load_external_data=False).graph.output]


def _fold_constants(src: Path, dst: Path) -> None:
    """onnxruntime's basic, provider-independent optimisations, saved: the unrolled graph transposes its
    weights at every step, and the quantizer only gives per-channel int8 to weights that are initializers."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.optimized_model_filepath = str(dst)
    ort.InferenceSession(str(src), so, providers=["CPUExecutionProvider"])


def nodes_to_quantize(path: Path, hidden_size: int) -> list[str]:
    """Conv, and MatMul/Gemm with a constant weight, except the recurrent products: the state of every
    direction [D, B, H] times their weights [D, H, k·H] (D = 1 or 2 directions, k = 3 gates for GRU, 4 for
    LSTM; unrolled_rnn.py)."""
    import onnx
    from onnx import shape_inference

    proto = shape_inference.infer_shapes(onnx.load(str(path)))
    weights = {i.name: list(i.dims) for i in proto.graph.initializer}
    ranks = {v.name: len(v.type.tensor_type.shape.dim) for v in [*proto.graph.value_info, *proto.graph.input]}
    out = []
    for n in proto.graph.node:
        if n.op_type == "Conv":
            out.append(n.name)
        elif n.op_type in ("MatMul", "Gemm") and n.input[1] in weights:
            w = weights[n.input[1]]
            recurrent = (ranks.get(n.input[0]) == 3 and len(w) == 3 and w[0] in (1, 2) and w[1] == hidden_size
                         and w[2] in (3 * hidden_size, 4 * hidden_size))
            if not recurrent:
                out.append(n.name)
    if not all(out):
        raise RuntimeError("the graph to quantize has unnamed nodes")
    return out
