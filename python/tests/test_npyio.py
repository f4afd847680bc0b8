# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Unit tests for qlinalg.npyio: strict loading, atomic saving and batch files."""

from __future__ import annotations

import os
import tempfile
import unittest
from unittest import mock

import numpy as np

from qlinalg import npyio


class NpyTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = self._tmp.name

    def tearDown(self) -> None:
        self._tmp.cleanup()

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def write_bytes(self, name: str, data: bytes) -> str:
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data)
        return p


class RoundTripTest(NpyTestCase):
    def test_round_trip_all_dtypes(self) -> None:
        for dtype in (np.float32, np.int8, np.uint8, np.int32):
            arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
            p = self.path(f"rt_{np.dtype(dtype).name}.npy")
            npyio.save_npy(p, arr)
            got = npyio.load_npy(p, expect_dtype=dtype, expect_shape=(2, None, 4))
            self.assertEqual(got.dtype, np.dtype(dtype))
            np.testing.assert_array_equal(got, arr)

    def test_saved_bytes_are_standard_npy(self) -> None:
        p = self.path("hdr.npy")
        npyio.save_npy(p, np.array([1.5, -2.0], dtype=np.float32))
        with open(p, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.startswith(b"\x93NUMPY\x01\x00"))
        self.assertIn(b"'descr': '<f4'", raw)
        self.assertIn(b"'fortran_order': False", raw)
        self.assertEqual(raw[-8:], np.array([1.5, -2.0], dtype="<f4").tobytes())

    def test_saves_fortran_and_big_endian_inputs_as_c_little_endian(self) -> None:
        p = self.path("f.npy")
        arr = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
        npyio.save_npy(p, arr)
        got = npyio.load_npy(p)
        self.assertTrue(got.flags.c_contiguous)
        np.testing.assert_array_equal(got, arr)
        p2 = self.path("be.npy")
        npyio.save_npy(p2, np.array([1.0, 2.0], dtype=">f4"))
        got2 = npyio.load_npy(p2, expect_dtype=np.float32)
        self.assertEqual(got2.dtype.str, "<f4")
        np.testing.assert_array_equal(got2, [1.0, 2.0])

    def test_scalar_and_empty(self) -> None:
        p = self.path("s.npy")
        npyio.save_npy(p, np.int8(-3))
        self.assertEqual(npyio.load_npy(p, expect_shape=()).tolist(), -3)
        npyio.save_npy(p, np.zeros((0, 4), dtype=np.uint8))
        self.assertEqual(npyio.load_npy(p, expect_shape=(None, 4)).shape, (0, 4))

    def test_path_used_verbatim(self) -> None:
        p = self.path("no_suffix")
        npyio.save_npy(p, np.zeros(2, dtype=np.int8))
        self.assertEqual(sorted(os.listdir(self.dir)), ["no_suffix"])


class AtomicSaveTest(NpyTestCase):
    def test_overwrite_leaves_no_temp_files(self) -> None:
        p = self.path("a.npy")
        npyio.save_npy(p, np.zeros(3, dtype=np.int8))
        npyio.save_npy(p, np.ones(5, dtype=np.int8))
        np.testing.assert_array_equal(npyio.load_npy(p), np.ones(5))
        self.assertEqual(os.listdir(self.dir), ["a.npy"])

    def test_failed_write_keeps_old_file(self) -> None:
        p = self.path("a.npy")
        npyio.save_npy(p, np.arange(3, dtype=np.int8))
        with mock.patch.object(np.lib.format, "write_array", side_effect=OSError("disk full")):
            with self.assertRaises(OSError):
                npyio.save_npy(p, np.zeros(3, dtype=np.int8))
        np.testing.assert_array_equal(npyio.load_npy(p), [0, 1, 2])
        self.assertEqual(os.listdir(self.dir), ["a.npy"])

    def test_file_mode_follows_umask(self) -> None:
        p = self.path("m.npy")
        npyio.save_npy(p, np.zeros(1, dtype=np.int8))
        mask = os.umask(0)
        os.umask(mask)
        self.assertEqual(os.stat(p).st_mode & 0o777, 0o666 & ~mask)

    def test_rejects_unsupported_dtype(self) -> None:
        p = self.path("d.npy")
        with self.assertRaisesRegex(ValueError, "float64"):
            npyio.save_npy(p, np.zeros(2))
        self.assertFalse(os.path.exists(p))


class LoadErrorTest(NpyTestCase):
    def assertLoadError(self, p: str, pattern: str, **kw) -> None:
        with self.assertRaises(ValueError) as ctx:
            npyio.load_npy(p, **kw)
        self.assertIn(p, str(ctx.exception))
        self.assertRegex(str(ctx.exception), pattern)

    def test_missing_file(self) -> None:
        self.assertLoadError(self.path("missing.npy"), "cannot read")

    def test_malformed_file(self) -> None:
        p = self.write_bytes("garbage.npy", b"this is not a numpy file at all")
        self.assertLoadError(p, "cannot read")

    def test_truncated_file(self) -> None:
        p = self.path("t.npy")
        npyio.save_npy(p, np.arange(100, dtype=np.int32))
        with open(p, "rb") as f:
            raw = f.read()
        self.write_bytes("t.npy", raw[:-10])
        self.assertLoadError(p, "cannot read")
        self.write_bytes("t.npy", raw[:20])  # cut inside the header
        self.assertLoadError(p, "cannot read")

    def test_fortran_order(self) -> None:
        p = self.path("fortran.npy")
        np.save(p, np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
        self.assertLoadError(p, "Fortran")

    def test_fortran_flag_on_1d_is_rejected(self) -> None:
        p = self.path("fortran1d.npy")
        with open(p, "wb") as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<f4", "fortran_order": True, "shape": (3,)})
            f.write(np.ones(3, dtype="<f4").tobytes())
        self.assertLoadError(p, "Fortran")

    def test_unsupported_dtypes(self) -> None:
        for name, arr in (("f64.npy", np.zeros(2)), ("i64.npy", np.zeros(2, dtype=np.int64)),
                          ("i16.npy", np.zeros(2, dtype=np.int16))):
            p = self.path(name)
            np.save(p, arr)
            self.assertLoadError(p, "unsupported dtype")
        p = self.path("be.npy")
        np.save(p, np.zeros(2, dtype=">i4"))
        self.assertLoadError(p, "big-endian")

    def test_object_array(self) -> None:
        p = self.path("obj.npy")
        np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        self.assertLoadError(p, "cannot read")

    def test_npz_rejected(self) -> None:
        p = self.path("z.npz")
        np.savez(p, a=np.zeros(2, dtype=np.float32))
        self.assertLoadError(p, "cannot read")

    def test_expectations(self) -> None:
        p = self.path("e.npy")
        npyio.save_npy(p, np.zeros((2, 3), dtype=np.int8))
        self.assertLoadError(p, "dtype int8 does not match expected uint8", expect_dtype=np.uint8)
        self.assertLoadError(p, r"shape \(2, 3\) does not match expected \(2, 4\)",
                             expect_shape=(2, 4))
        self.assertLoadError(p, r"expected \(\?, 3, 1\)", expect_shape=(None, 3, 1))
        self.assertLoadError(p, "does not match", expect_shape=(2,))
        self.assertEqual(npyio.load_npy(p, "int8", (None, None)).shape, (2, 3))


class WriteBatchesTest(NpyTestCase):
    def test_writes_and_joins(self) -> None:
        out_dir = self.path("calib")
        batches = [[np.full((1, 2), i, dtype=np.float32), np.full((3,), -i, dtype=np.int8)]
                   for i in range(2)]
        specs = npyio.write_batches(out_dir, "x", batches)
        self.assertEqual(specs, [
            f"{out_dir}/x_b0_a0.npy,{out_dir}/x_b0_a1.npy",
            f"{out_dir}/x_b1_a0.npy,{out_dir}/x_b1_a1.npy",
        ])
        for i, spec in enumerate(specs):
            a0, a1 = spec.split(",")
            np.testing.assert_array_equal(npyio.load_npy(a0, np.float32, (1, 2)), [[i, i]])
            np.testing.assert_array_equal(npyio.load_npy(a1, np.int8, (3,)), [-i] * 3)

    def test_errors(self) -> None:
        with self.assertRaisesRegex(ValueError, "argument counts"):
            npyio.write_batches(self.dir, "x", [[np.zeros(1, np.int8)],
                                                [np.zeros(1, np.int8), np.zeros(1, np.int8)]])
        with self.assertRaisesRegex(ValueError, "','"):
            npyio.write_batches(self.dir, "a,b", [[np.zeros(1, np.int8)]])
        self.assertEqual(npyio.write_batches(self.dir, "x", []), [])


if __name__ == "__main__":
    unittest.main()
