// Input of qlinalg-lower.mlir's unknown-target RUN line: the error is on the
// module, before anything is converted.
// expected-error @+1 {{unknown target 'x86'; known targets: host (the best target for the running CPU), x86-avx512-vnni, x86-avx2, aarch64-i8mm, aarch64-dotprod, generic (qlinalg-opt --qlinalg-list-targets describes them)}}
module {
  func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32, 0.5>> {
    %0 = qlinalg.quantize %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.5>>
    return %0 : tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  }
}
