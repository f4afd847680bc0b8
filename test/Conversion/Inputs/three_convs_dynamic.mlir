// Found by test/Fuzz/Inputs/random_programs.py (seed 1002): three small convolutions
// with ReLUs on a dynamic batch. Through the portable kernel, bufferization
// took 105 s reasoning about the shapes of loop-carried tensors.
func.func @forward(%arg0: tensor<?x8x7x3xf32>) -> tensor<?x2x6x1xf32> {
  %z2 = arith.constant 0.0 : f32
  %xp1 = tensor.pad %arg0 low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %z2 : f32
  } : tensor<?x8x7x3xf32> to tensor<?x10x9x3xf32>
  %c3 = arith.constant 0 : index
  %n4 = tensor.dim %xp1, %c3 : tensor<?x10x9x3xf32>
  %e5 = tensor.empty(%n4) : tensor<?x5x5x3xf32>
  %w6 = arith.constant dense<[ 0.10081603, -0.41093504, -0.4021943 ]> : tensor<3xf32>
  %init7 = linalg.broadcast ins(%w6 : tensor<3xf32>) outs(%e5 : tensor<?x5x5x3xf32>) dimensions = [0, 1, 2]
  %w9 = arith.constant dense<[[[[-0.29726386   , -0.34704265   ,  0.22879747   ],
   [ 0.062143818  ,  0.40289307   , -0.00043071646],
   [-0.39948472   ,  0.35372585   , -0.051081065  ]]],


 [[[-0.23765995   ,  0.2226293    , -0.022510836  ],
   [-0.04559311   , -0.18980542   ,  0.26671603   ],
   [-0.20914355   ,  0.33563143   , -0.3117149    ]]]]> : tensor<2x1x3x3xf32>
  %conv8 = linalg.conv_2d_nhwc_hwcf {dilations = dense<[1, 1]> : tensor<2xi64>, strides = dense<[2, 2]> : tensor<2xi64>} ins(%xp1, %w9 : tensor<?x10x9x3xf32>, tensor<2x1x3x3xf32>) outs(%init7 : tensor<?x5x5x3xf32>) -> tensor<?x5x5x3xf32>
  %c10 = arith.constant 0 : index
  %n11 = tensor.dim %conv8, %c10 : tensor<?x5x5x3xf32>
  %e12 = tensor.empty(%n11) : tensor<?x5x5x3xf32>
  %y13 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv8 : tensor<?x5x5x3xf32>) outs(%e12 : tensor<?x5x5x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %zr = arith.constant 0.0 : f32
    %r = arith.maximumf %a, %zr : f32
    linalg.yield %r : f32
  } -> tensor<?x5x5x3xf32>
  %z15 = arith.constant 0.0 : f32
  %xp14 = tensor.pad %y13 low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %z15 : f32
  } : tensor<?x5x5x3xf32> to tensor<?x7x7x3xf32>
  %c16 = arith.constant 0 : index
  %n17 = tensor.dim %xp14, %c16 : tensor<?x7x7x3xf32>
  %e18 = tensor.empty(%n17) : tensor<?x2x4x2xf32>
  %z19 = arith.constant 0.0 : f32
  %init20 = linalg.fill ins(%z19 : f32) outs(%e18 : tensor<?x2x4x2xf32>) -> tensor<?x2x4x2xf32>
  %w22 = arith.constant dense<[[[[-0.29641396 , -0.11948799 ],
   [ 0.2953437  , -0.2921149  ],
   [-0.23606092 , -0.14913635 ]]],


 [[[-0.018420314,  0.15669927 ],
   [ 0.050041053, -0.3089106  ],
   [ 0.050116662,  0.20074993 ]]],


 [[[ 0.09175753 , -0.20811029 ],
   [-0.09662363 ,  0.16009152 ],
   [ 0.06304232 , -0.01887518 ]]]]> : tensor<3x1x3x2xf32>
  %conv21 = linalg.conv_2d_nhwc_hwcf {dilations = dense<[2, 2]> : tensor<2xi64>, strides = dense<[2, 2]> : tensor<2xi64>} ins(%xp14, %w22 : tensor<?x7x7x3xf32>, tensor<3x1x3x2xf32>) outs(%init20 : tensor<?x2x4x2xf32>) -> tensor<?x2x4x2xf32>
  %w23 = arith.constant dense<[ 0.12390177, -0.4794836 ]> : tensor<2xf32>
  %c24 = arith.constant 0 : index
  %n25 = tensor.dim %conv21, %c24 : tensor<?x2x4x2xf32>
  %e26 = tensor.empty(%n25) : tensor<?x2x4x2xf32>
  %y27 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv21, %w23 : tensor<?x2x4x2xf32>, tensor<2xf32>) outs(%e26 : tensor<?x2x4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x2x4x2xf32>
  %c28 = arith.constant 0 : index
  %n29 = tensor.dim %y27, %c28 : tensor<?x2x4x2xf32>
  %e30 = tensor.empty(%n29) : tensor<?x2x4x2xf32>
  %y31 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y27 : tensor<?x2x4x2xf32>) outs(%e30 : tensor<?x2x4x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %zr = arith.constant 0.0 : f32
    %r = arith.maximumf %a, %zr : f32
    linalg.yield %r : f32
  } -> tensor<?x2x4x2xf32>
  %z33 = arith.constant 0.0 : f32
  %xp32 = tensor.pad %y31 low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %z33 : f32
  } : tensor<?x2x4x2xf32> to tensor<?x4x6x2xf32>
  %c34 = arith.constant 0 : index
  %n35 = tensor.dim %xp32, %c34 : tensor<?x4x6x2xf32>
  %e36 = tensor.empty(%n35) : tensor<?x2x6x1xf32>
  %z37 = arith.constant 0.0 : f32
  %init38 = linalg.fill ins(%z37 : f32) outs(%e36 : tensor<?x2x6x1xf32>) -> tensor<?x2x6x1xf32>
  %w40 = arith.constant dense<[[[[ 0.3328728 ],
   [ 0.34360957]]],


 [[[ 0.27210626],
   [-0.15778507]]]]> : tensor<2x1x2x1xf32>
  %conv39 = linalg.conv_2d_nhwc_hwcf {dilations = dense<[2, 2]> : tensor<2xi64>, strides = dense<[1, 1]> : tensor<2xi64>} ins(%xp32, %w40 : tensor<?x4x6x2xf32>, tensor<2x1x2x1xf32>) outs(%init38 : tensor<?x2x6x1xf32>) -> tensor<?x2x6x1xf32>
  %w41 = arith.constant dense<[0.43198523]> : tensor<1xf32>
  %c42 = arith.constant 0 : index
  %n43 = tensor.dim %conv39, %c42 : tensor<?x2x6x1xf32>
  %e44 = tensor.empty(%n43) : tensor<?x2x6x1xf32>
  %y45 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%conv39, %w41 : tensor<?x2x6x1xf32>, tensor<1xf32>) outs(%e44 : tensor<?x2x6x1xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x2x6x1xf32>
  return %y45 : tensor<?x2x6x1xf32>
}
