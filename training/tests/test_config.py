"""Model config details that a checkpoint or an export relies on."""
from __future__ import annotations

import dataclasses

import torch

from training.rcnn_lens_train.config import ModelConfig, model_config_from_checkpoint
from training.rcnn_lens_train.model import RCNN


def test_checkpoint_from_before_context_stages_rebuilds_the_old_network():
    saved = dataclasses.asdict(ModelConfig(context_widths=[]))
    del saved["context_widths"]  # what a checkpoint written before the key existed holds
    cfg = model_config_from_checkpoint(saved)
    assert cfg.context_widths == []
    assert RCNN(cfg).context is None
    # today's checkpoints keep their value
    assert model_config_from_checkpoint(dataclasses.asdict(ModelConfig(context_widths=[16]))).context_widths == [16]


def test_context_stage_widens_every_timestep_input_and_sees_the_whole_image():
    # seeded: with some random inits every ReLU on the path from the corner can be off, and the
    # context difference is 0 (it failed once this way when run after other tests)
    torch.manual_seed(0)
    cfg = ModelConfig(height=16, width=16, widths=[4, 8], pools=[1, 1], convs_per_stage=1, stem="conv",
                      context_widths=[6], hidden_size=4, attention_size=4)
    model = RCNN(cfg).eval()
    x = torch.zeros(1, 3, 16, 16)
    seq = model.sequence(x)
    assert seq.shape == (1, 16, 8 + 6)  # 4x4 grid, grid features + upsampled context features
    # a change in the top-left corner reaches the context part of the bottom-right cell's input
    # (and not the bottom-right cell's own local features, whose receptive field is smaller)
    y = x.clone()
    y[..., :2, :2] = 5.0
    with torch.no_grad():
        d = (model.sequence(y) - seq)[0, -1]
    assert torch.all(d[:8] == 0)
    assert d[8:].abs().max() > 0
