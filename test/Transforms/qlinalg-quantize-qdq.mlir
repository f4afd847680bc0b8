// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics --qlinalg-quantize | FileCheck %s
// RUN: qlinalg-opt %s --split-input-file --qlinalg-instrument | FileCheck %s --check-prefix=IDS
//
// A module in QDQ form (quant.qcast -> quant.dcast around float ops, as QAT
// flows and ONNX QDQ models carry their scales) quantizes with the
// annotations' types and no calibration table: the input with its
// annotation, the constant weights with the annotation's per-channel scales
// instead of their own min/max, the result requantized to its annotation.
// The annotations have no tensor ids of their own, so the ids are those of
// the float module without them (t0 = %x, t1 = %y).

// CHECK-LABEL: func.func @qdq
// CHECK: %[[X:.*]] = qlinalg.quantize %arg0 {qlinalg.tensor_id = "t0"} : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 2.000000e-02:-5>>
// CHECK: %[[WD:.*]] = arith.constant dense<{{\[}}[50, 25, 17], [-50, -25, -17], [100, 50, 33], [0, 0, 0]]> : tensor<4x3xi8>
// CHECK: %[[W:.*]] = quant.scast %[[WD]] : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {1.000000e-02,2.000000e-02,3.000000e-02}>>
// CHECK: %[[ACC:.*]] = qlinalg.matmul %[[X]], %[[W]]
// CHECK: qlinalg.requantize %[[ACC]] {{.*}} -> tensor<2x3x!quant.uniform<i8:f32, 5.000000e-02:3>>
// CHECK-NOT: quant.qcast
// CHECK-NOT: quant.dcast

// IDS-LABEL: func.func @qdq
// IDS: qlinalg.observe %arg0 {id = "t0"}
// IDS: %[[Y:.*]] = linalg.matmul
// IDS-NEXT: qlinalg.observe %[[Y]] {id = "t1"}
// IDS-NOT: qlinalg.observe
func.func @qdq(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %xq = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.02:-5>>
  %xd = quant.dcast %xq : tensor<2x4x!quant.uniform<i8:f32, 0.02:-5>> to tensor<2x4xf32>
  %w = arith.constant dense<[[0.5, 0.5, 0.5], [-0.5, -0.5, -0.5], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]> : tensor<4x3xf32>
  %wq = quant.qcast %w : tensor<4x3xf32> to tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {0.01, 0.02, 0.03}>>
  %wd = quant.dcast %wq : tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {0.01, 0.02, 0.03}>> to tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul ins(%xd, %wd : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %yq = quant.qcast %y : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.05:3>>
  %yd = quant.dcast %yq : tensor<2x3x!quant.uniform<i8:f32, 0.05:3>> to tensor<2x3xf32>
  return %yd : tensor<2x3xf32>
}

// -----

// Tests that two annotations of one tensor with different types are an
// error naming both.

// IDS-LABEL: func.func @disagree

func.func @disagree(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  // expected-note @+1 {{the other annotation}}
  %a = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.02:-5>>
  %ad = quant.dcast %a : tensor<2x4x!quant.uniform<i8:f32, 0.02:-5>> to tensor<2x4xf32>
  // expected-error @+1 {{QDQ annotations disagree on this tensor: '!quant.uniform<i8:f32, 4.000000e-02:-5>' here, '!quant.uniform<i8:f32, 2.000000e-02:-5>' at the other quant.qcast}}
  %b = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.04:-5>>
  %bd = quant.dcast %b : tensor<2x4x!quant.uniform<i8:f32, 0.04:-5>> to tensor<2x4xf32>
  return %ad, %bd : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Tests that a per-axis annotation along a dimension that is not the
// output channel is an error naming the tensor and the op.

func.func @wrong_axis(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %xq = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.02:-5>>
  %xd = quant.dcast %xq : tensor<2x4x!quant.uniform<i8:f32, 0.02:-5>> to tensor<2x4xf32>
  %wq = quant.qcast %w : tensor<4x3xf32> to tensor<4x3x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>>
  %wd = quant.dcast %wq : tensor<4x3x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03, 0.04}>> to tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @+1 {{the QDQ annotation of tensor id 't1' is per axis along dimension 0, but linalg.matmul takes it per channel along dimension 1}}
  %y = linalg.matmul ins(%xd, %wd : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
