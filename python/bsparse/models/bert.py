"""BERT-base (Devlin et al. 2019) encoder with Hugging Face ``BertModel``'s module names.

12 layers, hidden size 768, 12 heads, FFN 3072, GELU (exact, erf), post-norm
LayerNorm (eps 1e-12), the eager attention of ``BertSelfAttention``: ``softmax(q
k^T / sqrt(d) + mask) v`` with explicit matmuls. The input is token ids; the
attention mask is all ones (no padding), so the additive mask is omitted.
The tile-vector-wise paper's headline model.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._init import seeded

_INIT_STD = 0.02  # Hugging Face's initializer_range for BERT


class BertEmbeddings(nn.Module):
    def __init__(self, vocab: int, hidden: int, positions: int, types: int = 2) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(positions, hidden)
        self.token_type_embeddings = nn.Embedding(types, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)
        self.register_buffer("position_ids", torch.arange(positions).unsqueeze(0), persistent=False)

    def forward(self, input_ids: Tensor) -> Tensor:
        seq = input_ids.shape[1]
        x = self.word_embeddings(input_ids) + self.position_embeddings(self.position_ids[:, :seq])
        x = x + self.token_type_embeddings(torch.zeros_like(input_ids))
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, hidden: int, heads: int) -> None:
        super().__init__()
        self.heads, self.head_size = heads, hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)

    def _split(self, x: Tensor) -> Tensor:  # [b, s, h] -> [b, heads, s, head_size]
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, x: Tensor) -> Tensor:
        q, k, v = self._split(self.query(x)), self._split(self.key(x)), self._split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size)
        context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3)
        return context.reshape(x.shape)


class BertAttention(nn.Module):
    def __init__(self, hidden: int, heads: int) -> None:
        super().__init__()
        self.self = BertSelfAttention(hidden, heads)
        self.output = BertOutput(hidden, hidden)  # Hugging Face's BertSelfOutput: the same layers

    def forward(self, x: Tensor) -> Tensor:
        return self.output(self.self(x), x)


class BertIntermediate(nn.Module):
    def __init__(self, hidden: int, ffn: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden, ffn)
        self.intermediate_act_fn = nn.GELU()

    def forward(self, x: Tensor) -> Tensor:
        return self.intermediate_act_fn(self.dense(x))


class BertOutput(nn.Module):
    """``LayerNorm(dense(h) + x)``: the output of the attention (``BertSelfOutput``) and of the FFN."""

    def __init__(self, hidden: int, inp: int) -> None:
        super().__init__()
        self.dense = nn.Linear(inp, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, h: Tensor, x: Tensor) -> Tensor:
        return self.LayerNorm(self.dense(h) + x)


class BertLayer(nn.Module):
    def __init__(self, hidden: int, heads: int, ffn: int) -> None:
        super().__init__()
        self.attention = BertAttention(hidden, heads)
        self.intermediate = BertIntermediate(hidden, ffn)
        self.output = BertOutput(hidden, ffn)

    def forward(self, x: Tensor) -> Tensor:
        a = self.attention(x)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, layers: int, hidden: int, heads: int, ffn: int) -> None:
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(hidden, heads, ffn) for _ in range(layers))

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layer:
            x = layer(x)
        return x


class BertModel(nn.Module):
    """Hugging Face's ``BertModel(add_pooling_layer=False)``: embeddings and encoder; returns the last hidden
    states ``[batch, seq, hidden]``."""

    def __init__(self, vocab: int = 30522, hidden: int = 768, layers: int = 12, heads: int = 12, ffn: int = 3072,
                 positions: int = 512) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(vocab, hidden, positions)
        self.encoder = BertEncoder(layers, hidden, heads, ffn)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, _INIT_STD)
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.bias, 0.0, _INIT_STD)  # Hugging Face zeroes them: small ones show a dropped bias
            elif isinstance(m, nn.LayerNorm):  # Hugging Face: ones and zeros; perturbed so folding bugs show
                m.weight.data.uniform_(0.8, 1.2)
                m.bias.data.normal_(0.0, 0.05)

    def forward(self, input_ids: Tensor) -> Tensor:
        return self.encoder(self.embeddings(input_ids))


def bert_base(seed: int = 0, layers: int = 12) -> BertModel:
    """BERT-base without the pooler (108,891,648 parameters with 12 layers), seeded random weights, eval mode.
    Input: token ids ``[batch, seq]`` (int64), seq <= 512."""
    with seeded(seed):
        return BertModel(layers=layers).eval()
