"""Import a PyTorch model to linalg-on-tensors with dense constant weights and module-path locations.

``import_model`` goes through ``torch_mlir.fx.export_and_import`` with two
changes to torch-mlir's defaults:

* every tensor literal (parameters, buffers, lifted constants) is inlined as a
  ``DenseElementsAttr`` built straight from the tensor's numpy buffer, so
  ``np.array(ir.DenseElementsAttr(op.attributes["value"]))`` reads it back
  (torch-mlir's default, ``dense_resource`` via ``tensor.tolist()``, is
  unreadable from Python and ~10x slower on ResNet-50);
* every op's location is ``loc("<module path>"(<file location>))`` from the
  FX node's ``nn_module_stack``, and weight constants are additionally wrapped
  in ``loc("param:<state_dict key>"(...))``; see :mod:`bsparse.frontend.names`.
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from typing import Any, Callable, Iterator, Optional, Union

import numpy as np
import torch
from torch import nn

from torch_mlir import fx, ir
from torch_mlir.compiler_utils import OutputType, TorchMlirCompilerError
from torch_mlir.dialects import torch as torch_dialect
from torch_mlir.extras.fx_importer import (
    TORCH_DTYPE_TO_MLIR_TYPE,
    ContextCache,
    FxImporter,
    FxImporterHooks,
    GraphNodeImporter,
    InputInfo,
)
from torch_mlir.extras.fx_decomp_util import get_decomposition_table

from .names import layer_name, name_loc, param_loc, param_name

#: ``progress`` may be a callable ``(stage, done, total)``; ``total`` is 0 when unknown.
ProgressCallback = Callable[[str, int, int], None]

STAGES = ("export", "decompose", "import", "lower")


class FrontendError(Exception):
    """A model could not be exported, imported or lowered to linalg; the message says which and why."""


# Torch dtypes numpy cannot hold are passed as raw bits of the same width.
_BIT_CARRIERS = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def tensor_to_dense_attr(tensor: torch.Tensor, context: ir.Context | None = None) -> ir.DenseElementsAttr:
    """The tensor's values as a ``DenseElementsAttr`` of torch-mlir's element type (no copy through Python lists).

    Raises:
        TypeError: the dtype has no MLIR element type or no fixed byte width.
    """
    element_type_fn = TORCH_DTYPE_TO_MLIR_TYPE.get(tensor.dtype)
    if element_type_fn is None or tensor.dtype.is_complex:
        raise TypeError(f"no dense MLIR encoding for tensor dtype {tensor.dtype}")
    data = tensor.detach().cpu().contiguous()
    if data.dtype == torch.bool:
        data = data.to(torch.uint8)  # MLIR reads i1 from one byte per element
    try:
        array = data.numpy()
    except TypeError:  # bfloat16, float8: keep the bits, let MLIR type them
        carrier = _BIT_CARRIERS.get(data.element_size())
        if carrier is None:
            raise TypeError(f"no dense MLIR encoding for tensor dtype {tensor.dtype}") from None
        array = data.view(carrier).numpy()
    with context or contextlib.nullcontext():
        return ir.DenseElementsAttr.get(
            np.ascontiguousarray(array), type=element_type_fn(), shape=list(tensor.shape)
        )


class DenseLiteralHooks(FxImporterHooks):
    """Inline every tensor literal as a ``DenseElementsAttr`` located at its ``state_dict`` key.

    The torch->linalg lowering re-creates constants at their consumer's
    location, so :meth:`restore_param_locations` puts the key back afterwards.
    """

    def __init__(self, names: dict[int, str] | None = None, on_literal: Callable[[], None] | None = None) -> None:
        #: id(tensor) -> state_dict / constants key, for the ``param:`` location.
        self.names = names or {}
        self._on_literal = on_literal
        # Keyed by id(); the tensor is kept alive beside its attribute so ids are not reused.
        self._attrs: dict[int, tuple[torch.Tensor, ir.DenseElementsAttr]] = {}

    def resolve_literal(self, gni: GraphNodeImporter, literal: Any, info: Optional[InputInfo]) -> Optional[ir.Value]:
        if not isinstance(literal, torch.Tensor):
            return None
        cached = self._attrs.get(id(literal))
        if cached is None:
            try:
                attr = tensor_to_dense_attr(literal)
            except TypeError:
                return None  # torch-mlir's default path; import_model rejects what it leaves behind
            self._attrs[id(literal)] = (literal, attr)
            if self._on_literal is not None:
                self._on_literal()
        else:
            attr = cached[1]
        vtensor_type = gni._cc.tensor_to_vtensor_type(literal)
        key = self.names.get(id(literal))
        loc = param_loc(key, ir.Location.current) if key else ir.Location.current
        return ir.Operation.create(
            "torch.vtensor.literal", results=[vtensor_type], attributes={"value": attr}, loc=loc
        ).result


    def imported(self) -> Iterator[tuple[str, torch.Tensor, ir.DenseElementsAttr]]:
        """(state_dict key, tensor, attribute) of every named literal imported so far."""
        for tensor, attr in self._attrs.values():
            key = self.names.get(id(tensor))
            if key is not None:
                yield key, tensor, attr

    def restore_param_locations(self, module: ir.Module) -> None:
        """Wrap each weight ``arith.constant``'s location in ``loc("param:<key>"(...))``.

        Constants are matched by attribute identity, or, when the lowering
        folded a reshape into them (BatchNorm statistics become ``Cx1x1``,
        grouped-conv filters gain a group dimension), by element count and
        values among the tensors of the constant's own layer.
        """
        by_attr = {attr: key for key, _, attr in self.imported()}
        by_layer: dict[str, list[tuple[str, torch.Tensor]]] = {}
        for key, tensor, _ in self.imported():
            by_layer.setdefault(key.rpartition(".")[0], []).append((key, tensor))

        def visit(op: ir.Operation) -> ir.WalkResult:
            if op.name == "arith.constant":
                value = op.attributes["value"]
                if isinstance(value, ir.DenseElementsAttr):
                    key = by_attr.get(value) or _match_reshaped(value, by_layer.get(layer_name(op) or "", []))
                    if key is not None and param_name(op) is None:
                        op.location = param_loc(key, op.location)
            return ir.WalkResult.ADVANCE

        module.operation.walk(visit)


def _match_reshaped(value: ir.DenseElementsAttr, candidates: list[tuple[str, torch.Tensor]]) -> str | None:
    shape = ir.ShapedType(value.type)
    numel = int(np.prod(shape.shape)) if shape.rank else 1
    array: np.ndarray | None = None
    for key, tensor in candidates:
        if tensor.numel() != numel or value.is_splat:
            continue
        if array is None:
            array = np.array(value).reshape(-1)
        expected = tensor.detach().reshape(-1)
        if expected.dtype == torch.bool:
            expected = expected.to(torch.uint8)
        try:
            if np.array_equal(array, expected.numpy()):
                return key
        except TypeError:  # no numpy dtype (bfloat16): leave unnamed
            return None
    return None


def module_path(node: torch.fx.Node) -> str | None:
    """The innermost ``nn.Module`` path that ran ``node`` ("layer2.0.conv2"), or None for the root module."""
    stack = node.meta.get("nn_module_stack")
    if not stack:
        return None
    path = next(reversed(stack.values()))[0]
    return path or None


class _NamedLocationCache(ContextCache):
    """torch-mlir's per-context cache, with node locations wrapped in a NameLoc of the module path."""

    __slots__ = ("_file_locations",)

    def __init__(self, context: ir.Context, *, py_attr_tracker: Any, file_locations: bool) -> None:
        super().__init__(context, py_attr_tracker=py_attr_tracker)
        self._file_locations = file_locations

    def get_node_location(self, node: torch.fx.Node) -> Optional[ir.Location]:
        # Never None: torch-mlir keeps the previous node's location on None,
        # which would hand one layer's name to the next op.
        child = super().get_node_location(node) if self._file_locations else None
        if child is None:
            child = ir.Location.unknown(self._c)
        path = module_path(node)
        return name_loc(path, child, self._c) if path else child


class _Importer(FxImporter):
    """An FxImporter with named locations that reports when import ends and lowering starts."""

    def __init__(self, *, context: ir.Context, hooks: FxImporterHooks, file_locations: bool,
                 on_imported: Callable[[], None]) -> None:
        super().__init__(context=context, hooks=hooks)
        self._cc = _NamedLocationCache(
            self._c, py_attr_tracker=self._py_attr_tracker, file_locations=file_locations
        )
        self._on_imported = on_imported

    def import_frozen_program(self, *args: Any, **kwargs: Any) -> Any:
        func = super().import_frozen_program(*args, **kwargs)
        self._on_imported()
        return func


class _Progress:
    """A one-line ``[bsparse] import resnet50: import 45% (73/161 weights)`` status on stderr."""

    def __init__(self, enabled: Union[bool, ProgressCallback, None], title: str) -> None:
        self._stream = sys.stderr  # captured now: torch-mlir swaps sys.stderr while lowering
        if enabled is None:
            enabled = bool(getattr(self._stream, "isatty", lambda: False)())
        self._callback: ProgressCallback | None = enabled if callable(enabled) else None
        self._print = enabled is True
        self._title = title
        self._start = time.perf_counter()
        self._stage = ""
        self._total = 0
        self._done = 0
        self._last_draw = 0.0
        #: Seconds spent in each stage, in order.
        self.times: dict[str, float] = {}
        self._stage_start = self._start

    def stage(self, name: str, total: int = 0) -> None:
        self._end_stage()
        self._stage, self._total, self._done = name, total, 0
        self._stage_start = time.perf_counter()
        self._emit(force=True)

    def step(self) -> None:
        self._done += 1
        self._emit(force=self._done == self._total)

    def close(self, ok: bool) -> None:
        self._end_stage()
        self._stage = ""
        if self._print:
            elapsed = time.perf_counter() - self._start
            status = f"done in {elapsed:.1f} s" if ok else "failed"
            self._stream.write(f"\r\033[K[bsparse] import {self._title}: {status}\n")
            self._stream.flush()

    def _end_stage(self) -> None:
        if self._stage:
            self.times[self._stage] = time.perf_counter() - self._stage_start

    def _emit(self, force: bool) -> None:
        if self._callback is not None:
            self._callback(self._stage, self._done, self._total)
        if not self._print:
            return
        now = time.perf_counter()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        detail = ""
        if self._total:
            detail = f" {100 * self._done // self._total:3d}% ({self._done}/{self._total} tensors)"
        elapsed = now - self._start
        self._stream.write(f"\r\033[K[bsparse] import {self._title}: {self._stage}{detail} [{elapsed:.1f} s]")
        self._stream.flush()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:500]


@contextlib.contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """Import inference semantics (BatchNorm running stats, no dropout), then restore the caller's flags."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for m, training in flags:
            m.training = training


def _literal_names(prog: torch.export.ExportedProgram) -> dict[int, str]:
    names = {id(t): key for key, t in prog.state_dict.items()}
    names.update({id(t): key for key, t in getattr(prog, "constants", {}).items() if isinstance(t, torch.Tensor)})
    return names


def _literal_count(prog: torch.export.ExportedProgram) -> int:
    sig = prog.graph_signature
    return len(sig.inputs_to_parameters) + len(sig.inputs_to_buffers) + len(sig.inputs_to_lifted_tensor_constants)


def _export(model: nn.Module, inputs: tuple[Any, ...], title: str) -> torch.export.ExportedProgram:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.export.export(model, inputs, strict=False)
    except Exception as exc:
        raise FrontendError(
            f"cannot export {title} with torch.export: {_first_line(exc)}\n"
            "hint: the model must be traceable by torch.export (no data-dependent Python control flow "
            "on tensor values) and callable as model(*example_inputs)"
        ) from exc


def _decompose(prog: torch.export.ExportedProgram, title: str) -> torch.export.ExportedProgram:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return prog.run_decompositions(get_decomposition_table())
    except Exception as exc:
        raise FrontendError(f"cannot decompose {title} to core ATen ops: {_first_line(exc)}") from exc


def _check_arguments(model: Any, inputs: tuple[Any, ...]) -> str:
    if not isinstance(model, nn.Module):
        raise FrontendError(f"import_model expects a torch.nn.Module, got {type(model).__name__}")
    if not inputs:
        raise FrontendError(
            f"import_model({type(model).__name__}) needs example inputs, e.g. "
            "import_model(model, torch.randn(1, 3, 224, 224))"
        )
    for i, x in enumerate(inputs):
        if not isinstance(x, torch.Tensor):
            raise FrontendError(f"example input {i} is a {type(x).__name__}, expected a torch.Tensor")
    return type(model).__name__


def _ensure_torch_dialect(context: ir.Context) -> None:
    try:
        context.dialects["torch"]
    except IndexError:
        torch_dialect.register_dialect(context)


def import_model(
    model: nn.Module,
    *example_inputs: torch.Tensor,
    context: ir.Context | None = None,
    progress: Union[bool, ProgressCallback, None] = None,
    file_locations: bool = True,
) -> ir.Module:
    """Import ``model`` to a linalg-on-tensors ``builtin.module`` with one ``func.func @main``.

    Args:
        model: the PyTorch module; it is imported in eval mode (its training
            flags are restored afterwards).
        *example_inputs: tensors fixing the input shapes and dtypes.
        context: the ``ir.Context`` to build the module in (e.g. from
            ``bsparse.context.make_context()``); the torch dialect is
            registered in it if missing. Default: a new context.
        progress: True prints a status line on stderr, False is silent, a
            callable receives ``(stage, done, total)``; default: True when
            stderr is a terminal. Stages are ``export``, ``decompose``,
            ``import`` (one step per weight tensor) and ``lower``.
        file_locations: keep the Python file/line call stack inside each
            op's name location.

    Returns:
        The module. Weights are ``arith.constant`` ops holding a
        ``DenseElementsAttr`` at ``loc("param:<key>"("<module path>"(...)))``;
        other ops are at ``loc("<module path>"(...))``.

    Raises:
        FrontendError: the model cannot be exported, decomposed, imported or lowered.
    """
    title = _check_arguments(model, example_inputs)
    context = context if context is not None else ir.Context()
    _ensure_torch_dialect(context)
    status = _Progress(progress, title)
    ok = False
    try:
        status.stage("export")
        with _eval_mode(model):
            prog = _export(model, example_inputs, title)
        status.stage("decompose")
        prog = _decompose(prog, title)
        status.stage("import", _literal_count(prog))
        hooks = DenseLiteralHooks(_literal_names(prog), on_literal=status.step)
        importer = _Importer(
            context=context, hooks=hooks, file_locations=file_locations,
            on_imported=lambda: status.stage("lower"),
        )
        module = _import_and_lower(prog, importer, context, title)
        _check_no_resources(module, title)
        hooks.restore_param_locations(module)
        ok = True
        return module
    finally:
        status.close(ok)


def _import_and_lower(
    prog: torch.export.ExportedProgram, importer: FxImporter, context: ir.Context, title: str
) -> ir.Module:
    # run_pipeline_with_repro_report turns this on for the context; give it back as it was.
    emit_error_diagnostics = context.emit_error_diagnostics
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fx.export_and_import(
                prog,
                output_type=OutputType.LINALG_ON_TENSORS,
                fx_importer=importer,
                decomposition_table={},  # already decomposed, as its own progress stage
            )
    except TorchMlirCompilerError as exc:
        message = str(exc).strip()
        raise FrontendError(f"cannot lower {title} to linalg-on-tensors:\n{message}") from None
    except Exception as exc:
        raise FrontendError(f"cannot import {title} into MLIR: {type(exc).__name__}: {_first_line(exc)}") from exc
    finally:
        context.emit_error_diagnostics = emit_error_diagnostics


def _check_no_resources(module: ir.Module, title: str) -> None:
    """Refuse ``dense_resource`` constants: later passes must be able to read every weight."""
    bad: list[str] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        for name in op.attributes:
            if isinstance(op.attributes[name], ir.DenseResourceElementsAttr):
                bad.append(f"{op.name} at {op.location}")
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    if bad:
        raise FrontendError(
            f"{title}: {len(bad)} constant(s) of a dtype without a dense encoding, e.g. {bad[0]}"
        )


__all__ = ["FrontendError", "DenseLiteralHooks", "STAGES", "import_model", "module_path", "tensor_to_dense_attr"]
