// A float two-layer model with constant weights for the calibration tests:
//   %h = %x @ W1 + b1   (8 -> 6, bias added by linalg.add of a broadcast)
//   %y = %h @ W2        (6 -> 4, no bias)
// Tensor ids: t0 = %x, t1 = %mm1 (numbered but not observed: the bias add
// after it is part of the same quantizable unit), t2 = %h, t3 = %y (W1, W2,
// b1 and its broadcast are constants, no ids).
//
// Every weight and bias is a multiple of 2^-6 (W1's column 5: of 2^-24), so
// with inputs that are multiples of 2^-4 every product and partial sum is
// exact in f32 and numpy computes %h and %y bit for bit as the compiled
// model does, whatever the summation order. W1's columns: 0 mixed signs,
// 1 all positive, 2 all negative, 3 one dominant value, 4 small, 5 tiny
// (|w| < 2^-20, so that max|w|/127 is below f32 epsilon and the scale is
// clamped to epsilon); b1[5] and W2's row 5 are 0 to keep %y exact.
func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[-1.03125, 0.71875, -1.65625, 0.09375, -0.0625, -2.980232238769531e-07],
        [1.640625, 1.21875, -1.6875, -0.078125, -0.03125, 9.5367431640625e-07],
        [1.484375, 1.703125, -1.359375, 1.984375, -0.046875, 2.980232238769531e-07],
        [-0.953125, 1.34375, -0.1875, -0.0625, -0.0625, -5.364418029785156e-07],
        [1.953125, 1.59375, -0.0625, 0.078125, 0.046875, -2.980232238769531e-07],
        [-1.1875, 0.15625, -1.75, 0.078125, 0.0, 6.556510925292969e-07],
        [0.0625, 0.40625, -0.640625, -0.015625, 0.0625, -3.5762786865234375e-07],
        [1.078125, 0.25, -1.328125, -0.0625, -0.03125, -5.960464477539063e-08]]> : tensor<8x6xf32>
  %b1 = arith.constant dense<[-0.015625, -0.0625, -0.03125, 0.9375, -0.515625, 0.0]> : tensor<6xf32>
  %w2 = arith.constant dense<[[-1.21875, -1.6875, -0.734375, -1.015625],
        [0.5625, -1.265625, -1.1875, 1.625],
        [1.25, 0.21875, 1.671875, -0.515625],
        [-1.71875, 1.34375, -1.65625, -0.609375],
        [-0.171875, 0.734375, -1.515625, -1.09375],
        [0.0, 0.0, 0.0, 0.0]]> : tensor<6x4xf32>
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %init1 = tensor.empty(%n) : tensor<?x6xf32>
  %fill1 = linalg.fill ins(%zero : f32) outs(%init1 : tensor<?x6xf32>) -> tensor<?x6xf32>
  %mm1 = linalg.matmul ins(%x, %w1 : tensor<?x8xf32>, tensor<8x6xf32>)
                       outs(%fill1 : tensor<?x6xf32>) -> tensor<?x6xf32>
  %binit = tensor.empty(%n) : tensor<?x6xf32>
  %bias = linalg.broadcast ins(%b1 : tensor<6xf32>) outs(%binit : tensor<?x6xf32>) dimensions = [0]
  %ainit = tensor.empty(%n) : tensor<?x6xf32>
  %h = linalg.add ins(%mm1, %bias : tensor<?x6xf32>, tensor<?x6xf32>)
                  outs(%ainit : tensor<?x6xf32>) -> tensor<?x6xf32>
  %init2 = tensor.empty(%n) : tensor<?x4xf32>
  %fill2 = linalg.fill ins(%zero : f32) outs(%init2 : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y = linalg.matmul ins(%h, %w2 : tensor<?x6xf32>, tensor<6x4xf32>)
                     outs(%fill2 : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
