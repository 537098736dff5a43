"""A GNMT-like translation model (Wu et al. 2016): stacked LSTM encoder and decoder with attention.

The encoder and the decoder are stacks of LSTM layers (``nn.LSTM``'s
parameters: ``weight_ih_l{k}``, ``weight_hh_l{k}``, biases), unrolled over
time with the cell written out, so every time step is a matmul of the step's
input and one of the previous hidden state by the same recurrent weight. As in
GNMT, layers from the third on add their input (residual connections). The
decoder is teacher-forced on the target tokens; dot-product (Luong) attention
of its top layer over the encoder outputs, ``tanh(W_c [h; context])``, then
the projection to the vocabulary. Simplified from GNMT: a unidirectional
first encoder layer, attention on the top decoder layer only. The
gather-scatter paper's recurrent model.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._init import seeded


def lstm_layer(lstm: nn.LSTM, layer: int, xs: list[Tensor], h: Tensor, c: Tensor) -> list[Tensor]:
    """Layer `layer` of `lstm` over the time steps `xs` (each ``[batch, in]``) from state (h, c), unrolled:
    the hidden state of every step, as ``nn.LSTM`` computes it (gates i, f, g, o)."""
    w_ih, w_hh = getattr(lstm, f"weight_ih_l{layer}"), getattr(lstm, f"weight_hh_l{layer}")
    b_ih, b_hh = getattr(lstm, f"bias_ih_l{layer}"), getattr(lstm, f"bias_hh_l{layer}")
    out = []
    for x in xs:
        gates = nn.functional.linear(x, w_ih, b_ih) + nn.functional.linear(h, w_hh, b_hh)
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        out.append(h)
    return out


def _stack(lstm: nn.LSTM, xs: list[Tensor]) -> list[Tensor]:
    """The layers of `lstm` over `xs` from zero states, layers from the third on adding their input."""
    zero = xs[0].new_zeros(xs[0].shape[0], lstm.hidden_size)
    for layer in range(lstm.num_layers):
        ys = lstm_layer(lstm, layer, xs, zero, zero)
        xs = [y + x for y, x in zip(ys, xs)] if layer >= 2 else ys
    return xs


class GNMTLike(nn.Module):
    def __init__(self, vocab: int = 32000, hidden: int = 1024, layers: int = 4, source: int = 16) -> None:
        super().__init__()
        self.source = source
        self.embedding = nn.Embedding(vocab, hidden)
        self.encoder = nn.LSTM(hidden, hidden, layers)
        self.decoder = nn.LSTM(hidden, hidden, layers)
        self.attention_combine = nn.Linear(2 * hidden, hidden, bias=False)
        self.classifier = nn.Linear(hidden, vocab)
        for name, p in self.named_parameters():  # GNMT: uniform in [-0.1, 0.1]
            nn.init.uniform_(p, -0.1, 0.1)

    def forward(self, tokens: Tensor) -> Tensor:
        """`tokens`: ``[batch, source + target]`` ids, the source then the (teacher-forced) target;
        returns the logits ``[batch, target, vocab]``."""
        embedded = self.embedding(tokens)
        src = _stack(self.encoder, list(embedded[:, :self.source].unbind(1)))
        tgt = _stack(self.decoder, list(embedded[:, self.source:].unbind(1)))
        memory = torch.stack(src, dim=1)  # [batch, source, hidden]
        h = torch.stack(tgt, dim=1)  # [batch, target, hidden]
        weights = torch.softmax(torch.matmul(h, memory.transpose(1, 2)), dim=-1)
        combined = torch.tanh(self.attention_combine(torch.cat([h, torch.matmul(weights, memory)], dim=-1)))
        return self.classifier(combined)


def gnmt_like(seed: int = 0, vocab: int = 32000, hidden: int = 1024, layers: int = 4, source: int = 16) -> GNMTLike:
    """GNMT-like (4 + 4 LSTM layers of 1024, vocabulary 32000 by default), seeded random weights, eval mode.
    Input: ``[batch, source + target]`` token ids (int64): 16 + 16 by default."""
    with seeded(seed):
        return GNMTLike(vocab, hidden, layers, source).eval()
