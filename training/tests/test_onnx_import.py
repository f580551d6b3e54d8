"""load_rcnn_from_onnx rebuilds the PyTorch network of an exported model: same outputs as the file."""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from helpers import REPO
from training.rcnn_lens_train.config import ModelConfig
from training.rcnn_lens_train.errors import UserError
from training.rcnn_lens_train.export import export_onnx
from training.rcnn_lens_train.model import RCNN
from training.rcnn_lens_train.onnx_import import load_rcnn_from_onnx

TOL = 1e-4
BUNDLED = ["rcnn-cifar10.onnx", "fashion-mnist-lstm.onnx"]
# small networks with random BatchNorm statistics (so the exporter's BN folding matters)
FIXTURES = {
    "gru-bi-attention-ctx": dict(rnn_type="gru", bidirectional=True, head="attention", context_widths=[8],
                                 attention_size=5),
    "lstm-bi-final-snake-2layers": dict(rnn_type="lstm", bidirectional=True, head="final", scan_order="snake",
                                        rnn_layers=2),
    "gru-uni-final-grey-conv": dict(rnn_type="gru", bidirectional=False, head="final", channels=1, color="grey",
                                    stem="conv", mean=[0.5], std=[0.25], scan_order="column_major"),
}


def ort_outputs(path, x):
    import onnxruntime as ort

    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {i.name: x if len(i.shape) == 4 else np.ones((len(x), i.shape[1]), np.float32) for i in s.get_inputs()}
    return dict(zip([o.name for o in s.get_outputs()], s.run(None, feeds)))


def assert_same_outputs(model, path, seed=0):
    cfg = model.cfg
    x = np.random.default_rng(seed).standard_normal((5, cfg.channels, cfg.height, cfg.width), dtype=np.float32)
    got = ort_outputs(path, x)
    with torch.no_grad():
        ref = model(torch.from_numpy(x))
    assert {"logits", "hidden", "step_logits"} <= set(got)
    for name, value in got.items():
        if name in ref:
            diff = float(np.abs(value - ref[name].numpy()).max())
            assert diff <= TOL, f"{name}: max abs diff {diff}"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_model_rebuilds_in_pytorch(name):
    path = REPO / "media" / "models" / name
    model, cfg, meta = load_rcnn_from_onnx(path, verify=False)
    assert cfg.grid == tuple(json.loads(meta["rcnn_lens.grid"]))
    assert cfg.num_classes == len(json.loads(meta["rcnn_lens.labels"]))
    assert not model.training
    assert_same_outputs(model, path)


def random_batchnorm(model: RCNN, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.2)


@pytest.fixture(scope="module", params=list(FIXTURES), ids=list(FIXTURES))
def exported(request, tmp_path_factory):
    torch.manual_seed(0)
    cfg = ModelConfig(**{"height": 16, "width": 16, "widths": [8, 12], "pools": [1, 1], "hidden_size": 6,
                         "num_classes": 4, "context_widths": [], **FIXTURES[request.param]})
    model = RCNN(cfg).eval()
    random_batchnorm(model, seed=1)
    if model.whiten is not None:
        model.whiten.init_whitening(torch.randn(8, cfg.channels, 16, 16))
    path = tmp_path_factory.mktemp("import") / "m.onnx"
    export_onnx(model, path, [f"c{i}" for i in range(4)], "fixture", card={})
    return model, path


def test_fixture_model_rebuilds_with_its_config(exported):
    original, path = exported
    model, cfg, _ = load_rcnn_from_onnx(path)
    assert cfg == original.cfg
    assert_same_outputs(model, path, seed=3)


def test_fixture_model_without_architecture_key_rebuilds_from_the_card(exported, tmp_path):
    """Files written before rcnn_lens.architecture existed: the card's architecture + the contract keys."""
    original, path = exported
    proto = onnx.load(str(path))
    cfg = original.cfg
    arch = {"stem": cfg.stem, "widths": cfg.widths, "pools": cfg.pools, "context_widths": cfg.context_widths,
            "convs_per_stage": cfg.convs_per_stage, "act": cfg.act, "rnn": cfg.rnn_type,
            "hidden_size": cfg.hidden_size, "rnn_layers": cfg.rnn_layers, "bidirectional": cfg.bidirectional,
            "scan_order": cfg.scan_order, "head": cfg.head}
    keep = [(p.key, p.value) for p in proto.metadata_props if p.key != "rcnn_lens.architecture"]
    del proto.metadata_props[:]
    for k, v in keep:
        proto.metadata_props.add(key=k, value=json.dumps({"architecture": arch}) if k.endswith("model_card") else v)
    old = tmp_path / "old.onnx"
    onnx.save(proto, str(old))
    model, got, _ = load_rcnn_from_onnx(old)
    if cfg.head == "attention":  # read off the attention layers' shapes
        assert got.attention_size == cfg.attention_size
    assert_same_outputs(model, old, seed=4)


def _strip_metadata(src, dst, drop):
    proto = onnx.load(str(src))
    keep = [(p.key, p.value) for p in proto.metadata_props if not drop(p.key)]
    del proto.metadata_props[:]
    for k, v in keep:
        proto.metadata_props.add(key=k, value=v)
    onnx.save(proto, str(dst))
    return dst


def test_model_without_metadata_is_refused_clearly(tmp_path):
    src = REPO / "media" / "models" / "rcnn-cifar10.onnx"
    bare = _strip_metadata(src, tmp_path / "bare.onnx", lambda k: True)
    with pytest.raises(UserError, match="not an RCNN Lens model"):
        load_rcnn_from_onnx(bare)
    no_card = _strip_metadata(src, tmp_path / "no-card.onnx", lambda k: k in ("rcnn_lens.model_card",
                                                                                "rcnn_lens.architecture"))
    with pytest.raises(UserError, match="rcnn_lens.model_card is missing"):
        load_rcnn_from_onnx(no_card)


def _older_file(name):
    """A bundled model as files written before rcnn_lens.architecture existed: only the card describes it."""
    proto = onnx.load(str(REPO / "media" / "models" / name))
    keep = [(p.key, p.value) for p in proto.metadata_props if p.key != "rcnn_lens.architecture"]
    del proto.metadata_props[:]
    for k, v in keep:
        proto.metadata_props.add(key=k, value=v)
    return proto


def test_card_without_architecture_is_refused_clearly(tmp_path):
    proto = _older_file("fashion-mnist-lstm.onnx")
    for p in proto.metadata_props:
        if p.key == "rcnn_lens.model_card":
            card = json.loads(p.value)
            del card["architecture"]["widths"]
            p.value = json.dumps(card)
    path = tmp_path / "partial.onnx"
    onnx.save(proto, str(path))
    with pytest.raises(UserError, match="lacks widths"):
        load_rcnn_from_onnx(path)


def test_architecture_that_does_not_fit_the_graph_is_refused(tmp_path):
    proto = _older_file("fashion-mnist-lstm.onnx")
    for p in proto.metadata_props:
        if p.key == "rcnn_lens.model_card":
            card = json.loads(p.value)
            card["architecture"]["widths"] = [16, 64]
            p.value = json.dumps(card)
    path = tmp_path / "lies.onnx"
    onnx.save(proto, str(path))
    with pytest.raises(UserError, match="the graph holds shape"):
        load_rcnn_from_onnx(path)


def test_quantized_variant_and_garbage_are_refused(tmp_path):
    with pytest.raises(UserError, match="quantized variant"):
        load_rcnn_from_onnx(REPO / "media" / "models" / "rcnn-cifar10.int8.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00not onnx at all")
    with pytest.raises(UserError, match="not a readable ONNX file"):
        load_rcnn_from_onnx(junk)
    with pytest.raises(UserError, match="model not found"):
        load_rcnn_from_onnx(tmp_path / "absent.onnx")


def test_v2_model_rebuilds_with_its_neutral_vector_and_gates():
    """A re-exported (v2) file: masked steps and gates of the rebuilt model match onnxruntime too."""
    import onnxruntime as ort

    path = REPO / "media" / "models" / "rcnn-cifar10.onnx"
    model, cfg, _ = load_rcnn_from_onnx(path)
    assert float(model.step_neutral.abs().sum()) > 0
    x = np.random.default_rng(9).standard_normal((3, 3, 32, 32), dtype=np.float32)
    mask = np.ones((3, 64), np.float32)
    mask[0, 10], mask[1, :32] = 0, 0
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = dict(zip([o.name for o in s.get_outputs()], s.run(None, {"image": x, "step_mask": mask})))
    with torch.no_grad():
        ref = model(torch.from_numpy(x), torch.from_numpy(mask), gates=True)
    for name in ("logits", "attention", "gates"):
        assert float(np.abs(got[name] - ref[name].numpy()).max()) <= TOL, name


def test_a_constant_that_would_take_terabytes_is_not_evaluated(tmp_path):
    """Hostile file: a ConstantOfShape of 2^40 floats (unused) must not be materialised by the loader."""
    from onnx import TensorProto, helper

    proto = onnx.load(str(REPO / "media" / "models" / "fashion-mnist-lstm.onnx"))
    proto.graph.initializer.append(helper.make_tensor("huge_shape", TensorProto.INT64, [1], [1 << 40]))
    proto.graph.node.append(helper.make_node("ConstantOfShape", ["huge_shape"], ["huge"]))
    path = tmp_path / "huge.onnx"
    onnx.save(proto, str(path))
    model, _, _ = load_rcnn_from_onnx(path, verify=False)
    assert model.cfg.rnn_type == "lstm"


def test_architecture_key_that_does_not_fit_the_graph_is_refused(tmp_path):
    proto = onnx.load(str(REPO / "media" / "models" / "fashion-mnist-lstm.onnx"))
    for p in proto.metadata_props:
        if p.key == "rcnn_lens.architecture":
            arch = json.loads(p.value)
            arch["hidden_size"] = 32
            p.value = json.dumps(arch)
    path = tmp_path / "lies.onnx"
    onnx.save(proto, str(path))
    with pytest.raises(UserError, match="hidden_size 96, metadata says 32|the graph holds shape"):
        load_rcnn_from_onnx(path)
