// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=x86-avx512-vnni" --canonicalize --cse | FileCheck %s --check-prefix=VNNI
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=x86-avx2" --canonicalize --cse | FileCheck %s --check-prefix=AVX2
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=x86-avx512-vnni emulate=true" --canonicalize --cse | FileCheck %s --check-prefix=EMU
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=x86-avx2 explain=true" --verify-diagnostics -o /dev/null
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=x86-avx2 exact-pairs=true explain=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXACTPAIRS
// RUN: qlinalg-opt %S/Inputs/lower-packed-explain.mlir --split-input-file --qlinalg-lower="target=x86-avx512-vnni explain=true threads=2" --verify-diagnostics -o /dev/null
// RUN: qlinalg-opt %S/Inputs/lower-packed-explain.mlir --split-input-file --qlinalg-lower="target=x86-avx512-vnni threads=2" | FileCheck %S/Inputs/lower-packed-explain.mlir --check-prefix=THREADS

// The packed kernels of the x86 targets (Conversion/Microkernel.h): the
// constant K x N weights packed at compile time into panels of L columns x kg
// k (VNNI 16 x 4 s8, AVX2 8 x 4 s8 or 8 x 2 s16), the NT panels of a tile's
// block interleaved by group ([blocks, groups * NT * L * kg]),
// the per-column term of the zero-point decomposition as the accumulators'
// start, rows in blocks of MR (then one at a time for a dynamic M), the
// reduction in groups of kg with the last group's activations read short
// and zero-extended (K = 10), the partial last panel (N = 20) stored short:
// no masked loads or stores. s8 activations are flipped to u8 on the
// broadcast register.

// VNNI-LABEL: func.func @acc
// VNNI-SAME: qlinalg.target = "x86-avx512-vnni"
// VNNI-DAG: %[[TERM:.*]] = arith.constant dense<{{.*}}> : tensor<32xi32>
// VNNI-DAG: %[[P:.*]] = arith.constant dense<{{.*}}> : tensor<1x384xi8>
// VNNI-DAG: %[[FLIP:.*]] = arith.constant dense<-128> : vector<64xi8>
// VNNI: %[[ROWS:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// VNNI: scf.for %[[M:.*]] = %c0 to %[[ROWS]] step %c4
// VNNI: vector.transfer_read %[[TERM]][%c0]{{.*}} : tensor<32xi32>, vector<16xi32>
// VNNI: %[[A:.*]] = vector.transfer_read %{{.*}}[%[[M]], %c0]{{.*}}{in_bounds = [true]} : tensor<?x10xi8>, vector<4xi8>
// VNNI: %[[W:.*]] = vector.bitcast %[[A]] : vector<4xi8> to vector<1xi32>
// VNNI: %[[S:.*]] = vector.extract %[[W]][0] : i32 from vector<1xi32>
// VNNI: %[[B:.*]] = vector.broadcast %[[S]] : i32 to vector<16xi32>
// VNNI: %[[B8:.*]] = vector.bitcast %[[B]] : vector<16xi32> to vector<64xi8>
// VNNI: %[[U8:.*]] = arith.xori %[[B8]], %[[FLIP]] : vector<64xi8>
// VNNI: vector.transfer_read %[[P]][%c0, %c0]{{.*}} : tensor<1x384xi8>, vector<64xi8>
// VNNI: qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}, %[[U8]], %{{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// The last group: K = 10 leaves 2 of 4 bytes, read as they are and
// zero-extended to a group.
// VNNI: %[[T:.*]] = vector.transfer_read %{{.*}}[%[[M]], %c8], %{{.*}} {in_bounds = [true]} : tensor<?x10xi8>, vector<2xi8>
// VNNI: vector.insert_strided_slice %[[T]], %{{.*}} {offsets = [0], strides = [1]} : vector<2xi8> into vector<4xi8>
// The last panel (4 of 16 columns) stores only its columns.
// VNNI: vector.transfer_write %{{.*}}, %{{.*}}[%[[M]], %c0] {in_bounds = [true]} : vector<16xi32>, tensor<?x20xi32>
// VNNI: %[[PART:.*]] = vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [4], strides = [1]} : vector<16xi32> to vector<4xi32>
// VNNI: vector.transfer_write %[[PART]], %{{.*}}[%[[M]], %c16] {in_bounds = [true]} : vector<4xi32>, tensor<?x20xi32>
// The remaining rows one at a time.
// VNNI: scf.for %{{.*}} = %[[ROWS]] to %{{.*}} step %c1
// VNNI-NOT: linalg.generic

// With AVX2, 8 x 4 panels (N = 20 -> 3 panels of 8, in 2 blocks of 2, the
// second padded with a zero panel) and the step vpmaddubsw +
// vpmaddwd: the weights (3) and the activations' range ([0, 255] after the
// shift) prove every pair sum within int16.
// AVX2-LABEL: func.func @acc
// AVX2-SAME: qlinalg.target = "x86-avx2"
// AVX2-DAG: arith.constant dense<{{.*}}> : tensor<2x192xi8>
// AVX2: %[[T:.*]] = qlinalg.intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2: %[[Q:.*]] = qlinalg.intrinsic "llvm.x86.avx2.pmadd.wd"(%[[T]], %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2: arith.addi %{{.*}}, %[[Q]] : vector<8xi32>

// exact-pairs=true: the exact step even where the proof would pass.
// EXACTPAIRS: remark: kernel x86-avx2: step vpmaddwd ymm on s16 weights, {{.*}}; pair sums not checked (exact-pairs)
// EXACTPAIRS: remark: kernel x86-avx2: step vpmaddwd ymm on s16 weights, {{.*}}; pair sums not checked (exact-pairs)

// Emulated, the same structure with the step as portable vector arithmetic, and
// no target features required of the function.
// EMU-LABEL: func.func @acc
// EMU-NOT: qlinalg.target
// EMU-NOT: qlinalg.intrinsic
// EMU: arith.extui %{{.*}} : vector<64xi8> to vector<64xi32>
// EMU: arith.extsi %{{.*}} : vector<64xi8> to vector<64xi32>
// EMU: vector.shape_cast %{{.*}} : vector<64xi32> to vector<16x4xi32>
// EMU: vector.multi_reduction <add>, %{{.*}}, %{{.*}} [1] : vector<16x4xi32> to vector<16xi32>
!A = tensor<?x10x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<10x20x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<?x20x!quant.uniform<i32:f32, 0.125>>
func.func @acc(%a: !A) -> !ACC {
  %wd = arith.constant dense<3> : tensor<10x20xi8>
  %w = quant.scast %wd : tensor<10x20xi8> to !W
  // expected-remark @below {{kernel x86-avx2: step vpmaddubsw + vpmaddwd ymm, tile 4x16 (4 rows x 2 panels of 8 columns), weights packed 4xs8 per panel (3 panels), threads 1; pair sums proven within +-32767 for activations in [0, 255]}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}

// -----

// Full-range weights (127 next to 127) with u8 activations up to 255: a
// vpmaddubsw pair could reach 64770 and saturate, so AVX2 uses the exact
// step on weights packed as s16 in 8 x 2 panels ([2 blocks, 5 * 2 * 8 * 2]). The
// requantization is fused into the store: no i32 M x N tensor.

// VNNI-LABEL: func.func @requantized
// VNNI-NOT: tensor<?x20xi32>
// VNNI: qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// VNNI: vector.transfer_write %{{.*}} : vector<16xi8>, tensor<?x20xi8>
// VNNI: vector.transfer_write %{{.*}} : vector<4xi8>, tensor<?x20xi8>
// AVX2-LABEL: func.func @requantized
// AVX2-DAG: arith.constant dense<{{.*}}> : tensor<2x160xi16>
// AVX2-NOT: pmadd.ub.sw
// AVX2: %[[P:.*]] = qlinalg.intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}, %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2: arith.addi %{{.*}}, %[[P]] : vector<8xi32>
// AVX2: vector.transfer_write %{{.*}} : vector<8xi8>, tensor<?x20xi8>
!U = tensor<?x10x!quant.uniform<u8:f32, 0.5:3>>
!W = tensor<10x20x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<?x20x!quant.uniform<i8:f32, 4.0:-2>>
func.func @requantized(%a: !U) -> !Y {
  %wd = arith.constant dense<127> : tensor<10x20xi8>
  %w = quant.scast %wd : tensor<10x20xi8> to !W
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : !U
  %e = tensor.empty(%m) : !Y
  // expected-remark @below {{kernel x86-avx2: step vpmaddwd ymm on s16 weights, tile 4x16 (4 rows x 2 panels of 8 columns), weights packed 2xs16 per panel (3 panels), threads 1; pair sums can saturate: column 0, k 0..1 reaches [0, 64770] for activations in [0, 255], beyond the limit 32767}}
  %0 = qlinalg.contract ins(%a, %w : !U, !W) outs(%e : !Y) multiplier(float) rounding(half_to_even) {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return %0 : !Y
}
