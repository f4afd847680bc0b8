// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=aarch64-dotprod" --canonicalize --cse | FileCheck %s --check-prefix=DOT
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=aarch64-i8mm" --canonicalize --cse | FileCheck %s --check-prefix=MM
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=aarch64-dotprod explain=true" --verify-diagnostics=only-expected -o /dev/null
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=aarch64-i8mm explain=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MM-EXPLAIN

// The packed kernels of the AArch64 targets (Kernels/AArch64.cpp).
//
// aarch64-dotprod: sdot multiplies s8 by s8, 4 columns x 4 k per step, so
// the weights are packed in panels of 4 x 4, three panels per block (the
// 6 x 12 tile is 6 rows x 3 panels), and s8 activations are taken as they
// are. K = 38 is 9 whole groups: two iterations of 4 (16 bytes of each row
// one load, its 4 lanes broadcast in turn to the indexed form, a
// vector.shuffle of the row as i32), then one group by itself and the last
// 2 bytes zero-extended. N = 12 is one block of 3 panels; M = 16 two tiles
// of 6 rows and one of 4.
//
// aarch64-i8mm: smmla multiplies a 2 x 8 block of activations by an 8 x 2
// block of weights: panels of 2 columns x 8 k (K = 38: 5 groups, the last
// zero-padded), four per block (8 x 8 tiles of 4 row pairs), and the
// activations packed per call in row pairs ([8 pairs, 5 groups * 16]), one
// 16-byte load per pair and group. Each accumulator, [r0 c0, r0 c1, r1 c0,
// r1 c1], starts at its panel's column term twice; two of them make 4
// columns of each row for the store.

// DOT-LABEL: func.func @signed
// DOT-SAME: qlinalg.target = "aarch64-dotprod"
// DOT-DAG: arith.constant dense<{{.*}}> : tensor<1x480xi8>
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

// MM-LABEL: func.func @signed
// MM-SAME: qlinalg.target = "aarch64-i8mm"
// MM-DAG: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<2x320xi8>
// MM: %[[PAIRS:.*]] = scf.for
// MM: %[[R0:.*]] = vector.transfer_read %{{.*}} : tensor<16x38xi8>, vector<8xi8>
// MM: %[[R1:.*]] = vector.transfer_read %{{.*}} : tensor<16x38xi8>, vector<8xi8>
// MM: vector.shuffle %[[R0]], %[[R1]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xi8>, vector<8xi8>
// MM: vector.transfer_read %{{.*}} : tensor<16x38xi8>, vector<6xi8>
// MM: scf.for %{{.*}} = %c0 to %c16 step %c8
// MM: %[[T:.*]] = vector.transfer_read %{{.*}} : tensor<12xi32>, vector<2xi32>
// MM: vector.shuffle %[[T]], %[[T]] [0, 1, 0, 1] : vector<2xi32>, vector<2xi32>
// MM: scf.for %{{.*}} = %c0 to %c4 step %c2
// MM: %[[B:.*]] = vector.transfer_read %[[W]][%c0, %{{.*}}]{{.*}} : tensor<2x320xi8>, vector<16xi8>
// MM: %[[A:.*]] = vector.transfer_read %[[PAIRS]][%{{.*}}, %{{.*}}]{{.*}} : tensor<?x80xi8>, vector<16xi8>
// MM: arm_neon.intr.smmla %{{.*}}, %[[A]], %[[B]] : vector<16xi8> to vector<4xi32>
// MM: vector.shuffle %{{.*}}, %{{.*}} [0, 1, 4, 5] : vector<4xi32>, vector<4xi32>
// MM: vector.shuffle %{{.*}}, %{{.*}} [2, 3, 6, 7] : vector<4xi32>, vector<4xi32>
// MM-EXPLAIN: remark: kernel aarch64-i8mm: step smmla v.4s, v.16b, v.16b (2x8 x 8x2), tile 8x8 (8 rows x 4 panels of 2 columns), weights packed 8xs8 per panel (6 panels), threads 1
!A = tensor<16x38x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<38x12x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<16x12x!quant.uniform<i32:f32, 0.125>>
func.func @signed(%a: !A) -> !ACC {
  %wd = arith.constant dense<-7> : tensor<38x12xi8>
  %w = quant.scast %wd : tensor<38x12xi8> to !W
  // expected-remark @below {{kernel aarch64-dotprod: step sdot v.4s, v.16b, v.4b[l], tile 6x12 (6 rows x 3 panels of 4 columns), weights packed 4xs8 per panel (3 panels), threads 1}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}

// -----

// u8 activations. On aarch64-dotprod: flipped to s8 (xor 0x80, u8 - 128)
// once, by an elementwise generic before the kernel, not on every row load;
// the shift is corrected through the weight sums, in the accumulators'
// start. On aarch64-i8mm: usmmla multiplies them as they are. A dynamic M
// ends with the row pairs' remainder a pair at a time, its second row
// stored only when M has it (and packed as zeros when M is odd).

// DOT-LABEL: func.func @unsigned
// DOT: %[[FLIP:.*]] = linalg.generic
// DOT: arith.xori %{{.*}}, %c-128_i8 : i8
// DOT: scf.for
// DOT: vector.transfer_read %[[FLIP]]
// DOT-NOT: arith.xori
// DOT: arm_neon.intr.sdot
// DOT-NOT: arith.xori
// DOT: return

// MM-LABEL: func.func @unsigned
// MM-NOT: arith.xori
// MM: arith.cmpi ne
// MM: scf.if
// MM: arm_neon.intr.usmmla
// MM-NOT: arm_neon.intr.smmla
// MM: arith.cmpi ult
// MM: scf.if
// MM: vector.transfer_write
// MM: return
// MM-EXPLAIN: remark: kernel aarch64-i8mm: step usmmla v.4s, v.16b, v.16b (2x8 x 8x2), tile 8x8 (8 rows x 4 panels of 2 columns), weights packed 8xs8 per panel (4 panels), threads 1
!U = tensor<?x32x!quant.uniform<u8:f32, 0.5:3>>
!W = tensor<32x8x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<?x8x!quant.uniform<i32:f32, 0.125>>
func.func @unsigned(%a: !U) -> !ACC {
  %wd = arith.constant dense<5> : tensor<32x8xi8>
  %w = quant.scast %wd : tensor<32x8xi8> to !W
  // expected-remark @below {{kernel aarch64-dotprod: step sdot v.4s, v.16b, v.4b[l], tile 6x8 (6 rows x 2 panels of 4 columns), weights packed 4xs8 per panel (2 panels), threads 1}}
  %0 = qlinalg.matmul %a, %w : !U, !W -> !ACC
  return %0 : !ACC
}
