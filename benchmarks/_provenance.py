"""What a benchmark ran on: git commit and uncommitted files (the cost model changes often), machine and versions."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from importlib import metadata
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


def environment() -> dict[str, Any]:
    """Machine, library versions, load and source state, recorded beside every benchmark result."""
    import numpy
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "torch_mlir": metadata.version("torch-mlir"),
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "git": AT_START,
    }
