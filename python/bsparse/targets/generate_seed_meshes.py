"""Writes the seed paper's mesh targets (aie2-2x2 ... aie2-8x8) from one template.

Run ``python -m bsparse.targets.generate_seed_meshes`` after editing
``seed_mesh.toml.template``; ``--check`` only reports stale files (exit 1).
"""

from __future__ import annotations

import argparse
import string
import sys
from collections.abc import Sequence
from pathlib import Path

TARGET_DIR = Path(__file__).parent
TEMPLATE = TARGET_DIR / "seed_mesh.toml.template"

SEED_MESH_SIZES = range(2, 9)
"""Mesh sides the seed paper (D'Alberto et al. 2024) estimates: i x i cores, i = 2..8."""


SHIM_CHANNELS = 2
"""The seed model's DDR <-> memtile channels per memtile, each way."""

CHANNEL_BYTES_PER_S = 4e9
"""The seed model's load rate of one channel (activations on one, weights on the other)."""

WRITE_BYTES_PER_S_PER_MEMTILE = 8e9
"""The seed model's write rate per memtile."""


def mesh_name(size: int) -> str:
    """Target name of the `size` x `size` seed mesh."""
    return f"aie2-{size}x{size}"


def render(size: int) -> str:
    """Text of the target file for the `size` x `size` seed mesh."""
    template = string.Template(TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(
        size=size, mesh=f"{size}x{size}", cores=size * size,
        ddr_read=f"{size * SHIM_CHANNELS * CHANNEL_BYTES_PER_S:.3e}",
        ddr_write=f"{size * WRITE_BYTES_PER_S_PER_MEMTILE:.3e}",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Writes (or with --check, verifies) every seed mesh target file.

    Args:
        argv: Command-line arguments (default: sys.argv[1:]).

    Returns:
        The exit status: 0, or 1 if --check found a stale file.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files, write none")
    args = parser.parse_args(argv)
    stale = []
    for size in SEED_MESH_SIZES:
        path = TARGET_DIR / f"{mesh_name(size)}.toml"
        text = render(size)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    verb = "stale" if args.check else "wrote"
    for path in stale:
        print(f"{verb}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
