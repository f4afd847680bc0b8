//===- npy-fuzzer.cpp - libFuzzer target of the .npy reader ---------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Any bytes: parseNpy reads them or returns an error naming the file, never
// crashes. What it reads, written back and read again, is the same array.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Support/Npy.h"

#include <cstdlib>
#include <cstring>

using namespace mlir::qlinalg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<NpyArray> array = parseNpy(bytes, "fuzz.npy");
  if (!array) {
    std::string message = llvm::toString(array.takeError());
    if (!llvm::StringRef(message).starts_with("fuzz.npy: "))
      std::abort(); // every error names the file
    return 0;
  }
  std::string written = serializeNpy(*array);
  llvm::Expected<NpyArray> again = parseNpy(written, "again.npy");
  if (!again || again->getDType() != array->getDType() ||
      again->getShape() != array->getShape() ||
      std::memcmp(again->getData(), array->getData(),
                  array->getSizeInBytes()) != 0)
    std::abort();
  return 0;
}
