// What --qlinalg-lower tells the user when it cannot or will not lower.
//
// RUN: split-file %s %t
// RUN: qlinalg-opt %t/dynamic-columns.mlir --qlinalg-lower --verify-diagnostics
// RUN: not qlinalg-opt %t/empty.mlir --qlinalg-lower=target=help 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// Tests that an unknown target lists the target table with its one-line
// summaries.
// UNKNOWN: error: unknown target 'help'; known targets: host (the best target for the running CPU), x86-avx512-vnni, x86-avx2, aarch64-i8mm, aarch64-dotprod, generic (qlinalg-opt --qlinalg-list-targets describes them)

//--- dynamic-columns.mlir
// Tests that a per-channel matmul with a dynamic number of columns is
// rejected with the reason (the lowering folds per-channel constants), not
// with a bare "failed to legalize".
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x?x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
!ACC = tensor<2x?x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
func.func @per_channel_dynamic_columns(%a: !A, %b: !B) -> !ACC {
  // expected-error-re @+1 {{per-channel{{.*}}static}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> !ACC
  return %0 : !ACC
}

//--- empty.mlir
module {
}
