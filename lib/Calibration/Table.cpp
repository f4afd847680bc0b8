//===- Table.cpp - the calibration table: statistics per tensor id --------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Calibration/Table.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir::qlinalg;
using llvm::StringRef;

std::optional<size_t>
TensorStatistics::accumulate(llvm::ArrayRef<float> values) {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  for (size_t i = 0, e = values.size(); i < e; ++i) {
    float v = values[i];
    if (!std::isfinite(v))
      return i;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (values.empty())
    return std::nullopt;
  count += values.size();
  min = std::min(min, static_cast<double>(lo));
  max = std::max(max, static_cast<double>(hi));
  return std::nullopt;
}

const TensorStatistics *CalibrationTable::lookup(StringRef id) const {
  auto it = tensors.find(id.str());
  return it == tensors.end() ? nullptr : &it->second;
}

llvm::json::Value mlir::qlinalg::toJSON(const CalibrationTable &table) {
  llvm::json::Object tensors;
  for (const auto &[id, s] : table.tensors) {
    llvm::json::Object entry;
    entry["count"] = static_cast<int64_t>(s.count);
    if (s.hasRange()) {
      entry["min"] = s.min;
      entry["max"] = s.max;
    }
    if (s.scale)
      entry["scale"] = *s.scale;
    if (s.zeroPoint)
      entry["zero_point"] = *s.zeroPoint;
    tensors[id] = std::move(entry);
  }
  return llvm::json::Object{
      {"format", CalibrationTable::kFormat},
      {"version", CalibrationTable::kVersion},
      {"model", table.model},
      {"entry", table.entry},
      {"batches", static_cast<int64_t>(table.batches)},
      {"tensors", std::move(tensors)},
  };
}

static std::string formatNumber(double v) {
  return llvm::formatv("{0}", llvm::format("%.9g", v)).str();
}

static llvm::Error makeError(StringRef name, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 name + ": " + msg);
}

/// Reads an optional number (integers are accepted too); a present value
/// that is not a number is an error naming the tensor and the key.
static llvm::Expected<std::optional<double>>
getNumber(const llvm::json::Object &o, StringRef key, StringRef name,
          StringRef id) {
  const llvm::json::Value *v = o.get(key);
  if (!v)
    return std::nullopt;
  if (std::optional<double> d = v->getAsNumber())
    return d;
  return makeError(name, "tensor '" + id + "': '" + key +
                             "' must be a number");
}

llvm::Expected<CalibrationTable>
mlir::qlinalg::parseCalibrationTable(StringRef text, StringRef name) {
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed)
    return makeError(name, "malformed JSON: " +
                               llvm::toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return makeError(name, "the calibration table must be a JSON object");
  std::optional<StringRef> format = root->getString("format");
  if (!format || *format != CalibrationTable::kFormat)
    return makeError(name, "not a calibration table (expected \"format\": \"" +
                               CalibrationTable::kFormat + "\")");
  std::optional<int64_t> version = root->getInteger("version");
  if (!version || *version != CalibrationTable::kVersion)
    return makeError(name, "unsupported calibration table version (expected " +
                               llvm::Twine(CalibrationTable::kVersion) + ")");
  CalibrationTable table;
  if (auto m = root->getString("model"))
    table.model = m->str();
  if (auto e = root->getString("entry"))
    table.entry = e->str();
  if (auto b = root->getInteger("batches"))
    table.batches = *b;
  const llvm::json::Object *tensors = root->getObject("tensors");
  if (!tensors)
    return makeError(name, "missing \"tensors\" object");
  for (const auto &[key, value] : *tensors) {
    std::string id = key.str();
    const llvm::json::Object *o = value.getAsObject();
    if (!o)
      return makeError(name, "tensor '" + id + "': entry must be an object");
    TensorStatistics s;
    auto minOr = getNumber(*o, "min", name, id);
    if (!minOr)
      return minOr.takeError();
    auto maxOr = getNumber(*o, "max", name, id);
    if (!maxOr)
      return maxOr.takeError();
    auto scaleOr = getNumber(*o, "scale", name, id);
    if (!scaleOr)
      return scaleOr.takeError();
    if (const llvm::json::Value *c = o->get("count");
        c && (!c->getAsInteger() || *c->getAsInteger() < 0))
      return makeError(name, "tensor '" + id +
                                 "': 'count' must be a non-negative integer");
    std::optional<double> min = *minOr, max = *maxOr;
    if (min.has_value() != max.has_value())
      return makeError(name, "tensor '" + id +
                                 "': 'min' and 'max' must come together");
    if (min) {
      if (!std::isfinite(*min) || !std::isfinite(*max) || *min > *max)
        return makeError(name, "tensor '" + id + "': invalid range [" +
                                   formatNumber(*min) + ", " +
                                   formatNumber(*max) + "]");
      s.min = *min;
      s.max = *max;
      std::optional<int64_t> count = o->getInteger("count");
      s.count = count && *count > 0 ? *count : 1;
    }
    if (std::optional<double> scale = *scaleOr) {
      if (!(*scale > 0.0) || !std::isfinite(*scale))
        return makeError(name, "tensor '" + id + "': scale " +
                                   formatNumber(*scale) + " must be positive");
      s.scale = *scale;
      s.zeroPoint = 0;
      if (const llvm::json::Value *zp = o->get("zero_point")) {
        std::optional<int64_t> z = zp->getAsInteger();
        if (!z)
          return makeError(name, "tensor '" + id +
                                     "': 'zero_point' must be an integer");
        s.zeroPoint = *z;
      }
    } else if (o->get("zero_point")) {
      return makeError(name,
                       "tensor '" + id + "': 'zero_point' needs a 'scale'");
    }
    if (!s.hasRange() && !s.scale)
      return makeError(name, "tensor '" + id +
                                 "': needs 'min'/'max' or 'scale'");
    table.tensors[id] = s;
  }
  return table;
}

llvm::Expected<CalibrationTable>
mlir::qlinalg::readCalibrationTable(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return makeError(path, "cannot read calibration table: " +
                               buffer.getError().message());
  return parseCalibrationTable((*buffer)->getBuffer(), path);
}

llvm::Error mlir::qlinalg::writeCalibrationTable(StringRef path,
                                                 const CalibrationTable &table) {
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
    os << llvm::formatv("{0:2}", toJSON(table)) << "\n";
    return llvm::Error::success();
  });
}
