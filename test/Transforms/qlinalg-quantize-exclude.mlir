// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration-all.json exclude=t3" \
// RUN:   | FileCheck %s
// RUN: qlinalg-opt %s --split-input-file \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration-all.json exclude=linalg.add" \
// RUN:   2>%t.remarks | FileCheck %s --check-prefix=NAME
// RUN: FileCheck %s --check-prefix=NAME-REMARK < %t.remarks
// RUN: qlinalg-opt %S/Inputs/exclude-unknown.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration-all.json exclude=t1,t42"
//
// exclude= keeps in float every op that reads or produces a listed tensor
// id, and every op of a listed name, with a remark; an activation after an
// excluded op stays float too. A name that is neither an id nor an op of
// the module is an error that names it.
//
// Ids: t0 = %x, t1 = %y (the first matmul), t2 = %r (its ReLU), t3 = %z
// (the second matmul), t4 = %s (the residual add).

// CHECK-LABEL: func.func @block
// CHECK: qlinalg.matmul
// CHECK: qlinalg.quantize %{{.*}} {qlinalg.tensor_id = "t2"}
// CHECK: linalg.matmul
// CHECK: linalg.add
// CHECK-NOT: qlinalg.add

// NAME-LABEL: func.func @block
// NAME: qlinalg.matmul
// NAME: qlinalg.matmul
// NAME: linalg.add
// NAME-NOT: qlinalg.add
// NAME-REMARK: remark: linalg.add left in float: excluded (exclude=linalg.add)
// NAME-REMARK-NOT: remark:

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @block(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  // expected-remark @+1 {{linalg.matmul left in float: excluded (exclude=t3)}}
  %z = linalg.matmul ins(%r, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-remark @+1 {{linalg.add left in float: excluded (exclude=}}
  %s = linalg.add ins(%z, %r : tensor<2x4xf32>, tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}
