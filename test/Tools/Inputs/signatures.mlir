// Entry functions whose signatures cannot be exchanged as .npy arrays, for
// the qlinalg-run and qlinalg-calibrate error tests: a scalar argument, an
// unranked result, f16 and i64 elements, and a declaration without a body.
func.func @scalar(%x: f32) -> f32 {
  return %x : f32
}

func.func @unranked(%x: tensor<4xf32>) -> tensor<*xf32> {
  %0 = tensor.cast %x : tensor<4xf32> to tensor<*xf32>
  return %0 : tensor<*xf32>
}

func.func @half(%x: tensor<4xf16>) -> tensor<4xf16> {
  return %x : tensor<4xf16>
}

func.func @wide(%x: tensor<4xf32>) -> tensor<4xi64> {
  %0 = arith.fptosi %x : tensor<4xf32> to tensor<4xi64>
  return %0 : tensor<4xi64>
}

func.func private @decl(tensor<4xf32>) -> tensor<4xf32>
