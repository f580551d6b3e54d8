"""A training-time forward for nn.GRU / nn.LSTM (1+ layers, uni/bidirectional, batch_first).

Same parameters and the same maths as PyTorch's modules (gate order r,z,n for GRU, i,f,g,o for
LSTM), but written so that a CPU step costs few, large operations: the input projection of all
timesteps is one matmul, and both directions advance together with one batched matmul per step.
PyTorch's generic CPU RNN path issues many tiny ops per step, which is slow on 2 (shared) cores.
Export always uses the stock module (-> ONNX GRU/LSTM operator); tests check both agree.
"""
from __future__ import annotations

import torch
import torch.nn as nn


def _layer_weights(rnn: nn.RNNBase, layer: int):
    sfx = ["", "_reverse"] if rnn.bidirectional else [""]
    w_ih = torch.stack([getattr(rnn, f"weight_ih_l{layer}{s}") for s in sfx])  # [D, G*H, I]
    w_hh = torch.stack([getattr(rnn, f"weight_hh_l{layer}{s}") for s in sfx])  # [D, G*H, H]
    b_ih = torch.stack([getattr(rnn, f"bias_ih_l{layer}{s}") for s in sfx])  # [D, G*H]
    b_hh = torch.stack([getattr(rnn, f"bias_hh_l{layer}{s}") for s in sfx])
    return w_ih, w_hh, b_ih, b_hh


def fast_rnn_forward(rnn: nn.RNNBase, x: torch.Tensor) -> torch.Tensor:
    """x: [B, L, I] -> output [B, L, D*H] (like rnn(x)[0] with batch_first=True)."""
    assert rnn.batch_first and rnn.bias and rnn.proj_size == 0 if isinstance(rnn, nn.LSTM) else rnn.batch_first
    is_lstm = isinstance(rnn, nn.LSTM)
    H = rnn.hidden_size
    nd = 2 if rnn.bidirectional else 1
    out = x
    for layer in range(rnn.num_layers):
        w_ih, w_hh, b_ih, b_hh = _layer_weights(rnn, layer)
        B, L, _ = out.shape
        # input projections for all steps and both directions: [D, B, L, G*H]
        gi = torch.einsum("bli,dgi->dblg", out, w_ih) + b_ih[:, None, None, :]
        if nd == 2:
            gi = torch.stack([gi[0], gi[1].flip(1)])  # backward direction reads the sequence reversed
        gis = gi.float().unbind(2)  # per-step views; unbind's backward is one stack (no per-step full-size grads)
        w_hh_t = w_hh.transpose(1, 2).float()  # [D, H, G*H]
        b_hh = b_hh.float()[:, None, :]  # [D, 1, G*H]
        h = x.new_zeros(nd, B, H, dtype=torch.float32)
        c = x.new_zeros(nd, B, H, dtype=torch.float32) if is_lstm else None
        hs = []
        for t in range(L):
            gh = torch.baddbmm(b_hh, h, w_hh_t)  # [D, B, G*H]
            g_t = gis[t]
            if is_lstm:
                s = g_t + gh
                i, f, o = torch.sigmoid(s[..., :2 * H]).chunk(2, -1) + (torch.sigmoid(s[..., 3 * H:]),)
                gg = torch.tanh(s[..., 2 * H:3 * H])
                c = f * c + i * gg
                h = o * torch.tanh(c)
            else:
                rz = torch.sigmoid(g_t[..., :2 * H] + gh[..., :2 * H])
                r, z = rz[..., :H], rz[..., H:]
                n = torch.tanh(g_t[..., 2 * H:] + r * gh[..., 2 * H:])
                h = n + z * (h - n)
            hs.append(h)
        hs = torch.stack(hs, 2)  # [D, B, L, H]
        if nd == 2:
            out = torch.cat([hs[0], hs[1].flip(1)], -1)
        else:
            out = hs[0]
    return out
