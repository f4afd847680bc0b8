# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Sanity properties of a --quick coverage study (python/qlinalg/coverage_study.py).

Usage: check_coverage_study.py OUT_DIR. Prints one "ok: ..." line per property
and exits 1 at the first one that does not hold. The properties hold for
any seed (checked over several), not only for the default one.
"""

import json
import math
import os
import sys

import numpy as np

from qlinalg.numerics import choose_asymmetric


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def main(out_dir):
    for ext in ("json", "md", "png"):
        path = os.path.join(out_dir, f"coverage_study.{ext}")
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            fail(f"{path} is missing or empty")
    with open(os.path.join(out_dir, "coverage_study.png"), "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            fail("coverage_study.png is not a PNG")
    print("ok: json, md and png written")

    with open(os.path.join(out_dir, "coverage_study.json")) as f:
        data = json.load(f)
    if data.get("format") != "qlinalg-coverage-study":
        fail("unexpected JSON format")
    res = {(r["distribution"], r["n"]): r for r in data["results"]}
    keys = [f"{c:g}" for c in data["coverages"]]
    if sorted(res) != [("normal", 10), ("normal", 100), ("uniform", 10), ("uniform", 100)]:
        fail(f"unexpected settings {sorted(res)}")
    if keys != ["99", "99.99", "100"]:
        fail(f"unexpected coverages {keys}")
    print(f"ok: settings {len(res)} x coverages {', '.join(keys)}")

    def err(dist, n, key):
        return res[(dist, n)]["coverages"][key]["error"]

    for (dist, n), r in res.items():
        for key, cv in r["coverages"].items():
            if not (math.isfinite(cv["error"]) and 0.0 < cv["error"] < 0.5):
                fail(f"{dist} n={n} coverage {key}: error {cv['error']} out of (0, 0.5)")
            if cv["reference_mismatches"]:
                fail(f"{dist} n={n} coverage {key}: qlinalg-run differs from the numpy "
                     f"reference in {cv['reference_mismatches']} elements")
            if cv["storage_a"] != "i8" or cv["storage_b"] != "i8":
                fail(f"{dist} n={n}: storage {cv['storage_a']}, {cv['storage_b']}, not i8")
        if not r["float32_error"] < 1e-5:
            fail(f"{dist} n={n}: float32 path error {r['float32_error']}")
    print("ok: errors finite in (0, 0.5), float32 path below 1e-5")
    print("ok: every quantized run equals the numpy reference bit for bit")

    # The clipping range only grows with coverage, and coverage 100 is the
    # min/max range of the table (choose_asymmetric on the calibrated min, max).
    for (dist, n), r in res.items():
        scales = [r["coverages"][k]["scale_a"] for k in keys]
        if any(b < a for a, b in zip(scales, scales[1:])):
            fail(f"{dist} n={n}: scale of A not monotone in coverage: {scales}")
        lo, hi = r["calibration_range"]["a"]
        s, zp = choose_asymmetric(np.float32(lo), np.float32(hi))
        got = r["coverages"]["100"]
        if np.float32(got["scale_a"]) != s or got["zero_point_a"] != zp:
            fail(f"{dist} n={n}: coverage 100 gives scale {got['scale_a']} zp "
                 f"{got['zero_point_a']}, min/max gives {s} {zp}")
    print("ok: scale of A grows with coverage; coverage 100 equals min/max")

    # Gaussian data: clipping 1% per side at 8 bits costs far more than the
    # rounding it saves: at least 3x the error of min/max at n=100; at n=10
    # (100 values, about one clipped per side) at least 1.5x.
    for n, factor in ((10, 1.5), (100, 3.0)):
        if not err("normal", n, "99") > factor * err("normal", n, "100"):
            fail(f"N(0,1) n={n}: coverage 99 error {err('normal', n, '99')} is not "
                 f"above {factor}x coverage 100 {err('normal', n, '100')}")
    print("ok: N(0,1): coverage 99 is worse than 100 (> 3x at n=100)")

    # Uniform data has no tails to clip: min/max is within 10% of the best.
    for n in (10, 100):
        best = min(cv["error"] for cv in res[("uniform", n)]["coverages"].values())
        if not err("uniform", n, "100") <= 1.10 * best:
            fail(f"U(-1,1) n={n}: coverage 100 error {err('uniform', n, '100')} not "
                 f"within 10% of the best {best}")
    print("ok: U(-1,1): coverage 100 within 10% of the best")

    # 10^4 Gaussian samples reach about 4 sigma, close to the MSE-optimal
    # 8-bit clip for a Gaussian, so at n=100 min/max is also within 10% of
    # the best (clipping pays off only at n=1000, 10^6 samples).
    best = min(cv["error"] for cv in res[("normal", 100)]["coverages"].values())
    if not err("normal", 100, "100") <= 1.10 * best:
        fail(f"N(0,1) n=100: coverage 100 error {err('normal', 100, '100')} not "
             f"within 10% of the best {best}")
    print("ok: N(0,1) n=100: coverage 100 within 10% of the best")

    # The relative error does not depend on n much: same order at n=10 and
    # n=100 (within 10x everywhere, within 3x at coverage 100).
    for dist in ("normal", "uniform"):
        for key in keys:
            ratio = err(dist, 100, key) / err(dist, 10, key)
            limit = 3.0 if key == "100" else 10.0
            if not 1.0 / limit <= ratio <= limit:
                fail(f"{dist} coverage {key}: error n=100 / n=10 = {ratio:.3g}")
    print("ok: errors at n=10 and n=100 are of the same order")

    # At coverage 100 (no clipping) the error is rounding noise: for U(-1,1)
    # with step 2/255 on both operands, sqrt(2 * (2/255)^2 / 12 / (1/3)).
    expected = math.sqrt(2.0 * (2.0 / 255.0) ** 2 / 12.0 * 3.0)
    got = err("uniform", 100, "100")
    if not abs(got / expected - 1.0) < 0.10:
        fail(f"U(-1,1) n=100 coverage 100: error {got} vs rounding-noise theory {expected}")
    print(f"ok: U(-1,1) n=100 coverage 100 matches rounding-noise theory ({got:.3e} vs {expected:.3e})")
    print("all properties hold")


if __name__ == "__main__":
    main(sys.argv[1])
