# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Plot the per-layer report of ``qlinalg-run --compare`` (its JSON).

    python3 -m qlinalg.report REPORT.json -o REPORT.png [--title TEXT]

One bar per tensor id (and per result) with its SQNR in dB, the worst layer
hatched in red, its relative error written on each bar; tensors the quantized model
computes exactly are drawn at the top of the axis and labelled "exact".
Several reports (one per mode, say) go side by side, one colour each.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional, Sequence

import numpy as np


class ReportError(RuntimeError):
    """A report that cannot be read or plotted."""


def load_report(path: str) -> dict:
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read the report: {exc}") from exc
    layers = report.get("layers")
    if not isinstance(layers, list) or not all(
            isinstance(l, dict) and "id" in l and "sqnr_db" in l for l in layers):
        raise ReportError(f"{path}: not a qlinalg-run --compare report (no 'layers' "
                          f"with 'id' and 'sqnr_db')")
    return report


def plot(reports: Sequence[dict], path: str, labels: Optional[Sequence[str]] = None,
         title: Optional[str] = None) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(labels or [r.get("model", f"report {i}") for i, r in enumerate(reports)])
    ids: List[str] = []
    for r in reports:
        for layer in r["layers"]:
            if layer["id"] not in ids:
                ids.append(layer["id"])

    def order(tid: str):
        # t<N> by N, then the results.
        return (0, int(tid[1:]), "") if tid[:1] == "t" and tid[1:].isdigit() else (1, 0, tid)

    ids.sort(key=order)
    finite = [l["sqnr_db"] for r in reports for l in r["layers"] if l["sqnr_db"] is not None]
    top = (max(finite) if finite else 60.0) * 1.15 + 1.0
    width = 0.8 / max(len(reports), 1)
    colors = plt.cm.tab10(np.arange(len(reports)))
    fig, ax = plt.subplots(figsize=(min(16.0, max(6.0, 0.9 * len(ids) * len(reports) + 2)),
                                    4.8))
    x = np.arange(len(ids))
    for i, r in enumerate(reports):
        by_id = {l["id"]: l for l in r["layers"]}
        labelled = False
        for j, tid in enumerate(ids):
            layer = by_id.get(tid)
            if layer is None:
                continue
            exact = layer["sqnr_db"] is None and layer.get("exact")
            value = top if exact else (layer["sqnr_db"] or 0.0)
            worst = tid == r.get("worst")
            pos = x[j] + (i - (len(reports) - 1) / 2) * width
            ax.bar(pos, value, width * 0.95, color=colors[i],
                   edgecolor="tab:red" if worst else "none", linewidth=2.5 if worst else 0,
                   hatch="//" if worst else None, label=None if labelled else labels[i])
            labelled = True
            text = "exact" if exact else f"{100 * (layer['relative_error'] or 0):.2f}%"
            ax.text(pos, value, text, ha="center", va="bottom", fontsize=7, rotation=90)
    ax.set_xticks(x)
    ax.set_xticklabels(ids)
    ax.set_ylim(0, top * 1.25)
    ax.set_xlabel("tensor id (the worst layer of each report hatched in red; "
                  "relative error on the bars)")
    ax.set_ylabel("SQNR vs float (dB)")
    ax.grid(True, axis="y", alpha=0.3)
    if len(reports) > 1:
        ax.legend(fontsize=8, loc="upper right")
    first = reports[0]
    ax.set_title(title or f"{first.get('model', '')} vs {first.get('reference', '')} "
                 f"(@{first.get('entry', '')}, batch {first.get('batch', '?')})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m qlinalg.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="+", help="qlinalg-run --compare-json files")
    parser.add_argument("-o", "--output", required=True, help="the PNG to write")
    parser.add_argument("--labels", help="comma-separated legend labels, one per report")
    parser.add_argument("--title", help="the plot's title")
    args = parser.parse_args(argv)
    try:
        reports = [load_report(p) for p in args.reports]
        labels = args.labels.split(",") if args.labels else None
        if labels is not None and len(labels) != len(reports):
            raise ReportError(f"--labels names {len(labels)} reports, {len(reports)} given")
        plot(reports, args.output, labels, args.title)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    worst = [f"{r.get('model', '?')}: {r.get('worst')}" for r in reports]
    print(f"wrote {args.output} ({len(reports)} report(s); worst layer {', '.join(worst)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
