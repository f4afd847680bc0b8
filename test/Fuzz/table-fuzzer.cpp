//===- table-fuzzer.cpp - libFuzzer target of the calibration table -------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Any text: parseCalibrationTable reads it or returns an error naming the
// file. A table it reads is written and read back unchanged, merges with
// itself, and every estimator under both schemes ends, on every entry, with
// an ordered range inside the entry's own (or a message).
//
//===----------------------------------------------------------------------===//

#include "CheckEstimators.h"

#include "qlinalg/Calibration/Table.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>

using namespace mlir::qlinalg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<CalibrationTable> table =
      parseCalibrationTable(text, "fuzz.json");
  if (!table) {
    std::string message = llvm::toString(table.takeError());
    if (!llvm::StringRef(message).starts_with("fuzz.json: "))
      std::abort();
    return 0;
  }
  std::string written = llvm::formatv("{0}", toJSON(*table)).str();
  llvm::Expected<CalibrationTable> again =
      parseCalibrationTable(written, "again.json");
  if (!again) { // what the reader accepts, the writer writes readably
    llvm::errs() << "round trip failed: " << llvm::toString(again.takeError())
                 << "\n"
                 << written << "\n";
    std::abort();
  }
  CalibrationTable twice = *again;
  (void)twice.merge(*table); // explicit scales refuse; nothing else may fail
  for (const auto &[id, stats] : table->tensors)
    if (stats.hasRange())
      fuzz::checkEstimators(stats, /*searching=*/true, /*inside=*/true,
                            "tensor '" + id + "'");
  return 0;
}
