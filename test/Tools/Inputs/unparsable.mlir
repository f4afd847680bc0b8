// Not valid MLIR: the tensor type is not closed.
func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = arith.addf %x, %x : tensor<?x64xf32
  return %y : tensor<?x64xf32>
}
