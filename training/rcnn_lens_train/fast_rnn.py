"""A training-time forward for nn.GRU / nn.LSTM (1+ layers, uni/bidirectional, batch_first).

Same parameters and the same maths as PyTorch's modules (gate order r,z,n for GRU, i,f,g,o for
LSTM), but written so that a CPU step costs few, large operations: the input projection of all
timesteps is one matmul, and both directions advance together with one batched matmul per step.
PyTorch's generic CPU RNN path issues many tiny ops per step, which is slow on 2 (shared) cores.

For the GRU the recurrence is one autograd Function with a hand-written backward: autograd over the
per-step ops spent most of its time zero-filling full-size gradients for every gate slice and
concatenating per-step views (profiled: ~1.6 s of a ~3 s step at batch 512); the explicit backward
keeps everything time-major and contiguous and computes the recurrent weight gradient as one matmul.
Export always uses the stock module (-> ONNX GRU/LSTM operator); tests check all three agree, values
and gradients.
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


class _GRURecurrence(torch.autograd.Function):
    """The GRU recurrence over precomputed input projections, both directions advancing together.

    gi: [B, L, D*3H] (x @ W_ih^T + b_ih, any float dtype; direction d's gates in columns d*3H..),
    returns out: [B, L, D*H] float32 like nn.GRU's output. The backward direction reads timestep
    L-1-t at step t, so no flipped or transposed copy of the big tensors is ever made: on this
    machine every full-size pass over a [B, L, ...] tensor costs tens of milliseconds.
    """

    @staticmethod
    def forward(ctx, gi, w_hh, b_hh):
        B, L, DG = gi.shape
        D, G, H = w_hh.shape
        w_hh_t = w_hh.transpose(1, 2).contiguous()  # [D, H, 3H]
        bias = b_hh[:, None, :]
        out = gi.new_empty(B, L, D, H, dtype=torch.float32)
        saved = gi.new_empty(5, L, D, B, H, dtype=torch.float32)  # h_prev, r, z, n, gh_n per step
        h = gi.new_zeros(D, B, H, dtype=torch.float32)
        g = gi.new_empty(D, B, G, dtype=torch.float32)
        for t in range(L):
            for d in range(D):
                g[d] = gi[:, t if d == 0 else L - 1 - t, d * G:(d + 1) * G]
            gh = torch.baddbmm(bias, h, w_hh_t)  # [D, B, 3H]
            rz = torch.sigmoid(g[..., :2 * H] + gh[..., :2 * H])
            r, z = rz[..., :H], rz[..., H:]
            ghn = gh[..., 2 * H:]
            n = torch.tanh(torch.addcmul(g[..., 2 * H:], r, ghn))
            saved[0, t] = h
            saved[1, t] = r
            saved[2, t] = z
            saved[3, t] = n
            saved[4, t] = ghn
            h = torch.addcmul(n, z, h - n)
            for d in range(D):
                out[:, t if d == 0 else L - 1 - t, d] = h[d]
        ctx.save_for_backward(w_hh, saved)
        ctx.gi_dtype = gi.dtype
        return out.view(B, L, D * H)

    @staticmethod
    def backward(ctx, d_out):
        w_hh, saved = ctx.saved_tensors
        _, L, D, B, H = saved.shape
        G = 3 * H
        d_out = d_out.view(B, L, D, H)
        d_gi = d_out.new_empty(B, L, D * G, dtype=ctx.gi_dtype)
        d_w = w_hh.new_zeros(D, G, H)
        d_b = w_hh.new_zeros(D, G)
        d_gh = w_hh.new_empty(D, B, G)
        dh = w_hh.new_zeros(D, B, H)
        for t in range(L - 1, -1, -1):
            for d in range(D):
                dh[d] += d_out[:, t if d == 0 else L - 1 - t, d]
            h_prev, r, z, n, ghn = saved[:, t]
            dn = dh * (1 - z)
            da_n = dn * (1 - n * n)
            torch.mul(dh * (h_prev - n), z * (1 - z), out=d_gh[..., H:2 * H])  # d a_z
            torch.mul(da_n * ghn, r * (1 - r), out=d_gh[..., :H])  # d a_r
            d_gh[..., 2 * H:] = da_n
            for d in range(D):
                d_gi[:, t if d == 0 else L - 1 - t, d * G:(d + 1) * G] = d_gh[d]
            d_gh[..., 2 * H:] *= r  # the n gate sees r * (h W_hn^T + b_hn)
            d_w.baddbmm_(d_gh.transpose(1, 2), h_prev)
            d_b += d_gh.sum(1)
            dh = torch.baddbmm(dh * z, d_gh, w_hh)  # dh_prev = dh*z + d_gh @ W_hh
        return d_gi, d_w, d_b


def _gru_forward(rnn: nn.GRU, x: torch.Tensor) -> torch.Tensor:
    out = x
    for layer in range(rnn.num_layers):
        w_ih, w_hh, b_ih, b_hh = _layer_weights(rnn, layer)
        D, G, I = w_ih.shape
        gi = torch.nn.functional.linear(out, w_ih.reshape(D * G, I), b_ih.reshape(D * G))  # [B, L, D*3H]
        out = _GRURecurrence.apply(gi, w_hh.float(), b_hh.float())
    return out


def fast_rnn_forward(rnn: nn.RNNBase, x: torch.Tensor) -> torch.Tensor:
    """x: [B, L, I] -> output [B, L, D*H] (like rnn(x)[0] with batch_first=True)."""
    assert rnn.batch_first
    if isinstance(rnn, nn.GRU):
        return _gru_forward(rnn, x)
    return _lstm_forward(rnn, x)


def _lstm_forward(rnn: nn.LSTM, x: torch.Tensor) -> torch.Tensor:
    assert rnn.bias and rnn.proj_size == 0
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
        c = x.new_zeros(nd, B, H, dtype=torch.float32)
        hs = []
        for t in range(L):
            s = gis[t] + torch.baddbmm(b_hh, h, w_hh_t)
            i, f, o = torch.sigmoid(s[..., :2 * H]).chunk(2, -1) + (torch.sigmoid(s[..., 3 * H:]),)
            gg = torch.tanh(s[..., 2 * H:3 * H])
            c = f * c + i * gg
            h = o * torch.tanh(c)
            hs.append(h)
        hs = torch.stack(hs, 2)  # [D, B, L, H]
        out = torch.cat([hs[0], hs[1].flip(1)], -1) if nd == 2 else hs[0]
    return out
