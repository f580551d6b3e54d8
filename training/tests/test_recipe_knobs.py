"""The BatchNorm / initialisation knobs of the recipe and the diagnostic `pool` head."""
import pytest
import torch
import torch.nn as nn

from training.rcnn_lens_train.config import ModelConfig
from training.rcnn_lens_train.errors import UserError
from training.rcnn_lens_train.export import export_onnx
from training.rcnn_lens_train.model import RCNN, configure_batchnorm, dirac_init
from training.rcnn_lens_train.train import param_groups


def small_cfg(**kw) -> ModelConfig:
    base = dict(height=16, width=16, widths=[8, 16], pools=[1, 1], context_widths=[], hidden_size=8, num_classes=3)
    return ModelConfig(**{**base, **kw})


def test_frozen_bn_scale_and_momentum_reach_every_batchnorm():
    model = RCNN(small_cfg(context_widths=[16]))
    configure_batchnorm(model, momentum=0.4, learn_scale=False)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bns) == 6  # 2 stages x 2 convs + 1 context stage x 2 convs
    assert all(m.momentum == 0.4 and not m.weight.requires_grad and m.bias.requires_grad for m in bns)
    # a frozen scale stays exactly 1 through a training step
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    model(torch.randn(4, 3, 16, 16))["logits"].sum().backward()
    opt.step()
    assert all(torch.equal(m.weight, torch.ones_like(m.weight)) for m in bns)


def test_dirac_init_makes_the_first_filters_identities():
    torch.manual_seed(0)
    model = RCNN(small_cfg())
    dirac_init(model)
    convs = [m for m in model.cnn.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
    assert convs
    for c in convs:
        w = c.weight.detach()
        n = min(w.shape[0], w.shape[1])
        x = torch.randn(1, w.shape[1], 6, 6)
        y = torch.nn.functional.conv2d(x, w[:n], padding=1)
        assert torch.allclose(y, x[:, :n]), "filter i must pass input channel i through unchanged"
        if w.shape[0] > n:  # the remaining filters keep their random init
            assert w[n:].abs().sum() > 0
    # the frozen whitening stem is not touched
    assert not any(p.requires_grad for p in model.whiten.parameters())


def test_bn_shift_learning_rate_gets_its_own_group_only_when_scaled():
    model = RCNN(small_cfg())
    configure_batchnorm(model, 0.1, learn_scale=False)
    assert len(param_groups(model, 1e-3, 0.1, 0.25)) == 3
    groups = param_groups(model, 1e-3, 0.1, 0.25, bn_bias_lr_scale=64.0)
    assert len(groups) == 4
    bn_biases = {id(m.bias) for m in model.modules() if isinstance(m, nn.BatchNorm2d)}
    g = groups[3]
    assert g["lr_scale"] == 64.0 and g["weight_decay"] == 0.0
    assert {id(p) for p in g["params"]} == bn_biases
    # every trainable parameter is in exactly one group
    ids = [id(p) for gr in groups for p in gr["params"]]
    assert len(ids) == len(set(ids)) == sum(1 for p in model.parameters() if p.requires_grad)


def test_pool_head_is_a_diagnostic_that_export_refuses(tmp_path):
    model = RCNN(small_cfg(context_widths=[16], head="pool")).eval()
    out = model(torch.randn(2, 3, 16, 16))
    assert set(out) == {"logits"} and out["logits"].shape == (2, 3)
    with pytest.raises(UserError, match="training diagnostic"):
        export_onnx(model, tmp_path / "m.onnx", ["a", "b", "c"], "m")
