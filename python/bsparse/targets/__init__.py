"""Target descriptions: one TOML data file per accelerator configuration, looked up by name.

A target file `<name>.toml` in this directory holds a top-level
`description = "..."` string and, for every parameter of `Target`, a table::

    [clock_hz]
    value = 1.25e9
    source = "Vitis DSP-lib benchmarks: ... 1.25 GHz (HARDWARE.md A.1)"

    [ddr_read_bytes_per_s]
    value = 120e9
    source = "no primary source: ... (the reasoning)"
    assumption = true

Per-dtype rates are tables of such tables (`[macs_per_cycle.i8]`,
`[emulated_macs_per_cycle.f32]`); `emulated_macs_per_cycle` may be empty.
`source` is a citation (from `HARDWARE.md`), or, with `assumption = true`,
the reasoning behind a value no primary source gives. Files are validated on
load: a missing, unknown, ill-typed or out-of-range field is an error that
names the file and the field.

The seed paper's meshes `aie2-2x2` ... `aie2-8x8` are generated from
`seed_mesh.toml.template` by `python -m bsparse.targets.generate_seed_meshes`.
"""

from __future__ import annotations

import functools
from importlib import resources

from bsparse.targets.loader import TargetFileError, load_file, parse
from bsparse.targets.target import (
    DTYPES,
    FAMILIES,
    OPS_PER_MAC,
    InvalidTargetError,
    Source,
    Target,
    TargetError,
    UnknownTargetError,
    UnsupportedDtypeError,
)

DEFAULT_TARGET = "aie2-ve2802"
"""The target used when none is named: an AIE-ML VE2802-like array."""

_SUFFIX = ".toml"


def names() -> list[str]:
    """Names of the shipped targets (data file stems), sorted."""
    return list(_names())


@functools.cache
def _names() -> tuple[str, ...]:
    files = resources.files(__name__).iterdir()
    return tuple(sorted(f.name.removesuffix(_SUFFIX) for f in files if f.name.endswith(_SUFFIX)))


def get(name: str = DEFAULT_TARGET) -> Target:
    """The shipped target called `name` (loaded once, then cached).

    Args:
        name: A target name, one of `names()`.

    Returns:
        The target.

    Raises:
        UnknownTargetError: No data file has that name; the message lists the known names.
        TargetFileError: The data file is invalid.
    """
    if name not in _names():
        raise UnknownTargetError(f"unknown target '{name}'; known targets: {', '.join(_names())}")
    return _load(name)


@functools.cache
def _load(name: str) -> Target:
    with resources.as_file(resources.files(__name__) / f"{name}{_SUFFIX}") as path:
        return load_file(path)


__all__ = [
    "DEFAULT_TARGET",
    "DTYPES",
    "FAMILIES",
    "OPS_PER_MAC",
    "InvalidTargetError",
    "Source",
    "Target",
    "TargetError",
    "TargetFileError",
    "UnknownTargetError",
    "UnsupportedDtypeError",
    "get",
    "load_file",
    "names",
    "parse",
]
