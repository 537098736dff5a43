"""GPT-2 small (Radford et al. 2019) block stack with Hugging Face ``GPT2Model``'s module names.

12 pre-norm blocks, hidden size 768, 12 heads, MLP 3072 with ``gelu_new``
(the tanh GELU, written out as Hugging Face's ``NewGELUActivation`` does),
causal self-attention with explicit matmuls and a lower-triangular mask,
final LayerNorm. Hugging Face's ``Conv1D`` layers (``y = x @ W + b``, ``W``
``[in, out]``) are kept as such. The input is token ids; no language-model
head (its weight would be the tied ``wte``).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._init import seeded

_INIT_STD = 0.02  # Hugging Face's initializer_range for GPT-2


class Conv1D(nn.Module):
    """Hugging Face's ``Conv1D``: a linear layer with its weight stored ``[in, out]``."""

    def __init__(self, out: int, inp: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(inp, out).normal_(0.0, _INIT_STD))
        self.bias = nn.Parameter(torch.empty(out).normal_(0.0, _INIT_STD))  # HF zeroes it: a dropped bias shows

    def forward(self, x: Tensor) -> Tensor:
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).reshape(*x.shape[:-1], -1)


class NewGELU(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, hidden: int, heads: int, positions: int) -> None:
        super().__init__()
        self.heads, self.head_size = heads, hidden // heads
        self.c_attn = Conv1D(3 * hidden, hidden)
        self.c_proj = Conv1D(hidden, hidden)
        self.register_buffer("bias", torch.tril(torch.ones(positions, positions, dtype=torch.bool)), persistent=False)

    def _split(self, x: Tensor) -> Tensor:  # [b, s, h] -> [b, heads, s, head_size]
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, x: Tensor) -> Tensor:
        q, k, v = self.c_attn(x).split(x.shape[-1], dim=2)
        q, k, v = self._split(q), self._split(k), self._split(v)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        seq = x.shape[1]
        scores = torch.where(self.bias[:seq, :seq], scores, torch.finfo(scores.dtype).min)
        context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3)
        return self.c_proj(context.reshape(x.shape))


class GPT2MLP(nn.Module):
    def __init__(self, hidden: int, inner: int) -> None:
        super().__init__()
        self.c_fc = Conv1D(inner, hidden)
        self.c_proj = Conv1D(hidden, inner)
        self.act = NewGELU()

    def forward(self, x: Tensor) -> Tensor:
        return self.c_proj(self.act(self.c_fc(x)))


class GPT2Block(nn.Module):
    def __init__(self, hidden: int, heads: int, positions: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=1e-5)
        self.attn = GPT2Attention(hidden, heads, positions)
        self.ln_2 = nn.LayerNorm(hidden, eps=1e-5)
        self.mlp = GPT2MLP(hidden, 4 * hidden)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2Model(nn.Module):
    """Hugging Face's ``GPT2Model``: token and position embeddings, the blocks, the final LayerNorm;
    returns the last hidden states ``[batch, seq, hidden]``."""

    def __init__(self, vocab: int = 50257, hidden: int = 768, layers: int = 12, heads: int = 12,
                 positions: int = 1024) -> None:
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(positions, hidden)
        self.h = nn.ModuleList(GPT2Block(hidden, heads, positions) for _ in range(layers))
        self.ln_f = nn.LayerNorm(hidden, eps=1e-5)
        for m in self.modules():
            if isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, 0.0, _INIT_STD)
            elif isinstance(m, nn.LayerNorm):  # Hugging Face: ones and zeros; perturbed so folding bugs show
                m.weight.data.uniform_(0.8, 1.2)
                m.bias.data.normal_(0.0, 0.05)

    def forward(self, input_ids: Tensor) -> Tensor:
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(positions)
        for block in self.h:
            x = block(x)
        return self.ln_f(x)


def gpt2_small(seed: int = 0, layers: int = 12) -> GPT2Model:
    """GPT-2 small's block stack (124,439,808 parameters with 12 layers), seeded random weights, eval mode.
    Input: token ids ``[batch, seq]`` (int64), seq <= 1024."""
    with seeded(seed):
        return GPT2Model(layers=layers).eval()
