// Parses, but does not verify: the accumulator scale is not lhs * rhs scale.
func.func @main(%a: tensor<?x4x!quant.uniform<i8:f32, 0.5>>, %w: tensor<4x2x!quant.uniform<i8:f32, 0.25>>)
    -> tensor<?x2x!quant.uniform<i32:f32, 0.5>> {
  %acc = qlinalg.matmul %a, %w : tensor<?x4x!quant.uniform<i8:f32, 0.5>>, tensor<4x2x!quant.uniform<i8:f32, 0.25>>
      -> tensor<?x2x!quant.uniform<i32:f32, 0.5>>
  return %acc : tensor<?x2x!quant.uniform<i32:f32, 0.5>>
}
