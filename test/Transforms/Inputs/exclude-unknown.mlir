// exclude= naming neither a tensor id of the module nor an op in it: an
// error on the module that names it.
// expected-error @+1 {{exclude= names 't42', which is neither a quantizable tensor id of this module (--qlinalg-instrument shows them) nor the name of an op in it}}
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %w = arith.constant dense<0.5> : tensor<4x4xf32>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x4xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
    return %y : tensor<2x4xf32>
  }
}
