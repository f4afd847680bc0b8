// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower=target=generic --canonicalize --cse | FileCheck %s
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=x86-avx512-vnni explain=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=VNNI
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=x86-avx2 explain=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2
//
// The lowering of run-time quantized activations (mode=dynamic) and of
// float activations times quantized weights (mode=weight-only).

// Tests that qlinalg.dynamic_quantize becomes one reduction for min(0, x)
// and max(0, x) (from a 0-filled init), ONNX's scale and zero point, and an
// elementwise quantize with them; that the contraction over its integers
// takes the column term -za * sum_k w as a run-time vector (t0 + za *
// slope, slope = -column sums: -(1 + 4 + 7 + 10) = -22, ...), the exact
// product (u8 x s8), then f32(acc) * (scale * sb[n]).
// CHECK-LABEL: func.func @dynamic
// CHECK-DAG:   %[[SB:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01, 1.250000e-01]> : tensor<3xf32>
// CHECK-DAG:   %[[SLOPE:.*]] = arith.constant dense<[-22, -6, -18]> : tensor<3xi32>
// CHECK-DAG:   %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:   %[[QMAX:.*]] = arith.constant 2.550000e+02 : f32
// CHECK:       %[[RANGE:.*]]:2 = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK:         arith.minimumf
// CHECK:         arith.maximumf
// CHECK:       %[[LO:.*]] = tensor.extract %[[RANGE]]#0[]
// CHECK:       %[[HI:.*]] = tensor.extract %[[RANGE]]#1[]
// CHECK:       %[[WIDTH:.*]] = arith.subf %[[HI]], %[[LO]] : f32
// CHECK:       %[[S0:.*]] = arith.divf %[[WIDTH]], %[[QMAX]] : f32
// CHECK:       %[[ZERO:.*]] = arith.cmpf oeq, %[[HI]], %[[LO]] : f32
// CHECK:       %[[S:.*]] = arith.select %[[ZERO]], %[[ONE]], %[[S0]] : f32
// CHECK:       %[[ZPF:.*]] = math.roundeven
// CHECK:       %[[Q:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<?x4xf32>) outs(%{{.*}} : tensor<?x4xi8>)
// CHECK:         arith.divf %{{.*}}, %[[S]] : f32
// CHECK:         arith.addf %{{.*}}, %[[ZPF]] : f32
// CHECK:       %[[ZP:.*]] = arith.fptosi %[[ZPF]] : f32 to i32
// CHECK:       %[[TERM:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[SLOPE]] : tensor<3xi32>, tensor<3xi32>)
// CHECK:         arith.muli %[[ZP]], %{{.*}} : i32
// CHECK:       %[[INIT:.*]] = linalg.broadcast ins(%[[TERM]] : tensor<3xi32>)
// CHECK:       %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[Q]], %{{.*}} : tensor<?x4xi8>, tensor<4x3xi8>) outs(%[[INIT]] : tensor<?x3xi32>)
// CHECK:         arith.extui
// CHECK:         arith.extsi
// CHECK:       linalg.generic {{.*}} ins(%[[ACC]], %[[SB]] : tensor<?x3xi32>, tensor<3xf32>) outs(%{{.*}} : tensor<?x3xf32>)
// CHECK-NEXT:  ^bb0(%[[A:.*]]: i32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:    %[[SS:.*]] = arith.mulf %[[S]], %[[B]] : f32
// CHECK-NEXT:    %[[AF:.*]] = arith.sitofp %[[A]] : i32 to f32
// CHECK-NEXT:    %[[Y:.*]] = arith.mulf %[[AF]], %[[SS]] : f32
// CHECK-NEXT:    linalg.yield %[[Y]]
// The packed kernels take it too, the run-time column term as the
// accumulators' init.
// VNNI: remark: kernel x86-avx512-vnni: step vpdpbusd zmm, {{.*}}; the run-time scale applied after it
// AVX2: remark: kernel x86-avx2: {{.*}}; the run-time scale applied after it
!W = tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25, 0.125}>>
func.func @dynamic(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wi = arith.constant dense<[[1, -2, 3], [4, 5, -6], [7, -8, 9], [10, 11, 12]]> : tensor<4x3xi8>
  %w = quant.scast %wi : tensor<4x3xi8> to !W
  %q, %s, %z = qlinalg.dynamic_quantize %x : tensor<?x4xf32> -> tensor<?x4xui8>, f32, i32
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %y = qlinalg.contract ins(%q, %w : tensor<?x4xui8>, !W) lhs_params(%s, %z) outs(%e : tensor<?x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Tests that weight-only with per-channel weights is one generic over the
// contraction's loops whose body dequantizes each weight where it reads it
// (the scales indexed by the column), summed in f32, marked for the
// vectorizer as the integer kernel is.
// CHECK-LABEL: func.func @weight_only_per_channel
// CHECK-DAG:   %[[SB:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01, 1.250000e-01]> : tensor<3xf32>
// CHECK:       %[[INIT:.*]] = linalg.fill
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %{{.*}}, %[[SB]] : tensor<?x4xf32>, tensor<4x3xi8>, tensor<3xf32>) outs(%[[INIT]] : tensor<?x3xf32>) attrs = {qlinalg.kernel}
// CHECK-NEXT:  ^bb0(%[[X:.*]]: f32, %[[W:.*]]: i8, %[[S:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:    %[[WI:.*]] = arith.extsi %[[W]] : i8 to i32
// CHECK-NEXT:    %[[WF:.*]] = arith.sitofp %[[WI]] : i32 to f32
// CHECK-NEXT:    %[[WS:.*]] = arith.mulf %[[WF]], %[[S]] : f32
// CHECK-NEXT:    %[[P:.*]] = arith.mulf %[[X]], %[[WS]] : f32
// CHECK-NEXT:    %[[SUM:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT:    linalg.yield %[[SUM]]
// VNNI: remark: kernel generic: weight-only, the weights dequantized where they are read
!W = tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25, 0.125}>>
func.func @weight_only_per_channel(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wi = arith.constant dense<[[1, -2, 3], [4, 5, -6], [7, -8, 9], [10, 11, 12]]> : tensor<4x3xi8>
  %w = quant.scast %wi : tensor<4x3xi8> to !W
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %y = qlinalg.contract ins(%x, %w : tensor<?x4xf32>, !W) outs(%e : tensor<?x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Tests that per-group weights (groups of 2 rows, per column, zero points
// included) are dequantized once per call, over the weights' own
// dimensions (the grid indexed by (k floordiv 2, n)), then the float
// contraction reads them.
// CHECK-LABEL: func.func @weight_only_per_group
// CHECK-DAG:   %[[ZB:.*]] = arith.constant dense<{{\[\[}}1, -2, 0], [3, 0, -1]]> : tensor<2x3xi32>
// CHECK-DAG:   %[[SB:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01, 1.250000e-01], [1.000000e+00, 2.000000e+00, 4.000000e+00]]> : tensor<2x3xf32>
// CHECK:       %[[INIT:.*]] = linalg.fill
// CHECK:       %[[WDQ:.*]] = linalg.generic {indexing_maps = [#[[ID:.*]], #[[GRID:.*]], #[[GRID]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[SB]], %[[ZB]] : tensor<4x3xi8>, tensor<2x3xf32>, tensor<2x3xi32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK-NEXT:  ^bb0(%[[W:.*]]: i8, %[[S:.*]]: f32, %[[Z:.*]]: i32, %{{.*}}: f32):
// CHECK-NEXT:    %[[WI:.*]] = arith.extsi %[[W]] : i8 to i32
// CHECK-NEXT:    %[[C:.*]] = arith.subi %[[WI]], %[[Z]] : i32
// CHECK-NEXT:    %[[CF:.*]] = arith.sitofp %[[C]] : i32 to f32
// CHECK-NEXT:    %[[WF:.*]] = arith.mulf %[[CF]], %[[S]] : f32
// CHECK-NEXT:    linalg.yield %[[WF]]
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %[[WDQ]] : tensor<?x4xf32>, tensor<4x3xf32>) outs(%[[INIT]] : tensor<?x3xf32>) attrs = {qlinalg.kernel}
// CHECK-NEXT:  ^bb0(%[[X:.*]]: f32, %[[WV:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:    %[[P:.*]] = arith.mulf %[[X]], %[[WV]] : f32
// CHECK-NEXT:    %[[SUM:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT:    linalg.yield %[[SUM]]
// VNNI: remark: kernel generic: weight-only, the weights dequantized once per call, then the float contraction
!W = tensor<4x3x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5:1, 0.25:-2, 0.125:0}, {1.0:3, 2.0:0, 4.0:-1}}>>
func.func @weight_only_per_group(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wi = arith.constant dense<[[1, -2, 3], [4, 5, -6], [7, -8, 9], [10, 11, 12]]> : tensor<4x3xi8>
  %w = quant.scast %wi : tensor<4x3xi8> to !W
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %y = qlinalg.contract ins(%x, %w : tensor<?x4xf32>, !W) outs(%e : tensor<?x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
