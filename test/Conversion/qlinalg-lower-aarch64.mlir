// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=aarch64-dotprod" --canonicalize --cse | FileCheck %s --check-prefix=DOT
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=aarch64-dotprod explain=true" --verify-diagnostics -o /dev/null

// The packed kernel of aarch64-dotprod (Kernels/AArch64.cpp): sdot multiplies
// s8 by s8, 4 columns x 4 k per step, so the weights are packed in panels of
// 4 x 4 (two panels per block: the 8 x 8 tile is 8 rows x 2 panels), and s8
// activations are taken as they are. K = 38 is 9 whole groups: two
// iterations of 4 (16 bytes of each row one load, its 4 lanes broadcast in
// turn to the indexed form, vector.shuffle of the row as i32), then one
// group by itself and the last 2 bytes zero-extended. N = 12 is 3 panels:
// one full block, then a last block of one panel.

// DOT-LABEL: func.func @signed
// DOT-SAME: qlinalg.target = "aarch64-dotprod"
// DOT-DAG: arith.constant dense<{{.*}}> : tensor<2x320xi8>
// DOT-NOT: arith.xori
// DOT: scf.for %{{.*}} = %c0 to %c8 step %c4
// DOT: %[[ROW:.*]] = vector.transfer_read %{{.*}} : tensor<16x38xi8>, vector<16xi8>
// DOT: %[[I32:.*]] = vector.bitcast %[[ROW]] : vector<16xi8> to vector<4xi32>
// DOT: %[[L0:.*]] = vector.shuffle %[[I32]], %[[I32]] [0, 0, 0, 0] : vector<4xi32>, vector<4xi32>
// DOT: %[[B0:.*]] = vector.bitcast %[[L0]] : vector<4xi32> to vector<16xi8>
// DOT: arm_neon.intr.sdot %{{.*}}, %{{.*}}, %[[B0]] : vector<16xi8>, vector<16xi8> to vector<4xi32>
// DOT: vector.shuffle %[[I32]], %[[I32]] [3, 3, 3, 3] : vector<4xi32>, vector<4xi32>
// DOT: vector.transfer_read %{{.*}} : tensor<16x38xi8>, vector<2xi8>
// DOT: vector.insert_strided_slice %{{.*}}, %{{.*}} {offsets = [0], strides = [1]} : vector<2xi8> into vector<4xi8>
!A = tensor<16x38x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<38x12x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<16x12x!quant.uniform<i32:f32, 0.125>>
func.func @signed(%a: !A) -> !ACC {
  %wd = arith.constant dense<-7> : tensor<38x12xi8>
  %w = quant.scast %wd : tensor<38x12xi8> to !W
  // expected-remark @below {{kernel aarch64-dotprod: step sdot v.4s, v.16b, v.4b[l], tile 8x8 (8 rows x 2 panels of 4 columns), weights packed 4xs8 per panel (3 panels), threads 1}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}

// -----

// u8 activations: flipped to s8 (xor 0x80, u8 - 128) once, by an elementwise
// generic before the kernel, not on every row load; the shift is corrected
// through the weight sums, in the accumulators' start.

// DOT-LABEL: func.func @unsigned
// DOT: %[[FLIP:.*]] = linalg.generic
// DOT: arith.xori %{{.*}}, %c-128_i8 : i8
// DOT: scf.for
// DOT: vector.transfer_read %[[FLIP]]
// DOT-NOT: arith.xori
// DOT: arm_neon.intr.sdot
// DOT-NOT: arith.xori
// DOT: return
!U = tensor<?x32x!quant.uniform<u8:f32, 0.5:3>>
!W = tensor<32x8x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<?x8x!quant.uniform<i32:f32, 0.125>>
func.func @unsigned(%a: !U) -> !ACC {
  %wd = arith.constant dense<5> : tensor<32x8xi8>
  %w = quant.scast %wd : tensor<32x8xi8> to !W
  // expected-remark @below {{kernel aarch64-dotprod: step sdot v.4s, v.16b, v.4b[l], tile 8x8 (8 rows x 2 panels of 4 columns), weights packed 4xs8 per panel (2 panels), threads 1}}
  %0 = qlinalg.matmul %a, %w : !U, !W -> !ACC
  return %0 : !ACC
}
