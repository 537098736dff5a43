"""bsparse-opt: parse MLIR, run a pass pipeline, print MLIR (mlir-opt habits).

Errors are printed as ``file:line:col: error: message`` and exit with 1;
bad input never produces a Python traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from dataclasses import dataclass, field

import torch_mlir.ir as ir

from bsparse.context import make_context
from bsparse.errors import BsparseError, BsparseWarning, print_bsparse_warnings
from bsparse.irutil import location_str
from bsparse.passes import PASSES
from bsparse.pipeline import NAMED_PIPELINES, build_pass_manager

__all__ = ["BsparseOptMain", "main"]

SPLIT_MARKER = re.compile(r"^// -----\s*$", re.MULTILINE)
EXPECTED = re.compile(r"expected-(error|warning|note|remark)\s*(@(?:[+-]\d+|above|below))?\s*\{\{(.*?)\}\}")
SEVERITIES = {
    ir.DiagnosticSeverity.ERROR: "error",
    ir.DiagnosticSeverity.WARNING: "warning",
    ir.DiagnosticSeverity.NOTE: "note",
    ir.DiagnosticSeverity.REMARK: "remark",
}


@dataclass
class Diagnostic:
    severity: str
    location: str | None  # file:line:col
    line: int | None
    message: str
    notes: list["Diagnostic"] = field(default_factory=list)

    def render(self) -> str:
        head = f"{self.location}: " if self.location else ""
        text = f"{head}{self.severity}: {self.message}"
        return "\n".join([text] + [note.render() for note in self.notes])


def _line_of(loc: str | None) -> int | None:
    """The line of a ``file:line:col`` location."""
    return int(loc.rsplit(":", 2)[1]) if loc else None


@dataclass
class Chunk:
    text: str
    first_line: int  # 1-based line of the chunk's first line in the file


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 1 with a plain error, as for any bad input
        self.print_usage(sys.stderr)
        sys.stderr.write(f"error: {message}\n")
        sys.exit(1)


def _pass_help() -> str:
    lines = ["bsparse passes (use in --pass-pipeline, options as name{key=value ...}):"]
    lines += [cls.help_text() for cls in PASSES.values()]
    lines.append("bsparse pipelines (use by name like a pass, e.g. bsparse-compile{sparsity=0.5 until=pack}):")
    lines += [pipeline.help_text() for pipeline in NAMED_PIPELINES.values()]
    lines.append("Any upstream MLIR pass (canonicalize, cse, func.func(...), ...) may be mixed in.")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="bsparse-opt",
        description="Parse MLIR, run a pass pipeline mixing bsparse and upstream passes, print MLIR.",
        epilog=_pass_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", nargs="?", default="-", help="input file ('-' for stdin, the default)")
    parser.add_argument("-o", dest="output", default="-", help="output file ('-' for stdout, the default)")
    parser.add_argument("-p", "--pass-pipeline", default="", help="e.g. 'builtin.module(bsparse-pack{block=8x8},cse)'")
    parser.add_argument("--split-input-file", action="store_true", help="process chunks separated by '// -----' independently")
    parser.add_argument("--verify-diagnostics", action="store_true", help="check diagnostics against expected-* comments")
    parser.add_argument("--mlir-print-ir-after-all", "--print-ir-after-all", action="store_true", dest="print_ir_after_all", help="print the IR after every pass (stderr)")
    parser.add_argument("--allow-unregistered-dialect", action="store_true", help="accept ops of unknown dialects")
    return parser


class BsparseOptMain:
    """The logic of bsparse-opt; `run` returns the exit code."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.filename = "<stdin>" if args.input == "-" else args.input

    def run(self) -> int:
        try:
            text = self._read_input()
            build_pass_manager(self.args.pass_pipeline, make_context())  # validate before any work
        except BsparseError as err:
            print(err, file=sys.stderr)
            return 1
        chunks = self._chunks(text)
        outputs, ok = [], True
        for chunk in chunks:
            output, chunk_ok = self._process(chunk)
            ok &= chunk_ok
            if output is not None:
                outputs.append(output)
        result = "// -----\n".join(outputs)
        try:
            self._write_output(result)
        except OSError as err:
            print(f"error: cannot write output file '{self.args.output}': {err.strerror}", file=sys.stderr)
            return 1
        return 0 if ok else 1

    def _read_input(self) -> str:
        if self.args.input == "-":
            return sys.stdin.read()
        try:
            with open(self.args.input, encoding="utf-8") as handle:
                return handle.read()
        except OSError as err:
            raise BsparseError(f"cannot open input file '{self.args.input}': {err.strerror}") from None
        except UnicodeDecodeError:
            raise BsparseError(f"input file '{self.args.input}' is not UTF-8 text") from None

    def _write_output(self, text: str) -> None:
        if self.args.output == "-":
            sys.stdout.write(text)
            return
        with open(self.args.output, "w", encoding="utf-8") as handle:
            handle.write(text)

    def _chunks(self, text: str) -> list[Chunk]:
        if not self.args.split_input_file:
            return [Chunk(text, 1)]
        chunks, start, line = [], 0, 1
        for match in SPLIT_MARKER.finditer(text):
            chunks.append(Chunk(text[start : match.start()], line))
            line += text.count("\n", start, match.end()) + 1
            start = match.end() + 1
        chunks.append(Chunk(text[start:], line))
        return chunks

    def _diagnostic(self, diag, line_offset: int) -> Diagnostic:
        loc = location_str(diag.location, line_offset, self.filename)
        notes = [self._diagnostic(note, line_offset) for note in diag.notes]
        return Diagnostic(SEVERITIES.get(diag.severity, "error"), loc, _line_of(loc), diag.message, notes)

    def _warning(self, warning: BsparseWarning, line_offset: int) -> Diagnostic:
        loc = location_str(warning.ir_location, line_offset, self.filename) if warning.ir_location else warning.location
        return Diagnostic("warning", loc, _line_of(loc), warning.message)

    def _process(self, chunk: Chunk) -> tuple[str | None, bool]:
        """Parses and transforms one chunk; returns (printed IR or None, success)."""
        ctx = make_context(allow_unregistered_dialects=self.args.allow_unregistered_dialect)
        offset = chunk.first_line - 1
        diagnostics: list[Diagnostic] = []

        def handler(diag) -> bool:
            diagnostics.append(self._diagnostic(diag, offset))
            return True

        ctx.attach_diagnostic_handler(handler)
        output = None
        try:
            with ctx, warnings.catch_warnings(record=True) as warned:
                warnings.simplefilter("always", BsparseWarning)
                module = ir.Module.parse(chunk.text)
                manager, _ = build_pass_manager(self.args.pass_pipeline, ctx)
                if self.args.print_ir_after_all:
                    manager.enable_ir_printing(print_after_all=True)
                try:
                    manager.run(module.operation)
                finally:  # the passes' warnings, located like MLIR's diagnostics, before their errors
                    diagnostics[:0] = [self._warning(w.message, offset) for w in warned
                                       if isinstance(w.message, BsparseWarning)]
                output = module.operation.get_asm()
        except ir.MLIRError as err:
            found = [self._diagnostic(d, offset) for d in err.error_diagnostics]
            diagnostics += found or [Diagnostic("error", None, None, err.message)]
        except BsparseError as err:
            diagnostics.append(Diagnostic("error", err.location, None, err.message))
        if self.args.verify_diagnostics:
            return output, self._verify(chunk, diagnostics)
        for diagnostic in diagnostics:
            print(diagnostic.render(), file=sys.stderr)
        return output, not any(d.severity == "error" for d in diagnostics)

    def _verify(self, chunk: Chunk, diagnostics: list[Diagnostic]) -> bool:
        """Matches emitted diagnostics against ``expected-*`` comments."""
        expected = []  # [severity, line, message, matched]
        for index, text in enumerate(chunk.text.splitlines()):
            line = chunk.first_line + index
            for match in EXPECTED.finditer(text):
                target = line
                if where := match[2]:
                    target = {"@above": line - 1, "@below": line + 1}.get(where) or line + int(where[1:])
                expected.append([match[1], target, match[3], False])
        emitted = []
        for diagnostic in diagnostics:
            emitted.append(diagnostic)
            emitted += diagnostic.notes
        ok = True
        for diagnostic in emitted:
            hit = next(
                (e for e in expected if not e[3] and e[0] == diagnostic.severity and e[1] == diagnostic.line and e[2] in diagnostic.message),
                None,
            )
            if hit is not None:
                hit[3] = True
            elif diagnostic.severity != "note":
                ok = False
                print(f"{diagnostic.location or self.filename}: error: unexpected {diagnostic.severity}: {diagnostic.message}", file=sys.stderr)
        for severity, line, message, matched in expected:
            if not matched:
                ok = False
                print(f'{self.filename}:{line}: error: expected {severity} "{message}" was not produced', file=sys.stderr)
        return ok


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bsparse-opt`` console script."""
    args = build_parser().parse_args(argv)
    print_bsparse_warnings()
    sys.exit(BsparseOptMain(args).run())
