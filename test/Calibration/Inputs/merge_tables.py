#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Data and table comparisons of merge.test.

    merge_tables.py gen OUTDIR
        Batches x{i}.npy,w{i}.npy (i = 0..7) for arg_weights.mlir, of 5, 17,
        1, 32, 8, 3, 12 and 20 rows, each drawn at its own scale so that the
        global minimum of x is in batch 1 (first subset) and its maximum in
        batch 6 (second subset), and the per-channel extremes of w are spread
        over both subsets.
    merge_tables.py compare ONE.json MERGED.json
        The merged table equals the one-run table: count, min, max,
        histogram and per_channel identical, batches identical, and the
        moving average identical in constant and batches, its min, max,
        sum_min and sum_max within 1e-12 relative (merging composes the
        averages: equal up to f64 rounding). Prints what differs otherwise.
    merge_tables.py histogram TABLE.json OUTDIR
        The histograms of t0 (x) and t1 (w) in the table equal the canonical
        histogram of all batches' values (calib_common.canonical_histogram,
        written from the definition in Statistics.h), and count, min and max
        equal numpy's.
    merge_tables.py edit IN.json OUT.json TENSOR KEY.PATH VALUE
        Writes IN with one field of one entry replaced (VALUE is JSON), or
        removed when VALUE is "delete": the handwritten tables of the error
        cases.
"""

from __future__ import annotations

import json
import math
import os
import sys

sys.dont_write_bytecode = True
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calib_common import (Failure, canonical_histogram, expect, load_json,  # noqa: E402
                          run_main, write_json)

ROWS = (5, 17, 1, 32, 8, 3, 12, 20)
SCALES = (1.0, 3.0, 0.5, 1.5, 2.0, 0.25, 2.5, 1.0)


def cmd_gen(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(99)
    for i, (rows, s) in enumerate(zip(ROWS, SCALES)):
        x = (rng.standard_normal((rows, 8)) * s + 0.3).astype(np.float32)
        if i == 1:
            x[4, 2] = np.float32(-11.0625)  # the global minimum
        if i == 6:
            x[7, 5] = np.float32(13.3125)   # the global maximum
        w = (rng.standard_normal((8, 4)) * s).astype(np.float32)
        np.save(os.path.join(out, f"x{i}.npy"), x)
        np.save(os.path.join(out, f"w{i}.npy"), w)
    print(f"wrote {len(ROWS)} batches ({sum(ROWS)} rows, sizes {list(ROWS)})")


def cmd_compare(one_path: str, merged_path: str) -> None:
    one, merged = load_json(one_path), load_json(merged_path)
    problems = []
    for key in ("format", "version", "model", "entry", "batches"):
        if one.get(key) != merged.get(key):
            problems.append(f"{key}: {one.get(key)!r} vs {merged.get(key)!r}")
    ids = sorted(one["tensors"])
    if ids != sorted(merged["tensors"]):
        problems.append(f"ids: {ids} vs {sorted(merged['tensors'])}")
    max_rel = 0.0
    for tid in ids:
        a, b = one["tensors"][tid], merged["tensors"].get(tid, {})
        if sorted(a) != sorted(b):
            problems.append(f"{tid}: keys {sorted(a)} vs {sorted(b)}")
        for key in ("count", "min", "max", "histogram", "per_channel"):
            if a.get(key) != b.get(key):
                problems.append(f"{tid}: '{key}' differs")
        ma, mb = a["moving_average"], b["moving_average"]
        for key in ("constant", "batches"):
            if ma[key] != mb[key]:
                problems.append(f"{tid}: moving_average.{key} {ma[key]} vs {mb[key]}")
        for key in ("min", "max", "sum_min", "sum_max"):
            if not math.isclose(ma[key], mb[key], rel_tol=1e-12, abs_tol=0.0):
                problems.append(f"{tid}: moving_average.{key} {ma[key]!r} vs {mb[key]!r}")
            elif ma[key] != 0:
                max_rel = max(max_rel, abs(ma[key] - mb[key]) / abs(ma[key]))
    expect(not problems, f"{merged_path} differs from {one_path}:\n  " + "\n  ".join(problems))
    hist = {tid: len(one["tensors"][tid]["histogram"]["counts"]) for tid in ids}
    print(f"tables equal: {one['batches']} batches, ids {', '.join(ids)}, histogram bins "
          f"{hist}; moving averages within {max_rel:.1e} relative")


def cmd_histogram(table_path: str, out: str) -> None:
    table = load_json(table_path)
    n = table["batches"]
    for tid, prefix in (("t0", "x"), ("t1", "w")):
        values = np.concatenate([np.load(os.path.join(out, f"{prefix}{i}.npy")).ravel()
                                 for i in range(n)])
        entry = table["tensors"][tid]
        want = canonical_histogram(values)
        expect(entry["histogram"] == want,
               f"{tid}: histogram (log2_width {entry['histogram']['log2_width']}, offset "
               f"{entry['histogram']['offset']}, {len(entry['histogram']['counts'])} bins) != "
               f"the canonical one (log2_width {want['log2_width']}, offset {want['offset']}, "
               f"{len(want['counts'])} bins)")
        expect((entry["count"], entry["min"], entry["max"]) ==
               (values.size, float(values.min()), float(values.max())),
               f"{tid}: count/min/max {entry['count']}, {entry['min']}, {entry['max']} != numpy's")
        print(f"{tid}: histogram = canonical histogram of the {values.size} values "
              f"(bins 2^{want['log2_width']} wide from {want['offset']}, "
              f"{len(want['counts'])} bins)")


def cmd_edit(src: str, dst: str, tid: str, path: str, value: str) -> None:
    table = load_json(src)
    node = table["tensors"][tid]
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[key]
    if value == "delete":
        del node[keys[-1]]
    else:
        node[keys[-1]] = json.loads(value)
    write_json(dst, table)


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "gen":
        cmd_gen(args[1])
    elif len(args) == 3 and args[0] == "compare":
        cmd_compare(args[1], args[2])
    elif len(args) == 3 and args[0] == "histogram":
        cmd_histogram(args[1], args[2])
    elif len(args) == 6 and args[0] == "edit":
        cmd_edit(*args[1:])
    else:
        raise Failure(__doc__)


if __name__ == "__main__":
    run_main(main)
