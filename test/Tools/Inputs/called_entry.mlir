// @forward, the entry qlinalg-calibrate instruments, is also called by
// @twice: the calls must keep its own results (fuzzing found they did not).
func.func @forward(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
func.func @twice(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %a = func.call @forward(%x) : (tensor<3x2xf32>) -> tensor<3x2xf32>
  %b = func.call @forward(%a) : (tensor<3x2xf32>) -> tensor<3x2xf32>
  return %b : tensor<3x2xf32>
}
