//===- ToolOptions.h - the command lines of qlinalg's tools -----*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What every qlinalg tool does with its command line, as LLVM's own tools
// do: its options in a category of their own, every other registered option
// (the ~380 of LLVM's backends) out of --help but still in --help-hidden, and
// --version naming qlinalg's version and the LLVM it was built with.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_SUPPORT_TOOLOPTIONS_H
#define QLINALG_SUPPORT_TOOLOPTIONS_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::qlinalg {

/// Prints "qlinalg VERSION (LLVM VERSION)" and a newline.
void printVersion(llvm::raw_ostream &os);

/// Moves every option outside `category` (and LLVM's generic ones, --help
/// and --version) to --help-hidden, and makes --version print
/// printVersion's line. Call before llvm::cl::ParseCommandLineOptions.
void setUpToolOptions(llvm::cl::OptionCategory &category);

} // namespace mlir::qlinalg

#endif // QLINALG_SUPPORT_TOOLOPTIONS_H
