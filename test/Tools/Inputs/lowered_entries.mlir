// Already lowered entries (llvm.func): @nosig lacks the qlinalg.signature
// attribute that --qlinalg-to-llvm keeps, @withsig has one but is no
// func.func that qlinalg-calibrate could instrument.
llvm.func @nosig() {
  llvm.return
}

llvm.func @withsig(%arg0: !llvm.ptr) attributes {qlinalg.signature = (tensor<4xf32>) -> ()} {
  llvm.return
}

// @badsig: a signature as text (what --qlinalg-to-llvm writes) that is no
// function type.
llvm.func @badsig() attributes {qlinalg.signature = "tensor<4xf32>"} {
  llvm.return
}
