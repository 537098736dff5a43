"""ViT-B/16 (Dosovitskiy et al. 2021) with torchvision ``vit_b_16``'s architecture and parameter names.

A 16x16 stride-16 patch convolution, a class token, learned position
embeddings, 12 pre-norm encoder layers (hidden 768, 12 heads, MLP 3072 with
exact GELU, LayerNorm eps 1e-6) and the classifier on the class token.
torchvision's ``nn.MultiheadAttention`` is written out with explicit matmuls
over the same parameters (``in_proj_weight``, ``in_proj_bias``, ``out_proj``),
so the state dict is torchvision's.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import Tensor, nn

from ._init import seeded


class SelfAttention(nn.Module):
    """``nn.MultiheadAttention(hidden, heads, batch_first=True)``'s parameters and computation, self-attention."""

    def __init__(self, hidden: int, heads: int) -> None:
        super().__init__()
        self.heads, self.head_size = heads, hidden // heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * hidden, hidden))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * hidden))
        self.out_proj = nn.Linear(hidden, hidden)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.normal_(self.in_proj_bias, 0.0, 0.02)  # torchvision zeroes them: small ones show a dropped bias

    def _split(self, x: Tensor) -> Tensor:  # [b, s, h] -> [b, heads, s, head_size]
        return x.reshape(x.shape[0], x.shape[1], self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, x: Tensor) -> Tensor:
        q, k, v = nn.functional.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        q, k, v = self._split(q), self._split(k), self._split(v)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3)
        return self.out_proj(context.reshape(x.shape))


class MLPBlock(nn.Sequential):
    def __init__(self, hidden: int, mlp: int) -> None:
        super().__init__(nn.Linear(hidden, mlp), nn.GELU(), nn.Dropout(0.0), nn.Linear(mlp, hidden), nn.Dropout(0.0))
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.normal_(m.bias, std=1e-6)


class EncoderBlock(nn.Module):
    def __init__(self, hidden: int, heads: int, mlp: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=1e-6)
        self.self_attention = SelfAttention(hidden, heads)
        self.dropout = nn.Dropout(0.0)
        self.ln_2 = nn.LayerNorm(hidden, eps=1e-6)
        self.mlp = MLPBlock(hidden, mlp)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.dropout(self.self_attention(self.ln_1(x)))
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    def __init__(self, sequence: int, layers: int, hidden: int, heads: int, mlp: int) -> None:
        super().__init__()
        self.pos_embedding = nn.Parameter(torch.empty(1, sequence, hidden).normal_(std=0.02))
        self.dropout = nn.Dropout(0.0)
        self.layers = nn.Sequential(OrderedDict((f"encoder_layer_{i}", EncoderBlock(hidden, heads, mlp))
                                                for i in range(layers)))
        self.ln = nn.LayerNorm(hidden, eps=1e-6)

    def forward(self, x: Tensor) -> Tensor:
        return self.ln(self.layers(self.dropout(x + self.pos_embedding)))


class VisionTransformer(nn.Module):
    def __init__(self, image: int = 224, patch: int = 16, layers: int = 12, hidden: int = 768, heads: int = 12,
                 mlp: int = 3072, classes: int = 1000) -> None:
        super().__init__()
        self.patch_size, self.hidden_dim = patch, hidden
        self.conv_proj = nn.Conv2d(3, hidden, patch, patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, hidden).normal_(std=0.02))
        self.encoder = Encoder((image // patch) ** 2 + 1, layers, hidden, heads, mlp)
        self.heads = nn.Sequential()
        self.heads.add_module("head", nn.Linear(hidden, classes))
        fan_in = 3 * patch * patch
        nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
        nn.init.zeros_(self.conv_proj.bias)
        nn.init.normal_(self.heads.head.weight, std=0.02)  # torchvision zeroes the head: outputs would all be 0
        nn.init.zeros_(self.heads.head.bias)
        for m in self.modules():
            if isinstance(m, nn.LayerNorm):  # torchvision: ones and zeros; perturbed so folding bugs show
                m.weight.data.uniform_(0.8, 1.2)
                m.bias.data.normal_(0.0, 0.05)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv_proj(x).flatten(2).transpose(1, 2)  # [b, patches, hidden]
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
        return self.heads(self.encoder(x)[:, 0])


def vit_b16(seed: int = 0, layers: int = 12) -> VisionTransformer:
    """ViT-B/16 (86,567,656 parameters with 12 layers), seeded random weights, eval mode. Input N x 3 x 224 x 224."""
    with seeded(seed):
        return VisionTransformer(layers=layers).eval()
