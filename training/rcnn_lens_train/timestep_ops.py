"""Contract v2's explanation tensors: the `step_mask` ablation of RNN inputs and the `gates` output.

- `mask_steps`: where `step_mask[b, t]` is 0 the RNN reads a neutral vector (the mean training
  feature vector) instead of the CNN's feature at step t. `seq * m + neutral * (1 - m)` keeps an
  all-ones mask exact (x * 1 + n * 0 == x in floating point), so a v2 model with an all-ones mask
  computes the same outputs as the v1 graph.
- `rnn_gates`: the GRU update gate z (per direction) or the LSTM input and forget gates (i, f per
  direction) at every step, recomputed from the RNN's inputs and the `hidden` output (the previous
  step's state of each direction). This is exact for a one-layer RNN, whose inputs are the sequence.
"""
from __future__ import annotations

import torch
import torch.nn as nn


def mask_steps(seq: torch.Tensor, mask: torch.Tensor, neutral: torch.Tensor) -> torch.Tensor:
    """seq [B, L, C], mask [B, L] (1 = keep, 0 = neutral), neutral [C]."""
    m = mask.to(seq.dtype).unsqueeze(-1)
    return seq * m + neutral * (1.0 - m)


def _previous_states(hidden: torch.Tensor, hs: int, reverse: bool) -> torch.Tensor:
    """The state each direction held before reading step t (zeros before its first step)."""
    zero = torch.zeros_like(hidden[:, :1, :hs])
    if reverse:  # the backward direction reads L-1 .. 0: before step t it held its state after step t+1
        return torch.cat([hidden[:, 1:, hs:2 * hs], zero], dim=1)
    return torch.cat([zero, hidden[:, :-1, :hs]], dim=1)


def rnn_gates(rnn: nn.RNNBase, seq: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    """[B, L, G] for a one-layer nn.GRU (G = H per direction: z) or nn.LSTM (G = 2H per direction: i, f),
    directions concatenated (forward first). PyTorch's gate blocks: GRU r, z, n; LSTM i, f, g, o."""
    if rnn.num_layers != 1:
        raise ValueError("gates are exact for a one-layer RNN only")
    hs = rnn.hidden_size
    blocks = [1] if isinstance(rnn, nn.GRU) else [0, 1]
    out = []
    for d, suffix in enumerate(["_l0", "_l0_reverse"][: 2 if rnn.bidirectional else 1]):
        h_prev = _previous_states(hidden, hs, reverse=d == 1)
        w_ih, w_hh = getattr(rnn, "weight_ih" + suffix), getattr(rnn, "weight_hh" + suffix)
        b_ih, b_hh = getattr(rnn, "bias_ih" + suffix), getattr(rnn, "bias_hh" + suffix)
        for k in blocks:
            rows = slice(k * hs, (k + 1) * hs)
            pre = seq @ w_ih[rows].T + b_ih[rows] + h_prev @ w_hh[rows].T + b_hh[rows]
            out.append(torch.sigmoid(pre))
    return torch.cat(out, dim=-1)


def gates_width(rnn_type: str, hidden_size: int, bidirectional: bool) -> int:
    return hidden_size * (2 if bidirectional else 1) * (1 if rnn_type == "gru" else 2)
