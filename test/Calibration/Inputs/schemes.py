#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Data and checks of schemes.test (quantization schemes of --qlinalg-quantize
on Inputs/two_layer.mlir: t0 = x, t2 = x @ W1 + b1, t3 = t2 @ W2; t1, the
product before the bias, is not observed).

    schemes.py gen OUTDIR
        Calibration batches c0..c3.npy (uniform in [-2, 3], 7, 16, 3 and 30
        rows) and eval.npy (64 rows, partly beyond the calibrated range so
        that quantize and requantize saturate).
    schemes.py check OUTDIR QUANTIZED.mlir OUTPUT.npy [options]
        --weights=symmetric|asymmetric  --bits=N  --granularity=per-channel|per-tensor
        --activations=asymmetric|symmetric  --pow2  --base=DEFAULT.mlir
      Checks that
        - every activation type (t0, t2, t3) is the scheme's: storage range
          [-128, 127] asymmetric or [-127, 127] with zero point 0 symmetric,
          parameters = python/qlinalg choose_asymmetric / choose_symmetric of
          the table's [min, max];
        - the weights' types are the scheme's: storage [-(2^(b-1)-1),
          2^(b-1)-1] symmetric or [-2^(b-1), 2^(b-1)-1] asymmetric, one scale
          (and zero point) per output column or one for the tensor, from the
          float weights' min/max (recovered from the float model);
        - with --pow2 every scale is a power of two (math.frexp mantissa 0.5),
          equal to the scale of --base (the same options without
          power-of-two) rounded up to the next power of two, zero points
          recomputed from the range's lower end;
        - quantizing the float weights with the IR's parameters gives the IR's
          i8 constants, and the int8 path in python/qlinalg (quantize,
          qmatmul with per-channel zero points, bias, requantize,
          dequantize) gives OUTPUT.npy (qlinalg-run on eval.npy) bit for bit.
"""

from __future__ import annotations

import math
import os
import sys

sys.dont_write_bytecode = True
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calib_common import (Failure, QuantizedModule, expect, f32_equal,  # noqa: E402
                          float_constants, load_json, run_main, run_reference)
from qlinalg import numerics as nm  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
F32 = np.float32


def cmd_gen(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(31)
    for i, rows in enumerate((7, 16, 3, 30)):
        np.save(os.path.join(out, f"c{i}.npy"),
                rng.uniform(-2.0, 3.0, size=(rows, 8)).astype(F32))
    ev = rng.uniform(-2.0, 3.0, size=(64, 8))
    ev[:8] *= 1.75  # beyond the calibrated range: saturation
    np.save(os.path.join(out, "eval.npy"), ev.astype(F32))
    print("wrote c0..c3.npy (7, 16, 3, 30 rows) and eval.npy (64 rows)")


def pow2_params(scale, zp, rmin, qmin, qmax, symmetric):
    """numerics::toPowerOfTwoScale: the scale rounded up to a power of two,
    the zero point recomputed from min(rmin, 0) when asymmetric."""
    mantissa, exponent = math.frexp(float(scale))
    s = F32(scale) if mantissa == 0.5 else F32(math.ldexp(1.0, exponent))
    if not symmetric:
        shifted = int(np.rint(F32(min(F32(rmin), F32(0))) / s))
        zp = max(qmin, min(qmax, qmin - shifted))
    return s, zp


def scheme_params(lo, hi, symmetric, bits, pow2):
    """(scale, zp, qmin, qmax) of a scheme for the real range [lo, hi]."""
    half = 2 ** (bits - 1)
    if symmetric:
        qmin, qmax = -(half - 1), half - 1
        s, z = nm.choose_symmetric(lo, hi, bits)
    else:
        qmin, qmax = -half, half - 1
        s, z = nm.choose_asymmetric(lo, hi, qmin, qmax)
    if pow2:
        s, z = pow2_params(s, z, lo, qmin, qmax, symmetric)
    return F32(s), int(z), qmin, qmax


def parse_options(args):
    opts = {"weights": "symmetric", "bits": "8", "granularity": "per-channel",
            "activations": "asymmetric", "pow2": False, "base": None}
    for a in args:
        key, _, value = a[2:].partition("=")
        expect(a.startswith("--") and key in opts, f"unknown option {a}")
        opts[key] = True if key == "pow2" else value
    opts["bits"] = int(opts["bits"])
    return opts


def cmd_check(out: str, ir_path: str, output_path: str, args) -> None:
    o = parse_options(args)
    table = load_json(os.path.join(out, "table.json"))
    qm = QuantizedModule(ir_path)
    base = QuantizedModule(o["base"]) if o["base"] else None
    consts = float_constants(os.path.join(HERE, "two_layer.mlir"))
    weights, biases = [consts["w1"], consts["w2"]], [consts["b1"], None]
    expect(len(qm.matmuls) == 2, f"{ir_path}: expected 2 quantized matmuls")

    # Activations.
    sym_a = o["activations"] == "symmetric"
    for tid in ("t0", "t2", "t3"):
        t = qm.types[tid]
        e = table["tensors"][tid]
        s, z, qmin, qmax = scheme_params(e["min"], e["max"], sym_a, 8, o["pow2"])
        expect((t.storage, t.qmin, t.qmax, t.axis) == ("i8", qmin, qmax, None),
               f"{tid}: type {t}, expected per-tensor i8 [{qmin}, {qmax}]")
        expect((t.scale, t.zero_point) == (s, z),
               f"{tid}: (scale, zp) ({t.scale!r}, {t.zero_point}) != {o['activations']} "
               f"scheme's ({s!r}, {z})")
    print(f"activations: {o['activations']}, i8 [{qm.types['t0'].qmin}, "
          f"{qm.types['t0'].qmax}], zero points "
          f"{[qm.types[t].zero_point for t in ('t0', 't2', 't3')]}: ok")

    # Weights.
    sym_w = o["weights"] == "symmetric"
    per_channel = o["granularity"] == "per-channel"
    for i, (mm, w) in enumerate(zip(qm.matmuls, weights)):
        t = mm.rhs_type
        if per_channel:
            lo, hi = np.minimum(w.min(axis=0), 0), np.maximum(w.max(axis=0), 0)
        else:
            lo, hi = np.array([min(w.min(), 0)]), np.array([max(w.max(), 0)])
        want = [scheme_params(a, b, sym_w, o["bits"], o["pow2"]) for a, b in zip(lo, hi)]
        qmin, qmax = want[0][2], want[0][3]
        expect((t.storage, t.qmin, t.qmax) == ("i8", qmin, qmax),
               f"W{i + 1}: type {t}, expected storage i8<{qmin}:{qmax}>")
        expect(t.axis == (1 if per_channel else None),
               f"W{i + 1}: type {t} is not {o['granularity']}")
        expect(list(t.scales) == [s for s, _, _, _ in want]
               and list(t.zero_points) == [z for _, z, _, _ in want],
               f"W{i + 1}: scales {list(t.scales)} zps {t.zero_points} != the scheme's "
               f"{[(s, z) for s, z, _, _ in want]}")
        nonzero = sum(1 for z in t.zero_points if z)
        print(f"W{i + 1}: i8<{t.qmin}:{t.qmax}>, {len(t.scales)} scale(s), {nonzero} non-zero "
              f"zero point(s), i8 values in [{mm.rhs_const.min()}, {mm.rhs_const.max()}]: ok")

    # Powers of two.
    if o["pow2"]:
        scales = qm.all_scales()
        bad = [s for s in scales if math.frexp(s)[0] != 0.5]
        expect(not bad, f"scales that are not powers of two: {bad}")
        expect(base is not None, "--pow2 needs --base")
        base_scales = base.all_scales()
        expect(len(base_scales) == len(scales), "the base module has other types")
        for s, b in zip(scales, base_scales):
            m, e = math.frexp(b)
            expect(s == (b if m == 0.5 else math.ldexp(1.0, e)),
                   f"scale {s} is not {b} rounded up to a power of two")
        print(f"power-of-two: {len(scales)} scales, each the next power of two of the "
              f"scale without power-of-two: ok")

    # Bit exact.
    x = np.load(os.path.join(out, "eval.npy"))
    got = np.load(output_path)
    ref = run_reference(qm, x, weights, biases)
    if not f32_equal(got, ref):
        bad = np.argwhere(got.view(np.uint32) != ref.view(np.uint32))
        r, c = bad[0]
        raise Failure(f"{output_path}: {len(bad)} outputs differ from the python/qlinalg "
                      f"reference, first at [{r}, {c}]: {got[r, c]!r} vs {ref[r, c]!r}")
    mode = qm.matmuls[0].multiplier
    print(f"bit-exact: ok ({ref.size} outputs, requantize={mode})")


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "gen":
        cmd_gen(args[1])
    elif len(args) >= 4 and args[0] == "check":
        cmd_check(args[1], args[2], args[3], args[4:])
    else:
        raise Failure(__doc__)


if __name__ == "__main__":
    run_main(main)
