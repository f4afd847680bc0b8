#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Data and checks of qlinalg-run-results.test.

    check_results.py gen DIR           x.npy (1000x4) and cal{0..5}.npy (?x64)
    check_results.py run DIR           r0..r4.npy of Inputs/results.mlir
    check_results.py table TABLE DIR   t0/t2 of Inputs/observed_result.mlir
"""

import json
import os
import sys

import numpy as np

ROWS = (8, 40, 16, 1, 33, 24)


def gen(d):
    np.save(os.path.join(d, "x.npy"), np.arange(4000, dtype=np.float32).reshape(1000, 4))
    rng = np.random.default_rng(3)
    # Small batches (results of at most 1 KiB) on purpose: a freed small
    # block is reused at once, so reading a result after it was freed shows.
    for i, rows in enumerate(ROWS):
        np.save(os.path.join(d, f"cal{i}.npy"),
                rng.standard_normal((rows, 64)).astype(np.float32))


def run(d):
    x = np.load(os.path.join(d, "x.npy"))
    k = np.arange(1, 9, dtype=np.float32).reshape(2, 4)
    bad = 0
    for i, want in enumerate((2 * x, x, k, 2 * x, 2 * x)):
        got = np.load(os.path.join(d, f"r{i}.npy"))
        ok = got.shape == want.shape and np.array_equal(got, want)
        print(f"result {i}: {'ok' if ok else 'WRONG'}")
        bad += not ok
    return 1 if bad else 0


def table(path, d):
    t = json.load(open(path))["tensors"]
    xs = [np.load(os.path.join(d, f"cal{i}.npy")) for i in range(len(ROWS))]
    w = np.full((64, 4), 0.125, np.float32)
    b = np.array([0.5, -0.5, 1.0, -1.0], np.float32)
    ys = np.concatenate([x @ w + b for x in xs])
    bad = 0
    for tid, v, rtol in (("t0", np.concatenate(xs), 0.0), ("t2", ys, 1e-6)):
        for key, want in (("min", float(v.min())), ("max", float(v.max()))):
            got = t[tid][key]
            ok = abs(got - want) <= rtol * abs(want)
            print(f"{tid} {key}: {'ok' if ok else f'WRONG: {got!r}, numpy {want!r}'}")
            bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "run":
        sys.exit(run(sys.argv[2]))
    elif cmd == "table":
        sys.exit(table(sys.argv[2], sys.argv[3]))
