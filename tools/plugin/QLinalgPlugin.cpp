//===- QLinalgPlugin.cpp - qlinalg as a plugin of upstream mlir-opt -------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mlir-opt --load-dialect-plugin=build/lib/QLinalgPlugin.so \
//          --load-pass-plugin=build/lib/QLinalgPlugin.so \
//          --pass-pipeline="builtin.module(qlinalg-instrument)"
//
//===----------------------------------------------------------------------===//

#include "qlinalg/InitQLinalg.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QLinalg", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            qlinalg::registerQLinalgDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QLinalgPasses", LLVM_VERSION_STRING,
          []() { qlinalg::registerQLinalgPasses(); }};
}
