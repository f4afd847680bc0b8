#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""AArch64 kernel speed without AArch64 hardware: llvm-mca on the inner loop.

    aarch64_mca.py [--build build] [--markdown]

For each AArch64 target and a few quantized matmuls (qlinalg.matmul on
constant per-channel weights, requantized to i8 in the kernel's store), the
lowering's own code is built as a user builds it (qlinalg-opt
--qlinalg-lower/--qlinalg-vectorize/--qlinalg-to-llvm, mlir-translate,
clang-22 --target=aarch64-linux-gnu -O3), the innermost loop with the most
dot-product instructions (sdot, smmla, usmmla) is cut out of the assembly,
and llvm-mca runs it for each CPU model (-mcpu=neoverse-v1 for both,
neoverse-n1 for dotprod, neoverse-n2 for i8mm). The figure is the fraction of the
dot-product issue rate the loop reaches: its dot instructions per cycle
over those of a block of independent ones of the same form in the same
model (what the CPU could issue at best), with the MACs per cycle they are
worth (sdot: 16, smmla: 32). Reports, never gates.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from qlinalg import asm as qasm  # noqa: E402

LLVM = "/usr/lib/llvm-22/bin"
DOT = re.compile(r"^(sdot|udot|usdot|smmla|ummla|usmmla)\b")
MACS = {"sdot": 16, "udot": 16, "usdot": 16, "smmla": 32, "ummla": 32, "usmmla": 32}

# target and the CPU models it is judged in; the matmul shapes (M, K, N) and
# activation storage
CASES = [
    ("aarch64-dotprod", ["neoverse-v1", "neoverse-n1"]),
    ("aarch64-i8mm", ["neoverse-v1", "neoverse-n2"]),
]
SHAPES = [(64, 256, 64, "i8"), (64, 256, 64, "u8"), (128, 512, 96, "i8")]


def hottest(asm: str):
    """The innermost loop with the most dot-product instructions."""
    loops = qasm.loops(asm)
    if not loops:
        return None
    return max(loops, key=lambda body: sum(1 for i in body if DOT.match(i)))


def mca_cycles(body, cpu, iterations=500):
    """Cycles per iteration of `body` in llvm-mca's model of `cpu`."""
    with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as f:
        f.write("\n".join(body) + "\n")
        path = f.name
    try:
        out = subprocess.run(
            [f"{LLVM}/llvm-mca", "-mtriple=aarch64-linux-gnu", f"-mcpu={cpu}",
             "-mattr=+dotprod,+i8mm", f"-iterations={iterations}", path],
            check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(path)
    cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1))
    return cycles / iterations


def peak(form, cpu):
    """Dot instructions per cycle of 24 independent ones of `form`."""
    if form in ("sdot", "udot", "usdot"):
        body = [f"{form} v{i}.4s, v30.16b, v31.4b[0]" for i in range(24)]
    else:
        body = [f"{form} v{i}.4s, v30.16b, v31.16b" for i in range(24)]
    return 24 / mca_cycles(body, cpu)


def weights(rng, k, n):
    return rng.integers(-127, 128, size=(k, n), dtype=np.int64)


def module(m, k, n, act, rng):
    """A requantized qlinalg.matmul on constant per-channel int8 weights."""
    w = weights(rng, k, n)
    ws = rng.uniform(0.004, 0.01, n).astype(np.float32)
    scales = ", ".join(f"{s:.8e}:0" for s in ws)
    bias = rng.integers(-1000, 1000, size=n)
    # The bias's scale is sa * sb, in f32 as the verifier computes it.
    bscales = ", ".join(f"{float(np.float32(0.05) * s):.8e}:0" for s in ws)
    zp = 3 if act == "i8" else 131
    ta = f"tensor<{m}x{k}x!quant.uniform<{act}:f32, 5.00000007e-02:{zp}>>"
    tw = f"tensor<{k}x{n}x!quant.uniform<i8:f32:1, {{{scales}}}>>"
    tb = f"tensor<{n}x!quant.uniform<i32:f32:0, {{{bscales}}}>>"
    ty = f"tensor<{m}x{n}x!quant.uniform<i8:f32, 2.0e-01:-4>>"
    rows = ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in w)
    return f"""func.func @main(%a: {ta}) -> {ty} {{
  %wd = arith.constant dense<[{rows}]> : tensor<{k}x{n}xi8>
  %w = quant.scast %wd : tensor<{k}x{n}xi8> to {tw}
  %bd = arith.constant dense<[{", ".join(str(v) for v in bias)}]> : tensor<{n}xi32>
  %b = quant.scast %bd : tensor<{n}xi32> to {tb}
  %y = qlinalg.matmul %a, %w bias %b multiplier(fixed_point) rounding(half_away_from_zero) : {ta}, {tw}, {tb} -> {ty}
  return %y : {ty}
}}
"""


def compile_asm(build, text, target, work):
    src = os.path.join(work, "m.mlir")
    with open(src, "w") as f:
        f.write(text)
    lowered = os.path.join(work, "m.ll.mlir")
    subprocess.run(
        [os.path.join(build, "bin", "qlinalg-opt"), src,
         f"--qlinalg-lower=target={target} threads=1",
         f"--qlinalg-vectorize=target={target} threads=1",
         "--qlinalg-to-llvm", "-o", lowered], check=True)
    ll = os.path.join(work, "m.ll")
    subprocess.run([f"{LLVM}/mlir-translate", "--mlir-to-llvmir", lowered, "-o", ll],
                   check=True)
    asm = os.path.join(work, "m.s")
    subprocess.run(["clang-22", "--target=aarch64-linux-gnu", "-O3", "-S",
                    "-Wno-override-module", ll, "-o", asm], check=True)
    with open(asm) as f:
        return f.read()


def table(build, markdown):
    rng = np.random.default_rng(9)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for target, cpus in CASES:
            for m, k, n, act in SHAPES:
                asm = compile_asm(build, module(m, k, n, act, rng), target, work)
                loop = hottest(asm)
                if loop is None:
                    print(f"{target} {m}x{k}x{n}: no inner loop found", file=sys.stderr)
                    return 1
                body = loop
                dots = [i for i in body if DOT.match(i)]
                form = dots[0].split()[0]
                for cpu in cpus:
                    per_iter = mca_cycles(body, cpu)
                    rate = len(dots) / per_iter
                    best = peak(form, cpu)
                    rows.append((target, f"{m}x{k}x{n} {act}", cpu, form, len(body),
                                 len(dots), sum(1 for i in body if "[sp" in i),
                                 per_iter, rate, best, rate / best,
                                 rate * MACS[form]))
    head = ("target", "matmul MxKxN", "model", "step", "loop insns", "dots",
            "spills", "cycles/iter", "dots/cycle", "peak", "of peak", "MACs/cycle")
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    else:
        print("  ".join(head))
    for r in rows:
        cells = list(r[:7]) + [f"{r[7]:.2f}", f"{r[8]:.2f}", f"{r[9]:.2f}",
                               f"{100 * r[10]:.1f}%", f"{r[11]:.1f}"]
        print(("| " + " | ".join(str(c) for c in cells) + " |") if markdown
              else "  ".join(str(c) for c in cells))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    return table(args.build, args.markdown)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
