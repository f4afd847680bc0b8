#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The benchmark table from Google Benchmark JSON files (scripts/bench).

    report.py RUN.json [RUN.json ...]

Per file (one thread count), one row per shape: the median GOPS of each
form over its repetitions, then qlinalg int8 (float in and out, as users
call it, with float requantization: oneDNN's output-scale semantics) as a
ratio to oneDNN's matmul primitive and to OpenBLAS sgemm, the same with the
fixed-point requantization, and qlinalg's int8 kernel alone (int8 in and
out, as oneDNN's row is timed) as a ratio to oneDNN's matmul primitive.
Markdown, for the README.
"""

import json
import statistics
import sys
from collections import defaultdict

FORMS = ["qlinalg_int8", "qlinalg_int8_fixed", "qlinalg_int8_kernel", "dnnl_matmul",
         "dnnl_gemm", "openblas_sgemm", "qlinalg_fp32"]


def parse(name):
    # e.g. benchQLinalg/qlinalg_int8/0/512/512/512/min_time:0.300/real_time
    parts = name.split("/")
    form = parts[1] if parts[0] == "benchQLinalg" else parts[0]
    batch, m, k, n = (int(p) for p in parts[-6:-2]) if parts[0] == "benchQLinalg" \
        else (int(p) for p in parts[1:5])
    return form, (batch, m, k, n)


def shape_text(shape):
    batch, m, k, n = shape
    text = f"{m}x{k}x{n}"
    return f"batch {batch}: {text}" if batch else text


def main():
    for path in sys.argv[1:]:
        data = json.load(open(path))
        gops = defaultdict(list)
        threads = "?"
        for b in data["benchmarks"]:
            if b.get("run_type") != "iteration" or "GOPS" not in b:
                continue
            form, shape = parse(b["run_name"] if "run_name" in b else b["name"])
            gops[(form, shape)].append(b["GOPS"] / 1e9 if b["GOPS"] > 1e6 else b["GOPS"])
            threads = int(b.get("threads", 0)) or threads
        shapes = sorted({s for (_, s) in gops}, key=lambda s: (s[0] > 0, s[1] * s[2] * s[3], s))
        print(f"\n### {threads} thread{'s' if threads != 1 else ''} (median GOPS)\n")
        print("| M x K x N | qlinalg int8 | qlinalg int8 fixed-point | qlinalg int8 kernel | "
              "oneDNN matmul | oneDNN gemm u8s8s32 | OpenBLAS sgemm | qlinalg fp32 | "
              "int8 / oneDNN matmul | fixed-point / oneDNN matmul | "
              "kernel / oneDNN matmul | int8 / sgemm |")
        print("|---|" + "---:|" * 11)
        for s in shapes:
            med = {f: statistics.median(gops[(f, s)]) for f in FORMS if gops.get((f, s))}
            cells = [f"{med[f]:.1f}" if f in med else "–" for f in FORMS]
            def ratio(a, b):
                return f"{med[a] / med[b]:.2f}x" if a in med and b in med else "–"
            print(f"| {shape_text(s)} | " + " | ".join(cells) +
                  f" | {ratio('qlinalg_int8', 'dnnl_matmul')} | "
                  f"{ratio('qlinalg_int8_fixed', 'dnnl_matmul')} | "
                  f"{ratio('qlinalg_int8_kernel', 'dnnl_matmul')} | "
                  f"{ratio('qlinalg_int8', 'openblas_sgemm')} |")


if __name__ == "__main__":
    main()
