#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The input driver.c computes, as .npy for qlinalg-run (`gen OUT.npy`), and
the comparison of driver.c's raw f32 output with qlinalg-run's .npy
(`compare RAW NPY`)."""
import sys

import numpy as np

M, K, N = 37, 64, 48

if sys.argv[1] == "gen":
    i = np.arange(M * K)
    x = (((i * 37) % 101 - 50).astype(np.float32) / np.float32(10.0)).reshape(M, K)
    np.save(sys.argv[2], x.astype(np.float32))
else:
    raw = np.fromfile(sys.argv[2], dtype=np.float32).reshape(M, N)
    jit = np.load(sys.argv[3])
    same = raw.tobytes() == jit.astype(np.float32).tobytes()
    print(f"aot vs jit: {'same bytes' if same else 'DIFFERENT'} ({raw.size} values, "
          f"{np.count_nonzero(raw)} non-zero)")
