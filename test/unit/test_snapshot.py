"""Behaviour is preserved: ResNet-50 on aie2-4x4 at 50% 8x8 blocks costs what the committed snapshot says.

The snapshot (`snapshots/`) holds the per-layer cycles, MACs and traffic of
``benchmarks/results/models.json`` as measured before the pattern / plan
redesign; a change that moves any number is a change of the cost model or of
the lowering and must say so by updating the snapshot with the benchmarks.
"""

import json
from pathlib import Path

import pytest

import bsparse
from bsparse import models

SNAPSHOT = Path(__file__).parent / "snapshots" / "resnet50-aie2-4x4-block8x8-0.5.json"
LAYER_FIELDS = ("name", "kind", "cycles", "macs", "macs_dense", "traffic", "weight_traffic", "cores")


@pytest.fixture(scope="module")
def report():
    snap = json.loads(SNAPSHOT.read_text())
    program = bsparse.compile(models.get(snap["model"]), models.example_input(snap["model"]), pattern=snap["pattern"],
                              sparsity=snap["sparsity"], target=snap["target"], dtype=snap["dtype"], progress=False)
    _, result = program.run(models.example_input(snap["model"]))
    return snap, result


def test_totals_match_snapshot(report):
    snap, result = report
    assert (result.total_cycles, result.macs, result.macs_dense, result.traffic, result.weight_traffic) == (
        snap["total_cycles"], snap["macs"], snap["macs_dense"], snap["traffic"], snap["weight_traffic"])


def test_every_layer_matches_snapshot(report):
    snap, result = report
    got = [{k: layer.to_dict()[k] for k in LAYER_FIELDS} for layer in result.layers]
    assert len(got) == len(snap["layers"])
    for mine, expected in zip(got, snap["layers"]):
        assert mine == expected, mine["name"]
