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
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

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

static StringRef getDescr(NpyDType dtype) {
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

/// Finds `'key':` in the header dict and returns the text after it.
static std::optional<StringRef> findKey(StringRef header, StringRef key) {
  for (char quote : {'\'', '"'}) {
    std::string needle = (llvm::Twine(quote) + key + llvm::Twine(quote)).str();
    size_t pos = header.find(needle);
    if (pos == StringRef::npos)
      continue;
    StringRef rest = header.drop_front(pos + needle.size()).ltrim();
    if (!rest.consume_front(":"))
      return std::nullopt;
    return rest.ltrim();
  }
  return std::nullopt;
}

llvm::Expected<NpyArray> mlir::qlinalg::parseNpy(StringRef buffer,
                                                 StringRef name) {
  static constexpr char kMagic[] = "\x93NUMPY";
  if (!buffer.starts_with(StringRef(kMagic, 6)))
    return makeError(name, "not a .npy file (bad magic string)");
  if (buffer.size() < 10)
    return makeError(name, "truncated .npy header");
  unsigned major = static_cast<unsigned char>(buffer[6]);
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
  if (buffer.size() < headerStart + headerLen)
    return makeError(name, "truncated .npy header");
  StringRef header = buffer.substr(headerStart, headerLen);

  // descr
  std::optional<StringRef> descrText = findKey(header, "descr");
  if (!descrText || descrText->empty() ||
      ((*descrText)[0] != '\'' && (*descrText)[0] != '"'))
    return makeError(name, "malformed .npy header: no 'descr'");
  char q = (*descrText)[0];
  StringRef descr =
      descrText->drop_front().take_until([q](char c) { return c == q; });
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
  std::optional<StringRef> fortran = findKey(header, "fortran_order");
  if (!fortran)
    return makeError(name, "malformed .npy header: no 'fortran_order'");
  if (fortran->starts_with("True"))
    return makeError(name, "Fortran-order arrays are not supported; save a "
                           "C-contiguous array (numpy.ascontiguousarray)");
  if (!fortran->starts_with("False"))
    return makeError(name, "malformed .npy header: bad 'fortran_order'");

  // shape
  std::optional<StringRef> shapeText = findKey(header, "shape");
  if (!shapeText || !shapeText->consume_front("("))
    return makeError(name, "malformed .npy header: no 'shape'");
  StringRef dims = shapeText->take_until([](char c) { return c == ')'; });
  if (dims.size() == shapeText->size())
    return makeError(name, "malformed .npy header: unterminated 'shape'");
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<StringRef> parts;
  dims.split(parts, ',');
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return makeError(name,
                       "malformed .npy header: bad dimension '" + part + "'");
    shape.push_back(d);
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
  std::string dict = "{'descr': '" + getDescr(array.getDType()).str() +
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
