// A quantized 64 x 256 x 128 matmul on constant weights (WEIGHT, substituted
// by sed: 3 lets AVX2 prove its pair sums exact, 127 does not), requantized
// to i8 in the kernel's store.
!U = tensor<64x256x!quant.uniform<u8:f32, 0.02:128>>
!W = tensor<256x128x!quant.uniform<i8:f32, 0.01>>
!Y = tensor<64x128x!quant.uniform<i8:f32, 0.5:-3>>
func.func @forward(%a: !U) -> !Y attributes {llvm.emit_c_interface} {
  %wd = arith.constant dense<WEIGHT> : tensor<256x128xi8>
  %w = quant.scast %wd : tensor<256x128xi8> to !W
  %e = tensor.empty() : !Y
  %0 = qlinalg.contract ins(%a, %w : !U, !W) outs(%e : !Y) multiplier(fixed_point) rounding(half_away_from_zero) {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return %0 : !Y
}
