"""The RNN written out step by step, for execution providers without GRU/LSTM kernels.

ONNX's GRU and LSTM operators are one node each. An execution provider that has no kernel for them
(CoreML, for one) runs that node on the CPU, with copies in and out every call. `unroll_rnn(model)`
swaps the model's nn.GRU/nn.LSTM for a module with the very same parameters whose forward pass is
MatMul/Add/Sigmoid/Tanh/Mul per step, so every provider can place the whole graph. The outputs are
those of the native operator (test_unrolled_rnn.py: <= 1e-4 on onnxruntime's CPU and WebGPU); the
contract does not change. The cost: the graph grows with the number of steps (L x layers small blocks;
a bidirectional layer runs both directions in each block), and fp32 CPU inference gets slower
(training/README.md, "Unrolled RNN").

PyTorch's gate equations (nn.GRU, nn.LSTM docs), with W_i* the input and W_h* the hidden weights:
  GRU:  r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(W_iz x + b_iz + W_hz h + b_hz),
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h
  LSTM: i, f, g, o = s, s, tanh, s of (W_i x + b_i + W_h h + b_h),  c' = f c + i g,  h' = o tanh(c')
"""
from __future__ import annotations

import torch
from torch import nn


class UnrolledRNN(nn.Module):
    """Same parameters (same names) as the nn.GRU/nn.LSTM it replaces; batch_first; zero initial state."""

    def __init__(self, rnn: nn.RNNBase):
        super().__init__()
        if not isinstance(rnn, (nn.GRU, nn.LSTM)) or not rnn.batch_first:
            raise ValueError("unroll_rnn needs a batch_first nn.GRU or nn.LSTM")
        if getattr(rnn, "proj_size", 0):
            raise ValueError("LSTM projections (proj_size) are not supported")
        self.kind = "gru" if isinstance(rnn, nn.GRU) else "lstm"
        self.hidden_size = rnn.hidden_size
        self.num_layers = rnn.num_layers
        self.bidirectional = rnn.bidirectional
        self.bias = rnn.bias
        for name, p in rnn.named_parameters(recurse=False):
            self.register_parameter(name, p)

    def _weights(self, layer: int, reverse: bool):
        sfx = f"_l{layer}" + ("_reverse" if reverse else "")
        w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
        b_ih = getattr(self, "bias_ih" + sfx) if self.bias else torch.zeros(w_ih.shape[0])
        b_hh = getattr(self, "bias_hh" + sfx) if self.bias else torch.zeros(w_hh.shape[0])
        return w_ih, w_hh, b_ih, b_hh

    def _layer(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """One layer, every direction in each step: step k runs the forward direction at position k and
        (bidirectional) the backward one at L-1-k as one batched product over a leading direction axis, so
        the graph has L blocks, not 2L. Per-step blocks are small ([B, H]), so a CPU run pays mostly per
        node: half the nodes runs the recurrence faster (docs/benchmarks.md, "Both directions per step")."""
        directions = (False, True) if self.bidirectional else (False,)
        weights = [self._weights(layer, reverse) for reverse in directions]
        hs, steps = self.hidden_size, x.shape[1]
        # Input projections of all steps at once, the backward direction's in its reading order: D, B, L, G·H.
        gi = torch.stack([torch.flip(torch.matmul(x, w[0].t()), dims=[1]) if reverse else torch.matmul(x, w[0].t())
                          for w, reverse in zip(weights, directions)])
        w_hh = torch.stack([w[1].t() for w in weights])  # D, H, G·H
        b_ih = torch.stack([w[2] for w in weights]).unsqueeze(1)  # D, 1, G·H
        b_hh = torch.stack([w[3] for w in weights]).unsqueeze(1)
        gi = gi + (b_ih if self.kind == "gru" else b_ih + b_hh).unsqueeze(2)
        h = x.new_zeros(len(directions), x.shape[0], hs)
        c = x.new_zeros(len(directions), x.shape[0], hs)
        outs: list[torch.Tensor] = []
        for k in range(steps):
            g_in = gi[:, :, k]
            if self.kind == "gru":
                gh = torch.matmul(h, w_hh) + b_hh
                r = torch.sigmoid(g_in[..., :hs] + gh[..., :hs])
                z = torch.sigmoid(g_in[..., hs:2 * hs] + gh[..., hs:2 * hs])
                n = torch.tanh(g_in[..., 2 * hs:] + r * gh[..., 2 * hs:])
                h = n + z * (h - n)  # = (1 - z) n + z h, one multiply fewer
            else:
                g = g_in + torch.matmul(h, w_hh)
                i, f = torch.sigmoid(g[..., :hs]), torch.sigmoid(g[..., hs:2 * hs])
                cand, o = torch.tanh(g[..., 2 * hs:3 * hs]), torch.sigmoid(g[..., 3 * hs:])
                c = f * c + i * cand
                h = o * torch.tanh(c)
            outs.append(h)
        y = torch.stack(outs, dim=2)  # D, B, L, H; the backward half in reading order
        return torch.cat([y[0], torch.flip(y[1], dims=[1])], dim=-1) if self.bidirectional else y[0]

    def forward(self, x: torch.Tensor):
        for layer in range(self.num_layers):
            x = self._layer(x, layer)
        return x, None  # like nn.GRU/nn.LSTM: (outputs, final state); the model reads only the outputs


def unroll_rnn(model: nn.Module) -> nn.Module:
    """Replaces `model.rnn` by its unrolled form in place (same parameters) and returns the model."""
    model.rnn = UnrolledRNN(model.rnn)
    return model
