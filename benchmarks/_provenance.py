"""The source state a benchmark ran on: git commit and uncommitted files (the cost model changes often)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    try:
        return {
            "commit": git("rev-parse", "HEAD"),
            "subject": git("log", "-1", "--format=%s"),
            "modified": [line[3:] for line in git("status", "--porcelain", "--untracked-files=no", "--", "python").splitlines()],
        }
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "subject": None, "modified": []}


#: Taken when a benchmark starts (it imports this module first), before the run can overlap further edits.
AT_START = git_state()
