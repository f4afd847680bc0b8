// RUN: qlinalg-opt %s --split-input-file --qlinalg-fuse | FileCheck %s

// Tests that a requantize of a contraction's sole i32 accumulator becomes
// the contraction's epilogue (its multiplier and rounding, and its tensor
// id), with a new init of the requantized type.

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (n, k)>
#out = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @contract
// CHECK-SAME: (%[[A:.*]]: tensor<?x4x{{.*}}>, %[[W:.*]]: tensor<3x4x{{.*}}>)
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x3x!quant.uniform<i8:f32, 5.000000e-01:-4>>
// CHECK: %[[Y:.*]] = qlinalg.contract ins(%[[A]], %[[W]] : {{.*}}) outs(%[[E]] : tensor<?x3x!quant.uniform<i8:f32, 5.000000e-01:-4>>) multiplier(float) rounding(half_to_even) {indexing_maps = {{.*}}, iterator_types = ["parallel", "parallel", "reduction"], qlinalg.tensor_id = "t2"}
// CHECK-NOT: qlinalg.requantize
// CHECK: return %[[Y]]
func.func @contract(%a: tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, %w: tensor<3x4x!quant.uniform<i8:f32, 0.25>>) -> tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>
  %e = tensor.empty(%m) : tensor<?x3x!quant.uniform<i32:f32, 0.125>>
  %acc = qlinalg.contract ins(%a, %w : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<3x4x!quant.uniform<i8:f32, 0.25>>)
           outs(%e : tensor<?x3x!quant.uniform<i32:f32, 0.125>>)
           {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction"]}
           -> tensor<?x3x!quant.uniform<i32:f32, 0.125>>
  %y = qlinalg.requantize %acc multiplier(float) rounding(half_to_even) {qlinalg.tensor_id = "t2"} : tensor<?x3x!quant.uniform<i32:f32, 0.125>> -> tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>>
  return %y : tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>>
}

// -----

// Tests the same for qlinalg.matmul, with its bias.

// CHECK-LABEL: func.func @matmul
// CHECK: %[[Y:.*]] = qlinalg.matmul %{{.*}}, %{{.*}} bias %{{.*}} multiplier(fixed_point) rounding(half_away_from_zero) : {{.*}} -> tensor<2x3x!quant.uniform<i8:f32, 1.000000e+00>>
// CHECK-NEXT: return %[[Y]]
func.func @matmul(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.25>>, %b: tensor<3x!quant.uniform<i32:f32, 0.125>>) -> tensor<2x3x!quant.uniform<i8:f32, 1.0>> {
  %acc = qlinalg.matmul %a, %w bias %b : tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25>>, tensor<3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  %y = qlinalg.requantize %acc multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i8:f32, 1.0>>
  return %y : tensor<2x3x!quant.uniform<i8:f32, 1.0>>
}

// -----

// Tests that an accumulator with another use is left alone.

// CHECK-LABEL: func.func @shared
// CHECK: %[[ACC:.*]] = qlinalg.matmul %{{.*}}, %{{.*}} : {{.*}} -> tensor<2x3x!quant.uniform<i32:f32, 1.250000e-01>>
// CHECK: qlinalg.requantize %[[ACC]]
// CHECK: return %[[ACC]]
func.func @shared(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.25>>) -> (tensor<2x3x!quant.uniform<i32:f32, 0.125>>, tensor<2x3x!quant.uniform<i8:f32, 1.0>>) {
  %acc = qlinalg.matmul %a, %w : tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  %y = qlinalg.requantize %acc multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i8:f32, 1.0>>
  return %acc, %y : tensor<2x3x!quant.uniform<i32:f32, 0.125>>, tensor<2x3x!quant.uniform<i8:f32, 1.0>>
}

// -----

// Tests that a ReLU between a contraction and the next quantize (as the
// quantizer leaves it: dequantize, a maximumf generic, quantize) becomes
// the contraction's epilogue: it requantizes straight to the ReLU output's
// type and clamps at its zero point -128 (real 0).

// CHECK-LABEL: func.func @relu
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3x!quant.uniform<i8:f32, 2.000000e-01:-128>>
// CHECK: %[[Y:.*]] = qlinalg.contract ins(%{{.*}}, %{{.*}} : {{.*}}) bias(%{{.*}}) outs(%[[E]] : {{.*}}) multiplier(fixed_point) rounding(half_away_from_zero) clamp [-128, 127] {{{.*}}qlinalg.tensor_id = "t3"}
// CHECK-NOT: linalg.generic
// CHECK-NOT: qlinalg.dequantize
// CHECK: return %[[Y]]
func.func @relu(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.25>>, %b: tensor<3x!quant.uniform<i32:f32, 0.125>>) -> tensor<2x3x!quant.uniform<i8:f32, 0.2:-128>> {
  %acc = qlinalg.matmul %a, %w bias %b : tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25>>, tensor<3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  %y = qlinalg.requantize %acc multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i8:f32, 0.3:5>>
  %d = qlinalg.dequantize %y : tensor<2x3x!quant.uniform<i8:f32, 0.3:5>> to tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x3xf32>
  %q = qlinalg.quantize %r {qlinalg.tensor_id = "t3"} : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.2:-128>>
  return %q : tensor<2x3x!quant.uniform<i8:f32, 0.2:-128>>
}

// -----

// Tests that a ReLU whose float result is also returned is left alone.

// CHECK-LABEL: func.func @relu_shared
// CHECK: linalg.generic
// CHECK: qlinalg.quantize
func.func @relu_shared(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.25>>) -> (tensor<2x3xf32>, tensor<2x3x!quant.uniform<i8:f32, 0.2:-128>>) {
  %y = qlinalg.matmul %a, %w multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25>> -> tensor<2x3x!quant.uniform<i8:f32, 0.3:5>>
  %d = qlinalg.dequantize %y : tensor<2x3x!quant.uniform<i8:f32, 0.3:5>> to tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%d : tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x3xf32>
  %q = qlinalg.quantize %r : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.2:-128>>
  return %r, %q : tensor<2x3xf32>, tensor<2x3x!quant.uniform<i8:f32, 0.2:-128>>
}

// -----

// Tests that a ReLU6 (min(max(x, 0), 6)) after a qlinalg.add becomes the
// add's clamp in the ReLU6 output's type (scale 0.05, zero point -128):
// [quantize(0), quantize(6)] = [-128, -8].

#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @add_relu6
// CHECK: %[[Y:.*]] = qlinalg.add %arg0, %arg1 multiplier(fixed_point) rounding(half_away_from_zero) clamp [-128, -8] {qlinalg.tensor_id = "t3"} : {{.*}} -> tensor<8x!quant.uniform<i8:f32, 5.000000e-02:-128>>
// CHECK-NOT: linalg.generic
// CHECK: return %[[Y]]
func.func @add_relu6(%a: tensor<8x!quant.uniform<i8:f32, 0.1:3>>, %b: tensor<8x!quant.uniform<i8:f32, 0.2:-1>>) -> tensor<8x!quant.uniform<i8:f32, 0.05:-128>> {
  %s = qlinalg.add %a, %b multiplier(fixed_point) rounding(half_away_from_zero) : tensor<8x!quant.uniform<i8:f32, 0.1:3>>, tensor<8x!quant.uniform<i8:f32, 0.2:-1>> -> tensor<8x!quant.uniform<i8:f32, 0.25:0>>
  %f = qlinalg.dequantize %s : tensor<8x!quant.uniform<i8:f32, 0.25:0>> to tensor<8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%f : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %six = arith.constant 6.0 : f32
    %m = arith.maximumf %in, %zero : f32
    %n = arith.minimumf %m, %six : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  %q = qlinalg.quantize %r {qlinalg.tensor_id = "t3"} : tensor<8xf32> to tensor<8x!quant.uniform<i8:f32, 0.05:-128>>
  return %q : tensor<8x!quant.uniform<i8:f32, 0.05:-128>>
}

// -----

// Tests that a clamp [-1, 1] written as max(min(x, 1), -1) with maxnumf /
// minnumf after a contraction becomes its clamp: in scale 0.1, zero point
// 5, [quantize(-1), quantize(1)] = [-5, 15].

#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#out = affine_map<(m, n, k) -> (m, n)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @contract_clamp
// CHECK: %[[Y:.*]] = qlinalg.contract {{.*}} multiplier(float) rounding(half_to_even) clamp [-5, 15] {{.*}} -> tensor<2x3x!quant.uniform<i8:f32, 1.000000e-01:5>>
// CHECK-NEXT: return %[[Y]]
func.func @contract_clamp(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.25>>) -> tensor<2x3x!quant.uniform<i8:f32, 0.1:5>> {
  %e = tensor.empty() : tensor<2x3x!quant.uniform<i8:f32, 0.5:0>>
  %y = qlinalg.contract ins(%a, %w : tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25>>)
         outs(%e : tensor<2x3x!quant.uniform<i8:f32, 0.5:0>>) multiplier(float) rounding(half_to_even)
         {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction"]}
         -> tensor<2x3x!quant.uniform<i8:f32, 0.5:0>>
  %f = qlinalg.dequantize %y : tensor<2x3x!quant.uniform<i8:f32, 0.5:0>> to tensor<2x3xf32>
  %fe = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%f : tensor<2x3xf32>) outs(%fe : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.constant -1.0 : f32
    %hi = arith.constant 1.0 : f32
    %m = arith.minnumf %hi, %in : f32
    %n = arith.maxnumf %m, %lo : f32
    linalg.yield %n : f32
  } -> tensor<2x3xf32>
  %q = qlinalg.quantize %r : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.1:5>>
  return %q : tensor<2x3x!quant.uniform<i8:f32, 0.1:5>>
}

// -----

// Tests that a ReLU after a qlinalg.mul becomes its clamp at the zero point.

#id3 = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @mul_relu
// CHECK: qlinalg.mul %arg0, %arg0 multiplier(float) rounding(half_to_even) clamp [7, 127]
func.func @mul_relu(%a: tensor<4x!quant.uniform<i8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.01:7>> {
  %s = qlinalg.mul %a, %a multiplier(float) rounding(half_to_even) : tensor<4x!quant.uniform<i8:f32, 0.1:3>>, tensor<4x!quant.uniform<i8:f32, 0.1:3>> -> tensor<4x!quant.uniform<i8:f32, 0.02:0>>
  %f = qlinalg.dequantize %s : tensor<4x!quant.uniform<i8:f32, 0.02:0>> to tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel"]} ins(%f : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %m = arith.maxnumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %q = qlinalg.quantize %r : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.01:7>>
  return %q : tensor<4x!quant.uniform<i8:f32, 0.01:7>>
}

// -----

// Tests that a rescale after a matmul with an epilogue composes into it: the
// matmul (as qlinalg.contract, like every rebuilt epilogue) requantizes
// straight to the rescale's type, keeping its id.

// CHECK-LABEL: func.func @rescale_after_matmul
// CHECK: %[[Y:.*]] = qlinalg.contract ins(%arg0, %arg1 : {{.*}}) outs(%{{.*}} : tensor<2x3x!quant.uniform<i8:f32, 2.000000e+00:-1>>) multiplier(fixed_point) rounding(half_away_from_zero) {{.*}}qlinalg.tensor_id = "t2"}
// CHECK-NEXT: return %[[Y]]
func.func @rescale_after_matmul(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, %w: tensor<4x3x!quant.uniform<i8:f32, 0.25>>) -> tensor<2x3x!quant.uniform<i8:f32, 2.0:-1>> {
  %y = qlinalg.matmul %a, %w multiplier(fixed_point) rounding(half_away_from_zero) {qlinalg.tensor_id = "t2"} : tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25>> -> tensor<2x3x!quant.uniform<i8:f32, 1.0>>
  %r = qlinalg.requantize %y multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i8:f32, 1.0>> -> tensor<2x3x!quant.uniform<i8:f32, 2.0:-1>>
  return %r : tensor<2x3x!quant.uniform<i8:f32, 2.0:-1>>
}

// -----

// Tests that two requantizations in a row compose into one from the
// accumulator, and that a rescale of a tensor with other uses stays.

// CHECK-LABEL: func.func @rescale_chain
// CHECK: %[[R:.*]] = qlinalg.requantize %arg0 multiplier(float) rounding(half_to_even) : tensor<4x!quant.uniform<i32:f32, 1.250000e-01>> -> tensor<4x!quant.uniform<i8:f32, 2.000000e+00>>
// CHECK-NEXT: %[[S:.*]] = qlinalg.requantize %arg1 {{.*}} -> tensor<4x!quant.uniform<i8:f32, 4.000000e+00>>
// CHECK-NEXT: return %[[R]], %[[S]], %arg1
func.func @rescale_chain(%acc: tensor<4x!quant.uniform<i32:f32, 0.125>>, %b: tensor<4x!quant.uniform<i8:f32, 1.0>>) -> (tensor<4x!quant.uniform<i8:f32, 2.0>>, tensor<4x!quant.uniform<i8:f32, 4.0>>, tensor<4x!quant.uniform<i8:f32, 1.0>>) {
  %q = qlinalg.requantize %acc multiplier(float) rounding(half_to_even) : tensor<4x!quant.uniform<i32:f32, 0.125>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %r = qlinalg.requantize %q multiplier(float) rounding(half_to_even) : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 2.0>>
  %s = qlinalg.requantize %b multiplier(float) rounding(half_to_even) : tensor<4x!quant.uniform<i8:f32, 1.0>> -> tensor<4x!quant.uniform<i8:f32, 4.0>>
  return %r, %s, %b : tensor<4x!quant.uniform<i8:f32, 2.0>>, tensor<4x!quant.uniform<i8:f32, 4.0>>, tensor<4x!quant.uniform<i8:f32, 1.0>>
}
