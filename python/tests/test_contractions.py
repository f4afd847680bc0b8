# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Unit tests for qlinalg.numerics' batch matmul, zero-point padding and convolutions.

The convolutions are checked against naive loop nests over Python ints that
handle padding by skipping out-of-bounds taps, so they check
pad_with_zero_point too: a tap on a zero-point element contributes 0.
"""

from __future__ import annotations

import itertools
import unittest
from unittest import mock

import numpy as np

from qlinalg import numerics as nm

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
DTYPES = (np.int8, np.uint8)
# (strides, dilations) pairs covering stride 2 and dilation 2 in each dimension.
GEOMETRIES = (((1, 1), (1, 1)), ((2, 2), (1, 1)), ((1, 1), (2, 2)), ((2, 1), (1, 2)),
              ((2, 2), (2, 2)))
PADS_HW = ((1, 2), (2, 1))  # (top, bottom), (left, right)


def _rand_q(rng: np.random.Generator, dtype: type, shape) -> np.ndarray:
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


def _rand_zp(rng: np.random.Generator, dtype: type, size=None):
    info = np.iinfo(dtype)
    z = rng.integers(info.min, info.max, size=size, endpoint=True)
    return int(z) if size is None else z


def _out_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def _naive_conv_nhwc_hwcf(x, zx, w, zw, strides, dilations, pads_hw, bias):
    """7 nested loops (n, oh, ow, f, kh, kw, c) over Python ints; implicit zero padding."""
    n_, h_, w_, c_ = x.shape
    kh_, kw_, _, f_ = w.shape
    (sh, sw), (dh, dw), ((pt, pb), (pl, pr)) = strides, dilations, pads_hw
    oh_ = _out_size(h_ + pt + pb, kh_, sh, dh)
    ow_ = _out_size(w_ + pl + pr, kw_, sw, dw)
    out = np.zeros((n_, oh_, ow_, f_), dtype=np.int64)
    for n in range(n_):
        for oh in range(oh_):
            for ow in range(ow_):
                for f in range(f_):
                    acc = int(bias[f])
                    for kh in range(kh_):
                        for kw in range(kw_):
                            for c in range(c_):
                                ih, iw = oh * sh + kh * dh - pt, ow * sw + kw * dw - pl
                                if 0 <= ih < h_ and 0 <= iw < w_:
                                    acc += ((int(x[n, ih, iw, c]) - zx)
                                            * (int(w[kh, kw, c, f]) - int(zw[f])))
                    out[n, oh, ow, f] = acc
    return out


def _naive_conv_nchw_fchw(x, zx, w, zw, strides, dilations, pads_hw, bias):
    """7 nested loops (n, f, oh, ow, c, kh, kw) over Python ints; implicit zero padding."""
    n_, c_, h_, w_ = x.shape
    f_, _, kh_, kw_ = w.shape
    (sh, sw), (dh, dw), ((pt, pb), (pl, pr)) = strides, dilations, pads_hw
    oh_ = _out_size(h_ + pt + pb, kh_, sh, dh)
    ow_ = _out_size(w_ + pl + pr, kw_, sw, dw)
    out = np.zeros((n_, f_, oh_, ow_), dtype=np.int64)
    for n in range(n_):
        for f in range(f_):
            for oh in range(oh_):
                for ow in range(ow_):
                    acc = int(bias[f])
                    for c in range(c_):
                        for kh in range(kh_):
                            for kw in range(kw_):
                                ih, iw = oh * sh + kh * dh - pt, ow * sw + kw * dw - pl
                                if 0 <= ih < h_ and 0 <= iw < w_:
                                    acc += ((int(x[n, c, ih, iw]) - zx)
                                            * (int(w[f, c, kh, kw]) - int(zw[f])))
                    out[n, f, oh, ow] = acc
    return out


def _naive_depthwise_nhwc_hwc(x, zx, w, zw, strides, dilations, pads_hw, bias):
    """6 nested loops (n, oh, ow, c, kh, kw) over Python ints; implicit zero padding."""
    n_, h_, w_, c_ = x.shape
    kh_, kw_, _ = w.shape
    (sh, sw), (dh, dw), ((pt, pb), (pl, pr)) = strides, dilations, pads_hw
    oh_ = _out_size(h_ + pt + pb, kh_, sh, dh)
    ow_ = _out_size(w_ + pl + pr, kw_, sw, dw)
    out = np.zeros((n_, oh_, ow_, c_), dtype=np.int64)
    for n in range(n_):
        for oh in range(oh_):
            for ow in range(ow_):
                for c in range(c_):
                    acc = int(bias[c])
                    for kh in range(kh_):
                        for kw in range(kw_):
                            ih, iw = oh * sh + kh * dh - pt, ow * sw + kw * dw - pl
                            if 0 <= ih < h_ and 0 <= iw < w_:
                                acc += ((int(x[n, ih, iw, c]) - zx)
                                        * (int(w[kh, kw, c]) - int(zw[c])))
                    out[n, oh, ow, c] = acc
    return out


class PadWithZeroPointTest(unittest.TestCase):
    def test_hand_example(self) -> None:
        x = np.array([[1, 2], [3, 4]], dtype=np.int8)
        got = nm.pad_with_zero_point(x, [(1, 0), (0, 2)], -5)
        self.assertEqual(got.dtype, np.int8)
        np.testing.assert_array_equal(got, [[-5, -5, -5, -5], [1, 2, -5, -5], [3, 4, -5, -5]])

    def test_nhwc_uint8(self) -> None:
        x = _rand_q(np.random.default_rng(0), np.uint8, (2, 3, 4, 5))
        got = nm.pad_with_zero_point(x, ((0, 0), (1, 2), (2, 1), (0, 0)), np.int64(128))
        self.assertEqual(got.dtype, np.uint8)
        self.assertEqual(got.shape, (2, 6, 7, 5))
        np.testing.assert_array_equal(got[:, 1:4, 2:6, :], x)
        border = np.ones(got.shape, dtype=bool)
        border[:, 1:4, 2:6, :] = False
        self.assertTrue(np.all(got[border] == 128))
        # No padding is the identity.
        np.testing.assert_array_equal(nm.pad_with_zero_point(x, [(0, 0)] * 4, 3), x)

    def test_errors(self) -> None:
        x = np.zeros((2, 3), dtype=np.uint8)
        bad = (
            (x, [(1, 1)], 0),                  # one pair for a 2-D tensor
            (x, [(1, 1), (0, -1)], 0),         # negative pad
            (x, [(1, 1), (0, 1.5)], 0),        # non-integer pad
            (x, [(1, 1), (0, 1, 2)], 0),       # not a pair
            (x, [(1, 1), 2], 0),               # not a sequence
            (x, [(1, 1), (0, 0)], 256),        # zp does not fit u8
            (x, [(1, 1), (0, 0)], -1),
            (x, [(1, 1), (0, 0)], 1.0),        # float zp
            (x.astype(np.float32), [(1, 1), (0, 0)], 0),
        )
        for args in bad:
            with self.subTest(args=args[1:]), self.assertRaises(ValueError):
                nm.pad_with_zero_point(*args)


class QConv2dNhwcHwcfTest(unittest.TestCase):
    def test_hand_example(self) -> None:
        x = np.arange(1, 10, dtype=np.int8).reshape(1, 3, 3, 1)  # centred by zx=1: 0..8
        w = np.zeros((2, 2, 1, 2), dtype=np.int8)
        w[:, :, 0, 0] = [[1, 0], [0, 1]]  # zw 0: the diagonal pair
        w[:, :, 0, 1] = 2                 # zw 1: the 2x2 box sum
        bias = np.array([1, -1], dtype=np.int32)
        got = nm.qconv2d_nhwc_hwcf(x, 1, w, [0, 1], bias_q=bias)
        self.assertEqual(got.dtype, np.int32)
        np.testing.assert_array_equal(got[0, :, :, 0], [[5, 7], [11, 13]])
        np.testing.assert_array_equal(got[0, :, :, 1], [[7, 11], [19, 23]])
        # Stride 2 keeps only the top-left output; dilation 2 takes the corners.
        np.testing.assert_array_equal(nm.qconv2d_nhwc_hwcf(x, 1, w, [0, 1], (2, 2))[0, :, :, 0],
                                      [[4]])
        np.testing.assert_array_equal(
            nm.qconv2d_nhwc_hwcf(x, 1, w, [0, 1], (1, 1), (2, 2))[0, 0, 0], [8, 16])

    def test_random_against_naive(self) -> None:
        rng = np.random.default_rng(11)
        for x_dt, w_dt in itertools.product(DTYPES, DTYPES):
            for strides, dilations in GEOMETRIES:
                x = _rand_q(rng, x_dt, (2, 9, 8, 3))
                w = _rand_q(rng, w_dt, (3, 2, 3, 5))
                zx, zw = _rand_zp(rng, x_dt), _rand_zp(rng, w_dt, 5)
                bias = rng.integers(-2**20, 2**20, size=5).astype(np.int32)
                xp = nm.pad_with_zero_point(x, ((0, 0),) + PADS_HW + ((0, 0),), zx)
                got = nm.qconv2d_nhwc_hwcf(xp, zx, w, zw, strides, dilations, bias)
                want = _naive_conv_nhwc_hwcf(x, zx, w, zw, strides, dilations, PADS_HW, bias)
                with self.subTest(x=x_dt.__name__, w=w_dt.__name__, strides=strides,
                                  dilations=dilations):
                    self.assertEqual(got.dtype, np.int32)
                    np.testing.assert_array_equal(got, want)

    def test_scalar_zw_and_no_bias(self) -> None:
        rng = np.random.default_rng(12)
        x = _rand_q(rng, np.uint8, (1, 7, 5, 2))
        w = _rand_q(rng, np.int8, (3, 3, 2, 3))
        got = nm.qconv2d_nhwc_hwcf(x, 100, w, -3, (2, 1), (1, 2))
        want = _naive_conv_nhwc_hwcf(x, 100, w, [-3] * 3, (2, 1), (1, 2), ((0, 0), (0, 0)),
                                     [0] * 3)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got, nm.qconv2d_nhwc_hwcf(x, 100, w, [-3] * 3, (2, 1),
                                                                (1, 2)))

    def test_output_size(self) -> None:
        x = np.zeros((2, 17, 16, 4), dtype=np.int8)
        w = np.zeros((3, 2, 4, 6), dtype=np.int8)
        # OH = (17 - 2*2 - 1) // 2 + 1 = 7; OW = (16 - 1*1 - 1) // 3 + 1 = 5.
        self.assertEqual(nm.qconv2d_nhwc_hwcf(x, 0, w, 0, (2, 3), (2, 1)).shape, (2, 7, 5, 6))
        # The kernel extent equal to the input size gives a single output.
        self.assertEqual(nm.qconv2d_nhwc_hwcf(x, 0, w, 0, (1, 1), (8, 15)).shape, (2, 1, 1, 6))

    def test_1x1_equals_qmatmul(self) -> None:
        rng = np.random.default_rng(13)
        x = _rand_q(rng, np.int8, (2, 5, 3, 7))
        w = _rand_q(rng, np.uint8, (1, 1, 7, 4))
        zw = _rand_zp(rng, np.uint8, 4)
        bias = rng.integers(-1000, 1000, size=4).astype(np.int32)
        got = nm.qconv2d_nhwc_hwcf(x, -9, w, zw, bias_q=bias)
        want = nm.qmatmul(x.reshape(-1, 7), -9, w.reshape(7, 4), zw, bias)
        np.testing.assert_array_equal(got.reshape(-1, 4), want)

    def test_overflow(self) -> None:
        # 255 * 255 * 33026 = 2147515650 > INT32_MAX.
        x = np.full((1, 1, 1, 33026), 255, dtype=np.uint8)
        w = np.full((1, 1, 33026, 1), 255, dtype=np.uint8)
        with self.assertRaises(OverflowError):
            nm.qconv2d_nhwc_hwcf(x, 0, w, 0)
        with self.assertRaises(OverflowError):  # the same magnitude, negative
            nm.qconv2d_nhwc_hwcf(x, 0, w, 510)
        # 255 * 255 * 33025 = 2147450625 fits; a bias of 2**16 pushes it out.
        fits = nm.qconv2d_nhwc_hwcf(x[..., :-1], 0, w[:, :, :-1], 0)
        self.assertEqual(int(fits[0, 0, 0, 0]), 255 * 255 * 33025)
        with self.assertRaises(OverflowError):
            nm.qconv2d_nhwc_hwcf(x[..., :-1], 0, w[:, :, :-1], 0,
                                 bias_q=np.array([2**16], dtype=np.int32))

    def test_errors(self) -> None:
        x = np.zeros((1, 5, 5, 3), dtype=np.int8)
        w = np.zeros((3, 3, 3, 2), dtype=np.int8)
        bad = {
            "channel mismatch": (x, 0, np.zeros((3, 3, 4, 2), np.int8), 0, (1, 1), (1, 1)),
            "kernel too tall": (x, 0, np.zeros((6, 1, 3, 2), np.int8), 0, (1, 1), (1, 1)),
            "dilated kernel too wide": (x, 0, w, 0, (1, 1), (1, 3)),
            "empty kernel": (x, 0, np.zeros((0, 3, 3, 2), np.int8), 0, (1, 1), (1, 1)),
            "zero stride": (x, 0, w, 0, (0, 1), (1, 1)),
            "one stride": (x, 0, w, 0, (1,), (1, 1)),
            "float stride": (x, 0, w, 0, (1.5, 1), (1, 1)),
            "bool dilation": (x, 0, w, 0, (1, 1), (True, 1)),
            "scalar dilation": (x, 0, w, 0, (1, 1), 2),
            "int16 input": (x.astype(np.int16), 0, w, 0, (1, 1), (1, 1)),
            "float input": (x.astype(np.float32), 0, w, 0, (1, 1), (1, 1)),
            "int32 filter": (x, 0, w.astype(np.int32), 0, (1, 1), (1, 1)),
            "3-D input": (x[0], 0, w, 0, (1, 1), (1, 1)),
            "3-D filter": (x, 0, w[..., 0], 0, (1, 1), (1, 1)),
            "zw length": (x, 0, w, [0, 0, 0], (1, 1), (1, 1)),
            "zx array": (x, [0], w, 0, (1, 1), (1, 1)),
            "float zx": (x, 0.5, w, 0, (1, 1), (1, 1)),
            "float zw": (x, 0, w, np.array([0.0, 1.0]), (1, 1), (1, 1)),
            "zx beyond int32": (x, 2**31, w, 0, (1, 1), (1, 1)),
            "zw beyond int32": (x, 0, w, [0, -(2**31) - 1], (1, 1), (1, 1)),
        }
        for name, args in bad.items():
            with self.subTest(name), self.assertRaises(ValueError):
                nm.qconv2d_nhwc_hwcf(*args)
        for bias in (np.zeros(3, np.int32), np.zeros(2, np.float32),
                     np.array([2**31, 0], dtype=np.int64)):
            with self.subTest(bias=bias), self.assertRaises(ValueError):
                nm.qconv2d_nhwc_hwcf(x, 0, w, 0, bias_q=bias)

    def test_target_size_is_fast_enough(self) -> None:
        rng = np.random.default_rng(14)
        x = _rand_q(rng, np.uint8, (2, 17, 17, 16))
        w = _rand_q(rng, np.int8, (3, 3, 16, 24))
        got = nm.qconv2d_nhwc_hwcf(x, 128, w, _rand_zp(rng, np.int8, 24), (2, 2), (1, 1))
        self.assertEqual(got.shape, (2, 8, 8, 24))


class QConv2dNchwFchwTest(unittest.TestCase):
    def test_random_against_naive(self) -> None:
        rng = np.random.default_rng(21)
        for x_dt, w_dt in itertools.product(DTYPES, DTYPES):
            for strides, dilations in GEOMETRIES:
                x = _rand_q(rng, x_dt, (2, 3, 9, 8))
                w = _rand_q(rng, w_dt, (5, 3, 3, 2))
                zx, zw = _rand_zp(rng, x_dt), _rand_zp(rng, w_dt, 5)
                bias = rng.integers(-2**20, 2**20, size=5).astype(np.int32)
                xp = nm.pad_with_zero_point(x, ((0, 0), (0, 0)) + PADS_HW, zx)
                got = nm.qconv2d_nchw_fchw(xp, zx, w, zw, strides, dilations, bias)
                want = _naive_conv_nchw_fchw(x, zx, w, zw, strides, dilations, PADS_HW, bias)
                with self.subTest(x=x_dt.__name__, w=w_dt.__name__, strides=strides,
                                  dilations=dilations):
                    self.assertEqual(got.dtype, np.int32)
                    self.assertTrue(got.flags.c_contiguous)
                    np.testing.assert_array_equal(got, want)

    def test_equals_nhwc_after_transposes(self) -> None:
        rng = np.random.default_rng(22)
        for x_dt, w_dt in itertools.product(DTYPES, DTYPES):
            x = _rand_q(rng, x_dt, (2, 17, 17, 16))
            w = _rand_q(rng, w_dt, (3, 3, 16, 24))
            zx, zw = _rand_zp(rng, x_dt), _rand_zp(rng, w_dt, 24)
            bias = rng.integers(-2**20, 2**20, size=24).astype(np.int32)
            nhwc = nm.qconv2d_nhwc_hwcf(x, zx, w, zw, (2, 1), (1, 2), bias)
            nchw = nm.qconv2d_nchw_fchw(x.transpose(0, 3, 1, 2), zx, w.transpose(3, 2, 0, 1), zw,
                                        (2, 1), (1, 2), bias)
            np.testing.assert_array_equal(nchw, nhwc.transpose(0, 3, 1, 2))

    def test_errors(self) -> None:
        x = np.zeros((1, 3, 5, 5), dtype=np.uint8)
        w = np.zeros((2, 3, 3, 3), dtype=np.uint8)
        bad = {
            "channel mismatch": (x, 0, np.zeros((2, 4, 3, 3), np.uint8), 0),
            "1x1 hwcf filter": (x, 0, np.zeros((1, 1, 3, 2), np.uint8), 0),
            "kernel too wide": (x, 0, np.zeros((2, 3, 3, 6), np.uint8), 0),
            "zw per input channel": (x, 0, w, [0, 0, 0]),
            "3-D input": (x[0], 0, w, 0),
        }
        for name, args in bad.items():
            with self.subTest(name), self.assertRaises(ValueError):
                nm.qconv2d_nchw_fchw(*args)
        with self.assertRaises(ValueError):
            nm.qconv2d_nchw_fchw(x, 0, w, 0, bias_q=np.zeros(3, np.int32))


class QDepthwiseConv2dTest(unittest.TestCase):
    def test_random_against_naive(self) -> None:
        rng = np.random.default_rng(31)
        for x_dt, w_dt in itertools.product(DTYPES, DTYPES):
            for strides, dilations in GEOMETRIES:
                x = _rand_q(rng, x_dt, (2, 9, 8, 5))
                w = _rand_q(rng, w_dt, (3, 2, 5))
                zx, zw = _rand_zp(rng, x_dt), _rand_zp(rng, w_dt, 5)
                bias = rng.integers(-2**20, 2**20, size=5).astype(np.int32)
                xp = nm.pad_with_zero_point(x, ((0, 0),) + PADS_HW + ((0, 0),), zx)
                got = nm.qdepthwise_conv2d_nhwc_hwc(xp, zx, w, zw, strides, dilations, bias)
                want = _naive_depthwise_nhwc_hwc(x, zx, w, zw, strides, dilations, PADS_HW,
                                                 bias)
                with self.subTest(x=x_dt.__name__, w=w_dt.__name__, strides=strides,
                                  dilations=dilations):
                    self.assertEqual(got.dtype, np.int32)
                    np.testing.assert_array_equal(got, want)

    def test_equals_per_channel_conv(self) -> None:
        rng = np.random.default_rng(32)
        x = _rand_q(rng, np.uint8, (2, 11, 13, 6))
        w = _rand_q(rng, np.int8, (3, 3, 6))
        zw = _rand_zp(rng, np.int8, 6)
        got = nm.qdepthwise_conv2d_nhwc_hwc(x, 77, w, zw, (2, 2), (1, 2))
        for c in range(6):
            one = nm.qconv2d_nhwc_hwcf(x[..., c:c + 1], 77, w[:, :, c:c + 1, np.newaxis],
                                       zw[c:c + 1], (2, 2), (1, 2))
            np.testing.assert_array_equal(got[..., c], one[..., 0])

    def test_errors(self) -> None:
        x = np.zeros((1, 5, 5, 3), dtype=np.int8)
        w = np.zeros((3, 3, 3), dtype=np.int8)
        bad = {
            "4-D filter": (x, 0, np.zeros((3, 3, 3, 1), np.int8), 0),
            "channel mismatch": (x, 0, np.zeros((3, 3, 2), np.int8), 0),
            "zw length": (x, 0, w, [0, 0]),
            "kernel too tall": (x, 0, np.zeros((6, 3, 3), np.int8), 0),
        }
        for name, args in bad.items():
            with self.subTest(name), self.assertRaises(ValueError):
                nm.qdepthwise_conv2d_nhwc_hwc(*args)
        with self.assertRaises(ValueError):
            nm.qdepthwise_conv2d_nhwc_hwc(x, 0, w, 0, bias_q=np.zeros(2, np.int32))

    def test_overflow(self) -> None:
        # 255 * 255 * 6 * 5616 = 2191024800 > INT32_MAX on the 6 x 5616 window.
        x = np.full((1, 6, 5616, 1), 255, dtype=np.uint8)
        w = np.full((6, 5616, 1), 255, dtype=np.uint8)
        with self.assertRaises(OverflowError):
            nm.qdepthwise_conv2d_nhwc_hwc(x, 0, w, 0)


class FloatConvTest(unittest.TestCase):
    """The f32 helpers on small integers (exact in float) against the int32 convolutions."""

    def setUp(self) -> None:
        rng = np.random.default_rng(41)
        self.x = rng.integers(-8, 9, size=(2, 9, 10, 4))
        self.w = rng.integers(-8, 9, size=(3, 2, 4, 5))
        self.bias = rng.integers(-50, 51, size=5)

    def test_nhwc_hwcf(self) -> None:
        for strides, dilations in GEOMETRIES:
            got = nm.conv2d_nhwc_hwcf_f32(self.x.astype(np.float32), self.w, strides, dilations,
                                          self.bias.astype(np.float32))
            want = nm.qconv2d_nhwc_hwcf(self.x.astype(np.int8), 0, self.w.astype(np.int8), 0,
                                        strides, dilations, self.bias.astype(np.int32))
            self.assertEqual(got.dtype, np.float32)
            np.testing.assert_array_equal(got, want)

    def test_nchw_fchw(self) -> None:
        x, w = self.x.transpose(0, 3, 1, 2), self.w.transpose(3, 2, 0, 1)
        for strides, dilations in GEOMETRIES:
            got = nm.conv2d_nchw_fchw_f32(x, w, strides, dilations, self.bias)
            want = nm.qconv2d_nchw_fchw(x.astype(np.int8), 0, w.astype(np.int8), 0, strides,
                                        dilations, self.bias.astype(np.int32))
            self.assertEqual(got.dtype, np.float32)
            np.testing.assert_array_equal(got, want)

    def test_depthwise(self) -> None:
        w = self.w[:, :, :, 0]
        for strides, dilations in GEOMETRIES:
            got = nm.depthwise_conv2d_nhwc_hwc_f32(self.x, w, strides, dilations)
            want = nm.qdepthwise_conv2d_nhwc_hwc(self.x.astype(np.int8), 0, w.astype(np.int8),
                                                 0, strides, dilations)
            np.testing.assert_array_equal(got, want)

    def test_dequantized_quantized_conv_matches(self) -> None:
        # scale_x * scale_w * qconv(x_q, w_q) == conv_f32(dequant(x_q), dequant(w_q)) up to f32.
        rng = np.random.default_rng(42)
        x_q = _rand_q(rng, np.uint8, (1, 8, 8, 3))
        w_q = _rand_q(rng, np.int8, (3, 3, 3, 4))
        sw = rng.uniform(0.01, 0.1, size=4).astype(np.float32)
        acc = nm.qconv2d_nhwc_hwcf(x_q, 120, w_q, 0, (2, 2), (1, 1))
        y = nm.conv2d_nhwc_hwcf_f32(nm.dequantize(x_q, 0.05, 120),
                                    nm.dequantize(w_q, sw, [0] * 4, axis=3), (2, 2), (1, 1))
        np.testing.assert_allclose(y, acc * (np.float64(0.05) * sw.astype(np.float64)),
                                   rtol=1e-5, atol=1e-5)

    def test_errors(self) -> None:
        with self.assertRaises(ValueError):
            nm.conv2d_nhwc_hwcf_f32(self.x, self.w[:, :, :3])
        with self.assertRaises(ValueError):
            nm.conv2d_nhwc_hwcf_f32(self.x, self.w, bias=np.zeros(4))
        with self.assertRaises(ValueError):
            nm.conv2d_nchw_fchw_f32(self.x, self.w)  # as NCHW/FCHW: C = 9 vs 2
        with self.assertRaises(ValueError):
            nm.depthwise_conv2d_nhwc_hwc_f32(self.x, self.w)


class QBatchMatmulTest(unittest.TestCase):
    def test_equals_per_batch_qmatmul(self) -> None:
        rng = np.random.default_rng(51)
        for a_dt, b_dt in itertools.product(DTYPES, DTYPES):
            a = _rand_q(rng, a_dt, (3, 5, 17))
            b = _rand_q(rng, b_dt, (3, 17, 7))
            za, zb = _rand_zp(rng, a_dt), _rand_zp(rng, b_dt, 7)
            bias = rng.integers(-2**20, 2**20, size=7).astype(np.int32)
            for zb_arg, bias_arg in ((zb, bias), (int(zb[0]), None)):
                got = nm.qbatch_matmul(a, za, b, zb_arg, bias_arg)
                self.assertEqual(got.dtype, np.int32)
                self.assertEqual(got.shape, (3, 5, 7))
                for i in range(3):
                    np.testing.assert_array_equal(got[i],
                                                  nm.qmatmul(a[i], za, b[i], zb_arg, bias_arg))
            # One element by hand.
            want = sum((int(a[2, 4, k]) - za) * (int(b[2, k, 6]) - int(zb[6])) for k in range(17))
            self.assertEqual(int(nm.qbatch_matmul(a, za, b, zb, bias)[2, 4, 6]),
                             want + int(bias[6]))

    def test_overflow(self) -> None:
        k = 2**17  # 255 * 255 * 2**17 > 2**31
        a = np.full((2, 1, k), -128, dtype=np.int8)
        b = np.full((2, k, 1), -128, dtype=np.int8)
        with self.assertRaises(OverflowError):
            nm.qbatch_matmul(a, 127, b, 127)

    def test_errors(self) -> None:
        a = np.zeros((2, 3, 4), dtype=np.int8)
        bad = {
            "batch mismatch": (a, 0, np.zeros((3, 4, 5), np.int8), 0),
            "contraction mismatch": (a, 0, np.zeros((2, 3, 5), np.int8), 0),
            "2-D lhs": (a[0], 0, np.zeros((2, 4, 5), np.int8), 0),
            "2-D rhs": (a, 0, np.zeros((4, 5), np.int8), 0),
            "zb length": (a, 0, np.zeros((2, 4, 5), np.int8), [0] * 4),
            "int16 rhs": (a, 0, np.zeros((2, 4, 5), np.int16), 0),
        }
        for name, args in bad.items():
            with self.subTest(name), self.assertRaises(ValueError):
                nm.qbatch_matmul(*args)
        with self.assertRaises(ValueError):
            nm.qbatch_matmul(a, 0, np.zeros((2, 4, 5), np.int8), 0, np.zeros(4, np.int32))


class QMatmulUnsignedRhsTest(unittest.TestCase):
    def test_hand_example_u8_u8(self) -> None:
        a = np.array([[200, 10]], dtype=np.uint8)
        b = np.array([[255], [0]], dtype=np.uint8)
        # (200 - 128) * (255 - 128) + (10 - 128) * (0 - 128) = 9144 + 15104.
        for fn in (nm.qmatmul, nm.qmatmul_decomposed):
            np.testing.assert_array_equal(fn(a, 128, b, 128), [[24248]])

    def test_random_u8_rhs(self) -> None:
        rng = np.random.default_rng(61)
        for a_dt in DTYPES:
            a = _rand_q(rng, a_dt, (6, 29))
            b = _rand_q(rng, np.uint8, (29, 8))
            za, zb = _rand_zp(rng, a_dt), _rand_zp(rng, np.uint8, 8)
            got = nm.qmatmul(a, za, b, zb)
            want = (a.astype(np.int64) - za) @ (b.astype(np.int64) - zb)
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(nm.qmatmul_decomposed(a, za, b, zb), want)

    def test_other_rhs_dtypes_rejected(self) -> None:
        a = np.zeros((2, 3), dtype=np.uint8)
        for dt in (np.int16, np.int32, np.float32):
            with self.subTest(dt=dt.__name__), self.assertRaises(ValueError):
                nm.qmatmul(a, 0, np.zeros((3, 2), dtype=dt), 0)


class ExactAccumulationTest(unittest.TestCase):
    def test_int64_unless_the_bound_is_too_large(self) -> None:
        small = np.array([255, -383])
        self.assertIs(nm._exact_dtype(2**20, small, small), np.int64)
        big = np.array([2**31 + 255])
        self.assertIs(nm._exact_dtype(4, big, big), object)

    def test_python_int_fallback_matches_int64(self) -> None:
        rng = np.random.default_rng(71)
        x = _rand_q(rng, np.uint8, (2, 7, 6, 3))
        w = _rand_q(rng, np.int8, (2, 3, 3, 4))
        a = _rand_q(rng, np.int8, (2, 3, 5))
        b = _rand_q(rng, np.uint8, (2, 5, 4))
        zw = _rand_zp(rng, np.int8, 4)
        bias = rng.integers(-2**20, 2**20, size=4).astype(np.int32)
        cases = (
            lambda: nm.qconv2d_nhwc_hwcf(x, 130, w, zw, (2, 1), (1, 2), bias),
            lambda: nm.qconv2d_nchw_fchw(x.transpose(0, 3, 1, 2), 130, w.transpose(3, 2, 0, 1),
                                         zw, (1, 2), (2, 1), bias),
            lambda: nm.qdepthwise_conv2d_nhwc_hwc(x, 130, w[:, :, :, 0], zw[:3], (2, 2),
                                                  (1, 1), bias[:3]),
            lambda: nm.qbatch_matmul(a, -3, b, zw, bias),
        )
        for i, case in enumerate(cases):
            want = case()
            with mock.patch.object(nm, "_INT64_EXACT_LIMIT", 0):
                got = case()
            with self.subTest(case=i):
                self.assertEqual(got.dtype, np.int32)
                np.testing.assert_array_equal(got, want)


if __name__ == "__main__":
    unittest.main()
