//===- Npy.h - NumPy .npy arrays in and out ---------------------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reads and writes the .npy format (versions 1.0, 2.0 and 3.0; C order,
// little-endian) for the element types qlinalg exchanges: float32, int8,
// uint8 and int32. Errors name the file and what is wrong with it; writes go
// through a temporary file and a rename, so a failed write leaves no
// half-written file behind.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_SUPPORT_NPY_H
#define QLINALG_SUPPORT_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

namespace mlir::qlinalg {

/// Element types of the arrays qlinalg reads and writes.
enum class NpyDType { Float32, Int8, UInt8, Int32 };

/// Size in bytes of one element.
size_t getDTypeSize(NpyDType dtype);
/// The NumPy name ("float32", "int8", ...).
llvm::StringRef getDTypeName(NpyDType dtype);
/// The .npy header's descr ("<f4", "|i1", ...), what numpy writes.
llvm::StringRef getDTypeDescr(NpyDType dtype);

/// A dense C-order array with 64-byte aligned storage.
class NpyArray {
public:
  NpyArray() = default;
  NpyArray(NpyDType dtype, llvm::ArrayRef<int64_t> shape);
  /// An array owning `data`, a malloc'ed buffer of the array's size in
  /// bytes (freed with std::free), e.g. a JIT-compiled function's result.
  static NpyArray adopt(NpyDType dtype, llvm::ArrayRef<int64_t> shape,
                        void *data);

  NpyDType getDType() const { return dtype; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getRank() const { return shape.size(); }
  int64_t getNumElements() const;
  size_t getSizeInBytes() const {
    return getNumElements() * getDTypeSize(dtype);
  }
  void *getData() { return data.get(); }
  const void *getData() const { return data.get(); }
  template <typename T>
  T *getDataAs() {
    return static_cast<T *>(getData());
  }
  template <typename T>
  const T *getDataAs() const {
    return static_cast<const T *>(getData());
  }
  /// "3x4xfloat32", for messages.
  std::string describe() const;

private:
  struct FreeDeleter {
    void operator()(void *p) const { std::free(p); }
  };
  NpyDType dtype = NpyDType::Float32;
  llvm::SmallVector<int64_t> shape;
  std::unique_ptr<void, FreeDeleter> data;
};

/// Parse an .npy file held in memory; `name` is used in messages.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef buffer, llvm::StringRef name);
/// Read an .npy file.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);
/// Serialize to the .npy 1.0 format.
std::string serializeNpy(const NpyArray &array);
/// Write an .npy file atomically (temporary file, then rename).
llvm::Error writeNpy(llvm::StringRef path, const NpyArray &array);
/// Write several .npy files all or nothing: each to a temporary file, and
/// only when all succeeded, rename them into place.
llvm::Error
writeNpyFiles(llvm::ArrayRef<std::pair<std::string, const NpyArray *>> files);

} // namespace mlir::qlinalg

#endif // QLINALG_SUPPORT_NPY_H
