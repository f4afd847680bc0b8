// An entry function whose block ends in another terminator than func.return,
// which qlinalg-calibrate cannot extend with the observed tensors.
func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  llvm.unreachable
}
