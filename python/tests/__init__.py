# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Unit tests for the qlinalg Python reference (run with unittest discover)."""
