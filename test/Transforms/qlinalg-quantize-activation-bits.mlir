// RUN: not qlinalg-opt %s --qlinalg-quantize="activation-bits=16 target=x86-avx2" 2>&1 | FileCheck %s --check-prefix=SIXTEEN
// RUN: not qlinalg-opt %s --qlinalg-quantize="activation-bits=16" 2>&1 | FileCheck %s --check-prefix=SIXTEEN-HOST
// RUN: not qlinalg-opt %s --qlinalg-quantize="activation-bits=4 target=generic" 2>&1 | FileCheck %s --check-prefix=FOUR
// RUN: not qlinalg-opt %s --qlinalg-quantize="target=riscv" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: qlinalg-opt %s --qlinalg-quantize="activation-bits=8" | FileCheck %s --check-prefix=EIGHT

// Tests that the quantizer asks the target which activation widths its
// kernels take, and refuses the others with the reason: a 16-bit kernel
// must accumulate 16x8-bit products without overflowing i32 (beyond K of
// about 516 the generic one would), and no target of this build has one.
// SIXTEEN: error: activation-bits 16: target 'x86-avx2' has no kernel for it (its kernels take 8-bit activations; a 16-bit one must accumulate 16x8-bit products without overflowing i32)
// SIXTEEN-HOST: error: activation-bits 16: target '{{.*}}' has no kernel for it
// FOUR: error: activation-bits 4: target 'generic' has no kernel for it (its kernels take 8-bit activations
// UNKNOWN: error: unknown target 'riscv'; known targets: host

// EIGHT-LABEL: func.func @empty
func.func @empty() {
  return
}
