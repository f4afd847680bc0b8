//===- Npy.cpp - NumPy .npy arrays in and out -----------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Support/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

using namespace mlir::qlinalg;
using llvm::StringRef;

size_t mlir::qlinalg::getDTypeSize(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::Float32:
  case NpyDType::Int32:
    return 4;
  case NpyDType::Int8:
  case NpyDType::UInt8:
    return 1;
  }
  llvm_unreachable("unknown dtype");
}

StringRef mlir::qlinalg::getDTypeName(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::Float32:
    return "float32";
  case NpyDType::Int32:
    return "int32";
  case NpyDType::Int8:
    return "int8";
  case NpyDType::UInt8:
    return "uint8";
  }
  llvm_unreachable("unknown dtype");
}

StringRef mlir::qlinalg::getDTypeDescr(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::Float32:
    return "<f4";
  case NpyDType::Int32:
    return "<i4";
  case NpyDType::Int8:
    return "|i1";
  case NpyDType::UInt8:
    return "|u1";
  }
  llvm_unreachable("unknown dtype");
}

NpyArray::NpyArray(NpyDType dtype, llvm::ArrayRef<int64_t> shape)
    : dtype(dtype), shape(shape) {
  size_t bytes = getSizeInBytes();
  size_t rounded = (bytes + 63) / 64 * 64;
  data.reset(std::aligned_alloc(64, rounded == 0 ? 64 : rounded));
  if (!data)
    llvm::report_bad_alloc_error("out of memory allocating an array");
  std::memset(data.get(), 0, rounded == 0 ? 64 : rounded);
}

NpyArray NpyArray::adopt(NpyDType dtype, llvm::ArrayRef<int64_t> shape,
                         void *data) {
  NpyArray array;
  array.dtype = dtype;
  array.shape.assign(shape.begin(), shape.end());
  array.data.reset(data);
  return array;
}

int64_t NpyArray::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string NpyArray::describe() const {
  std::string s;
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + getDTypeName(dtype).str();
}

static llvm::Error makeError(StringRef name, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 name + ": " + msg);
}

namespace {
/// A value of the header's dict, as Python's ast.literal_eval (which numpy
/// reads the header with) would build it, for the kinds a header can hold.
struct HeaderValue {
  enum Kind { String, Bool, None, Int, Tuple, List } kind = None;
  std::string text;               // String
  bool boolean = false;           // Bool
  int64_t integer = 0;            // Int
  std::vector<HeaderValue> items; // Tuple, List
};

/// Parses the header exactly as strictly as numpy.lib.format does: one dict
/// literal (Python syntax: either quote, trailing commas, whitespace and
/// comments), nothing else but whitespace after it, the keys 'descr',
/// 'fortran_order' and 'shape' and no others, a repeated key meaning the last
/// one (a Python dict). Versions 1 and 2 also take Python 2's `3L` integers,
/// as numpy's _filter_header does.
class HeaderParser {
public:
  HeaderParser(StringRef text, bool longSuffix)
      : text(text), longSuffix(longSuffix) {}

  /// The dict's entries, or an error message.
  std::optional<llvm::StringMap<HeaderValue>> parse(std::string &error) {
    llvm::StringMap<HeaderValue> dict;
    bool parsed = parseDict(dict);
    size_t end = pos;
    skipSpace();
    // Python rejects a line continuation with nothing after it.
    if (parsed && text.slice(end, pos).contains("\\\n")) {
      this->error = "a line continuation ends the header";
      parsed = false;
    }
    if (!parsed || pos != text.size()) {
      if (this->error.empty())
        this->error = "unexpected '" + describe() + "'";
      error =
          this->error + " at byte " + std::to_string(pos) + " of the header";
      return std::nullopt;
    }
    return dict;
  }

private:
  std::string describe() const {
    if (pos >= text.size())
      return "end of header";
    char c = text[pos];
    return llvm::isPrint(c)
               ? std::string(1, c)
               : llvm::formatv("\\x{0:x-2}", unsigned(uint8_t(c))).str();
  }
  void skipSpace() {
    while (pos < text.size()) {
      char c = text[pos];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos;
      } else if (c == '\\' && text.substr(pos + 1).starts_with("\n")) {
        pos += 2; // a line continuation
      } else if (c == '#') {
        while (pos < text.size() && text[pos] != '\n')
          ++pos;
      } else {
        return;
      }
    }
  }
  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool parseString(std::string &out) {
    char quote = text[pos++];
    while (pos < text.size() && text[pos] != quote && text[pos] != '\n') {
      char c = text[pos++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      // The escapes a dtype string could use; anything else is left to a
      // clear error rather than half-supported.
      if (pos >= text.size())
        break;
      char e = text[pos++];
      if (e == '\\' || e == '\'' || e == '"')
        out.push_back(e);
      else if (e == 'n')
        out.push_back('\n');
      else if (e == 't')
        out.push_back('\t');
      else
        return fail("unsupported escape '\\" + std::string(1, e) +
                    "' in a string");
    }
    if (pos >= text.size() || text[pos] != quote)
      return fail("unterminated string");
    ++pos;
    return true;
  }
  bool parseValue(HeaderValue &v) {
    skipSpace();
    if (pos >= text.size())
      return fail("unexpected end of header");
    char c = text[pos];
    // A str, or with Python 2's u prefix, which Python 3 still reads.
    if ((c == 'u' || c == 'U') && pos + 1 < text.size() &&
        (text[pos + 1] == '\'' || text[pos + 1] == '"'))
      c = text[++pos];
    if (c == '\'' || c == '"') {
      v.kind = HeaderValue::String;
      return parseString(v.text);
    }
    if (c == '(' || c == '[') {
      char close = c == '(' ? ')' : ']';
      ++pos;
      v.kind = c == '(' ? HeaderValue::Tuple : HeaderValue::List;
      bool comma = false;
      while (!consume(close)) {
        if (pos >= text.size() || StringRef("})]").contains(text[pos]))
          return fail(close == ')' ? "unterminated tuple"
                                   : "unterminated list");
        if (!v.items.empty() && !comma)
          return fail("expected ',' or '" + std::string(1, close) + "'");
        v.items.emplace_back();
        if (!parseValue(v.items.back()))
          return false;
        comma = consume(',');
      }
      // (3) is the integer 3, not a tuple.
      if (v.kind == HeaderValue::Tuple && v.items.size() == 1 && !comma) {
        HeaderValue inner = std::move(v.items.front());
        v = std::move(inner);
      }
      return true;
    }
    for (auto [word, kind, b] :
         {std::make_tuple("True", HeaderValue::Bool, true),
          std::make_tuple("False", HeaderValue::Bool, false),
          std::make_tuple("None", HeaderValue::None, false)}) {
      StringRef rest = text.substr(pos);
      if (rest.starts_with(word) &&
          (rest.size() == strlen(word) ||
           !(llvm::isAlnum(rest[strlen(word)]) || rest[strlen(word)] == '_'))) {
        pos += strlen(word);
        v.kind = kind;
        v.boolean = b;
        return true;
      }
    }
    bool negative = false;
    while (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) {
      negative ^= text[pos++] == '-';
      skipSpace();
    }
    size_t start = pos;
    while (pos < text.size() && llvm::isDigit(text[pos]))
      ++pos;
    StringRef digits = text.slice(start, pos);
    if (digits.empty())
      return fail("unexpected '" + describe() + "'");
    if (longSuffix && pos < text.size() &&
        (text[pos] == 'L' || text[pos] == 'l'))
      ++pos;
    if (pos < text.size() &&
        (llvm::isAlnum(text[pos]) || text[pos] == '.' || text[pos] == '_'))
      return fail("unsupported number '" + text.slice(start, pos + 1).str() +
                  "'");
    if (digits.size() > 1 && digits.front() == '0')
      return fail("leading zeros in '" + digits.str() + "'");
    uint64_t magnitude;
    if (digits.getAsInteger(10, magnitude) ||
        magnitude > uint64_t(std::numeric_limits<int64_t>::max()))
      return fail("integer " + digits.str() + " is too large");
    v.kind = HeaderValue::Int;
    v.integer = negative ? -int64_t(magnitude) : int64_t(magnitude);
    return true;
  }
  bool parseDict(llvm::StringMap<HeaderValue> &dict) {
    if (!consume('{'))
      return fail("expected the header to be a dict ('{')");
    bool comma = false, first = true;
    while (!consume('}')) {
      if (pos >= text.size())
        return fail("unterminated dict");
      if (!first && !comma)
        return fail("expected ',' or '}'");
      first = false;
      skipSpace();
      if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
        return fail(pos >= text.size() ? "unterminated dict"
                                       : "expected a string key");
      std::string key;
      if (!parseString(key))
        return false;
      if (!consume(':'))
        return fail("expected ':' after '" + key + "'");
      HeaderValue value;
      if (!parseValue(value))
        return false;
      dict[key] = std::move(value); // a repeated key: the last one
      comma = consume(',');
    }
    return true;
  }
  bool fail(const llvm::Twine &message) {
    if (error.empty())
      error = message.str();
    return false;
  }

  StringRef text;
  bool longSuffix;
  size_t pos = 0;
  std::string error;
};
} // namespace

llvm::Expected<NpyArray> mlir::qlinalg::parseNpy(StringRef buffer,
                                                 StringRef name) {
  static constexpr char kMagic[] = "\x93NUMPY";
  if (!buffer.starts_with(StringRef(kMagic, 6)))
    return makeError(name, "not a .npy file (bad magic string)");
  if (buffer.size() < 10)
    return makeError(name, "truncated .npy header");
  unsigned major = static_cast<unsigned char>(buffer[6]);
  unsigned minor = static_cast<unsigned char>(buffer[7]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(buffer[8]) |
                (static_cast<unsigned char>(buffer[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (buffer.size() < 12)
      return makeError(name, "truncated .npy header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= size_t(static_cast<unsigned char>(buffer[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    return makeError(name,
                     "unsupported .npy format version " + llvm::Twine(major));
  }
  if (minor != 0)
    return makeError(name, "unsupported .npy format version " +
                               llvm::Twine(major) + "." + llvm::Twine(minor));
  if (buffer.size() < headerStart + headerLen)
    return makeError(name, "truncated .npy header");
  StringRef header = buffer.substr(headerStart, headerLen);

  std::string error;
  std::optional<llvm::StringMap<HeaderValue>> dict =
      HeaderParser(header, major <= 2).parse(error);
  if (!dict)
    return makeError(name, "malformed .npy header: " + error);
  for (const auto &entry : *dict)
    if (!llvm::is_contained({"descr", "fortran_order", "shape"},
                            entry.getKey()))
      return makeError(name, "malformed .npy header: unexpected key '" +
                                 entry.getKey() +
                                 "' (a header holds 'descr', "
                                 "'fortran_order' and 'shape')");
  for (StringRef key : {"descr", "fortran_order", "shape"})
    if (!dict->count(key))
      return makeError(name, "malformed .npy header: no '" + key + "'");

  // descr
  const HeaderValue &descrValue = dict->find("descr")->second;
  if (descrValue.kind != HeaderValue::String)
    return makeError(name, "unsupported dtype: 'descr' is not a string (a "
                           "structured array?); expected float32 '<f4', int8 "
                           "'|i1', uint8 '|u1' or int32 '<i4'");
  StringRef descr = descrValue.text;
  NpyDType dtype;
  if (descr == "<f4")
    dtype = NpyDType::Float32;
  else if (descr == "<i4")
    dtype = NpyDType::Int32;
  else if (descr == "|i1" || descr == "i1" || descr == "<i1")
    dtype = NpyDType::Int8;
  else if (descr == "|u1" || descr == "u1" || descr == "<u1")
    dtype = NpyDType::UInt8;
  else
    return makeError(name, "unsupported dtype '" + descr +
                               "' (expected float32 '<f4', int8 '|i1', uint8 "
                               "'|u1' or int32 '<i4', little-endian)");

  // fortran_order
  const HeaderValue &fortran = dict->find("fortran_order")->second;
  if (fortran.kind != HeaderValue::Bool)
    return makeError(name, "malformed .npy header: 'fortran_order' is not "
                           "True or False");
  if (fortran.boolean)
    return makeError(name, "Fortran-order arrays are not supported; save a "
                           "C-contiguous array (numpy.ascontiguousarray)");

  // shape
  const HeaderValue &shapeValue = dict->find("shape")->second;
  if (shapeValue.kind != HeaderValue::Tuple)
    return makeError(name, "malformed .npy header: 'shape' is not a tuple");
  llvm::SmallVector<int64_t> shape;
  for (const HeaderValue &d : shapeValue.items) {
    if (d.kind != HeaderValue::Int)
      return makeError(name, "malformed .npy header: 'shape' holds a value "
                             "that is not an integer");
    if (d.integer < 0)
      return makeError(name, "malformed .npy header: negative dimension " +
                                 llvm::Twine(d.integer));
    shape.push_back(d.integer);
  }

  // The size, checked for overflow, before anything is allocated.
  uint64_t expected = getDTypeSize(dtype);
  std::string described;
  bool tooLarge = false;
  for (int64_t d : shape) {
    described += std::to_string(d) + "x";
    tooLarge |=
        __builtin_mul_overflow(expected, static_cast<uint64_t>(d), &expected);
  }
  described += getDTypeName(dtype).str();
  if (tooLarge || expected > (uint64_t(1) << 48))
    return makeError(name, "malformed .npy header: " + described +
                               " is too large to hold");
  StringRef payload = buffer.drop_front(headerStart + headerLen);
  if (payload.size() < expected)
    return makeError(name, llvm::formatv("truncated data: the header declares "
                                         "{0} ({1} bytes) but {2} bytes follow",
                                         described, expected, payload.size())
                               .str());
  if (payload.size() > expected)
    return makeError(name, llvm::formatv("malformed data: {0} bytes follow the "
                                         "header but {1} needs {2}",
                                         payload.size(), described, expected)
                               .str());
  NpyArray array(dtype, shape);
  std::memcpy(array.getData(), payload.data(), expected);
  return array;
}

llvm::Expected<NpyArray> mlir::qlinalg::readNpy(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError(path, "cannot read: " + buffer.getError().message());
  return parseNpy((*buffer)->getBuffer(), path);
}

std::string mlir::qlinalg::serializeNpy(const NpyArray &array) {
  std::string dict = "{'descr': '" + getDTypeDescr(array.getDType()).str() +
                     "', 'fortran_order': False, 'shape': (";
  for (int64_t d : array.getShape())
    dict += std::to_string(d) + ", ";
  if (array.getRank() > 0)
    dict.resize(dict.size() - (array.getRank() == 1 ? 1 : 2));
  dict += "), }";
  // Pad so that magic + version + length + header is a multiple of 64.
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  out += dict;
  out.append(static_cast<const char *>(array.getData()),
             array.getSizeInBytes());
  return out;
}

llvm::Error mlir::qlinalg::writeNpy(StringRef path, const NpyArray &array) {
  std::string bytes = serializeNpy(array);
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
    os << bytes;
    return llvm::Error::success();
  });
}

llvm::Error mlir::qlinalg::writeNpyFiles(
    llvm::ArrayRef<std::pair<std::string, const NpyArray *>> files) {
  // Every file goes to a temporary next to its destination first; only when
  // all of them are written are they renamed, so a failure leaves nothing.
  llvm::SmallVector<std::string> temporaries;
  auto removeAll = [&]() {
    for (const std::string &t : temporaries)
      llvm::sys::fs::remove(t);
  };
  for (const auto &[path, array] : files) {
    llvm::SmallString<256> model(path);
    model += ".tmp-%%%%%%";
    int fd;
    llvm::SmallString<256> temporary;
    if (std::error_code ec =
            llvm::sys::fs::createUniqueFile(model, fd, temporary)) {
      removeAll();
      return makeError(path, "cannot write: " + ec.message());
    }
    temporaries.push_back(temporary.str().str());
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << serializeNpy(*array);
    os.close();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      removeAll();
      return makeError(path, "cannot write: " + message);
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (std::error_code ec =
            llvm::sys::fs::rename(temporaries[i], files[i].first)) {
      for (size_t j = i; j < files.size(); ++j)
        llvm::sys::fs::remove(temporaries[j]);
      return makeError(files[i].first, "cannot write: " + ec.message());
    }
  }
  return llvm::Error::success();
}
