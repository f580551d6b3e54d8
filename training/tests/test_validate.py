"""`python3 -m training.validate` says what the extension says: the same problems, in the same words, as
src/core/model/contract.ts's validateContract (run in node) for a set of broken models."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import onnx
import pytest
import torch

from training.rcnn_lens_train.config import ModelConfig
from training.rcnn_lens_train.export import export_onnx
from training.rcnn_lens_train.extension_contract import _signature, check_model
from training.rcnn_lens_train.model import RCNN

from helpers import REPO

TINY = ModelConfig(height=16, width=16, widths=[8, 16], pools=[1, 1], context_widths=[], hidden_size=8,
                   attention_size=8, convs_per_stage=1, num_classes=3)
# metadata changes (None deletes the key) -> a broken model each
BROKEN = {
    "labels-missing": {"rcnn_lens.labels": None},
    "labels-duplicate": {"rcnn_lens.labels": '["a", "a", "b"]'},
    "labels-not-json": {"rcnn_lens.labels": "[a, b"},
    "grid-bad": {"rcnn_lens.grid": "[4, 0]"},
    "scan-bad": {"rcnn_lens.scan_order": "zigzag"},
    "channels-2": {"rcnn_lens.input": '{"channels": 2, "height": 16, "width": 16}'},
    "color-mismatch": {"rcnn_lens.input": '{"channels": 3, "height": 16, "width": 16, "color": "grey"}'},
    "height-mismatch": {"rcnn_lens.input": '{"channels": 3, "height": 20, "width": 16, "color": "rgb"}'},
    "huge-input": {"rcnn_lens.input": '{"channels": 3, "height": 4096, "width": 4096}'},
    "std-zero": {"rcnn_lens.preprocess": '{"resize": "center_crop", "mean": [0, 0, 0], "std": [1, 0, 1]}'},
    "std-tiny": {"rcnn_lens.preprocess": '{"resize": "stretch", "mean": [0, 0, 0], "std": [1, 1e-9, 1]}'},
    "mean-huge": {"rcnn_lens.preprocess": '{"resize": "letterbox", "mean": [0, 5000, 0], "std": [1, 1, 1]}'},
    "resize-bad": {"rcnn_lens.preprocess": '{"resize": "crop", "mean": [0, 0], "std": [1, 1, 1]}'},
    "rnn-bad": {"rcnn_lens.rnn": '{"type": "rnn", "hidden_size": 8.5, "layers": 0, "bidirectional": "yes"}'},
    "rnn-width": {"rcnn_lens.rnn": '{"type": "gru", "hidden_size": 9, "bidirectional": true}'},
    "head-bad": {"rcnn_lens.head": "pool"},
    "final-without-attention-ok": {"rcnn_lens.head": "final"},
    "card-bad": {"rcnn_lens.model_card": "[1, 2]"},
    "quantization-bad": {"rcnn_lens.quantization": '{"precision": "int4"}'},
    "version-1-with-v2-tensors": {"rcnn_lens.contract": "1"},
    "ablation-missing": {"rcnn_lens.ablation": None},
    "ablation-not-json": {"rcnn_lens.ablation": "{neutral"},
    "ablation-no-neutral": {"rcnn_lens.ablation": '{"images": 10}'},
    "gates-width-lstm": {"rcnn_lens.rnn": '{"type": "lstm", "hidden_size": 8, "layers": 1, "bidirectional": false}'},
    "no-metadata": "all",
}


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("validate") / "tiny.onnx"
    # a contract v2 model like the bundled ones: step_mask input and gates output
    export_onnx(RCNN(TINY), path, ["a", "b", "c"], "tiny", card={"dataset": "none"},
                ablation={"neutral": "zeros", "images": 0})
    return path


def broken_model(src, dst, change) -> None:
    proto = onnx.load(str(src))
    props = {p.key: p.value for p in proto.metadata_props}
    props = {} if change == "all" else {**props, **change}
    del proto.metadata_props[:]
    for k, v in props.items():
        if v is not None:
            e = proto.metadata_props.add()
            e.key, e.value = k, v
    onnx.save(proto, str(dst))


def extension_problems(models, tmp_path) -> list:
    if shutil.which("node") is None or not (REPO / "node_modules" / ".bin" / "esbuild").exists():
        pytest.skip("node or esbuild (npm ci) is missing")
    bundle = tmp_path / "contract.mjs"
    subprocess.run([str(REPO / "node_modules" / ".bin" / "esbuild"), str(REPO / "src/core/model/contract.ts"),
                    "--bundle", "--format=esm", "--platform=node", f"--outfile={bundle}", "--log-level=error"],
                   check=True)
    cases = []
    for path in models:
        proto = onnx.load(str(path))
        inits = {i.name for i in proto.graph.initializer}
        cases.append({"path": str(path), "metadata": {m.key: m.value for m in proto.metadata_props},
                      "inputs": _signature(i for i in proto.graph.input if i.name not in inits),
                      "outputs": _signature(proto.graph.output)})
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    out = subprocess.run(["node", str(REPO / "training/tests/contract_node_runner.mjs"), str(bundle),
                          str(tmp_path / "cases.json")], capture_output=True, text=True, check=True)
    return [[tuple(p) for p in case] for case in json.loads(out.stdout)]



def test_problems_are_the_extensions_word_for_word(tiny_onnx, tmp_path):
    models = [tiny_onnx]
    for name, change in BROKEN.items():
        models.append(tmp_path / f"{name}.onnx")
        broken_model(tiny_onnx, models[-1], change)
    ours = [check_model(m, run=False)[0] for m in models]
    assert ours[0] == [] and ours[BROKEN_INDEX("final-without-attention-ok")] == []
    assert all(ours[i + 1] for i, n in enumerate(BROKEN) if n != "final-without-attention-ok")
    assert ours == extension_problems(models, tmp_path)


def BROKEN_INDEX(name: str) -> int:
    return list(BROKEN).index(name) + 1


def test_cli_prints_the_extensions_error_and_exit_code(tiny_onnx, tmp_path):
    bad = tmp_path / "bad.onnx"
    broken_model(tiny_onnx, bad, BROKEN["labels-duplicate"])
    r = subprocess.run([sys.executable, "-m", "training.validate", str(bad)], capture_output=True, text=True,
                       cwd=str(REPO))
    assert r.returncode == 1
    assert r.stdout.splitlines() == [f"{bad} does not follow the RCNN Lens model contract:",
                                     "  - rcnn_lens.labels: contains duplicate class names"]
    ok = subprocess.run([sys.executable, "-m", "training.validate", str(tiny_onnx)],
                        capture_output=True, text=True, cwd=str(REPO))
    assert ok.returncode == 0 and "follows the RCNN Lens model contract" in ok.stdout


def test_warm_up_catches_outputs_that_lie_about_their_size(tmp_path):
    """A logits output declared with a symbolic K that really returns another count is refused, as the
    extension's warm-up (checkWarmUpOutputs) refuses it."""
    torch.manual_seed(0)
    path = tmp_path / "tiny.onnx"
    export_onnx(RCNN(TINY), path, ["a", "b", "c"], "tiny", card={})
    proto = onnx.load(str(path))
    for o in proto.graph.output:
        if o.name in ("logits", "step_logits"):
            o.type.tensor_type.shape.dim[-1].dim_param = "K"
    for p in proto.metadata_props:
        if p.key == "rcnn_lens.labels":
            p.value = '["a", "b", "c", "d"]'
    onnx.save(proto, str(path))
    problems, _ = check_model(path)
    assert ('output "logits"', "has 3 values for one image, expected K = 4 (one per label)") in problems
