"""import_model gives linalg-on-tensors with readable dense weights and per-op PyTorch module names."""

from __future__ import annotations

import ctypes
import functools
from collections import Counter

import numpy as np
import pytest
import torch

from torch_mlir import ir
from torch_mlir.execution_engine import ExecutionEngine
from torch_mlir.passmanager import PassManager
from torch_mlir.runtime import np_to_memref

from bsparse import models
from bsparse.errors import BsparseError
from bsparse.frontend import FrontendError, import_model, layer_name, layer_names, param_name
from bsparse.frontend.literals import is_dense_resource, tensor_to_dense_attr

WEIGHT_OPS = ("linalg.conv_2d_nchw_fchw", "linalg.conv_2d_ngchw_gfchw", "linalg.depthwise_conv_2d_nchw_chw",
              "linalg.matmul")


def ops(module: ir.Module) -> list[ir.Operation]:
    found: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        found.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return found


def weight_constants(module: ir.Module) -> list[ir.Operation]:
    return [op for op in ops(module) if op.name == "arith.constant"
            and isinstance(op.attributes["value"], ir.DenseElementsAttr)
            and not op.attributes["value"].is_splat]


@functools.cache
def import_once(name: str) -> tuple[str, torch.nn.Module, ir.Module]:
    model = models.get(name)
    return name, model, import_model(model, models.example_input(name), progress=False)


@pytest.fixture(params=["tiny_cnn", "tiny_mlp"])
def imported(request: pytest.FixtureRequest) -> tuple[str, torch.nn.Module, ir.Module]:
    return import_once(request.param)


def test_output_is_linalg_on_tensors(imported: tuple[str, torch.nn.Module, ir.Module]) -> None:
    _, _, module = imported
    assert module.operation.verify()
    dialects = {op.name.split(".")[0] for op in ops(module)}
    assert dialects <= {"builtin", "func", "arith", "linalg", "tensor", "math", "cf"}


def test_no_dense_resource_anywhere(imported: tuple[str, torch.nn.Module, ir.Module]) -> None:
    _, _, module = imported
    for op in ops(module):
        for name in op.attributes:
            assert not is_dense_resource(op.attributes[name]), op
    assert "dense_resource" not in module.operation.get_asm(large_elements_limit=None)


def test_every_state_tensor_arrives_as_an_equal_dense_constant(
    imported: tuple[str, torch.nn.Module, ir.Module],
) -> None:
    _, model, module = imported
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    constants = weight_constants(module)
    arrays = [np.array(ir.DenseElementsAttr(op.attributes["value"])) for op in constants]
    # Location-independent: every parameter's values (in any reshaped layout) are some constant's values.
    for key, tensor in state.items():
        expected = tensor.numpy().reshape(-1)
        assert any(a.size == expected.size and np.array_equal(a.reshape(-1), expected) for a in arrays), key
    # And each weight constant names the tensor it came from.
    named = {param_name(op): array for op, array in zip(constants, arrays)}
    assert set(named) == set(state)
    for key, array in named.items():
        assert array.dtype == np.float32
        assert np.array_equal(array.reshape(-1), state[key].numpy().reshape(-1)), key


# Upstream passes only: a reference run of the imported IR, independent of bsparse's interpreter.
JIT_PIPELINE = (
    "builtin.module(func.func(linalg-generalize-named-ops),"
    "one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},"
    "func.func(refback-munge-memref-copy), func.func(convert-linalg-to-loops), convert-scf-to-cf,"
    "expand-strided-metadata, lower-affine, finalize-memref-to-llvm, convert-math-to-llvm, convert-math-to-libm,"
    "convert-arith-to-llvm, convert-cf-to-llvm, convert-func-to-llvm, convert-index-to-llvm,"
    "reconcile-unrealized-casts)"
)


def jit_run(module: ir.Module, x: np.ndarray, out_rank: int) -> np.ndarray:
    with module.context:
        module = ir.Module.parse(str(module))
        module.body.operations[0].attributes["llvm.emit_c_interface"] = ir.UnitAttr.get()
        PassManager.parse(JIT_PIPELINE).run(module.operation)
        engine = ExecutionEngine(module, opt_level=1)
    result = np_to_memref.make_nd_memref_descriptor(out_rank, ctypes.c_float)()
    x_desc = np_to_memref.get_ranked_memref_descriptor(x)
    engine.invoke("main", ctypes.pointer(ctypes.pointer(result)), ctypes.pointer(ctypes.pointer(x_desc)))
    return np_to_memref.ranked_memref_to_numpy(ctypes.pointer(result)).copy()


def test_imported_ir_computes_the_pytorch_output(imported: tuple[str, torch.nn.Module, ir.Module]) -> None:
    name, model, module = imported
    x = models.example_input(name, seed=1)
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(jit_run(module, x.numpy(), expected.ndim), expected, rtol=1e-5, atol=1e-5)


class Buffers(torch.nn.Module):
    """A non-persistent buffer, a bool buffer and a lifted tensor constant: the literal paths besides parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)
        self.register_buffer("scale", torch.arange(4.0) + 1, persistent=False)
        self.register_buffer("mask", torch.tensor([True, False, True, True]))
        self.offset = torch.tensor([0.5, 1.5, 2.5, 3.5])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.lin(x) * self.scale + self.offset
        return torch.where(self.mask, y, -y)


def test_buffers_and_lifted_constants_are_dense_and_named() -> None:
    model = Buffers()
    module = import_model(model, torch.randn(2, 4), progress=False)
    constants = {param_name(op): np.array(op.attributes["value"]) for op in weight_constants(module)}
    expected = {"lin.weight": model.lin.weight.detach(), "lin.bias": model.lin.bias.detach(),
                "scale": model.scale, "mask": model.mask, "offset": model.offset}
    assert set(constants) == set(expected)
    for key, tensor in expected.items():
        assert np.array_equal(constants[key], tensor.numpy()), key
    x = torch.randn(2, 4)
    with torch.no_grad():
        np.testing.assert_allclose(jit_run(module, x.numpy(), 2), model(x).numpy(), rtol=1e-6, atol=1e-6)


def test_weight_constants_carry_their_layer_name(imported: tuple[str, torch.nn.Module, ir.Module]) -> None:
    _, _, module = imported
    for op in weight_constants(module):
        assert param_name(op).rpartition(".")[0] == layer_name(op)


def test_compute_ops_keep_their_module_path(imported: tuple[str, torch.nn.Module, ir.Module]) -> None:
    name, _, module = imported
    weighted = [(op.name, layer_name(op)) for op in ops(module) if op.name in WEIGHT_OPS]
    expected = {
        "tiny_cnn": [
            ("linalg.conv_2d_nchw_fchw", "stem"),
            ("linalg.conv_2d_nchw_fchw", "block1.conv"),
            ("linalg.conv_2d_ngchw_gfchw", "block2.conv"),
            ("linalg.depthwise_conv_2d_nchw_chw", "block3.conv"),
            ("linalg.conv_2d_nchw_fchw", "pointwise.conv"),
            ("linalg.matmul", "fc"),
        ],
        "tiny_mlp": [("linalg.matmul", "fc1"), ("linalg.matmul", "fc2"), ("linalg.matmul", "fc3")],
    }[name]
    assert weighted == expected
    for op in ops(module):
        if op.name.startswith("linalg.") and op.name != "linalg.yield":
            assert layer_name(op), op.name


def test_tiny_cnn_op_inventory() -> None:
    _, _, module = import_once("tiny_cnn")
    counts = Counter(op.name for op in ops(module))
    assert counts["linalg.pooling_nchw_max"] == 1
    assert counts["linalg.transpose"] == 1  # nn.Linear: matmul(x, transpose(W)), W kept as (out, in)
    by_layer = Counter(layer_name(op) for op in ops(module) if op.name == "linalg.generic")
    assert by_layer["block1.bn"] == 7  # eval BatchNorm: eps add, sqrt, reciprocal, sub, mul, mul, add


def test_import_into_a_given_context() -> None:
    context_module = pytest.importorskip("bsparse.context")
    ctx = context_module.make_context()
    module = import_model(models.get("tiny_mlp"), models.example_input("tiny_mlp"), context=ctx, progress=False)
    assert module.context is ctx
    assert ctx.dialects["bsparse"] is not None
    assert not ctx.emit_error_diagnostics  # torch-mlir's pipeline runner turns it on; we restore it
    reparsed = ir.Module.parse(str(module), context=ctx)  # the module is plain IR in that context
    assert reparsed.operation.verify()


def test_file_locations_can_be_dropped() -> None:
    module = import_model(models.get("tiny_mlp"), models.example_input("tiny_mlp"), progress=False,
                          file_locations=False)
    matmul = next(op for op in ops(module) if op.name == "linalg.matmul")
    assert str(matmul.location) == 'loc("fc1")'


def test_training_flag_is_restored_and_eval_semantics_imported() -> None:
    model = models.get("tiny_cnn").train()
    module = import_model(model, models.example_input("tiny_cnn"), progress=False)
    assert model.training and model.block1.bn.training
    assert "block1.bn.running_mean" in {param_name(op) for op in weight_constants(module)}


def test_progress_callback_sees_every_stage() -> None:
    seen: list[tuple[str, int, int]] = []
    import_model(models.get("tiny_mlp"), models.example_input("tiny_mlp"),
                 progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == ["export", "decompose", "import", "lower"]
    assert ("import", 6, 6) in seen  # three weights and three biases


def test_progress_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    import_model(models.get("tiny_mlp"), models.example_input("tiny_mlp"), progress=True)
    assert "[bsparse] import TinyMLP: done in" in capsys.readouterr().err
    import_model(models.get("tiny_mlp"), models.example_input("tiny_mlp"), progress=False)
    assert capsys.readouterr().err == ""


class DataDependent(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x if x.sum() > 0 else -x


def test_unexportable_model_gives_frontend_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(FrontendError, match="cannot export DataDependent with torch.export") as info:
        import_model(DataDependent(), torch.randn(3), progress=False)
    assert isinstance(info.value, BsparseError)
    assert "def forward" in info.value.details  # torch's partial graph, kept off stderr
    assert "def forward" not in capsys.readouterr().err


def test_bad_arguments_give_frontend_errors() -> None:
    with pytest.raises(FrontendError, match="needs example inputs"):
        import_model(models.get("tiny_mlp"))
    with pytest.raises(FrontendError, match="expects a torch.nn.Module"):
        import_model(lambda x: x, torch.randn(2))  # type: ignore[arg-type]
    with pytest.raises(FrontendError, match="cannot export TinyMLP"):
        import_model(models.get("tiny_mlp"), torch.randn(1, 65), progress=False)


def test_is_dense_resource() -> None:
    with ir.Context():
        assert is_dense_resource(ir.Attribute.parse("dense_resource<blob> : tensor<2xf32>"))
        assert not is_dense_resource(ir.Attribute.parse("dense<1.0> : tensor<2xf32>"))


@pytest.mark.parametrize("dtype, element", [
    (torch.float32, "f32"), (torch.float16, "f16"), (torch.bfloat16, "bf16"), (torch.int64, "si64"),
    (torch.int8, "si8"), (torch.uint8, "ui8"), (torch.bool, "i1"),
])
def test_tensor_to_dense_attr_keeps_values_and_types(dtype: torch.dtype, element: str) -> None:
    tensor = (torch.arange(12).reshape(3, 4) % 5).to(dtype)
    with ir.Context():
        attr = tensor_to_dense_attr(tensor)
        assert str(attr.type) == f"tensor<3x4x{element}>"
        if dtype in (torch.float32, torch.float16, torch.int64, torch.int8, torch.uint8):
            assert np.array_equal(np.array(attr), tensor.numpy())


LOCATIONS = """
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  %0 = arith.addf %a, %a : tensor<2xf32> loc("layer1.0.conv1"("m.py":3:0))
  %1 = arith.addf %0, %a : tensor<2xf32> loc(fused["layer1.0.bn1"("m.py":4:0), "layer1.0.relu"])
  %2 = arith.addf %1, %a : tensor<2xf32> loc(callsite("param:fc.weight"("fc") at "m.py":9:0))
  %3 = arith.addf %2, %a : tensor<2xf32> loc("m.py":5:0)
  return %3 : tensor<2xf32>
}
"""


def test_layer_name_reads_name_fused_and_callsite_locations() -> None:
    with ir.Context():
        module = ir.Module.parse(LOCATIONS)
    adds = [op for op in ops(module) if op.name == "arith.addf"]
    assert [layer_name(op) for op in adds] == ["layer1.0.conv1", "layer1.0.bn1", "fc", None]
    assert layer_names(adds[1]) == ["layer1.0.bn1", "layer1.0.relu"]
    assert [param_name(op) for op in adds] == [None, None, "fc.weight", None]
