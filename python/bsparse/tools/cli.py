"""The `bsparse` command: compile, inspect targets.

Subcommands parse arguments and call the Python API; errors are printed as
``error: ...`` with exit code 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch_mlir.ir as ir

from bsparse import targets
from bsparse.context import make_context
from bsparse.errors import BsparseError
from bsparse.irutil import location_str
from bsparse.pipeline import run_pipeline
from bsparse.report import format_table, packed_weights

__all__ = ["main"]

DEFAULT_PIPELINE = "builtin.module(bsparse-pack,canonicalize,cse)"


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        sys.exit(1)


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


def _cmd_compile(args) -> int:
    try:
        with open(args.input, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as err:
        raise BsparseError(f"cannot open input file '{args.input}': {err.strerror}") from None
    ctx = make_context()
    with ctx:
        try:
            module = ir.Module.parse(text)
            run_pipeline(module, args.pass_pipeline)
        except ir.MLIRError as err:
            lines = [
                f"{location_str(d.location, filename=args.input) or args.input}: error: {d.message}"
                for d in err.error_diagnostics
            ] or [f"error: {err.message}"]
            print("\n".join(lines), file=sys.stderr)
            return 1
        rows = packed_weights(module)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(module.operation.get_asm())
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], indent=2))
        return 0
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
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="bsparse", description="Block-sparse compilation for AI-Engine-like accelerators.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)
    p = sub.add_parser("targets", help="list targets, or describe the named ones")
    p.add_argument("names", nargs="*")
    p.set_defaults(func=_cmd_targets)
    p = sub.add_parser("compile", help="compile an MLIR file and print its packed layers")
    p.add_argument("input", help="an .mlir file (linalg on tensors)")
    p.add_argument("-p", "--pass-pipeline", default=DEFAULT_PIPELINE, help=f"pipeline (default: {DEFAULT_PIPELINE})")
    p.add_argument("-o", "--output", help="write the compiled IR here")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=_cmd_compile)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bsparse`` console script."""
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except BsparseError as err:
        print(err, file=sys.stderr)
        code = 1
    except BrokenPipeError:  # e.g. `bsparse targets | head`
        sys.stderr.close()
        code = 0
    sys.exit(code)
