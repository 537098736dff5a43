"""The kernel contract: the ``params`` of an ``aie`` micro-kernel call, typed.

bsparse-to-aie writes a `KernelParams` per core (`KernelParams.to_attr`), the
kernel ops' verifiers check it (`KernelParams.from_attr` raises `Invalid`
naming the field), and the interpreter and the cost model read it back. The
attribute is a dictionary; its keys are the field names:

- the layer: ``weight_shape`` (``[out, in, *window]``), ``activation``
  (one of `bsparse.activations.ACTIVATIONS`); a convolution adds ``strides``, ``padding`` (top,
  left, bottom, right), ``dilations``, ``groups`` and ``layout`` (``nchw`` |
  ``nhwc``), which a matmul kernel must not have;
- the core's work unit: ``block_rows`` and ``channels`` as flat ``(first,
  end)`` pairs, one per contiguous run, ascending; ``spatial`` ``(first,
  end)`` along ``spatial_dim`` (``rows`` for a matmul, ``width`` or
  ``height`` for a convolution);
- its tile loop: ``tile`` ``[t, tc]`` output positions per call,
  ``output_tiles``, ``k_chunks``, ``channel_groups``, ``weight_chunks``,
  ``weight_resident`` and ``calls``;
- a share in an indexed format (the ``*_sparse`` kernels only): ``pattern``
  (a registered pattern whose format is indexed), ``stored`` (values of the
  share) and ``index_layout`` (array name -> ``"<numpy dtype code>:<count>"``,
  how the index bytes hold the format's arrays).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from typing import Any

import torch_mlir.ir as ir

from bsparse import activations
from bsparse.dialects._verify import Invalid

__all__ = ["ACTIVATIONS", "GENERIC_KINDS", "GenericParams", "KernelParams"]

ACTIVATIONS = tuple(activations.ACTIVATIONS)
LAYOUTS = ("nchw", "nhwc")
SPATIAL_DIMS = {"matmul": ("rows",), "conv2d": ("width", "height")}
_CONV_FIELDS = ("strides", "padding", "dilations", "groups", "layout")
_FORMAT_FIELDS = ("pattern", "stored", "index_layout")
_LAYOUT_ENTRY = re.compile(r"[iu][1248]:\d+")


@dataclass(frozen=True)
class KernelParams:
    """A micro-kernel call's parameters (module docstring)."""

    weight_shape: tuple[int, ...]
    activation: str
    block_rows: tuple[int, ...]
    channels: tuple[int, ...]
    spatial: tuple[int, int]
    spatial_dim: str
    tile: tuple[int, int]
    output_tiles: int
    k_chunks: int
    channel_groups: int
    weight_chunks: int
    weight_resident: bool
    calls: int
    strides: tuple[int, int] | None = None
    padding: tuple[int, int, int, int] | None = None
    dilations: tuple[int, int] | None = None
    groups: int | None = None
    layout: str | None = None
    pattern: str | None = None
    stored: int | None = None
    index_layout: dict[str, str] | None = None

    @property
    def channel_runs(self) -> list[tuple[int, int]]:
        """The core's output channels: ``(first, end)`` runs, ascending."""
        return list(zip(self.channels[0::2], self.channels[1::2]))

    @property
    def channel_count(self) -> int:
        return sum(hi - lo for lo, hi in self.channel_runs)

    def to_attr(self) -> ir.DictAttr:
        """The ``params`` attribute (fields that are None are left out)."""
        i64 = ir.IntegerType.get_signless(64)
        attrs: dict[str, ir.Attribute] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool):
                attrs[f.name] = ir.BoolAttr.get(value)
            elif isinstance(value, int):
                attrs[f.name] = ir.IntegerAttr.get(i64, value)
            elif isinstance(value, str):
                attrs[f.name] = ir.StringAttr.get(value)
            elif isinstance(value, dict):
                attrs[f.name] = ir.DictAttr.get({k: ir.StringAttr.get(v) for k, v in value.items()})
            else:
                attrs[f.name] = ir.DenseI64ArrayAttr.get([int(v) for v in value])
        return ir.DictAttr.get(attrs)

    @classmethod
    def from_op(cls, op, kind: str, indexed: bool) -> "KernelParams":
        """The checked params of kernel op `op` (`from_attr`)."""
        if "params" not in op.attributes:
            raise Invalid("needs a 'params' dictionary")
        return cls.from_attr(op.attributes["params"], kind, indexed)

    @classmethod
    def from_attr(cls, attr: ir.Attribute, kind: str, indexed: bool) -> "KernelParams":
        """Reads and checks a ``params`` dictionary of a `kind` (``matmul`` | ``conv2d``) kernel,
        `indexed` for the ``*_sparse`` kernels.

        Raises:
            Invalid: a missing, unknown or malformed field, named.
        """
        if not isinstance(attr, ir.DictAttr):
            raise Invalid("params must be a dictionary")
        given = {named.name: named.attr for named in ir.DictAttr(attr)}
        allowed = {f.name for f in fields(cls)}
        if kind != "conv2d":
            allowed -= set(_CONV_FIELDS)
        if not indexed:
            allowed -= set(_FORMAT_FIELDS)
        if unknown := sorted(set(given) - allowed):
            raise Invalid(f"params has unknown field(s) {', '.join(unknown)} for a {kind} kernel"
                          f"{' on an indexed format' if indexed else ''}")
        reader = _Reader(given)
        params = cls(
            weight_shape=reader.ints("weight_shape", lengths=(2, 4), positive=True),
            activation=reader.choice("activation", ACTIVATIONS),
            block_rows=reader.runs("block_rows"),
            channels=reader.runs("channels"),
            spatial=reader.pair("spatial"),
            spatial_dim=reader.choice("spatial_dim", SPATIAL_DIMS[kind]),
            tile=reader.ints("tile", lengths=(2,), positive=True),
            output_tiles=reader.int("output_tiles"),
            k_chunks=reader.int("k_chunks", minimum=1),
            channel_groups=reader.int("channel_groups", minimum=1),
            weight_chunks=reader.int("weight_chunks"),
            weight_resident=reader.bool("weight_resident"),
            calls=reader.int("calls"),
            **(_conv_fields(reader) if kind == "conv2d" else {}),
            **(_format_fields(reader) if indexed else {}),
        )
        if len(params.block_rows) != len(params.channels):
            raise Invalid("params 'block_rows' and 'channels' must have one run each alike")
        if kind == "conv2d" and len(params.weight_shape) != 4:
            raise Invalid(f"params 'weight_shape' of a conv2d kernel must be [out, in, kh, kw], got {list(params.weight_shape)}")
        return params


def _conv_fields(reader: "_Reader") -> dict[str, Any]:
    return {"strides": reader.ints("strides", lengths=(2,), positive=True),
            "padding": reader.ints("padding", lengths=(4,)),
            "dilations": reader.ints("dilations", lengths=(2,), positive=True),
            "groups": reader.int("groups", minimum=1),
            "layout": reader.choice("layout", LAYOUTS)}


def _format_fields(reader: "_Reader") -> dict[str, Any]:
    from bsparse.errors import OptionError
    from bsparse.patterns import format_for

    pattern = reader.string("pattern")
    try:
        encoding = format_for(pattern).ENCODING
    except OptionError as err:
        raise Invalid(f"params 'pattern': {err.message}") from None
    if encoding != "indexed":
        raise Invalid(f"params 'pattern' '{pattern}' is not stored as values and index bytes")
    layout = reader.get("index_layout", ir.DictAttr, "a dictionary")
    entries = {}
    for named in ir.DictAttr(layout):
        text = ir.StringAttr(named.attr).value if isinstance(named.attr, ir.StringAttr) else None
        if text is None or not _LAYOUT_ENTRY.fullmatch(text):
            raise Invalid(f"params 'index_layout' entry '{named.name}' must be a string \"<dtype code>:<count>\"")
        entries[named.name] = text
    return {"pattern": pattern, "stored": reader.int("stored"), "index_layout": entries}


class _Reader:
    """Reads named fields of a params dictionary, each checked, raising `Invalid` naming it."""

    def __init__(self, given: dict[str, ir.Attribute]):
        self.given = given

    def get(self, name: str, kind: type, what: str) -> ir.Attribute:
        if name not in self.given:
            raise Invalid(f"params is missing '{name}'")
        attr = self.given[name]
        if not isinstance(attr, kind):
            raise Invalid(f"params '{name}' must be {what}, got {attr}")
        return attr

    def int(self, name: str, minimum: int = 0) -> int:
        attr = self.get(name, ir.IntegerAttr, "an integer")
        if isinstance(attr, ir.BoolAttr):
            raise Invalid(f"params '{name}' must be an integer, got {attr}")
        value = ir.IntegerAttr(attr).value
        if value < minimum:
            raise Invalid(f"params '{name}' must be at least {minimum}, got {value}")
        return value

    def bool(self, name: str) -> bool:
        return bool(ir.BoolAttr(self.get(name, ir.BoolAttr, "a boolean")).value)

    def string(self, name: str) -> str:
        return ir.StringAttr(self.get(name, ir.StringAttr, "a string")).value

    def choice(self, name: str, choices) -> str:
        value = self.string(name)
        if value not in choices:
            raise Invalid(f"params '{name}' must be one of {', '.join(choices)}, got '{value}'")
        return value

    def ints(self, name: str, lengths=None, positive: bool = False) -> tuple[int, ...]:
        values = tuple(int(v) for v in ir.DenseI64ArrayAttr(self.get(name, ir.DenseI64ArrayAttr, "an array<i64>")))
        if lengths is not None and len(values) not in lengths:
            raise Invalid(f"params '{name}' must have {' or '.join(map(str, lengths))} entries, got {len(values)}")
        if any(v < (1 if positive else 0) for v in values):
            raise Invalid(f"params '{name}' entries must be {'positive' if positive else 'non-negative'}, got {list(values)}")
        return values

    def pair(self, name: str) -> tuple[int, int]:
        first, end = self.ints(name, lengths=(2,))
        if end < first:
            raise Invalid(f"params '{name}' must be (first, end) with first <= end, got [{first}, {end}]")
        return first, end

    def runs(self, name: str) -> tuple[int, ...]:
        flat = self.ints(name)
        if not flat or len(flat) % 2:
            raise Invalid(f"params '{name}' must be (first, end) pairs, at least one, got {len(flat)} entries")
        if any(lo >= hi for lo, hi in zip(flat[0::2], flat[1::2])) or any(
                flat[i] > flat[i + 1] for i in range(1, len(flat) - 1, 2)):
            raise Invalid(f"params '{name}' runs must be non-empty and ascending, got {list(flat)}")
        return flat


GENERIC_KINDS = ("elementwise", "reduce", "pool", "bmm", "copy")
"""What an ``aie.generic`` kernel computes, as its report names it (``bmm``: a contraction of two
activations, such as attention's QK^T and AV; a layer's matmul with a weight is ``matmul``)."""


@dataclass(frozen=True)
class GenericParams:
    """The ``params`` of an ``aie.generic`` kernel call: a core's slice of a structured op.

    The op's loops have extents `extents`; the core computes loop `split` over
    ``range`` (first, end) and every other loop whole, in `tiles` kernel calls
    of `tile` loop steps each (a reduction loop always whole). `kind` is what
    the report calls it.
    """

    kind: str
    extents: tuple[int, ...]
    split: int
    range: tuple[int, int]
    tile: tuple[int, ...]
    tiles: int

    @property
    def steps(self) -> tuple[int, ...]:
        """The core's loop extents: `extents` with the split loop cut to its range."""
        return tuple(self.range[1] - self.range[0] if k == self.split else e for k, e in enumerate(self.extents))

    def to_attr(self) -> ir.DictAttr:
        i64 = ir.IntegerType.get_signless(64)
        return ir.DictAttr.get({
            "kind": ir.StringAttr.get(self.kind), "extents": ir.DenseI64ArrayAttr.get(list(self.extents)),
            "split": ir.IntegerAttr.get(i64, self.split), "range": ir.DenseI64ArrayAttr.get(list(self.range)),
            "tile": ir.DenseI64ArrayAttr.get(list(self.tile)), "tiles": ir.IntegerAttr.get(i64, self.tiles)})

    @classmethod
    def from_op(cls, op, loops: int) -> "GenericParams":
        """The checked params of ``aie.generic`` `op` with `loops` loops.

        Raises:
            Invalid: a missing, unknown or malformed field, named.
        """
        if "params" not in op.attributes or not isinstance(op.attributes["params"], ir.DictAttr):
            raise Invalid("needs a 'params' dictionary")
        given = {named.name: named.attr for named in ir.DictAttr(op.attributes["params"])}
        if unknown := sorted(set(given) - {f.name for f in fields(cls)}):
            raise Invalid(f"params has unknown field(s) {', '.join(unknown)} for a generic kernel")
        reader = _Reader(given)
        params = cls(kind=reader.choice("kind", GENERIC_KINDS), extents=reader.ints("extents", (loops,), True),
                     split=reader.int("split"), range=reader.pair("range"),
                     tile=reader.ints("tile", (loops,), True), tiles=reader.int("tiles", minimum=1))
        if params.split >= loops:
            raise Invalid(f"params 'split' is loop {params.split} but the kernel has {loops} loops")
        if params.range[1] > params.extents[params.split] or params.range[0] == params.range[1]:
            raise Invalid(f"params 'range' {list(params.range)} is empty or outside loop {params.split}'s "
                          f"extent {params.extents[params.split]}")
        if any(t > s for t, s in zip(params.tile, params.steps)):
            raise Invalid(f"params 'tile' {list(params.tile)} exceeds the core's loop extents {list(params.steps)}")
        covering = math.prod(-(-s // t) for s, t in zip(params.steps, params.tile))
        if params.tiles != covering:
            raise Invalid(f"params 'tiles' is {params.tiles}, but tiles of {list(params.tile)} cover the core's loop "
                          f"extents {list(params.steps)} in {covering}")
        return params
