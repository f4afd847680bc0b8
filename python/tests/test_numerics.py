# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Unit tests for qlinalg.numerics against hand-computed, bit-exact values."""

from __future__ import annotations

import math
import unittest
from fractions import Fraction

import numpy as np

from qlinalg import numerics as nm

F32 = np.float32
I32_MIN, I32_MAX = -(2**31), 2**31 - 1


def _round_fraction(v: Fraction, rounding: str) -> int:
    """Exact rounding of a rational to an int (independent test oracle)."""
    fl = math.floor(v)
    rem = v - fl
    if rem > Fraction(1, 2):
        return fl + 1
    if rem < Fraction(1, 2):
        return fl
    if rounding == "half_to_even":
        return fl + (fl % 2)
    return fl + 1 if v > 0 else fl  # half away from zero


def _srdhm_oracle(a: int, b: int) -> int:
    """gemmlowp SRDHM as round-half-up of a*b / 2**31 (derived by hand)."""
    if a == b == I32_MIN:
        return I32_MAX
    return math.floor(Fraction(a * b, 2**31) + Fraction(1, 2))


class StorageRangeTest(unittest.TestCase):
    def test_native_ranges(self) -> None:
        self.assertEqual(nm.storage_range("i8"), (-128, 127))
        self.assertEqual(nm.storage_range("u8"), (0, 255))
        self.assertEqual(nm.storage_range("i16"), (-32768, 32767))
        self.assertEqual(nm.storage_range("i32"), (-2147483648, 2147483647))

    def test_bits_and_narrow(self) -> None:
        self.assertEqual(nm.storage_range("i8", bits=4), (-8, 7))
        self.assertEqual(nm.storage_range("i8", bits=2), (-2, 1))
        self.assertEqual(nm.storage_range("i8", bits=4, narrow=True), (-7, 7))
        self.assertEqual(nm.storage_range("i8", narrow=True), (-127, 127))
        self.assertEqual(nm.storage_range("u8", bits=4), (0, 15))

    def test_invalid(self) -> None:
        for args in (("f32",), ("i8", 1), ("i8", 9), ("u8", None, True)):
            with self.assertRaises(ValueError):
                nm.storage_range(*args)


class ChooseAsymmetricTest(unittest.TestCase):
    def assertParams(self, got, scale: float, zp: int) -> None:
        self.assertIsInstance(got[0], np.float32)
        self.assertEqual(float(got[0]), scale)
        self.assertEqual(got[1], zp)
        self.assertIsInstance(got[1], int)

    def test_zero_range(self) -> None:
        self.assertParams(nm.choose_asymmetric(0.0, 0.0), 1.0, -128)
        self.assertParams(nm.choose_asymmetric(0.0, 0.0, 0, 255), 1.0, 0)

    def test_all_positive_widened_to_zero(self) -> None:
        # Range becomes [0, 2]; scale = f32(2) / f32(255) = 0x1.010102p-7.
        self.assertParams(nm.choose_asymmetric(0.5, 2.0), float.fromhex("0x1.010102p-7"), -128)

    def test_all_negative(self) -> None:
        # Range [-3, 0]; scale = f32(3/255) = 0x1.818182p-7; -3/scale = -255.0 -> zp 127.
        self.assertParams(nm.choose_asymmetric(-3.0, -1.0), float.fromhex("0x1.818182p-7"), 127)

    def test_symmetric_range_uses_f32_division(self) -> None:
        # f32(2/255) = 0x1.010102p-7 is rounded UP from 2/255, so
        # -1/scale = -127.49999 and rint gives -127: zp = -128 + 127 = -1.
        # (An all-float64 computation would give -127.5 -> -128 -> zp 0.)
        self.assertParams(nm.choose_asymmetric(-1.0, 1.0), float.fromhex("0x1.010102p-7"), -1)
        # scale = f32(6)/f32(255) = 0x1.818182p-6; -3/scale = -127.4999975 exactly,
        # which rounds to -127.5 in f32 -> rint -128 -> zp 0 (float64 division: zp -1).
        self.assertParams(nm.choose_asymmetric(-3.0, 3.0), float.fromhex("0x1.818182p-6"), 0)

    def test_tiny_range_clamped_to_eps(self) -> None:
        # 1e-9 / 255 ~ 3.9e-12 < eps = 2**-23.
        self.assertParams(nm.choose_asymmetric(0.0, 1e-9), 2.0**-23, -128)

    def test_pytorch_quint8_example(self) -> None:
        # scale = f32(3)/f32(255); -1/scale = -85.0 exactly in f32; zp = 0 + 85.
        self.assertParams(nm.choose_asymmetric(-1.0, 2.0, 0, 255),
                          float.fromhex("0x1.818182p-7"), 85)

    def test_zp_is_clamped(self) -> None:
        # Range [0, 1e-9] with u8: zp = 0 - rint(0) = 0; range [-1e-9, 0]:
        # scale = eps, -1e-9/eps = -0.0083 -> rint 0 -> zp = qmin.
        self.assertParams(nm.choose_asymmetric(-1e-9, 0.0, 0, 255), 2.0**-23, 0)

    def test_errors(self) -> None:
        for lo, hi in ((math.nan, 1.0), (0.0, math.inf), (-math.inf, 0.0), (2.0, 1.0),
                       (0.0, 1e39), (-3e38, 3e38)):
            with self.assertRaises(ValueError):
                nm.choose_asymmetric(lo, hi)
        with self.assertRaisesRegex(ValueError, "rmin"):
            nm.choose_asymmetric(2.0, 1.0)
        with self.assertRaisesRegex(ValueError, "finite"):
            nm.choose_asymmetric(math.nan, 1.0)

    def test_per_channel(self) -> None:
        scales, zps = nm.choose_asymmetric_per_channel([0.0, -3.0, -1.0], [0.0, -1.0, 2.0], 0, 255)
        self.assertEqual(scales.dtype, np.float32)
        self.assertEqual(zps.dtype, np.int64)
        np.testing.assert_array_equal(
            scales, np.array([1.0, float.fromhex("0x1.818182p-7"),
                              float.fromhex("0x1.818182p-7")], dtype=np.float32))
        np.testing.assert_array_equal(zps, [0, 255, 85])
        with self.assertRaises(ValueError):
            nm.choose_asymmetric_per_channel([0.0, 1.0], [1.0])


class ChooseSymmetricTest(unittest.TestCase):
    def test_zero(self) -> None:
        s, z = nm.choose_symmetric(0.0, 0.0)
        self.assertEqual((float(s), z), (1.0, 0))

    def test_bits8(self) -> None:
        # amax = 2; f32(2)/f32(127) = 0x1.020408p-6 (2/127 rounded to f32).
        s, z = nm.choose_symmetric(-2.0, 1.0)
        self.assertIsInstance(s, np.float32)
        self.assertEqual((float(s), z), (float.fromhex("0x1.020408p-6"), 0))

    def test_bits4_and_eps(self) -> None:
        self.assertEqual(float(nm.choose_symmetric(-0.5, 3.5, bits=4)[0]), 0.5)  # 3.5/7
        self.assertEqual(float(nm.choose_symmetric(-1e-10, 0.0)[0]), 2.0**-23)

    def test_per_channel(self) -> None:
        scales, zps = nm.choose_symmetric_per_channel([-127.0, 0.0], [1.0, 254.0])
        np.testing.assert_array_equal(scales, np.array([1.0, 2.0], dtype=np.float32))
        np.testing.assert_array_equal(zps, [0, 0])

    def test_errors(self) -> None:
        with self.assertRaises(ValueError):
            nm.choose_symmetric(math.nan, 1.0)
        with self.assertRaises(ValueError):
            nm.choose_symmetric(0.0, 1.0, bits=1)


class QuantizeTest(unittest.TestCase):
    def test_ties_to_even(self) -> None:
        q = nm.quantize([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5], 1.0, 0, -128, 127)
        self.assertEqual(q.dtype, np.int8)
        np.testing.assert_array_equal(q, [0, 2, 2, 0, -2, -2, 4])

    def test_zero_point_added_after_rounding(self) -> None:
        # rint(0.5) + 3 = 3, whereas rint(0.5 + 3) would be 4.
        np.testing.assert_array_equal(nm.quantize([0.5], 1.0, 3, -128, 127), [3])

    def test_division_is_f32(self) -> None:
        # f32(0.35) / f32(0.1) == 3.5 exactly in f32 -> rint 4 (float64 gives 3.4999999 -> 3).
        np.testing.assert_array_equal(nm.quantize([0.35], 0.1, 0, -128, 127), [4])

    def test_saturation_and_nan(self) -> None:
        x = [1000.0, -1000.0, math.inf, -math.inf, math.nan]
        want = [127, -128, 127, -128, -128]
        np.testing.assert_array_equal(nm.quantize(x, 1.0, 0, -128, 127), want)
        want = [127, -127, 127, -127, -127]
        np.testing.assert_array_equal(nm.quantize(x, 1.0, 0, -127, 127), want)
        q = nm.quantize(x, 1.0, 128, 0, 255, dtype=np.uint8)
        self.assertEqual(q.dtype, np.uint8)
        np.testing.assert_array_equal(q, [255, 0, 255, 0, 0])

    def test_int32_storage_clamp(self) -> None:
        # f32(2147483647) == 2**31 which does not fit int32; clamp to 2**31 - 128.
        q = nm.quantize([2147483647.0, 3e9, -3e9, 100.0], 1.0, 0, I32_MIN, I32_MAX, dtype=np.int32)
        self.assertEqual(q.dtype, np.int32)
        np.testing.assert_array_equal(q, [2147483520, 2147483520, -2147483648, 100])

    def test_per_axis(self) -> None:
        x = np.array([[4.0, 4.0, 4.0], [-3.0, 6.0, 10.0]], dtype=np.float32)
        q = nm.quantize(x, [1.0, 2.0, 4.0], [0, 1, -1], -128, 127, axis=1)
        # 10/4 = 2.5 -> 2 (even), -1 -> 1.
        np.testing.assert_array_equal(q, [[4, 3, 0], [-3, 4, 1]])
        q0 = nm.quantize(x, [2.0, 1.0], [0, 5], -128, 127, axis=0)
        np.testing.assert_array_equal(q0, [[2, 2, 2], [2, 11, 15]])  # -3+5, 6+5, 10+5
        with self.assertRaises(ValueError):
            nm.quantize(x, [1.0, 2.0], 0, -128, 127, axis=1)

    def test_invalid(self) -> None:
        with self.assertRaises(ValueError):
            nm.quantize([1.0], 0.0, 0, -128, 127)
        with self.assertRaises(ValueError):
            nm.quantize([1.0], 1.0, 0, 0, 255, dtype=np.int8)
        with self.assertRaises(ValueError):
            nm.quantize([1.0], [1.0], 0, -128, 127)  # array scale without axis


class DequantizeTest(unittest.TestCase):
    def test_values(self) -> None:
        q = np.array([-128, 0, 127], dtype=np.int8)
        d = nm.dequantize(q, 0.5, -128)
        self.assertEqual(d.dtype, np.float32)
        np.testing.assert_array_equal(d, [0.0, 64.0, 127.5])

    def test_f32_multiply(self) -> None:
        # (3) * f32(0.1) rounded in f32 = 0x1.333334p-2 (float64 would be 0x1.3333338p-2).
        d = nm.dequantize(np.array([3], dtype=np.int8), 0.1, 0)
        self.assertEqual(float(d[0]), float.fromhex("0x1.333334p-2"))

    def test_per_axis(self) -> None:
        q = np.array([[1, 2], [3, 4]], dtype=np.int8)
        d = nm.dequantize(q, [1.0, 0.5], [1, 0], axis=1)
        np.testing.assert_array_equal(d, [[0.0, 1.0], [2.0, 2.0]])


class QuantizeBiasTest(unittest.TestCase):
    def test_values(self) -> None:
        acc_scale = np.float64(0.5) * np.float64(0.25)
        q = nm.quantize_bias([1.0, -0.25, 0.0625, 0.1875, 1e10, -1e10], acc_scale)
        self.assertEqual(q.dtype, np.int32)
        np.testing.assert_array_equal(q, [8, -2, 0, 2, I32_MAX, I32_MIN])

    def test_per_column(self) -> None:
        np.testing.assert_array_equal(nm.quantize_bias([1.0, 1.0], [0.5, 0.25]), [2, 4])

    def test_errors(self) -> None:
        with self.assertRaises(ValueError):
            nm.quantize_bias([math.nan], 1.0)
        with self.assertRaises(ValueError):
            nm.quantize_bias([1.0], 0.0)


class QMatmulTest(unittest.TestCase):
    def test_hand_example(self) -> None:
        a = np.array([[1, 2], [3, 4]], dtype=np.int8)
        b = np.array([[5, 6], [7, 8]], dtype=np.int8)
        bias = np.array([1, -1], dtype=np.int32)
        # (a - 1) = [[0, 1], [2, 3]]; @ b = [[7, 8], [31, 36]]; + bias.
        for fn in (nm.qmatmul, nm.qmatmul_decomposed):
            got = fn(a, 1, b, 0, bias)
            self.assertEqual(got.dtype, np.int32)
            np.testing.assert_array_equal(got, [[8, 7], [32, 35]])
        # Per-column zb = [5, 0]: (a - 1) @ [[0, 6], [2, 8]] = [[2, 8], [6, 36]].
        np.testing.assert_array_equal(nm.qmatmul(a, 1, b, [5, 0]), [[2, 8], [6, 36]])

    def test_matches_decomposed_random(self) -> None:
        rng = np.random.default_rng(1234)
        for lhs_dtype, za in ((np.int8, -7), (np.uint8, 131), (np.int8, 0)):
            info = np.iinfo(lhs_dtype)
            a = rng.integers(info.min, info.max + 1, size=(9, 37)).astype(lhs_dtype)
            b = rng.integers(-128, 128, size=(37, 11)).astype(np.int8)
            zb = rng.integers(-128, 128, size=11)
            bias = rng.integers(-2**20, 2**20, size=11).astype(np.int32)
            direct = nm.qmatmul(a, za, b, zb, bias)
            np.testing.assert_array_equal(direct, nm.qmatmul_decomposed(a, za, b, zb, bias))
            # Independent scalar check of one element.
            m, n = 4, 7
            want = sum((int(a[m, k]) - za) * (int(b[k, n]) - int(zb[n])) for k in range(37))
            self.assertEqual(int(direct[m, n]), want + int(bias[n]))

    def test_overflow(self) -> None:
        k = 2**17  # 255 * 255 * 2**17 > 2**31
        a = np.full((1, k), -128, dtype=np.int8)
        b = np.full((k, 1), -128, dtype=np.int8)
        for fn in (nm.qmatmul, nm.qmatmul_decomposed):
            with self.assertRaises(OverflowError):
                fn(a, 127, b, 127)

    def test_shape_errors(self) -> None:
        a = np.zeros((2, 3), dtype=np.int8)
        with self.assertRaises(ValueError):
            nm.qmatmul(a, 0, np.zeros((2, 3), dtype=np.int8), 0)
        with self.assertRaises(ValueError):
            nm.qmatmul(a, 0, np.zeros((3, 2), dtype=np.int8), [1, 2, 3])


class QuantizeMultiplierTest(unittest.TestCase):
    def test_spec_values(self) -> None:
        self.assertEqual(nm.quantize_multiplier(0.0), (0, 0))
        self.assertEqual(nm.quantize_multiplier(0.5), (2**30, 0))
        self.assertEqual(nm.quantize_multiplier(0.25), (2**30, -1))
        self.assertEqual(nm.quantize_multiplier(1.0), (2**30, 1))
        self.assertEqual(nm.quantize_multiplier(1.0 - 2.0**-40), (2**30, 1))  # carry
        self.assertEqual(nm.quantize_multiplier(2.0**-40), (0, 0))
        # frexp(0.3) = (0.6, -1); 0.6 * 2**31 = 1288490188.8 -> 1288490189.
        self.assertEqual(nm.quantize_multiplier(0.3), (1288490189, -1))

    def test_half_rounds_away(self) -> None:
        # q * 2**31 = 3 * 2**29 + 0.5 exactly -> 3 * 2**29 + 1.
        self.assertEqual(nm.quantize_multiplier(0.75 + 2.0**-32), (3 * 2**29 + 1, 0))

    def test_limits(self) -> None:
        self.assertEqual(nm.quantize_multiplier(2.0**29), (2**30, 30))
        self.assertEqual(nm.quantize_multiplier(2.0**-32), (2**30, -31))
        self.assertEqual(nm.quantize_multiplier(2.0**-33), (0, 0))
        for bad in (2.0**30, -0.5, math.nan, math.inf):
            with self.assertRaises(ValueError):
                nm.quantize_multiplier(bad)


class SrdhmTest(unittest.TestCase):
    def check(self, a: int, b: int, want: int) -> None:
        got = nm.saturating_rounding_doubling_high_mul(np.array([a]), np.array([b]))
        self.assertEqual(got.dtype, np.int32)
        self.assertEqual(int(got[0]), want, f"srdhm({a}, {b})")

    def test_saturation(self) -> None:
        self.check(I32_MIN, I32_MIN, I32_MAX)

    def test_hand_computed(self) -> None:
        # (3*2**30 + 2**30) / 2**31 = 2 exactly.
        self.check(3, 2**30, 2)
        # (-3*2**30 + 1 - 2**30) / 2**31 = -1.99999999953 -> truncates to -1.
        self.check(-3, 2**30, -1)
        # (2**30 + 2**30) / 2**31 = 1; (-2**30 + 1 - 2**30) / 2**31 = -0.9999 -> 0.
        self.check(1, 2**30, 1)
        self.check(-1, 2**30, 0)
        # -(2**62 - 2**31) + 1 - 2**30 over 2**31 = -2**31 + 0.5 + 2**-31 -> -2**31 + 1.
        self.check(I32_MIN, I32_MAX, -2147483647)
        # (2**62 - 2**32 + 1 + 2**30) / 2**31 = 2**31 - 2 + 0.5000000005 -> 2**31 - 2.
        self.check(I32_MAX, I32_MAX, 2147483646)
        self.check(0, I32_MIN, 0)

    def test_random_against_round_half_up_oracle(self) -> None:
        rng = np.random.default_rng(7)
        a = rng.integers(I32_MIN, I32_MAX, size=3000, endpoint=True)
        b = rng.integers(I32_MIN, I32_MAX, size=3000, endpoint=True)
        b[:100] = 2**30  # plenty of exact ties
        a[100:110] = I32_MIN
        b[100:110] = I32_MIN
        got = nm.saturating_rounding_doubling_high_mul(a, b)
        want = [_srdhm_oracle(int(x), int(y)) for x, y in zip(a, b)]
        np.testing.assert_array_equal(got, want)

    def test_rejects_out_of_range(self) -> None:
        with self.assertRaises(ValueError):
            nm.saturating_rounding_doubling_high_mul(np.array([2**31]), np.array([1]))


class RoundingDivideByPotTest(unittest.TestCase):
    def check(self, x: int, e: int, away: int, even: int) -> None:
        self.assertEqual(int(nm.rounding_divide_by_pot(x, e)), away, f"away {x}/2**{e}")
        self.assertEqual(int(nm.rounding_divide_by_pot(x, e, "half_to_even")), even,
                         f"even {x}/2**{e}")

    def test_ties(self) -> None:
        self.check(3, 1, 2, 2)
        self.check(5, 1, 3, 2)
        self.check(-3, 1, -2, -2)
        self.check(-5, 1, -3, -2)
        self.check(12, 3, 2, 2)   # 1.5
        self.check(-12, 3, -2, -2)
        self.check(20, 3, 3, 2)   # 2.5
        self.check(-20, 3, -3, -2)

    def test_non_ties_and_identity(self) -> None:
        self.check(7, 0, 7, 7)
        self.check(-7, 0, -7, -7)
        self.check(7, 2, 2, 2)    # 1.75
        self.check(-7, 2, -2, -2)
        self.check(5, 2, 1, 1)    # 1.25
        self.check(-5, 2, -1, -1)
        self.check(I32_MIN, 31, -1, -1)
        self.check(I32_MAX, 31, 1, 1)

    def test_array_exponent(self) -> None:
        got = nm.rounding_divide_by_pot(np.array([[5, 5, 5]]), np.array([0, 1, 2]))
        np.testing.assert_array_equal(got, [[5, 3, 1]])

    def test_random_against_fraction_oracle(self) -> None:
        rng = np.random.default_rng(3)
        x = rng.integers(I32_MIN, I32_MAX, size=2000, endpoint=True)
        e = rng.integers(0, 32, size=2000)
        for rounding in nm.ROUNDING_MODES:
            got = nm.rounding_divide_by_pot(x, e, rounding)
            want = [_round_fraction(Fraction(int(v), 2 ** int(s)), rounding) for v, s in zip(x, e)]
            np.testing.assert_array_equal(got, want)

    def test_errors(self) -> None:
        with self.assertRaises(ValueError):
            nm.rounding_divide_by_pot(1, 32)
        with self.assertRaises(ValueError):
            nm.rounding_divide_by_pot(1, 1, "floor")


class MultiplyByQuantizedMultiplierTest(unittest.TestCase):
    def test_hand_values(self) -> None:
        # M = 0.3: srdhm(100, 1288490189) = (128849018900 + 2**30) / 2**31 = 60.50000001 -> 60;
        # 60 / 2 = 30.
        self.assertEqual(int(nm.multiply_by_quantized_multiplier(100, 1288490189, -1)), 30)
        # M = 0.25: srdhm(5, 2**30) = 2.5 -> 3; then 3 / 2 = 1.5 -> 2 (double rounding; 1.25 exact).
        self.assertEqual(int(nm.multiply_by_quantized_multiplier(5, 2**30, -1)), 2)

    def test_left_shift_saturates(self) -> None:
        # M = 4 -> (2**30, 3); 2**29 * 8 saturates to INT32_MAX; srdhm(INT32_MAX, 2**30) = 2**30.
        self.assertEqual(nm.quantize_multiplier(4.0), (2**30, 3))
        self.assertEqual(int(nm.multiply_by_quantized_multiplier(2**29, 2**30, 3)), 2**30)
        self.assertEqual(int(nm.multiply_by_quantized_multiplier(-(2**29), 2**30, 3)), -(2**30))


def _fixed_point_oracle(x: int, m: float, rounding: str) -> int:
    """Independent exact model: round-half-up at 2**-31, then ``rounding`` at 2**-right."""
    mult, shift = nm.quantize_multiplier(m)
    xl = max(I32_MIN, min(I32_MAX, x * 2 ** max(shift, 0)))
    return _round_fraction(Fraction(_srdhm_oracle(xl, mult), 2 ** max(-shift, 0)), rounding)


class RequantizeTest(unittest.TestCase):
    def rq(self, acc, acc_scale, mode, rounding=None, zp=0, qmin=-128, qmax=127, dtype=np.int8):
        out = nm.requantize(np.array(acc, dtype=np.int32), acc_scale, 1.0, zp, qmin, qmax,
                            mode=mode, rounding=rounding, dtype=dtype)
        self.assertEqual(out.dtype, dtype)
        return out.tolist()

    def test_ties_each_mode(self) -> None:
        # M = 0.5 -> (2**30, 0): srdhm(5, 2**30) = 3, srdhm(-5, 2**30) = (-6*2**30 + 1)/2**31 -> -2.
        self.assertEqual(self.rq([[5, -5]], 0.5, "fixed-point"), [[3, -2]])
        self.assertEqual(self.rq([[5, -5]], 0.5, "float"), [[2, -2]])
        self.assertEqual(self.rq([[5, -5]], 0.5, "float", "half_away_from_zero"), [[3, -3]])

    def test_double_rounding_is_part_of_the_contract(self) -> None:
        # 5 * 0.25 = 1.25, but fixed-point rounds 2.5 -> 3 then 1.5 -> 2.
        self.assertEqual(self.rq([[5]], 0.25, "fixed-point"), [[2]])
        self.assertEqual(self.rq([[5]], 0.25, "float"), [[1]])

    def test_per_column_and_rounding(self) -> None:
        # col0 M=0.5: 5. col1 M=0.25: srdhm(10, 2**30) = 5.5 -> 5; 5/2 = 2.5 -> 3 away / 2 even.
        self.assertEqual(self.rq([[10, 10]], [0.5, 0.25], "fixed-point"), [[5, 3]])
        self.assertEqual(self.rq([[10, 10]], [0.5, 0.25], "fixed-point", "half_to_even"), [[5, 2]])
        self.assertEqual(self.rq([[10, 10]], [0.5, 0.25], "float"), [[5, 2]])
        self.assertEqual(self.rq([[10, 10]], [0.5, 0.25], "float", "half_away_from_zero"), [[5, 3]])

    def test_zero_point_and_clamp(self) -> None:
        for mode in nm.REQUANT_MODES:
            self.assertEqual(self.rq([[1000, -1000, 7]], 0.5, mode, zp=10), [[127, -128, 14]])
            self.assertEqual(self.rq([[-1000, 7]], 0.5, mode, zp=-128, qmin=-127), [[-127, -124]])

    def test_float_half_away_is_exact(self) -> None:
        # acc * f32(0.5 - 2**-25) = 0.49999997: must round to 0 (floor(|y| + 0.5) in f32 gives 1).
        m = 0.5 - 2.0**-25
        self.assertEqual(self.rq([[1, -1, 5, -5]], m, "float", "half_away_from_zero"),
                         [[0, 0, 2, -2]])
        self.assertEqual(self.rq([[1, -1]], 2.5, "float", "half_away_from_zero"), [[3, -3]])

    def test_float_mode_is_f32(self) -> None:
        # f32(2**24 + 1) = 2**24; f32(2**31 - 1) = 2**31 clamps to 2**31 - 128.
        out = self.rq([[2**24 + 1, I32_MAX, I32_MIN]], 1.0, "float",
                      qmin=I32_MIN, qmax=I32_MAX, dtype=np.int32)
        self.assertEqual(out, [[2**24, 2147483520, I32_MIN]])
        # M32 = f32(0.1) = 0x1.99999ap-4; 5 * M32 = 0.5000000149 exactly, which rounds
        # to 0.5 in f32 -> rint -> 0 (a float64 product would round to 1).
        self.assertEqual(self.rq([[5]], 0.1, "float"), [[0]])
        # Same with per-column scales; f32(0.1) as acc_scale makes M exactly f32(0.1),
        # so only the f32 product (0.5, not 0.5000000075) separates 0 from 1.
        self.assertEqual(self.rq([[5, 5]], [float(np.float32(0.1)), 0.5], "float"), [[0, 2]])
        # M is rounded to f32 before the multiply: f32(0.3) = 0.3000000119, so
        # 95 * M32 = 28.50000113 -> f32 28.500002 -> 29 (float64 M: 28.5 -> 28).
        self.assertEqual(self.rq([[95, 95]], [0.3, 0.3], "float"), [[29, 29]])
        self.assertEqual(self.rq([[95]], 0.3, "float"), [[29]])

    def test_random_matches_float64_int8_clamped(self) -> None:
        rng = np.random.default_rng(2024)
        acc = rng.integers(-2**20, 2**20, size=(4000, 16), endpoint=True).astype(np.int32)
        m = rng.uniform(1e-4, 0.5, size=16)
        want = np.clip(np.rint(acc * m) + 3, -128, 127)
        for mode in nm.REQUANT_MODES:
            got = nm.requantize(acc, m, 1.0, 3, -128, 127, mode=mode).astype(np.int64)
            diff = np.abs(got - want)
            self.assertLessEqual(diff.max(), 1, mode)
            self.assertGreater((diff == 0).mean(), 0.99, mode)

    def test_random_in_range_outputs(self) -> None:
        # Unsaturated outputs, so rounding actually matters. Float mode agrees with
        # float64 for > 99% of elements. Fixed-point double-rounds: a column whose
        # right shift is r disagrees for about 2**-(r+1) of elements.
        rng = np.random.default_rng(99)
        m = np.exp(rng.uniform(np.log(1e-4), np.log(0.5), size=24))
        bound = np.minimum(np.floor(120 / m), 2**20).astype(np.int64)
        acc = (rng.uniform(-1, 1, size=(3000, 24)) * bound).astype(np.int32)
        exact = np.rint(acc * m)
        got_float = nm.requantize(acc, m, 1.0, 0, -128, 127, mode="float").astype(np.int64)
        self.assertLessEqual(np.abs(got_float - exact).max(), 1)
        self.assertGreater((got_float == exact).mean(), 0.99)
        got_fixed = nm.requantize(acc, m, 1.0, 0, -128, 127, mode="fixed-point").astype(np.int64)
        self.assertLessEqual(np.abs(got_fixed - exact).max(), 1)
        for n in range(24):
            right = -nm.quantize_multiplier(m[n])[1]
            rate = (got_fixed[:, n] != exact[:, n]).mean()
            self.assertLessEqual(rate, 2.0 ** -right + 0.01, f"column {n}, right shift {right}")

    def test_fixed_point_matches_exact_oracle(self) -> None:
        rng = np.random.default_rng(5)
        m = np.array([0.5, 0.25, 0.3, 1e-3, 0.0123, 2.0**-20, 3.7, 1.0])
        acc = rng.integers(-2**24, 2**24, size=(150, m.size), endpoint=True)
        acc[0, :] = [1, -1, 5, -5, 3, -3, 2**29, I32_MIN]
        for rounding in nm.ROUNDING_MODES:
            got = nm.requantize(acc.astype(np.int32), m, 1.0, 0, I32_MIN, I32_MAX,
                                mode="fixed-point", rounding=rounding, dtype=np.int32)
            want = [[_fixed_point_oracle(int(acc[i, n]), m[n], rounding) for n in range(m.size)]
                    for i in range(acc.shape[0])]
            np.testing.assert_array_equal(got, want)

    def test_multiplier_uses_float64_division(self) -> None:
        # acc_scale / out_scale in float64; f32 out_scale 0.1 is 0x1.99999ap-4.
        out_scale = np.float32(0.1)
        m = np.float64(0.5) / np.float64(out_scale)  # 4.99999992549...
        # frexp(m) = (0.62499999068..., 3); q * 2**31 = 1342177260.0000002 -> 1342177260.
        self.assertEqual(nm.quantize_multiplier(m), (1342177260, 3))
        got = nm.requantize(np.array([[100]], dtype=np.int32), 0.5, out_scale, 0, -1000, 1000,
                            dtype=np.int16)
        self.assertEqual(got.tolist(), [[500]])

    def test_errors(self) -> None:
        acc = np.zeros((2, 3), dtype=np.int32)
        with self.assertRaises(ValueError):
            nm.requantize(acc, [1.0, 2.0], 1.0, 0, -128, 127)
        with self.assertRaises(ValueError):
            nm.requantize(acc, 1.0, 1.0, 0, -128, 127, mode="double")
        with self.assertRaises(ValueError):
            nm.requantize(acc, 1.0, 0.0, 0, -128, 127)
        with self.assertRaises(ValueError):
            nm.requantize(np.array([[2**40]]), 1.0, 1.0, 0, -128, 127)


class ElementwiseTest(unittest.TestCase):
    def test_add_close_to_the_real_sum(self):
        # Both modes stay within one output step of the exact real sum.
        rng = np.random.default_rng(3)
        a = rng.integers(-128, 128, 500).astype(np.int8)
        b = rng.integers(-128, 128, 500).astype(np.int8)
        sa, sb, so = 0.031, 0.017, 0.043
        real = (sa * (a.astype(float) + 4) + sb * (b.astype(float) - 9)) / np.float64(np.float32(so))
        exact = np.clip(np.round(real) - 2, -128, 127)
        for mode in ("fixed-point", "float"):
            y = nm.qadd(a, sa, -4, b, sb, 9, so, -2, -128, 127, mode=mode)
            self.assertLessEqual(np.max(np.abs(y.astype(int) - exact)), 1, mode)

    def test_add_ties_follow_the_rounding(self):
        # (1 - 0) * 0.5 + 0 = 0.5: away from zero gives 1, to even 0.
        a = np.array([1, -1, 3], np.int8)
        b = np.array([0, 0, 0], np.int8)
        for mode in ("fixed-point", "float"):
            away = nm.qadd(a, 1.0, 0, b, 1.0, 0, 2.0, 0, -128, 127, mode=mode,
                           rounding="half_away_from_zero")
            even = nm.qadd(a, 1.0, 0, b, 1.0, 0, 2.0, 0, -128, 127, mode=mode,
                           rounding="half_to_even")
            np.testing.assert_array_equal(away, [1, -1, 2])
            np.testing.assert_array_equal(even, [0, 0, 2])

    def test_add_multipliers(self):
        self.assertEqual(nm.add_multipliers(0.5, 0.25, 1.0), (0.5, 0.25, 2.0**-20))

    def test_mul_is_a_requantized_product(self):
        a = np.array([-128, 5, 127], np.int8)
        b = np.array([127, -3, 127], np.int8)
        y = nm.qmul(a, 0.5, 1, b, 0.25, -1, 1.0, 0, -128, 127, mode="float")
        # (a - 1) * (b + 1) * 0.125
        np.testing.assert_array_equal(y, [-128, -1, 127])

    def test_rejects_mismatched_shapes_and_wide_storage(self):
        with self.assertRaises(ValueError):
            nm.qadd(np.zeros(2, np.int8), 1.0, 0, np.zeros(3, np.int8), 1.0, 0, 1.0, 0, -128, 127)
        with self.assertRaises(ValueError):
            nm.qmul(np.zeros(2, np.int16), 1.0, 0, np.zeros(2, np.int8), 1.0, 0, 1.0, 0, -128, 127)



class DynamicQuantizeTest(unittest.TestCase):
    """ONNX DynamicQuantizeLinear, as its node test cases compute it."""

    def onnx(self, x):
        x = np.asarray(x, np.float32)
        lo, hi = np.minimum(0, np.min(x)), np.maximum(0, np.max(x))
        s = np.float32((hi - lo) / (255 - 0))
        z = np.clip(round((0 - lo) / s), 0, 255).astype(np.uint8)
        return np.clip(np.round(x / s) + z, 0, 255).astype(np.uint8), s, int(z)

    def test_matches_onnx(self):
        rng = np.random.default_rng(5)
        for x in ([0, 2, -3, -2.5, 1.34, 0.5], [-1.0, -2.1, -1.3, -2.5, -3.34, -4.0],
                  [1, 2.1, 1.3, 2.5, 3.34, 4.0], rng.normal(0.3, 2.0, (7, 9))):
            q, s, z = nm.dynamic_quantize(x)
            rq, rs, rz = self.onnx(x)
            self.assertEqual(q.dtype, np.uint8)
            np.testing.assert_array_equal(q, rq)
            self.assertEqual(s.view(np.int32), rs.view(np.int32))
            self.assertEqual(z, rz)

    def test_all_zero_has_unit_scale(self):
        q, s, z = nm.dynamic_quantize(np.zeros((3, 2), np.float32))
        self.assertEqual((float(s), z), (1.0, 0))
        np.testing.assert_array_equal(q, np.zeros((3, 2), np.uint8))

    def test_signed_range(self):
        q, s, z = nm.dynamic_quantize([-1.0, 3.0], signed=True)
        self.assertEqual(q.dtype, np.int8)
        self.assertEqual(s, np.float32(4.0 / 255.0))
        self.assertEqual(z, -128 + int(np.rint(np.float32(1.0) / s)))
        self.assertEqual(int(q[0]), -128)
        self.assertEqual(int(q[1]), 127)

    def test_dequantize_dynamic_rounds_the_scale_product_first(self):
        acc = np.array([[3, -7], [100, 2**20]], np.int32)
        ws = np.array([0.1, 0.3], np.float32)
        y = nm.dequantize_dynamic(acc, np.float32(0.7), ws, axis=1)
        expected = acc.astype(np.float32) * (np.float32(0.7) * ws)[np.newaxis, :]
        np.testing.assert_array_equal(y.view(np.int32), expected.view(np.int32))


if __name__ == "__main__":
    unittest.main()
