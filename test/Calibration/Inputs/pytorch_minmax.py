#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""estimator=minmax against PyTorch's MinMaxObserver / PerChannelMinMaxObserver.

torch is not imported: the observers' formulas (torch.ao.quantization.observer,
UniformQuantizationObserverBase._calculate_qparams) are written out below, in
f32 as torch computes them, and fed with the running min/max the observers
would hold after seeing the same batches.

    pytorch_minmax.py gen OUTDIR
        Batches, all exact in f32 (see Inputs/two_layer.mlir):
          c{i}.npy        inputs of two_layer.mlir, multiples of 2^-4 in
                          [0.25, 3] (all positive: the range widens to 0),
                          4 batches of 3, 9, 16 and 5 rows;
          a{i}.npy,w{i}.npy   inputs of arg_weights.mlir: x in [-3, -0.5]
                          (all negative), w multiples of 2^-4 in [-2, 2],
                          different in every batch, 3 batches of 4, 7, 2 rows;
          s{i}.npy        tiny inputs of arg_weights.mlir, multiples of 2^-26
                          in [-3e-6, -1e-7], so that the range / 255 is below
                          f32 epsilon and the scale is clamped to epsilon.
    pytorch_minmax.py const TABLE QUANTIZED.mlir OUTDIR
        two_layer.mlir: t0, t2 (= x @ W1 + b1), t3 (= t2 @ W2) against
        MinMaxObserver (qint8 affine, and quint8 with the zero point + 128),
        W1 and W2 against PerChannelMinMaxObserver(ch_axis=1, qint8,
        per_channel_symmetric, quant_min=-127, quant_max=127).
    pytorch_minmax.py arg TABLE QUANTIZED.mlir OUTDIR PREFIX WPREFIX
        arg_weights.mlir on batches PREFIX{i}.npy,WPREFIX{i}.npy: t0 and t2
        against MinMaxObserver, t1 (the weights argument, per-channel ranges
        in the table) against PerChannelMinMaxObserver over all batches.
"""

from __future__ import annotations

import os
import sys

sys.dont_write_bytecode = True
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from calib_common import (Failure, QuantizedModule, expect, float_constants,  # noqa: E402
                          load_json, run_main)

F32 = np.float32
TORCH_EPS = np.finfo(np.float32).eps  # torch.finfo(torch.float32).eps, the observers' eps
HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------
# PyTorch's formulas
# --------------------------------------------------------------------------

def torch_round(x: np.ndarray) -> np.ndarray:
    """torch.round: round half to even."""
    return np.rint(x)


def torch_affine_qparams(min_val, max_val, quant_min: int, quant_max: int):
    """MinMaxObserver(dtype, qscheme=torch.per_tensor_affine) calculate_qparams:
        min_val_neg = torch.min(min_val, 0); max_val_pos = torch.max(max_val, 0)
        scale = (max_val_pos - min_val_neg) / float(quant_max - quant_min)
        scale = torch.max(scale, eps)
        zero_point = quant_min - torch.round(min_val_neg / scale).to(torch.int)
        zero_point = torch.clamp(zero_point, quant_min, quant_max)
    all on float32 tensors."""
    min_val = np.asarray(min_val, dtype=F32)
    max_val = np.asarray(max_val, dtype=F32)
    min_val_neg = np.minimum(min_val, F32(0))
    max_val_pos = np.maximum(max_val, F32(0))
    scale = ((max_val_pos - min_val_neg) / F32(float(quant_max - quant_min))).astype(F32)
    scale = np.maximum(scale, F32(TORCH_EPS))
    zero_point = quant_min - torch_round((min_val_neg / scale).astype(F32)).astype(np.int64)
    zero_point = np.clip(zero_point, quant_min, quant_max)
    return scale, zero_point


def torch_symmetric_qparams(min_val, max_val, quant_min: int = -127, quant_max: int = 127):
    """PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=per_channel_symmetric,
    quant_min=-127, quant_max=127) calculate_qparams:
        max_val_pos = torch.max(-min_val_neg, max_val_pos)
        scale = max_val_pos / (float(quant_max - quant_min) / 2)
        scale = torch.max(scale, eps); zero_point = 0 (qint8)."""
    min_val = np.asarray(min_val, dtype=F32)
    max_val = np.asarray(max_val, dtype=F32)
    min_val_neg = np.minimum(min_val, F32(0))
    max_val_pos = np.maximum(max_val, F32(0))
    max_val_pos = np.maximum(-min_val_neg, max_val_pos)
    scale = (max_val_pos / F32(float(quant_max - quant_min) / 2)).astype(F32)
    scale = np.maximum(scale, F32(TORCH_EPS))
    return scale, np.zeros(scale.shape, dtype=np.int64)


class MinMaxObserver:
    """The running min/max of torch's MinMaxObserver.forward."""

    def __init__(self):
        self.min_val = F32(np.inf)
        self.max_val = F32(-np.inf)

    def __call__(self, x):
        self.min_val = min(self.min_val, F32(np.min(x)))
        self.max_val = max(self.max_val, F32(np.max(x)))


class PerChannelMinMaxObserver:
    """The running per-channel min/max of torch's PerChannelMinMaxObserver."""

    def __init__(self, ch_axis: int):
        self.ch_axis = ch_axis
        self.min_val = None
        self.max_val = None

    def __call__(self, x):
        y = np.moveaxis(np.asarray(x, dtype=F32), self.ch_axis, 0).reshape(x.shape[self.ch_axis], -1)
        lo, hi = y.min(axis=1), y.max(axis=1)
        if self.min_val is None:
            self.min_val, self.max_val = lo, hi
        else:
            self.min_val = np.minimum(self.min_val, lo)
            self.max_val = np.maximum(self.max_val, hi)


# --------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------

def check_activation(qm: QuantizedModule, table: dict, tid: str, obs: MinMaxObserver) -> None:
    t = qm.types.get(tid)
    expect(t is not None, f"{qm.path}: no quantized type for tensor id '{tid}'")
    entry = table["tensors"][tid]
    # The table's statistics are the observer's running min/max (exact data).
    expect(entry["min"] == float(obs.min_val) and entry["max"] == float(obs.max_val),
           f"{tid}: table range [{entry['min']!r}, {entry['max']!r}] != numpy's "
           f"[{float(obs.min_val)!r}, {float(obs.max_val)!r}]")
    expect((t.storage, t.qmin, t.qmax, t.axis) == ("i8", -128, 127, None),
           f"{tid}: activation type {t} is not per-tensor i8 [-128, 127]")
    s8, z8 = torch_affine_qparams(obs.min_val, obs.max_val, -128, 127)
    su8, zu8 = torch_affine_qparams(obs.min_val, obs.max_val, 0, 255)
    ours = (t.scale, t.zero_point)
    expect(ours[0] == s8 and ours[1] == int(z8),
           f"{tid}: ours (scale {ours[0]!r}, zp {ours[1]}) != MinMaxObserver(qint8, "
           f"quant_min=-128, quant_max=127) (scale {s8!r}, zp {int(z8)}) for range "
           f"[{obs.min_val!r}, {obs.max_val!r}]")
    expect(ours[0] == su8 and ours[1] + 128 == int(zu8),
           f"{tid}: ours (scale {ours[0]!r}, zp {ours[1]} + 128) != MinMaxObserver(quint8) "
           f"(scale {su8!r}, zp {int(zu8)})")
    print(f"{tid}: range [{float(obs.min_val)!r}, {float(obs.max_val)!r}] -> scale "
          f"{float(ours[0])!r} zp {ours[1]}: = MinMaxObserver qint8 (zp {int(z8)}) "
          f"and quint8 (zp {int(zu8)})")


def check_weights(what: str, t, obs: PerChannelMinMaxObserver, data=None) -> None:
    expect((t.storage, t.qmin, t.qmax, t.axis) == ("i8", -127, 127, 1),
           f"{what}: weight type {t} is not i8<-127:127> along axis 1")
    scales, zps = torch_symmetric_qparams(obs.min_val, obs.max_val)
    expect(len(t.scales) == len(scales) and np.array_equal(t.scales, scales)
           and list(t.zero_points) == [0] * len(scales),
           f"{what}: ours (scales {list(t.scales)}, zps {t.zero_points}) != "
           f"PerChannelMinMaxObserver(ch_axis=1, qint8, per_channel_symmetric, -127, 127) "
           f"(scales {list(scales)}, zps {list(zps)})")
    clamped = int(np.sum(scales == F32(TORCH_EPS)))
    print(f"{what}: {len(scales)} channel scales = PerChannelMinMaxObserver "
          f"({clamped} clamped to eps)")


def cmd_gen(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(1234)
    for i, rows in enumerate((3, 9, 16, 5)):
        x = rng.integers(4, 49, size=(rows, 8)) / 16.0  # [0.25, 3]
        np.save(os.path.join(out, f"c{i}.npy"), x.astype(F32))
    for i, rows in enumerate((4, 7, 2)):
        x = -rng.integers(8, 49, size=(rows, 8)) / 16.0  # [-3, -0.5]
        w = rng.integers(-32, 33, size=(8, 4)) / 16.0
        np.save(os.path.join(out, f"a{i}.npy"), x.astype(F32))
        np.save(os.path.join(out, f"w{i}.npy"), w.astype(F32))
        s = -rng.integers(7, 202, size=(rows, 8)) * 2.0 ** -26  # [-3e-6, -1e-7]
        np.save(os.path.join(out, f"s{i}.npy"), s.astype(F32))
    print(f"wrote batches to {out}")


def cmd_const(table_path: str, ir_path: str, out: str) -> None:
    table = load_json(table_path)
    qm = QuantizedModule(ir_path)
    consts = float_constants(os.path.join(HERE, "two_layer.mlir"))
    w1, b1, w2 = consts["w1"], consts["b1"], consts["w2"]
    obs = {tid: MinMaxObserver() for tid in ("t0", "t2", "t3")}
    i = 0
    while os.path.exists(os.path.join(out, f"c{i}.npy")):
        x = np.load(os.path.join(out, f"c{i}.npy"))
        h = (x @ w1 + b1).astype(F32)  # exact: see two_layer.mlir
        y = (h @ w2).astype(F32)
        for tid, v in (("t0", x), ("t2", h), ("t3", y)):
            obs[tid](v)
        i += 1
    expect(i == table["batches"], f"{i} batches on disk, {table['batches']} in the table")
    for tid in ("t0", "t2", "t3"):
        check_activation(qm, table, tid, obs[tid])
    expect(len(qm.matmuls) == 2, f"{ir_path}: expected 2 quantized matmuls")
    for name, mm, w in (("W1", qm.matmuls[0], w1), ("W2", qm.matmuls[1], w2)):
        pc = PerChannelMinMaxObserver(ch_axis=1)
        pc(w)
        check_weights(name, mm.rhs_type, pc)
    print("ok: two_layer.mlir matches PyTorch's observers")


def cmd_arg(table_path: str, ir_path: str, out: str, prefix: str, wprefix: str) -> None:
    table = load_json(table_path)
    qm = QuantizedModule(ir_path)
    obs = {tid: MinMaxObserver() for tid in ("t0", "t2")}
    pc = PerChannelMinMaxObserver(ch_axis=1)
    i = 0
    while os.path.exists(os.path.join(out, f"{prefix}{i}.npy")):
        x = np.load(os.path.join(out, f"{prefix}{i}.npy"))
        w = np.load(os.path.join(out, f"{wprefix}{i}.npy"))
        obs["t0"](x)
        obs["t2"]((x @ w).astype(F32))  # exact
        pc(w)
        i += 1
    expect(i == table["batches"], f"{i} batches on disk, {table['batches']} in the table")
    for tid in ("t0", "t2"):
        check_activation(qm, table, tid, obs[tid])
    per_channel = table["tensors"]["t1"].get("per_channel")
    expect(per_channel is not None and per_channel["axis"] == 1
           and per_channel["min"] == [float(v) for v in pc.min_val]
           and per_channel["max"] == [float(v) for v in pc.max_val],
           f"t1: table per_channel {per_channel} != the observer's running per-channel "
           f"min {list(pc.min_val)} max {list(pc.max_val)}")
    mm = qm.matmuls[0]
    expect(mm.rhs_id == "t1", f"the matmul's rhs is {mm.rhs_id}, expected t1")
    check_weights("t1 (weights argument)", mm.rhs_type, pc)
    print(f"ok: arg_weights.mlir on {prefix}*.npy matches PyTorch's observers")


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "gen":
        cmd_gen(args[1])
    elif len(args) == 4 and args[0] == "const":
        cmd_const(*args[1:])
    elif len(args) == 6 and args[0] == "arg":
        cmd_arg(*args[1:])
    else:
        raise Failure(__doc__)


if __name__ == "__main__":
    run_main(main)
