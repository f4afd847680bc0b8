# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Strict .npy reading/writing for qlinalg calibration data and test vectors.

Only C-order, little-endian arrays of float32, int8, uint8 or int32 are
accepted: these are the files the C++ tools read. Every error is a
ValueError whose message names the offending file. Writes are atomic (temp
file in the same directory + os.replace), so a reader never sees a partial
file.
"""

from __future__ import annotations

import os
import tempfile
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

PathLike = Union[str, "os.PathLike[str]"]
ShapeSpec = Sequence[Optional[int]]

ALLOWED_DTYPES = tuple(np.dtype(t).newbyteorder("<")
                       for t in (np.float32, np.int8, np.uint8, np.int32))
_ALLOWED_NAMES = ", ".join(d.name for d in ALLOWED_DTYPES)


def _read_header(path: str) -> Tuple[Tuple[int, ...], bool, np.dtype]:
    """Parse a .npy header and return (shape, fortran_order, dtype)."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(f)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(f)
        raise ValueError(f"unsupported .npy format version {version}")


def _check_dtype(path: str, dtype: np.dtype) -> None:
    if dtype.byteorder == ">":
        raise ValueError(f"{path}: big-endian dtype {dtype.str} is not supported "
                         f"(expected little-endian)")
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"{path}: unsupported dtype {dtype} (expected one of {_ALLOWED_NAMES})")


def _check_expected(path: str, arr: np.ndarray, expect_dtype: Optional[object],
                    expect_shape: Optional[ShapeSpec]) -> None:
    if expect_dtype is not None and arr.dtype != np.dtype(expect_dtype):
        raise ValueError(f"{path}: dtype {arr.dtype} does not match expected "
                         f"{np.dtype(expect_dtype)}")
    if expect_shape is None:
        return
    expected = tuple(expect_shape)
    mismatch = len(expected) != arr.ndim or any(
        e is not None and e != d for e, d in zip(expected, arr.shape))
    if mismatch:
        shown = "(" + ", ".join("?" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{path}: shape {arr.shape} does not match expected {shown}")


def load_npy(path: PathLike, expect_dtype: Optional[object] = None,
             expect_shape: Optional[ShapeSpec] = None) -> np.ndarray:
    """Load a .npy file strictly (no pickles, C order, allowed dtypes only).

    ``expect_shape`` entries may be None for a dynamic dimension. Raises
    ValueError naming ``path`` on any problem.
    """
    p = os.fspath(path)
    try:
        _, fortran_order, header_dtype = _read_header(p)
        arr = np.load(p, allow_pickle=False)
    except (OSError, ValueError, EOFError, SyntaxError, TypeError) as exc:
        raise ValueError(f"{p}: cannot read .npy file: {exc}") from exc
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{p}: not a single-array .npy file")
    if fortran_order or not arr.flags.c_contiguous:
        raise ValueError(f"{p}: Fortran-order arrays are not supported (save in C order)")
    _check_dtype(p, header_dtype)
    _check_expected(p, arr, expect_dtype, expect_shape)
    return arr


def save_npy(path: PathLike, array: np.ndarray) -> None:
    """Atomically save ``array`` as a C-contiguous little-endian .npy file.

    The dtype must be one of float32, int8, uint8, int32 (any byte order on
    input). The path is used verbatim (no '.npy' suffix is added).
    """
    p = os.fspath(path)
    arr = np.asarray(array)
    if arr.dtype.newbyteorder("<") not in ALLOWED_DTYPES:
        raise ValueError(f"{p}: refusing to save dtype {arr.dtype} "
                         f"(expected one of {_ALLOWED_NAMES})")
    # np.asarray(order="C") keeps 0-d arrays 0-d (np.ascontiguousarray would not).
    arr = np.asarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False), order="C")
    directory = os.path.dirname(os.path.abspath(p))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(p) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.lib.format.write_array(f, arr, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, p)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_batches(dirpath: PathLike, name: str,
                  arrays_per_batch: Sequence[Sequence[np.ndarray]]) -> List[str]:
    """Save calibration batches and return one comma-joined path string per batch.

    Batch i, argument j is written to ``{dirpath}/{name}_b{i}_a{j}.npy``.
    Every batch must supply the same number of arrays (one per function
    argument). Paths may not contain commas, since commas separate them.
    """
    d = os.fspath(dirpath)
    if "," in d or "," in name:
        raise ValueError(f"directory {d!r} and name {name!r} must not contain ','")
    batches = [list(b) for b in arrays_per_batch]
    if batches and len({len(b) for b in batches}) != 1:
        raise ValueError(f"batches have differing argument counts: "
                         f"{[len(b) for b in batches]}")
    if batches and not batches[0]:
        raise ValueError("each batch needs at least one array")
    os.makedirs(d, exist_ok=True)
    result = []
    for i, batch in enumerate(batches):
        paths = [os.path.join(d, f"{name}_b{i}_a{j}.npy") for j in range(len(batch))]
        for path, arr in zip(paths, batch):
            save_npy(path, arr)
        result.append(",".join(paths))
    return result
