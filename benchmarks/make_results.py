"""Render ``benchmarks/RESULTS.md`` from the JSON files in ``benchmarks/results/``.

Every number in RESULTS.md comes from those files, except the seed paper's
own estimates, which are in `PAPER` below with their source (they are the
paper's, not ours). Sections whose JSON file is missing say so.

    build/venv/bin/python benchmarks/make_results.py [--results DIR] [-o RESULTS.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: The seed paper's own estimates: D'Alberto et al., "Weight Block Sparsity" (arXiv 2407.09453), as transcribed in
#: /work/shared/PATTERNS.md section 1. End to end, batch 1, INT8, 50% 8x8 blocks except the first conv, from the
#: authors' analytical timing model of an i x i AIE2 mesh. Milliseconds (dense, sparse). VGG-16 is conv only.
PAPER: dict[str, Any] = {
    "source": "D'Alberto et al., Weight Block Sparsity, arXiv 2407.09453 (table transcribed in /work/shared/PATTERNS.md §1)",
    "estimates_ms": {
        "resnet50": {"aie2-2x2": (24.92, 15.83), "aie2-4x4": (10.77, 7.06), "aie2-8x8": (6.38, 4.60)},
        "inception_v3": {"aie2-2x2": (42.84, 24.41), "aie2-4x4": (17.41, 10.13), "aie2-8x8": (9.09, 5.67)},
        "vgg16": {"aie2-2x2": (44.76, 26.09), "aie2-4x4": (13.71, 8.85), "aie2-8x8": (9.20, 6.50)},
    },
    "per_kind": "3x3 convs reach 1.9-2.0x; 1x1 convs with few input channels are data-movement bound (about "
                "1.0-1.1x); the first conv, adds and pools do not change",
    "resnet50_weight_mb": (24.04, 12.29),
}

MODEL_TITLES = {"resnet50": "ResNet-50", "vgg16": "VGG-16", "inception_v3": "Inception-V3"}
HOST_KINDS = ("elementwise", "pool", "copy", "reduce", "softmax")


# ----------------------------------------------------------------------------- helpers


def load(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def table(headers: list[str], rows: list[list[Any]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(headers) - 1)
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}" if value < 10 else f"{value:.2f}"


def x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def ok(run: dict | None) -> bool:
    return bool(run) and "error" not in run


def get_run(models_json: dict, model: str, sparsity: str, target: str) -> dict | None:
    return models_json["models"].get(model, {}).get("runs", {}).get(sparsity, {}).get("targets", {}).get(target)


def match_layers(dense: list[dict], sparse: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs the layers of two runs of one model: by position when the names agree, else by (name, occurrence)."""
    if [d["name"] for d in dense] == [s["name"] for s in sparse]:
        return list(zip(dense, sparse))
    def keyed(rows):
        seen: dict[str, int] = defaultdict(int)
        out = {}
        for row in rows:
            out[(row["name"], seen[row["name"]])] = row
            seen[row["name"]] += 1
        return out
    d, s = keyed(dense), keyed(sparse)
    return [(d[k], s[k]) for k in d if k in s]


def speedup(dense: dict, sparse: dict) -> float | None:
    return dense["cycles"] / sparse["cycles"] if sparse["cycles"] else None


def group_of(row: dict) -> str:
    """``conv3x3``, ``conv1x1``... (kernel size from PyTorch), ``matmul``, or the report's kind of a host op."""
    return row.get("category", row["kind"])


# ----------------------------------------------------------------------------- sections


def section_overview(m: dict) -> list[str]:
    out = ["## 1. End to end: dense -> 50% -> 75% on every target", ""]
    keys = m["sparsities_keys"]
    dense_key = "0" if "0" in keys else None
    out.append(f"8x8 blocks, per-layer pruning, {m['keep_policy']}; dtype {m['dtype']}; one run per configuration on "
               "the model's seeded example input. Time is total cycles at the target's clock. Speedup = dense cycles / "
               "sparse cycles. `L3 x` = total DDR bytes of the sparse run / dense run (see section 3 for why this is "
               "total L3, not weight bytes only). `err` = max |y - y_torch| / max |y_torch| of the dense run's output "
               "against the PyTorch forward pass (worst over targets).")
    out.append("")
    for model, entry in m["models"].items():
        title = MODEL_TITLES.get(model, model)
        headers = ["target"] + [f"{'dense' if k == '0' else k} ms" for k in keys]
        sparse_keys = [k for k in keys if k != "0"]
        if dense_key:
            headers += [f"speedup {k}" for k in sparse_keys] + [f"L3 x {k}" for k in sparse_keys]
        headers += ["dense err"]
        rows = []
        for target in m["targets"]:
            runs = {k: get_run(m, model, k, target) for k in keys}
            row: list[Any] = [f"`{target}`"]
            row += [ms(r["time_ms"]) if ok(r) else "FAILED" if r else "-" for r in runs.values()]
            if dense_key:
                d = runs[dense_key]
                for k in sparse_keys:
                    row.append(x(d["total_cycles"] / runs[k]["total_cycles"]) if ok(d) and ok(runs[k]) else "-")
                for k in sparse_keys:
                    row.append(f"{runs[k]['traffic']['L3'] / d['traffic']['L3']:.2f}" if ok(d) and ok(runs[k]) else "-")
                row.append(f"{d['check']['max_rel_error']:.1e}" if ok(d) and "check" in d else "-")
            else:
                row.append("-")
            rows.append(row)
        out += [f"### {title}", "", table(headers, rows), ""]
        errors = [(k, t, r["error"].splitlines()[0]) for k in keys for t in m["targets"]
                  if (r := get_run(m, model, k, t)) and "error" in r]
        for k, t, e in errors:
            out.append(f"- FAILED: {title} sparsity {k} on `{t}`: {e}")
        if errors:
            out.append("")
    return out


def section_paper(m: dict) -> list[str]:
    out = ["## 2. Beside the seed paper's estimates (2x2, 4x4, 8x8 meshes)", "",
           f"Paper numbers: {PAPER['source']}. They are the paper's analytical estimates, not measurements and not "
           "ours; our seed-mesh targets `aie2-NxN` use the paper's stated parameters. The paper's VGG-16 figures are "
           "conv only: for VGG-16 we show our total and, in brackets, our total without the three classifier "
           "matmuls (convs, pools, relus and copies kept).", ""]
    headers = ["model", "mesh", "paper dense ms", "paper 50% ms", "paper speedup", "ours dense ms", "ours 50% ms",
               "ours speedup", "ours/paper dense", "ours/paper 50%"]
    rows = []
    for model, per_mesh in PAPER["estimates_ms"].items():
        if model not in m["models"]:
            continue
        for target, (pd, ps) in per_mesh.items():
            d, s = get_run(m, model, "0", target), get_run(m, model, "0.5", target)
            row = [MODEL_TITLES[model], f"`{target}`", ms(pd), ms(ps), x(pd / ps)]
            if ok(d) and ok(s):
                od, os_ = d["time_ms"], s["time_ms"]
                cells = [ms(od), ms(os_), x(od / os_), f"{od / pd:.2f}", f"{os_ / ps:.2f}"]
                if model == "vgg16":
                    cd, cs = (sum(l["cycles"] for l in r["layers"] if l["kind"] != "matmul") / r["clock_hz"] * 1e3
                              for r in (d, s))
                    cells = [f"{ms(od)} ({ms(cd)})", f"{ms(os_)} ({ms(cs)})", f"{x(od / os_)} ({x(cd / cs)})",
                             f"{od / pd:.2f} ({cd / pd:.2f})", f"{os_ / ps:.2f} ({cs / ps:.2f})"]
                row += cells
            else:
                row += ["-"] * 5
            rows.append(row)
    out += [table(headers, rows, "ll" + "r" * 8), ""]
    ours, paper = [], []
    for model, per_mesh in PAPER["estimates_ms"].items():
        for target, (pd, ps) in per_mesh.items():
            d, s = get_run(m, model, "0", target), get_run(m, model, "0.5", target)
            if ok(d) and ok(s):
                ours.append(d["total_cycles"] / s["total_cycles"])
                paper.append(pd / ps)
    if ours:
        higher = sum(o > p for o, p in zip(ours, paper))
        out += [f"Over these {len(ours)} (model, mesh) pairs our 50% speedup ranges {x(min(ours))}-{x(max(ours))}, the "
                f"paper's {x(min(paper))}-{x(max(paper))}; ours is higher in {higher} of {len(ours)}.", ""]
    return out


def section_weights(m: dict) -> list[str]:
    keys = [k for k in m["sparsities_keys"] if k != "0"]
    separable = all(ok(r) and r.get("weight_traffic") is not None
                    for model in m["models"] for k in m["sparsities_keys"] for t in m["targets"]
                    if (r := get_run(m, model, k, t)) and ok(r))
    measure = "weight_traffic" if separable else None

    def l3(run: dict) -> float:
        return run["weight_traffic"] if measure else run["traffic"]["L3"]

    what = ("L3 (DDR) bytes of packed weights (values + block index) and biases, from the report's "
            "`weight_traffic`" if separable else
            "total L3 (DDR) bytes of the run, weights and activations together: this report does not separate "
            "weight bytes from activation bytes")
    out = ["## 3. Weight bytes and DDR traffic", "",
           "(a) Packed weight storage after the pack stage (stored blocks at 1 byte per int8 value + 2-byte index "
           f"entries; target independent; all conv and matmul weights, the classifier included). (b) DDR weight "
           f"traffic, sparse / dense: {what}." + (" (c) Total L3 bytes, sparse / dense, on `aie2-4x4`." if separable
                                                 else ""), ""]
    headers = ["model", "dense weight MB"] + [f"{k} weight MB (x)" for k in keys] + \
              [f"{'weight' if separable else 'total'} L3 x {k}, `aie2-4x4`" for k in keys] + \
              [f"{'weight' if separable else 'total'} L3 x {k}, range over targets" for k in keys] + \
              ([f"total L3 x {k}, `aie2-4x4`" for k in keys] if separable else [])
    rows = []
    for model, entry in m["models"].items():
        runs = entry["runs"]
        if "0" not in runs:
            continue
        dense_w = runs["0"]["weights"]["stored_bytes"]
        row: list[Any] = [MODEL_TITLES.get(model, model), f"{dense_w / 1e6:.2f}"]
        for k in keys:
            w = runs.get(k, {}).get("weights")
            row.append(f"{w['stored_bytes'] / 1e6:.2f} ({w['stored_bytes'] / dense_w:.2f})" if w else "-")
        for k in keys:
            d, s = get_run(m, model, "0", "aie2-4x4"), get_run(m, model, k, "aie2-4x4")
            row.append(f"{l3(s) / l3(d):.2f}" if ok(d) and ok(s) and l3(d) else "-")
        for k in keys:
            ratios = [l3(s) / l3(d) for t in m["targets"]
                      if ok(d := get_run(m, model, "0", t)) and ok(s := get_run(m, model, k, t)) and l3(d)]
            row.append(f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "-")
        for k in keys if separable else []:
            d, s = get_run(m, model, "0", "aie2-4x4"), get_run(m, model, k, "aie2-4x4")
            row.append(f"{s['traffic']['L3'] / d['traffic']['L3']:.2f}" if ok(d) and ok(s) else "-")
        rows.append(row)
    out += [table(headers, rows), ""]
    if separable:
        lines = []
        for model in m["models"]:
            d = get_run(m, model, "0", "aie2-4x4")
            if ok(d) and d["traffic"]["L3"]:
                lines.append(f"{MODEL_TITLES.get(model, model)} {pct(d['weight_traffic'] / d['traffic']['L3'])}")
        if lines:
            out += ["Weights' share of the dense run's DDR bytes on `aie2-4x4`: " + ", ".join(lines) + ".", ""]
    pd, ps = PAPER["resnet50_weight_mb"]
    out += [f"The paper reports ResNet-50 weights {pd} MB -> {ps} MB INT8 at 50% ({ps / pd:.2f}x) "
            f"({PAPER['source'].split(' (')[0]}).", ""]
    return out


def per_kind(m: dict, model: str, target: str, key: str) -> tuple[list[str], dict]:
    d, s = get_run(m, model, "0", target), get_run(m, model, key, target)
    if not (ok(d) and ok(s)):
        return [f"(no {model} runs on `{target}` at 0 and {key})", ""], {}
    pairs = match_layers(d["layers"], s["layers"])
    groups: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    for dl, sl in pairs:
        groups[group_of(sl)].append((dl, sl))
    order = sorted(groups, key=lambda g: (not g.startswith("conv"), g != "conv3x3", g != "conv1x1", g))
    total_d, total_s = d["total_cycles"], s["total_cycles"]
    headers = ["group", "layers", "compute-bound (dense)", f"compute-bound ({key})", f"movement-bound ({key})",
               "median speedup", "min", "max", "dense cycles share", f"{key} cycles share", "group speedup"]
    rows = []
    stats: dict[str, dict] = {}
    for g in order:
        items = groups[g]
        sp = [v for dl, sl in items if (v := speedup(dl, sl)) is not None]
        cd = sum(dl["cycles"] for dl, _ in items)
        cs = sum(sl["cycles"] for _, sl in items)
        st = {
            "n": len(items),
            "compute_dense": sum(dl["bound"] == "compute" for dl, _ in items),
            "compute": sum(sl["bound"] == "compute" for _, sl in items),
            "movement": sum(sl["bound"] == "movement" for _, sl in items),
            "median": statistics.median(sp) if sp else None,
            "min": min(sp) if sp else None,
            "max": max(sp) if sp else None,
            "share_dense": cd / total_d if total_d else 0.0,
            "share_sparse": cs / total_s if total_s else 0.0,
            "group_speedup": cd / cs if cs else None,
            "cycles_dense": cd,
            "cycles_sparse": cs,
        }
        stats[g] = st
        rows.append([g, st["n"], st["compute_dense"], st["compute"], st["movement"], x(st["median"]), x(st["min"]),
                     x(st["max"]), pct(st["share_dense"]), pct(st["share_sparse"]), x(st["group_speedup"])])
    lines = [table(headers, rows), ""]
    # 1x1 convs by input channels
    one = groups.get("conv1x1", [])
    if one:
        by_cin: dict[int, list[tuple[dict, dict]]] = defaultdict(list)
        for dl, sl in one:
            by_cin[sl.get("geometry", {}).get("in_channels", -1)].append((dl, sl))
        rows = []
        for cin in sorted(by_cin):
            items = by_cin[cin]
            sp = [v for dl, sl in items if (v := speedup(dl, sl)) is not None]
            rows.append([cin, len(items), sum(sl["bound"] == "compute" for _, sl in items),
                         sum(sl["bound"] == "movement" for _, sl in items), x(statistics.median(sp) if sp else None),
                         f"{statistics.median(sl['traffic']['L3'] for _, sl in items) / 1e3:.0f}",
                         f"{statistics.median(sl['traffic']['L3'] / dl['traffic']['L3'] for dl, sl in items if dl['traffic']['L3']):.2f}",
                         f"{statistics.median(sl['macs_dense'] for _, sl in items) / 1e6:.1f}"])
        lines += [f"1x1 convs by input channels ({key}):", "",
                  table(["in channels", "layers", "compute-bound", "movement-bound", "median speedup",
                         "median L3 KB", "median L3 x (vs dense)", "median dense MMACs"], rows), ""]
    return lines, {"groups": stats, "pairs": pairs, "dense": d, "sparse": s}


def section_per_kind(m: dict) -> list[str]:
    model, target = "resnet50", "aie2-4x4"
    out = ["## 4. ResNet-50 on `aie2-4x4`: per-layer speedups by kind", "",
           "Speedup of each layer = its dense cycles / its sparse cycles (layers paired in program order). "
           "`conv1x1` / `conv3x3` / `conv7x7` come from the PyTorch module's kernel size; the rest are the report's "
           "kinds (`elementwise` = residual adds and relus left on the host, `copy` = padding, `pool`, `reduce` = "
           "global average pool). Bounds are the report's `bound` of each layer.",
           f"The paper: {PAPER['per_kind']}.", ""]
    if model not in m["models"]:
        return out + ["(ResNet-50 was not run)", ""]
    stats_all = {}
    for key in [k for k in m["sparsities_keys"] if k != "0"]:
        lines, stats = per_kind(m, model, target, key)
        out += [f"### {key}", ""] + lines
        stats_all[key] = stats
    stats = stats_all.get("0.5")
    if stats:
        out += ["### What the 50% data says", ""] + prose_per_kind(stats) + [""]
    return out


def prose_per_kind(stats: dict) -> list[str]:
    g = stats["groups"]
    lines = []
    if "conv3x3" in g:
        s = g["conv3x3"]
        lines.append(f"- {s['compute']} of {s['n']} 3x3 convs are compute bound at 50% ({s['compute_dense']} dense); "
                     f"median speedup {x(s['median'])} (range {x(s['min'])}-{x(s['max'])}), paper 1.9-2.0x.")
        slow = [(dl, sl) for dl, sl in stats["pairs"] if sl.get("category") == "conv3x3" and sl["bound"] == "compute"
                and (speedup(dl, sl) or 0) < 1.8]
        for dl, sl in slow:  # the split's own limit: the slowest core's share of the MACs
            limit = dl["macs"] / sl["macs"] / sl["imbalance"] * dl["imbalance"]
            lines.append(f"  - `{sl['name']}` reaches {x(speedup(dl, sl))} (compute bound): its cores' MAC imbalance is "
                         f"{sl['imbalance']:.3f} (dense {dl['imbalance']:.3f}), so even without overheads its slowest core "
                         f"allows at most {x(limit)}: a core's work is whole block rows (interleaved sets, "
                         "bsparse-partition), and this layer's pruned rows hold stored blocks that no split over its "
                         "cores evens out.")
    if "conv1x1" in g:
        s = g["conv1x1"]
        lines.append(f"- {s['compute']} of {s['n']} 1x1 convs are compute bound at 50% ({s['compute_dense']} dense); "
                     f"median speedup {x(s['median'])} (range {x(s['min'])}-{x(s['max'])}), paper about 1.0-1.1x for "
                     "1x1 convs with few input channels.")
    pairs = stats["pairs"]
    convs = [(dl, sl) for dl, sl in pairs if sl.get("category", "").startswith("conv")]
    mov = [(dl, sl) for dl, sl in convs if sl["bound"] == "movement"]
    com = [(dl, sl) for dl, sl in convs if sl["bound"] == "compute"]

    def l3_per_mac(items):
        vals = [sl["traffic"]["L3"] / sl["macs"] for _, sl in items if sl["macs"]]
        return statistics.median(vals) if vals else None

    def l3_ratio(dl, sl):
        return sl["traffic"]["L3"] / dl["traffic"]["L3"] if dl["traffic"]["L3"] else 1.0

    if mov:
        sp_mov = [v for dl, sl in mov if (v := speedup(dl, sl))]
        flat = [(dl, sl) for dl, sl in mov if l3_ratio(dl, sl) > 0.9]
        shrunk = [(dl, sl) for dl, sl in mov if l3_ratio(dl, sl) <= 0.9]
        line = (f"- {len(mov)} of {len(convs)} convs are movement bound at 50%, median speedup "
                f"{x(statistics.median(sp_mov))}; a median {l3_per_mac(mov) * 1000:.1f} DDR bytes per 1000 performed MACs")
        if com:
            line += f" (compute-bound convs: {l3_per_mac(com) * 1000:.1f})"
        line += "."
        lines.append(line)
        if shrunk:
            sp = [v for dl, sl in shrunk if (v := speedup(dl, sl))]
            lines.append(f"  - {len(shrunk)} of them move at most 90% of their dense DDR bytes (median "
                         f"{statistics.median(l3_ratio(dl, sl) for dl, sl in shrunk):.2f}x): their traffic is mostly "
                         f"weights, so they speed up nearly like compute-bound layers (median {x(statistics.median(sp))}).")
        if flat:
            sp = [v for dl, sl in flat if (v := speedup(dl, sl))]
            kinds = sorted({f"{sl.get('category')} cin={sl.get('geometry', {}).get('in_channels')}" for _, sl in flat})
            lines.append(f"  - {len(flat)} of them move more than 90% of their dense DDR bytes (activations dominate: "
                         f"sparsity does not shrink them); median speedup {x(statistics.median(sp))}; they are "
                         + ", ".join(kinds) + ".")
    superlinear = [(dl, sl) for dl, sl in pairs if sl["macs_dense"] and (v := speedup(dl, sl)) and v > 2.1]
    if superlinear:
        lines.append(f"- {len(superlinear)} layers speed up by more than 2.1x at 50% (more than the halved MACs and "
                     "weights explain): " + ", ".join(
                         f"`{sl['name']}` {x(speedup(dl, sl))} (DDR bytes {l3_ratio(dl, sl):.2f}x)" for dl, sl in
                         sorted(superlinear, key=lambda p: -speedup(*p))[:6])
                     + (" ..." if len(superlinear) > 6 else "") + ": their DDR bytes fall by more than their weights, which "
                     "suggests the dense and the sparse layer got different tilings or weight residency.")
    host = [k for k in g if k in HOST_KINDS]
    if host:
        cd = sum(g[k]["cycles_dense"] for k in host)
        cs = sum(g[k]["cycles_sparse"] for k in host)
        n = sum(g[k]["n"] for k in host)
        tot_d = stats["dense"]["total_cycles"]
        tot_s = stats["sparse"]["total_cycles"]
        lines.append(f"- The {n} host ops ({', '.join(host)}) take {pct(cd / tot_d)} of the dense total and "
                     f"{pct(cs / tot_s)} of the 50% total; their cycles change by {x(cd / cs) if cs else '-'} "
                     "(sparsity does not touch them), which caps the end-to-end speedup.")
    others = [k for k in g if not k.startswith("conv") and k not in HOST_KINDS]
    for k in others:
        s = g[k]
        lines.append(f"- `{k}`: {s['n']} layer(s), {s['compute']} compute bound, speedup {x(s['group_speedup'])}, "
                     f"{pct(s['share_sparse'])} of the 50% total.")
    top = sorted(pairs, key=lambda p: -p[1]["cycles"])[:5]
    lines.append("- Largest layers at 50%: " + ", ".join(
        f"`{sl['name']}` ({sl.get('category', sl['kind'])}, {sl['cycles']} cycles, {sl['bound']})" for _, sl in top) + ".")
    return lines


def section_anomalies(m: dict) -> list[str]:
    out = ["## 5. Checks on the cost model's output", "",
           "Generated checks over every run in models.json; each line counts layers or totals that look wrong.", ""]
    lines = []
    util_over = []
    imbalance_high = []
    zero_cycles = []
    slower_layers: dict[tuple[str, str, str], list[tuple[str, float]]] = defaultdict(list)
    slower_totals = []
    keys = m["sparsities_keys"]
    for model, entry in m["models"].items():
        for target in m["targets"]:
            for key in keys:
                r = get_run(m, model, key, target)
                if not ok(r):
                    continue
                for l in r["layers"]:
                    if l["utilization"] > 1.0:
                        util_over.append((model, target, key, l["name"], l["utilization"]))
                    if l["imbalance"] > 1.5:
                        imbalance_high.append((model, target, key, l["name"], l["imbalance"]))
                    if l["cycles"] <= 0 and l["macs"] > 0:
                        zero_cycles.append((model, target, key, l["name"]))
            prev = None
            for key in keys:  # sparsities in increasing order as given
                r = get_run(m, model, key, target)
                if not ok(r):
                    prev = None
                    continue
                if prev is not None:
                    pk, pr = prev
                    if r["total_cycles"] > pr["total_cycles"]:
                        slower_totals.append((model, target, pk, key, r["total_cycles"] / pr["total_cycles"]))
                    for pl, l in match_layers(pr["layers"], r["layers"]):
                        if l["cycles"] > pl["cycles"] * 1.02 and l["macs_dense"]:
                            slower_layers[(model, target, f"{pk}->{key}")].append((l["name"], l["cycles"] / pl["cycles"]))
                prev = (key, r)
    lines.append(f"- Layers with utilization > 1: {len(util_over)}" + (
        ": " + ", ".join(f"{a} {b} {c} `{d}` {e:.2f}" for a, b, c, d, e in util_over[:10]) if util_over else "."))
    lines.append(f"- Layers with MACs but no cycles: {len(zero_cycles)}.")
    lines.append(f"- Layers with imbalance > 1.5: {len(imbalance_high)}" + (
        " (worst: " + ", ".join(f"{a} `{b}` {c} `{d}` {e:.2f}" for a, b, c, d, e in
                                sorted(imbalance_high, key=lambda t: -t[4])[:5]) + ")" if imbalance_high else "."))
    superlinear = []
    for model in m["models"]:
        for target in m["targets"]:
            d = get_run(m, model, "0", target)
            for key in keys:
                r = get_run(m, model, key, target)
                if key == "0" or not (ok(d) and ok(r)):
                    continue
                bound = 1.0 / (1.0 - float(key)) * 1.05
                n = sum(1 for dl, sl in match_layers(d["layers"], r["layers"])
                        if sl["macs_dense"] and sl["cycles"] and dl["cycles"] / sl["cycles"] > bound)
                if n:
                    superlinear.append(f"{model} `{target}` {key}: {n}")
    lines.append("- Conv/matmul layers faster than 1/(1-sparsity) x 1.05 (superlinear vs dense): "
                 + ("; ".join(superlinear) if superlinear else "none") + ".")
    imb = defaultdict(list)
    for model in m["models"]:
        for target in m["targets"]:
            for key in keys:
                r = get_run(m, model, key, target)
                if ok(r):
                    imb[(target, key)] += [l["imbalance"] for l in r["layers"] if l["macs_dense"]]
    lines.append("- Median / max imbalance of conv and matmul layers per target and sparsity: " + "; ".join(
        f"`{t}` {k}: {statistics.median(v):.2f}/{max(v):.2f}" for (t, k), v in imb.items() if v) + ".")
    lines.append(f"- Totals that got slower at the higher sparsity: {len(slower_totals)}" + (
        ": " + ", ".join(f"{a} `{b}` {c}->{d} x{e:.3f}" for a, b, c, d, e in slower_totals) if slower_totals else "."))
    n_slow = sum(len(v) for v in slower_layers.values())
    lines.append(f"- Conv/matmul layers more than 2% slower at the higher sparsity: {n_slow} across "
                 f"{len(slower_layers)} (model, target, step) combinations" + ("." if not n_slow else ":"))
    for (model, target, step), items in sorted(slower_layers.items()):
        worst = sorted(items, key=lambda t: -t[1])[:4]
        lines.append(f"  - {model} `{target}` {step}: {len(items)} layers, worst "
                     + ", ".join(f"`{n}` x{v:.2f}" for n, v in worst))
    # fraction of cycles in the biggest single layer
    big = []
    for model in m["models"]:
        for target in m["targets"]:
            r = get_run(m, model, "0.5", target)
            if ok(r) and r["total_cycles"]:
                top = max(r["layers"], key=lambda l: l["cycles"])
                big.append((model, target, top["name"], top.get("category", top["kind"]), top["cycles"] / r["total_cycles"],
                            top["bound"]))
    if big:
        lines.append("- Largest single layer at 50% per run (share of the total): " + "; ".join(
            f"{a} `{b}`: `{c}` ({d}, {e:.0%}, {f})" for a, b, c, d, e, f in big) + ".")
    return out + lines + [""]


def section_interpreter(it: dict | None) -> list[str]:
    out = ["## 6. Interpreter speed", ""]
    if not it:
        return out + ["(benchmarks/results/interpreter.json missing: run bench_interpreter.py)", ""]
    verdict = "meets" if it["meets_target"] else "misses"
    out += [f"{MODEL_TITLES.get(it['model'], it['model'])} at {it['sparsity']:g} ({it['pattern']}) on `{it['target']}`: "
            f"`Program.run` (outputs and the full cost report, {it['layers_reported']} layers) vs the PyTorch forward "
            f"pass on CPU ({it['pytorch']['threads']} threads, `torch.no_grad()`), same process and input, alternating, "
            f"one warm-up each, median of {len(it['interpreter']['runs_s'])} runs each.", "",
            table(["", "median s", "runs s"],
                  [["interpreter (`Program.run`)", f"{it['interpreter']['median_s']:.3f}",
                    ", ".join(f"{v:.2f}" for v in it["interpreter"]["runs_s"])],
                   ["PyTorch forward", f"{it['pytorch']['median_s']:.3f}",
                    ", ".join(f"{v:.3f}" for v in it["pytorch"]["runs_s"])]], "lrl"), "",
            f"Ratio of medians **{it['ratio']:.1f}** ({verdict} the <= {it['target_ratio']:g} target); 1-minute load "
            f"average {it['load_average_1min_before']:.1f} before, {it['load_average_1min_after']:.1f} after, on "
            f"{it['environment']['cpus']} CPUs."]
    if "ratio_of_minimums" in it:
        spread = it["relative_spread"]
        verdict_min = "meets" if it["meets_target_by_minimums"] else "misses"
        out.append(f"Ratio of the fastest runs {it['ratio_of_minimums']:.1f} ({verdict_min} the target). Spread "
                   f"(max - min) / median: interpreter {spread['interpreter']:.0%}, PyTorch {spread['pytorch']:.0%}"
                   + (": the machine was loaded, so the two ratios bracket the unloaded one." if max(spread.values()) > 0.5
                      else "."))
    out.append("")
    return out


def section_import(im: dict | None) -> list[str]:
    out = ["## 7. Import (PyTorch -> linalg)", ""]
    if not im:
        return out + ["(benchmarks/results/import.json missing: run bench_import.py)", ""]
    rows = []
    if "stock" in im:
        rows.append(["stock `fx.export_and_import`", len(im["stock"]["runs"]), f"{im['stock']['median_s']:.2f}",
                     im["stock"]["dense_resource_constants"]])
    rows.append(["`bsparse.frontend.import_model`", len(im["ours"]["runs"]), f"{im['ours']['median_s']:.2f}",
                 im["ours"]["dense_resource_constants"]])
    out += [f"{MODEL_TITLES.get(im['model'], im['model'])} {tuple(im['input_shape'])}, from benchmarks/results/import.json "
            f"(bench_import.py, run {im['environment']['date']}; not re-run by run_all.sh unless --with-import).", "",
            table(["importer", "runs", "median s", "dense_resource constants"], rows), ""]
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in im["ours"]["stage_median_s"].items())
    out.append(f"Ours by stage (median): {stages}.")
    if "ratio" in im:
        verdict = "meets" if im["meets_target"] else "misses"
        out.append(f"Ours / stock = **{im['ratio']:.3f}** ({verdict} the <= {im['target_ratio']} target).")
    return out + [""]


def section_gemm(g: dict | None) -> list[str]:
    out = ["## 8. Dense GEMM efficiency of the cost model", ""]
    if not g:
        return out + ["(benchmarks/results/gemm_efficiency.json missing: run bench_gemm_efficiency.py)", ""]
    out += [f"Definition: {g['definition']}. `kernel eff` is the target's `kernel_efficiency` field, the ceiling "
            "of a compute-bound layer.", ""]
    rows = []
    for r in g["results"]:
        if "error" in r:
            rows.append([r["shape"], r["dtype"], f"`{r['target']}`", "error", "-", "-", "-", "-", "-", "-"])
            continue
        bounds = ",".join(sorted({l["bound"] for l in r["layers"] if l["kind"] == "matmul"}))
        rows.append([r["shape"], r["dtype"], f"`{r['target']}`", r["cycles"], f"{r['cores_used']}/{r['cores']}",
                     f"{r['tops']:.2f}", pct(r["efficiency_array"]), pct(r["efficiency_used"]),
                     f"{r['kernel_efficiency']:.2f}", bounds])
    out += [table(["M x K x N", "dtype", "target", "cycles", "cores used", "TOPS", "eff (array)", "eff (used cores)",
                   "kernel eff", "bound"], rows, "lll" + "r" * 6 + "l"), ""]
    pub = g["published"]
    out += [f"Published ({pub['source']}; {pub['note']}):", "",
            table(["source", "device", "problem", "dtype", "% of peak", "comparable target", "scope"],
                  [[p["source"], p["device"], p["problem"], p["dtype"],
                    f"{p['percent'][0]}" if p["percent"][0] == p["percent"][1] else f"{p['percent'][0]}-{p['percent'][1]}",
                    f"`{p['target']}`", p["scope"]] for p in pub["rows"]], "llllrll"), ""]
    # side by side: best modelled efficiency per target vs published array ranges
    lines = []
    for target in sorted({p["target"] for p in pub["rows"]}):
        ours = [r for r in g["results"] if r["target"] == target and "error" not in r and r["dtype"] == "i8"]
        pubs = [p for p in pub["rows"] if p["target"] == target and p["scope"] == "array" and p["dtype"] == "i8"]
        if not ours or not pubs:
            continue
        best = max(ours, key=lambda r: r["efficiency_array"])
        lo = min(p["percent"][0] for p in pubs)
        hi = max(p["percent"][1] for p in pubs)
        lines.append(f"- `{target}` int8: best modelled array efficiency {pct(best['efficiency_array'])} "
                     f"({best['shape']}, {','.join(sorted({l['bound'] for l in best['layers'] if l['kind'] == 'matmul'}))} "
                     f"bound) vs published {lo}-{hi}% of peak.")
    return out + lines + [""]


def section_runtime(scripts: dict[str, dict | None]) -> list[str]:
    """Each benchmark's wall time, worker processes (``-j``), finish date and source commit: a section
    measured on older code says so here."""
    rows = []
    for name, d in scripts.items():
        if d and "elapsed_s" in d:
            git = d["environment"].get("git") or {}
            source = f"`{git['commit'][:10]}`" if git.get("commit") else "-"
            if git.get("modified"):
                source += " + uncommitted: " + ", ".join(f"`{f}`" for f in git["modified"])
            rows.append([name, f"{d['elapsed_s']:.0f}", str(d.get("jobs", 1)), d["environment"]["date"], source])
    if not rows:
        return []
    return ["## Benchmark run times and sources", "",
            table(["script", "seconds", "workers", "finished", "source at start"], rows, "lrrll"), ""]


def section_training(tr: dict | None) -> list[str]:
    """Training to block sparsity on the digits data (benchmarks/bench_training.py)."""
    out = ["## 9. Training to block sparsity (digits)", ""]
    if not tr:
        return out + ["(benchmarks/results/training.json missing: run bench_training.py)", ""]
    ds = tr["dataset"]
    out += [f"{ds['name']}: {ds['train']} training / {ds['test']} test images ({ds['split']}); "
            f"{len(tr['seeds']) if isinstance(tr['seeds'], list) else tr['seeds']} seeds, mean ± std test accuracy; 8x8 blocks, layers kept dense: "
            f"{tr['protocol']['dense_layers']}. Plot: `results/training.png`.", ""]
    rows = []
    for entry in tr["summary"]:
        rows.append([entry["model"], f"{entry['sparsity']:.0%}", entry["schedule"],
                     f"{entry['accuracy_mean']:.2f} ± {entry['accuracy_std']:.2f}", f"{entry['drop_vs_dense']:+.2f}"])
    out += [table(["model", "sparsity", "schedule", "accuracy %", "drop (points)"], rows, "lllrr"), ""]
    for level, acc in tr["acceptance"].items():
        drops = ", ".join(f"{k} {v:+.2f}" for k, v in acc["drop_points"].items())
        out.append(f"- MLP at {float(level):.0%}: drop {drops} points (limit {acc['limit_points']}): "
                   f"{'within' if acc['passed'] else 'OUTSIDE'} the limit.")
    out += ["", "The compiler's view of the finalized models (`bsparse.compile(model, x, sparsity=None)`):", ""]
    rows = [[c["model"], f"{c['sparsity']:.0%}", c["macs"], c["macs_dense"], f"{c['macs'] / c['macs_dense']:.3f}",
             c["cycles"], x(c.get("speedup_vs_dense")), c["target"], f"{c['max_abs_error_vs_torch']:.1e}"]
            for c in tr["compiler"]]
    out += [table(["model", "sparsity", "macs", "macs dense", "ratio", "cycles", "speedup", "target", "max err"], rows,
                  "llrrrrrlr"), ""]
    return out


def section_patterns(pt: dict | None) -> list[str]:
    """The sparsity patterns compared (benchmarks/bench_patterns.py)."""
    out = ["## 10. Sparsity patterns compared: block, N:M, unstructured, TW, TVW, GS", ""]
    if not pt:
        return out + ["(benchmarks/results/patterns.json missing: run bench_patterns.py)", ""]
    out += ["Reproduce: `build/venv/bin/python benchmarks/bench_patterns.py` (writes `results/patterns.json` and "
            "`results/patterns.png`). Each pattern prunes the same layers per layer (every conv and matmul but the "
            "stem conv and the classifier) and packs them in its own format (`bsparse.patterns.formats`); "
            "the same cost model costs them on the same targets.", ""]
    res = pt.get("resnet50")
    if res:
        out += ["### ResNet-50 (batch 1, i8)", ""]
        rows = []
        for row in res["runs"]:
            dense = res["dense"][row["target"]]
            rows.append([f"`{row['target']}`", f"{row['sparsity']:.0%}", f"`{row['pattern']}`", ms(row["time_ms"]),
                         x(row["speedup"]), x(row["vs_block"]), x(row["conv3x3_speedup"]), f"{row['macs_ratio']:.3f}",
                         f"{row['weight_traffic_ratio']:.2f}", f"{row['traffic']['L3'] / dense['traffic']['L3']:.2f}"])
        out += [table(["target", "sparsity", "pattern", "ms", "vs dense", "vs block", "3x3 convs", "MACs / dense",
                       "weight bytes / dense", "DDR bytes / dense"], rows, "lllrrrrrrr"), ""]
        out += ["Dense: " + ", ".join(f"`{t}` {ms(d['time_ms'])} ms" for t, d in res["dense"].items()) + ".", ""]
    dg = pt.get("digits")
    if dg:
        out += [f"### Digits models: accuracy after fine-tuning vs cycles on `{dg['target']}`", "",
                "Mean ± std over seeds; cycles of the finalized model compiled in its pattern's format. "
                "Plot: `results/patterns.png`.", ""]
        rows = [[r["model"], f"{r['sparsity']:.0%}", f"`{r['pattern']}`", f"{r['accuracy_mean']:.2f} ± {r['accuracy_std']:.2f}",
                 f"{r['drop_vs_dense']:+.2f}", r["cycles"], x(r["speedup"]), f"{r['macs'] / r['macs_dense']:.3f}"]
                for r in sorted(dg["summary"], key=lambda r: (r["model"] != "mlp", r["sparsity"]))]
        out += [table(["model", "sparsity", "pattern", "accuracy %", "drop", "cycles", "vs dense", "MACs / dense"],
                      rows, "lllrrrrr"), ""]
        for name in ("mlp", "cnn"):
            for sparsity in (0.5, 0.75):
                group = [r for r in dg["summary"] if r["model"] == name and r["sparsity"] == sparsity]
                if not group:
                    continue
                fast = max(group, key=lambda r: r["speedup"])
                best = max(group, key=lambda r: r["accuracy_mean"])
                spread = max(r["accuracy_std"] for r in group)
                out.append(f"- {name} {sparsity:.0%}: fastest `{fast['pattern']}` ({x(fast['speedup'])}, "
                           f"{fast['accuracy_mean']:.2f}%), most accurate `{best['pattern']}` ({best['accuracy_mean']:.2f}%, "
                           f"{x(best['speedup'])}); seed std up to {spread:.2f} points, so accuracy differences "
                           "below that are noise.")
        out.append("")
    out += ["### The papers' claims beside these figures", ""]
    out += [f"- {claim}" for claim in pt["paper_claims"].values()]
    out += ["", PATTERN_PROSE, ""]
    return out


def _superlinear(sparsity: float, speedup: float | None) -> bool:
    """True if `speedup` beats the MAC ratio 1 / (1 - sparsity)."""
    return speedup is not None and 0 < sparsity < 1 and speedup > 1.0 / (1.0 - sparsity) * 1.001


def _short(reason: str) -> str:
    """A host op's reason without the costing clause: ``no lowering for linalg.pooling_nchw_max``."""
    return reason.split(": costed as")[0].replace("bsparse-to-aie has ", "")


def section_networks(nw: dict | None, m: dict | None) -> list[str]:
    """Whole networks on the array (benchmarks/bench_networks.py), with ResNet-50's host share from models.json."""
    out = ["## 11. Whole networks: what stays on the host", ""]
    if not nw:
        return out + ["(benchmarks/results/networks.json missing: run bench_networks.py)", ""]
    out += ["Reproduce: `build/venv/bin/python benchmarks/bench_networks.py` (writes `results/networks.json`). "
            "Host share: the cycles of the ops `bsparse-to-aie` leaves outside the array (each listed with its reason "
            "in the report's `host_ops`), costed as vector work spread over every core with their tensors moved "
            "through memory: a lower bound on what they would cost on a host processor. Dense outputs are checked "
            "against PyTorch (max |y - y_torch| / max |y_torch|).", ""]
    rows = []
    for name, entry in nw["models"].items():
        for key, runs in entry["runs"].items():
            for target, run in runs.items():
                if "error" in run:
                    rows.append([name, f"`{target}`", f"{float(key):.0%}", "error", "", "", "", ""])
                    continue
                top = max(run["host_ops"], key=lambda h: h["cycles"], default=None)
                speed = x(run.get("speedup")) + ("*" if _superlinear(float(key), run.get("speedup")) else "")
                rows.append([name, f"`{target}`", f"{float(key):.0%}", run["total_cycles"], speed,
                             pct(run["host_share"]),
                             f"{top['ops']} op(s): {_short(top['reason'])}" if top else "-",
                             f"{run['max_rel_error']:.1e}" if "max_rel_error" in run else ""])
    for name, entry in (m or {}).get("models", {}).items():  # the CNNs of bench_models.py
        for key, per_sparsity in entry["runs"].items():
            for target in nw["targets"]:
                run = per_sparsity["targets"].get(target)
                if not run or "error" in run:
                    continue
                host = [layer for layer in run["layers"] if layer.get("reason")]
                largest: dict[str, list[int]] = {}
                for layer in host:
                    largest.setdefault(layer["reason"], [0, 0])
                    largest[layer["reason"]][0] += 1
                    largest[layer["reason"]][1] += layer["cycles"]
                top = max(largest.items(), key=lambda item: item[1][1], default=None)
                dense = get_run(m, name, "0", target)
                ratio = dense["total_cycles"] / run["total_cycles"] if key != "0" and ok(dense) else None
                rows.append([name, f"`{target}`", f"{float(key):.0%}", run["total_cycles"],
                             (x(ratio) + ("*" if _superlinear(float(key), ratio) else "")) if ratio else "",
                             pct(sum(layer["cycles"] for layer in host) / run["total_cycles"]),
                             f"{top[1][0]} op(s): {_short(top[0])}" if top else "-",
                             f"{run['check']['max_rel_error']:.1e}" if "check" in run else ""])
    out += [table(["model", "target", "sparsity", "cycles", "vs dense", "host share", "largest host cost",
                   "dense error"], rows, "lllrrrll"), ""]
    if any("*" in str(row[4]) for row in rows):
        out += ["\\* faster than the MACs alone allow (1 / (1 - sparsity)): the dense layer's weights do not fit on "
                "chip and the one fixed dataflow re-reads them from DDR, while the pruned weights fit. The dense "
                "baseline is weak there, so the speedup overstates what sparsity buys (the mapper issue).", ""]
    out += _kinds_table(nw)
    sweep = nw.get("sequence_sweep") or {}
    if sweep.get("runs"):
        out += [f"### BERT-base encoder by sequence length on `{sweep['target']}`", ""]
        rows = []
        for sequence, entry in sweep["runs"].items():
            dense = entry["runs"].get("0", {}).get(sweep["target"], {})
            sparse = entry["runs"].get("0.5", {}).get(sweep["target"], {})
            if "total_cycles" not in dense:
                continue
            rows.append([sequence, dense["total_cycles"], pct(dense["host_share"]), sparse.get("total_cycles", ""),
                         x(sparse.get("speedup")), pct(sparse["host_share"]) if "host_share" in sparse else ""])
        out += [table(["sequence", "dense cycles", "dense host share", "50% cycles", "50% vs dense", "50% host share"],
                      rows, "rrrrrr"), ""]
    return out


KIND_ORDER = ("conv2d", "matmul", "bmm", "reduce", "elementwise", "copy", "pool", "stage", "host")


def _kinds_table(nw: dict) -> list[str]:
    """Each network's cycles by layer kind at 50% (the report's kinds: ``bmm`` is attention's QK^T and AV,
    softmax and LayerNorm are their ``reduce`` and ``elementwise`` kernels), and what bounds each kind."""
    rows = []
    for name, entry in nw["models"].items():
        for target, run in entry["runs"].get("0.5", {}).items():
            if "kinds" not in run:
                continue
            cells = []
            for kind in KIND_ORDER:
                k = run["kinds"].get(kind)
                if not k:
                    cells.append("")
                    continue
                bound = "C" if k["compute"] >= k["movement"] else "M"
                cells.append(f"{k['cycles'] / run['total_cycles']:.1%} {bound}")
            rows.append([name, f"`{target}`", *cells])
    if not rows:
        return []
    return ["### Where the cycles go at 50%, by layer kind", "",
            "Share of the total cycles of each kind of layer in the report, and what bounds most of its layers "
            "(C compute, M movement). `bmm`: the matmuls of two activations (attention's QK^T and AV) on the "
            "cores; softmax and LayerNorm are `reduce` (row max, sum, mean) and `elementwise` kernels; `copy`: "
            "transposes; `stage`: resident weights loaded into the memory tiles; `host`: ops left on the host.", "",
            table(["model", "target", *KIND_ORDER], rows, "ll" + "r" * len(KIND_ORDER)), ""]


PATTERN_PROSE = """Why our figures differ from the papers' (the cost model's rules are in `interpreter/aie.py`, the
target fields in `targets/*.toml`):

- **What the hardware can skip decides.** The AIE-ML core reads a 2:4 operand compressed
  (`structured_sparsity_n/m`; its exact rate is unverified, we assume the dense MAC rate on the
  compressed operand); N:M 2:4 and TVW's inner 2:4 use it on AIE2 targets. AIE1 has no such load:
  there N:M, TVW's inner step, unstructured and GS are expanded to dense in L1 and computed densely
  (they only save bytes). No AIE has a conflict-free indexed gather (`gather_elements_per_cycle` = 0
  on every shipped target), which GS needs to pay off: its balanced banks buy nothing here, and its
  per-value bank offsets cost index bytes. The papers' speedups (TVW 1.85x, GS 2-3x) come from GPUs
  with sparse tensor cores and from processors with gather engines.
- **Index bytes count.** Block sparsity pays 2 bytes per 8x8xwindow block; N:M one bit per dense
  position; CSR (unstructured) 1-2 bytes per value, and GS 1-2 bytes per value: at i8, unstructured
  and GS move more weight bytes than the dense layer at 50%.
- **TW** keeps whole dense tiles over gathered K positions, which the core runs at the dense rate after
  copying the kept activations (`vector_bytes_per_cycle`): close to block sparsity, slightly behind
  where the gather copy or the coarser row pruning costs.
- **TVW at 50%** is TW at 0% plus 2:4: the same MACs as N:M 2:4 with a tile index and gather on top.
"""


def render(results_dir: Path) -> str:
    m = load(results_dir / "models.json")
    it = load(results_dir / "interpreter.json")
    im = load(results_dir / "import.json")
    g = load(results_dir / "gemm_efficiency.json")
    out = ["# bsparse benchmark results", "",
           "Generated by `benchmarks/make_results.py` from `benchmarks/results/*.json` (do not edit by hand; rerun "
           "`benchmarks/run_all.sh`). All cycle and traffic numbers are bsparse's cost model run by its interpreter, "
           "not hardware measurements. The seed paper's and other published numbers are marked as such.", ""]
    if m:
        out += section_overview(m) + section_paper(m) + section_weights(m) + section_per_kind(m) + section_anomalies(m)
    else:
        out += ["(benchmarks/results/models.json missing: run bench_models.py)", ""]
    out += section_interpreter(it) + section_import(im) + section_gemm(g)
    tr, pa, nw = (load(results_dir / f"{name}.json") for name in ("training", "patterns", "networks"))
    out += section_training(tr) + section_patterns(pa)
    out += section_networks(nw, m)
    out += section_runtime({"bench_models.py": m, "bench_networks.py": nw, "bench_interpreter.py": it,
                            "bench_gemm_efficiency.py": g, "bench_patterns.py": pa, "bench_training.py": tr,
                            "bench_import.py": im})
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("-o", "--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    args.output.write_text(render(args.results))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
