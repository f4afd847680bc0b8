//===- Table.cpp - the calibration table: statistics per tensor id --------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Calibration/Table.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>

using namespace mlir::qlinalg;
using llvm::StringRef;

const TensorStatistics *CalibrationTable::lookup(StringRef id) const {
  auto it = tensors.find(id.str());
  return it == tensors.end() ? nullptr : &it->second;
}

std::optional<std::string>
CalibrationTable::merge(const CalibrationTable &other) {
  for (const auto &[id, stats] : other.tensors) {
    auto [it, inserted] = tensors.try_emplace(id, stats);
    if (inserted)
      continue;
    if (std::optional<std::string> error = it->second.merge(stats))
      return "tensor '" + id + "': " + *error;
  }
  batches += other.batches;
  return std::nullopt;
}

llvm::json::Value mlir::qlinalg::toJSON(const CalibrationTable &table) {
  llvm::json::Object tensors;
  for (const auto &[id, s] : table.tensors) {
    llvm::json::Object entry;
    entry["count"] = static_cast<int64_t>(s.count);
    if (s.hasRange()) {
      entry["min"] = s.min;
      entry["max"] = s.max;
      const MovingAverage &ma = s.movingAverage;
      entry["moving_average"] = llvm::json::Object{
          {"constant", ma.constant}, {"batches", int64_t(ma.batches)},
          {"min", ma.min},           {"max", ma.max},
          {"sum_min", ma.sumMin},    {"sum_max", ma.sumMax}};
      // A table read without one (min/max by hand) has none to write: an
      // empty one would not read back.
      if (!s.histogram.empty()) {
        llvm::ArrayRef<uint64_t> counts = s.histogram.getCounts();
        while (!counts.empty() && counts.back() == 0)
          counts = counts.drop_back();
        llvm::json::Array bins;
        for (uint64_t c : counts)
          bins.push_back(static_cast<int64_t>(c));
        entry["histogram"] =
            llvm::json::Object{{"log2_width", s.histogram.getLog2Width()},
                               {"offset", s.histogram.getOffset()},
                               {"counts", std::move(bins)}};
      }
    }
    if (s.perChannel) {
      llvm::json::Array mins, maxs;
      for (auto [lo, hi] : llvm::zip(s.perChannel->min, s.perChannel->max)) {
        mins.push_back(lo);
        maxs.push_back(hi);
      }
      entry["per_channel"] = llvm::json::Object{{"axis", s.perChannel->axis},
                                                {"min", std::move(mins)},
                                                {"max", std::move(maxs)}};
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

/// Deepest nesting of objects and arrays a table may have: the format needs
/// 4; llvm::json::parse recurses once per level, and a file nested 50,000
/// deep would overflow the stack.
static constexpr int kMaxJsonDepth = 64;

/// Checks what llvm::json::parse does not: the nesting depth (before it
/// recurses) and that no object names a key twice (the parser keeps one of
/// them silently: two entries for one tensor id, or two 'min's). Keys are
/// compared as written. Syntax errors are left to the parser.
static llvm::Error checkJsonStructure(StringRef text, StringRef name) {
  struct Level {
    bool object;
    llvm::StringSet<> keys;
    std::string key; // the key this level's value belongs to, for messages
  };
  llvm::SmallVector<Level> levels;
  std::string lastKey;
  for (size_t i = 0, e = text.size(); i < e; ++i) {
    char c = text[i];
    if (c == '{' || c == '[') {
      if (static_cast<int>(levels.size()) >= kMaxJsonDepth)
        return makeError(name, "JSON nested deeper than " +
                                   llvm::Twine(kMaxJsonDepth) + " levels");
      levels.push_back({c == '{', {}, lastKey});
      lastKey.clear();
    } else if (c == '}' || c == ']') {
      if (!levels.empty())
        levels.pop_back();
      lastKey.clear();
    } else if (c == '"') {
      size_t start = ++i;
      while (i < e && text[i] != '"')
        i += text[i] == '\\' ? 2 : 1;
      if (i >= e)
        break;
      StringRef str = text.slice(start, i);
      size_t next = text.find_first_not_of(" \t\r\n", i + 1);
      if (levels.empty() || !levels.back().object || next == StringRef::npos ||
          text[next] != ':')
        continue;
      if (!levels.back().keys.insert(str).second) {
        std::string where = levels.back().key.empty()
                                ? std::string("the top-level object")
                                : "'" + levels.back().key + "'";
        return makeError(name, "duplicate key '" + str + "' in " + where);
      }
      lastKey = str.str();
    }
  }
  return llvm::Error::success();
}

/// The f32 range every statistic of f32 data lies in: a table holding more
/// was not measured on f32 data, and would not be written back readably
/// (the moving average a table without one gets is its range).
static bool fitsF32(double v) {
  return std::isfinite(v) && std::fabs(v) <= std::numeric_limits<float>::max();
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
  return makeError(name, "tensor '" + id + "': '" + key + "' must be a number");
}

/// The optional statistics beyond count/min/max: moving average, histogram
/// and per-channel ranges. Tables without them (written by hand or by another
/// tool) are valid; estimators that need them say so at quantize time.
static llvm::Error parseDetails(const llvm::json::Object &o,
                                TensorStatistics &s, StringRef name,
                                StringRef id) {
  auto bad = [&](const llvm::Twine &what) {
    return makeError(name, "tensor '" + id + "': " + what);
  };
  if (const llvm::json::Value *v = o.get("moving_average")) {
    const llvm::json::Object *ma = v->getAsObject();
    std::optional<double> c, mn, mx, smn, smx;
    std::optional<int64_t> n;
    if (ma) {
      c = ma->getNumber("constant");
      mn = ma->getNumber("min");
      mx = ma->getNumber("max");
      smn = ma->getNumber("sum_min");
      smx = ma->getNumber("sum_max");
      n = ma->getInteger("batches");
    }
    if (!ma || !c || !mn || !mx || !smn || !smx || !n || *n < 1 ||
        !(*c > 0.0 && *c <= 1.0))
      return bad("malformed 'moving_average' (needs constant in (0, 1], "
                 "batches >= 1, min, max, sum_min, sum_max)");
    if (!fitsF32(*mn) || !fitsF32(*mx) || !fitsF32(*smn) || !fitsF32(*smx))
      return bad("'moving_average' values must be finite f32 numbers");
    if (!(*mn <= *mx) || !(*smn <= *smx))
      return bad("'moving_average' range is inverted (min " +
                 formatNumber(*mn) + ", max " + formatNumber(*mx) + ")");
    s.movingAverage = {*c, static_cast<uint64_t>(*n), *mn, *mx, *smn, *smx};
  } else {
    // A table without it: the overall range stands in.
    s.movingAverage.update(s.min, s.max);
  }
  if (const llvm::json::Value *v = o.get("histogram")) {
    const llvm::json::Object *h = v->getAsObject();
    std::optional<int64_t> e = h ? h->getInteger("log2_width") : std::nullopt;
    std::optional<int64_t> offset = h ? h->getInteger("offset") : std::nullopt;
    const llvm::json::Array *counts = h ? h->getArray("counts") : nullptr;
    if (!e || !offset || !counts)
      return bad("malformed 'histogram' (needs log2_width, offset, counts)");
    if (*e < std::numeric_limits<int32_t>::min() ||
        *e > std::numeric_limits<int32_t>::max())
      return bad("histogram log2_width " + llvm::Twine(*e) +
                 " is out of range");
    std::vector<uint64_t> values;
    for (const llvm::json::Value &c : *counts) {
      std::optional<int64_t> n = c.getAsInteger();
      if (!n || *n < 0)
        return bad("histogram counts must be non-negative integers");
      values.push_back(*n);
    }
    std::string error;
    std::optional<Histogram> hist =
        Histogram::fromParts(*e, *offset, values, s.min, s.max, error);
    if (!hist)
      return bad(error);
    if (hist->getTotal() != s.count)
      return bad("histogram holds " + llvm::Twine(hist->getTotal()) +
                 " values but 'count' is " + llvm::Twine(s.count));
    s.histogram = std::move(*hist);
  }
  if (const llvm::json::Value *v = o.get("per_channel")) {
    const llvm::json::Object *pc = v->getAsObject();
    std::optional<int64_t> axis = pc ? pc->getInteger("axis") : std::nullopt;
    const llvm::json::Array *mins = pc ? pc->getArray("min") : nullptr;
    const llvm::json::Array *maxs = pc ? pc->getArray("max") : nullptr;
    if (!axis || *axis < 0 || !mins || !maxs || mins->size() != maxs->size())
      return bad("malformed 'per_channel' (needs axis >= 0 and min/max "
                 "arrays of one length)");
    s.trackChannels(*axis);
    for (auto [lo, hi] : llvm::zip(*mins, *maxs)) {
      std::optional<double> l = lo.getAsNumber(), u = hi.getAsNumber();
      if (!l || !u || !(*l <= *u))
        return bad("per-channel ranges must be ordered numbers");
      if (!fitsF32(*l) || !fitsF32(*u))
        return bad("per-channel range [" + formatNumber(*l) + ", " +
                   formatNumber(*u) + "] does not fit in f32");
      s.perChannel->min.push_back(*l);
      s.perChannel->max.push_back(*u);
    }
  }
  return llvm::Error::success();
}

llvm::Expected<CalibrationTable>
mlir::qlinalg::parseCalibrationTable(StringRef text, StringRef name) {
  if (llvm::Error err = checkJsonStructure(text, name))
    return std::move(err);
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed)
    return makeError(name,
                     "malformed JSON: " + llvm::toString(parsed.takeError()));
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return makeError(name, "the calibration table must be a JSON object");
  std::optional<StringRef> format = root->getString("format");
  if (!format || *format != CalibrationTable::kFormat)
    return makeError(name, "not a calibration table (expected \"format\": \"" +
                               CalibrationTable::kFormat + "\")");
  std::optional<int64_t> version = root->getInteger("version");
  if (version && *version == 1)
    return makeError(name, "calibration table version 1 numbers tensors by "
                           "quantizable matmul; this build numbers every float "
                           "tensor (version 2): re-run qlinalg-calibrate on "
                           "the float model");
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
      if (!fitsF32(*min) || !fitsF32(*max))
        return makeError(
            name, "tensor '" + id + "': range [" + formatNumber(*min) + ", " +
                      formatNumber(*max) + "] does not fit in f32");
      s.min = *min;
      s.max = *max;
      std::optional<int64_t> count = o->getInteger("count");
      s.count = count && *count > 0 ? *count : 1;
      if (llvm::Error err = parseDetails(*o, s, name, id))
        return std::move(err);
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
      return makeError(name,
                       "tensor '" + id + "': needs 'min'/'max' or 'scale'");
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

llvm::Error
mlir::qlinalg::writeCalibrationTable(StringRef path,
                                     const CalibrationTable &table) {
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
    os << llvm::formatv("{0:2}", toJSON(table)) << "\n";
    return llvm::Error::success();
  });
}
