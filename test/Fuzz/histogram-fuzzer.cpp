//===- histogram-fuzzer.cpp - libFuzzer target of the statistics ----------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The bytes as float batches (the first byte says where batches split):
// streamed, one-shot and merged histograms of the finite values are equal
// (the histogram is a function of the multiset of values alone), counts add
// up, and every estimator ends with an ordered, finite range inside
// [min, max] (for a clipping estimator) or a message. The searching
// estimators (MSE, entropy) cost ~0.1 s each on a full window under ASan and
// coverage tracing: table-fuzzer runs them, on histograms it reads.
//
//===----------------------------------------------------------------------===//

#include "CheckEstimators.h"

#include "qlinalg/Calibration/Statistics.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace mlir::qlinalg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  unsigned batchSize = data[0] % 16 + 1;
  std::vector<float> all;
  for (size_t i = 1; i + 4 <= size; i += 4) {
    float v;
    std::memcpy(&v, data + i, 4);
    if (std::isfinite(v))
      all.push_back(v);
  }
  if (all.empty())
    return 0;
  Histogram streamed, oneShot, merged;
  TensorStatistics stats;
  for (size_t i = 0; i < all.size(); i += batchSize) {
    llvm::ArrayRef<float> batch = llvm::ArrayRef(all).slice(
        i, std::min<size_t>(batchSize, all.size() - i));
    streamed.add(batch);
    Histogram part;
    part.add(batch);
    merged.merge(part);
    if (stats.accumulate(batch))
      std::abort(); // every value is finite
  }
  oneShot.add(all);
  if (!(streamed == oneShot) || !(merged == oneShot))
    std::abort();
  uint64_t total = 0;
  for (uint64_t c : oneShot.getCounts())
    total += c;
  if (total != all.size())
    std::abort();
  fuzz::checkEstimators(stats, /*searching=*/false, /*inside=*/true,
                        "fuzz input");
  return 0;
}
