// The smallest quantizable model, for the estimator tests' handwritten
// tables: %y = %x @ W. Tensor ids: t0 = %x, t1 = %y.
func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 0.25], [-0.75, 1.5], [0.125, -1.0]]> : tensor<4x2xf32>
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %init = tensor.empty(%n) : tensor<?x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%init : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x2xf32>)
                     outs(%fill : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
