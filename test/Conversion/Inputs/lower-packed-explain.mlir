// Inputs of qlinalg-lower-packed.mlir: what --qlinalg-lower explain=true
// says about a large product split over threads and about contractions the
// packed kernel does not cover.

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
  // expected-remark @below {{kernel x86-avx512-vnni: step vpdpbusd zmm, tile 4x64 (4 rows x 4 panels of 16 columns), weights packed 4xs8 per panel (32 panels), threads 2}}
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

!A = tensor<?x8x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<8x20x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<?x20x!quant.uniform<i32:f32, 0.125>>
func.func @runtime_weights(%a: !A, %w: !W) -> !ACC {
  // expected-remark @below {{kernel generic: the weights are not a compile-time constant}}
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
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
  // expected-remark @below {{kernel generic: not matmul-shaped (lhs [..., K], rhs [K, N], result [..., N])}}
  %0 = qlinalg.contract ins(%x, %w : tensor<1x5x5x3x!quant.uniform<i8:f32, 0.5:10>>, tensor<3x3x3x4x!quant.uniform<i8:f32, 0.25>>)
         outs(%e : tensor<1x3x3x4x!quant.uniform<i32:f32, 0.125>>)
         {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
         -> tensor<1x3x3x4x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<1x3x3x4x!quant.uniform<i32:f32, 0.125>>
}
