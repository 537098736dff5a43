"""The `Target` dataclass: one accelerator configuration, each parameter with its source."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

DTYPES: tuple[str, ...] = ("i8", "i16", "bf16", "f32")
"""Data types a target may rate in `macs_per_cycle` (i8 means i8 x i8, and so on)."""

FAMILIES: tuple[str, ...] = ("aie1", "aie2")
"""Tile generations: first-generation AI Engine and AIE-ML."""

OPS_PER_MAC = 2
"""Published TOPS figures count a multiply-accumulate as two operations."""


class TargetError(ValueError):
    """Base class of the errors raised by `bsparse.targets`."""


class UnknownTargetError(TargetError):
    """A target name that has no data file."""


class UnsupportedDtypeError(TargetError):
    """A data type the target cannot compute (natively, or at all)."""


class InvalidTargetError(TargetError):
    """Target parameters that break a constraint.

    Attributes:
        problems: (field key, message) pairs, one per broken constraint.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        """Builds the message, one line per problem."""
        self.problems = problems
        super().__init__("\n".join(f"field '{key}': {msg}" for key, msg in problems))


class Check(enum.Enum):
    """The constraint a parameter value must meet."""

    POSITIVE = "must be positive"
    NON_NEGATIVE = "must not be negative"
    FRACTION = "must be in (0, 1]"
    FAMILY = f"must be one of {', '.join(FAMILIES)}"
    ANY = ""

    def accepts(self, value: Any) -> bool:
        """Returns whether `value` meets this constraint."""
        if self is Check.POSITIVE:
            return value > 0
        if self is Check.NON_NEGATIVE:
            return value >= 0
        if self is Check.FRACTION:
            return 0 < value <= 1
        if self is Check.FAMILY:
            return value in FAMILIES
        return True


@dataclass(frozen=True)
class Source:
    """Where a parameter value comes from.

    Attributes:
        text: The citation (document, section, quote) or, for an assumption,
            the reasoning behind the value.
        assumption: True when no primary source backs the value.
    """

    text: str
    assumption: bool = False


@dataclass(frozen=True)
class ParamSpec:
    """How a `Target` field is read from a data file and checked.

    Attributes:
        kind: The Python type of the value (of each entry, for a table).
        check: The constraint the value (each entry) must meet.
        table: True for a dtype -> value table instead of a single value.
    """

    kind: type
    check: Check
    table: bool = False

    def problem(self, value: Any) -> str | None:
        """Says what is wrong with one value (one table entry), or None if nothing."""
        numeric = self.kind in (int, float)
        allowed = (int, float) if self.kind is float else (self.kind,)
        if (numeric and isinstance(value, bool)) or not isinstance(value, allowed):
            return f"expected {self.kind.__name__}, got {type(value).__name__} {value!r}"
        if not self.check.accepts(value):
            return f"{self.check.value}, got {value!r}"
        return None


def _param(kind: type, check: Check = Check.POSITIVE, *, table: bool = False) -> Any:
    """Declares a `Target` field that a data file provides with its source."""
    spec = ParamSpec(kind, check, table)
    return field(metadata={"param": spec}, hash=not table)


@dataclass(frozen=True)
class Target:
    """An AIE-like array: shape, clock, compute rates, memories, DMA and overheads.

    Targets are data: build them with `bsparse.targets.get(name)` or
    `bsparse.targets.load_file(path)`, which also record every value's source.
    Channel counts are per tile and per direction; bandwidths in bytes per
    second are per memtile (`memtile_*`) or for the whole array (`ddr_*`).
    """

    name: str
    """Target name: the data file's stem."""
    description: str
    """One line saying what the target models."""
    family: str = _param(str, Check.FAMILY)
    """Tile generation: "aie1" or "aie2" (AIE-ML)."""
    cols: int = _param(int)
    """Array columns."""
    core_rows: int = _param(int)
    """Rows of compute tiles (cores)."""
    memtile_rows: int = _param(int, Check.NON_NEGATIVE)
    """Rows of memory tiles (0 on AIE1)."""
    shim_rows: int = _param(int)
    """Rows of interface (shim) tiles."""
    clock_hz: float = _param(float)
    """Array clock in Hz."""
    macs_per_cycle: Mapping[str, int] = _param(int, table=True)
    """Native MACs per cycle per core, by dtype; an absent dtype is not native."""
    emulated_macs_per_cycle: Mapping[str, int] = _param(int, table=True)
    """MACs per cycle per core of dtypes computed by software emulation."""
    kernel_efficiency: float = _param(float, Check.FRACTION)
    """Fraction of peak MACs/cycle a well-tuned dense matmul kernel sustains on one core."""
    l1_bytes: int = _param(int)
    """Data memory per core."""
    l1_banks: int = _param(int)
    """Data memory banks per core."""
    l1_misc_bytes: int = _param(int, Check.NON_NEGATIVE)
    """L1 budget for everything but tiles of data: stack, block index, bias, scratch."""
    l1_input_bytes: int = _param(int)
    """L1 budget of one input (activation) buffer."""
    l1_output_bytes: int = _param(int)
    """L1 budget of one output buffer."""
    l1_weight_bytes: int = _param(int)
    """L1 budget of the weight buffer (single, never ping/pong)."""
    l1_double_buffer: bool = _param(bool, Check.ANY)
    """Input and output buffers are ping/pong pairs (two buffers each)."""
    l2_bytes: int = _param(int, Check.NON_NEGATIVE)
    """Memory per memtile (0 when there are no memtiles)."""
    program_memory_bytes: int = _param(int)
    """Program memory per core."""
    core_dma_in_channels: int = _param(int)
    """Core tile DMA channels into L1 (S2MM)."""
    core_dma_out_channels: int = _param(int)
    """Core tile DMA channels out of L1 (MM2S)."""
    stream_bytes_per_cycle: int = _param(int)
    """Bytes per cycle of one stream (DMA) channel."""
    memtile_read_bytes_per_s: float = _param(float, Check.NON_NEGATIVE)
    """Read bandwidth of one memtile, all channels together."""
    memtile_write_bytes_per_s: float = _param(float, Check.NON_NEGATIVE)
    """Write bandwidth of one memtile, all channels together."""
    memtile_dma_channels: int = _param(int, Check.NON_NEGATIVE)
    """Memtile DMA channels per direction."""
    shim_columns: int = _param(int)
    """Shim tiles with a DMA to external memory."""
    shim_channels_in: int = _param(int)
    """Shim DMA channels into the array (reading DDR, MM2S) per shim tile."""
    shim_channels_out: int = _param(int)
    """Shim DMA channels out of the array (writing DDR, S2MM) per shim tile."""
    shim_bytes_per_cycle: int = _param(int)
    """Bytes per cycle of one shim DMA channel."""
    ddr_read_bytes_per_s: float = _param(float)
    """External memory read bandwidth available to the array."""
    ddr_write_bytes_per_s: float = _param(float)
    """External memory write bandwidth available to the array."""
    ddr_transfers_overlap: bool = _param(bool, Check.ANY)
    """DDR transfers run concurrently; False sums their times (the seed paper's model)."""
    kernel_call_overhead_cycles: int = _param(int, Check.NON_NEGATIVE)
    """Cycles per kernel invocation beyond its MACs (call, locks, loop prologue)."""
    block_index_overhead_cycles: int = _param(int, Check.NON_NEGATIVE)
    """Cycles per stored block for reading the block index in a sparse kernel."""
    dma_setup_cycles: int = _param(int, Check.NON_NEGATIVE)
    """Cycles per DMA transfer (buffer descriptor) before data flows."""
    block_index_bytes: int = _param(int)
    """Bytes of one block-index entry (a row pointer or a block column) when stored and moved."""
    vector_bytes_per_cycle: int = _param(int)
    """Bytes of results a core's vector unit produces per cycle in elementwise, pooling and copy work."""
    tanh_cycles_per_element: float = _param(float)
    """Cycles of one core per element of a vector tanh (bf16), e.g. in a fused GELU epilogue."""
    sigmoid_cycles_per_element: float = _param(float)
    """Cycles of one core per element of a vector sigmoid (bf16), e.g. in a fused SiLU epilogue."""
    erf_cycles_per_element: float = _param(float)
    """Cycles of one core per element of a vector erf (bf16), in a fused exact-GELU epilogue."""
    exp_cycles_per_element: float = _param(float)
    """Cycles of one core per element of a vector exp (bf16), e.g. in a softmax."""
    reciprocal_cycles_per_element: float = _param(float)
    """Cycles of one core per element of a vector reciprocal (bf16): a division by a varying value."""
    rsqrt_cycles_per_element: float = _param(float)
    """Cycles of one core per element of a vector reciprocal square root (bf16), e.g. in a LayerNorm."""
    sqrt_cycles_per_element: float = _param(float)
    """Cycles of one core per element of a vector square root (bf16)."""
    structured_sparsity_n: int = _param(int, Check.NON_NEGATIVE)
    """N of the N:M structured sparsity the core's matmul reads compressed (0: none)."""
    structured_sparsity_m: int = _param(int, Check.NON_NEGATIVE)
    """M of that N:M pattern (0: none)."""
    sparse_row_channels: int = _param(int)
    """Output channels per row unit of a weight in a non-block format: the unit in which a core's
    channels come (bsparse-partition balances these units; their load is their stored values)."""
    l2_shares: int = _param(int)
    """Equal parts a memory tile is cut into for one layer: a column's input slice, its output slice
    and one core row's weights each get ``l2_bytes // l2_shares`` (also the bytes of activations
    the memory tiles keep between layers, `bsparse.residency`)."""
    gather_elements_per_cycle: int = _param(int, Check.NON_NEGATIVE)
    """Activation elements a core's indexed gather delivers per cycle from its banked L1 without
    bank conflicts (0: no gather engine; what gather-scatter sparsity needs to pay off)."""
    sources: Mapping[str, Source] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    """Source of each parameter, keyed by field name or "table.dtype"."""

    def __post_init__(self) -> None:
        """Freezes the tables, checks every parameter, and stores floats as float.

        Raises:
            InvalidTargetError: A value has the wrong type, breaks its field's
                constraint, or contradicts another parameter.
        """
        for name in ("macs_per_cycle", "emulated_macs_per_cycle", "sources"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        if problems := _field_problems(self) or _consistency_problems(self):
            raise InvalidTargetError(problems)
        for spec_field in param_fields():
            if spec_field.metadata["param"].kind is float:
                object.__setattr__(self, spec_field.name, float(getattr(self, spec_field.name)))

    @property
    def num_cores(self) -> int:
        """Number of compute tiles."""
        return self.cols * self.core_rows

    @property
    def num_memtiles(self) -> int:
        """Number of memory tiles."""
        return self.cols * self.memtile_rows

    @property
    def l1_budget_bytes(self) -> int:
        """L1 bytes the budget assigns: misc, input and output buffers, weights."""
        buffers = 2 if self.l1_double_buffer else 1
        activations = buffers * (self.l1_input_bytes + self.l1_output_bytes)
        return self.l1_misc_bytes + activations + self.l1_weight_bytes

    def macs_per_cycle_for(self, dtype: str, *, allow_emulated: bool = False) -> int:
        """MACs per cycle per core for `dtype`.

        Args:
            dtype: One of `DTYPES`.
            allow_emulated: Accept a software-emulated rate (e.g. f32 on AIE-ML).

        Returns:
            The native rate, else (if allowed) the emulated rate.

        Raises:
            UnsupportedDtypeError: `dtype` is neither native nor allowed emulated.
        """
        if dtype in self.macs_per_cycle:
            return self.macs_per_cycle[dtype]
        if allow_emulated and dtype in self.emulated_macs_per_cycle:
            return self.emulated_macs_per_cycle[dtype]
        native = ", ".join(self.macs_per_cycle)
        hint = ""
        if dtype in self.emulated_macs_per_cycle:
            hint = f"; {dtype} is only emulated here (pass allow_emulated=True)"
        raise UnsupportedDtypeError(
            f"target '{self.name}' has no native {dtype} MACs (native: {native}){hint}"
        )

    def peak_ops_per_s(self, dtype: str, *, allow_emulated: bool = False) -> float:
        """Array peak in operations per second (2 per MAC) for `dtype`.

        Args:
            dtype: One of `DTYPES`.
            allow_emulated: Accept a software-emulated rate.

        Returns:
            cores x MACs/cycle x 2 x clock.
        """
        macs = self.macs_per_cycle_for(dtype, allow_emulated=allow_emulated)
        return self.num_cores * macs * OPS_PER_MAC * self.clock_hz

    def source(self, key: str) -> str:
        """Citation (or reasoning) behind a parameter.

        Args:
            key: A field name ("clock_hz") or a table entry ("macs_per_cycle.i8").

        Raises:
            KeyError: No parameter has that key.
        """
        return self._source(key).text

    def is_assumption(self, key: str) -> bool:
        """Whether a parameter is an assumption rather than a sourced figure."""
        return self._source(key).assumption

    def assumptions(self) -> dict[str, str]:
        """Parameters marked as assumptions, key -> reasoning, in file order."""
        return {key: src.text for key, src in self.sources.items() if src.assumption}

    def parameters(self) -> dict[str, Any]:
        """Every parameter value by key ("clock_hz", "macs_per_cycle.i8", ...)."""
        values: dict[str, Any] = {}
        for spec_field in param_fields():
            value = getattr(self, spec_field.name)
            if not spec_field.metadata["param"].table:
                values[spec_field.name] = value
                continue
            for dtype, rate in value.items():
                values[f"{spec_field.name}.{dtype}"] = rate
        return values

    def describe(self) -> str:
        """Readable listing of every parameter with its value and source."""
        lines = [
            f"target {self.name} ({self.family}): {self.description}",
            (
                f"  {self.cols} cols x {self.core_rows} core rows = {self.num_cores} cores, "
                f"{self.num_memtiles} memtiles, {self.clock_hz / 1e9:g} GHz"
            ),
        ]
        params = self.parameters()
        width = max(map(len, params))
        for key, value in params.items():
            text = f"{value:g}" if isinstance(value, float) else str(value)
            src = self.sources.get(key)
            mark = "[assumption] " if src and src.assumption else ""
            lines.append(f"  {key:<{width}}  {text:>10}  {mark}{src.text if src else '-'}")
        return "\n".join(lines)

    def _source(self, key: str) -> Source:
        try:
            return self.sources[key]
        except KeyError:
            known = ", ".join(self.sources)
            raise KeyError(
                f"target '{self.name}' has no parameter '{key}'; known: {known}"
            ) from None


def param_fields() -> tuple[dataclasses.Field[Any], ...]:
    """The `Target` fields that data files provide, in declaration order."""
    return tuple(f for f in dataclasses.fields(Target) if "param" in f.metadata)


def _field_problems(target: Target) -> list[tuple[str, str]]:
    """Values of the wrong type or that break their field's constraint."""
    problems: list[tuple[str, str]] = []
    for spec_field in param_fields():
        spec: ParamSpec = spec_field.metadata["param"]
        value = getattr(target, spec_field.name)
        if not spec.table:
            if problem := spec.problem(value):
                problems.append((spec_field.name, problem))
            continue
        for dtype, entry in value.items():
            key = f"{spec_field.name}.{dtype}"
            if dtype not in DTYPES:
                problems.append((key, f"unknown dtype '{dtype}'; known: {', '.join(DTYPES)}"))
            elif problem := spec.problem(entry):
                problems.append((key, problem))
    return problems


def _consistency_problems(target: Target) -> list[tuple[str, str]]:
    """Parameters that contradict each other."""
    problems = []
    if not target.macs_per_cycle:
        problems.append(("macs_per_cycle", "must rate at least one native dtype"))
    for dtype in target.macs_per_cycle.keys() & target.emulated_macs_per_cycle.keys():
        problems.append((f"emulated_macs_per_cycle.{dtype}", "dtype is also native"))
    if target.family == "aie1" and target.memtile_rows:
        problems.append(("memtile_rows", "AIE1 arrays have no memory tiles; must be 0"))
    has_memtiles = target.memtile_rows > 0
    for name in (
        "l2_bytes",
        "memtile_read_bytes_per_s",
        "memtile_write_bytes_per_s",
        "memtile_dma_channels",
    ):
        if (getattr(target, name) > 0) != has_memtiles:
            rule = "must be positive" if has_memtiles else "must be 0"
            problems.append((name, f"{rule} when memtile_rows is {target.memtile_rows}"))
    if target.shim_columns > target.cols:
        problems.append(("shim_columns", f"exceeds cols ({target.cols})"))
    if target.l1_budget_bytes > target.l1_bytes:
        problems.append(
            ("l1_bytes", f"L1 budget {target.l1_budget_bytes} B exceeds {target.l1_bytes} B")
        )
    n, m = target.structured_sparsity_n, target.structured_sparsity_m
    if (n == 0) != (m == 0) or n > m or (n and n == m):
        problems.append(("structured_sparsity_n", f"N:M = {n}:{m} must be 0:0 (none) or 0 < N < M"))
    return problems
