"""Dense GEMM efficiency of the cost model, beside published AIE matmul efficiencies (HARDWARE.md section B).

Each GEMM is a bias-free ``torch.nn.Linear(K, N)`` applied to an input
``[M, K]`` (weight ``[N, K]``), compiled dense (``sparsity=0.0``, 8x8 blocks)
through the whole pipeline for each target, and run once in the interpreter.
Efficiency is the cost model's:

    efficiency (array) = MACs / (cycles x cores of the target x MACs/cycle/core)
    efficiency (used)  = MACs / (cycles x cores the layer ran on x MACs/cycle/core)

with cycles the report's total (the one matmul layer plus any host op).
The published numbers are copied from HARDWARE.md section B into
`PUBLISHED`, with their sources; they are measurements of real kernels and
arrays, not ours. Writes ``benchmarks/results/gemm_efficiency.json``.

    build/venv/bin/python benchmarks/bench_gemm_efficiency.py [--targets ...] [--shapes 512x896x576 1024x1024x1024]
        [--dtypes i8 bf16]
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
import bsparse
from bsparse import targets

RESULTS = Path(__file__).resolve().parent / "results" / "gemm_efficiency.json"
TARGETS = ("aie2-ve2802", "aie2-phoenix", "aie1-vc1902", "aie2-4x4")
#: M x K x N. 512x896x576 / 512x736x576 / 384x960x432: GAMA's int8->int8 / int8->int16 / int8->int32 problem
#: sizes (HARDWARE.md B); 64x64x64: the Vitis AIE-ML single-tile tutorial kernel; 1024^3, 2048^3: square sweeps.
SHAPES = ("512x896x576", "512x736x576", "384x960x432", "64x64x64", "1024x1024x1024", "2048x2048x2048")
DTYPES = ("i8", "bf16")

HARDWARE_MD = "/work/shared/HARDWARE.md, section B 'Published matmul efficiencies'"
#: Published efficiencies (% of peak), copied from HARDWARE.md section B. NOT bsparse results.
#: `target` is the shipped target the row is comparable to; `scope` says whether it is one tile or the array.
PUBLISHED: list[dict[str, Any]] = [
    {"source": "GAMA (FPL 2025, arXiv 2504.09688)", "device": "VE2802, 288 of 304 AIE-ML", "target": "aie2-ve2802",
     "scope": "array", "problem": "512x896x576 int8->int8", "dtype": "i8", "percent": [85, 85]},
    {"source": "GAMA (FPL 2025, arXiv 2504.09688)", "device": "VE2802, 288 of 304 AIE-ML", "target": "aie2-ve2802",
     "scope": "array", "problem": "512x736x576 int8->int16", "dtype": "i8", "percent": [82, 82]},
    {"source": "GAMA (FPL 2025, arXiv 2504.09688)", "device": "VE2802, 288 of 304 AIE-ML", "target": "aie2-ve2802",
     "scope": "array", "problem": "384x960x432 int8->int32", "dtype": "i8", "percent": [69, 69]},
    {"source": "GAMA (FPL 2025, arXiv 2504.09688)", "device": "VE2802, 288 of 304 AIE-ML", "target": "aie2-ve2802",
     "scope": "array", "problem": "512x384x576 bf16", "dtype": "bf16", "percent": [86, 86]},
    {"source": "Vitis Tutorials XD100 (AIE-ML 'Performance Analysis')", "device": "AIE-ML single tile",
     "target": "aie2-ve2802", "scope": "tile", "problem": "64x64x64 int8, naive / optimized int32-out / int16-out",
     "dtype": "i8", "percent": [49, 91]},
    {"source": "MaxEVA (ICFPT 2023, arXiv 2311.04980)", "device": "VC1902 @1.25 GHz", "target": "aie1-vc1902",
     "scope": "array", "problem": "large GEMM int8 (77.01 TOPS)", "dtype": "i8", "percent": [60, 60]},
    {"source": "AMA (FPL 2024)", "device": "VCK190", "target": "aie1-vc1902", "scope": "array",
     "problem": "GEMM int8 (88.55 TOPS)", "dtype": "i8", "percent": [69, 69]},
    {"source": "CHARM (FPGA'23)", "device": "VCK190, 400 AIE @1 GHz", "target": "aie1-vc1902", "scope": "array",
     "problem": "square 1024 / 4096 / 6144 fp32", "dtype": "f32", "percent": [17, 51]},
    {"source": "'Striking the Balance' (arXiv 2512.13282)", "device": "Ryzen AI XDNA, 20 cores", "target": "aie2-phoenix",
     "scope": "array", "problem": "GEMM sweeps int8 (6.76 TOPS); % depends on 1.0 vs 1.6 GHz SKU", "dtype": "i8",
     "percent": [41, 66]},
    {"source": "Xilinx/mlir-aie#2735 (user measurements)", "device": "Phoenix whole_array, m=n=k=64 tiles",
     "target": "aie2-phoenix", "scope": "array", "problem": "i16 / bf16", "dtype": "i16/bf16", "percent": [50, 75]},
    {"source": "nod-ai/iree-amd-aie PR #282", "device": "Phoenix 4x4", "target": "aie2-phoenix", "scope": "array",
     "problem": "1024^3 bf16->f32 (~0.6 TOPS)", "dtype": "bf16", "percent": [9, 15]},
]


def log(message: str) -> None:
    print(f"[bench_gemm {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_shape(text: str) -> tuple[int, int, int]:
    try:
        m, k, n = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"shape must be MxKxN, got {text!r}") from None
    return m, k, n


def bench_shape(shape: tuple[int, int, int], target_names: list[str], dtypes: list[str]) -> list[dict[str, Any]]:
    m, k, n = shape
    torch.manual_seed(0)
    model = torch.nn.Linear(k, n, bias=False).eval()
    x = torch.randn(m, k, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        reference = model(x).numpy()
    linalg = bsparse.import_model(model, x, progress=False)
    rows = []
    for dtype in dtypes:
        for name in target_names:
            t = targets.get(name)
            row: dict[str, Any] = {"shape": f"{m}x{k}x{n}", "M": m, "K": k, "N": n, "target": name, "dtype": dtype}
            try:
                mpc = t.macs_per_cycle_for(dtype)
            except targets.TargetError as err:
                row["error"] = f"{type(err).__name__}: {err}"
                rows.append(row)
                log(f"{m}x{k}x{n} {dtype} {name}: skipped ({err})")
                continue
            start = time.perf_counter()
            try:
                program = bsparse.compile(linalg, sparsity=0.0, target=name, dtype=dtype, progress=False)
                outputs, report = program.run(x)
            except (bsparse.BsparseError, targets.TargetError) as err:
                row["error"] = f"{type(err).__name__}: {err}"
                rows.append(row)
                log(f"{m}x{k}x{n} {dtype} {name}: FAILED: {str(err).splitlines()[0]}")
                continue
            elapsed = time.perf_counter() - start
            matmuls = [layer for layer in report.layers if layer.kind == "matmul"]
            cores_used = max((layer.cores for layer in matmuls), default=0)
            cycles = report.total_cycles
            macs = report.macs
            row.update({
                "macs": macs,
                "cycles": cycles,
                "time_us": report.time_s * 1e6,
                "cores": t.num_cores,
                "cores_used": cores_used,
                "macs_per_cycle_per_core": mpc,
                "kernel_efficiency": t.kernel_efficiency,
                "efficiency_array": macs / (cycles * t.num_cores * mpc) if cycles else 0.0,
                "efficiency_used": macs / (cycles * cores_used * mpc) if cycles and cores_used else 0.0,
                "tops": 2 * macs / report.time_s / 1e12 if report.time_s else 0.0,
                "layers": [layer.to_dict() for layer in report.layers],
                "max_rel_error": float(np.abs(outputs[0] - reference).max() / np.abs(reference).max()),
                "seconds": elapsed,
            })
            rows.append(row)
            log(f"{m}x{k}x{n} {dtype} {name}: {cycles} cycles, efficiency {row['efficiency_array']:.1%} of the array,"
                f" {row['efficiency_used']:.1%} of the {cores_used} cores used ({elapsed:.1f} s)")
    return rows




def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="+", default=list(TARGETS), choices=targets.names())
    parser.add_argument("--shapes", nargs="+", type=parse_shape, default=[parse_shape(s) for s in SHAPES],
                        help="MxKxN")
    parser.add_argument("--dtypes", nargs="+", default=list(DTYPES))
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for shape in args.shapes:
        rows.extend(bench_shape(shape, args.targets, args.dtypes))
    result = {
        "definition": "efficiency_array = MACs / (cycles x target cores x MACs/cycle/core); efficiency_used: cores "
                      "the layer ran on; cycles = report total; dense nn.Linear(K, N, bias=False) on [M, K]",
        "results": rows,
        "published": {"source": HARDWARE_MD, "note": "published measurements, not bsparse results", "rows": PUBLISHED},
        "elapsed_s": time.perf_counter() - start,
        "environment": _provenance.environment(),
    }
    print(f"\n{'shape':<16} {'dtype':<5} {'target':<13} {'cycles':>10} {'cores':>9} {'eff array':>9} {'eff used':>9}")
    for row in rows:
        if "error" in row:
            print(f"{row['shape']:<16} {row['dtype']:<5} {row['target']:<13} {'error':>10}")
            continue
        print(f"{row['shape']:<16} {row['dtype']:<5} {row['target']:<13} {row['cycles']:>10} "
              f"{row['cores_used']:>4}/{row['cores']:<4} {row['efficiency_array']:>9.1%} {row['efficiency_used']:>9.1%}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
