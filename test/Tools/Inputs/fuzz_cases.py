"""Inputs a fuzzing campaign found to crash, hang or mislead the tools.

  fuzz_cases.py gen DIR      writes them into DIR
  fuzz_cases.py same A B     checks that tables A and B hold the same
                             histogram and range for t0 (one batch or two)
"""
import json
import sys

import numpy as np


def gen(d):
    rng = np.random.default_rng(10)
    # Subnormals in [1e-40, 1.01e-40], then the same plus one -1.78e-23 (a
    # value 2^57 times larger): re-binning the first batch shifted by >= 64.
    sub = rng.uniform(1e-40, 1.01e-40, (3, 64)).astype(np.float32)
    big = sub.copy()
    big[1, 7] = -1.78e-23
    np.save(f"{d}/sub.npy", sub)
    np.save(f"{d}/sub_big.npy", big)
    np.save(f"{d}/both.npy", np.concatenate([sub, big]))
    # A later batch holding one 1e30.
    huge = sub.copy()
    huge[0, 0] = 1e30
    np.save(f"{d}/huge.npy", huge)
    np.save(f"{d}/sub_huge.npy", np.concatenate([sub, huge]))
    # A table nested 50,000 levels deep.
    with open(f"{d}/deep.json", "w") as f:
        f.write("[" * 50000 + "]" * 50000)
    # A canonical table whose t0 range is one ulp wide, far from zero (the
    # MSE search stepped by less than half an ulp); t2 and t3 [-1, 1] (bins
    # of 2^-10 from -1024, the canonical window).
    ordinary = {"count": 2, "min": -1.0, "max": 1.0,
                "histogram": {"log2_width": -10, "offset": -1024,
                              "counts": [1] + [0] * 2047 + [1]}}
    table = {"format": "qlinalg-calibration", "version": 2, "tensors": {
        "t0": {"count": 2, "min": 1.0, "max": 1.0000000000000002,
               "histogram": {"log2_width": -52, "offset": 2 ** 52,
                             "counts": [1, 1]}},
        "t2": ordinary, "t3": ordinary}}
    with open(f"{d}/tiny.json", "w") as f:
        json.dump(table, f)
    # Activations for called_entry.mlir and static_result.mlir.
    np.save(f"{d}/x32.npy", rng.uniform(-1, 1, (3, 2)).astype(np.float32))
    np.save(f"{d}/x24.npy", rng.uniform(-1, 1, (2, 4)).astype(np.float32))
    # Two entries for one tensor id.
    with open(f"{d}/dup.json", "w") as f:
        f.write('{"format": "qlinalg-calibration", "version": 2, "tensors": '
                '{"t0": {"min": 0, "max": 1}, "t0": {"min": -9, "max": 9}}}')


def close(model_out, x, w):
    """The quantized model's output against x @ w in float, within the
    error a per-tensor int8 output of range [-4, 4] allows."""
    y = np.load(model_out)
    ref = np.load(x) @ np.array(w, np.float32)
    err = np.abs(y - ref).max()
    if y.shape != ref.shape or err > 0.1:
        sys.exit(f"output {y.shape} differs from float by {err}")
    print(f"output {y.shape[0]}x{y.shape[1]} within {err:.3f} of float")


W2 = np.array([[1.0, -2.0], [0.3, 0.5]], np.float32)


def to_bf16(a):
    """Round f32 to bf16 (nearest, ties to even), kept in f32."""
    u = np.asarray(a, np.float32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return u.astype(np.uint32).view(np.float32)


def models(out, x):
    """The outputs of loop_model, if_model and bf16_model against numpy: the
    f32 ones to f32 rounding, the bf16 one within 2^-8 of sum |t||w| of
    rounding every product and sum to bf16 (the lowering may keep a product
    in f32 until its sum is rounded: one rounding of 2^-9 per product)."""
    x = np.load(x)
    loop = x @ W2 @ W2 @ W2
    branch = x @ W2 if x[0, 0] > 0 else x
    t, w = to_bf16(x), to_bf16(W2)
    acc = np.zeros((3, 2), np.float32)
    for k in range(2):
        acc = to_bf16(acc + to_bf16(t[:, k:k + 1] * w[k:k + 1, :]))
    magnitude = np.abs(t) @ np.abs(w)
    for name, ref, bound in (("loop", loop, 1e-5), ("if", branch, 1e-6),
                             ("bf16", acc, 2.0 ** -8 * magnitude)):
        got = np.load(f"{out}/{name}.npy")
        err = np.abs(got - ref).max()
        if got.shape != ref.shape or (np.abs(got - ref) > bound).any():
            sys.exit(f"{name}: differs from numpy by {err}")
    print("loop, if and bf16 models equal numpy")


def same(a, b):
    ta, tb = (json.load(open(p))["tensors"]["t0"] for p in (a, b))
    for key in ("count", "min", "max", "histogram"):
        if ta[key] != tb[key]:
            sys.exit(f"t0 differs in {key}: {ta[key]} vs {tb[key]}")
    nonzero = sum(1 for c in ta["histogram"]["counts"] if c)
    print(f"same t0: {ta['count']} values, {nonzero} non-zero bins")


if __name__ == "__main__":
    if sys.argv[1] == "models":
        models(*sys.argv[2:])
    elif sys.argv[1] == "close":
        w = [[1.0, -2.0, 0.5], [0.3, 0.5, -1.0], [0.25, 0.75, 1.0],
             [-0.5, 0.1, 0.2]]
        close(sys.argv[2], sys.argv[3], w)
    else:
        {"gen": gen, "same": same}[sys.argv[1]](*sys.argv[2:])
