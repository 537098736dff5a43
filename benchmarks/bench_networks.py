"""Whole networks on the array: MobileNetV2, ViT-B/16, BERT-base, GPT-2 small, Jasper-like and GNMT-like,
dense and block-sparse, and BERT-base's sequence sweep.

For each model x sparsity x target: compile (8x8 blocks, per-layer pruning,
default keep policy), run the lowered program once on the model's seeded
example input, and record the total cycles, the speedup over the same target
dense, the share of cycles of the ops left on the host (with their reasons, as
the report lists them), the MACs, and for dense runs the output's error
against the PyTorch forward pass. Then BERT-base's encoder at sequence lengths
64 to 512 on one target (attention's batch matmuls and softmax grow with the
square of the sequence); the point at the table's own sequence (128) is the
table's BERT-base runs, not run twice.

Each network (and sequence length) is imported and packed once per sparsity;
the packed module is lowered per target, as in bench_models.py. The
networks (and sequence lengths) at each sparsity are independent tasks, run on
``--jobs`` worker processes (default: one per core; `_parallel`). Progress goes to stderr.
Writes ``benchmarks/results/networks.json``.

    build/venv/bin/python benchmarks/bench_networks.py [--models mobilenet_v2] [--sparsities 0 0.5]
        [--targets aie2-4x4] [--sequences 64 128] [-j JOBS] [-o OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import _provenance  # first: records the source state at start
import _parallel
import bsparse
from bsparse import models, targets

RESULTS = Path(__file__).resolve().parent / "results" / "networks.json"
MODELS = ("mobilenet_v2", "vit_b16", "bert_base", "gpt2_small", "jasper_like", "gnmt_like")
SPARSITIES = (0.0, 0.5, 0.75)
TARGETS = ("aie2-4x4", "aie2-ve2802")
SEQUENCES = (64, 128, 256, 512)
SWEEP_TARGET = "aie2-ve2802"
SWEEP_SPARSITIES = (0.0, 0.5)
PATTERN = "block:8x8"
DTYPE = "i8"
LENGTH = {"bert_base": 6, "vit_b16": 6, "gnmt_like": 5, "gpt2_small": 5, 512: 4, 256: 3, 64: 2}
"""Rough relative run times of the tasks (a model, or a sweep's sequence length), to start the longest first."""


def log(message: str) -> None:
    print(f"[bench_networks {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def summarize(report: bsparse.Report) -> dict[str, Any]:
    host = sum(layer.cycles for layer in report.host_ops)
    return {
        "total_cycles": report.total_cycles,
        "time_ms": report.time_s * 1e3,
        "macs": report.macs,
        "macs_dense": report.macs_dense,
        "traffic": report.traffic,
        "host_cycles": host,
        "host_share": host / report.total_cycles if report.total_cycles else 0.0,
        "host_ops": [{"reason": reason, "ops": count, "cycles": cycles} for reason, count, cycles in report.host_summary()],
        "bound": {bound: sum(1 for layer in report.layers if layer.bound == bound and not layer.reason)
                  for bound in ("compute", "movement")},
        "kinds": kinds(report),
    }


def kinds(report: bsparse.Report) -> dict[str, dict[str, int]]:
    """Per layer kind of the report (``bmm``: attention's QK^T and AV; ``host``: every op left on the host):
    its layers, cycles, and how many of them are compute or movement bound."""
    out: dict[str, dict[str, int]] = {}
    for layer in report.layers:
        kind = "host" if layer.reason else layer.kind
        row = out.setdefault(kind, {"layers": 0, "cycles": 0, "compute": 0, "movement": 0})
        row["layers"] += 1
        row["cycles"] += layer.cycles
        row[layer.bound] = row.get(layer.bound, 0) + 1
    return out


def relative_error(got: np.ndarray, want: torch.Tensor) -> float:
    want = want.detach().numpy()
    return float(np.abs(got.astype(np.float64) - want).max() / max(float(np.abs(want).max()), 1e-30))


def bench(model: torch.nn.Module, x: torch.Tensor, sparsities, target_names) -> dict[str, Any]:
    """One network: imported once, packed per sparsity, lowered and run per target."""
    with torch.no_grad():
        reference = model(x)
    start = time.perf_counter()
    linalg = bsparse.import_model(model, x, progress=False)
    entry: dict[str, Any] = {"input_shape": list(x.shape), "import_s": time.perf_counter() - start, "runs": {}}
    for sparsity in sparsities:
        packed = bsparse.compile(linalg, pattern=PATTERN, sparsity=sparsity, dtype=DTYPE, until="pack", progress=False)
        runs = entry["runs"].setdefault(f"{sparsity:g}", {})
        for target in target_names:
            start = time.perf_counter()
            try:
                program = bsparse.compile(packed.module, sparsity=None, target=target, dtype=DTYPE, progress=False)
                compile_s = time.perf_counter() - start
                (y, *_), report = program.run(x)
            except bsparse.BsparseError as err:  # recorded: one broken configuration does not lose the rest
                runs[target] = {"error": f"{type(err).__name__}: {err}"}
                log(f"  s={sparsity:g} {target}: FAILED: {str(err).splitlines()[0]}")
                continue
            run = summarize(report)
            run.update(compile_s=compile_s, run_s=time.perf_counter() - start - compile_s)
            if sparsity == 0.0:
                run["max_rel_error"] = relative_error(y, reference)
            dense = entry["runs"].get("0", {}).get(target)
            if dense and "total_cycles" in dense:
                run["speedup"] = dense["total_cycles"] / run["total_cycles"]
            runs[target] = run
            log(f"  s={sparsity:g} {target}: {run['total_cycles']:>10d} cycles, host {100 * run['host_share']:.1f}%"
                + (f", max rel err {run['max_rel_error']:.1e}" if "max_rel_error" in run else "")
                + (f", {run['speedup']:.2f}x" if "speedup" in run else ""))
    return entry


def bench_model(name: str, sparsities, target_names) -> dict[str, Any]:
    """A task: one model of the table, on its example input."""
    torch.manual_seed(0)
    log(f"{name}")
    return bench(models.get(name), models.example_input(name), sparsities, target_names)


def bench_sequence(sequence: int, sparsities) -> dict[str, Any]:
    """A task: BERT-base's encoder at one sequence length of the sweep."""
    torch.manual_seed(0)
    log(f"bert_base, sequence {sequence}")
    x = torch.randint(0, models.VOCABULARIES["bert_base"], (1, sequence), generator=torch.Generator().manual_seed(0))
    return bench(models.get("bert_base"), x, sparsities, [SWEEP_TARGET])


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One network's entry from its tasks' (`_parallel.merge_parts`), with each run's speedup over the same
    target dense."""
    entry = _parallel.merge_parts(parts)
    for key, runs in entry["runs"].items():
        for target, run in runs.items():
            dense = entry["runs"].get("0", {}).get(target, {})
            if key != "0" and "total_cycles" in dense and "total_cycles" in run:
                run["speedup"] = dense["total_cycles"] / run["total_cycles"]
    return entry


def _from_table(entry: dict[str, Any]) -> dict[str, Any]:
    """The sweep's point at the table's own sequence: the table's BERT-base runs on the sweep's target
    (the cycles do not depend on the input's values)."""
    runs = {key: {SWEEP_TARGET: entry["runs"][key][SWEEP_TARGET]} for key in (f"{s:g}" for s in SWEEP_SPARSITIES)
            if SWEEP_TARGET in entry["runs"].get(key, {})}
    return {**entry, "runs": runs, "from_table": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=models.names())
    parser.add_argument("--sparsities", nargs="+", type=float, default=list(SPARSITIES))
    parser.add_argument("--targets", nargs="+", default=list(TARGETS), choices=targets.names())
    parser.add_argument("--sequences", nargs="*", type=int, default=list(SEQUENCES),
                        help="BERT-base sequence lengths of the sweep (none: no sweep)")
    parser.add_argument("-j", "--jobs", type=int, default=_parallel.default_jobs(),
                        help="worker processes (default: one per core)")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result: dict[str, Any] = {"pattern": PATTERN, "dtype": DTYPE, "sparsities": args.sparsities,
                              "targets": args.targets, "models": {}, "sequence_sweep": {}, "jobs": args.jobs}
    table_sequence = models.example_input("bert_base").shape[1]
    reuse = "bert_base" in args.models and SWEEP_TARGET in args.targets and set(SWEEP_SPARSITIES) <= set(args.sparsities)
    sequences = [n for n in args.sequences if not (reuse and n == table_sequence)]
    # a task per network and sparsity (each in a fresh worker: an MLIR context only grows), longest first
    tasks = [(name, (bench_model, (name, [sparsity], args.targets))) for name in args.models for sparsity in args.sparsities]
    tasks += [(n, (bench_sequence, (n, [sparsity]))) for n in sorted(sequences, reverse=True) for sparsity in SWEEP_SPARSITIES]
    order = sorted(range(len(tasks)), key=lambda k: -LENGTH.get(tasks[k][0], 1))
    done = dict(zip(order, _parallel.run_tasks(_call, [tasks[k][1] for k in order], args.jobs)))
    parts: dict[Any, list] = {}
    for k, (key, _) in enumerate(tasks):
        parts.setdefault(key, []).append(done[k])
    for name in args.models:
        result["models"][name] = _merge(parts[name])
    if args.sequences:
        sweep = {n: _merge(parts[n]) for n in sequences}
        if reuse and table_sequence in args.sequences:
            sweep[table_sequence] = _from_table(result["models"]["bert_base"])
        result["sequence_sweep"] = {"model": "bert_base", "target": SWEEP_TARGET,
                                    "runs": {str(n): sweep[n] for n in sorted(sweep)}}
    result["elapsed_s"] = time.perf_counter() - start
    result["environment"] = _provenance.environment()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    log(f"wrote {args.output} in {result['elapsed_s']:.0f} s")
    return 0


def _call(fn, task_args):
    return fn(*task_args)


if __name__ == "__main__":
    sys.exit(main())
