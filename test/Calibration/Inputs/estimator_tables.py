#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Handwritten calibration tables for estimators.test (model: est_model.mlir,
t0 = x, t1 = x @ W), and the check of the estimators against the reference
implementations of their definitions (estimator_ref.py).

    estimator_tables.py gen OUTDIR
        designed.json   t0: 1000 values, -4 x4, -3 x4, -2.5 x4, -1 x488,
                        1.25 x488, 2.5 x4, 3 x4, 4 x4 (canonical histogram:
                        2^-8 wide bins from -1024), and a moving average of
                        [-0.5, 2.0] over 3 batches.
        outliers.json   t0: 20000 values N(0.5, 1) (seed 3) and 3 at +40.
        nohist.json     t0: count, min -1.5, max 2.5 only (no histogram, no
                        moving average: the overall range stands in).
        zero.json, zero-nohist.json   t0: min = max = 0 (every value 0), with
                        and without its histogram (width 2^-160, one bin).
        far.json        t0: 10000 values uniform in [100, 101] (seed 4).
        huge.json       t0: 10000 values uniform in [1e6, 1e6 + 1] (seed 4).
        Broken histograms of designed.json's t0: nomass, finer (log2_width
        - 1), coarser (+ 1), offset (+ 1), short (the max's bin cut),
        firstzero (the min's bin emptied), toomany (4097 bins), negative,
        malformed (no counts), beyond (a count 100 bins past the max's),
        trailing (two trailing zeros), lastzero (the max's count moved one
        bin down).
        Every table has t1 = designed.json's t0 values times 2.
    estimator_tables.py check TABLE QUANTIZED.mlir ESTIMATOR [--coverage=C] [--symmetric]
        The scale and zero point of t0 in the IR equal those of the range
        the reference gives (percentile, mse, entropy, minmax,
        moving-average), through python/qlinalg's choose_asymmetric or
        choose_symmetric. For mse, also that no range on the search grid has
        a lower expected squared error.
"""

from __future__ import annotations

import copy
import os
import sys

sys.dont_write_bytecode = True
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import estimator_ref as ref  # noqa: E402
from calib_common import (Failure, QuantizedModule, canonical_histogram, expect,  # noqa: E402
                          load_json, make_table, run_main, table_entry, write_json)

DESIGNED = ([-4.0] * 4 + [-3.0] * 4 + [-2.5] * 4 + [-1.0] * 488 + [1.25] * 488
            + [2.5] * 4 + [3.0] * 4 + [4.0] * 4)
DESIGNED_MA = {"constant": 0.01, "batches": 3, "min": -0.5, "max": 2.0,
               "sum_min": -0.0149, "sum_max": 0.0597}


def cmd_gen(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    t1 = table_entry(np.array(DESIGNED) * 2)
    designed = table_entry(DESIGNED, moving_average=DESIGNED_MA)

    def write(name, t0):
        write_json(os.path.join(out, name + ".json"), make_table({"t0": t0, "t1": t1}))

    write("designed", designed)
    rng = np.random.default_rng(3)
    v = rng.standard_normal(20000) + 0.5
    v[:3] = 40.0
    write("outliers", table_entry(v))
    write("nohist", {"count": 1000, "min": -1.5, "max": 2.5})
    write("zero", table_entry(np.zeros(64)))
    write("zero-nohist", {"count": 64, "min": 0.0, "max": 0.0})
    rng = np.random.default_rng(4)
    write("far", table_entry(rng.uniform(100.0, 101.0, 10000)))
    write("huge", table_entry(rng.uniform(1e6, 1e6 + 1, 10000)))

    h = designed["histogram"]
    counts = h["counts"]
    broken = {
        "nomass": dict(h, counts=[0] * len(counts)),
        "finer": dict(h, log2_width=h["log2_width"] - 1),
        "coarser": dict(h, log2_width=h["log2_width"] + 1),
        "offset": dict(h, offset=h["offset"] + 1),
        "short": dict(h, counts=counts[:-1]),
        "firstzero": dict(h, counts=[0] + counts[1:]),
        "toomany": dict(h, counts=counts + [0] * (4096 - len(counts)) + [1]),
        "negative": dict(h, counts=counts[:-1] + [-4]),
        "beyond": dict(h, counts=counts + [0] * 99 + [7]),
        "trailing": dict(h, counts=counts + [0, 0]),
        "lastzero": dict(h, counts=counts[:-2] + [counts[-1], 0]),
    }
    for name, hist in broken.items():
        write(name, dict(designed, histogram=hist))
    malformed = copy.deepcopy(designed)
    del malformed["histogram"]["counts"]
    write("malformed", malformed)
    assert canonical_histogram(DESIGNED) == h
    print(f"wrote {7 + len(broken) + 1} tables; designed.json's t0 histogram: log2_width "
          f"{h['log2_width']}, offset {h['offset']}, {len(counts)} bins")


def parse(args):
    opts = {"coverage": 99.99, "symmetric": False}
    for a in args:
        if a == "--symmetric":
            opts["symmetric"] = True
        elif a.startswith("--coverage="):
            opts["coverage"] = float(a.split("=", 1)[1])
        else:
            raise Failure(f"unknown option {a}")
    return opts


def cmd_check(table_path: str, ir_path: str, estimator: str, args) -> None:
    o = parse(args)
    entry = load_json(table_path)["tensors"]["t0"]
    t = QuantizedModule(ir_path).types["t0"]
    sym = o["symmetric"]
    extra = ""
    if entry["min"] == entry["max"]:
        lo, hi = entry["min"], entry["max"]
    elif estimator == "minmax":
        lo, hi = entry["min"], entry["max"]
    elif estimator == "moving-average":
        ma = entry.get("moving_average", {"min": entry["min"], "max": entry["max"]})
        lo, hi = ma["min"], ma["max"]
    elif estimator == "percentile":
        lo, hi = ref.percentile_range(entry, o["coverage"])
    elif estimator == "mse":
        best, lo, hi = ref.mse_range(entry, sym)
        got = ref.expected_squared_error(entry, t.scale, t.zero_point, t.qmin, t.qmax)
        expect(got <= best * (1 + 1e-6), f"mse: the IR's range has expected squared error "
               f"{got!r}, the search grid's minimum is {best!r} at [{lo!r}, {hi!r}]")
        extra = f", expected squared error {got:.6g} = the grid's minimum"
    elif estimator == "entropy":
        lo, hi = ref.entropy_range(entry)
    else:
        raise Failure(f"unknown estimator {estimator}")
    s, z, qmin, qmax = ref.scheme(lo, hi, sym)
    expect((t.qmin, t.qmax, t.axis) == (qmin, qmax, None),
           f"{estimator}: t0 type {t}, expected per-tensor i8 [{qmin}, {qmax}]")
    expect((t.scale, t.zero_point) == (s, z),
           f"{estimator}: t0 (scale {t.scale!r}, zp {t.zero_point}) != the reference's "
           f"(scale {s!r}, zp {z}) for the range [{lo!r}, {hi!r}]")
    print(f"{estimator}: range [{lo:.9g}, {hi:.9g}] -> scale {float(s)!r} zp {z}{extra}: "
          f"= reference")


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "gen":
        cmd_gen(args[1])
    elif len(args) >= 4 and args[0] == "check":
        cmd_check(args[1], args[2], args[3], args[4:])
    else:
        raise Failure(__doc__)


if __name__ == "__main__":
    run_main(main)
