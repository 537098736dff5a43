"""Adding a pattern is one module and one registry line: a toy pattern, defined here alone, goes to aie and runs.

``rows:G`` (defined only in this file) prunes whole output channels, the
lowest-norm fraction, and keeps a channel only in groups of G consecutive
kept ones; its format stores the kept channels densely with their indices.
Nothing under ``python/`` knows it: the registry, the format protocol and
the indexed encoding carry it through bsparse-sparsify, bsparse-pack,
bsparse-partition, bsparse-to-aie, the interpreter and the cost model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
import torch

import bsparse
from bsparse.errors import OptionError
from bsparse.patterns import PATTERNS, SparseData, parse_pattern, pattern_syntax, register_pattern, unregister_pattern
from bsparse.patterns.gemm import check_scope, check_sparsity, from_gemm, to_gemm
from bsparse.patterns.indexed import IndexedFormat, index_dtype


@dataclass(frozen=True)
class KeptRowsFormat(IndexedFormat):
    """The kept output channels, densely: ``channels [kept]`` ascending, values ``[kept, K]``."""

    pattern: str
    NAME = "kept-rows"
    INDEX = (("channels", "[kept] output channels with a nonzero, ascending"),)

    def pack(self, weight):
        matrix = to_gemm(weight)
        kept = np.flatnonzero(np.any(matrix != 0, axis=1))
        return SparseData(self.pattern, tuple(weight.shape), matrix[kept].reshape(-1),
                          {"channels": kept.astype(index_dtype(weight.shape[0]))})

    def matrix(self, data):
        out, k = data.gemm_shape
        matrix = np.zeros((out, k), data.values.dtype)
        matrix[data.index["channels"].astype(np.int64)] = data.values.reshape(-1, k)
        return matrix

    def row_values(self, data):
        counts = np.zeros(data.shape[0], np.int64)
        counts[data.index["channels"].astype(np.int64)] = data.gemm_shape[1]
        return counts

    def select(self, data, channels):
        return self.pack(from_gemm(self.matrix(data)[channels], (len(channels), *data.shape[1:])))

    def verify(self, data):
        channels = data.index["channels"].astype(np.int64)
        if np.any(np.diff(channels) <= 0) or (channels.size and (channels[0] < 0 or channels[-1] >= data.shape[0])):
            raise ValueError(f"channels must be ascending and in [0, {data.shape[0]})")
        if data.values.size != channels.size * data.gemm_shape[1]:
            raise ValueError("values must hold K values per kept channel")

    def dense_on(self, t) -> bool:
        return False  # a kept channel is a dense row: the core skips the pruned ones


@dataclass(frozen=True)
class KeptRowsPattern:
    """Whole output channels: the lowest-RMS fraction is pruned."""

    NAME: ClassVar[str] = "rows"
    SYNTAX: ClassVar[str] = "rows"

    @classmethod
    def from_params(cls, params: str) -> "KeptRowsPattern":
        if params.strip():
            raise OptionError(f"rows takes no parameters, got 'rows:{params}'")
        return cls()

    def __str__(self) -> str:
        return self.NAME

    @property
    def fixed_sparsity(self):
        return None

    @property
    def format(self) -> KeptRowsFormat:
        return KeptRowsFormat(str(self))

    def fits(self, shape) -> bool:
        return len(shape) >= 2 and shape[0] >= 2

    def masks(self, weights, sparsity, scope="layer", score="l2"):
        sparsity, _ = check_sparsity(sparsity), check_scope(scope)
        masks = []
        for w in weights:
            rms = np.sqrt(np.mean(to_gemm(np.asarray(w, np.float64)) ** 2, axis=1))
            pruned = np.argsort(rms, kind="stable")[: int(round(sparsity * len(rms)))]
            keep = np.ones(w.shape, bool)
            keep[pruned] = False
            masks.append(keep)
        return masks


@pytest.fixture(autouse=True, scope="module")
def registered():
    """The one registry line (kept for this module's tests only: the others see the shipped patterns)."""
    register_pattern(KeptRowsPattern)
    yield
    unregister_pattern(KeptRowsPattern.NAME)


def test_the_registry_lists_the_toy_pattern():
    assert PATTERNS["rows"] is KeptRowsPattern
    assert "rows" in pattern_syntax()
    assert isinstance(parse_pattern("rows"), KeptRowsPattern)
    with pytest.raises(OptionError, match=re.escape(pattern_syntax())):
        parse_pattern("no-such-pattern")


@pytest.mark.parametrize("target", ["aie2-4x4", "aie1-vc1902"])
def test_toy_pattern_compiles_to_aie_and_runs(target):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(48, 40), torch.nn.ReLU(), torch.nn.Linear(40, 24)).eval()
    x = torch.randn(16, 48)
    program = bsparse.compile(model, x, pattern="rows", sparsity=0.5, target=target, keep_small=False, progress=False)
    aie = program.stages["aie"]
    assert aie.count("aie.matmul_sparse") >= 2 and '"rows"' in aie
    outputs, report = program.run(x)

    # independent reference: numpy on the weights pruned by the same rule (half the channels, lowest RMS)
    y = x.numpy().astype(np.float64)
    stored_macs = 0
    for i, layer in enumerate((model[0], model[2])):
        w = layer.weight.detach().numpy().astype(np.float64)
        pruned = np.argsort(np.sqrt(np.mean(w ** 2, axis=1)), kind="stable")[: w.shape[0] // 2]
        w[pruned] = 0.0
        stored_macs += (w.shape[0] - len(pruned)) * w.shape[1] * x.shape[0]
        y = y @ w.T + layer.bias.detach().numpy()
        y = np.maximum(y, 0.0) if i == 0 else y
    np.testing.assert_allclose(outputs[0], y, rtol=1e-4, atol=1e-5)
    assert report.macs == stored_macs
    assert report.macs_dense == (48 * 40 + 40 * 24) * x.shape[0]
    assert report.total_cycles > 0 and all(layer.cycles > 0 for layer in report.layers)
