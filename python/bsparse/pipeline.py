"""Pass pipelines: parsing ``--pass-pipeline`` text and running it.

Python passes are not in MLIR's textual pass registry, so bsparse parses the
pipeline itself. The grammar is MLIR's::

    pipeline ::= anchor '(' element (',' element)* ')'  |  element (',' element)*
    element  ::= pipeline | pass-name options?
    options  ::= '{' (key ('=' value)?)* '}'     value: word, "quoted" or {nested}

Elements naming a bsparse pass (`bsparse.passes.PASSES`) become Python
passes with validated options; elements naming a pipeline of
`NAMED_PIPELINES` (``bsparse-compile{...}``) expand to their passes;
everything else is handed to MLIR's ``PassManager`` as text, so any upstream
pass works, in any order. bsparse passes run on the top-level
``builtin.module``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch_mlir.ir as ir
from torch_mlir.passmanager import PassManager

from bsparse.errors import OptionError
from bsparse.passes import PASSES, Pass
from bsparse.passes.base import option_help_line, parse_choice, parse_fraction
from bsparse.passes.fuse import FuseElementwisePass
from bsparse.passes.pack import PackPass
from bsparse.passes.partition import PartitionPass
from bsparse.passes.sparsify import SparsifyPass, check_pattern_options
from bsparse.passes.to_aie import ToAiePass

__all__ = [
    "NAMED_PIPELINES",
    "Anchor",
    "BoundPipeline",
    "NamedPipeline",
    "PassElement",
    "PassStep",
    "PipelineOption",
    "Stage",
    "build_pass_manager",
    "expand_named_pipelines",
    "parse_pipeline",
    "run_pipeline",
]

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
        elif element.name in PASSES or element.name in NAMED_PIPELINES:
            found.append(element.name)
    return found


def expand_named_pipelines(elements: list) -> list:
    """`elements` with every top-level named pipeline replaced by its passes (pass objects)."""
    expanded = []
    for element in elements:
        if isinstance(element, PassElement) and (named := NAMED_PIPELINES.get(element.name)) is not None:
            expanded += named.bind(element.options).passes()
        else:
            expanded.append(element)
    return expanded


def build_pass_manager(pipeline: Anchor | str, context: ir.Context | None = None) -> tuple[PassManager, list[Pass]]:
    """Builds a ``PassManager`` for `pipeline`; returns it and its bsparse passes.

    `pipeline` is text or a tree whose elements are parsed elements, nested
    anchors or bsparse pass objects (added as they are).

    Raises:
        OptionError: unknown pass, bad option, a bsparse pass or named
            pipeline nested below ``builtin.module``, or a stage of a named
            pipeline whose pass is not available.
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

    for element in expand_named_pipelines(root.elements):
        if isinstance(element, Anchor):
            if nested := _bsparse_passes_in(element):
                raise OptionError(
                    f"bsparse pass '{nested[0]}' runs on {ROOT_ANCHOR}; move it out of '{element.name}(...)'"
                )
            upstream.append(element.text())
        elif isinstance(element, Pass) or element.name in PASSES:
            flush()
            instance = element if isinstance(element, Pass) else PASSES[element.name].from_options(element.options)
            manager.add(instance, name=instance.NAME, argument=instance.NAME, description=instance.SUMMARY)
            instances.append(instance)
        else:
            upstream.append(element.text())
    flush()
    return manager, instances


def run_pipeline(module: ir.Module, pipeline: Anchor | str) -> None:
    """Runs `pipeline` on `module` in place; raises ``ir.MLIRError`` on failure."""
    manager, _ = build_pass_manager(pipeline, module.context)
    manager.run(module.operation)


# ----------------------------------------------------------------------------- named pipelines


@dataclass(frozen=True)
class PipelineOption:
    """An option of a named pipeline: its default text, help and parser (which validates).

    `of` takes all three from the pass option it is forwarded to, so each is written once.
    """

    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str

    @classmethod
    def of(cls, pass_class: type[Pass], name: str, **overrides: Any) -> "PipelineOption":
        """The option `name` of `pass_class` as a pipeline option (`overrides` replace fields)."""
        field_ = pass_class.option_field(name)
        derived = dict(name=name, default=field_.metadata["show"](field_.default), help=field_.metadata["help"],
                       parse=field_.metadata["parse"])
        return cls(**{**derived, **overrides})


@dataclass(frozen=True)
class PassStep:
    """One pass of a stage: a bsparse pass class and the pipeline options forwarded to its
    options of the same name, or an upstream pass by name."""

    name: str
    forward: tuple[str, ...] = ()
    upstream: bool = False

    @classmethod
    def of(cls, pass_class: type[Pass], *forward: str) -> "PassStep":
        for name in forward:
            pass_class.option_field(name)  # a typo fails at import
        return cls(pass_class.NAME, forward)

    def build(self, values: dict[str, Any]) -> Pass | PassElement:
        """The pass with the forwarded (parsed) values; an upstream pass as a pipeline element."""
        if self.upstream:
            return PassElement(self.name)
        cls = PASSES[self.name]
        try:
            return cls(**{name.replace("-", "_"): values[name] for name in self.forward})
        except OptionError as err:
            raise OptionError(f"pass '{self.name}': {err.message}") from None


@dataclass(frozen=True)
class Stage:
    """A stage of a named pipeline: `name` is its ``until=`` value, `result` the name of the IR it produces."""

    name: str
    result: str
    steps: tuple[PassStep, ...]
    skip: Callable[[dict[str, Any]], bool] = lambda values: False


@dataclass(frozen=True)
class NamedPipeline:
    """A pipeline usable by name in ``--pass-pipeline`` like a pass.

    Besides `options`, every named pipeline has ``until=STAGE`` (default: its
    last stage), which stops after that stage.
    """

    name: str
    summary: str
    options: tuple[PipelineOption, ...]
    stages: tuple[Stage, ...]
    #: Checks the parsed options together; returns a problem or None.
    check: Callable[[dict[str, Any]], str | None] = lambda values: None

    def all_options(self) -> tuple[PipelineOption, ...]:
        names = [stage.name for stage in self.stages]
        until = PipelineOption("until", names[-1], f"last stage to run ({'|'.join(names)})", parse_choice(names))
        return (*self.options, until)

    def bind(self, options: Mapping[str, str]) -> "BoundPipeline":
        """Validates option texts (missing ones take their defaults).

        Raises:
            OptionError: an unknown option or a bad value, naming the pipeline.
        """
        known = {option.name: option for option in self.all_options()}
        for key in options:
            if key not in known:
                raise OptionError(f"pipeline '{self.name}' has no option '{key}' (options: {', '.join(known)})")
        texts = {name: str(options.get(name, option.default)) for name, option in known.items()}
        values = {}
        for name, text in texts.items():
            try:
                values[name] = known[name].parse(text)
            except (ValueError, OptionError) as err:
                message = err.message if isinstance(err, OptionError) else str(err)
                raise OptionError(f"invalid value for option '{name}' of pipeline '{self.name}': {message}") from None
        if problem := self.check(values):
            raise OptionError(f"pipeline '{self.name}': {problem}")
        return BoundPipeline(self, texts, values)

    def help_text(self) -> str:
        """One paragraph for ``bsparse-opt --help``."""
        passes = ", ".join(step.name for stage in self.stages for step in stage.steps)
        lines = [f"  {self.name:<24} {self.summary}", f"      {'':<22} expands to: {passes}"]
        lines += [option_help_line(option.name, option.help, option.default) for option in self.all_options()]
        return "\n".join(lines)


@dataclass(frozen=True)
class BoundPipeline:
    """A named pipeline with validated options: its stages up to ``until``, as pass objects."""

    pipeline: NamedPipeline
    texts: dict[str, str]
    values: dict[str, Any]

    def stages(self) -> list[tuple[Stage, list[Pass | PassElement]]]:
        """The stages that run (skipped ones left out), each with its passes (upstream ones as elements).

        Raises:
            OptionError: a stage that runs needs a bsparse pass that is not registered, or a
                pass rejects its options.
        """
        selected = []
        for stage in self.pipeline.stages:
            if not stage.skip(self.values):
                selected.append((stage, [self._build(stage, step) for step in stage.steps]))
            if stage.name == self.values["until"]:
                break
        return selected

    def passes(self) -> list[Pass | PassElement]:
        return [element for _, elements in self.stages() for element in elements]

    def _build(self, stage: Stage, step: PassStep) -> Pass | PassElement:
        if not step.upstream and step.name not in PASSES:
            names = [s.name for s in self.pipeline.stages]
            earlier = names[names.index(stage.name) - 1] if names.index(stage.name) else None
            hint = f"; stop before it with until={earlier}" if earlier else ""
            raise OptionError(
                f"pipeline '{self.pipeline.name}': pass '{step.name}' (stage '{stage.name}') is not available{hint}"
            )
        return step.build(self.values)


def _parse_sparsity(text: str) -> float | None:
    """``none`` (keep the program's own zeros) or a fraction in [0, 1)."""
    return None if text.strip().lower() == "none" else parse_fraction(text)


def _check_compile(values: dict[str, Any]) -> str | None:
    if values["sparsity"] is None and values["keep"]:
        return "keep= has no effect with sparsity=none (nothing is pruned)"
    if values["sparsity"] is not None:  # the pattern's own checks (nm's fixed sparsity, scope, tvw >= 0.5; not at 0), before any work
        try:
            check_pattern_options(values["pattern"], values["sparsity"], values["scope"])
        except OptionError as err:
            return err.message
    return None


COMPILE = NamedPipeline(
    name="bsparse-compile",
    summary="the whole chain: sparsify, pack, partition over cores, lower to aie",
    options=(
        PipelineOption.of(SparsifyPass, "pattern"),
        PipelineOption.of(SparsifyPass, "sparsity", parse=_parse_sparsity,
                          help=f"{SparsifyPass.option_field('sparsity').metadata['help']}, "
                               "or none to keep the program's own zeros"),
        PipelineOption.of(SparsifyPass, "scope"),
        PipelineOption.of(SparsifyPass, "keep"),
        PipelineOption.of(SparsifyPass, "keep-small"),
        PipelineOption.of(ToAiePass, "target", help="target the program is partitioned for and lowered to"),
        PipelineOption.of(PartitionPass, "assign"),
        PipelineOption.of(ToAiePass, "dtype"),
        PipelineOption.of(PackPass, "strict", help="a constant weight left unpacked, or an op left on the host, is an "
                                                   "error, not a warning"),
    ),
    stages=(
        Stage(
            "sparsify", "sparsified",
            (PassStep.of(SparsifyPass, "pattern", "sparsity", "scope", "keep", "keep-small"),),
            skip=lambda values: values["sparsity"] is None,
        ),
        Stage(
            "pack", "packed",
            (PassStep.of(PackPass, "pattern", "strict"), PassStep("canonicalize", upstream=True), PassStep("cse", upstream=True)),
        ),
        Stage("partition", "partitioned", (PassStep.of(PartitionPass, "target", "assign"),)),
        Stage("aie", "aie", (PassStep.of(FuseElementwisePass), PassStep.of(ToAiePass, "target", "dtype", "strict"))),
    ),
    check=_check_compile,
)

NAMED_PIPELINES: dict[str, NamedPipeline] = {p.name: p for p in (COMPILE,)}
"""Name -> named pipeline: the only table of pipelines usable by name."""
