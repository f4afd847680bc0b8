// RUN: qlinalg-opt %s --verify-diagnostics --qlinalg-quantize="mode=dynamic" | FileCheck %s --check-prefix=DYN
// RUN: qlinalg-opt %s --verify-diagnostics --qlinalg-quantize="mode=weight-only" | FileCheck %s --check-prefix=WO
// RUN: qlinalg-opt %s --qlinalg-quantize="mode=weight-only weight-bits=4 weight-granularity=per-group group-size=2" 2>/dev/null \
// RUN:   | FileCheck %s --check-prefix=WO4
//
// The modes without a calibration table. mode=dynamic: each contraction
// with constant weights quantizes its float input at run time
// (qlinalg.dynamic_quantize, ONNX DynamicQuantizeLinear, u8) and takes the
// scale and zero point as lhs_params; its result is f32, so the bias add
// and the ReLU stay float ops and nothing else is quantized. mode=weight-only:
// the same contractions read their float input directly. A product of two
// activations (no constant weights) stays float in both, with a remark.

// DYN-LABEL: func.func @mlp
// DYN:       %[[Q:.*]], %[[S:.*]], %[[Z:.*]] = qlinalg.dynamic_quantize %arg0 : tensor<?x4xf32> -> tensor<?x4xui8>, f32, i32
// DYN:       %[[Y:.*]] = qlinalg.contract ins(%[[Q]], %{{.*}} : tensor<?x4xui8>, tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {{.*}}>>) lhs_params(%[[S]], %[[Z]]) outs(%{{.*}} : tensor<?x3xf32>)
// DYN:       linalg.add {qlinalg.tensor_id = "t4"} ins(%[[Y]], %{{.*}} : tensor<?x3xf32>, tensor<?x3xf32>)
// DYN:       arith.maximumf
// DYN:       qlinalg.dynamic_quantize %{{.*}} : tensor<?x3xf32> -> tensor<?x3xui8>, f32, i32
// DYN:       qlinalg.contract {{.*}} lhs_params
// DYN:       linalg.batch_matmul
// DYN-NOT:   qlinalg.quantize
// DYN-NOT:   qlinalg.dequantize

// WO-LABEL: func.func @mlp
// WO-NOT:    qlinalg.dynamic_quantize
// WO:        %[[Y:.*]] = qlinalg.contract ins(%arg0, %{{.*}} : tensor<?x4xf32>, tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {{.*}}>>) outs(%{{.*}} : tensor<?x3xf32>)
// WO:        linalg.add {qlinalg.tensor_id = "t4"} ins(%[[Y]], %{{.*}} : tensor<?x3xf32>, tensor<?x3xf32>)
// WO:        qlinalg.contract ins(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<3x2x!quant.uniform<i8<-127:127>:f32:1, {{.*}}>>)
// WO:        linalg.batch_matmul
// WO-NOT:    qlinalg.quantize

// Per-group int4 weights: groups of 2 rows; K = 3 is not a multiple of 2,
// so the second layer stays float (with a remark).
// WO4-LABEL: func.func @mlp
// WO4:       qlinalg.contract ins(%arg0, %{{.*}} : tensor<?x4xf32>, tensor<4x3x!quant.uniform<i8<-7:7>:f32:{0:2, 1:1}, {{.*}}>>)
// WO4:       linalg.matmul
func.func @mlp(%x: tensor<?x4xf32>, %a: tensor<2x?x5xf32>, %b: tensor<2x5x6xf32>) -> (tensor<?x2xf32>, tensor<2x?x6xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[0.5, -1.0, 0.25], [1.5, 0.75, -0.5], [-2.0, 0.125, 1.0], [0.3, -0.6, 0.9]]> : tensor<4x3xf32>
  %b1 = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %w2 = arith.constant dense<[[1.0, -1.0], [0.5, 0.5], [-0.25, 2.0]]> : tensor<3x2xf32>
  %e1 = tensor.empty(%n) : tensor<?x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x3xf32>) -> tensor<?x3xf32>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<?x4xf32>, tensor<4x3xf32>) outs(%f1 : tensor<?x3xf32>) -> tensor<?x3xf32>
  %bb = linalg.broadcast ins(%b1 : tensor<3xf32>) outs(%e1 : tensor<?x3xf32>) dimensions = [0]
  %h = linalg.add ins(%m1, %bb : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e1 : tensor<?x3xf32>) -> tensor<?x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%h : tensor<?x3xf32>) outs(%e1 : tensor<?x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x3xf32>
  %e2 = tensor.empty(%n) : tensor<?x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%r, %w2 : tensor<?x3xf32>, tensor<3x2xf32>) outs(%f2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %m = tensor.dim %a, %c1 : tensor<2x?x5xf32>
  %e3 = tensor.empty(%m) : tensor<2x?x6xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x?x6xf32>) -> tensor<2x?x6xf32>
  // expected-remark @+1 {{linalg.batch_matmul left in float: mode=}}
  %z = linalg.batch_matmul ins(%a, %b : tensor<2x?x5xf32>, tensor<2x5x6xf32>) outs(%f3 : tensor<2x?x6xf32>) -> tensor<2x?x6xf32>
  return %y, %z : tensor<?x2xf32>, tensor<2x?x6xf32>
}
