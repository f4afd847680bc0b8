#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Writes the good and bad .npy files of the qlinalg-run / qlinalg-calibrate tests.

    npy_files.py OUTDIR

Float inputs have 64 features (the bundled MLP's input, tensor<?x64xf32>).
"""

from __future__ import annotations

import os
import sys

import numpy as np


def raw_npy(path: str, header: str, payload: bytes = b"", version: int = 1) -> None:
    """An .npy file with a hand-written header dict (and any payload)."""
    h = header.encode("latin1")
    prefix = 10 if version == 1 else 12
    h += b" " * ((64 - (prefix + len(h) + 1) % 64) % 64) + b"\n"
    size = len(h).to_bytes(2 if version == 1 else 4, "little")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + bytes([version, 0]) + size + h + payload)


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)  # noqa: E731
    rng = np.random.default_rng(5)
    good = rng.standard_normal((3, 64)).astype(np.float32)
    np.save(p("good.npy"), good)
    data = open(p("good.npy"), "rb").read()

    # Malformed files.
    open(p("bad_magic.npy"), "wb").write(b"\x93NUMPZ" + data[6:])
    open(p("text.npy"), "w").write("x,y\n1,2\n")
    open(p("empty.npy"), "wb").write(b"")
    open(p("truncated.npy"), "wb").write(data[:-10])          # data cut short
    open(p("truncated_header.npy"), "wb").write(data[:40])    # header cut short
    open(p("bad_version.npy"), "wb").write(data[:6] + b"\x09\x00" + data[8:])
    np.save(p("trailing.npy"), good)
    open(p("trailing.npy"), "ab").write(b"\0\0\0\0")          # 4 bytes too many
    raw_npy(p("no_descr.npy"), "{'fortran_order': False, 'shape': (3, 64), }", good.tobytes())
    raw_npy(p("negative_dim.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 64), }")
    raw_npy(p("bad_dim.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (3x, 64), }")
    raw_npy(p("no_fortran.npy"), "{'descr': '<f4', 'shape': (3, 64), }", good.tobytes())
    raw_npy(p("bad_fortran.npy"), "{'descr': '<f4', 'fortran_order': 0, 'shape': (3, 64), }",
            good.tobytes())
    raw_npy(p("no_shape.npy"), "{'descr': '<f4', 'fortran_order': False, }", good.tobytes())
    raw_npy(p("list_shape.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': [3, 64], }",
            good.tobytes())
    raw_npy(p("unterminated_shape.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 64, }",
            good.tobytes())
    # Cut inside the fixed-size prefix: before the 2-byte header length of
    # version 1, and before the 4-byte one of version 2.
    open(p("short_v1.npy"), "wb").write(b"\x93NUMPY\x01\x00")
    open(p("short_v2.npy"), "wb").write(b"\x93NUMPY\x02\x00\x00\x00")
    # Shapes whose byte size does not fit memory or even 64 bits: the header
    # promises far more data than the file holds.
    raw_npy(p("huge.npy"),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 64), }",
            good.tobytes())
    raw_npy(p("overflow.npy"),  # 2^62 x 64 x 4 bytes wraps to 0 in 64 bits
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 64), }")
    raw_npy(p("overflow_256.npy"),  # (2^62 + 1) x 64 x 4 wraps to 256 bytes
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387905, 64), }",
            bytes(256))

    # Well-formed but unsupported or wrong for the argument.
    np.save(p("float64.npy"), good.astype(np.float64))
    np.save(p("big_endian.npy"), good.astype(">f4"))
    np.save(p("fortran.npy"), np.asfortranarray(good))
    np.save(p("int8.npy"), np.zeros((3, 64), np.int8))
    np.save(p("cols63.npy"), np.zeros((3, 63), np.float32))
    np.save(p("rank1.npy"), np.zeros((64,), np.float32))
    np.save(p("rank3.npy"), np.zeros((1, 3, 64), np.float32))
    np.save(p("vec4.npy"), np.arange(4, dtype=np.float32))  # Inputs/float_model.mlir's @other

    # Non-finite calibration data: NaN in the input (t0), and finite inputs so
    # large that the layer's biased output (t2) overflows to Inf.
    nan = good.copy()
    nan[1, 6] = np.nan  # element 70
    np.save(p("nan.npy"), nan)
    inf = good.copy()
    inf[0, 5] = -np.inf  # element 5
    np.save(p("inf.npy"), inf)
    big = good.copy()
    big[1, :] = 3e38
    np.save(p("overflow_hidden.npy"), big)
    np.save(p("zero_rows.npy"), np.zeros((0, 64), np.float32))

    # Quantized arguments of Inputs/quantized_args.mlir: a 4x8 narrow-range
    # i8 tensor (storage [-127, 127]) and a ?x8 u8 tensor.
    w = (np.arange(32).reshape(4, 8) - 10).astype(np.int8)
    np.save(p("narrow_ok.npy"), w)
    w_bad = w.copy()
    w_bad[2, 3] = -128  # flat index 19
    np.save(p("narrow_bad.npy"), w_bad)
    np.save(p("u8.npy"), np.arange(40, dtype=np.uint8).reshape(5, 8))
    np.save(p("i8_for_u8.npy"), np.arange(40, dtype=np.int8).reshape(5, 8))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
