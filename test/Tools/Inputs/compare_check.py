# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Checks a qlinalg-run --compare-json report against numpy.

    compare_check.py REPORT.json FLOAT.npy QUANT.npy

The entry's result (result0) must have the SQNR, relative error and largest
error that numpy computes from the two models' outputs (in float64, to 1e-9
relative), and the worst layer must be the one with the lowest SQNR.
"""

import json
import sys

import numpy as np

report = json.load(open(sys.argv[1]))
f = np.load(sys.argv[2]).astype(np.float64)
q = np.load(sys.argv[3]).astype(np.float64)
layer = {l["id"]: l for l in report["layers"]}["result0"]
noise = np.sum((q - f) ** 2)
signal = np.sum(f ** 2)
expected = {"sqnr_db": 10 * np.log10(signal / noise),
            "relative_error": np.sqrt(noise / signal),
            "max_abs_error": np.max(np.abs(q - f))}
for key, value in expected.items():
    if not np.isclose(layer[key], value, rtol=1e-9, atol=0):
        raise SystemExit(f"result0 {key}: report {layer[key]!r}, numpy {value!r}")
finite = [l for l in report["layers"] if l["sqnr_db"] is not None]
worst = min(finite, key=lambda l: l["sqnr_db"])["id"]
if report["worst"] != worst:
    raise SystemExit(f"worst layer: report {report['worst']!r}, lowest SQNR {worst!r}")
print(f"report ok: {len(report['layers'])} layers, result0 matches numpy, worst {worst}")
