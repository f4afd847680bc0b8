// --qlinalg-fake-quantize with quantizer options that do not parse: an error
// on the module that quotes them.
// expected-error @+1 {{quantize={estimator=none}: unknown estimator 'none' (expected minmax, moving-average, percentile, mse or entropy)}}
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    return %x : tensor<2x4xf32>
  }
}
