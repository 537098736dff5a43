"""bsparse.compile / Program: stages, runs against PyTorch, option errors before any work."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch_mlir.ir as ir

import bsparse
from bsparse import models
from bsparse.api import copy_module
from bsparse.context import make_context
from bsparse.errors import BsparseCompilerError, BsparseError, OptionError
from bsparse.interpreter import IMPLS
from bsparse.passes import PASSES

STAGE_PASSES = {"sparsify": "bsparse-sparsify", "pack": "bsparse-pack", "partition": "bsparse-partition",
                "aie": "bsparse-to-aie"}


def needs_pass(stage: str):
    name = STAGE_PASSES[stage]
    return pytest.mark.skipif(name not in PASSES, reason=f"pass '{name}' is not registered in bsparse.passes.PASSES yet")


def needs_interpreter(op_name: str):
    return pytest.mark.skipif(op_name not in IMPLS, reason=f"the interpreter cannot run '{op_name}' yet")


needs_bsparse_interpreter = needs_interpreter("bsparse.packed_weight")


@functools.cache
def imported(name: str) -> ir.Module:
    """The model imported once; compile copies it, so tests may share it."""
    return bsparse.import_model(models.get(name), models.example_input(name), context=make_context(), progress=False)


def reference(name: str) -> np.ndarray:
    with torch.no_grad():
        return models.get(name)(models.example_input(name)).numpy()


def test_import_bsparse_is_cheap():
    code = "import sys, bsparse; bsparse.compile; bsparse.Program; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("until", "stages"),
    [
        ("sparsify", ["linalg", "sparsified"]),
        pytest.param("pack", ["linalg", "sparsified", "packed"], marks=needs_pass("pack")),
        pytest.param("partition", ["linalg", "sparsified", "packed", "partitioned"], marks=needs_pass("partition")),
    ],
)
def test_stages_that_ran_are_recorded(until, stages):
    program = bsparse.compile(imported("tiny_mlp"), sparsity=0.5, until=until, progress=False)
    assert list(program.stages) == stages
    assert program.last_stage == stages[-1]
    assert "linalg.matmul" in program.stages["linalg"] and "bsparse." not in program.stages["linalg"]
    if "packed" in stages:
        assert '"bsparse.packed_weight"' in program.stages["packed"]
        assert "linalg.matmul" not in program.stages["packed"]
    if "partitioned" in stages:
        assert "bsparse.partition = " in program.stages["partitioned"]
    assert program.stages[stages[-1]] == program.module.operation.get_asm()


def test_sparsity_none_has_no_sparsify_stage():
    program = bsparse.compile(imported("tiny_mlp"), sparsity=None, until="pack", progress=False)
    assert list(program.stages) == ["linalg", "packed"]


def test_input_module_is_not_changed():
    module = imported("tiny_mlp")
    before = module.operation.get_asm()
    bsparse.compile(module, sparsity=0.5, until="pack", progress=False)
    assert module.operation.get_asm() == before


@needs_pass("pack")
@needs_bsparse_interpreter
@pytest.mark.parametrize("name", ["tiny_mlp", "tiny_cnn"])
def test_packed_program_matches_pytorch(name):
    program = bsparse.compile(models.get(name), models.example_input(name), sparsity=None, until="pack",
                              progress=False)
    (output,), report = program.run(models.example_input(name))  # a torch tensor is accepted
    np.testing.assert_allclose(output, reference(name), rtol=1e-4, atol=1e-5)
    assert report.macs == report.macs_dense > 0


@needs_pass("partition")
@needs_bsparse_interpreter
@pytest.mark.parametrize("name", ["tiny_mlp", "tiny_cnn"])
def test_sparsified_program_runs_the_same_at_every_stage(name):
    x = models.example_input(name).numpy()
    program = bsparse.compile(imported(name), sparsity=0.5, until="partition", progress=False)
    (expected,), _ = program.run(x, stage="sparsified")
    for stage in ("packed", "partitioned"):
        (output,), _ = program.run(x, stage=stage)
        np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-5)
    (dense,), _ = program.run(x, stage="linalg")
    np.testing.assert_allclose(dense, reference(name), rtol=1e-4, atol=1e-5)
    assert not np.allclose(expected, dense, rtol=1e-3)  # pruning changed the model


@needs_pass("pack")
@needs_bsparse_interpreter
@pytest.mark.parametrize("name", ["tiny_mlp", "tiny_cnn"])
def test_sparsity_reduces_macs(name):
    x = models.example_input(name)
    _, own = bsparse.compile(imported(name), sparsity=None, until="pack", progress=False).run(x)
    _, half = bsparse.compile(imported(name), sparsity=0.5, until="pack", progress=False).run(x)
    assert half.macs_dense == own.macs_dense
    assert half.macs < 0.8 * own.macs
    assert [layer.name for layer in half.layers] == [layer.name for layer in own.layers]


@needs_pass("aie")
@needs_interpreter("bsparse.packed_sparse")
@pytest.mark.parametrize("name", ["tiny_mlp", "tiny_cnn"])
@pytest.mark.parametrize(("pattern", "sparsity"), [
    ("nm:2:4", 0.5), ("unstructured", 0.5), ("tw:8", 0.5), ("tvw:8", 0.75), ("gs:8", 0.5),
])
def test_non_block_patterns_compile_to_their_packed_format(name, pattern, sparsity):
    x = models.example_input(name).numpy()
    program = bsparse.compile(imported(name), pattern=pattern, sparsity=sparsity, target="aie2-2x2", progress=False)
    assert program.options["pattern"] == pattern
    packed = program.stages["packed"]
    assert '"bsparse.packed_sparse"' in packed and f'"{pattern}", f32>' in packed
    assert '"aie.matmul_sparse"' in program.stages["aie"] or '"aie.conv2d_sparse"' in program.stages["aie"]
    (expected,), _ = program.run(x, stage="sparsified")
    for stage in ("packed", "partitioned", "aie"):
        (output,), report = program.run(x, stage=stage)
        np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-5)
        assert report.macs < 0.8 * report.macs_dense


@needs_pass("pack")
def test_sparsity_zero_is_a_dense_baseline_for_any_pattern():
    program = bsparse.compile(imported("tiny_mlp"), pattern="nm:2:4", sparsity=0.0, until="pack", progress=False)
    assert list(program.stages) == ["linalg", "sparsified", "packed"]
    assert program.stages["sparsified"] == program.stages["linalg"]  # nothing pruned
    assert '"bsparse.packed_sparse"' not in program.stages["packed"]  # dense weights: blocks store no more values


@needs_pass("pack")
def test_pattern_object_is_its_canonical_string():
    from bsparse.patterns import NMPattern

    program = bsparse.compile(imported("tiny_mlp"), pattern=NMPattern(1, 4), sparsity=0.75, until="pack", progress=False)
    assert program.options["pattern"] == "nm:1:4"
    assert '"nm:1:4", f32>' in program.stages["packed"]


@needs_pass("pack")
def test_dense_and_sparse_packed_weights():
    dense = bsparse.compile(imported("tiny_mlp"), sparsity=0.0, until="pack", progress=False).packed_weights()
    half = bsparse.compile(imported("tiny_mlp"), sparsity=0.5, until="pack", progress=False).packed_weights()
    assert [r.name for r in dense] == ["fc1", "fc2", "fc3"]
    assert all(r.stored_blocks == r.total_blocks for r in dense)
    assert sum(r.stored_blocks for r in half) < sum(r.stored_blocks for r in dense)


@needs_pass("aie")
def test_default_compiles_to_aie():
    program = bsparse.compile(imported("tiny_mlp"), sparsity=0.5, target="aie2-2x2", progress=False)
    assert list(program.stages)[-1] == "aie"
    assert program.target == "aie2-2x2"
    assert '"aie.device"' in program.stages["aie"]


@needs_pass("aie")
@needs_interpreter("aie.device")
def test_aie_program_matches_and_costs_cycles():
    x = models.example_input("tiny_mlp")
    program = bsparse.compile(imported("tiny_mlp"), sparsity=0.5, target="aie2-2x2", progress=False)
    (output,), report = program.run(x)
    (expected,), _ = program.run(x, stage="sparsified")
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-5)
    assert report.total_cycles > 0
    assert report.to_dict()["target"] == "aie2-2x2"


def test_mlir_text_and_path(tmp_path):
    text = imported("tiny_mlp").operation.get_asm()
    path = tmp_path / "mlp.mlir"
    path.write_text(text)
    for source in (text, str(path), path):
        program = bsparse.compile(source, sparsity=0.5, until="sparsify", progress=False)
        assert list(program.stages) == ["linalg", "sparsified"]
        (output,), _ = program.run(models.example_input("tiny_mlp").numpy(), stage="linalg")
        np.testing.assert_allclose(output, reference("tiny_mlp"), rtol=1e-4, atol=1e-5)


def test_progress_callback_sees_each_stage():
    seen = []
    bsparse.compile(imported("tiny_mlp"), sparsity=0.5, until="sparsify", progress=lambda *a: seen.append(a))
    assert seen == [("sparsify", 0, 1), ("sparsify", 1, 1)]


class Exploding:
    """A model that must never be looked at: options are checked first."""

    def __getattr__(self, name):
        raise AssertionError("compile did work before checking its options")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pattern": "block:0x8"}, "block shape must be positive, got 0x8"),
        ({"pattern": "diagonal"}, "unknown sparsity pattern 'diagonal'"),
        ({"sparsity": 1.0}, "1.0 is not in [0, 1)"),
        ({"sparsity": -0.1}, "is not in [0, 1)"),
        ({"sparsity": "half"}, "expected a number in [0, 1), got 'half'"),
        ({"sparsity": True}, "sparsity must be a number in [0, 1) or None"),
        ({"target": "nope"}, "unknown target 'nope'; known targets:"),
        ({"dtype": "i4"}, "unknown data type 'i4'"),
        ({"until": "everything"}, "expected one of sparsify, pack, partition, aie"),
        ({"scope": "row"}, "expected one of layer, global"),
        ({"keep": ["a b"]}, "spaces and braces are not allowed"),
        ({"pattern": "nm:2:4", "sparsity": 0.75}, "nm:2:4 has sparsity 0.5; use nm:1:4 for 0.75"),
        ({"pattern": "gs:8", "scope": "global"}, "gs:8 cannot prune with scope=global"),
        ({"pattern": "tvw:8", "sparsity": 0.25}, "tvw needs sparsity >= 0.5"),
    ],
)
def test_bad_options_raise_before_any_work(options, message):
    with pytest.raises(OptionError) as info:
        bsparse.compile(Exploding(), **options)
    assert message in str(info.value)


def test_unregistered_stage_pass_is_reported_only_when_reached(monkeypatch):
    monkeypatch.delitem(PASSES, "bsparse-to-aie", raising=False)
    with pytest.raises(OptionError, match="pass 'bsparse-to-aie' .* is not available; stop before it with until=partition"):
        bsparse.compile(Exploding())
    bsparse.compile(imported("tiny_mlp"), until="sparsify", progress=False)


@pytest.mark.parametrize(
    ("model", "inputs", "message"),
    [
        ("func.func @f( {\n", (), "<string>:1:"),
        ("/no/such/model.mlir", (), "cannot open input file '/no/such/model.mlir'"),
        (42, (), "compile expects a torch.nn.Module, an ir.Module, MLIR text or a path"),
        ("func.func @f() {\n  return\n}\n", (np.zeros(1),), "example inputs are only used to import a torch.nn.Module"),
    ],
)
def test_bad_models(model, inputs, message):
    with pytest.raises(BsparseError, match=message.replace("(", r"\(").replace(".", r"\.")):
        bsparse.compile(model, *inputs, until="sparsify", progress=False)


def test_failing_stage_gives_a_repro_command():
    with pytest.raises(BsparseCompilerError) as info:
        bsparse.compile(imported("tiny_mlp"), keep=["nope"], until="sparsify", progress=False)
    message = str(info.value)
    assert "stage 'sparsify' failed" in message
    assert "keep names unknown layer(s) nope (layers: fc1, fc2, fc3)" in message
    repro = message.rsplit(" ", 1)[1]
    assert "reproduce with: bsparse-opt -p 'builtin.module(bsparse-sparsify{" in message
    with open(repro, encoding="utf-8") as handle:
        assert "linalg.matmul" in handle.read()
    os.unlink(repro)


def test_run_checks_its_inputs():
    program = bsparse.compile(imported("tiny_mlp"), sparsity=0.5, until="sparsify", progress=False)
    with pytest.raises(BsparseError, match="must have shape 1x64"):
        program.run(np.zeros((2, 64), np.float32))
    with pytest.raises(BsparseError, match="takes 1 argument"):
        program.run()


def test_copy_module_is_independent(ctx):
    module = ir.Module.parse("func.func @f() {\n  return\n}\n")
    copy = copy_module(module)
    copy.body.operations[0].erase()
    assert "func.func @f" in module.operation.get_asm()
