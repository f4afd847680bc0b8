// An scf.if on the data: y = x @ W if x[0][0] > 0, else x.
func.func @forward(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %x00 = tensor.extract %x[%c0, %c0] : tensor<3x2xf32>
  %positive = arith.cmpf ogt, %x00, %zero : f32
  %r = scf.if %positive -> tensor<3x2xf32> {
    %e = tensor.empty() : tensor<3x2xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
    %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
    scf.yield %y : tensor<3x2xf32>
  } else {
    scf.yield %x : tensor<3x2xf32>
  }
  return %r : tensor<3x2xf32>
}
