"""Time PyTorch -> linalg import: stock ``torch_mlir.fx.export_and_import`` vs ``bsparse.frontend.import_model``.

Both run in the same process on the same model and input; each is timed from
the nn.Module to the lowered linalg-on-tensors module (torch.export included).
Prints a table and writes ``benchmarks/results/import.json``.

    PYTHONPATH=python python benchmarks/bench_import.py [--model resnet50] [--runs 3] [--stock-runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import torch
from torch_mlir import fx, ir
from torch_mlir.compiler_utils import OutputType

from bsparse import models
from bsparse.frontend import import_model
from bsparse.frontend.literals import is_dense_resource

TARGET_RATIO = 0.25
RESULTS = Path(__file__).resolve().parent / "results" / "import.json"


def op_counts(module: ir.Module) -> Counter[str]:
    counts: Counter[str] = Counter()

    def visit(op: ir.Operation) -> ir.WalkResult:
        counts[op.name] += 1
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return counts


def resource_constants(module: ir.Module) -> int:
    found = 0

    def visit(op: ir.Operation) -> ir.WalkResult:
        nonlocal found
        found += any(is_dense_resource(op.attributes[n]) for n in op.attributes)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return found


def timed(fn: Callable[[], ir.Module]) -> tuple[float, ir.Module]:
    start = time.perf_counter()
    module = fn()
    return time.perf_counter() - start, module


def stock_import(model: torch.nn.Module, x: torch.Tensor) -> ir.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fx.export_and_import(model, x, output_type=OutputType.LINALG_ON_TENSORS)


def ours_import(model: torch.nn.Module, x: torch.Tensor, stages: dict[str, float]) -> ir.Module:
    marks: list[tuple[str, float]] = []

    def record(stage: str, done: int, total: int) -> None:
        if not marks or marks[-1][0] != stage:
            marks.append((stage, time.perf_counter()))

    module = import_model(model, x, progress=record)
    marks.append(("end", time.perf_counter()))
    for (stage, start), (_, end) in zip(marks, marks[1:]):
        stages[stage] = end - start
    return module


def run(model_name: str, runs: int, stock_runs: int) -> dict[str, Any]:
    model = models.get(model_name)
    x = models.example_input(model_name)
    # Warm torch.export's lazy initialisation up so neither side pays for it.
    import_model(models.get("tiny_cnn"), models.example_input("tiny_cnn"), progress=False)

    ours_times: list[float] = []
    ours_stages: list[dict[str, float]] = []
    ours_module = None
    for i in range(runs):
        stages: dict[str, float] = {}
        seconds, ours_module = timed(lambda: ours_import(model, x, stages))
        ours_times.append(seconds)
        ours_stages.append(stages)
        print(f"  ours  run {i + 1}/{runs}: {seconds:6.2f} s  "
              + "  ".join(f"{k} {v:.2f}" for k, v in stages.items()), file=sys.stderr)

    stock_times: list[float] = []
    stock_module = None
    for i in range(stock_runs):
        seconds, stock_module = timed(lambda: stock_import(model, x))
        stock_times.append(seconds)
        print(f"  stock run {i + 1}/{stock_runs}: {seconds:6.2f} s", file=sys.stderr)

    assert ours_module is not None
    result: dict[str, Any] = {
        "model": model_name,
        "input_shape": list(x.shape),
        "ours": {
            "runs": ours_times,
            "median_s": statistics.median(ours_times),
            "stage_median_s": {
                stage: statistics.median(s[stage] for s in ours_stages) for stage in ours_stages[0]
            },
            "dense_resource_constants": resource_constants(ours_module),
            "op_counts": dict(sorted(op_counts(ours_module).items())),
        },
    }
    if stock_module is not None:
        result["stock"] = {
            "runs": stock_times,
            "median_s": statistics.median(stock_times),
            "dense_resource_constants": resource_constants(stock_module),
            "op_counts": dict(sorted(op_counts(stock_module).items())),
        }
        ours_ops, stock_ops = result["ours"]["op_counts"], result["stock"]["op_counts"]
        result["op_count_differences"] = {
            op: {"stock": stock_ops.get(op, 0), "ours": ours_ops.get(op, 0)}
            for op in sorted(set(ours_ops) | set(stock_ops)) if ours_ops.get(op) != stock_ops.get(op)
        }
        result["ratio"] = result["ours"]["median_s"] / result["stock"]["median_s"]
        result["target_ratio"] = TARGET_RATIO
        result["meets_target"] = result["ratio"] <= TARGET_RATIO
    return result


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_mlir": metadata.version("torch-mlir"),
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def print_table(result: dict[str, Any]) -> None:
    ours = result["ours"]
    rows = [("ours (bsparse.frontend.import_model)", ours["runs"], ours["median_s"], ours["dense_resource_constants"])]
    if "stock" in result:
        stock = result["stock"]
        rows.insert(0, ("stock (fx.export_and_import)", stock["runs"], stock["median_s"],
                        stock["dense_resource_constants"]))
    print(f"\nimport of {result['model']} {tuple(result['input_shape'])} to linalg-on-tensors\n")
    print(f"{'importer':<38} {'runs':>5} {'median s':>9} {'dense_resource':>15}")
    print("-" * 70)
    for label, runs, median, resources in rows:
        print(f"{label:<38} {len(runs):>5} {median:>9.2f} {resources:>15}")
    stages = "  ".join(f"{k} {v:.2f} s" for k, v in ours["stage_median_s"].items())
    print(f"\nours by stage (median): {stages}")
    for op, counts in result.get("op_count_differences", {}).items():
        why = " (reshapes of weights, folded into dense constants)" if op == "tensor.expand_shape" else ""
        print(f"op count differs: {op}: stock {counts['stock']}, ours {counts['ours']}{why}")
    if "ratio" in result:
        verdict = "meets" if result["meets_target"] else "MISSES"
        print(f"ours / stock = {result['ratio']:.3f} ({verdict} the <= {TARGET_RATIO} target)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet50", choices=models.names())
    parser.add_argument("--runs", type=int, default=3, help="timed runs of ours (median reported)")
    parser.add_argument("--stock-runs", type=int, default=1, help="timed runs of stock; 0 skips it (~40 s each)")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.stock_runs < 0:
        parser.error("--runs must be >= 1 and --stock-runs >= 0")

    result = run(args.model, args.runs, args.stock_runs)
    result["environment"] = environment()
    print_table(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
