# -*- Python -*-
# lit configuration of the qlinalg regression tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QLINALG"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qlinalg_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# The numpy reference and its helpers.
llvm_config.with_environment(
    "PYTHONPATH", os.path.join(config.qlinalg_src_root, "python"), append_path=True)

config.substitutions.append(("%python", config.qlinalg_python))

# ONNX's own node test cases need Debian's python3-onnx, the digits
# examples python3-sklearn (its bundled data set); scripts/setup installs
# both.
import subprocess
for module, feature in (("onnx", "onnx"), ("sklearn.datasets", "sklearn")):
    if subprocess.run([config.qlinalg_python, "-c", f"import {module}"],
                      capture_output=True).returncode == 0:
        config.available_features.add(feature)
# AArch64 code is cross-compiled with clang-22 and run under qemu-aarch64
# (Debian's qemu-user and the arm64 cross libc, installed by scripts/setup).
import shutil
if shutil.which("qemu-aarch64") and os.path.isdir("/usr/aarch64-linux-gnu/lib"):
    config.available_features.add("qemu-aarch64")
config.substitutions.append(("%qlinalg_src", config.qlinalg_src_root))
# test/Embedding: the build tree to install, the MLIR it was built with, and
# the compilers of the out-of-tree consumer.
config.substitutions.append(("%qlinalg_obj_root", config.qlinalg_obj_root))
config.substitutions.append(
    ("%mlir_cmake_dir", os.path.join(os.path.dirname(config.llvm_tools_dir), "lib",
                                     "cmake", "mlir")))
config.substitutions.append(
    ("%consumer_cmake_flags",
     "-DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_BUILD_TYPE=Release"))
config.substitutions.append(
    ("%qlinalg_plugin", os.path.join(config.qlinalg_lib_dir, "QLinalgPlugin.so")))

config.substitutions.append(("%qlinalg_bin", config.qlinalg_tools_dir))

tool_dirs = [config.qlinalg_tools_dir, config.llvm_tools_dir]
tools = ["qlinalg-opt", "qlinalg-run", "qlinalg-calibrate", "qlinalg-compile", "qlinalg-unittests"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# The ISAs this CPU executes, for tests that run a target's kernels
# (`REQUIRES: cpu-avx512vnni`); lit reports the others as UNSUPPORTED, and
# the assembly of every target is FileChecked on every machine regardless.
def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()

_flags = _cpu_flags()
if {"avx2", "fma"} <= _flags:
    config.available_features.add("cpu-avx2")
if {"avx512f", "avx512bw", "avx512vl", "avx512_vnni"} <= _flags:
    config.available_features.add("cpu-avx512vnni")

# A sanitized build (scripts/test --sanitize): undefined behaviour and
# memory errors abort the tool, and the test fails. Tests that limit virtual
# memory (ASan reserves terabytes of it) say `UNSUPPORTED: asan`; stock
# mlir-opt loading the sanitized plugin gets the ASan runtime preloaded.
upstream_mlir_opt = config.upstream_mlir_opt
if config.qlinalg_sanitize:
    config.available_features.add("asan")
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    upstream_mlir_opt = ("env LD_PRELOAD=" + config.asan_runtime + " " +
                         upstream_mlir_opt)
config.substitutions.append(("%upstream_mlir_opt", upstream_mlir_opt))
# `(%ulimit_v 4000000; cmd)`: a bound on virtual memory, except under ASan
# (its shadow memory is a reservation of terabytes); timeouts still apply.
config.substitutions.append(
    ("%ulimit_v", ": ulimit -v" if config.qlinalg_sanitize else "ulimit -v"))

# LLVM 22's llc (plain `llc` on PATH may be an older LLVM).
config.substitutions.append(("%llc", os.path.join(config.llvm_tools_dir, "llc")))
