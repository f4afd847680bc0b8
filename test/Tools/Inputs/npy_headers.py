"""Differential test of the .npy header reader against numpy itself.

  npy_headers.py QLINALG_RUN MODEL DIR

Writes header variants (what numpy writes, what Python 2 wrote, and
mutations a fuzzing campaign tried: garbage in the padding, extra or
repeated keys, unclosed dicts, non-tuple shapes, ...) in .npy versions 1, 2
and 3, loads each with numpy.load and with qlinalg-run (MODEL returns its one
argument), and checks that both accept or both reject it, and read the same
shape. Where numpy reads an array qlinalg cannot take (float64, Fortran
order, a rank the model does not have), qlinalg must say so rather than
call the header malformed. Two differences are deliberate and checked as such: qlinalg rejects
negative dimensions (numpy reads them as "whatever fits") and data beyond
what the header declares (numpy ignores it).
"""
import struct
import subprocess
import sys

import numpy as np

DATA = np.arange(4, dtype=np.float32).tobytes()
BASE = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
VARIANTS = [
    BASE + " " * 10 + "\n", BASE + "x\n", BASE[:-1], BASE + "\x00",
    BASE.replace("'shape': (4,), ", "'shape': (4,), 'extra': 1, "),
    BASE.replace("(4,)", "(4)"), BASE.replace("(4,)", "[4]"),
    BASE.replace("(4,)", "(4,) ,'shape': (4,)"),
    "{'shape': (2,), 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}",
    BASE.replace("False", "0"), BASE.replace("False", "false"),
    BASE.replace("'descr'", '"descr"'), BASE + "# a comment\n",
    BASE.replace("(4,)", "(4L,)"), BASE.replace("(4,)", "(+4,)"),
    BASE.replace("(4,)", "(04,)"), BASE.replace("(4,)", "(4.0,)"),
    BASE.replace("(4,)", "( 4 , )"), BASE.replace(", }", "}"),
    BASE.replace(", }", ",,}"), "{}", "", "[]", BASE.replace("{", "{\n"),
    BASE.replace("'<f4'", "'<f4' "), BASE.replace("'<f4'", "u'<f4'"),
    BASE.replace("(4,)", "(4, 1)"), BASE.replace("(4,)", "(2, 2,)"),
    BASE.replace(": ", ":"), BASE.replace("{", " {"),
    BASE.replace("(4,)", "((4,),)"), BASE.replace("'<f4'", "'<f4"),
    BASE + " \\\n", BASE.replace("'shape'", "'shape' "),
    BASE.replace(", 'shape'", ",\\\n 'shape'"), BASE.replace("'<f4'", "'<f8'"),
    BASE.replace("'<f4'", "None"), BASE.replace("False", "True"),
    BASE.replace("(4,)", "(4,)\t\r\n"), BASE.replace("(4,)", "(99999999999999999999,)"),
]
DELIBERATE = {
    BASE.replace("(4,)", "(-4,)"): "negative dimension",
    "{'shape': (4,), 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}":
        "bytes follow the header but 2xfloat32 needs 8",
}


def make(header, version):
    h = header.encode("latin1")
    size = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + size + h + DATA


def main(run, model, d):
    mismatches = unsupported = 0
    cases = [(h, None) for h in VARIANTS] + list(DELIBERATE.items())
    for header, deliberate in cases:
        for version in (1, 2, 3):
            path = f"{d}/h.npy"
            with open(path, "wb") as f:
                f.write(make(header, version))
            try:
                numpy_shape = np.load(path).shape
            except Exception:
                numpy_shape = None
            r = subprocess.run([run, model, f"--inputs={path}",
                                f"--outputs={d}/o.npy"],
                               capture_output=True, text=True)
            ours = np.load(f"{d}/o.npy").shape if r.returncode == 0 else None
            if r.returncode not in (0, 1) or "Assertion" in r.stderr:
                print(f"CRASH v{version} {header!r}: {r.stderr}")
                mismatches += 1
            elif r.returncode == 1 and path not in r.stderr:
                print(f"UNNAMED v{version} {header!r}: {r.stderr}")
                mismatches += 1
            elif deliberate:
                if ours is not None or deliberate not in r.stderr:
                    print(f"NOT REJECTED v{version} {header!r}: {r.stderr}")
                    mismatches += 1
            elif (ours is None and numpy_shape is not None and
                  any(w in r.stderr for w in ("unsupported dtype",
                                              "not supported",
                                              "does not match"))):
                unsupported += 1
            elif ours != numpy_shape:
                print(f"MISMATCH v{version} {header!r}: numpy {numpy_shape}, "
                      f"qlinalg {ours} {r.stderr.strip()}")
                mismatches += 1
    total = 3 * len(cases)
    print(f"{total} headers, {mismatches} disagreements with numpy, "
          f"{unsupported} valid but unsupported")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main(*sys.argv[1:])
