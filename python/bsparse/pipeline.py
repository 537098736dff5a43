"""Pass pipelines: parsing ``--pass-pipeline`` text and running it.

Python passes are not in MLIR's textual pass registry, so bsparse parses the
pipeline itself. The grammar is MLIR's::

    pipeline ::= anchor '(' element (',' element)* ')'  |  element (',' element)*
    element  ::= pipeline | pass-name options?
    options  ::= '{' (key ('=' value)?)* '}'     value: word, "quoted" or {nested}

Elements naming a bsparse pass (`bsparse.passes.PASSES`) become Python
passes with validated options; everything else is handed to MLIR's
``PassManager`` as text, so any upstream pass works, in any order. bsparse
passes run on the top-level ``builtin.module``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch_mlir.ir as ir
from torch_mlir.passmanager import PassManager

from bsparse.errors import OptionError
from bsparse.passes import PASSES, Pass

__all__ = ["Anchor", "PassElement", "build_pass_manager", "parse_pipeline", "run_pipeline"]

ROOT_ANCHOR = "builtin.module"


@dataclass
class PassElement:
    """One pass in a pipeline, with its raw option text."""

    name: str
    options: dict[str, str] = field(default_factory=dict)
    options_text: str = ""

    def text(self) -> str:
        return f"{self.name}{{{self.options_text}}}" if self.options_text else self.name


@dataclass
class Anchor:
    """``anchor(elements...)``: passes nested on ops named `name`."""

    name: str
    elements: list = field(default_factory=list)

    def text(self) -> str:
        return f"{self.name}({','.join(e.text() for e in self.elements)})"


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def error(self, message: str) -> OptionError:
        return OptionError(f"invalid pass pipeline '{self.text}' at column {self.pos + 1}: {message}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = f"'{self.peek()}'" if self.peek() else "end of input"
            raise self.error(f"expected '{char}', found {found}")
        self.pos += 1

    def identifier(self) -> str:
        self.skip_space()
        start = self.pos
        while self.pos < len(self.text) and (self.text[self.pos].isalnum() or self.text[self.pos] in "-_."):
            self.pos += 1
        if start == self.pos:
            found = f"'{self.text[self.pos]}'" if self.pos < len(self.text) else "end of input"
            raise self.error(f"expected a pass or op name, found {found}")
        return self.text[start : self.pos]

    def elements(self) -> list:
        items = [self.element()]
        while self.peek() == ",":
            self.pos += 1
            items.append(self.element())
        return items

    def element(self):
        name = self.identifier()
        if self.peek() == "(":
            self.pos += 1
            nested = self.elements() if self.peek() != ")" else []
            self.expect(")")
            return Anchor(name, nested)
        if self.peek() == "{":
            start = self.pos + 1
            options = self.options()
            return PassElement(name, options, self.text[start : self.pos - 1].strip())
        return PassElement(name)

    def options(self) -> dict[str, str]:
        self.expect("{")
        options: dict[str, str] = {}
        while self.peek() != "}":
            if not self.peek():
                raise self.error("unterminated option list, expected '}'")
            key = self.identifier()
            value = "true"
            if self.peek() == "=":
                self.pos += 1
                value = self.value()
            options[key] = value
        self.pos += 1
        return options

    def value(self) -> str:
        self.skip_space()
        start = self.pos
        if self.peek() == '"':
            end = self.text.find('"', self.pos + 1)
            if end < 0:
                raise self.error("unterminated quoted option value")
            self.pos = end + 1
            return self.text[start + 1 : end]
        depth = 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "{":
                depth += 1
            elif char == "}":
                if depth == 0:
                    break
                depth -= 1
            elif char.isspace() and depth == 0:
                break
            self.pos += 1
        return self.text[start : self.pos]


def parse_pipeline(text: str) -> Anchor:
    """Parses pipeline text into a tree rooted at ``builtin.module``.

    A bare list (``bsparse-pack,cse``) is anchored on ``builtin.module``.
    """
    parser = _Parser(text)
    if not parser.peek():
        return Anchor(ROOT_ANCHOR)
    elements = parser.elements()
    if parser.peek():
        raise parser.error(f"unexpected '{parser.peek()}'")
    if len(elements) == 1 and isinstance(elements[0], Anchor) and elements[0].name == ROOT_ANCHOR:
        return elements[0]
    return Anchor(ROOT_ANCHOR, elements)


def _upstream_message(err: ValueError) -> str:
    """The useful lines of MLIR's pipeline-parser error, without its caret art."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip() and line.strip() != "^"]
    lines = [line.split("error: ", 1)[-1].replace("<Pass-Options-Parser>: ", "") for line in lines]
    first = lines[0] if lines else str(err)
    return "; ".join([first] + [line for line in lines[1:] if line.startswith("failed")])


def _bsparse_passes_in(anchor: Anchor) -> list[str]:
    found = []
    for element in anchor.elements:
        if isinstance(element, Anchor):
            found += _bsparse_passes_in(element)
        elif element.name in PASSES:
            found.append(element.name)
    return found


def build_pass_manager(pipeline: Anchor | str, context: ir.Context | None = None) -> tuple[PassManager, list[Pass]]:
    """Builds a ``PassManager`` for `pipeline`; returns it and its bsparse passes.

    Raises:
        OptionError: unknown pass, bad option, or a bsparse pass nested below
            ``builtin.module``.
    """
    root = parse_pipeline(pipeline) if isinstance(pipeline, str) else pipeline
    manager = PassManager(ROOT_ANCHOR, context=context)
    instances: list[Pass] = []
    upstream: list[str] = []

    def flush() -> None:
        if upstream:
            text = ",".join(upstream)
            try:
                manager.add(text)
            except ValueError as err:
                raise OptionError(f"invalid pass pipeline element '{text}': {_upstream_message(err)}") from None
            upstream.clear()

    for element in root.elements:
        if isinstance(element, Anchor):
            if nested := _bsparse_passes_in(element):
                raise OptionError(
                    f"bsparse pass '{nested[0]}' runs on {ROOT_ANCHOR}; move it out of '{element.name}(...)'"
                )
            upstream.append(element.text())
        elif (cls := PASSES.get(element.name)) is not None:
            flush()
            instance = cls.from_options(element.options)
            manager.add(instance, name=cls.NAME, argument=cls.NAME, description=cls.SUMMARY)
            instances.append(instance)
        else:
            upstream.append(element.text())
    flush()
    return manager, instances


def run_pipeline(module: ir.Module, pipeline: Anchor | str) -> None:
    """Runs `pipeline` on `module` in place; raises ``ir.MLIRError`` on failure."""
    manager, _ = build_pass_manager(pipeline, module.context)
    manager.run(module.operation)
