"""The `bsparse` command: compile a model or an MLIR file, run a program, inspect targets.

Subcommands parse arguments and call the Python API (`bsparse.api`); errors
are printed as ``error: ...`` with exit code 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import numpy as np
import torch_mlir.ir as ir

from bsparse import targets
from bsparse.api import (
    INPUT_STAGE, Program, compile as compile_program, compile_options, default_function, located_error, parse_file,
)
from bsparse.context import make_context
from bsparse.dtypes import DEFAULT_DTYPE, dtype_bytes
from bsparse.errors import BsparseError, print_bsparse_warnings
from bsparse.passes.base import parse_bool
from bsparse.pipeline import NAMED_PIPELINES, run_pipeline
from bsparse.report import PackedWeightRow, Report, format_table

__all__ = ["main"]

COMPILE_PIPELINE = NAMED_PIPELINES["bsparse-compile"]
STAGE_NAMES = [stage.name for stage in COMPILE_PIPELINE.stages]
RESULT_NAMES = [INPUT_STAGE] + [stage.result for stage in COMPILE_PIPELINE.stages]


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        sys.exit(1)


def _status(message: str) -> None:
    """A progress line on stderr, when it is a terminal."""
    if sys.stderr.isatty():
        print(f"[bsparse] {message}", file=sys.stderr, flush=True)


def _cmd_targets(args) -> int:
    if not args.names:
        rows = []
        for name in targets.names():
            t = targets.get(name)
            rows.append([name, t.num_cores, t.num_memtiles, f"{t.clock_hz / 1e9:g}", t.macs_per_cycle_for("i8"), t.description.split(":")[0][:60]])
        print(format_table(["target", "cores", "memtiles", "GHz", "i8 MAC/cyc", "description"], rows, "<>>>><"))
        return 0
    try:
        print("\n\n".join(targets.get(name).describe() for name in args.names))
    except targets.TargetError as err:
        raise BsparseError(str(err)) from None
    return 0


# ----------------------------------------------------------------------------- compile


def _cmd_compile(args) -> int:
    if args.pass_pipeline is not None:
        return _compile_with_pipeline(args)
    compile_options(**_options(args))  # bad options fail before a model is imported
    if _is_model_name(args.input):
        return _compile_model(args)
    if args.dense_baseline:
        raise BsparseError("--dense-baseline needs a model name: an .mlir file is not run")
    program = _compile(args.input, args)
    _write_ir(program, args)
    if args.emit and not args.output:
        return 0
    _print_packed(program.packed_weights(), args.json)
    return 0


def _is_model_name(name: str) -> bool:
    """True for a name of `bsparse.models`; an existing file or an .mlir path is not one."""
    if os.path.exists(name) or name.endswith(".mlir"):
        return False
    from bsparse import models  # loads PyTorch

    if name in models.names():
        return True
    raise BsparseError(f"'{name}' is neither a file nor a model name (models: {', '.join(models.names())})")


def _options(args, dense: bool = False) -> dict[str, Any]:
    """`bsparse.compile`'s options from the command line (at sparsity 0 if `dense`)."""
    return dict(pattern=args.pattern, sparsity=0.0 if dense else _sparsity(args.sparsity), target=args.target,
                dtype=args.dtype, keep=args.keep, scope=args.scope, keep_small=args.keep_small, until=args.until,
                assign=args.assign, strict=args.strict)


def _compile(model: Any, args, dense: bool = False) -> Program:
    """Compiles `model` with the pipeline options of `args` (at sparsity 0 if `dense`)."""
    return compile_program(model, **_options(args, dense))


def _sparsity(text: str) -> float | str | None:
    return None if text.strip().lower() == "none" else text


def _write_ir(program: Program, args) -> None:
    """With --emit or -o: the IR after the --emit stage (default: the last) to -o, else to stdout."""
    if not (args.emit or args.output):
        return
    stage = args.emit or program.last_stage
    if stage not in program.stages:
        raise BsparseError(f"stage '{stage}' did not run (ran: {', '.join(program.stages)}); "
                           f"compile further with --until")
    if not args.output:
        sys.stdout.write(program.stages[stage])
        return
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(program.stages[stage])
    except OSError as err:
        raise BsparseError(f"cannot write output file '{args.output}': {err.strerror}") from None


def _compile_with_pipeline(args) -> int:
    """``-p PIPELINE FILE.mlir``: run an explicit pipeline, print the packed layers."""
    if _is_model_name(args.input) or args.emit:
        raise BsparseError("-p/--pass-pipeline takes an .mlir file and no --emit")
    with make_context() as context:
        module = parse_file(args.input, context)
        try:
            run_pipeline(module, args.pass_pipeline)
        except ir.MLIRError as err:
            raise located_error(err, args.input) from None
        from bsparse.report import packed_weights

        rows = packed_weights(module)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(module.operation.get_asm())
    _print_packed(rows, args.json)
    return 0


def _print_packed(rows: list[PackedWeightRow], as_json: bool) -> None:
    if as_json:
        print(json.dumps([r.to_dict() for r in rows], indent=2))
        return
    table = [
        [r.name, "x".join(map(str, r.shape)), f"{r.block[0]}x{r.block[1]}", f"{r.stored_blocks}/{r.total_blocks}",
         f"{r.density:.3f}", r.dense_elements, r.stored_elements, r.index_entries]
        for r in rows
    ]
    print(format_table(["layer", "weight", "block", "blocks", "density", "dense elems", "stored elems", "index entries"], table))
    dense = sum(r.dense_elements for r in rows)
    stored = sum(r.stored_elements for r in rows)
    if dense:
        print(f"\n{len(rows)} packed weights: {stored} of {dense} elements stored ({stored / dense:.3f}x)")


def _compile_model(args) -> int:
    """``bsparse compile MODEL``: import, compile, run on the seeded example input, report."""
    from bsparse import models
    from bsparse.api import import_model

    module = import_model(models.get(args.input), models.example_input(args.input), context=make_context())
    program = _compile(module, args)
    _write_ir(program, args)
    if args.emit and not args.output:
        return 0
    report = _run_example(program, args.input, "")
    baseline = None
    if args.dense_baseline:
        _status("dense baseline: compile with sparsity 0")
        baseline = _run_example(_compile(module, args, dense=True), args.input, "dense ")
    if args.json:
        print(json.dumps(_model_json(args, program, report, baseline), indent=2))
        return 0
    print(report.format_table())
    print()
    print("\n".join(_summary(args, program, report, baseline)))
    return 0


def _run_example(program: Program, name: str, what: str) -> Report:
    from bsparse import models

    _status(f"run: {what}{name} on its example input ({program.last_stage} IR)")
    _, report = program.run(models.example_input(name))
    return report


def _speedup(report: Report, baseline: Report | None) -> float | None:
    if baseline is None or not report.total_cycles or not baseline.total_cycles:
        return None
    return baseline.total_cycles / report.total_cycles


def _model_json(args, program: Program, report: Report, baseline: Report | None) -> dict:
    result = {"model": args.input, "options": program.options, "stages": list(program.stages),
              "report": report.to_dict()}
    if baseline is not None:
        result["dense_baseline"] = baseline.to_dict()
        result["speedup"] = _speedup(report, baseline)
    return result


def _summary(args, program: Program, report: Report, baseline: Report | None) -> list[str]:
    sparsity = program.options["sparsity"]
    lines = [f"{args.input}: {program.options['pattern']} at sparsity {sparsity}, {program.target} ({report.dtype}), "
             f"stages: {', '.join(program.stages)}"]
    if report.total_cycles:
        lines.append(f"  cycles:  {report.total_cycles} ({report.time_s * 1e3:.3f} ms at {report.clock_hz / 1e9:g} GHz)")
    else:
        lines.append("  cycles:  not costed: layers get cycles once lowered to aie (--until aie)")
    ratio = f" ({report.macs / report.macs_dense:.3f}x)" if report.macs_dense else ""
    lines.append(f"  MACs:    {report.macs} of {report.macs_dense} dense{ratio}")
    lines.append("  traffic: " + ", ".join(f"{level} {count} B" for level, count in report.traffic.items()))
    if baseline is not None:
        speedup = _speedup(report, baseline)
        if speedup is None:
            macs = f"{baseline.macs / report.macs:.2f}x fewer MACs" if report.macs else "no MACs"
            lines.append(f"  vs. dense: speedup n/a without cycles; {macs} than the dense program")
        else:
            lines.append(f"  vs. dense: {baseline.total_cycles} cycles dense, speedup {speedup:.2f}x")
    return lines


# ----------------------------------------------------------------------------- run


def _cmd_run(args) -> int:
    """``bsparse run FILE.mlir --input x.npy ...``: interpret, save outputs and the report."""
    from bsparse.interpreter import run_program

    target = _check_target(args.target)
    dtype_bytes(args.dtype)
    inputs = [_load_npy(path) for path in args.input]
    with make_context() as context:
        module = parse_file(args.file, context)
        function = args.function or default_function(module)
        outputs, report = run_program(module, *inputs, target=target, dtype=args.dtype, function=function)
    if args.output:
        _save(args.output, lambda path: np.savez(path, **{f"result{i}": np.asarray(o) for i, o in enumerate(outputs)}))
    if args.report:
        _save(args.report, lambda path: _write_text(path, json.dumps(report.to_dict(), indent=2) + "\n"))
    if not args.quiet:
        print(report.format_table())
        print(f"\n@{function}: {len(outputs)} output(s); {report.total_cycles} cycles on {report.target} ({report.dtype})")
    return 0


def _check_target(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        return targets.get(name).name
    except targets.TargetError as err:
        raise BsparseError(str(err)) from None


def _load_npy(path: str) -> np.ndarray:
    try:
        value = np.load(path, allow_pickle=False)
    except OSError as err:
        raise BsparseError(f"cannot open input file '{path}': {err.strerror or err}") from None
    except ValueError as err:
        raise BsparseError(f"input file '{path}' is not a .npy array: {err}") from None
    if not isinstance(value, np.ndarray):
        value.close()
        raise BsparseError(f"input file '{path}' is an .npz archive; give one .npy file per argument")
    return value


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _save(path: str, write) -> None:
    try:
        write(path)
    except OSError as err:
        raise BsparseError(f"cannot write output file '{path}': {err.strerror or err}") from None


# ----------------------------------------------------------------------------- arguments


#: The command line's own defaults where it differs from bsparse-compile's: an .mlir file keeps its zeros.
CLI_DEFAULTS = {"sparsity": "none"}


def _add_pipeline_arguments(p: argparse.ArgumentParser) -> None:
    """One argument per bsparse-compile option, with its help, default and choices (a true boolean
    becomes ``--no-NAME``)."""
    for option in COMPILE_PIPELINE.all_options():
        dest = option.name.replace("-", "_")
        default = CLI_DEFAULTS.get(option.name, option.default)
        if option.parse is parse_bool:  # a flag that turns the default around
            flag, action = (f"--no-{option.name}", "store_false") if default == "true" else (f"--{option.name}", "store_true")
            p.add_argument(flag, dest=dest, action=action, help=option.help if action == "store_true"
                           else f"turn {option.name}= off: {option.help}")
            continue
        p.add_argument(f"--{option.name}", dest=dest, default=default, choices=getattr(option.parse, "choices", None),
                       help=f"{option.help} (default: {default or 'none'})")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="bsparse", description="Block-sparse compilation for AI-Engine-like accelerators.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)
    p = sub.add_parser("targets", help="list targets, or describe the named ones")
    p.add_argument("names", nargs="*")
    p.set_defaults(func=_cmd_targets)

    p = sub.add_parser("compile", help="compile a model or an MLIR file through bsparse-compile and report",
                       description="Compile an .mlir file (print its packed layers) or a model of bsparse.models "
                                   "(run it on its seeded example input and print the per-layer report).")
    p.add_argument("input", help="an .mlir file (linalg on tensors) or a model name (resnet50, tiny_cnn, ...)")
    _add_pipeline_arguments(p)
    p.add_argument("-p", "--pass-pipeline", help="run this pipeline on an .mlir file instead of bsparse-compile")
    p.add_argument("-o", "--output", help="write the IR (of the last stage, or of --emit) here")
    p.add_argument("--emit", choices=RESULT_NAMES, help="the stage whose IR -o writes (stdout without -o)")
    p.add_argument("--dense-baseline", action="store_true", help="models: also compile dense and print the speedup")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=_cmd_compile)

    p = sub.add_parser("run", help="interpret an MLIR program on .npy inputs; print its cost report",
                       description="Run a linalg, bsparse or aie program in the interpreter.")
    p.add_argument("file", help="an .mlir file")
    p.add_argument("--input", action="append", default=[], metavar="X.npy", help="one per function argument, in order")
    p.add_argument("--output", metavar="OUT.npz", help="save the outputs as result0, result1, ...")
    p.add_argument("--report", metavar="REPORT.json", help="save the cost report as JSON")
    p.add_argument("--function", help="function to run (default: main, or the module's only function)")
    p.add_argument("--target", help=f"target of ops not lowered to aie (default: {targets.DEFAULT_TARGET})")
    p.add_argument("--dtype", default=DEFAULT_DTYPE, help="costed data type of those ops (default: i8)")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the report table")
    p.set_defaults(func=_cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bsparse`` console script."""
    args = build_parser().parse_args(argv)
    print_bsparse_warnings()
    try:
        code = args.func(args)
    except BsparseError as err:
        print(err, file=sys.stderr)
        code = 1
    except BrokenPipeError:  # e.g. `bsparse targets | head`
        sys.stderr.close()
        code = 0
    sys.exit(code)
