#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Summarizes the innermost loop of an x86 assembly file that holds INSN.

    inner_loop.py FILE.s INSN

Finds every loop (a label that a later conditional jump in the same
function branches back to) whose body contains INSN, takes the one with the
most of them, and prints one line:
    INSN loop: <n> INSN, <m> instructions, <s> stack accesses
where stack accesses are instructions touching (%rsp) (spill slots: the
frame pointer is a general register here; a spill-free kernel has none),
then the instruction mnemonics that occur
in it, sorted, one per line as `insn: <mnemonic>`.
"""

import re
import sys


def main() -> int:
    path, insn = sys.argv[1], sys.argv[2]
    lines = [l.rstrip("\n") for l in open(path)]
    labels = {}
    best = None
    for i, line in enumerate(lines):
        m = re.match(r"^(\.?[A-Za-z0-9_$.]+):", line)
        if m:
            labels[m.group(1)] = i
            continue
        m = re.match(r"^\s+j[a-z]+\s+(\S+)", line)
        if m and m.group(1) in labels and labels[m.group(1)] < i:
            body = [l.split("#")[0].strip() for l in lines[labels[m.group(1)] + 1:i + 1]]
            body = [b for b in body if b and not b.startswith(".") and not b.endswith(":")]
            count = sum(1 for b in body if b.split()[0] == insn)
            if count and (best is None or count > best[0]):
                best = (count, body)
    if best is None:
        print(f"{insn} loop: none")
        return 1
    count, body = best
    stack = sum(1 for b in body if "(%rsp" in b)
    print(f"{insn} loop: {count} {insn}, {len(body)} instructions, {stack} stack accesses")
    for mnemonic in sorted({b.split()[0] for b in body}):
        print(f"insn: {mnemonic}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
