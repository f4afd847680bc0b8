# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The inner loops of a kernel's assembly (x86-64 AT&T or AArch64, as llc
and clang print them), for the assembly tests and the llvm-mca figures.

    python3 -m qlinalg.asm FILE.s INSN

Finds every innermost loop (a label that a later branch in the same
function jumps back to, with no such loop inside) whose body contains INSN,
takes the one with the most of them, and prints one line:
    INSN loop: <n> INSN, <m> instructions, <s> stack accesses
where stack accesses are instructions touching the stack pointer ((%rsp) or
[sp: spill slots; the frame pointer is a general register here, so a
spill-free kernel has none), then the mnemonics in it, sorted, one per line
as `insn: <mnemonic>`.
"""

from __future__ import annotations

import re
import sys
from typing import List, Optional, Sequence, Tuple

_LABEL = re.compile(r"^(\.?[A-Za-z0-9_$.]+):")
# x86 jumps, AArch64 branches (b.cond, cbz/cbnz, tbz/tbnz; b is a back edge
# too when the loop's condition sits at its head).
_BRANCH = re.compile(r"^\s+(j[a-z]+|b\.[a-z]+|b|cbn?z|tbn?z)\s+(?:[^,]+,\s*)*(\S+)$")


def _strip(line: str) -> str:
    """The instruction of `line`: without an AArch64 `//` comment or an x86
    `#` one (a `#` that starts a word: AArch64 immediates, #16, do not)."""
    line = line.split("//")[0]
    return re.split(r"(?:^|\s)#(?:\s|$)", line)[0].strip()


def loops(text: str) -> List[List[str]]:
    """The body (instructions, comments and directives dropped) of every
    innermost loop in `text`: one holding no other loop."""
    lines = text.splitlines()
    labels = {}
    spans = []
    for i, line in enumerate(lines):
        m = _LABEL.match(line)
        if m:
            labels[m.group(1)] = i
            continue
        m = _BRANCH.match(line.split("//")[0].rstrip())
        if m and m.group(2) in labels and labels[m.group(2)] < i:
            spans.append((labels[m.group(2)], i))
    found = []
    for start, end in spans:
        if any(start < s and e <= end for s, e in spans if (s, e) != (start, end)):
            continue
        body = [_strip(l) for l in lines[start + 1:end + 1]]
        found.append([b for b in body
                      if b and not b.startswith(".") and not b.endswith(":")])
    return found


def mnemonic(instruction: str) -> str:
    return instruction.split()[0]


def hottest(text: str, insn: str) -> Optional[Tuple[int, List[str]]]:
    """The loop with the most `insn`, and how many it has."""
    best = None
    for body in loops(text):
        count = sum(1 for b in body if mnemonic(b) == insn)
        if count and (best is None or count > best[0]):
            best = (count, body)
    return best


def stack_accesses(body: Sequence[str]) -> int:
    return sum(1 for b in body if "(%rsp" in b or "[sp" in b)


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, insn = argv
    with open(path) as f:
        best = hottest(f.read(), insn)
    if best is None:
        print(f"{insn} loop: none")
        return 1
    count, body = best
    print(f"{insn} loop: {count} {insn}, {len(body)} instructions, "
          f"{stack_accesses(body)} stack accesses")
    for m in sorted({mnemonic(b) for b in body}):
        print(f"insn: {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
