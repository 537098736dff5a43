"""The Python API: compile a model or MLIR program through ``bsparse-compile`` stage by stage, and run it.

>>> import bsparse
>>> from bsparse import models
>>> program = bsparse.compile(models.get("tiny_cnn"), models.example_input("tiny_cnn"), sparsity=0.5)
>>> outputs, report = program.run(models.example_input("tiny_cnn"))
>>> report.total_cycles, sorted(program.stages)

Nothing here imports PyTorch until a PyTorch model is imported.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Union

import numpy as np
import torch_mlir.ir as ir

from bsparse import targets
from bsparse.context import load_dialects, make_context
from bsparse.dialects.bsparse import UNPACKED_ATTRIBUTE
from bsparse.errors import BsparseCompilerError, BsparseError, OptionError
from bsparse.names import layer_name
from bsparse.irutil import location_str
from bsparse.pipeline import NAMED_PIPELINES, ROOT_ANCHOR, Anchor, BoundPipeline, build_pass_manager
from bsparse.report import PackedWeightRow, Report, packed_weights

__all__ = [
    "INPUT_STAGE", "Program", "Report", "StageIR", "compile", "compile_options", "copy_module", "default_function",
    "import_model", "located_error",
    "parse_file", "parse_module",
]

INPUT_STAGE = "linalg"
"""The name of the program's IR before any stage ran, in `Program.stages`."""

ProgressArg = Union[bool, Callable[[str, int, int], None], None]


def import_model(model: Any, *example_inputs: Any, context: ir.Context | None = None, progress: ProgressArg = None,
                 file_locations: bool = True) -> ir.Module:
    """Imports a PyTorch ``nn.Module`` to linalg-on-tensors; see `bsparse.frontend.torch.import_model`.

    Raises:
        FrontendError: the model cannot be exported, decomposed, imported or lowered.
    """
    from bsparse.frontend.torch import import_model as frontend_import_model  # loads PyTorch

    return frontend_import_model(model, *example_inputs, context=context, progress=progress,
                                 file_locations=file_locations)


# ----------------------------------------------------------------------------- modules


def parse_module(text: str, filename: str, context: ir.Context | None = None) -> ir.Module:
    """Parses MLIR `text` in `context` (default: a new `make_context()`).

    Raises:
        BsparseError: malformed IR, located as ``filename:line:col``.
    """
    context = context or make_context()
    try:
        return ir.Module.parse(text, context)
    except ir.MLIRError as err:
        raise located_error(err, filename) from None


def _diagnostics(err: ir.MLIRError, filename: str | None = None) -> list[tuple[str | None, str]]:
    """(``file:line:col`` or None, message) of each error diagnostic of `err`, naming the layer when known."""
    found = []
    for diagnostic in err.error_diagnostics:
        layer = layer_name(diagnostic.location)
        message = diagnostic.message + (f" (in layer '{layer}')" if layer else "")
        found.append((location_str(diagnostic.location, filename=filename), message))
    return found or [(None, err.message)]


def _render(where: str | None, message: str) -> str:
    return str(BsparseError(message, where))  # ``file:line:col: error: message``


def located_error(err: ir.MLIRError, filename: str | None = None) -> BsparseError:
    """One `BsparseError` for `err`, at the first diagnostic's location (`filename` names the file)."""
    (where, message), *rest = _diagnostics(err, filename)
    return BsparseError("\n".join([message] + [_render(*d) for d in rest]), where)


def copy_module(module: ir.Module | ir.Operation) -> ir.Module:
    """A deep copy of `module` (a ``builtin.module``) in its context; large constants are shared, not copied."""
    operation = module.operation
    with operation.context:
        copy = ir.Module.create(operation.location)
        for name in operation.attributes:
            copy.operation.attributes[name] = operation.attributes[name]
        with ir.InsertionPoint(copy.body):
            for op in operation.regions[0].blocks[0].operations:
                op.clone()
    return copy


def _load(model: Any, example_inputs: tuple, progress: ProgressArg) -> ir.Module:
    """The program to compile, as a module of its own (the caller's module is never changed)."""
    if isinstance(model, ir.Module):
        _no_inputs(model, example_inputs)
        load_dialects(model.context)
        return copy_module(model)
    if isinstance(model, (str, os.PathLike)):
        _no_inputs(model, example_inputs)
        return _load_mlir(os.fspath(model))
    if _is_torch_module(model):
        return import_model(model, *example_inputs, context=make_context(), progress=progress)
    raise BsparseError(
        f"compile expects a torch.nn.Module, an ir.Module, MLIR text or a path to an .mlir file, got {type(model).__name__}"
    )


def _load_mlir(text_or_path: str) -> ir.Module:
    looks_like_path = "\n" not in text_or_path and ("{" not in text_or_path or text_or_path.endswith(".mlir"))
    return parse_file(text_or_path) if looks_like_path else parse_module(text_or_path, "<string>")


def parse_file(path: str, context: ir.Context | None = None) -> ir.Module:
    """Parses the MLIR file `path` in `context` (default: a new `make_context()`); locations name the file.

    Raises:
        BsparseError: the file cannot be read, or malformed IR (located as ``path:line:col``).
    """
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        raise BsparseError(f"cannot open input file '{path}': {err.strerror}") from None
    try:
        return ir.Module.parseFile(path, context or make_context())
    except ir.MLIRError as err:
        raise located_error(err) from None


def _no_inputs(model: Any, example_inputs: tuple) -> None:
    if example_inputs:
        raise BsparseError(
            f"example inputs are only used to import a torch.nn.Module; got {len(example_inputs)} with a "
            f"{type(model).__name__} (pass them to Program.run instead)"
        )


def _is_torch_module(model: Any) -> bool:
    torch = sys.modules.get("torch")  # an nn.Module cannot exist unless torch is imported
    return torch is not None and isinstance(model, torch.nn.Module)


# ----------------------------------------------------------------------------- options


def compile_options(*, pattern: Any = "block:8x8", sparsity: float | str | None = 0.5,
                    target: Any = targets.DEFAULT_TARGET,
                    dtype: str = "i8", keep: Sequence[str] | str = (), scope: str = "layer",
                    keep_small: bool = True, until: str = "aie", assign: str = "any", strict: bool = False) -> BoundPipeline:
    """Validates `compile`'s options as ``bsparse-compile`` options.

    Raises:
        OptionError: a bad pattern, sparsity, target, data type, scope,
            assignment or stage, options the pattern cannot take (e.g.
            ``nm:2:4`` at 0.75, ``scope="global"`` with ``nm`` or ``gs``), or a
            stage up to `until` whose pass is not available.
    """
    if sparsity is not None and not isinstance(sparsity, str):
        if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float, np.integer, np.floating)):
            raise OptionError(f"sparsity must be a number in [0, 1) or None, got {sparsity!r}")
    texts = {
        "pattern": str(pattern),
        "sparsity": "none" if sparsity is None else str(sparsity),
        "scope": scope,
        "keep": keep if isinstance(keep, str) else ",".join(map(str, keep)),
        "keep-small": "true" if keep_small else "false",
        "strict": "true" if strict else "false",
        "dtype": dtype,
        "until": until,
        "assign": assign,
    }
    texts["target"] = getattr(target, "name", target)  # a Target or its name
    for key, text in texts.items():
        if not isinstance(text, str):
            raise OptionError(f"{key.replace('-', '_')} must be a string, got {text!r}")
        if any(c.isspace() or c in "{}" for c in text):
            raise OptionError(f"invalid {key.replace('-', '_')} '{text}': spaces and braces are not allowed")
    bound = NAMED_PIPELINES["bsparse-compile"].bind(texts)
    bound.stages()  # a stage whose pass is missing fails now, before any work
    return bound


# ----------------------------------------------------------------------------- the program


class StageIR(Mapping[str, str]):
    """IR text after each stage that ran, by stage result name; printed on first access."""

    def __init__(self) -> None:
        self._snapshots: dict[str, ir.Operation] = {}
        self._texts: dict[str, str] = {}

    def record(self, name: str, module: ir.Module) -> None:
        self._snapshots[name] = module.operation.clone(ip=False)

    def module(self, name: str) -> ir.Module:
        """A fresh module holding the IR after stage `name`."""
        return copy_module(self._snapshot(name))

    def _snapshot(self, name: str) -> ir.Operation:
        try:
            return self._snapshots[name]
        except KeyError:
            raise KeyError(f"no stage '{name}' ran (stages: {', '.join(self._snapshots)})") from None

    def __getitem__(self, name: str) -> str:
        if name not in self._texts:
            self._texts[name] = self._snapshot(name).get_asm()
        return self._texts[name]

    def text_with_locations(self, name: str) -> str:
        """The IR after stage `name` with its locations (layer names), e.g. for a repro file."""
        return self._snapshot(name).get_asm(enable_debug_info=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self._snapshots)

    def __len__(self) -> int:
        return len(self._snapshots)

    def __repr__(self) -> str:
        return f"StageIR({list(self._snapshots)})"


class Program:
    """A compiled program: its final module, the IR after every stage, and `run`.

    Attributes:
        module: The final ``ir.Module``.
        stages: IR text after each stage that ran, in order: ``linalg`` (the
            input), then ``sparsified``, ``packed``, ``partitioned``, ``aie``.
        target: The target name the program was compiled for.
        dtype: The costed data type.
        options: The ``bsparse-compile`` option texts used.
    """

    def __init__(self, module: ir.Module, stages: StageIR, options: dict[str, str]):
        self.module = module
        self.stages: Mapping[str, str] = stages
        self.options = dict(options)
        self.target: str = options["target"]
        self.dtype: str = options["dtype"]
        self._interpreters: dict[str, Any] = {}  # stage ("" = final) -> its Interpreter, reused across runs

    @property
    def last_stage(self) -> str:
        return list(self.stages)[-1]

    def stage_module(self, stage: str) -> ir.Module:
        """A fresh module holding the IR after `stage` (a key of `stages`), e.g. to run it."""
        return self.stages.module(stage)  # type: ignore[attr-defined]

    @property
    def function(self) -> str:
        """The function `run` calls by default: ``main``, else the module's only function."""
        return default_function(self.module)

    def run(self, *inputs: Any, function: str | None = None, stage: str | None = None) -> tuple[tuple[np.ndarray, ...], Report]:
        """Runs the program on `inputs` in the interpreter; returns its outputs and cost report.

        Args:
            *inputs: One array per argument (numpy arrays or torch tensors), exact shape and dtype.
            function: The function to call (default: `function`).
            stage: Run the IR after this stage instead of the final one
                (e.g. ``"linalg"`` to compare with the input program).

        Raises:
            InterpreterError: wrong number, shape or dtype of inputs, or an op the interpreter cannot run.
        """
        from bsparse.interpreter import run_program

        from bsparse.interpreter import Interpreter

        key = stage or ""
        if key not in self._interpreters:  # decoded once, reused by later runs of the same stage
            self._interpreters[key] = Interpreter(self.module if stage is None else self.stage_module(stage))
        interpreter = self._interpreters[key]
        arrays = [_to_numpy(x) for x in inputs]
        outputs, report = run_program(interpreter.module, *arrays, target=self.target, dtype=self.dtype,
                                      function=function or self.function, interpreter=interpreter)
        return tuple(np.asarray(o) for o in outputs), report

    def packed_weights(self) -> list[PackedWeightRow]:
        """The packed weights after the ``packed`` stage (empty if it did not run)."""
        if "packed" not in self.stages:
            return []
        return packed_weights(self.stage_module("packed"))

    def __repr__(self) -> str:
        return f"<bsparse.Program target={self.target} dtype={self.dtype} stages={list(self.stages)}>"


def default_function(module: ir.Module) -> str:
    """``main``, else the name of the module's only ``func.func`` (else ``main``, which then is not found)."""
    names = [ir.StringAttr(op.attributes["sym_name"]).value for op in module.body.operations
             if op.operation.name == "func.func"]
    return names[0] if len(names) == 1 and "main" not in names else "main"


def _to_numpy(value: Any) -> Any:
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch.Tensor
        return value.detach().cpu().numpy()
    return value


# ----------------------------------------------------------------------------- compile


class _StageProgress:
    """One line per finished stage on stderr (or a ``(stage, done, total)`` callback)."""

    def __init__(self, progress: ProgressArg):
        self.stream = sys.stderr
        if progress is None:
            progress = bool(getattr(self.stream, "isatty", lambda: False)())
        self.callback = progress if callable(progress) else None
        self.enabled = progress is True
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = 0.0

    def begin(self, stage: str) -> None:
        self.start = time.perf_counter()
        if self.callback:
            self.callback(stage, 0, 1)
        if self.enabled and self.tty:
            self.stream.write(f"[bsparse] compile: {stage} ...")
            self.stream.flush()

    def end(self, stage: str) -> None:
        if self.callback:
            self.callback(stage, 1, 1)
        if self.enabled:
            clear = "\r\033[K" if self.tty else ""
            self.stream.write(f"{clear}[bsparse] compile: {stage} done in {time.perf_counter() - self.start:.1f} s\n")
            self.stream.flush()


def compile(model: Any, *example_inputs: Any, pattern: Any = "block:8x8", sparsity: float | None = 0.5,
            target: Any = targets.DEFAULT_TARGET, dtype: str = "i8", keep: Sequence[str] | str = (), scope: str = "layer",
            keep_small: bool = True, until: str = "aie", assign: str = "any", strict: bool = False,
            progress: ProgressArg = None) -> Program:
    """Compiles a model through the ``bsparse-compile`` pipeline, one stage at a time.

    Args:
        model: A ``torch.nn.Module`` (imported with `import_model` on
            `example_inputs`), an ``ir.Module`` (copied, never changed), MLIR
            text, or the path of an ``.mlir`` file.
        *example_inputs: Tensors fixing the input shapes of a PyTorch model.
        pattern: Sparsity pattern string of any registered pattern
            (`bsparse.patterns.pattern_syntax()` lists them), e.g.
            ``block:RxC`` (R x C blocks, packed in BSR). A non-block pattern
            prunes with its own rule, and ``bsparse-pack{pattern=...}`` stores
            the weights it fits in its packed format (``bsparse.packed_sparse``),
            the others in 8x8 blocks. With ``sparsity=None`` the pattern only
            chooses how the model's own zeros are packed.
        sparsity: Fraction to zero in [0, 1) per layer (or over all layers
            with ``scope="global"``): of blocks for ``block:RxC``, of weights
            otherwise (``nm:N:M`` needs exactly ``1 - N/M``, ``tvw`` at least
            0.5); ``0.0`` is dense; None keeps the model's own zeros (no
            sparsify stage).
        target: Target name (`bsparse.targets.names()`) or a `Target`.
        dtype: Costed data type (``i8``, ``i16``, ``bf16``, ``f32``).
        keep: Layer names (PyTorch module paths) to keep dense.
        scope: ``layer`` or ``global`` (not for ``nm`` and ``gs``, whose rules are per group and bank).
        keep_small: Keep layers the pattern does not fit (e.g. smaller than one block) dense.
        until: Last stage to run: ``sparsify``, ``pack``, ``partition`` or ``aie``.
        assign: Block rows per core: ``any`` set when that balances the
            cores better, or contiguous ``ranges`` (bsparse-partition).
        strict: A matmul or convolution with a constant weight that is not
            packed, and any op bsparse-to-aie leaves on the host, is an error
            (located at the op) instead of a `BsparseWarning`; either way the
            report's ``host_ops`` list each with its reason.
        progress: True prints progress on stderr, False is silent, a callable
            receives ``(stage, done, total)``; default: True when stderr is a terminal.

    Returns:
        The `Program`.

    Raises:
        OptionError: a bad option (checked before any work).
        FrontendError: the PyTorch model cannot be imported.
        BsparseError: malformed MLIR input.
        BsparseCompilerError: a stage failed; the message has a ``bsparse-opt`` repro command.
    """
    bound = compile_options(pattern=pattern, sparsity=sparsity, target=target, dtype=dtype, keep=keep,
                            scope=scope, keep_small=keep_small, until=until, assign=assign, strict=strict)
    module = _load(model, example_inputs, progress)
    stages = StageIR()
    stages.record(INPUT_STAGE, module)
    status = _StageProgress(progress)
    before = INPUT_STAGE
    for stage, elements in bound.stages():
        status.begin(stage.name)
        _run_stage(module, Anchor(ROOT_ANCHOR, elements), stage.name, stages, before)
        stages.record(stage.result, module)
        before = stage.result
        status.end(stage.name)
        if stage.name == "pack":
            _check_something_packed(module)
    return Program(module, stages, bound.texts)


def _check_something_packed(module: ir.Module) -> None:
    """An empty program (no matmul or convolution packed) is an error naming what was left and why
    (bsparse-pack's record on each op it left, `UNPACKED_ATTRIBUTE`)."""
    packed: list[ir.Operation] = []
    left: list[str] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name in ("bsparse.matmul", "bsparse.conv2d"):
            packed.append(op)
            return ir.WalkResult.INTERRUPT
        if UNPACKED_ATTRIBUTE in op.attributes:
            reason = ir.StringAttr(op.attributes[UNPACKED_ATTRIBUTE]).value
            left.append(f"{location_str(op.location) or op.name}: {op.name}: {reason}")
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    if packed:
        return
    detail = ("; left unpacked:\n" + "\n".join(left)) if left else " (it has no matmul or convolution with a constant weight)"
    raise BsparseCompilerError(f"nothing to compile: no layer was packed{detail}")


def _run_stage(module: ir.Module, pipeline: Anchor, stage: str, stages: StageIR, before: str) -> None:
    """Runs one stage's passes in place; on failure raises `BsparseCompilerError` with a repro command
    on the stage's input (`stages`[`before`], written to a temporary file)."""
    manager, _ = build_pass_manager(pipeline, module.context)
    try:
        manager.run(module.operation)
    except ir.MLIRError as err:
        diagnostics = "\n".join(_render(*d) for d in _diagnostics(err))
        fd, path = tempfile.mkstemp(prefix=f"bsparse-{stage}-", suffix=".mlir")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(stages.text_with_locations(before))
        raise BsparseCompilerError(
            f"stage '{stage}' failed:\n{diagnostics}\nreproduce with: bsparse-opt -p '{pipeline.text()}' {path}"
        ) from None
