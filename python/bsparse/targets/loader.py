"""Reads one target data file (TOML) into a validated `Target`."""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

from bsparse.targets.target import (
    DTYPES,
    InvalidTargetError,
    ParamSpec,
    Source,
    Target,
    TargetError,
    param_fields,
)

_TOP_LEVEL_STRINGS = ("description",)
_ENTRY_KEYS = ("value", "source", "assumption")


class TargetFileError(TargetError):
    """A target data file that cannot be read or breaks the format."""


def load_file(path: str | os.PathLike[str]) -> Target:
    """Loads and validates one target data file; its stem becomes the target name.

    Args:
        path: A `.toml` file in the format described in `bsparse.targets`.

    Returns:
        The target, with every parameter's source.

    Raises:
        TargetFileError: The file cannot be read, is not TOML, or has a missing,
            unknown, ill-typed or out-of-range field (the message names the
            file and each bad field).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetFileError(f"{path}: cannot read target file: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TargetFileError(f"{path}: invalid TOML: {exc}") from exc
    return parse(data, name=path.stem, origin=str(path))


def parse(data: dict[str, Any], *, name: str, origin: str) -> Target:
    """Builds a `Target` from the parsed TOML of a data file.

    Args:
        data: The TOML document as a dict.
        name: The target name.
        origin: Where `data` came from, for error messages (usually a path).

    Returns:
        The validated target.

    Raises:
        TargetFileError: A field is missing, unknown, ill-typed or out of range.
    """
    problems: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    _check_keys(data, problems)
    for key in _TOP_LEVEL_STRINGS:
        text = data.get(key)
        if not isinstance(text, str) or not text.strip():
            problems.append((key, "missing or empty; expected a non-empty string"))
        values[key] = text
    for spec_field in param_fields():
        spec: ParamSpec = spec_field.metadata["param"]
        reader = _read_table if spec.table else _read_entry
        values[spec_field.name] = reader(spec_field.name, data, sources, problems)
    if not problems:
        try:
            return Target(name=name, sources=sources, **values)
        except InvalidTargetError as exc:
            problems = exc.problems
    raise TargetFileError("\n".join(f"{origin}: field '{key}': {msg}" for key, msg in problems))


def _check_keys(data: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    """Reports top-level keys that name no field."""
    known = list(_TOP_LEVEL_STRINGS) + [f.name for f in param_fields()]
    for key in sorted(data.keys() - set(known)):
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
        problems.append((key, f"unknown field; {hint}"))


def _read_table(
    name: str, data: dict[str, Any], sources: dict[str, Source], problems: list[tuple[str, str]]
) -> dict[str, Any]:
    """Reads a dtype -> {value, source} table such as `macs_per_cycle`."""
    table = data.get(name)
    if not isinstance(table, dict):
        problems.append((name, f"missing; expected a table of dtypes ({', '.join(DTYPES)})"))
        return {}
    return {
        dtype: _read_entry(dtype, table, sources, problems, prefix=f"{name}.") for dtype in table
    }


def _read_entry(
    name: str,
    data: dict[str, Any],
    sources: dict[str, Source],
    problems: list[tuple[str, str]],
    prefix: str = "",
) -> Any:
    """Reads one {value, source, assumption} table and records its source."""
    key = prefix + name
    entry = data.get(name)
    if not isinstance(entry, dict):
        problems.append((key, f"missing; expected a [{key}] table with value and source"))
        return None
    for extra in sorted(entry.keys() - set(_ENTRY_KEYS)):
        problems.append((key, f"unknown key '{extra}'; allowed: {', '.join(_ENTRY_KEYS)}"))
    source = entry.get("source")
    assumption = entry.get("assumption", False)
    if "value" not in entry:
        problems.append((key, "has no value"))
    if not isinstance(source, str) or not source.strip():
        problems.append((key, "has no source; cite one or explain the assumption"))
    if not isinstance(assumption, bool):
        problems.append((key, f"assumption must be true or false, got {assumption!r}"))
    sources[key] = Source(str(source), assumption is True)
    return entry.get("value")
