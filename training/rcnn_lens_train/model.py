"""The RCNN: CNN feature map -> scan-order sequence -> GRU/LSTM -> final or attention head."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import ModelConfig
from .fast_rnn import fast_rnn_forward
from .timestep_ops import mask_steps, rnn_gates

SCAN_ORDERS = ("row_major", "column_major", "snake")


def scan_permutation(m: int, n: int, order: str) -> list[int]:
    """perm[t] = row * n + col of the feature-map cell read at timestep t (docs/model-contract.md)."""
    perm = []
    for t in range(m * n):
        if order == "row_major":
            row, col = divmod(t, n)
        elif order == "column_major":
            col, row = divmod(t, m)
        elif order == "snake":
            row, col = divmod(t, n)
            if row % 2 == 1:
                col = n - 1 - col
        else:
            raise ValueError(f"unknown scan order {order!r}")
        perm.append(row * n + col)
    return perm


def make_act(name: str) -> nn.Module:
    # ReLU fuses into onnxruntime's Conv kernels (NCHWc); GELU does not and costs ~30% at inference
    return nn.ReLU(inplace=True) if name == "relu" else nn.GELU(approximate="tanh")


class ConvBNAct(nn.Sequential):
    def __init__(self, cin: int, cout: int, k: int = 3, act: str = "relu"):
        super().__init__(
            nn.Conv2d(cin, cout, k, padding=k // 2, bias=False),
            nn.BatchNorm2d(cout),
            make_act(act),
        )


class Whiten(nn.Module):
    """Fixed 2x2 patch-whitening conv (its weights are set from data by `init_whitening`).

    Output channels: 2 * C * 4 (each eigenvector and its negation). Input is padded
    right/bottom by one pixel so the spatial size is kept.
    """

    def __init__(self, cin: int, eps: float = 5e-4):
        super().__init__()
        self.k = 2
        self.cout = 2 * cin * self.k * self.k
        self.conv = nn.Conv2d(cin, self.cout, self.k, padding=0, bias=True)
        self.eps = eps
        self.conv.weight.requires_grad_(False)
        self.conv.bias.requires_grad_(False)

    @torch.no_grad()
    def init_whitening(self, x: torch.Tensor):
        """x: float [N, C, H, W] normalised training images."""
        c, k = x.shape[1], self.k
        patches = x.unfold(2, k, 1).unfold(3, k, 1)  # N C H' W' k k
        patches = patches.transpose(1, 3).reshape(-1, c * k * k).double()
        patches = patches - patches.mean(0, keepdim=True)
        cov = patches.T @ patches / len(patches)
        evals, evecs = torch.linalg.eigh(cov)
        w = (evecs.T / torch.sqrt(evals + self.eps)[:, None]).float()  # [ckk, ckk]
        w = w.reshape(-1, c, k, k)
        self.conv.weight.copy_(torch.cat([w, -w], 0))
        self.conv.bias.zero_()

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class RCNN(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        c = cfg.channels
        layers: list[nn.Module] = []
        if cfg.stem == "whiten":
            self.whiten = Whiten(c)
            layers += [self.whiten, make_act(cfg.act)]
            c = self.whiten.cout
        else:
            self.whiten = None
        for i, w in enumerate(cfg.widths):
            for j in range(cfg.convs_per_stage):
                layers.append(ConvBNAct(c, w, act=cfg.act))
                c = w
                if j == 0 and cfg.pools[i]:
                    layers.append(nn.MaxPool2d(2))
        self.cnn = nn.Sequential(*layers)
        context: list[nn.Module] = []
        c_grid = c
        for w in cfg.context_widths:
            context.append(nn.MaxPool2d(2))
            for _ in range(cfg.convs_per_stage):
                context.append(ConvBNAct(c, w, act=cfg.act))
                c = w
        self.context = nn.Sequential(*context) if context else None
        c_deepest = c  # channels of the deepest map (the context stage's, or the grid's without one)
        if context:
            c = c_grid + c
        # what the RNN reads at a step masked by `step_mask` (contract v2): the mean training feature vector,
        # set by the exporter from data (not part of checkpoints, so older ones still load)
        self.register_buffer("step_neutral", torch.zeros(c), persistent=False)
        m, n = cfg.grid
        self.register_buffer("perm", torch.tensor(scan_permutation(m, n, cfg.scan_order), dtype=torch.long),
                             persistent=False)
        rnn_cls = nn.GRU if cfg.rnn_type == "gru" else nn.LSTM
        self.rnn = rnn_cls(c, cfg.hidden_size, num_layers=cfg.rnn_layers, batch_first=True,
                           bidirectional=cfg.bidirectional)
        d = cfg.hidden_size * (2 if cfg.bidirectional else 1)
        self.fast_rnn = True  # training-time forward with the same weights (fast_rnn.py)
        self.dropout = nn.Dropout(cfg.dropout)
        self.classifier = nn.Linear(d, cfg.num_classes)
        if cfg.head == "attention":
            self.att_proj = nn.Linear(d, cfg.attention_size)
            self.att_score = nn.Linear(cfg.attention_size, 1, bias=False)
        if cfg.head == "pool":
            # Diagnostic only (not exportable): the CNN's deepest map, max-pooled over space, then a linear
            # layer, as in airbench; it measures what the CNN alone reaches with the same recipe. The RNN and
            # its classifier above are still built (and left unused, 353k parameters for the default network)
            # so that the documented diagnostic run (sweeps/README.md) reproduces with the same initialisation.
            self.pool_classifier = nn.Linear(c_deepest, cfg.num_classes)

    def sequence(self, x: torch.Tensor) -> torch.Tensor:
        """CNN feature map serialised in scan order: [B, L, C]."""
        f = self.cnn(x)  # B C M N
        if self.context is not None:
            g = F.interpolate(self.context(f), size=f.shape[-2:], mode="nearest")
            f = torch.cat([f, g], dim=1)
        f = f.flatten(2).transpose(1, 2)  # B, M*N (row-major), C
        if self.cfg.scan_order != "row_major":
            f = f.index_select(1, self.perm)
        return f

    def forward(self, x: torch.Tensor, step_mask: torch.Tensor | None = None, gates: bool = False):
        """step_mask [B, L]: 0 replaces step t's feature by `step_neutral`; gates: also return the RNN's
        gates (timestep_ops.py) computed from what the RNN read."""
        if self.cfg.head == "pool":
            f = self.cnn(x)
            deepest = self.context(f) if self.context is not None else f
            return {"logits": self.pool_classifier(deepest.amax(dim=(2, 3)))}
        seq = self.sequence(x)
        if step_mask is not None:
            seq = mask_steps(seq, step_mask, self.step_neutral)
        if self.training and self.fast_rnn:
            hidden = fast_rnn_forward(self.rnn, seq)
        else:
            hidden, _ = self.rnn(seq)  # B L D
        hidden = hidden.float()
        h = self.dropout(hidden)
        step_logits = self.classifier(h)
        out = {"hidden": hidden, "step_logits": step_logits}
        if gates:
            out["gates"] = rnn_gates(self.rnn, seq.float(), hidden)
        if self.cfg.head == "attention":
            score = self.att_score(torch.tanh(self.att_proj(h))).squeeze(-1)  # B L
            att = torch.softmax(score, dim=1)
            # classifier is linear: classifier(sum_t a_t h_t) == sum_t a_t classifier(h_t)
            logits = torch.bmm(att.unsqueeze(1), step_logits).squeeze(1)
            out["attention"] = att
        else:
            hs = self.cfg.hidden_size
            if self.cfg.bidirectional:
                final = torch.cat([h[:, -1, :hs], h[:, 0, hs:]], dim=-1)
            else:
                final = h[:, -1]
            logits = self.classifier(final)
        out["logits"] = logits
        return out


def configure_batchnorm(model: nn.Module, momentum: float, learn_scale: bool) -> None:
    """Running-statistics momentum of every BatchNorm, and whether its scale is learned or frozen at 1."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = momentum
            m.weight.requires_grad_(learn_scale)


@torch.no_grad()
def dirac_init(model: RCNN) -> None:
    """Each 3x3 conv of the CNN starts as an identity on its first min(in, out) channels (plus the default
    random init on the rest), so a deep stack starts close to passing its input through."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) and m.weight.requires_grad:
            w = m.weight
            nn.init.dirac_(w[: w.shape[1]])


class ExportWrapper(nn.Module):
    """Returns the contract outputs as a tuple in a fixed order (names set at export)."""

    def __init__(self, model: RCNN, outputs: list[str]):
        super().__init__()
        self.model = model
        self.outputs = outputs

    def forward(self, image, step_mask=None):
        out = self.model(image, step_mask, gates="gates" in self.outputs)
        return tuple(out[k] for k in self.outputs)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
