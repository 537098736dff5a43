"""Independent benchmark tasks (a model each) run in worker processes, a task per core.

Each task runs in a fresh interpreter (``spawn``: no MLIR context or torch state
shared with the parent or with other tasks) with one BLAS and one torch thread, so two workers on
two cores do not fight over them. Results come back in task order, whatever
order the tasks finish in. ``jobs=1`` runs the tasks in this process, one after
another (the same code, for debugging and profiling).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def default_jobs() -> int:
    """One worker per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _result(future) -> Any:
    try:
        return future.result()
    except Exception as err:  # a worker killed (out of memory) or a task that raised: recorded, the rest kept
        return {"error": f"{type(err).__name__}: {err}"}


def run_tasks(fn: Callable[..., Any], tasks: Sequence[tuple], jobs: int) -> list[Any]:
    """``[fn(*task) for task in tasks]``, on `jobs` worker processes, a fresh one per task (an MLIR
    context keeps every attribute it ever made: a process that ran several models holds them all). List
    the longest tasks first: a worker takes the next task when it finishes one. A task whose worker
    fails gives ``{"error": ...}`` instead of its result."""
    if jobs <= 1 or len(tasks) <= 1:
        return [fn(*task) for task in tasks]
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update({name: "1" for name in _THREAD_VARIABLES})  # read by the workers' BLAS when it loads
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_one_thread, max_tasks_per_child=1) as pool:
            futures = [pool.submit(fn, *task) for task in tasks]
            return [_result(future) for future in futures]
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def merge_parts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One entry from a network's or model's tasks (one sparsity each): their ``runs`` merged, the first
    task's other fields, each failed task's error under ``errors``."""
    entry: dict[str, Any] = {"runs": {}}
    for part in parts:
        if "error" in part:
            entry.setdefault("errors", []).append(part["error"])
        for key, value in part.items():
            if key not in ("runs", "error"):
                entry.setdefault(key, value)
        entry["runs"].update(part.get("runs", {}))
    return entry
