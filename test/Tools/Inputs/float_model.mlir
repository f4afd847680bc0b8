// A small float model for the tool tests: y = x @ W + b, x: ?x64, y: ?x4,
// returns 2 * y. Tensor ids: t0 = %x, t1 = %mm (numbered, not observed),
// t2 = %y (observed, not itself returned), t3 = the returned 2 * y (the
// result of an add of two computed tensors, observed too). @other
// is there so that "entry not found" has more than one function to list.
func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.125> : tensor<64x4xf32>
  %b = arith.constant dense<[0.5, -0.5, 1.0, -1.0]> : tensor<4xf32>
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %init = tensor.empty(%n) : tensor<?x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%init : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x4xf32>)
                      outs(%fill : tensor<?x4xf32>) -> tensor<?x4xf32>
  %binit = tensor.empty(%n) : tensor<?x4xf32>
  %bias = linalg.broadcast ins(%b : tensor<4xf32>) outs(%binit : tensor<?x4xf32>) dimensions = [0]
  %yinit = tensor.empty(%n) : tensor<?x4xf32>
  %y = linalg.add ins(%mm, %bias : tensor<?x4xf32>, tensor<?x4xf32>)
                  outs(%yinit : tensor<?x4xf32>) -> tensor<?x4xf32>
  %rinit = tensor.empty(%n) : tensor<?x4xf32>
  %r = linalg.add ins(%y, %y : tensor<?x4xf32>, tensor<?x4xf32>)
                  outs(%rinit : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

func.func @other(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
