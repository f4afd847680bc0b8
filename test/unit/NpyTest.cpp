//===- NpyTest.cpp - unit tests of .npy reading and writing ---------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Support/Npy.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace mlir::qlinalg;

namespace {

std::string errorOf(llvm::Expected<NpyArray> result) {
  if (result)
    return "";
  return llvm::toString(result.takeError());
}

TEST(NpyTest, RoundTrip) {
  NpyArray a(NpyDType::Int32, {2, 3});
  for (int i = 0; i < 6; ++i)
    a.getDataAs<int32_t>()[i] = i * 1000 - 2500;
  std::string bytes = serializeNpy(a);
  EXPECT_EQ(bytes.size() % 64, 24u); // header padded to 64, then 24 bytes
  llvm::Expected<NpyArray> b = parseNpy(bytes, "a.npy");
  ASSERT_TRUE(!!b);
  EXPECT_EQ(b->getDType(), NpyDType::Int32);
  EXPECT_EQ(b->getShape().vec(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(a.getData(), b->getData(), 24), 0);
}

TEST(NpyTest, ScalarAndVectorShapes) {
  for (std::vector<int64_t> shape : {std::vector<int64_t>{}, {7}, {0, 3}}) {
    NpyArray a(NpyDType::Int8, shape);
    llvm::Expected<NpyArray> b = parseNpy(serializeNpy(a), "s.npy");
    ASSERT_TRUE(!!b);
    EXPECT_EQ(b->getShape().vec(), shape);
  }
}

TEST(NpyTest, ParsesVersion2Header) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  std::string bytes("\x93NUMPY\x02\x00", 8);
  uint32_t len = dict.size();
  bytes.append(reinterpret_cast<const char *>(&len), 4);
  bytes += dict;
  float v = 1.5f;
  bytes.append(reinterpret_cast<const char *>(&v), 4);
  llvm::Expected<NpyArray> a = parseNpy(bytes, "v2.npy");
  ASSERT_TRUE(!!a);
  EXPECT_EQ(a->getDataAs<float>()[0], 1.5f);
}

TEST(NpyTest, ErrorsNameTheFile) {
  EXPECT_EQ(errorOf(parseNpy("hello", "x.npy")),
            "x.npy: not a .npy file (bad magic string)");
  NpyArray a(NpyDType::Float32, {4});
  std::string bytes = serializeNpy(a);
  EXPECT_NE(errorOf(parseNpy(bytes.substr(0, bytes.size() - 3), "t.npy"))
                .find("t.npy: truncated data"),
            std::string::npos);
  std::string fortran = bytes;
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_NE(errorOf(parseNpy(fortran, "f.npy")).find("Fortran-order"),
            std::string::npos);
  std::string f64 = bytes;
  f64.replace(f64.find("<f4"), 3, "<f8");
  EXPECT_NE(errorOf(parseNpy(f64, "d.npy")).find("unsupported dtype '<f8'"),
            std::string::npos);
  std::string bigEndian = bytes;
  bigEndian.replace(bigEndian.find("<f4"), 3, ">f4");
  EXPECT_NE(errorOf(parseNpy(bigEndian, "b.npy")).find("unsupported dtype"),
            std::string::npos);
}

// Headers numpy rejects are rejected, naming the file and what is wrong;
// a repeated key means the last one, as in numpy (a Python dict).
TEST(NpyTest, HeadersAsStrictAsNumpy) {
  auto withHeader = [](const std::string &dict) {
    std::string h = dict + "\n";
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes.push_back(char(h.size() & 0xff));
    bytes.push_back(char(h.size() >> 8));
    return bytes + h + std::string(8, '\0');
  };
  std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  EXPECT_EQ(errorOf(parseNpy(withHeader(ok), "ok.npy")), "");
  EXPECT_EQ(errorOf(parseNpy(withHeader(ok + "  x"), "pad.npy")),
            "pad.npy: malformed .npy header: unexpected 'x' at byte 59 of "
            "the header");
  EXPECT_EQ(
      errorOf(parseNpy(withHeader("{'descr': '<f4', 'fortran_order': False, "
                                  "'shape': (2,), 'extra': 1}"),
                       "key.npy")),
      "key.npy: malformed .npy header: unexpected key 'extra' (a header "
      "holds 'descr', 'fortran_order' and 'shape')");
  EXPECT_EQ(
      errorOf(parseNpy(
          withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)"),
          "open.npy")),
      "open.npy: malformed .npy header: unterminated dict at byte 55 of the "
      "header");
  EXPECT_EQ(errorOf(parseNpy(withHeader("{'descr': '<f4', 'fortran_order': "
                                        "False, 'shape': (2)}"),
                             "int.npy")),
            "int.npy: malformed .npy header: 'shape' is not a tuple");
  llvm::Expected<NpyArray> last = parseNpy(
      withHeader("{'shape': (9,), 'descr': '<f4', 'fortran_order': False, "
                 "'shape': (2,)}"),
      "last.npy");
  ASSERT_TRUE(!!last) << llvm::toString(last.takeError());
  EXPECT_EQ(last->getShape()[0], 2);
}

TEST(NpyTest, MissingFile) {
  EXPECT_NE(errorOf(readNpy("/nonexistent/dir/x.npy"))
                .find("/nonexistent/dir/x.npy: cannot read"),
            std::string::npos);
}

TEST(NpyTest, FailedWriteLeavesNoFile) {
  NpyArray a(NpyDType::Float32, {2});
  llvm::Error err = writeNpy("/nonexistent/dir/out.npy", a);
  EXPECT_TRUE(!!err);
  llvm::consumeError(std::move(err));
}

} // namespace
