"""End-to-end cost of ResNet-50, VGG-16 and Inception-V3, dense and block-sparse, on every target.

For each model x sparsity x target: compile (8x8 blocks, per-layer pruning,
default keep policy: layers too small for a block stay dense), run the lowered
program once in the interpreter on the model's seeded example input, and
record the cost report: total cycles, time at the target clock, MACs (stored
and dense), traffic per memory level, and one row per layer. Dense runs also
check the interpreter's outputs against the PyTorch forward pass.

Each model at each sparsity is a task: the model imported, sparsified and
packed once (``bsparse.compile(..., until="pack")``) and the packed module then
partitioned and lowered per target (``bsparse.compile(packed.module,
sparsity=None, target=...)``: no sparsify stage, the pack stage finds nothing
left to pack). ``--no-reuse`` compiles every configuration from the linalg
module instead (same result, slower). The tasks are independent, run on
``--jobs`` worker processes (default: one per core; `_parallel`), the longest
model's first; a model's ``elapsed_s`` is the sum of its tasks'.

Progress goes to stderr. Writes ``benchmarks/results/models.json``.

    build/venv/bin/python benchmarks/bench_models.py [--models resnet50 vgg16] [--sparsities 0 0.5]
        [--targets aie2-4x4 aie2-ve2802] [-j JOBS] [-o OUT.json]
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
from bsparse.dtypes import COSTED_DTYPES

RESULTS = Path(__file__).resolve().parent / "results" / "models.json"
MODELS = ("resnet50", "vgg16", "inception_v3")
SPARSITIES = (0.0, 0.5, 0.75)
TARGETS = ("aie2-2x2", "aie2-4x4", "aie2-8x8", "aie2-ve2802", "aie2-phoenix", "aie1-vc1902")
PATTERN = "block:8x8"
DTYPE = "i8"
LENGTH = {"inception_v3": 3, "resnet50": 2}
"""Rough relative run times of the models' tasks, to start the longest first."""


def log(message: str) -> None:
    print(f"[bench_models {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def layer_geometry(model: torch.nn.Module) -> dict[str, dict[str, Any]]:
    """Module path -> shape facts of each Conv2d / Linear, from PyTorch (report names are module paths)."""
    found: dict[str, dict[str, Any]] = {}
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Conv2d):
            kh, kw = module.kernel_size
            found[name] = {"op": "conv", "kernel": [kh, kw], "stride": list(module.stride), "groups": module.groups,
                           "in_channels": module.in_channels, "out_channels": module.out_channels}
        elif isinstance(module, torch.nn.Linear):
            found[name] = {"op": "linear", "in_features": module.in_features, "out_features": module.out_features}
    return found


def geometry_of(name: str, geometry: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The geometry of report layer `name`: the module itself, or its only conv/linear child (``x.conv``)."""
    if name in geometry:
        return geometry[name]
    children = [k for k in geometry if k.startswith(name + ".") and k.count(".") == name.count(".") + 1]
    return geometry[children[0]] if len(children) == 1 else None


def category(kind: str, geom: dict[str, Any] | None) -> str:
    """``conv3x3``, ``conv1x1``, ``conv1x7``..., ``matmul``, or the report's kind for host ops."""
    if kind == "conv2d" and geom and geom["op"] == "conv":
        kh, kw = geom["kernel"]
        return f"conv{kh}x{kw}"
    return kind


def weight_storage(program: bsparse.Program) -> dict[str, Any]:
    """Packed weight storage after the pack stage: stored / dense elements, index entries, bytes."""
    rows = program.packed_weights()
    width = COSTED_DTYPES[DTYPE]
    stored = sum(r.stored_elements for r in rows)
    dense = sum(r.dense_elements for r in rows)
    index = sum(r.index_entries for r in rows)
    blocks = sum(r.stored_blocks for r in rows)
    total_blocks = sum(r.total_blocks for r in rows)
    return {
        "packed_weights": len(rows),
        "stored_elements": stored,
        "dense_elements": dense,
        "index_entries": index,
        "stored_blocks": blocks,
        "total_blocks": total_blocks,
        "block_density": blocks / total_blocks if total_blocks else 0.0,
        # bytes at the costed type's width; index entries at 2 bytes (block_index_bytes of every shipped target)
        "stored_bytes": stored * width + 2 * index,
        "dense_bytes": dense * width,
    }


def output_error(outputs: tuple[np.ndarray, ...], reference: torch.Tensor) -> dict[str, float]:
    ref = reference.detach().numpy()
    got = outputs[0]
    if got.shape != ref.shape:
        return {"shape_mismatch": 1.0}
    diff = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    scale = float(np.max(np.abs(ref)))
    return {
        # max |y - y_torch| / max |y_torch|: the relative error at the output's scale
        "max_rel_error": float(diff.max() / scale) if scale else float(diff.max()),
        "max_abs_error": float(diff.max()),
        "max_abs_reference": scale,
    }


def run_config(program: bsparse.Program, x: torch.Tensor, geometry: dict, reference: torch.Tensor | None,
               compile_s: float) -> dict[str, Any]:
    start = time.perf_counter()
    outputs, report = program.run(x)
    run_s = time.perf_counter() - start
    layers = []
    for layer in report.layers:
        row = layer.to_dict()
        geom = geometry_of(layer.name, geometry)
        row["category"] = category(layer.kind, geom)
        if geom:
            row["geometry"] = geom
        layers.append(row)
    result: dict[str, Any] = {
        "target": report.target,
        "clock_hz": report.clock_hz,
        "total_cycles": report.total_cycles,
        "time_ms": report.time_s * 1e3,
        "macs": report.macs,
        "macs_dense": report.macs_dense,
        "traffic": report.traffic,
        # L3 bytes of packed weights (values, index) and biases, when the report separates them
        "weight_traffic": getattr(report, "weight_traffic", None),
        "layers": layers,
        "compile_s": compile_s,
        "run_s": run_s,
    }
    if reference is not None:
        result["check"] = output_error(outputs, reference)
    return result


def bench_model(name: str, sparsities: list[float], target_names: list[str], reuse: bool) -> dict[str, Any]:
    torch.manual_seed(0)
    t0 = time.perf_counter()
    model = models.get(name)
    x = models.example_input(name)
    with torch.no_grad():
        reference = model(x)
    geometry = layer_geometry(model)
    log(f"{name}: importing")
    linalg = bsparse.import_model(model, x, progress=False)
    import_s = time.perf_counter() - t0
    log(f"{name}: imported in {import_s:.1f} s")
    entry: dict[str, Any] = {"input_shape": list(x.shape), "import_s": import_s, "runs": {}}
    for sparsity in sparsities:
        key = f"{sparsity:g}"
        start = time.perf_counter()
        packed = bsparse.compile(linalg, pattern=PATTERN, sparsity=sparsity, dtype=DTYPE, until="pack", progress=False)
        pack_s = time.perf_counter() - start
        per_sparsity: dict[str, Any] = {"sparsity": sparsity, "pack_s": pack_s, "weights": weight_storage(packed),
                                        "targets": {}}
        for target in target_names:
            start = time.perf_counter()
            try:
                if reuse:
                    program = bsparse.compile(packed.module, sparsity=None, target=target, dtype=DTYPE,
                                              progress=False)
                else:
                    program = bsparse.compile(linalg, pattern=PATTERN, sparsity=sparsity, target=target,
                                              dtype=DTYPE, progress=False)
                compile_s = time.perf_counter() - start
                result = run_config(program, x, geometry, reference if sparsity == 0.0 else None, compile_s)
            except bsparse.BsparseError as err:  # recorded, so one broken configuration does not lose the rest
                per_sparsity["targets"][target] = {"target": target, "error": f"{type(err).__name__}: {err}"}
                log(f"{name} s={key} {target}: FAILED: {str(err).splitlines()[0]} ...")
                continue
            per_sparsity["targets"][target] = result
            check = result.get("check", {})
            err = f"  max rel err {check['max_rel_error']:.2e}" if "max_rel_error" in check else ""
            log(f"{name} s={key} {target}: {result['total_cycles']:>10d} cycles  {result['time_ms']:8.3f} ms  "
                f"(compile {compile_s:.1f} s, run {result['run_s']:.1f} s){err}")
        entry["runs"][key] = per_sparsity
    entry["elapsed_s"] = time.perf_counter() - t0
    return entry




def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One model's entry from its tasks' (`_parallel.merge_parts`), its ``elapsed_s`` their sum."""
    entry = _parallel.merge_parts(parts)
    entry["elapsed_s"] = sum(part.get("elapsed_s", 0.0) for part in parts)
    return entry


def print_summary(result: dict[str, Any]) -> None:
    print(f"\n{'model':<14} {'target':<14} " + " ".join(f"{'s=' + s:>12}" for s in result["sparsities_keys"]))
    for name, entry in result["models"].items():
        for target in result["targets"]:
            cells = []
            for key in result["sparsities_keys"]:
                run = entry["runs"].get(key, {}).get("targets", {}).get(target)
                cells.append(f"{run['time_ms']:9.3f} ms" if run and "error" not in run else f"{'-':>12}")
            print(f"{name:<14} {target:<14} " + " ".join(cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=models.names())
    parser.add_argument("--sparsities", nargs="+", type=float, default=list(SPARSITIES))
    parser.add_argument("--targets", nargs="+", default=list(TARGETS), choices=targets.names())
    parser.add_argument("--no-reuse", action="store_true",
                        help="compile every configuration from the linalg module (no packed-module reuse)")
    parser.add_argument("-j", "--jobs", type=int, default=_parallel.default_jobs(),
                        help="worker processes, a model at a sparsity each (default: one per core)")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    start = time.perf_counter()
    result: dict[str, Any] = {
        "pattern": PATTERN,
        "dtype": DTYPE,
        "scope": "layer",
        "keep_policy": "default: keep=(), keep_small=True (layers that cannot hold a whole block, e.g. the first conv, stay dense)",
        "sparsities": args.sparsities,
        "sparsities_keys": [f"{s:g}" for s in args.sparsities],
        "targets": args.targets,
        "reuse_packed_module": not args.no_reuse,
        "error_metric": "max |y - y_torch| / max |y_torch| over the model output (dense runs only)",
        "models": {},
    }
    result["jobs"] = args.jobs
    tasks = [(name, [sparsity], args.targets, not args.no_reuse)
             for name in sorted(args.models, key=lambda n: -LENGTH.get(n, 1)) for sparsity in args.sparsities]
    parts = _parallel.run_tasks(bench_model, tasks, args.jobs)
    result["models"] = {name: _merge([part for task, part in zip(tasks, parts) if task[0] == name])
                        for name in args.models}
    result["elapsed_s"] = time.perf_counter() - start
    result["environment"] = _provenance.environment()
    print_summary(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\ntotal {result['elapsed_s']:.0f} s; wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
