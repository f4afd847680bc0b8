// Inputs of qlinalg-lower-packed.mlir: what --qlinalg-lower explain=true
// says about a large product split over threads (its rows when a static M
// has at least four tiles per thread, else its column blocks) and about
// contractions the packed kernel does not cover.

// THREADS-LABEL: func.func @large
// THREADS: scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<64x512xi32>)
// THREADS: tensor.extract_slice
// THREADS: qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"
// THREADS: tensor.parallel_insert_slice
!A = tensor<64x512x!quant.uniform<u8:f32, 0.5:10>>
!W = tensor<512x512x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<64x512x!quant.uniform<i32:f32, 0.125>>
func.func @large(%a: !A) -> !ACC {
  %wd = arith.constant dense<1> : tensor<512x512xi8>
  %w = quant.scast %wd : tensor<512x512xi8> to !W
  // expected-remark @below {{kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x64 (4 rows x 4 panels of 16 columns), weights packed 4xs8 per panel (32 panels), threads 2 over the rows}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}

// -----

// Fewer than four row tiles per thread: the column blocks are split.
// THREADS-LABEL: func.func @large_few_rows
// THREADS: scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<16x512xi32>)
!A = tensor<16x512x!quant.uniform<u8:f32, 0.5:10>>
!W = tensor<512x512x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<16x512x!quant.uniform<i32:f32, 0.125>>
func.func @large_few_rows(%a: !A) -> !ACC {
  %wd = arith.constant dense<1> : tensor<512x512xi8>
  %w = quant.scast %wd : tensor<512x512xi8> to !W
  // expected-remark @below {{kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x64 (4 rows x 4 panels of 16 columns), weights packed 4xs8 per panel (32 panels), threads 2 over the column blocks}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}

// -----

// THREADS-LABEL: func.func @small_m
// THREADS-NOT: scf.forall
!A = tensor<1x64x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<64x100x!quant.uniform<u8:f32, 0.25:7>>
!ACC = tensor<1x100x!quant.uniform<i32:f32, 0.125>>
func.func @small_m(%a: !A) -> !ACC {
  %wd = arith.constant dense<1> : tensor<64x100xi8>
  %w = quant.scast %wd : tensor<64x100xi8> to !W
  // expected-remark @below {{kernel x86-avx512-vnni: step vpdpbusd zmm, tile 1x64 (1 rows x 4 panels of 16 columns), weights packed 4xs8 per panel (7 panels), threads 1}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}

// -----

// Weights known at run time are packed by generated code at every call: the
// storage padded to whole blocks of the tile's panels, a linalg.generic into
// [blocks, groups, panels per block, 16, 4] collapsed to the kernel's
// [blocks, groups * panels per block * 64], and the column term summed over
// K at run time.
// THREADS-LABEL: func.func @runtime_weights
// THREADS: %[[SUMS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[W:.*]] : tensor<8x20xi8>) outs(%{{.*}} : tensor<20xi32>)
// THREADS: %[[PAD:.*]] = tensor.pad %[[W]] low[0, 0] high[0, 12]
// THREADS: %[[P:.*]] = linalg.generic {{.*}} ins(%[[PAD]] : tensor<8x32xi8>) outs(%{{.*}} : tensor<1x2x2x16x4xi8>)
// THREADS: tensor.collapse_shape %[[P]] {{\[}}[0], [1, 2, 3, 4]] : tensor<1x2x2x16x4xi8> into tensor<1x256xi8>
// THREADS: tensor.pad %[[SUMS]] low[0] high[12]
// THREADS: qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"
!A = tensor<?x8x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<8x20x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<?x20x!quant.uniform<i32:f32, 0.125>>
func.func @runtime_weights(%a: !A, %w: !W) -> !ACC {
  // expected-remark @below {{kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x32 (4 rows x 2 panels of 16 columns), weights packed 4xs8 per panel (2 panels, at run time), threads 2 over the rows when M x N x K reaches 2^21 (decided per call), else 1}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}

// -----

// A weight set per batch (batch_matmul) is one kernel over the sets: the
// constant sets packed one after another ([4 sets * 2 blocks of 4 panels,
// 32 groups * 4 panels * 64]),
// the sets split over the threads (4 x 64 x 128 x 128 multiply-adds: 2^22),
// each set into its rank-reduced slice of the result.
// THREADS-LABEL: func.func @weight_sets
// THREADS-DAG: arith.constant dense<1> : tensor<8x8192xi8>
// THREADS: scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<4x64x128xi32>)
// THREADS: scf.for
// THREADS: tensor.extract_slice %{{.*}} : tensor<?x64x128xi32> to tensor<64x128xi32>
// THREADS: qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"
// THREADS: tensor.insert_slice %{{.*}} : tensor<64x128xi32> into tensor<?x64x128xi32>
// THREADS: tensor.parallel_insert_slice
!A = tensor<4x64x128x!quant.uniform<u8:f32, 0.5:10>>
!W = tensor<4x128x128x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<4x64x128x!quant.uniform<i32:f32, 0.125>>
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (b, k, n)>
#o = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @weight_sets(%a: !A) -> !ACC {
  %wd = arith.constant dense<1> : tensor<4x128x128xi8>
  %w = quant.scast %wd : tensor<4x128x128xi8> to !W
  %e = tensor.empty() : !ACC
  // expected-remark @below {{4 weight sets, one kernel: kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x64 (4 rows x 4 panels of 16 columns), weights packed 4xs8 per panel (8 panels), threads 2 over the weight sets}}
  %0 = qlinalg.contract ins(%a, %w : !A, !W) outs(%e : !ACC)
         {indexing_maps = [#a, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
         -> !ACC
  return %0 : !ACC
}

// -----

#lhs = affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh + kh, ow + kw, c)>
#rhs = affine_map<(n, oh, ow, f, kh, kw, c) -> (kh, kw, c, f)>
#out = affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh, ow, f)>
func.func @conv(%x: tensor<1x5x5x3x!quant.uniform<i8:f32, 0.5:10>>) -> tensor<1x3x3x4x!quant.uniform<i32:f32, 0.125>> {
  %wd = arith.constant dense<1> : tensor<3x3x3x4xi8>
  %w = quant.scast %wd : tensor<3x3x3x4xi8> to tensor<3x3x3x4x!quant.uniform<i8:f32, 0.25>>
  %e = tensor.empty() : tensor<1x3x3x4x!quant.uniform<i32:f32, 0.125>>
  // expected-remark @below {{im2col, kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x16 (4 rows x 1 panels of 16 columns), weights packed 4xs8 per panel (1 panels), threads 1}}
  %0 = qlinalg.contract ins(%x, %w : tensor<1x5x5x3x!quant.uniform<i8:f32, 0.5:10>>, tensor<3x3x3x4x!quant.uniform<i8:f32, 0.25>>)
         outs(%e : tensor<1x3x3x4x!quant.uniform<i32:f32, 0.125>>)
         {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
         -> tensor<1x3x3x4x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<1x3x3x4x!quant.uniform<i32:f32, 0.125>>
}

// -----

// A convolution as im2col: the windows copied into patches [n, oh, ow, kh,
// kw, c] collapsed to [9, 27], the weights reshaped to [27, 4]; the NCHW
// result is the matmul's [n, oh, ow, f] transposed.
// THREADS-LABEL: func.func @conv_nchw
// THREADS: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x3x5x5xi8>) outs(%{{.*}} : tensor<1x3x3x3x3x3xi8>)
// THREADS: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2], [3, 4, 5]] : tensor<1x3x3x3x3x3xi8> into tensor<1x3x3x27xi8>
// THREADS: qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"
// THREADS: linalg.transpose ins(%{{.*}} : tensor<1x3x3x4xi32>) outs(%{{.*}} : tensor<1x4x3x3xi32>) permutation = [0, 3, 1, 2]
#lhs = affine_map<(n, f, oh, ow, c, kh, kw) -> (n, c, oh + kh, ow + kw)>
#rhs = affine_map<(n, f, oh, ow, c, kh, kw) -> (f, c, kh, kw)>
#out = affine_map<(n, f, oh, ow, c, kh, kw) -> (n, f, oh, ow)>
func.func @conv_nchw(%x: tensor<1x3x5x5x!quant.uniform<i8:f32, 0.5:10>>) -> tensor<1x4x3x3x!quant.uniform<i32:f32, 0.125>> {
  %wd = arith.constant dense<1> : tensor<4x3x3x3xi8>
  %w = quant.scast %wd : tensor<4x3x3x3xi8> to tensor<4x3x3x3x!quant.uniform<i8:f32, 0.25>>
  %e = tensor.empty() : tensor<1x4x3x3x!quant.uniform<i32:f32, 0.125>>
  // expected-remark @below {{im2col, kernel x86-avx512-vnni}}
  %0 = qlinalg.contract ins(%x, %w : tensor<1x3x5x5x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x3x3x!quant.uniform<i8:f32, 0.25>>)
         outs(%e : tensor<1x4x3x3x!quant.uniform<i32:f32, 0.125>>)
         {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
         -> tensor<1x4x3x3x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<1x4x3x3x!quant.uniform<i32:f32, 0.125>>
}

// -----

// A depthwise convolution has no weight channel outside the activations:
// not a matmul, its own kernel. The weights less their zero point widened
// to i16 once, the start values (-zx * sum w') summed over the taps, then
// per tile of pixels the taps' activations zero-extended and multiplied in
// i32 lanes, here one vector of the 8 channels (fewer than 16).
// THREADS-LABEL: func.func @depthwise
// THREADS: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x3x8xi16>)
// THREADS: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]{{.*}} outs(%{{.*}} : tensor<8xi32>)
// THREADS: vector.transfer_read %{{.*}} : tensor<1x5x5x8xi8>, vector<8xi8>
// THREADS: arith.extui %{{.*}} : vector<8xi8> to vector<8xi32>
// THREADS: arith.muli %{{.*}} : vector<8xi32>
// THREADS: vector.transfer_write %{{.*}} : vector<8xi32>, tensor<1x3x3x8xi32>
#lhs = affine_map<(n, oh, ow, c, kh, kw) -> (n, oh + kh, ow + kw, c)>
#rhs = affine_map<(n, oh, ow, c, kh, kw) -> (kh, kw, c)>
#out = affine_map<(n, oh, ow, c, kh, kw) -> (n, oh, ow, c)>
func.func @depthwise(%x: tensor<1x5x5x8x!quant.uniform<i8:f32, 0.5:10>>) -> tensor<1x3x3x8x!quant.uniform<i32:f32, 0.125>> {
  %wd = arith.constant dense<1> : tensor<3x3x8xi8>
  %w = quant.scast %wd : tensor<3x3x8xi8> to tensor<3x3x8x!quant.uniform<i8:f32, 0.25>>
  %e = tensor.empty() : tensor<1x3x3x8x!quant.uniform<i32:f32, 0.125>>
  // expected-remark @below {{kernel x86-avx512-vnni: depthwise, 16 channels per vector (one of 8), 4 output pixels per tile, i32 multiply-adds of the widened taps, threads 1}}
  %0 = qlinalg.contract ins(%x, %w : tensor<1x5x5x8x!quant.uniform<i8:f32, 0.5:10>>, tensor<3x3x8x!quant.uniform<i8:f32, 0.25>>)
         outs(%e : tensor<1x3x3x8x!quant.uniform<i32:f32, 0.125>>)
         {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
         -> tensor<1x3x3x8x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<1x3x3x8x!quant.uniform<i32:f32, 0.125>>
}

// -----

// A depthwise convolution over images of dynamic size stays on the portable
// kernel, and says why.
#lhs = affine_map<(n, oh, ow, c, kh, kw) -> (n, oh + kh, ow + kw, c)>
#rhs = affine_map<(n, oh, ow, c, kh, kw) -> (kh, kw, c)>
#out = affine_map<(n, oh, ow, c, kh, kw) -> (n, oh, ow, c)>
func.func @depthwise_dynamic_image(%x: tensor<1x?x5x8x!quant.uniform<i8:f32, 0.5:10>>, %e: tensor<1x?x3x8x!quant.uniform<i32:f32, 0.125>>) -> tensor<1x?x3x8x!quant.uniform<i32:f32, 0.125>> {
  %wd = arith.constant dense<1> : tensor<3x3x8xi8>
  %w = quant.scast %wd : tensor<3x3x8xi8> to tensor<3x3x8x!quant.uniform<i8:f32, 0.25>>
  // expected-remark @below {{kernel generic: not matmul-shaped (lhs [..., K], rhs [K, N], result [..., N]); not as a depthwise kernel either: a depthwise convolution with dynamic image sizes}}
  %0 = qlinalg.contract ins(%x, %w : tensor<1x?x5x8x!quant.uniform<i8:f32, 0.5:10>>, tensor<3x3x8x!quant.uniform<i8:f32, 0.25>>)
         outs(%e : tensor<1x?x3x8x!quant.uniform<i32:f32, 0.125>>)
         {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
         -> tensor<1x?x3x8x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<1x?x3x8x!quant.uniform<i32:f32, 0.125>>
}

// -----

// Fixed-point requantization in the store, ties away from zero: with K = 64
// 8-bit products and no bias, |acc| <= 64 * 255 * 255 < 2^30, so the rounding
// shift is (high + (mask >> 1) + (high >= 0)) >> right, an addition that
// cannot overflow, with no remainder comparison. Its one block of panels
// cannot split over the threads, its rows can (with the dynamic M, when the
// call's product is large enough): chunk t takes tiles [t * B / 2,
// (t + 1) * B / 2) of the B tiles of 4 rows, into its slice of the result.
// THREADS-LABEL: func.func @fixed_point_bounded
// THREADS: scf.if
// THREADS: scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<?x32xi8>)
// THREADS: arith.minui
// THREADS: tensor.extract_slice %{{.*}} : tensor<?x32xi8> to tensor<?x32xi8>
// THREADS: qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"
// THREADS: %[[NEG:.*]] = arith.shrui %[[H:.*]], %{{.*}} : vector<16xi32>
// THREADS: %[[T1:.*]] = arith.addi %{{.*}}, %{{.*}} : vector<16xi32>
// THREADS-NEXT: %[[UP:.*]] = arith.subi %[[T1]], %[[NEG]] : vector<16xi32>
// THREADS-NEXT: %[[SUM:.*]] = arith.addi %[[H]], %[[UP]] : vector<16xi32>
// THREADS-NEXT: arith.shrsi %[[SUM]], %{{.*}} : vector<16xi32>
// THREADS-NOT: arith.cmpi
// THREADS: return
!A = tensor<?x64x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<64x32x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<?x32x!quant.uniform<i8:f32, 3.0:-2>>
func.func @fixed_point_bounded(%a: !A) -> !Y {
  %wd = arith.constant dense<5> : tensor<64x32xi8>
  %w = quant.scast %wd : tensor<64x32xi8> to !W
  // expected-remark @below {{kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x32 (4 rows x 2 panels of 16 columns), weights packed 4xs8 per panel (2 panels), threads 2 over the rows when M x N x K reaches 2^21 (decided per call), else 1}}
  %0 = qlinalg.matmul %a, %w multiplier(fixed_point) rounding(half_away_from_zero) : !A, !W -> !Y
  return %0 : !Y
}

// -----

// A result only dequantized (the model's float output): the kernel's store
// requantizes and dequantizes in registers and writes floats; nothing
// stores the i8 result.
// THREADS-LABEL: func.func @dequantized
// THREADS-NOT: : vector<16xi8>, tensor<4x20xi8>
// THREADS: qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"
// THREADS: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// THREADS: arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// THREADS: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<4x20xf32>
// THREADS-NOT: linalg.generic
// THREADS: return %{{.*}} : tensor<4x20xf32>
!A = tensor<4x8x!quant.uniform<u8:f32, 0.5:3>>
!W = tensor<8x20x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<4x20x!quant.uniform<i8:f32, 2.0:-5>>
func.func @dequantized(%a: !A) -> tensor<4x20xf32> {
  %wd = arith.constant dense<3> : tensor<8x20xi8>
  %w = quant.scast %wd : tensor<8x20xi8> to !W
  %e = tensor.empty() : !Y
  // expected-remark @below {{kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x32 (4 rows x 2 panels of 16 columns), weights packed 4xs8 per panel (2 panels), threads 1; the result's dequantize fused into the store}}
  %y = qlinalg.contract ins(%a, %w : !A, !W) outs(%e : !Y) multiplier(fixed_point) rounding(half_away_from_zero) {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  %f = qlinalg.dequantize %y : !Y to tensor<4x20xf32>
  return %f : tensor<4x20xf32>
}

// -----

// A dynamic M: the parallel version runs only when this call's M x N x K
// reaches 2^19, an scf.if between it and the serial one.
// THREADS-LABEL: func.func @dynamic_rows
// THREADS: %[[WORK:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// THREADS: %[[LARGE:.*]] = arith.cmpi uge, %[[WORK]], %{{.*}} : index
// THREADS: scf.if %[[LARGE]] -> (tensor<?x512xi32>)
// THREADS: scf.forall
// THREADS: } else {
// THREADS-NOT: scf.forall
// THREADS: scf.yield
!A = tensor<?x256x!quant.uniform<u8:f32, 0.5:10>>
!W = tensor<256x512x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<?x512x!quant.uniform<i32:f32, 0.125>>
func.func @dynamic_rows(%a: !A) -> !ACC {
  %wd = arith.constant dense<1> : tensor<256x512xi8>
  %w = quant.scast %wd : tensor<256x512xi8> to !W
  // expected-remark @below {{kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x64 (4 rows x 4 panels of 16 columns), weights packed 4xs8 per panel (32 panels), threads 2 over the column blocks when M x N x K reaches 2^19 (decided per call), else 1}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}
