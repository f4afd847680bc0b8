// RUN: split-file %s %t
// RUN: qlinalg-opt %t/quantized.mlir --split-input-file --qlinalg-lower \
// RUN:   | qlinalg-opt --split-input-file --qlinalg-to-llvm | FileCheck %s
// RUN: qlinalg-opt %t/not-lowered.mlir --split-input-file --qlinalg-to-llvm --verify-diagnostics
// The signature is text, so stock mlir-translate (no quant dialect) reads
// the lowered quantized module as it is.
// RUN: qlinalg-opt %t/quantized.mlir --split-input-file --qlinalg-lower \
// RUN:   | qlinalg-opt --split-input-file --qlinalg-to-llvm -o %t/lowered.mlir
// RUN: mlir-translate --split-input-file --mlir-to-llvmir %t/lowered.mlir | FileCheck %s --check-prefix=IR
// IR: define {{.*}} @matmul(

//--- quantized.mlir
// Tests that a lowered quantized function becomes an llvm.func that keeps
// the quantized tensor signature written by --qlinalg-lower (not its i8/i32
// storage signature), with no func, tensor, linalg or quant op left.

// CHECK-LABEL: llvm.func @matmul
// CHECK-SAME: attributes {qlinalg.signature = "(tensor<?x2x!quant.uniform<i8:f32, 5.000000e-01:10>>) -> tensor<?x2x!quant.uniform<i8:f32, 5.000000e-01:-4>>"}
// CHECK-NOT: func.func
// CHECK-NOT: linalg.
// CHECK-NOT: tensor.
// CHECK-NOT: quant.
// CHECK: llvm.return
!A = tensor<?x2x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>>
!R = tensor<?x2x!quant.uniform<i8:f32, 0.5:-4>>
func.func @matmul(%a: !A) -> !R {
  %wd = arith.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %w = quant.scast %wd : tensor<2x2xi8> to !W
  %0 = qlinalg.matmul %a, %w multiplier(fixed_point) rounding(half_away_from_zero) : !A, !W -> !R
  return %0 : !R
}

// -----

// Tests that a float-border function (f32 in, f32 out) also gets its tensor
// signature, and that an external declaration gets none.

// CHECK-LABEL: llvm.func @declaration
// CHECK-NOT: qlinalg.signature
// CHECK-SAME: attributes {sym_visibility = "private"}
// CHECK-LABEL: llvm.func @float_border
// CHECK-SAME: attributes {qlinalg.signature = "(tensor<3xf32>) -> tensor<3xf32>"}
// CHECK: llvm.intr.roundeven
// CHECK-NOT: math.
// CHECK: llvm.return
func.func private @declaration(tensor<3xf32>) -> tensor<3xf32>
func.func @float_border(%x: tensor<3xf32>) -> tensor<3xf32> {
  %q = qlinalg.quantize %x : tensor<3xf32> to tensor<3x!quant.uniform<i8:f32, 0.25:1>>
  %y = qlinalg.dequantize %q : tensor<3x!quant.uniform<i8:f32, 0.25:1>> to tensor<3xf32>
  return %y : tensor<3xf32>
}

//--- not-lowered.mlir
// Tests that --qlinalg-to-llvm refuses a module that still holds qlinalg ops.
// expected-error @+1 {{qlinalg ops remain; run --qlinalg-lower before --qlinalg-to-llvm}}
module {
  func.func @f(%x: tensor<3xf32>) -> tensor<3x!quant.uniform<i8:f32, 0.25:1>> {
    %q = qlinalg.quantize %x : tensor<3xf32> to tensor<3x!quant.uniform<i8:f32, 0.25:1>>
    return %q : tensor<3x!quant.uniform<i8:f32, 0.25:1>>
  }
}

// -----

// Tests that a lone qlinalg.observe, which only --qlinalg-lower removes, is
// refused too.
// expected-error @+1 {{qlinalg ops remain; run --qlinalg-lower before --qlinalg-to-llvm}}
module {
  func.func @f(%x: tensor<3xf32>) -> tensor<3xf32> {
    %o = qlinalg.observe %x {id = "t0"} : tensor<3xf32>
    return %o : tensor<3xf32>
  }
}
