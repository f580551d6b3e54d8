"""Read an exported RCNN's parameters back out of its ONNX graph (the other half of `onnx_import`).

The dynamo exporter renames and rewrites weights: each BatchNorm is folded into the conv before it
(the conv gains a `<name>_bias`), Linear weights become anonymous transposed MatMul constants and the
RNN's gate blocks are re-ordered into ONNX's order by Slice/Concat nodes. So parameters are found by
the graph's structure (Conv nodes in execution order, the GRU/LSTM nodes, the MatMuls that make the
`step_logits` and the attention), with constant sub-graphs evaluated, not by initializer names.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

from .errors import UserError


# ops that only move or select values: evaluating them cannot make a tensor much larger than the file
# (ConstantOfShape, Expand or Tile in a hostile file could ask for gigabytes, so they are never evaluated)
FOLDABLE_OPS = {"Constant", "Slice", "Concat", "Unsqueeze", "Squeeze", "Transpose", "Reshape", "Identity", "Cast",
                "Gather"}


def constant_values(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """Every tensor of the graph that does not depend on the inputs and that FOLDABLE_OPS compute,
    evaluated (initializers, Constant nodes, e.g. the Slice/Concat that re-order RNN gates)."""
    from onnx.reference import ReferenceEvaluator

    values = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for node in graph.node:
        ins = [n for n in node.input if n]
        if node.op_type not in FOLDABLE_OPS or node.domain not in ("", "ai.onnx"):
            continue
        if node.op_type == "Constant" or (ins and all(n in values for n in ins)):
            out = ReferenceEvaluator(node).run(None, {n: values[n] for n in ins})
            values.update(zip(node.output, out))
    return values


class GraphReader:
    """Looks up producers, consumers and constant values of an ONNX graph."""

    def __init__(self, proto: onnx.ModelProto):
        self.graph = proto.graph
        self.values = constant_values(self.graph)
        self.producer = {o: n for n in self.graph.node for o in n.output}
        self.consumers: dict[str, list[onnx.NodeProto]] = {}
        for n in self.graph.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)

    def nodes(self, op_type: str) -> list[onnx.NodeProto]:
        return [n for n in self.graph.node if n.op_type == op_type]

    def const(self, name: str) -> np.ndarray | None:
        return self.values.get(name) if name else None

    def linear_producing(self, tensor: str) -> tuple[np.ndarray, np.ndarray | None]:
        """(weight [out, in], bias or None) of the Linear layer whose output is `tensor`:
        Add(MatMul(x, W), b), MatMul(x, W) or Gemm(x, W, b)."""
        node = self.producer.get(tensor)
        bias = None
        if node is not None and node.op_type == "Add":
            consts = [self.const(i) for i in node.input]
            bias = next((c for c in consts if c is not None), None)
            node = next((self.producer.get(i) for i, c in zip(node.input, consts) if c is None), None)
        if node is not None and node.op_type == "MatMul" and self.const(node.input[1]) is not None:
            return self.const(node.input[1]).T, bias
        if node is not None and node.op_type == "Gemm" and self.const(node.input[1]) is not None:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            w = self.const(node.input[1])
            w = w if attrs.get("transB", 0) else w.T
            b = self.const(node.input[2]) if len(node.input) > 2 else None
            return w, b
        raise UserError(f"cannot find the linear layer that computes {tensor!r} in the ONNX graph",
                        "the file was not written by the RCNN Lens exporter (or by a version it does not know)")


# ONNX gate order -> PyTorch gate order, as block indices (ONNX: GRU z,r,h; LSTM i,o,f,c)
TORCH_GATE_BLOCKS = {"GRU": [1, 0, 2], "LSTM": [0, 2, 3, 1]}


def _reorder(w: np.ndarray, op: str) -> np.ndarray:
    blocks = np.split(w, len(TORCH_GATE_BLOCKS[op]), axis=0)
    return np.concatenate([blocks[i] for i in TORCH_GATE_BLOCKS[op]], axis=0)


def rnn_state(reader: GraphReader, op: str, layers: int, hidden: int) -> dict[str, np.ndarray]:
    """nn.GRU / nn.LSTM state dict (without the `rnn.` prefix) from the graph's GRU/LSTM nodes."""
    nodes = reader.nodes(op)
    if len(nodes) != layers:
        raise UserError(f"the metadata says {layers} {op} layer(s) but the graph has {len(nodes)} {op} node(s)")
    state = {}
    for layer, node in enumerate(nodes):
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("hidden_size") != hidden:
            raise UserError(f"{op} node {layer} has hidden_size {attrs.get('hidden_size')}, metadata says {hidden}")
        if op == "GRU" and attrs.get("linear_before_reset", 0) != 1:
            raise UserError("the GRU node does not use linear_before_reset=1, which PyTorch's GRU needs")
        w, r = reader.const(node.input[1]), reader.const(node.input[2])
        b = reader.const(node.input[3]) if len(node.input) > 3 else None
        if w is None or r is None:
            raise UserError(f"{op} node {layer}: its weights are not constants of the graph")
        for d in range(w.shape[0]):
            suffix = f"_l{layer}" + ("_reverse" if d == 1 else "")
            state["weight_ih" + suffix] = _reorder(w[d], op)
            state["weight_hh" + suffix] = _reorder(r[d], op)
            bd = b[d] if b is not None else np.zeros(2 * w.shape[1], np.float32)
            half = len(bd) // 2
            state["bias_ih" + suffix] = _reorder(bd[:half], op)
            state["bias_hh" + suffix] = _reorder(bd[half:], op)
    return state


def conv_layers(reader: GraphReader) -> list[tuple[np.ndarray, np.ndarray | None, dict | None]]:
    """(weight, bias, batchnorm or None) of every Conv node in execution order. `batchnorm` holds the
    parameters of a BatchNormalization node right after the conv (an exporter that did not fold it)."""
    out = []
    for node in reader.nodes("Conv"):
        w = reader.const(node.input[1])
        if w is None:
            raise UserError("a Conv node's weight is not a constant of the graph")
        b = reader.const(node.input[2]) if len(node.input) > 2 else None
        bn = None
        after = reader.consumers.get(node.output[0], [])
        if len(after) == 1 and after[0].op_type == "BatchNormalization":
            n = after[0]
            eps = next((a.f for a in n.attribute if a.name == "epsilon"), 1e-5)
            scale, shift, mean, var = (reader.const(i) for i in n.input[1:5])
            bn = {"weight": scale, "bias": shift, "running_mean": mean, "running_var": var, "eps": eps}
        out.append((w, b, bn))
    return out
