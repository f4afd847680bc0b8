// Why qlinalg has its own quantize op: MLIR 22's --lower-quant-ops lowers
// quant.qcast with arith.fptosi, which truncates toward zero and does not
// saturate, while qlinalg.quantize rounds half to even and saturates (ONNX
// QuantizeLinear). Scale 1.0 and zero point 0, on [2.6, -2.6, 300.0]:
// upstream gives [2, -2, <out of range>], qlinalg gives [3, -3, 127].
//
// RUN: split-file %s %t
//
// The IR of both lowerings.
// RUN: %upstream_mlir_opt %t/upstream.mlir --lower-quant-ops | FileCheck %s --check-prefix=UPSTREAM-IR
// RUN: qlinalg-opt %t/qlinalg.mlir --qlinalg-lower | FileCheck %s --check-prefix=QLINALG-IR
//
// The numbers.
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([2.6, -2.6, 300.0], dtype=np.float32))"
// RUN: qlinalg-run %t/qlinalg.mlir --entry=quantize --inputs=%t/x.npy --outputs=%t/qlinalg.npy
// RUN: %python -c "import numpy as np; q = np.load('%t/qlinalg.npy'); print(q.dtype, q.tolist())" \
// RUN:   | FileCheck %s --check-prefix=QLINALG-OUT
// qlinalg-run lowers what is not lowered yet; the upstream-lowered module
// still holds quant.scast and elementwise arith on tensors.
// RUN: %upstream_mlir_opt %t/upstream.mlir --lower-quant-ops -o %t/upstream-lowered.mlir
// RUN: qlinalg-run %t/upstream-lowered.mlir --entry=quantize --inputs=%t/x.npy --outputs=%t/upstream.npy
// RUN: %python -c "import numpy as np; q = np.load('%t/upstream.npy'); print(q.dtype, q.tolist()[:2])" \
// RUN:   | FileCheck %s --check-prefix=UPSTREAM-OUT

// Tests that upstream lowers quant.qcast to a division and a bare fptosi to
// i8: no rounding op and no clamp.
// UPSTREAM-IR-LABEL: func.func @quantize
// UPSTREAM-IR-NOT: math.round
// UPSTREAM-IR-NOT: maxnumf
// UPSTREAM-IR-NOT: minnumf
// UPSTREAM-IR: %[[D:.*]] = arith.divf
// UPSTREAM-IR-NOT: math.round
// UPSTREAM-IR-NEXT: %[[I:.*]] = arith.fptosi %[[D]] : tensor<3xf32> to tensor<3xi8>
// UPSTREAM-IR-NEXT: quant.scast %[[I]]

// Tests that qlinalg.quantize rounds half to even and clamps to [-128, 127]
// before converting.
// QLINALG-IR-LABEL: func.func @quantize
// QLINALG-IR: %[[D:.*]] = arith.divf
// QLINALG-IR-NEXT: %[[R:.*]] = math.roundeven %[[D]] : f32
// QLINALG-IR: arith.maxnumf %{{.*}}, %{{.*}} : f32
// QLINALG-IR: arith.minnumf %{{.*}}, %{{.*}} : f32
// QLINALG-IR: arith.fptosi %{{.*}} : f32 to i32

// Tests that qlinalg's numbers are rounded and saturated.
// QLINALG-OUT: int8 [3, -3, 127]

// Tests that upstream's numbers are truncated toward zero (300 does not fit
// in i8; fptosi then gives poison, so its value is not checked).
// UPSTREAM-OUT: int8 [2, -2]

//--- upstream.mlir
func.func @quantize(%x: tensor<3xf32>) -> tensor<3x!quant.uniform<i8:f32, 1.0>> {
  %q = quant.qcast %x : tensor<3xf32> to tensor<3x!quant.uniform<i8:f32, 1.0>>
  return %q : tensor<3x!quant.uniform<i8:f32, 1.0>>
}

//--- qlinalg.mlir
func.func @quantize(%x: tensor<3xf32>) -> tensor<3x!quant.uniform<i8:f32, 1.0>> {
  %q = qlinalg.quantize %x : tensor<3xf32> to tensor<3x!quant.uniform<i8:f32, 1.0>>
  return %q : tensor<3x!quant.uniform<i8:f32, 1.0>>
}
