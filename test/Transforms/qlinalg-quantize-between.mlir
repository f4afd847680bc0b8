// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration-all.json" \
// RUN:   | FileCheck %s
//
// The ops between the contractions: adds and products of two computed
// tensors become qlinalg.add / qlinalg.mul, max pooling runs on the
// integers with its input's type, an activation after a quantized unit is
// quantized to its own calibrated type (for --qlinalg-fuse to fold), and
// ops that only move elements (reshapes, transposes, slices, broadcasts)
// follow a dequantize onto the integers, so that quantize and dequantize
// stay at the borders of the int8 regions. Inputs/calibration-all.json gives
// every id the range [-1, 2] (scale 3/255, zero point -43).

// Tests a residual block: the add of a matmul's result and the matmul's own
// input takes both as integers (the requantized product, and the input's
// one quantize), and the ReLU6 after it is quantized to its id t3.

// CHECK-LABEL: func.func @residual
// CHECK: %[[X:.*]] = qlinalg.quantize %arg0 {qlinalg.tensor_id = "t0"}
// CHECK: %[[Y:.*]] = qlinalg.requantize {{.*}} {qlinalg.tensor_id = "t1"}
// CHECK-NEXT: %[[S:.*]] = qlinalg.add %[[Y]], %[[X]] multiplier(fixed_point) rounding(half_away_from_zero) {qlinalg.tensor_id = "t2"}
// CHECK-NEXT: %[[SF:.*]] = qlinalg.dequantize %[[S]]
// CHECK-NEXT: %[[R:.*]] = linalg.generic {{.*}} ins(%[[SF]] :
// CHECK: arith.minimumf
// CHECK: %[[RQ:.*]] = qlinalg.quantize %[[R]] {qlinalg.tensor_id = "t3"}
// CHECK-NEXT: %[[RF:.*]] = qlinalg.dequantize %[[RQ]]
// CHECK-NEXT: return %[[RF]]

func.func @residual(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%d) : tensor<?x4xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x4xf32>) outs(%f : tensor<?x4xf32>) -> tensor<?x4xf32>
  %s = linalg.add ins(%y, %x : tensor<?x4xf32>, tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %six = arith.constant 6.0 : f32
    %m = arith.maximumf %in, %zero : f32
    %n = arith.minimumf %m, %six : f32
    linalg.yield %n : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Tests that a max pooling after a convolution, with its -inf padding and
// accumulator, runs on the i8 storage of the convolution's result: the pad
// and the fill quantize -inf to -128, and the flatten after it stays on the
// integers until the dequantize at the border.

// CHECK-LABEL: func.func @pool
// CHECK: %[[C:.*]] = qlinalg.requantize {{.*}} {qlinalg.tensor_id = "t1"}
// CHECK: %[[CS:.*]] = quant.scast %[[C]] : {{.*}} to tensor<1x2x4x4xi8>
// CHECK-NEXT: %[[NINF:.*]] = arith.constant -128 : i8
// CHECK-NEXT: tensor.pad %[[CS]] low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NINF]] : i8
// CHECK: linalg.fill ins(%{{.*}} : i8) outs(%{{.*}} : tensor<1x2x2x2xi8>)
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x2x5x5xi8>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x2x2x2xi8>)
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : tensor<1x2x2x2xi8> into tensor<1x8xi8>
// CHECK: %[[F:.*]] = qlinalg.dequantize %{{.*}} : tensor<1x8x!quant.uniform<i8:f32, {{.*}}>> to tensor<1x8xf32>
// CHECK-NEXT: return %[[F]]
// CHECK-NOT: linalg.pooling_nchw_max {{.*}} f32

func.func @pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x8xf32> {
  %w = arith.constant dense<0.25> : tensor<2x2x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) outs(%f : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = tensor.pad %c low[0, 0, 0, 0] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %cc: index, %dd: index):
    tensor.yield %ninf : f32
  } : tensor<1x2x4x4xf32> to tensor<1x2x5x5xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %pe = tensor.empty() : tensor<1x2x2x2xf32>
  %pf = linalg.fill ins(%ninf : f32) outs(%pe : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %m = linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%p, %win : tensor<1x2x5x5xf32>, tensor<2x2xf32>) outs(%pf : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %flat = tensor.collapse_shape %m [[0], [1, 2, 3]] : tensor<1x2x2x2xf32> into tensor<1x8xf32>
  return %flat : tensor<1x8xf32>
}

// -----

// Tests that a transpose, a slice, a broadcast and an expand_shape after a
// matmul all run on its i8 result, with one dequantize at the end.

// CHECK-LABEL: func.func @moves
// CHECK: %[[Y:.*]] = qlinalg.requantize
// CHECK: linalg.transpose ins(%{{.*}} : tensor<2x4xi8>) outs(%{{.*}} : tensor<4x2xi8>) permutation = [1, 0]
// CHECK: tensor.extract_slice %{{.*}}[1, 0] [3, 1] [1, 1] : tensor<4x2xi8> to tensor<3xi8>
// CHECK: linalg.broadcast ins(%{{.*}} : tensor<3xi8>) outs(%{{.*}} : tensor<3x1xi8>) dimensions = [1]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [1, 3, 1] : tensor<3x1xi8> into tensor<1x3x1xi8>
// CHECK-NOT: qlinalg.dequantize
// CHECK: %[[F:.*]] = qlinalg.dequantize
// CHECK-NEXT: return %[[F]]

func.func @moves(%x: tensor<2x4xf32>) -> tensor<1x3x1xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %te = tensor.empty() : tensor<4x2xf32>
  %t = linalg.transpose ins(%y : tensor<2x4xf32>) outs(%te : tensor<4x2xf32>) permutation = [1, 0]
  %s = tensor.extract_slice %t[1, 0] [3, 1] [1, 1] : tensor<4x2xf32> to tensor<3xf32>
  %be = tensor.empty() : tensor<3x1xf32>
  %b = linalg.broadcast ins(%s : tensor<3xf32>) outs(%be : tensor<3x1xf32>) dimensions = [1]
  %r = tensor.expand_shape %b [[0, 1], [2]] output_shape [1, 3, 1] : tensor<3x1xf32> into tensor<1x3x1xf32>
  return %r : tensor<1x3x1xf32>
}

// -----

// Tests that an elementwise generic multiplying two arguments (in either
// operand order) becomes qlinalg.mul of their quantized values.

// CHECK-LABEL: func.func @mul_args
// CHECK-DAG: %[[B:.*]] = qlinalg.quantize %arg1 {qlinalg.tensor_id = "t1"}
// CHECK-DAG: %[[A:.*]] = qlinalg.quantize %arg0 {qlinalg.tensor_id = "t0"}
// CHECK: %[[M:.*]] = qlinalg.mul %[[A]], %[[B]] multiplier(fixed_point) rounding(half_away_from_zero) {qlinalg.tensor_id = "t2"}
// CHECK-NEXT: qlinalg.dequantize %[[M]]

func.func @mul_args(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %p = arith.mulf %y, %x : f32
    linalg.yield %p : f32
  } -> tensor<8xf32>
  return %m : tensor<8xf32>
}

// -----

// Tests that an add of a constant that is not a contraction's bias stays in
// float, with a remark.

// CHECK-LABEL: func.func @add_constant
// CHECK-NOT: qlinalg.
// CHECK: linalg.add

func.func @add_constant(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = arith.constant dense<1.0> : tensor<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  // expected-remark @+1 {{linalg.add left in float: an operand is a constant or computed from constants alone (only two computed tensors are quantized)}}
  %s = linalg.add ins(%x, %c : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  return %s : tensor<8xf32>
}

// -----

// Tests that an activation not after a quantized unit stays in float and
// needs no calibration entry.

// CHECK-LABEL: func.func @relu_of_argument
// CHECK-NOT: qlinalg.
// CHECK: arith.maxnumf

func.func @relu_of_argument(%x: tensor<8xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maxnumf %zero, %in : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// Tests that a max pooling of an argument quantizes the argument with its
// id and pools the integers, the dynamic batch of its accumulator taken from
// the float accumulator's tensor.empty, and a finite "-inf" fill
// (-3.4e38) quantized to -128.

// CHECK-LABEL: func.func @pool_of_argument
// CHECK: %[[X:.*]] = qlinalg.quantize %arg0 {qlinalg.tensor_id = "t0"}
// CHECK: %[[D:.*]] = tensor.dim %arg0
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x2x2x2xi8>
// CHECK: linalg.fill ins(%c-128_i8 : i8) outs(%[[E]] : tensor<?x2x2x2xi8>)
// CHECK: linalg.pooling_nhwc_max {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x4x4x2xi8>, tensor<2x2xf32>)
// CHECK-NOT: linalg.fill ins(%{{.*}} : f32)

func.func @pool_of_argument(%x: tensor<?x4x4x2xf32>) -> tensor<?x2x2x2xf32> {
  %ninf = arith.constant -3.4e38 : f32
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x4x4x2xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %pe = tensor.empty(%d) : tensor<?x2x2x2xf32>
  %pf = linalg.fill ins(%ninf : f32) outs(%pe : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  %m = linalg.pooling_nhwc_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%x, %win : tensor<?x4x4x2xf32>, tensor<2x2xf32>) outs(%pf : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  return %m : tensor<?x2x2x2xf32>
}

// -----

// Tests that an average pooling (a zero-padded sum pooling divided by the
// window size 4) sums the integers in i32, pads holding the zero point -43,
// and divides with TFLite's rounding (ties away from zero: + or - 2, then a
// truncating division), in the input's type.

// CHECK-LABEL: func.func @avg
// CHECK: %[[X:.*]] = qlinalg.quantize %arg0 {qlinalg.tensor_id = "t0"}
// CHECK: tensor.yield %c-43_i8 : i8
// CHECK: linalg.fill ins(%c0_i32 : i32)
// CHECK: %[[S:.*]] = linalg.pooling_nchw_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x2x6x6xi8>, tensor<2x2xf32>) outs(%{{.*}} : tensor<?x2x3x3xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<?x2x3x3xi32>)
// CHECK: arith.select %{{.*}}, %c2_i32, %c-2_i32 : i32
// CHECK: arith.divsi %{{.*}}, %c4_i32 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: qlinalg.dequantize %{{.*}} : tensor<?x2x3x3x!quant.uniform<i8:f32, 0.011764706112444401:-43>>
// CHECK-NOT: arith.divf
func.func @avg(%x: tensor<?x2x4x4xf32>) -> tensor<?x2x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2x4x4xf32>
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<?x2x4x4xf32> to tensor<?x2x6x6xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e = tensor.empty(%n) : tensor<?x2x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2x3x3xf32>) -> tensor<?x2x3x3xf32>
  %s = linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%p, %win : tensor<?x2x6x6xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2x3x3xf32>) -> tensor<?x2x3x3xf32>
  %e2 = tensor.empty(%n) : tensor<?x2x3x3xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<?x2x3x3xf32>) outs(%e2 : tensor<?x2x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %four = arith.constant 4.0 : f32
    %d = arith.divf %in, %four : f32
    linalg.yield %d : f32
  } -> tensor<?x2x3x3xf32>
  return %a : tensor<?x2x3x3xf32>
}

// -----

// Tests that a sum pooling divided by something other than its window size
// stays in float, with a remark.

// CHECK-LABEL: func.func @avg_other_divisor
// CHECK-NOT: qlinalg.
// CHECK: linalg.pooling_nchw_sum
func.func @avg_other_divisor(%x: tensor<?x2x4x4xf32>) -> tensor<?x2x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2x4x4xf32>
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<?x2x4x4xf32> to tensor<?x2x6x6xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %e = tensor.empty(%n) : tensor<?x2x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2x3x3xf32>) -> tensor<?x2x3x3xf32>
  // expected-remark @+1 {{linalg.pooling_nchw_sum left in float: its sum is not divided by the window size (an average pooling that excludes the padding has no constant divisor)}}
  %s = linalg.pooling_nchw_sum {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
      ins(%p, %win : tensor<?x2x6x6xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2x3x3xf32>) -> tensor<?x2x3x3xf32>
  %e2 = tensor.empty(%n) : tensor<?x2x3x3xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<?x2x3x3xf32>) outs(%e2 : tensor<?x2x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %four = arith.constant 3.0 : f32
    %d = arith.divf %in, %four : f32
    linalg.yield %d : f32
  } -> tensor<?x2x3x3xf32>
  return %a : tensor<?x2x3x3xf32>
}

// -----

// Tests that a float op reading a quantized op's dequantized result (an
// exp: qlinalg does not quantize it) says so: the int8 region ends there.

// CHECK-LABEL: func.func @border
// CHECK: qlinalg.dequantize
// CHECK: math.exp
func.func @border(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-remark @+1 {{linalg.generic stays in float after quantized ops (qlinalg does not quantize it): their results are dequantized for it}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %x1 = math.exp %in : f32
    linalg.yield %x1 : f32
  } -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// -----

// Tests that an add whose operand is broadcast by the generic's indexing
// maps (a per-column vector computed at run time) stays in float with a
// remark naming why, and only that remark.

// CHECK-LABEL: func.func @broadcast_add
// CHECK: qlinalg.dequantize
// CHECK: arith.addf
func.func @broadcast_add(%x: tensor<2x4xf32>, %v: tensor<4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-remark @+1 {{linalg.generic left in float: an operand is broadcast by its indexing maps (qlinalg.add and qlinalg.mul take two tensors of one shape)}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%y, %v : tensor<2x4xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.addf %a, %b : f32
    linalg.yield %t : f32
  } -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}

// -----

// Tests that the ops between contractions on other element types than f32
// (an f16 residual add, an f64 max pooling) stay in float with a remark.

// CHECK-LABEL: func.func @other_element_types
// CHECK-NOT: qlinalg.
// CHECK: linalg.add
// CHECK: linalg.pooling_nchw_max
func.func @other_element_types(%a: tensor<4xf16>, %b: tensor<4xf16>, %x: tensor<1x1x4x4xf64>) -> (tensor<4xf16>, tensor<1x1x2x2xf64>) {
  %e = tensor.empty() : tensor<4xf16>
  // expected-remark @+1 {{linalg.add left in float: only f32 tensors are quantized}}
  %s = linalg.add ins(%a, %b : tensor<4xf16>, tensor<4xf16>) outs(%e : tensor<4xf16>) -> tensor<4xf16>
  %ninf = arith.constant 0xFFF0000000000000 : f64
  %pe = tensor.empty() : tensor<1x1x2x2xf64>
  %pf = linalg.fill ins(%ninf : f64) outs(%pe : tensor<1x1x2x2xf64>) -> tensor<1x1x2x2xf64>
  %win = tensor.empty() : tensor<2x2xf64>
  // expected-remark @+1 {{linalg.pooling_nchw_max left in float: only f32 tensors are quantized}}
  %p = linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<2> : vector<2xi64>}
       ins(%x, %win : tensor<1x1x4x4xf64>, tensor<2x2xf64>) outs(%pf : tensor<1x1x2x2xf64>) -> tensor<1x1x2x2xf64>
  return %s, %p : tensor<4xf16>, tensor<1x1x2x2xf64>
}
