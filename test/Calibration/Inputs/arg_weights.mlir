// A float model whose weights are an argument (each batch is "x.npy,w.npy"):
// %y = %x @ %w. Tensor ids: t0 = %x, t1 = %w (the matmul's rhs, so
// qlinalg-calibrate records its per-channel ranges along axis 1 without
// being asked), t2 = %y.
func.func @forward(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %init = tensor.empty(%n) : tensor<?x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%init : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x4xf32>)
                     outs(%fill : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
