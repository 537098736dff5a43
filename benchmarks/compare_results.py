"""Compares two runs of the model and pattern benchmarks number for number.

The redesign of issue 10 must not move any number: this script checks a new
``models.json`` / ``patterns.json`` against a reference (by default the
committed files at a git revision) per model, sparsity, target and layer:
total and per-layer cycles, MACs (stored and dense), traffic per level and
weight traffic. Wall times and environment are ignored. Exits 1 listing the
first differences.

    build/venv/bin/python benchmarks/compare_results.py --ref REV [--models NEW.json] [--patterns NEW.json]
    build/venv/bin/python benchmarks/compare_results.py OLD_models.json NEW_models.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
TOTAL_FIELDS = ("total_cycles", "macs", "macs_dense", "traffic", "weight_traffic")
LAYER_FIELDS = ("name", "kind", "cycles", "macs", "macs_dense", "traffic", "weight_traffic", "cores", "bound")
PATTERN_LAYER_FIELDS = ("cycles", "macs", "bound")


def _at_revision(rev: str, name: str) -> dict[str, Any]:
    text = subprocess.run(["git", "show", f"{rev}:benchmarks/results/{name}"], check=True, capture_output=True,
                          text=True, cwd=RESULTS.parent.parent).stdout
    return json.loads(text)


def _compare_run(where: str, old: dict, new: dict, layer_fields, diffs: list[str]) -> None:
    if "error" in old or "error" in new:
        if old.get("error") != new.get("error"):
            diffs.append(f"{where}: error {old.get('error')!r} -> {new.get('error')!r}")
        return
    for key in TOTAL_FIELDS:
        if key in old and old[key] != new.get(key):
            diffs.append(f"{where}: {key} {old[key]} -> {new.get(key)}")
    old_layers, new_layers = old["layers"], new["layers"]
    if isinstance(old_layers, dict):
        old_layers = [{"name": k, **v} for k, v in old_layers.items()]
        new_layers = [{"name": k, **v} for k, v in new_layers.items()]
    if len(old_layers) != len(new_layers):
        diffs.append(f"{where}: {len(old_layers)} layers -> {len(new_layers)}")
        return
    for a, b in zip(old_layers, new_layers):
        for key in layer_fields:
            if key in a and a[key] != b.get(key):
                diffs.append(f"{where} {a.get('name')}: {key} {a[key]} -> {b.get(key)}")


def compare_models(old: dict, new: dict) -> list[str]:
    diffs: list[str] = []
    for model, entry in old["models"].items():
        if model not in new["models"]:
            diffs.append(f"{model}: missing")
            continue
        for key, run in entry["runs"].items():
            other = new["models"][model]["runs"].get(key)
            if other is None:
                diffs.append(f"{model} s={key}: missing")
                continue
            if run["weights"] != other["weights"]:
                diffs.append(f"{model} s={key}: weight storage {run['weights']} -> {other['weights']}")
            for target, result in run["targets"].items():
                if target not in other["targets"]:
                    diffs.append(f"{model} s={key} {target}: missing")
                    continue
                _compare_run(f"{model} s={key} {target}", result, other["targets"][target], LAYER_FIELDS, diffs)
    return diffs


def compare_patterns(old: dict, new: dict) -> list[str]:
    diffs: list[str] = []
    key = lambda run: (run["pattern"], run["sparsity"], run["target"])  # noqa: E731
    new_runs = {key(run): run for run in new["resnet50"]["runs"]}
    for run in old["resnet50"]["runs"]:
        if key(run) not in new_runs:
            diffs.append(f"resnet50 {key(run)}: missing")
            continue
        _compare_run(f"resnet50 {key(run)}", run, new_runs[key(run)], PATTERN_LAYER_FIELDS, diffs)
    for target, run in old["resnet50"]["dense"].items():
        _compare_run(f"resnet50 dense {target}", run, new["resnet50"]["dense"][target], PATTERN_LAYER_FIELDS, diffs)
    digit_key = lambda run: (run["model"], run["seed"], run["sparsity"], run["pattern"])  # noqa: E731
    new_digits = {digit_key(run): run for run in new.get("digits", {}).get("runs", [])}
    for run in old.get("digits", {}).get("runs", []):
        other = new_digits.get(digit_key(run))
        for field in ("cycles", "macs", "macs_dense"):
            if field in run and (other is None or run[field] != other.get(field)):
                diffs.append(f"digits {digit_key(run)}: {field} {run[field]} -> {other and other[field]}")
    return diffs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="OLD NEW (two models.json or two patterns.json)")
    parser.add_argument("--ref", help="git revision of the reference results")
    parser.add_argument("--models", type=Path, help="new models.json (default: benchmarks/results/models.json)")
    parser.add_argument("--patterns", type=Path, help="new patterns.json")
    args = parser.parse_args(argv)
    pairs = []
    if args.files:
        if len(args.files) != 2:
            parser.error("give OLD and NEW")
        old, new = (json.loads(Path(f).read_text()) for f in args.files)
        pairs.append(("patterns" if "resnet50" in old else "models", old, new))
    else:
        if not args.ref:
            parser.error("give OLD NEW or --ref REV")
        pairs.append(("models", _at_revision(args.ref, "models.json"),
                      json.loads((args.models or RESULTS / "models.json").read_text())))
        if args.patterns:
            pairs.append(("patterns", _at_revision(args.ref, "patterns.json"), json.loads(args.patterns.read_text())))
    failed = False
    for kind, old, new in pairs:
        diffs = compare_models(old, new) if kind == "models" else compare_patterns(old, new)
        print(f"{kind}: {'identical' if not diffs else f'{len(diffs)} differences'}")
        for line in diffs[:40]:
            print("  " + line)
        failed |= bool(diffs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
