# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""qlinalg Python package: bit-exact numpy reference semantics for the int8 PTQ compiler."""

from .numerics import (
    EPS,
    INT32_MAX,
    INT32_MIN,
    choose_asymmetric,
    choose_asymmetric_per_channel,
    choose_symmetric,
    choose_symmetric_per_channel,
    default_rounding,
    dequantize,
    multiply_by_quantized_multiplier,
    qmatmul,
    qmatmul_decomposed,
    qmatmul_per_group,
    to_power_of_two_scale,
    quantize,
    quantize_bias,
    quantize_multiplier,
    requantize,
    requantize_fixed_point,
    requantize_float,
    rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
    storage_range,
)
from .npyio import load_npy, save_npy, write_batches
from .reference import (
    calibrate_two_layer,
    linear_f32,
    linear_q,
    quantize_weights_per_channel,
    two_layer_f32,
    two_layer_q,
)

__all__ = [
    "EPS", "INT32_MAX", "INT32_MIN",
    "choose_asymmetric", "choose_asymmetric_per_channel", "choose_symmetric",
    "choose_symmetric_per_channel", "default_rounding", "dequantize",
    "multiply_by_quantized_multiplier", "qmatmul", "qmatmul_decomposed", "qmatmul_per_group", "quantize", "to_power_of_two_scale",
    "quantize_bias", "quantize_multiplier", "requantize", "requantize_fixed_point",
    "requantize_float", "rounding_divide_by_pot", "saturating_rounding_doubling_high_mul",
    "storage_range",
    "load_npy", "save_npy", "write_batches",
    "calibrate_two_layer", "linear_f32", "linear_q", "quantize_weights_per_channel",
    "two_layer_f32", "two_layer_q",
]
