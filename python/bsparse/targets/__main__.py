"""Lists the shipped targets, or describes the ones named: python -m bsparse.targets [NAME...]."""

from __future__ import annotations

import sys

from bsparse import targets


def main(argv: list[str]) -> int:
    """Prints target names (no arguments) or each named target's description."""
    if not argv:
        print("\n".join(targets.names()))
        return 0
    try:
        print("\n\n".join(targets.get(name).describe() for name in argv))
    except targets.TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
