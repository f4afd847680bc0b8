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
config.substitutions.append(("%qlinalg_src", config.qlinalg_src_root))
config.substitutions.append(("%upstream_mlir_opt", config.upstream_mlir_opt))
config.substitutions.append(
    ("%qlinalg_plugin", os.path.join(config.qlinalg_lib_dir, "QLinalgPlugin.so")))

tool_dirs = [config.qlinalg_tools_dir, config.llvm_tools_dir]
tools = ["qlinalg-opt", "qlinalg-run", "qlinalg-calibrate", "qlinalg-unittests"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
