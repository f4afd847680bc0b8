// RUN: qlinalg-opt %s --split-input-file --qlinalg-instrument | FileCheck %s
// Running the pass a second time must not add any probe: same output.
// RUN: qlinalg-opt %s --split-input-file --qlinalg-instrument --qlinalg-instrument | FileCheck %s

// Tests that a matmul with a zero-filled accumulator gets a probe on its
// input (t0) and one on its output (t1), and none on the constant weights;
// the uses of the input, including tensor.dim, read the probe.

// CHECK-LABEL: func.func @zero_fill
// CHECK-SAME: (%[[X:.*]]: tensor<?x2xf32>)
// CHECK-NEXT: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"} : tensor<?x2xf32>
// CHECK-NOT: qlinalg.observe
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<2x2xf32>
// CHECK-NOT: qlinalg.observe
// CHECK: tensor.dim %[[XO]]
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[XO]], %[[W]] : tensor<?x2xf32>, tensor<2x2xf32>)
// CHECK-NEXT: %[[YO:.*]] = qlinalg.observe %[[Y]] {id = "t1"} : tensor<?x2xf32>
// CHECK-NOT: qlinalg.observe
// CHECK: return %[[YO]]
func.func @zero_fill(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%d) : tensor<?x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Tests that with a following linalg.add of a broadcast constant bias, the
// output probe goes on the biased result (t2), not on the bare product (t1,
// numbered like every float tensor that carries data, but not observed).

// CHECK-LABEL: func.func @bias_add
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK-NEXT: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"}
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[XO]], %{{.*}} :
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Z:.*]] = linalg.add ins(%[[Y]], %{{.*}} :
// CHECK-NEXT: %[[ZO:.*]] = qlinalg.observe %[[Z]] {id = "t2"} : tensor<3x2xf32>
// CHECK-NOT: qlinalg.observe
// CHECK: return %[[ZO]]
func.func @bias_add(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %z = linalg.add ins(%y, %bb : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Tests that the bias add is recognized with the broadcast bias as its first
// operand too.

// CHECK-LABEL: func.func @bias_add_swapped
// CHECK: %[[Y:.*]] = linalg.matmul
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Z:.*]] = linalg.add ins(%{{.*}}, %[[Y]] :
// CHECK-NEXT: %[[ZO:.*]] = qlinalg.observe %[[Z]] {id = "t2"}
// CHECK: return %[[ZO]]
func.func @bias_add_swapped(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %z = linalg.add ins(%bb, %y : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Tests that a bias held in the accumulator init (a broadcast constant) is
// quantizable: the matmul output is observed.

// CHECK-LABEL: func.func @bias_init
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK-NEXT: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"}
// CHECK-NOT: qlinalg.observe
// CHECK: %[[B:.*]] = linalg.broadcast
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[XO]], %{{.*}} : {{.*}}) outs(%[[B]] :
// CHECK-NEXT: %[[YO:.*]] = qlinalg.observe %[[Y]] {id = "t1"}
// CHECK-NOT: qlinalg.observe
// CHECK: return %[[YO]]
func.func @bias_init(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%bb : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that in a chain of two matmuls the tensor between them has a single
// probe and id (t1), read by the second matmul.

// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK-NEXT: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"}
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[XO]],
// CHECK-NEXT: %[[YO:.*]] = qlinalg.observe %[[Y]] {id = "t1"}
// CHECK-NEXT: %[[Z:.*]] = linalg.matmul ins(%[[YO]],
// CHECK-NEXT: %[[ZO:.*]] = qlinalg.observe %[[Z]] {id = "t2"}
// CHECK-NOT: qlinalg.observe
// CHECK: return %[[ZO]]
func.func @chain(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %z = linalg.matmul ins(%y, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Tests that an input shared by two matmuls has one probe and one id, and
// the two outputs get the next ids in order.

// CHECK-LABEL: func.func @shared_input
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK-NEXT: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"}
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[XO]],
// CHECK-NEXT: qlinalg.observe %[[Y]] {id = "t1"}
// CHECK-NEXT: %[[Z:.*]] = linalg.matmul ins(%[[XO]],
// CHECK-NEXT: qlinalg.observe %[[Z]] {id = "t2"}
// CHECK-NOT: qlinalg.observe
// CHECK: return
func.func @shared_input(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %z = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y, %z : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// Tests that a non-constant rhs is observed and takes the id after the lhs.

// CHECK-LABEL: func.func @dynamic_rhs
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>, %[[W:.*]]: tensor<2x4xf32>)
// CHECK-DAG: %[[WO:.*]] = qlinalg.observe %[[W]] {id = "t1"} : tensor<2x4xf32>
// CHECK-DAG: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"} : tensor<3x2xf32>
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[XO]], %[[WO]] :
// CHECK-NEXT: %[[YO:.*]] = qlinalg.observe %[[Y]] {id = "t2"}
// CHECK-NOT: qlinalg.observe
// CHECK: return %[[YO]]
func.func @dynamic_rhs(%x: tensor<3x2xf32>, %w: tensor<2x4xf32>) -> tensor<3x4xf32> {
  %e = tensor.empty() : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x4xf32>) outs(%f : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// Tests that ids are numbered across the functions of a module, in module
// order.

// CHECK-LABEL: func.func @first
// CHECK: qlinalg.observe %{{.*}} {id = "t0"}
// CHECK: qlinalg.observe %{{.*}} {id = "t1"}
// CHECK-LABEL: func.func @second
// CHECK: qlinalg.observe %{{.*}} {id = "t2"}
// CHECK: qlinalg.observe %{{.*}} {id = "t3"}
func.func @first(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
func.func @second(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a matmul whose accumulator is a non-zero fill is not
// quantizable and gets no probe.

// CHECK-LABEL: func.func @non_zero_fill
// CHECK-NOT: qlinalg.observe
// CHECK: linalg.matmul ins(%arg0,
// CHECK-NOT: qlinalg.observe
// CHECK: return
func.func @non_zero_fill(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %one = arith.constant 1.0 : f32
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a matmul with user-defined (transposed rhs) indexing maps is
// observed like any other contraction.

#mA = affine_map<(m, n, k) -> (m, k)>
#mBt = affine_map<(m, n, k) -> (n, k)>
#mC = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @transposed_rhs
// CHECK-NEXT: %[[XO:.*]] = qlinalg.observe %arg0 {id = "t0"}
// CHECK: %[[Y:.*]] = linalg.matmul indexing_maps = {{.*}} ins(%[[XO]],
// CHECK-NEXT: qlinalg.observe %[[Y]] {id = "t1"}
func.func @transposed_rhs(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [#mA, #mBt, #mC] ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a padded convolution observes the pad's source (the padding
// is the zero point, not data), the non-constant filter, and the result.

// CHECK-LABEL: func.func @padded_conv
// CHECK-SAME: (%[[X:.*]]: tensor<1x5x5x3xf32>, %[[W:.*]]: tensor<3x3x3x4xf32>)
// CHECK-DAG: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"}
// CHECK-DAG: %[[WO:.*]] = qlinalg.observe %[[W]] {id = "t1"}
// CHECK: tensor.pad %[[XO]]
// CHECK: %[[Y:.*]] = linalg.conv_2d_nhwc_hwcf
// CHECK-NEXT: qlinalg.observe %[[Y]] {id = "t3"}
func.func @padded_conv(%x: tensor<1x5x5x3xf32>, %w: tensor<3x3x3x4xf32>) -> tensor<1x5x5x4xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x5x5x3xf32> to tensor<1x7x7x3xf32>
  %e = tensor.empty() : tensor<1x5x5x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5x5x4xf32>) -> tensor<1x5x5x4xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%p, %w : tensor<1x7x7x3xf32>, tensor<3x3x3x4xf32>) outs(%f : tensor<1x5x5x4xf32>) -> tensor<1x5x5x4xf32>
  return %y : tensor<1x5x5x4xf32>
}

// -----

// Tests that an f16 matmul gets no probe.

// CHECK-LABEL: func.func @f16
// CHECK-NOT: qlinalg.observe
// CHECK: linalg.matmul ins(%arg0,
// CHECK-NOT: qlinalg.observe
// CHECK: return
func.func @f16(%x: tensor<3x2xf16>) -> tensor<3x2xf16> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf16>
  %e = tensor.empty() : tensor<3x2xf16>
  %zero = arith.constant 0.0 : f16
  %f = linalg.fill ins(%zero : f16) outs(%e : tensor<3x2xf16>) -> tensor<3x2xf16>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf16>, tensor<2x2xf16>) outs(%f : tensor<3x2xf16>) -> tensor<3x2xf16>
  return %y : tensor<3x2xf16>
}

// -----

// Tests that a matmul with a constant lhs takes it as its weights: the
// argument on the rhs is the activation and gets the probe.

// CHECK-LABEL: func.func @constant_lhs
// CHECK-NEXT: %[[WO:.*]] = qlinalg.observe %arg0 {id = "t0"}
// CHECK: %[[Y:.*]] = linalg.matmul ins(%{{.*}}, %[[WO]] :
// CHECK-NEXT: qlinalg.observe %[[Y]] {id = "t1"}
func.func @constant_lhs(%w: tensor<2x2xf32>) -> tensor<3x2xf32> {
  %x = arith.constant dense<1.0> : tensor<3x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a matmul with an unsigned cast gets no probe.

// CHECK-LABEL: func.func @unsigned_cast
// CHECK-NOT: qlinalg.observe
// CHECK: linalg.matmul {cast = #linalg.type_fn<cast_unsigned>}
// CHECK-NOT: qlinalg.observe
// CHECK: return
func.func @unsigned_cast(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that an init broadcast along columns (dimensions = [1]) is not a bias:
// the matmul gets no probe.

// CHECK-LABEL: func.func @column_broadcast_init
// CHECK-NOT: qlinalg.observe
// CHECK: linalg.matmul
// CHECK-NOT: qlinalg.observe
// CHECK: return
func.func @column_broadcast_init(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.5, -1.0, 2.0]> : tensor<3xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<3x2xf32>) dimensions = [1]
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%bb : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a matmul on buffers gets no probe.

// CHECK-LABEL: func.func @buffers
// CHECK-NOT: qlinalg.observe
// CHECK: linalg.matmul
// CHECK-NOT: qlinalg.observe
// CHECK: return
func.func @buffers(%x: memref<3x2xf32>, %w: memref<2x2xf32>, %y: memref<3x2xf32>) {
  linalg.matmul ins(%x, %w : memref<3x2xf32>, memref<2x2xf32>) outs(%y : memref<3x2xf32>)
  return
}

// -----

// Tests that ids do not depend on what is quantizable: the f16 matmul is
// not observed, but its tensors are numbered (%h is t1, its product t2), so
// the quantizable product after it is t3.

// CHECK-LABEL: func.func @mixed
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>, %[[H:.*]]: tensor<3x2xf16>)
// CHECK-NEXT: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"}
// CHECK-NOT: qlinalg.observe
// CHECK: linalg.matmul ins(%[[H]],
// CHECK-NOT: qlinalg.observe
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[XO]],
// CHECK-NEXT: qlinalg.observe %[[Y]] {id = "t3"}
// CHECK-NOT: qlinalg.observe
// CHECK: return
func.func @mixed(%x: tensor<3x2xf32>, %h: tensor<3x2xf16>) -> (tensor<3x2xf16>, tensor<3x2xf32>) {
  %wh = arith.constant dense<1.0> : tensor<2x2xf16>
  %eh = tensor.empty() : tensor<3x2xf16>
  %zh = arith.constant 0.0 : f16
  %fh = linalg.fill ins(%zh : f16) outs(%eh : tensor<3x2xf16>) -> tensor<3x2xf16>
  %yh = linalg.matmul ins(%h, %wh : tensor<3x2xf16>, tensor<2x2xf16>) outs(%fh : tensor<3x2xf16>) -> tensor<3x2xf16>
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %yh, %y : tensor<3x2xf16>, tensor<3x2xf32>
}
