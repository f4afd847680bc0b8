// A quantized matmul with a requantized result, float in and float out (the
// quantize and dequantize at the borders included), its entry function
// callable from C as _mlir_ciface_forward.
!A = tensor<?x64x!quant.uniform<i8:f32, 0.05:3>>
!W = tensor<64x48x!quant.uniform<i8<-127:127>:f32, 0.02>>
!Y = tensor<?x48x!quant.uniform<i8:f32, 0.25:-5>>
func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x48xf32> attributes {llvm.emit_c_interface} {
  %q = qlinalg.quantize %x : tensor<?x64xf32> to !A
  %wd = arith.constant dense<7> : tensor<64x48xi8>
  %w = quant.scast %wd : tensor<64x48xi8> to !W
  %y = qlinalg.matmul %q, %w multiplier(fixed_point) rounding(half_away_from_zero) : !A, !W -> !Y
  %f = qlinalg.dequantize %y : !Y to tensor<?x48xf32>
  return %f : tensor<?x48xf32>
}
