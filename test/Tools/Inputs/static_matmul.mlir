// A quantized 8 x 64 x 32 matmul of static shape for qlinalg-run
// --benchmark: u8 activations, constant s8 weights, an i32 result.
!A = tensor<8x64x!quant.uniform<u8:f32, 0.5:3>>
!W = tensor<64x32x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<8x32x!quant.uniform<i32:f32, 0.125>>
func.func @main(%a: !A) -> !ACC {
  %wd = arith.constant dense<2> : tensor<64x32xi8>
  %w = quant.scast %wd : tensor<64x32xi8> to !W
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}
