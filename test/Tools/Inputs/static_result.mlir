// A matmul whose result type is more static than its activations
// (tensor<?x4xf32> in, tensor<2x3xf32> out): lowering once cast the
// accumulator between the two shapes with quant.scast (fuzzing found it).
func.func @forward(%x: tensor<?x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [0.3, 0.5, -1.0], [0.25, 0.75, 1.0], [-0.5, 0.1, 0.2]]> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
