// A matmul in bf16 between f32 borders.
func.func @forward(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %e = tensor.empty() : tensor<3x2xbf16>
  %t = arith.truncf %x : tensor<3x2xf32> to tensor<3x2xbf16>
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xbf16>
  %zero = arith.constant 0.0 : bf16
  %f = linalg.fill ins(%zero : bf16) outs(%e : tensor<3x2xbf16>) -> tensor<3x2xbf16>
  %y = linalg.matmul ins(%t, %w : tensor<3x2xbf16>, tensor<2x2xbf16>) outs(%f : tensor<3x2xbf16>) -> tensor<3x2xbf16>
  %r = arith.extf %y : tensor<3x2xbf16> to tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}
