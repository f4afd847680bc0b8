// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower --qlinalg-vectorize | FileCheck %s
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower --qlinalg-vectorize=target=x86-avx2 | FileCheck %s --check-prefix=AVX2
// RUN: not qlinalg-opt %s --split-input-file --qlinalg-lower --qlinalg-vectorize=target=mips 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower --qlinalg-vectorize=threads=2 | FileCheck %s --check-prefix=THREADS
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower="target=x86-avx512-vnni threads=2" --qlinalg-vectorize=threads=2 | FileCheck %s --check-prefix=FUSE

// Tests that the contraction kernel is tiled with the target's register tile
// (generic: 4 x 32, K step 16) and each full tile becomes one
// vector.contract of i8 operands extended to i32; the partial last row tile
// of the dynamic M is peeled and tiled again by one row, so it is static and
// vectorized too (1 x 32). The elementwise init (the zero-point term) is
// vectorized by rows of 16.

// CHECK-LABEL: func.func @matmul
// CHECK: scf.for
// CHECK: arith.muli %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: %[[MAIN:.*]] = affine.apply
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[MAIN]] step %c4
// CHECK: scf.for %{{.*}} = %{{.*}} to %c64 step %c32
// CHECK: scf.for %{{.*}} = %{{.*}} to %c32 step %c16
// CHECK: %[[A:.*]] = vector.transfer_read {{.*}} : tensor<4x16xi8>, vector<4x16xi8>
// CHECK: %[[B:.*]] = vector.transfer_read {{.*}} : tensor<16x32xi8>, vector<16x32xi8>
// CHECK: %[[C:.*]] = vector.transfer_read {{.*}} : tensor<4x32xi32>, vector<4x32xi32>
// CHECK: %[[AE:.*]] = arith.extsi %[[A]] : vector<4x16xi8> to vector<4x16xi32>
// CHECK: %[[BE:.*]] = arith.extsi %[[B]] : vector<16x32xi8> to vector<16x32xi32>
// CHECK: vector.contract {{.*}} %[[AE]], %[[BE]], %[[C]] : vector<4x16xi32>, vector<16x32xi32> into vector<4x32xi32>
// CHECK: scf.for %{{.*}} = %[[MAIN]] to
// CHECK: vector.contract {{.*}} : vector<1x16xi32>, vector<16x32xi32> into vector<1x32xi32>
// CHECK-NOT: linalg.generic {{.*}}qlinalg.kernel
// AVX2-LABEL: func.func @matmul
// AVX2: vector.contract {{.*}} : vector<4x4xi32>, vector<4x16xi32> into vector<4x16xi32>
// UNKNOWN: error: unknown target 'mips'
func.func @matmul(%a: tensor<?x32x!quant.uniform<i8:f32, 0.5:10>>, %b: tensor<32x64x!quant.uniform<i8:f32, 0.25>>) -> tensor<?x64x!quant.uniform<i32:f32, 0.125>> {
  %0 = qlinalg.matmul %a, %b : tensor<?x32x!quant.uniform<i8:f32, 0.5:10>>, tensor<32x64x!quant.uniform<i8:f32, 0.25>> -> tensor<?x64x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<?x64x!quant.uniform<i32:f32, 0.125>>
}

// -----

// Tests that a convolution kernel (its lhs indexed through windows) is
// tiled by one along every loop inside a window (n, oh, ow, kh, kw here),
// by the N tile along the output channels and the K step along the input
// channels; with its unit loops dropped the windows become constant offsets
// and each tile a vector.contract of the channels (3 input channels into 4
// output channels). The requantize epilogue is vectorized too.

// CHECK-LABEL: func.func @conv
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[X:.*]] = vector.transfer_read {{.*}} : tensor<3xi8>, vector<3xi8>
// CHECK: %[[W:.*]] = vector.transfer_read {{.*}} : tensor<3x4xi8>, vector<3x4xi8>
// CHECK: vector.contract {{.*}} : vector<3xi32>, vector<3x4xi32> into vector<4xi32>
// CHECK-NOT: qlinalg.kernel
// CHECK: vector.transfer_write {{.*}} : vector<1x1x1x4xi8>
#lhs = affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh + kh, ow + kw, c)>
#rhs = affine_map<(n, oh, ow, f, kh, kw, c) -> (kh, kw, c, f)>
#out = affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh, ow, f)>
func.func @conv(%x: tensor<1x5x5x3x!quant.uniform<i8:f32, 0.5:10>>, %w: tensor<3x3x3x4x!quant.uniform<i8:f32, 0.25>>) -> tensor<1x3x3x4x!quant.uniform<i8:f32, 1.0:-3>> {
  %e = tensor.empty() : tensor<1x3x3x4x!quant.uniform<i8:f32, 1.0:-3>>
  %0 = qlinalg.contract ins(%x, %w : tensor<1x5x5x3x!quant.uniform<i8:f32, 0.5:10>>, tensor<3x3x3x4x!quant.uniform<i8:f32, 0.25>>)
         outs(%e : tensor<1x3x3x4x!quant.uniform<i8:f32, 1.0:-3>>)
         multiplier(fixed_point) rounding(half_away_from_zero)
         {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
         -> tensor<1x3x3x4x!quant.uniform<i8:f32, 1.0:-3>>
  return %0 : tensor<1x3x3x4x!quant.uniform<i8:f32, 1.0:-3>>
}

// -----

// Tests that with threads=2 a large contraction is first split over two
// threads along its rows with scf.forall (each thread's part then tiled and
// vectorized as above), and that a small one is not split. With a dynamic
// M the split is decided per call: an scf.if takes the forall when M x N x K
// reaches 2^20 multiply-adds, else the same contraction on one thread.

// THREADS-LABEL: func.func @large
// THREADS: %[[WORK:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// THREADS: %[[LARGE:.*]] = arith.cmpi uge, %[[WORK]], %{{.*}} : index
// THREADS: scf.if %[[LARGE]]
// THREADS: scf.forall (%{{.*}}) in (2)
// THREADS: vector.contract
// THREADS: scf.forall.in_parallel
// THREADS: } else {
// THREADS-NOT: scf.forall
// THREADS: vector.contract
// THREADS-LABEL: func.func @small
// THREADS-NOT: scf.forall
func.func @large(%a: tensor<?x256x!quant.uniform<i8:f32, 0.5:10>>, %b: tensor<256x256x!quant.uniform<i8:f32, 0.25>>) -> tensor<?x256x!quant.uniform<i32:f32, 0.125>> {
  %0 = qlinalg.matmul %a, %b : tensor<?x256x!quant.uniform<i8:f32, 0.5:10>>, tensor<256x256x!quant.uniform<i8:f32, 0.25>> -> tensor<?x256x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<?x256x!quant.uniform<i32:f32, 0.125>>
}
func.func @small(%a: tensor<8x32x!quant.uniform<i8:f32, 0.5:10>>, %b: tensor<32x64x!quant.uniform<i8:f32, 0.25>>) -> tensor<8x64x!quant.uniform<i32:f32, 0.125>> {
  %0 = qlinalg.matmul %a, %b : tensor<8x32x!quant.uniform<i8:f32, 0.5:10>>, tensor<32x64x!quant.uniform<i8:f32, 0.25>> -> tensor<8x64x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<8x64x!quant.uniform<i32:f32, 0.125>>
}

// -----

// Tests that a float contraction (the float part of a model, or a float
// model) is generalized, tiled with the target's register tiles and
// vectorized like the integer kernel: f32 FMA outer products, no scalar
// loop over K.

// CHECK-LABEL: func.func @float_matmul
// CHECK: scf.for
// CHECK: vector.contract {{.*}} : vector<4x16xf32>, vector<16x32xf32> into vector<4x32xf32>
// CHECK-NOT: linalg.matmul
func.func @float_matmul(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %y = linalg.matmul ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>) outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}

// -----

// Tests that the quantize of a float input read by a packed kernel split
// over rows is made in each thread's chunk, its producer tiled into the
// scf.forall, instead of before the parallel region; the row sums that u8
// weights with a zero point need come along, reading the same chunk (made
// once). Split over column blocks (a small M), every thread quantizes the
// whole input itself. A quantized input used outside the kernel as well
// stays where it is.

// THREADS-LABEL: func.func @quantize_in_chunks
// FUSE-LABEL: func.func @quantize_in_chunks
// FUSE-NOT: arith.divf
// FUSE: scf.forall (%{{.*}}) in (2)
// FUSE: tensor.extract_slice %arg0[%{{.*}}, 0] [%{{.*}}, 256] [1, 1] : tensor<256x256xf32> to tensor<?x256xf32>
// FUSE: %[[A:.*]] = scf.for {{.*}} -> (tensor<?x256xi8>)
// FUSE: arith.divf %{{.*}} : vector<1x16xf32>
// FUSE-NOT: arith.divf
// FUSE: iterator_types = ["parallel", "reduction"]} ins(%[[A]] : tensor<?x256xi8>)
// FUSE: scf.forall.in_parallel
// FUSE-NOT: arith.divf
// FUSE-LABEL: func.func @quantize_in_column_chunks
// FUSE-NOT: arith.divf
// FUSE: scf.forall (%{{.*}}) in (2)
// FUSE: arith.divf %{{.*}} : vector<1x16xf32>
// FUSE: scf.forall.in_parallel
// FUSE-NOT: arith.divf
// FUSE-LABEL: func.func @quantize_used_twice
// FUSE: arith.divf
// FUSE: scf.forall (%{{.*}}) in (2)
// FUSE-NOT: arith.divf
// FUSE: return
func.func @quantize_in_chunks(%x: tensor<256x256xf32>, %b: tensor<256x256x!quant.uniform<u8:f32, 0.25:100>>) -> tensor<256x256x!quant.uniform<i32:f32, 0.125>> {
  %a = qlinalg.quantize %x : tensor<256x256xf32> to tensor<256x256x!quant.uniform<i8:f32, 0.5:10>>
  %0 = qlinalg.matmul %a, %b : tensor<256x256x!quant.uniform<i8:f32, 0.5:10>>, tensor<256x256x!quant.uniform<u8:f32, 0.25:100>> -> tensor<256x256x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<256x256x!quant.uniform<i32:f32, 0.125>>
}
func.func @quantize_in_column_chunks(%x: tensor<16x512xf32>, %b: tensor<512x512x!quant.uniform<i8:f32, 0.25>>) -> tensor<16x512x!quant.uniform<i32:f32, 0.125>> {
  %a = qlinalg.quantize %x : tensor<16x512xf32> to tensor<16x512x!quant.uniform<i8:f32, 0.5:10>>
  %0 = qlinalg.matmul %a, %b : tensor<16x512x!quant.uniform<i8:f32, 0.5:10>>, tensor<512x512x!quant.uniform<i8:f32, 0.25>> -> tensor<16x512x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<16x512x!quant.uniform<i32:f32, 0.125>>
}
func.func @quantize_used_twice(%x: tensor<256x256xf32>, %b: tensor<256x256x!quant.uniform<i8:f32, 0.25>>) -> (tensor<256x256x!quant.uniform<i32:f32, 0.125>>, tensor<256x256x!quant.uniform<i8:f32, 0.5:10>>) {
  %a = qlinalg.quantize %x : tensor<256x256xf32> to tensor<256x256x!quant.uniform<i8:f32, 0.5:10>>
  %0 = qlinalg.matmul %a, %b : tensor<256x256x!quant.uniform<i8:f32, 0.5:10>>, tensor<256x256x!quant.uniform<i8:f32, 0.25>> -> tensor<256x256x!quant.uniform<i32:f32, 0.125>>
  return %0, %a : tensor<256x256x!quant.uniform<i32:f32, 0.125>>, tensor<256x256x!quant.uniform<i8:f32, 0.5:10>>
}
