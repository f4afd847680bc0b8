# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Coverage study: int8 matmul error against the percentile estimator's coverage.

The classic int8 matmul error study, run through qlinalg's compiled path
rather than a numpy model of it. For each distribution (N(0,1), U(-1,1)) and
size n, two n x n float32 matrices A and B are drawn with a fixed seed and

1. a float module ``@mm(A, B) = linalg.matmul(A, B)`` (on a zero fill) is
   written; both operands are function arguments, so both are quantized from
   the calibration table;
2. ``qlinalg-calibrate`` measures A, B and the product once (the table holds
   statistics, the estimator is chosen at quantize time);
3. for every coverage, ``qlinalg-opt --qlinalg-quantize="calibration=T
   estimator=percentile coverage=C weight-granularity=per-tensor
   weight-scheme=asymmetric float-outputs=true"`` quantizes A and B the same
   way (int8, asymmetric, per tensor, range [q_(1-C), q_C] of the calibration
   histogram) and dequantizes the product straight from the i32 accumulator;
4. ``qlinalg-run`` runs the quantized module on (A, B), and the error is the
   relative Frobenius error ||C_q - C||_F / ||C||_F against the float64 numpy
   product of the same float32 matrices.

The scales and zero points the pass chose are read back from the quantized
IR, and the run's output is checked bit for bit against the numpy reference
(python/qlinalg/numerics.py) evaluated with those parameters, so a wrong
number is caught where it comes from.

Usage (from the repository root)::

    PYTHONPATH=python python3 -m qlinalg.coverage_study --build-dir build \\
        --out-dir docs [--sizes 10,100,1000] [--coverages 90,99,100] [--quick]

or ``python3 python/qlinalg/coverage_study.py ...``. Coverages are given in
percent, as the pass's ``coverage`` option (the percentage of values kept on
each side). Writes OUT/coverage_study.png, OUT/coverage_study.md and
OUT/coverage_study.json and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

if __package__ in (None, ""):
    # Run as a script: make the package importable.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from qlinalg.npyio import load_npy, save_npy  # noqa: E402
    from qlinalg.numerics import dequantize, qmatmul, quantize  # noqa: E402
else:
    from .npyio import load_npy, save_npy
    from .numerics import dequantize, qmatmul, quantize

DISTRIBUTIONS = ("normal", "uniform")
DIST_LABELS = {"normal": "N(0,1)", "uniform": "U(-1,1)"}
DEFAULT_SIZES = (10, 100, 1000)
DEFAULT_COVERAGES = (90.0, 95.0, 99.0, 99.5, 99.9, 99.99, 100.0)
QUICK_SIZES = (10, 100)
QUICK_COVERAGES = (99.0, 99.99, 100.0)
# Coverages drawn in the error-vs-size panel (those of them that were run).
SIZE_PANEL_COVERAGES = (99.0, 99.9, 99.99, 100.0)
DEFAULT_SEED = 20240

QUANTIZE_OPTIONS = ("estimator=percentile coverage={coverage} "
                    "weight-granularity=per-tensor weight-scheme=asymmetric "
                    "float-outputs=true")

MODEL_TEMPLATE = """\
// Coverage study model: C = A @ B, both operands function arguments.
func.func @mm(%a: tensor<{n}x{n}xf32>, %b: tensor<{n}x{n}xf32>) -> tensor<{n}x{n}xf32> {{
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<{n}x{n}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<{n}x{n}xf32>) -> tensor<{n}x{n}xf32>
  %c = linalg.matmul ins(%a, %b : tensor<{n}x{n}xf32>, tensor<{n}x{n}xf32>)
                     outs(%acc : tensor<{n}x{n}xf32>) -> tensor<{n}x{n}xf32>
  return %c : tensor<{n}x{n}xf32>
}}
"""


class StudyError(RuntimeError):
    """A tool failed or produced something the study cannot use."""


# --------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------

class Tools:
    def __init__(self, build_dir: str, target: Optional[str]):
        bin_dir = os.path.join(build_dir, "bin")
        self.paths = {}
        for name in ("qlinalg-opt", "qlinalg-calibrate", "qlinalg-run"):
            path = os.path.join(bin_dir, name)
            if not os.access(path, os.X_OK):
                raise StudyError(f"{path} is missing or not executable "
                                 f"(--build-dir must contain bin/{name})")
            self.paths[name] = path
        self.target = target

    def run(self, name: str, args: Sequence[str]) -> Tuple[str, float]:
        cmd = [self.paths[name]] + list(args)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise StudyError(f"{name} failed with exit code {proc.returncode}\n"
                             f"  command: {' '.join(cmd)}\n"
                             f"  stderr:\n{proc.stderr.rstrip()}")
        return proc.stdout, elapsed

    def target_args(self) -> List[str]:
        return [f"--target={self.target}"] if self.target else []


def find_build_dir(given: Optional[str]) -> str:
    if given:
        return os.path.abspath(given)
    found = shutil.which("qlinalg-run")
    if not found:
        raise StudyError("--build-dir not given and qlinalg-run is not on PATH")
    return os.path.dirname(os.path.dirname(os.path.realpath(found)))


# --------------------------------------------------------------------------
# Reading the quantized IR
# --------------------------------------------------------------------------

_UNIFORM = re.compile(
    r"^(?P<storage>[iu])(?P<bits>\d+)(?:<(?P<qmin>-?\d+):(?P<qmax>-?\d+)>)?"
    r":f32,\s*(?P<scale>[-+0-9.eE]+)(?::(?P<zp>-?\d+))?$")


def parse_uniform(text: str, what: str) -> Dict[str, float]:
    """Parse the body of a per-tensor ``!quant.uniform<...>``."""
    m = _UNIFORM.match(text.strip())
    if not m:
        raise StudyError(f"{what}: expected a per-tensor !quant.uniform type, "
                         f"got !quant.uniform<{text}>")
    bits = int(m.group("bits"))
    signed = m.group("storage") == "i"
    if m.group("qmin") is not None:
        qmin, qmax = int(m.group("qmin")), int(m.group("qmax"))
    elif signed:
        qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    else:
        qmin, qmax = 0, 2 ** bits - 1
    return {"storage": f"{m.group('storage')}{bits}", "qmin": qmin, "qmax": qmax,
            "scale": float(m.group("scale")), "zero_point": int(m.group("zp") or 0)}


def parse_quantized_ir(text: str) -> Dict[str, Dict[str, float]]:
    """Quantization parameters of %arg0 (A), %arg1 (B) and the accumulator."""
    params = {}
    for arg, key in (("0", "a"), ("1", "b")):
        m = re.search(r"qlinalg\.quantize %arg" + arg + r"\b[^\n]*? to tensor<[^\n]*?"
                      r"!quant\.uniform<([^\n]*?)>>", text)
        if not m:
            raise StudyError(f"quantized IR has no qlinalg.quantize of %arg{arg}:\n{text}")
        params[key] = parse_uniform(m.group(1), f"qlinalg.quantize %arg{arg}")
    m = re.search(r"qlinalg\.matmul [^\n]*-> tensor<[^\n]*?!quant\.uniform<([^\n]*?)>>", text)
    if not m:
        raise StudyError(f"quantized IR has no qlinalg.matmul:\n{text}")
    params["acc"] = parse_uniform(m.group(1), "qlinalg.matmul result")
    if "qlinalg.requantize" in text:
        raise StudyError("float-outputs=true still produced a qlinalg.requantize:\n" + text)
    return params


def clip_range(p: Dict[str, float]) -> Tuple[float, float]:
    """Real range [scale*(qmin-zp), scale*(qmax-zp)] a quantized tensor covers."""
    return (p["scale"] * (p["qmin"] - p["zero_point"]),
            p["scale"] * (p["qmax"] - p["zero_point"]))


def reference_product(a: np.ndarray, b: np.ndarray, params) -> Tuple[np.ndarray, float, float]:
    """numpy reference of the quantized module with the pass's parameters.

    Returns the dequantized product and the relative Frobenius errors of the
    quantized operands themselves, ||dq(q(A)) - A||_F / ||A||_F and the same
    for B.
    """
    pa, pb, pacc = params["a"], params["b"], params["acc"]
    aq = quantize(a, pa["scale"], pa["zero_point"], pa["qmin"], pa["qmax"])
    bq = quantize(b, pb["scale"], pb["zero_point"], pb["qmin"], pb["qmax"])
    acc = qmatmul(aq, pa["zero_point"], bq, pb["zero_point"])
    ea = relative_error(dequantize(aq, pa["scale"], pa["zero_point"]), a.astype(np.float64))
    eb = relative_error(dequantize(bq, pb["scale"], pb["zero_point"]), b.astype(np.float64))
    return dequantize(acc, pacc["scale"], 0), ea, eb


def relative_error(approx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.linalg.norm(approx.astype(np.float64) - exact)
                 / np.linalg.norm(exact))


# --------------------------------------------------------------------------
# The study
# --------------------------------------------------------------------------

def draw(dist: str, n: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """A and B for one setting; each setting has its own stream of the seed."""
    rng = np.random.default_rng([seed, DISTRIBUTIONS.index(dist), n])
    if dist == "normal":
        a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    else:
        a, b = rng.uniform(-1.0, 1.0, (n, n)), rng.uniform(-1.0, 1.0, (n, n))
    return a.astype(np.float32), b.astype(np.float32)


def coverage_key(c: float) -> str:
    return f"{c:g}"


def run_setting(tools: Tools, work: str, dist: str, n: int, seed: int,
                coverages: Sequence[float], log) -> dict:
    tag = f"{dist}_{n}"
    d = os.path.join(work, tag)
    os.makedirs(d, exist_ok=True)
    a, b = draw(dist, n, seed)
    a_path, b_path = os.path.join(d, "a.npy"), os.path.join(d, "b.npy")
    save_npy(a_path, a)
    save_npy(b_path, b)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    model = os.path.join(d, "mm.mlir")
    with open(model, "w") as f:
        f.write(MODEL_TEMPLATE.format(n=n))

    table = os.path.join(d, "table.json")
    _, t_cal = tools.run("qlinalg-calibrate",
                         [model, "--entry=mm", "-o", table, "--quiet"]
                         + tools.target_args() + [f"{a_path},{b_path}"])
    with open(table) as f:
        stats = json.load(f)["tensors"]
    # The table ids are t0 (A), t1 (B), t2 (C): every float tensor is numbered
    # in pre-order (arguments first), and all three are observed.
    if sorted(stats) != ["t0", "t1", "t2"]:
        raise StudyError(f"{table}: tensor ids {sorted(stats)}, expected t0 (A), t1 (B), t2 (C)")
    ranges = {k: [stats[t]["min"], stats[t]["max"]] for k, t in (("a", "t0"), ("b", "t1"))}

    # The float module through the same runner: the float32 baseline.
    float_out = os.path.join(d, "float.npy")
    _, t_float = tools.run("qlinalg-run", [model, "--entry=mm", f"--inputs={a_path},{b_path}",
                                           f"--outputs={float_out}"] + tools.target_args())
    float_error = relative_error(load_npy(float_out, np.float32, (n, n)), exact)

    result = {"distribution": dist, "label": DIST_LABELS[dist], "n": n,
              "calibration_range": ranges, "float32_error": float_error,
              "seconds": {"calibrate": t_cal, "float_run": t_float, "quantize": 0.0, "run": 0.0},
              "coverages": {}}
    for c in coverages:
        key = coverage_key(c)
        qmodel = os.path.join(d, f"q_{key}.mlir")
        opts = QUANTIZE_OPTIONS.format(coverage=key)
        _, t_q = tools.run("qlinalg-opt", [model, f"--qlinalg-quantize=calibration={table} {opts}",
                                           "-o", qmodel])
        with open(qmodel) as f:
            params = parse_quantized_ir(f.read())
        out = os.path.join(d, f"c_{key}.npy")
        _, t_r = tools.run("qlinalg-run", [qmodel, "--entry=mm", f"--inputs={a_path},{b_path}",
                                           f"--outputs={out}"] + tools.target_args())
        cq = load_npy(out, np.float32, (n, n))
        ref, ea, eb = reference_product(a, b, params)
        mismatches = int(np.count_nonzero(cq != ref))
        err = relative_error(cq, exact)
        result["seconds"]["quantize"] += t_q
        result["seconds"]["run"] += t_r
        result["coverages"][key] = {
            "coverage": c, "error": err,
            "scale_a": params["a"]["scale"], "zero_point_a": params["a"]["zero_point"],
            "clip_a": list(clip_range(params["a"])),
            "scale_b": params["b"]["scale"], "zero_point_b": params["b"]["zero_point"],
            "clip_b": list(clip_range(params["b"])),
            "storage_a": params["a"]["storage"], "storage_b": params["b"]["storage"],
            "accumulator_scale": params["acc"]["scale"],
            # Independent-error model: errors of A and B add in quadrature.
            "operand_error_a": ea, "operand_error_b": eb,
            "model_error": math.sqrt(ea * ea + eb * eb),
            "reference_mismatches": mismatches,
            "reference_max_abs_diff": float(np.max(np.abs(cq.astype(np.float64) - ref))),
        }
        log(f"  {DIST_LABELS[dist]:8s} n={n:<5d} coverage={key:>6s}%  error={err:.4e}  "
            f"scale_a={params['a']['scale']:.6g} zp_a={params['a']['zero_point']}"
            + (f"  MISMATCH vs numpy reference: {mismatches} elements" if mismatches else ""))
    return result


def study(build_dir: str, out_dir: str, sizes: Sequence[int], coverages: Sequence[float],
          seed: int, target: Optional[str], work_dir: Optional[str], log) -> dict:
    tools = Tools(build_dir, target)
    start = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="coverage_study.") as tmp:
        work = os.path.abspath(work_dir) if work_dir else tmp
        os.makedirs(work, exist_ok=True)
        for dist in DISTRIBUTIONS:
            for n in sizes:
                results.append(run_setting(tools, work, dist, n, seed, coverages, log))
    total = time.perf_counter() - start
    return {
        "format": "qlinalg-coverage-study", "version": 1,
        "metric": "||C_q - C||_F / ||C||_F, C = float64 product of the float32 A and B",
        "scheme": ("A (activation) and B (matmul rhs) both int8 asymmetric per tensor "
                   "(weight-granularity=per-tensor weight-scheme=asymmetric), range from "
                   "the percentile estimator on the calibration histogram; product "
                   "dequantized from the i32 accumulator (float-outputs=true)"),
        "quantize_options": "calibration=TABLE " + QUANTIZE_OPTIONS.format(coverage="C"),
        "seed": seed, "target": target or "tool default (host)",
        "sizes": list(sizes), "coverages": list(coverages),
        "distributions": {d: DIST_LABELS[d] for d in DISTRIBUTIONS},
        "total_seconds": total,
        "results": results,
    }


# --------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------

def _columns(data: dict):
    return [(r["label"], r["n"], r) for r in data["results"]]


def _best_keys(data: dict) -> Dict[Tuple[str, int], str]:
    best = {}
    for r in data["results"]:
        best[(r["distribution"], r["n"])] = min(
            r["coverages"], key=lambda k: r["coverages"][k]["error"])
    return best


def markdown(data: dict) -> str:
    cols = _columns(data)
    best = _best_keys(data)
    header = "| coverage (%) | " + " | ".join(f"{lab} n={n}" for lab, n, _ in cols) + " |"
    rule = "|---:|" + "---:|" * len(cols)
    lines = [
        "# Coverage study: int8 matmul error vs percentile coverage",
        "",
        f"Metric: relative Frobenius error {data['metric']}.",
        f"Scheme: {data['scheme']}.",
        f"Pass options: `--qlinalg-quantize=\"{data['quantize_options']}\"`.",
        f"Seed {data['seed']}, target {data['target']}; one calibration run per setting "
        f"(on A, B themselves). Total time {data['total_seconds']:.1f} s.",
        "",
        "Plot: coverage_study.png (left: error vs coverage on a categorical axis, log y; "
        "right: error vs n, log-log, at a few coverages; curves that differ by about 1% "
        "or less draw on top of each other).",
        "",
        "## Relative error (best coverage of each column in bold)",
        "",
        header, rule,
    ]
    for c in data["coverages"]:
        key = coverage_key(c)
        cells = []
        for _, _, r in cols:
            v = f"{r['coverages'][key]['error']:.4e}"
            e_best = r["coverages"][best[(r["distribution"], r["n"])]]["error"]
            cells.append(f"**{v}**" if r["coverages"][key]["error"] == e_best else v)
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines.append("| float32 path | " + " | ".join(f"{r['float32_error']:.2e}" for _, _, r in cols)
                 + " |")
    lines += ["", "`float32 path`: the unquantized module through qlinalg-run, against the "
              "float64 product.", "",
              "## Scale of A (zero point) chosen by the pass, read from the quantized IR", "",
              header, rule]
    for c in data["coverages"]:
        key = coverage_key(c)
        lines.append(f"| {key} | " + " | ".join(
            f"{r['coverages'][key]['scale_a']:.6g} ({r['coverages'][key]['zero_point_a']})"
            for _, _, r in cols) + " |")
    lines.append("| calibrated [min, max] of A | " + " | ".join(
        "[{:.3f}, {:.3f}]".format(*r["calibration_range"]["a"]) for _, _, r in cols) + " |")
    lines += ["", "## Clipping range of A, scale*(qmin-zp) .. scale*(qmax-zp)", "", header, rule]
    for c in data["coverages"]:
        key = coverage_key(c)
        lines.append(f"| {key} | " + " | ".join(
            "[{:.3f}, {:.3f}]".format(*r["coverages"][key]["clip_a"]) for _, _, r in cols) + " |")
    lines += ["", "## Independent-error model sqrt(e_A^2 + e_B^2)", "",
              "e_A = ||dq(q(A)) - A||_F / ||A||_F with the pass's parameters (rounding and "
              "clipping error of A alone), e_B the same for B; for independent errors the "
              "product's relative error is about sqrt(e_A^2 + e_B^2).", "", header, rule]
    for c in data["coverages"]:
        key = coverage_key(c)
        lines.append(f"| {key} | " + " | ".join(
            f"{r['coverages'][key]['model_error']:.4e}" for _, _, r in cols) + " |")
    lines += ["", "## Best coverage", ""]
    for _, _, r in cols:
        k = best[(r["distribution"], r["n"])]
        e_best = r["coverages"][k]["error"]
        near = [kk for kk in r["coverages"] if r["coverages"][kk]["error"] <= 1.01 * e_best]
        full = r["coverages"][coverage_key(100.0)]["error"] if coverage_key(100.0) in r["coverages"] else None
        extra = (f"; coverage 100 (min/max): {full:.4e}, {100.0 * (full / e_best - 1):+.1f}%"
                 if full is not None else "")
        ties = [kk for kk in r["coverages"] if r["coverages"][kk]["error"] == e_best]
        lines.append(f"- {r['label']} n={r['n']}: best coverage {' = '.join(ties)}% ({e_best:.4e}){extra}; "
                     f"within 1% of the best: {', '.join(near)}")
    mism = sum(cv["reference_mismatches"] for r in data["results"] for cv in r["coverages"].values())
    lines += ["", f"Check against the numpy reference (python/qlinalg/numerics.py with the "
              f"parameters read from the IR): {mism} mismatching elements in all runs.", ""]
    return "\n".join(lines)


def text_table(data: dict) -> str:
    cols = _columns(data)
    names = [f"{lab} n={n}" for lab, n, _ in cols]
    width = max(12, max(len(s) for s in names))
    out = ["relative Frobenius error ||C_q - C||_F / ||C||_F",
           f"{'coverage %':>12s} " + " ".join(f"{s:>{width}s}" for s in names)]
    for c in data["coverages"]:
        key = coverage_key(c)
        out.append(f"{key:>12s} " + " ".join(
            f"{r['coverages'][key]['error']:>{width}.4e}" for _, _, r in cols))
    out.append(f"{'float32':>12s} " + " ".join(f"{r['float32_error']:>{width}.2e}" for _, _, r in cols))
    out += ["", "scale of A (zero point)",
            f"{'coverage %':>12s} " + " ".join(f"{s:>{width}s}" for s in names)]
    for c in data["coverages"]:
        key = coverage_key(c)
        out.append(f"{key:>12s} " + " ".join(
            f"{'%.6g (%d)' % (r['coverages'][key]['scale_a'], r['coverages'][key]['zero_point_a']):>{width}s}"
            for _, _, r in cols))
    best = _best_keys(data)
    out.append("")
    for _, _, r in cols:
        e_best = r["coverages"][best[(r["distribution"], r["n"])]]["error"]
        ties = [k for k, v in r["coverages"].items() if v["error"] == e_best]
        out.append(f"best: {r['label']} n={r['n']} coverage {' = '.join(ties)}")
    mism = sum(cv["reference_mismatches"] for r in data["results"] for cv in r["coverages"].values())
    out.append(f"numpy reference mismatches: {mism}")
    return "\n".join(out)


def plot(data: dict, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    coverages = data["coverages"]
    keys = [coverage_key(c) for c in coverages]
    sizes = data["sizes"]
    size_colors = dict(zip(sizes, plt.cm.viridis(np.linspace(0.0, 0.8, max(len(sizes), 1)))))
    styles = {"normal": ("-", "o"), "uniform": ("--", "s")}

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 7))
    x = np.arange(len(keys))
    for r in data["results"]:
        ls, mk = styles[r["distribution"]]
        ax1.plot(x, [r["coverages"][k]["error"] for k in keys], linestyle=ls, marker=mk,
                 color=size_colors[r["n"]], label=f"{r['label']}, n={r['n']}")
    ax1.set_yscale("log")
    ax1.set_xticks(x)
    ax1.set_xticklabels(keys)
    ax1.set_xlabel("percentile coverage, % kept on each side (categorical axis)")
    ax1.set_ylabel(r"relative error $\|C_q - C\|_F / \|C\|_F$")
    ax1.set_title("int8 matmul error vs coverage")
    ax1.grid(True, which="both", alpha=0.3)

    shown = [c for c in coverages if c in SIZE_PANEL_COVERAGES] or list(coverages)
    cov_colors = dict(zip(shown, plt.cm.plasma(np.linspace(0.0, 0.85, len(shown)))))
    for dist in DISTRIBUTIONS:
        rows = sorted((r for r in data["results"] if r["distribution"] == dist),
                      key=lambda r: r["n"])
        if not rows:
            continue
        ls, mk = styles[dist]
        for c in shown:
            key = coverage_key(c)
            ax2.plot([r["n"] for r in rows], [r["coverages"][key]["error"] for r in rows],
                     linestyle=ls, marker=mk, color=cov_colors[c],
                     label=f"{DIST_LABELS[dist]}, coverage {key}%")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xticks(sizes)
    ax2.set_xticklabels([str(s) for s in sizes])
    ax2.set_xlabel("matrix size n (A, B are n x n)")
    ax2.set_ylabel(r"relative error $\|C_q - C\|_F / \|C\|_F$")
    ax2.set_title("int8 matmul error vs size")
    ax2.grid(True, which="both", alpha=0.3)
    ax2.legend(fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.13))
    ax1.legend(fontsize=9, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.13))

    fig.suptitle("qlinalg int8 PTQ of C = A @ B: A and B asymmetric per-tensor int8 "
                 "(percentile estimator), product dequantized from the i32 accumulator",
                 fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def _parse_list(text: str, kind, what: str):
    try:
        values = [kind(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what}: cannot parse {text!r}")
    if not values:
        raise argparse.ArgumentTypeError(f"{what}: empty list")
    return values


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="qlinalg.coverage_study",
        description="int8 matmul error vs percentile coverage through qlinalg's compiled path")
    p.add_argument("--build-dir", help="build directory containing bin/ (default: the "
                   "parent of the directory of qlinalg-run on PATH)")
    p.add_argument("--out-dir", required=True, help="where the .png, .md and .json go")
    p.add_argument("--sizes", type=lambda s: _parse_list(s, int, "--sizes"),
                   help="comma-separated n (default 10,100,1000; --quick: 10,100)")
    p.add_argument("--coverages", type=lambda s: _parse_list(s, float, "--coverages"),
                   help="comma-separated coverages in percent, in (0, 100] "
                   "(default 90,95,99,99.5,99.9,99.99,100; --quick: 99,99.99,100)")
    p.add_argument("--quick", action="store_true", help="small run for tests")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--target", help="--target of qlinalg-calibrate/qlinalg-run "
                   "(default: the tools' default)")
    p.add_argument("--work-dir", help="keep models, tables and arrays here "
                   "(default: a temporary directory)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG")
    args = p.parse_args(argv)

    sizes = args.sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    coverages = args.coverages or list(QUICK_COVERAGES if args.quick else DEFAULT_COVERAGES)
    if any(n < 1 for n in sizes):
        p.error("--sizes must be positive")
    if any(not (0.0 < c <= 100.0) for c in coverages):
        p.error("--coverages are percentages in (0, 100]")
    sizes = sorted(set(sizes))
    coverages = sorted(set(coverages))

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    try:
        build_dir = find_build_dir(args.build_dir)
        data = study(build_dir, args.out_dir, sizes, coverages, args.seed, args.target,
                     args.work_dir, log)
    except StudyError as exc:
        print(f"coverage_study: error: {exc}", file=sys.stderr)
        return 1

    os.makedirs(args.out_dir, exist_ok=True)
    base = os.path.join(args.out_dir, "coverage_study")
    with open(base + ".json", "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    with open(base + ".md", "w") as f:
        f.write(markdown(data))
    if not args.no_plot:
        plot(data, base + ".png")
    print(text_table(data))
    print(f"total {data['total_seconds']:.1f} s; wrote {base}.json, {base}.md"
          + ("" if args.no_plot else f", {base}.png"))
    mism = sum(cv["reference_mismatches"] for r in data["results"] for cv in r["coverages"].values())
    if mism:
        print(f"coverage_study: warning: qlinalg-run differs from the numpy reference in "
              f"{mism} elements (see reference_mismatches in the JSON)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
