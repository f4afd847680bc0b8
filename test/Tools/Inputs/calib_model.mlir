// A float model with two arguments for the qlinalg-calibrate tests: each
// batch is "x.npy,w.npy". The weights are an argument, so they are an
// activation-like tensor with an id of their own.
// Tensor ids: t0 = %x (lhs), t1 = %w (non-constant rhs), t2 = %mm (result),
// t3 = %mm + %mm (an add of two computed tensors, quantized too). The
// function returns 2 * %mm, not %mm itself.
func.func @forward(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %init = tensor.empty(%n) : tensor<?x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%init : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x4xf32>)
                      outs(%fill : tensor<?x4xf32>) -> tensor<?x4xf32>
  %yinit = tensor.empty(%n) : tensor<?x4xf32>
  %y = linalg.add ins(%mm, %mm : tensor<?x4xf32>, tensor<?x4xf32>)
                  outs(%yinit : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
