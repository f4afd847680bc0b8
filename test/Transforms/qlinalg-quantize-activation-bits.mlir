// RUN: not qlinalg-opt %s --qlinalg-quantize="activation-bits=16" 2>&1 | FileCheck %s --check-prefix=SIXTEEN
// RUN: not qlinalg-opt %s --qlinalg-quantize="activation-bits=4" 2>&1 | FileCheck %s --check-prefix=FOUR
// RUN: qlinalg-opt %s --qlinalg-quantize="activation-bits=8" | FileCheck %s --check-prefix=EIGHT

// Tests that activation-bits=16 is refused with the reason: the generic
// target would overflow i32 for 16x8-bit products beyond K of about 516, so
// no target of this build has a 16-bit activation kernel.
// SIXTEEN: error: activation-bits=16 needs a kernel that accumulates 16x8-bit products without overflowing i32; no target of this build has one
// FOUR: error: activation-bits 4 is not supported (expected 8)

// EIGHT-LABEL: func.func @empty
func.func @empty() {
  return
}
