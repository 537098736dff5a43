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
  in ``loc("param:<state_dict key>"(...))``; see :mod:`bsparse.names`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from typing import Any, Callable, Iterator, Optional, Union

import torch
from torch import nn

from torch_mlir import fx, ir
from torch_mlir.compiler_utils import OutputType, TorchMlirCompilerError
from torch_mlir.dialects import torch as torch_dialect
from torch_mlir.extras.fx_importer import ContextCache, FxImporter, FxImporterHooks
from torch_mlir.extras.fx_decomp_util import get_decomposition_table

from ..errors import BsparseError
from .literals import DenseLiteralHooks, is_dense_resource
from bsparse.names import layer_name, name_loc
from .progress import Progress, ProgressCallback

STAGES = ("export", "decompose", "import", "lower")


class FrontendError(BsparseError):
    """A model could not be exported, imported or lowered to linalg; the message says which and why.

    ``details`` holds what torch printed while failing (e.g. the partial FX graph), for debugging.
    """

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


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


def _state_tensors(prog: torch.export.ExportedProgram) -> dict[str, torch.Tensor]:
    tensors = {key: t for key, t in getattr(prog, "constants", {}).items() if isinstance(t, torch.Tensor)}
    tensors.update(prog.state_dict)
    return tensors


def _add_non_persistent_buffers(prog: torch.export.ExportedProgram) -> None:
    """torch-mlir's frozen import looks buffers up in ``state_dict`` only; non-persistent ones live in ``constants``."""
    state, constants = prog.state_dict, getattr(prog, "constants", {})
    for name in prog.graph_signature.inputs_to_buffers.values():
        if name not in state and name in constants:
            state[name] = constants[name]


def _literal_count(prog: torch.export.ExportedProgram) -> int:
    sig = prog.graph_signature
    return len(sig.inputs_to_parameters) + len(sig.inputs_to_buffers) + len(sig.inputs_to_lifted_tensor_constants)


@contextlib.contextmanager
def _quiet_torch() -> Iterator[None]:
    """Silence torch's warnings and log output (graph dumps on export failures); errors still raise."""
    loggers = [logging.getLogger("torch")]
    loggers += [
        logger for name, logger in logging.Logger.manager.loggerDict.items()
        if name.startswith("torch.") and isinstance(logger, logging.Logger)
    ]
    levels = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in levels:
            logger.setLevel(level)


def _export(model: nn.Module, inputs: tuple[Any, ...], title: str) -> torch.export.ExportedProgram:
    printed = io.StringIO()  # torch.export prints the partial graph of a failed export to stderr
    try:
        with _quiet_torch(), contextlib.redirect_stderr(printed):
            return torch.export.export(model, inputs, strict=False)
    except Exception as exc:
        raise FrontendError(
            f"cannot export {title} with torch.export: {_first_line(exc)}\n"
            "hint: the model must be traceable by torch.export (no data-dependent Python control flow "
            "on tensor values) and callable as model(*example_inputs)",
            details=printed.getvalue(),
        ) from exc


def _decompose(prog: torch.export.ExportedProgram, title: str) -> torch.export.ExportedProgram:
    try:
        with _quiet_torch():
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
    status = Progress(progress, f"import {title}")
    ok = False
    try:
        status.stage("export")
        with _eval_mode(model):
            prog = _export(model, example_inputs, title)
        status.stage("decompose")
        prog = _decompose(prog, title)
        _add_non_persistent_buffers(prog)
        status.stage("import", _literal_count(prog))
        hooks = DenseLiteralHooks(_state_tensors(prog), on_literal=status.step)
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
    diagnostics: list[str] = []

    def collect(diagnostic: ir.Diagnostic) -> bool:
        if diagnostic.severity == ir.DiagnosticSeverity.ERROR:
            layer = layer_name(diagnostic.location)
            where = f" (in layer {layer!r})" if layer else ""
            diagnostics.append(f"{diagnostic.message}{where}")
        return True  # handled: keep MLIR from printing to the process's stderr

    # run_pipeline_with_repro_report turns this on for the context; give it back as it was.
    emit_error_diagnostics = context.emit_error_diagnostics
    handler = context.attach_diagnostic_handler(collect)
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
        detail = "\n".join(diagnostics) or _first_line(exc)
        raise FrontendError(f"cannot lower {title} to linalg-on-tensors: {detail}") from exc
    except Exception as exc:
        raise FrontendError(f"cannot import {title} into MLIR: {type(exc).__name__}: {_first_line(exc)}") from exc
    finally:
        handler.detach()
        context.emit_error_diagnostics = emit_error_diagnostics


def _check_no_resources(module: ir.Module, title: str) -> None:
    """Refuse ``dense_resource`` constants: later passes must be able to read every weight."""
    bad: list[str] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        for name in op.attributes:
            if is_dense_resource(op.attributes[name]):
                bad.append(f"{op.name} at {op.location}")
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    if bad:
        raise FrontendError(
            f"{title}: {len(bad)} constant(s) of a dtype without a dense encoding, e.g. {bad[0]}"
        )


__all__ = ["FrontendError", "STAGES", "import_model", "module_path"]
