"""The sparsity patterns side by side: ResNet-50 cycles and traffic, digits accuracy vs cycles.

Part 1 (``resnet50``): ResNet-50 (seeded weights, batch 1) pruned per layer
with each pattern at 50% and 75% (every conv and the classifier except the
stem conv ``conv1``, for every pattern: the seed paper's policy, and what
the block pattern's keep-small rule does for it anyway), packed in the
pattern's format, lowered to each target and run once in the interpreter:
total cycles, time, MACs, traffic per level and weight traffic, beside the
dense model on the same target (8x8 blocks, all stored) and the 3x3-conv
group speedup. N:M at 75% is ``nm:1:4`` (``nm:2:4`` is 50% by definition);
TVW at 50% is TW at 0% plus 2:4.

Part 2 (``digits``): the digits MLP and CNN of the training benchmark,
trained dense, then pruned with each pattern at 50% and 75% and fine-tuned
(the same epochs as `bench_training.py`; one-shot masks, the one schedule
every pattern supports; the classifier and the CNN's 1-channel stem conv
stay dense for every pattern), over several seeds: test accuracy; each finalized
model is compiled keeping its own zeros (``sparsity=None``) in its pattern's
format for the training benchmark's target: cycles. The plot is accuracy
against cycles relative to dense.

Writes ``benchmarks/results/patterns.json`` and ``patterns.png``; RESULTS.md
renders them (``make_results.py``).

    build/venv/bin/python benchmarks/bench_patterns.py [--parts resnet50 digits] [--targets aie2-4x4 ...]
        [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch

import _provenance  # first: records the source state at start
import bsparse
from bsparse import models
from bsparse.training import digits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_models import category, geometry_of, layer_geometry  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DTYPE = "i8"
PATTERNS = {
    0.5: ("block:8x8", "nm:2:4", "unstructured", "tw:128", "tvw:128", "gs:8"),
    0.75: ("block:8x8", "nm:1:4", "unstructured", "tw:128", "tvw:128", "gs:8"),
}
"""Sparsity -> the patterns compared at it."""
FAMILY = {"block": "block 8x8", "nm": "N:M", "unstructured": "unstructured", "tw": "TW", "tvw": "TVW", "gs": "GS"}
TARGETS = ("aie2-4x4", "aie1-vc1902")
RESNET_KEEP = ("conv1",)
DIGITS_KEEP = {"mlp": None, "cnn": ("conv1", "fc")}
"""Layers kept dense besides the default (the classifier): the stem conv, for every pattern."""
DIGITS_TARGET = "aie2-2x2"
DIGITS_TILE = {"tw:128": "tw:32", "tvw:128": "tvw:32"}
"""The digits models have 64-256 channels: tiles of 32 channels (4+ tiles per layer) instead of 128."""
PAPER_CLAIMS = {
    "tvw": "TVW: 1.85x over dense, 2.75x over block sparsity (Guo et al., GPU, PATTERNS.md 2)",
    "tw": "TW: 1.95x over dense (V100, SC'20); BERT GEMMs 2.0-2.9x at 75% (PATTERNS.md 2)",
    "gs": "GS: 2-3x lower runtime at equal accuracy (Sun et al., GNMT/ResNet-50/Jasper, PATTERNS.md 3)",
    "block": "block 8x8: ResNet-50 4x4 mesh 10.77 -> 7.06 ms, 1.53x; 3x3 convs 1.9-2.0x (PATTERNS.md 1)",
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def family(pattern: str) -> str:
    return FAMILY[pattern.partition(":")[0]]


def summarize_report(report, geometry: dict, dense_layers: dict | None) -> dict[str, Any]:
    """Totals, and the 3x3-conv group's cycles (for the group speedup)."""
    conv3 = [layer for layer in report.layers if category(layer.kind, geometry_of(layer.name, geometry)) == "conv3x3"]
    return {
        "total_cycles": report.total_cycles, "time_ms": report.time_s * 1e3, "macs": report.macs,
        "macs_dense": report.macs_dense, "traffic": report.traffic, "weight_traffic": report.weight_traffic,
        "conv3x3_cycles": sum(layer.cycles for layer in conv3),
        "layers": {layer.name: {"cycles": layer.cycles, "macs": layer.macs, "bound": layer.bound}
                   for layer in report.layers if layer.macs_dense},
    }


def bench_resnet(target_names: list[str]) -> dict[str, Any]:
    model = models.get("resnet50")
    x = models.example_input("resnet50")
    geometry = layer_geometry(model)
    linalg = bsparse.import_model(model, x, progress=False)
    result: dict[str, Any] = {"dense": {}, "runs": []}
    configs = [(0.0, "block:8x8")] + [(s, p) for s, patterns in PATTERNS.items() for p in patterns]
    for sparsity, pattern in configs:
        start = time.perf_counter()
        packed = bsparse.compile(linalg, pattern=pattern, sparsity=sparsity, dtype=DTYPE, until="pack",
                                 keep=RESNET_KEEP if sparsity else (), progress=False)
        pack_s = time.perf_counter() - start
        for target in target_names:
            start = time.perf_counter()
            program = bsparse.compile(packed.module, sparsity=None, pattern=pattern, target=target, dtype=DTYPE,
                                      progress=False)
            _, report = program.run(x)
            row = summarize_report(report, geometry, None)
            row.update(pattern=pattern, family=family(pattern), sparsity=sparsity, target=target,
                       pack_s=pack_s, compile_run_s=time.perf_counter() - start)
            if sparsity == 0.0:
                result["dense"][target] = row
            else:
                dense = result["dense"][target]
                row["speedup"] = dense["total_cycles"] / row["total_cycles"]
                row["conv3x3_speedup"] = dense["conv3x3_cycles"] / row["conv3x3_cycles"]
                row["weight_traffic_ratio"] = row["weight_traffic"] / dense["weight_traffic"]
                row["macs_ratio"] = row["macs"] / row["macs_dense"]
                result["runs"].append(row)
            log(f"resnet50 {pattern:<13} s={sparsity:<4} {target:<12} {row['time_ms']:8.3f} ms"
                + (f"  {row['speedup']:.2f}x" if sparsity else ""))
    for row in result["runs"]:
        row["vs_block"] = next(r["total_cycles"] for r in result["runs"] if r["target"] == row["target"]
                               and r["sparsity"] == row["sparsity"] and r["family"] == "block 8x8") / row["total_cycles"]
    return result


def bench_digits(seeds: list[int]) -> dict[str, Any]:
    from bench_training import EPOCHS

    data = digits.load_digits()
    rows = []
    for name in ("mlp", "cnn"):
        pretrain, tune = EPOCHS[name]
        for seed in seeds:
            start = time.perf_counter()
            base = digits.train(digits.make_model(name, seed), data, pretrain, seed)
            configs = [(0.0, "dense")] + [(s, p) for s, patterns in PATTERNS.items() for p in patterns]
            for sparsity, pattern in configs:
                model = copy.deepcopy(base)
                pattern = DIGITS_TILE.get(pattern, pattern)
                if pattern == "dense":
                    digits.fine_tune(model, data, tune, seed + 1000, None, "dense")
                else:
                    digits.fine_tune(model, data, tune, seed + 1000, sparsity, "one-shot", pattern=pattern,
                                     keep=DIGITS_KEEP[name])
                row = {"model": name, "seed": seed, "sparsity": sparsity, "pattern": pattern,
                       "family": "dense" if pattern == "dense" else family(pattern),
                       "accuracy": digits.accuracy(model, data)}
                if seed == seeds[0]:  # the cost does not depend on the seed's values, only on the pattern
                    x = data.test_x[:1]
                    compile_pattern = "block:8x8" if pattern == "dense" else pattern
                    _, report = bsparse.compile(model, x, sparsity=None, pattern=compile_pattern,
                                                target=DIGITS_TARGET, progress=False).run(x)
                    row["cycles"] = report.total_cycles
                    row["macs"], row["macs_dense"] = report.macs, report.macs_dense
                rows.append(row)
            log(f"digits {name} seed {seed}: {time.perf_counter() - start:.1f} s")
    summary = []
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["model"], row["sparsity"], row["pattern"]), []).append(row)
    for (name, sparsity, pattern), group in groups.items():
        accuracies = [r["accuracy"] for r in group]
        costed = next(r for r in group if "cycles" in r)
        summary.append({
            "model": name, "sparsity": sparsity, "pattern": pattern, "family": group[0]["family"],
            "seeds": len(group), "accuracy_mean": round(statistics.mean(accuracies), 3),
            "accuracy_std": round(statistics.stdev(accuracies), 3) if len(accuracies) > 1 else 0.0,
            "cycles": costed["cycles"], "macs": costed["macs"], "macs_dense": costed["macs_dense"],
        })
    for row in summary:
        dense = next(r for r in summary if r["model"] == row["model"] and r["pattern"] == "dense")
        row["speedup"] = round(dense["cycles"] / row["cycles"], 3)
        row["drop_vs_dense"] = round(dense["accuracy_mean"] - row["accuracy_mean"], 3)
    return {"target": DIGITS_TARGET, "runs": rows, "summary": summary}


def plot(result: dict[str, Any], path: Path) -> None:
    """Accuracy against cycles relative to dense, per digits model; a marker per pattern family."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = result["digits"]["summary"]
    markers = {"dense": "*", "block 8x8": "s", "N:M": "o", "unstructured": "x", "TW": "^", "TVW": "v", "GS": "D"}
    colors = dict(zip(markers, plt.rcParams["axes.prop_cycle"].by_key()["color"]))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), squeeze=False)
    for axis, name in zip(axes[0], ("mlp", "cnn")):
        rows = [r for r in summary if r["model"] == name]
        for fam, marker in markers.items():
            for sparsity, fill in ((0.0, "full"), (0.5, "full"), (0.75, "none")):
                points = [r for r in rows if r["family"] == fam and r["sparsity"] == sparsity]
                if not points:
                    continue
                axis.errorbar([1 / r["speedup"] for r in points], [r["accuracy_mean"] for r in points],
                              yerr=[r["accuracy_std"] for r in points], marker=marker, linestyle="none",
                              fillstyle=fill, capsize=2, markersize=8, color=colors[fam],
                              label=f"{fam}" + (f" {sparsity:.0%}" if sparsity else ""))
        axis.set(title=f"digits {name.upper()} on {result['digits']['target']} (filled 50%, open 75%)",
                 xlabel="cycles relative to dense (lower is faster)", ylabel="test accuracy (%)")
        axis.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize=8)
    fig.tight_layout(rect=(0, 0, 0.82, 1))
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["resnet50", "digits"], choices=["resnet50", "digits"])
    parser.add_argument("--targets", nargs="+", default=list(TARGETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("-o", "--output", type=Path, default=RESULTS / "patterns.json")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    start = time.perf_counter()
    result: dict[str, Any] = {"dtype": DTYPE, "patterns": {str(k): v for k, v in PATTERNS.items()},
                              "paper_claims": PAPER_CLAIMS}
    if args.output.exists():  # keep the part not re-run
        result.update({k: v for k, v in json.loads(args.output.read_text()).items() if k in ("resnet50", "digits")})
    if "resnet50" in args.parts:
        result["resnet50"] = bench_resnet(args.targets)
    if "digits" in args.parts:
        result["digits"] = bench_digits(args.seeds)
    result["elapsed_s"] = time.perf_counter() - start
    result["environment"] = _provenance.environment()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n")
    if "digits" in result:
        plot(result, args.output.with_suffix(".png"))
    log(f"total {result['elapsed_s']:.0f} s; wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
