// Quantized arguments for qlinalg-run's storage-range and dtype checks:
// %w is narrow-range i8 (storage [-127, 127]), %a is u8. Two results.
func.func @main(%w: tensor<4x8x!quant.uniform<i8<-127:127>:f32, 0.5>>,
                %a: tensor<?x8x!quant.uniform<u8:f32, 0.25:128>>)
    -> (tensor<4x8xf32>, tensor<?x8xf32>) {
  %x = qlinalg.dequantize %w : tensor<4x8x!quant.uniform<i8<-127:127>:f32, 0.5>> to tensor<4x8xf32>
  %y = qlinalg.dequantize %a : tensor<?x8x!quant.uniform<u8:f32, 0.25:128>> to tensor<?x8xf32>
  return %x, %y : tensor<4x8xf32>, tensor<?x8xf32>
}
