"""The pass base class and typed pass options.

A bsparse pass is a frozen dataclass whose fields are its options::

    @dataclass(frozen=True)
    class PackPass(Pass):
        NAME: ClassVar[str] = "bsparse-pack"
        SUMMARY: ClassVar[str] = "..."
        block: str = option("8x8", "block shape RxC", parse=parse_block)

        def run(self, module: ir.Operation) -> None: ...

`Pass.from_options({"block": "4x4"})` parses and validates option strings
(`OptionError` names the pass and the option); an instance is callable as
``fn(op, pass_)`` so it goes straight into ``PassManager.add``.
"""

from __future__ import annotations

import dataclasses
import os
import traceback
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import torch_mlir.ir as ir

from bsparse.errors import BsparseError, BsparseWarning, OptionError
from bsparse.irutil import location_str
from bsparse.names import describe

__all__ = [
    "Pass", "option", "option_help_line", "parse_any_pattern", "parse_bool", "parse_choice", "parse_dtype", "parse_fraction",
    "parse_name_list", "parse_positive_int", "parse_target", "show_name_list", "show_value",
]


def report_ops(pass_name: str, what: str, found: list[tuple[Any, str]], strict: bool = False) -> None:
    """Says what a pass left as it was: for each ``(op, reason)`` of `found` (in program order) a located
    `BsparseWarning` ``<layer> (<op>): <what>: <reason>``; with `strict`, a located error for each
    instead, the last one raised as a `BsparseError` (the pass fails)."""
    if strict and found:
        for op, reason in found[:-1]:
            op.location.emit_error(f"{pass_name}: {describe(op)}: {what} (strict): {reason}")
        op, reason = found[-1]
        err = BsparseError(f"{describe(op)}: {what} (strict): {reason}")
        err.ir_location = op.location
        raise err
    for op, reason in found:
        warnings.warn(BsparseWarning(f"{describe(op)}: {what}: {reason}", location_str(op.location), op.location),
                      stacklevel=3)


def show_value(value: Any) -> str:
    """A value as option text: ``true``/``false`` for booleans, else ``str``."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def option(default: Any, help: str, *, parse: Callable[[str], Any] = str, show: Callable[[Any], str] = show_value) -> Any:
    """Declares a pass option: a dataclass field with a help text, a parser
    from option text and `show`, which prints a value as option text."""
    return dataclasses.field(default=default, metadata={"help": help, "parse": parse, "show": show})


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got '{text}'")


def parse_positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected a positive integer, got '{text}'") from None
    if value < 1:
        raise ValueError(f"expected a positive integer, got {value}")
    return value


def parse_fraction(text: str) -> float:
    """A fraction in [0, 1): a sparsity."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number in [0, 1), got '{text}'") from None
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{text} is not in [0, 1)")
    return value


def parse_choice(choices):
    """A parser accepting exactly one of `choices` (kept as its ``choices`` attribute, for command lines)."""

    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got '{text}'")
        return text

    parse.choices = tuple(choices)
    return parse


def parse_any_pattern(text: str):
    """Any registered sparsity pattern string (`bsparse.patterns.pattern_syntax` lists them).

    Returns the pattern object of `bsparse.patterns.parse_pattern`, whose
    ``str()`` is the canonical string; an unknown name or bad parameters
    raise its `OptionError`.
    """
    from bsparse.patterns import parse_pattern

    return parse_pattern(text)


def parse_target(text: str) -> str:
    """The name of a shipped target."""
    from bsparse import targets

    targets.get(text)  # UnknownTargetError (a ValueError) lists the known targets
    return text


def parse_dtype(text: str) -> str:
    """A costed data type name."""
    from bsparse.dtypes import dtype_bytes

    dtype_bytes(text)  # OptionError lists the known types
    return text


def parse_name_list(text: str) -> tuple[str, ...]:
    """Comma-separated names (empty text: no names)."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def show_name_list(names: tuple[str, ...]) -> str:
    return ",".join(names)


def option_help_line(name: str, help: str, default: str) -> str:
    """One option's line in ``bsparse-opt --help`` (passes and named pipelines alike)."""
    return f"      {name + '=':<22} {help} (default: {default or 'none'})"


@dataclasses.dataclass(frozen=True)
class Pass:
    """Base of every bsparse pass; subclasses are dataclasses of options."""

    NAME: ClassVar[str] = ""
    SUMMARY: ClassVar[str] = ""

    @classmethod
    def options(cls) -> list[dataclasses.Field]:
        return list(dataclasses.fields(cls))

    @classmethod
    def option_field(cls, name: str) -> dataclasses.Field:
        """The field of option `name` (``keep-small`` or ``keep_small``)."""
        for field in cls.options():
            if field.name == name.replace("-", "_"):
                return field
        raise KeyError(f"pass '{cls.NAME}' has no option '{name}'")

    def text(self) -> str:
        """This pass as pipeline text, every option spelled out (options shown empty left out):
        what `from_options` reads back into an equal pass."""
        options = []
        for field in self.options():
            shown = field.metadata["show"](getattr(self, field.name))
            if shown != "":
                options.append(f"{field.name.replace('_', '-')}={shown}")
        return f"{self.NAME}{{{' '.join(options)}}}" if options else self.NAME

    @classmethod
    def from_options(cls, options: dict[str, str]) -> "Pass":
        """Builds the pass from ``key=value`` option strings, validating each."""
        fields = {f.name.replace("_", "-"): f for f in cls.options()}
        kwargs = {}
        for key, text in options.items():
            if (field := fields.get(key) or fields.get(key.replace("_", "-"))) is None:
                known = ", ".join(sorted(fields)) or "none"
                raise OptionError(f"pass '{cls.NAME}' has no option '{key}' (options: {known})")
            try:
                kwargs[field.name] = field.metadata["parse"](text)
            except (ValueError, OptionError) as err:
                message = err.message if isinstance(err, OptionError) else str(err)
                raise OptionError(f"invalid value for option '{key}' of pass '{cls.NAME}': {message}") from None
        try:
            return cls(**kwargs)
        except OptionError as err:
            raise OptionError(f"pass '{cls.NAME}': {err.message}") from None

    @classmethod
    def help_text(cls) -> str:
        """One paragraph for ``bsparse-opt --help``."""
        lines = [f"  {cls.NAME:<24} {cls.SUMMARY}"]
        for field in cls.options():
            lines.append(option_help_line(field.name.replace("_", "-"), field.metadata["help"],
                                          field.metadata["show"](field.default)))
        return "\n".join(lines)

    def run(self, module: ir.Operation) -> None:
        """Transforms `module` in place; raises `BsparseError` on bad input."""
        raise NotImplementedError

    def __call__(self, op: ir.Operation, pass_) -> None:
        """The ``PassManager`` entry point: runs, reporting errors as diagnostics."""
        try:
            with ir.Location.unknown(op.context):  # ops built by passes pass loc= explicitly
                self.run(op)
        except BsparseError as err:
            where = getattr(err, "ir_location", None) or op.location  # the offending op, when known
            where.emit_error(f"{self.NAME}: {err.message}")
            pass_.signal_pass_failure()
        except Exception as err:  # a bug in bsparse: report it, keep the tool alive
            detail = traceback.format_exc() if os.environ.get("BSPARSE_DEBUG") else f"{type(err).__name__}: {err}"
            op.location.emit_error(f"{self.NAME}: internal error (please report): {detail}")
            pass_.signal_pass_failure()
