# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Unit tests for qlinalg.reference: per-channel weights, linear_q and the two-layer model."""

from __future__ import annotations

import unittest

import numpy as np

from qlinalg import numerics as nm
from qlinalg import reference as ref

# Columns chosen so scales are exact: amax 127 -> scale 1, amax 254 -> scale 2.
W = np.array([[127.0, -254.0], [-63.5, 1.0]], dtype=np.float32)


class QuantizeWeightsTest(unittest.TestCase):
    def test_hand_example(self) -> None:
        w_q, scales = ref.quantize_weights_per_channel(W)
        self.assertEqual(w_q.dtype, np.int8)
        self.assertEqual(scales.dtype, np.float32)
        np.testing.assert_array_equal(scales, [1.0, 2.0])
        # -63.5 -> -64 (half to even); 1/2 = 0.5 -> 0.
        np.testing.assert_array_equal(w_q, [[127, -127], [-64, 0]])

    def test_zero_column_and_narrow_range(self) -> None:
        w = np.array([[0.0, -1.0], [0.0, 0.5]], dtype=np.float32)
        w_q, scales = ref.quantize_weights_per_channel(w)
        self.assertEqual(float(scales[0]), 1.0)
        np.testing.assert_array_equal(w_q[:, 0], [0, 0])
        self.assertEqual(int(w_q[:, 1].min()), -127)  # never -128

    def test_four_bits(self) -> None:
        w = np.array([[3.5], [-7.0], [1.0]], dtype=np.float32)
        w_q, scales = ref.quantize_weights_per_channel(w, bits=4)
        self.assertEqual(float(scales[0]), 1.0)  # 7 / 7
        np.testing.assert_array_equal(w_q[:, 0], [4, -7, 1])  # 3.5 -> 4 (even)


class LinearQTest(unittest.TestCase):
    def test_hand_example(self) -> None:
        # acc_scale = 0.5 * [1, 2]; bias_q = [1/0.5, -3/1] = [2, -3];
        # acc = [10*127 + 20*64, -10*127] + bias = [2552, -1273];
        # M = [1/32, 1/16]: 2552/32 = 79.75 -> 80, -1273/16 = -79.5625 -> -80; + zp 5.
        x_q = np.array([[10, -20]], dtype=np.int8)
        b = np.array([1.0, -3.0], dtype=np.float32)
        for mode in nm.REQUANT_MODES:
            y_q, d = ref.linear_q(x_q, 0.5, 0, W, b, 16.0, 5, mode)
            self.assertEqual(y_q.dtype, np.int8)
            np.testing.assert_array_equal(d["bias_q"], [2, -3])
            np.testing.assert_array_equal(d["acc"], [[2552, -1273]])
            np.testing.assert_array_equal(d["acc_scale"], [0.5, 1.0])
            self.assertEqual(d["mult_shift"], [(2**30, -4), (2**30, -3)])
            np.testing.assert_array_equal(y_q, [[85, -75]])

    def test_zero_point_and_no_bias(self) -> None:
        # x_zp = 10 -> x - zp = [0, -30]; acc = [-30*-64, 0] = [1920, 0]; M = 0.5/16.
        x_q = np.array([[10, -20]], dtype=np.int8)
        y_q, d = ref.linear_q(x_q, 0.5, 10, W, None, 16.0, 0)
        self.assertIsNone(d["bias_q"])
        np.testing.assert_array_equal(d["acc"], [[1920, 0]])
        np.testing.assert_array_equal(y_q, [[60, 0]])

    def test_random_close_to_float(self) -> None:
        rng = np.random.default_rng(11)
        x = rng.normal(size=(64, 32)).astype(np.float32)
        w = (rng.normal(size=(32, 16)) * 0.2).astype(np.float32)
        b = (rng.normal(size=16) * 0.1).astype(np.float32)
        x_scale, x_zp = nm.choose_asymmetric(x.min(), x.max())
        y = ref.linear_f32(x, w, b)
        out_scale, out_zp = nm.choose_asymmetric(y.min(), y.max())
        x_q = nm.quantize(x, x_scale, x_zp, -128, 127)
        results = {}
        for mode in nm.REQUANT_MODES:
            y_q, _ = ref.linear_q(x_q, x_scale, x_zp, w, b, out_scale, out_zp, mode)
            results[mode] = y_q.astype(np.int64)
            err = np.abs(nm.dequantize(y_q, out_scale, out_zp) - y)
            self.assertLess(float(err.max()), 4 * float(out_scale), mode)
        self.assertLessEqual(np.abs(results["float"] - results["fixed-point"]).max(), 1)


class TwoLayerTest(unittest.TestCase):
    def setUp(self) -> None:
        rng = np.random.default_rng(21)
        self.w1 = (rng.normal(size=(8, 12)) * 0.4).astype(np.float32)
        self.b1 = (rng.normal(size=12) * 0.1).astype(np.float32)
        self.w2 = (rng.normal(size=(12, 4)) * 0.4).astype(np.float32)
        self.b2 = (rng.normal(size=4) * 0.1).astype(np.float32)
        self.batches = [rng.normal(size=(16, 8)).astype(np.float32) for _ in range(3)]

    def test_calibration_uses_global_minmax(self) -> None:
        params = ref.calibrate_two_layer(self.batches, self.w1, self.b1, self.w2, self.b2)
        x_all = np.concatenate(self.batches)
        self.assertEqual(params["x"], nm.choose_asymmetric(x_all.min(), x_all.max()))
        h_all = ref.linear_f32(x_all, self.w1, self.b1)
        s, z = params["h"]
        self.assertAlmostEqual(float(s), float(h_all.max() - h_all.min()) / 255, places=5)
        with self.assertRaises(ValueError):
            ref.calibrate_two_layer([], self.w1, self.b1, self.w2, self.b2)

    def test_chains_linear_q_and_tracks_float(self) -> None:
        p = ref.calibrate_two_layer(self.batches, self.w1, self.b1, self.w2, self.b2)
        x = self.batches[0]
        x_q = nm.quantize(x, *p["x"], -128, 127)
        y_q, d = ref.two_layer_q(x_q, *p["x"], self.w1, self.b1, *p["h"], self.w2, self.b2, *p["y"])
        h_q, _ = ref.linear_q(x_q, *p["x"], self.w1, self.b1, *p["h"])
        np.testing.assert_array_equal(d["h_q"], h_q)
        y_chain, _ = ref.linear_q(h_q, *p["h"], self.w2, self.b2, *p["y"])
        np.testing.assert_array_equal(y_q, y_chain)
        _, y_f = ref.two_layer_f32(x, self.w1, self.b1, self.w2, self.b2)
        err = np.abs(nm.dequantize(y_q, *p["y"]) - y_f)
        self.assertLess(float(err.max()), 6 * float(p["y"][0]))


if __name__ == "__main__":
    unittest.main()
