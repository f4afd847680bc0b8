#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Data and checks of per-channel.test.

    per_channel.py gen OUTDIR
        Batches x{i}.npy,w{i}.npy (i = 0..3) for arg_weights.mlir, of 5, 17,
        1 and 32 rows (x) and 8x4 (w, different in every batch), and
        e{i}.npy (i = 0..2), 6 rows each. Multiples of 2^-4 in [-4, 4], so
        x @ w is exact in f32 and numpy computes it as the compiled model.
        The extremes of each column are spread over the batches.
    per_channel.py check TABLE OUTDIR PREFIX SPEC...
        Each SPEC is ID:AXIS or ID:none. For ID:AXIS the table's per_channel
        of ID has that axis and min/max equal to numpy's min/max of every
        slice along AXIS over all batches PREFIX{i}.npy,w{i}.npy (t0 = x,
        t1 = w, t2 = x @ w), exactly; for ID:none the entry has no
        per_channel.
"""

from __future__ import annotations

import os
import sys

sys.dont_write_bytecode = True
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calib_common import Failure, expect, load_json, run_main  # noqa: E402


def cmd_gen(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    for i, rows in enumerate((5, 17, 1, 32)):
        x = rng.integers(-64, 65, size=(rows, 8)) / 16.0 * (i + 1) / 4
        w = rng.integers(-64, 65, size=(8, 4)) / 16.0 * (4 - i) / 4
        np.save(os.path.join(out, f"x{i}.npy"), x.astype(np.float32))
        np.save(os.path.join(out, f"w{i}.npy"), w.astype(np.float32))
    for i in range(3):
        e = rng.integers(-64, 65, size=(6, 8)) / 16.0
        np.save(os.path.join(out, f"e{i}.npy"), e.astype(np.float32))
    print("wrote x0..x3 (5, 17, 1, 32 rows), w0..w3, e0..e2 (6 rows)")


def slices(a: np.ndarray, axis: int):
    moved = np.moveaxis(a, axis, 0).reshape(a.shape[axis], -1)
    return moved.min(axis=1), moved.max(axis=1)


def cmd_check(table_path: str, out: str, prefix: str, specs) -> None:
    table = load_json(table_path)
    data = {"t0": [], "t1": [], "t2": []}
    i = 0
    while os.path.exists(os.path.join(out, f"{prefix}{i}.npy")):
        x = np.load(os.path.join(out, f"{prefix}{i}.npy"))
        w = np.load(os.path.join(out, f"w{i}.npy"))
        data["t0"].append(x)
        data["t1"].append(w)
        data["t2"].append((x @ w).astype(np.float32))
        i += 1
    expect(i == table["batches"], f"{i} batches on disk, {table['batches']} in the table")
    for spec in specs:
        tid, _, axis = spec.partition(":")
        entry = table["tensors"][tid]
        if axis == "none":
            expect("per_channel" not in entry, f"{tid}: unexpected per_channel {entry.get('per_channel')}")
            print(f"{tid}: no per_channel")
            continue
        axis = int(axis)
        pc = entry.get("per_channel")
        expect(pc is not None, f"{tid}: no per_channel in the table")
        expect(pc["axis"] == axis, f"{tid}: per_channel axis {pc['axis']}, expected {axis}")
        lo = np.min([slices(a, axis)[0] for a in data[tid]], axis=0)
        hi = np.max([slices(a, axis)[1] for a in data[tid]], axis=0)
        expect(pc["min"] == [float(v) for v in lo] and pc["max"] == [float(v) for v in hi],
               f"{tid}: per_channel min {pc['min']} max {pc['max']} != numpy's "
               f"min {list(lo)} max {list(hi)} along axis {axis}")
        # Each channel's extremes do not all come from one batch.
        first = [j for j in range(len(lo)) if any(lo[j] == slices(a, axis)[0][j]
                                                 for a in data[tid][:1])]
        print(f"{tid}: per_channel along axis {axis} = numpy over {i} batches "
              f"({len(lo)} channels, {len(first)} minima from the first batch)")


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "gen":
        cmd_gen(args[1])
    elif len(args) >= 5 and args[0] == "check":
        cmd_check(args[1], args[2], args[3], args[4:])
    else:
        raise Failure(__doc__)


if __name__ == "__main__":
    run_main(main)
