//===- QLinalgOps.td - qlinalg operations ------------------*- tablegen -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_DIALECT_QLINALG_IR_QLINALGOPS_TD
#define QLINALG_DIALECT_QLINALG_IR_QLINALGOPS_TD

include "qlinalg/Dialect/QLinalg/IR/QLinalgDialect.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def QLinalg_MultiplierMode : I32EnumAttr<"MultiplierMode",
    "how the requantization multiplier M = s_acc / s_out is applied", [
      I32EnumAttrCase<"FixedPoint", 0, "fixed_point">,
      I32EnumAttrCase<"Float", 1, "float">
    ]> {
  let cppNamespace = "::mlir::qlinalg";
  let description = [{
    - `fixed_point`: M as a Q31 int32 multiplier and a shift (TFLite's
      QuantizeMultiplier), applied as gemmlowp's saturating rounding doubling
      high multiply followed by a rounding right shift
      (TFLite's MultiplyByQuantizedMultiplier).
    - `float`: `acc` converted to f32 and multiplied by `M` rounded to f32,
      then rounded to an integer (ONNX QLinearMatMul).
  }];
}

def QLinalg_RoundingMode : I32EnumAttr<"RoundingMode",
    "how a value exactly halfway between two integers is rounded", [
      I32EnumAttrCase<"HalfAwayFromZero", 0, "half_away_from_zero">,
      I32EnumAttrCase<"HalfToEven", 1, "half_to_even">
    ]> {
  let cppNamespace = "::mlir::qlinalg";
  let description = [{
    In `fixed_point` mode the rounding applies to the final right shift (the
    doubling high multiply always rounds as gemmlowp does); in `float` mode
    it applies to the f32 product.
  }];
}

//===----------------------------------------------------------------------===//
// Base class
//===----------------------------------------------------------------------===//

class QLinalg_Op<string mnemonic, list<Trait> traits = []>
    : Op<QLinalg_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// ObserveOp
//===----------------------------------------------------------------------===//

def QLinalg_ObserveOp : QLinalg_Op<"observe",
    [Pure, SameOperandsAndResultType]> {
  let summary = "calibration probe: identity on a float tensor with an id";
  let description = [{
    Returns its operand unchanged and names it with a tensor id, the key of
    the tensor's entry in the calibration table. `--qlinalg-instrument` places
    one on every tensor that `--qlinalg-quantize` will need a range for, and
    `qlinalg-calibrate` turns each one into an extra result of the entry
    function so that its statistics can be accumulated over the batches.

    Example:

    ```mlir
    %1 = qlinalg.observe %0 {id = "t0"} : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, StrAttr:$id);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

def QLinalg_QuantizeOp : QLinalg_Op<"quantize", [Pure]> {
  let summary = "float tensor to quantized tensor (round half to even, saturate)";
  let description = [{
    `q = clamp(roundeven(x / scale) + zp, qmin, qmax)` elementwise, computed in
    f32, with scale and zero point from the result's `!quant.uniform` element
    type (per tensor, or per axis along the type's quantized dimension). NaN
    maps to `qmin`. This is ONNX QuantizeLinear; unlike MLIR 22's lowering of
    `quant.qcast`, it rounds instead of truncating and saturates.

    Example:

    ```mlir
    %q = qlinalg.quantize %x : tensor<4x8xf32>
           to tensor<4x8x!quant.uniform<i8:f32, 0.05:-3>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QLinalg_DequantizeOp : QLinalg_Op<"dequantize", [Pure]> {
  let summary = "quantized tensor to float tensor";
  let description = [{
    `x = scale * (q - zp)` elementwise, computed in f32 with the scale and zero
    point of the operand's `!quant.uniform` element type.

    Example:

    ```mlir
    %x = qlinalg.dequantize %q : tensor<4x8x!quant.uniform<i8:f32, 0.05:-3>>
           to tensor<4x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `to` type($output)";
  let hasVerifier = 1;
}

def QLinalg_DynamicQuantizeOp : QLinalg_Op<"dynamic_quantize", [Pure]> {
  let summary = "float tensor to 8-bit integers with a scale and zero point "
                "chosen from its range at run time";
  let description = [{
    ONNX DynamicQuantizeLinear, generalized to signed storage: with
    `[qmin, qmax]` the storage range (`[0, 255]` for `ui8`, `[-128, 127]` for
    `i8`), all in f32,

    ```
    lo    = min(0, min(x))            hi = max(0, max(x))
    scale = (hi - lo) / (qmax - qmin), or 1 when hi == lo (x all zero)
    zp    = clamp(roundeven(qmin - lo / scale), qmin, qmax)
    y     = clamp(roundeven(x / scale) + zp, qmin, qmax)
    ```

    The range includes 0, so 0.0 is exact. A NaN in `x` is an error ONNX
    leaves undefined; here it propagates to the scale (and `y` is `qmin`
    wherever `x / scale` is NaN).

    The integers are a plain `ui8` or `i8` tensor (their scale is not known
    when the program is compiled), read by `qlinalg.contract` with
    `lhs_params(%scale, %zp)`.

    Example:

    ```mlir
    %q, %scale, %zp = qlinalg.dynamic_quantize %x
        : tensor<?x64xf32> -> tensor<?x64xui8>, f32, i32
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output, F32:$scale, I32:$zero_point);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($output) `,` type($scale) "
      "`,` type($zero_point)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

def QLinalg_MatmulOp : QLinalg_Op<"matmul", [Pure]> {
  let summary = "quantized matmul with zero points from the operand types";
  let description = [{
    `lhs` (M x K, 8-bit, per tensor) times `rhs` (K x N, 2- to 8-bit storage in
    `i8`, per tensor or per axis 1: one scale and zero point per output
    column), accumulated exactly in i32:

    `acc[m, n] = sum_k (lhs[m, k] - za) * (rhs[k, n] - zb[n]) + bias[n]`

    The optional `bias` is an i32 quantized tensor of N elements whose scale
    is the accumulator scale `sa * sb[n]` and whose zero point is 0.

    With a per-group rhs (sub-channel type, block sizes `{0:G, 1:1}`: one
    scale and zero point per group of G rows and per column), groups have
    different scales, so the result is f32:
    `y[m, n] = sum_g f32(sa * s[g, n]) * f32(acc_g[m, n])`, summed in f32 in
    increasing g, where `acc_g` is the exact i32 sum over group g; there is no
    bias operand (add it in float).

    Otherwise the result is either the accumulator itself, typed
    `!quant.uniform<i32:f32[:1], sa*sb>` (zero point 0), or a quantized
    tensor of at most 16 bits (per tensor), in which case the accumulator is requantized as
    `qlinalg.requantize` would with the `multiplier` and `rounding` given on
    the op (both required then, and forbidden for an accumulator result).

    Example:

    ```mlir
    %acc = qlinalg.matmul %a, %w bias %b
        : tensor<?x64x!quant.uniform<i8:f32, 0.02:5>>,
          tensor<64x32x!quant.uniform<i8<-127:127>:f32:1, {...}>>,
          tensor<32x!quant.uniform<i32:f32:0, {...}>>
       -> tensor<?x32x!quant.uniform<i32:f32:1, {...}>>
    %y = qlinalg.matmul %a, %w multiplier(fixed_point)
           rounding(half_away_from_zero)
        : tensor<?x64x!quant.uniform<i8:f32, 0.02:5>>,
          tensor<64x32x!quant.uniform<i8:f32, 0.01>>
       -> tensor<?x32x!quant.uniform<i8:f32, 0.1:-7>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                       Optional<AnyRankedTensor>:$bias,
                       OptionalAttr<QLinalg_MultiplierMode>:$multiplier,
                       OptionalAttr<QLinalg_RoundingMode>:$rounding);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` $bias^)?
    (`multiplier` `(` $multiplier^ `)`)? (`rounding` `(` $rounding^ `)`)?
    attr-dict `:` type($lhs) `,` type($rhs) (`,` type($bias)^)?
    `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// True when the result is the i32 accumulator rather than a requantized
    /// tensor.
    bool hasAccumulatorResult();
    /// True when the result is f32 (a per-group rhs).
    bool hasFloatResult();
    /// The canonical matmul maps (m, n, k), as qlinalg.contract spells them.
    ContractionMaps getContractionMaps();
  }];
}

//===----------------------------------------------------------------------===//
// ContractOp
//===----------------------------------------------------------------------===//

def QLinalg_ContractOp : QLinalg_Op<"contract",
    [Pure, AttrSizedOperandSegments, DestinationStyleOpInterface]> {
  let summary = "quantized contraction over indexing maps: matmul, batch "
                "matmul, convolution, depthwise convolution";
  let description = [{
    The one quantized contraction of the dialect. Like `linalg.generic` it
    names its loops (`iterator_types`, each `"parallel"` or `"reduction"`) and
    how every operand is indexed by them (`indexing_maps`, in the order lhs,
    rhs, bias when present, result), so every contraction `linalg` has (matmul
    in any transposed form, batch_matmul, matvec, vecmat, the 2-D
    convolutions with strides and dilation, depthwise convolution) is one op
    with one lowering:

    `acc[out(d)] = sum over the reduction loops of
                   (lhs[lhs(d)] - za) * (rhs[rhs(d)] - zb[c]) + bias[bias(d)]`

    computed exactly in i32. Zero points and scales come from the
    `!quant.uniform` types: `lhs` is quantized per tensor, `rhs` per tensor,
    per axis along an output channel (a rhs dimension indexed by a parallel
    loop that the result has), or per group of the reduction (a sub-channel
    type), both with at most 8 bits of storage, signed or unsigned. The
    `rhs` map is a projected permutation; the `lhs` map may combine loops
    (`d1 * 2 + d4` is a strided window); every reduction loop indexes both
    `lhs` and `rhs`, and the result is indexed by every parallel loop.

    The result is destination-style: it takes the type (and, for dynamic
    sizes, the shape) of `init`, whose contents are not read. It is either
    - the i32 accumulator, `!quant.uniform<i32:f32[:axis], sa * sb>` with
      zero point 0, per axis exactly when `rhs` is (along the result
      dimension of the same loop); or
    - a per-tensor quantized tensor of at most 16 bits: the epilogue
      requantizes each accumulator as `qlinalg.requantize` would, with the
      `multiplier` mode and `rounding` given on the op, then clamps to
      `clamp` (storage units, inside the storage range; a fused ReLU) when
      given. A kernel applies this epilogue where it stores the result; or
    - f32, for a per-group `rhs` (groups have different accumulator
      scales): `y = sum_g f32(sa * s[g]) * f32(acc_g)` in increasing g, and
      no bias.
    - f32, for an `lhs` quantized at run time: with `lhs_params(%sa, %za)`
      the `lhs` is a plain `ui8` or `i8` tensor (the integers of
      `qlinalg.dynamic_quantize`) whose scale `%sa` (f32) and zero point
      `%za` (i32) are operands, and `y = f32(acc) * f32(sa * sb[c])`, the
      scale product rounded to f32 first (ONNX Runtime's dynamically
      quantized MatMul: MatMulInteger, Cast, then Mul by the product of the
      scales). No bias: its scale is not known either, so it stays a float
      add.
    - f32, for float activations (weight-only quantization): an f32 `lhs`
      times the quantized `rhs` (per tensor, per channel or per group),
      each weight dequantized where it is read,
      `y = sum_r x * (f32(w - zb) * sb)` summed in f32; no bias.

    The optional `bias` is i32 with zero point 0 and the accumulator scale;
    its map selects only parallel loops that the result has.

    Why one general op plus `qlinalg.matmul`: the zero-point algebra, the
    folding of weight sums, packing and the requantizing epilogue do not
    depend on which contraction it is, only on which loops index which
    operand, so they are written once, against the indexing maps.
    `qlinalg.matmul` stays as readable sugar for the rank-2 case with the
    canonical maps; the lowering rewrites it to this op first.

    Example (a stride-2 NHWC convolution, requantized, with bias):

    ```mlir
    #lhs  = affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh * 2 + kh, ow * 2 + kw, c)>
    #rhs  = affine_map<(n, oh, ow, f, kh, kw, c) -> (kh, kw, c, f)>
    #bias = affine_map<(n, oh, ow, f, kh, kw, c) -> (f)>
    #out  = affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh, ow, f)>
    %y = qlinalg.contract
           ins(%x, %w : tensor<1x9x9x8x!quant.uniform<i8:f32, 0.02:3>>,
                        tensor<3x3x8x16x!quant.uniform<i8<-127:127>:f32:3, {...}>>)
           bias(%b : tensor<16x!quant.uniform<i32:f32:0, {...}>>)
           outs(%init : tensor<1x4x4x16x!quant.uniform<i8:f32, 0.1:-7>>)
           multiplier(fixed_point) rounding(half_away_from_zero)
           {indexing_maps = [#lhs, #rhs, #bias, #out],
            iterator_types = ["parallel", "parallel", "parallel", "parallel",
                              "reduction", "reduction", "reduction"]}
           -> tensor<1x4x4x16x!quant.uniform<i8:f32, 0.1:-7>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                       Optional<AnyRankedTensor>:$bias,
                       Optional<F32>:$lhs_scale,
                       Optional<I32>:$lhs_zero_point,
                       AnyRankedTensor:$init,
                       AffineMapArrayAttr:$indexing_maps,
                       StrArrayAttr:$iterator_types,
                       OptionalAttr<QLinalg_MultiplierMode>:$multiplier,
                       OptionalAttr<QLinalg_RoundingMode>:$rounding,
                       OptionalAttr<DenseI64ArrayAttr>:$clamp);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    `ins` `(` $lhs `,` $rhs `:` type($lhs) `,` type($rhs) `)`
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`lhs_params` `(` $lhs_scale^ `,` $lhs_zero_point `)`)?
    `outs` `(` $init `:` type($init) `)`
    (`multiplier` `(` $multiplier^ `)`)? (`rounding` `(` $rounding^ `)`)?
    (`clamp` $clamp^)?
    attr-dict `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// The loops and the indexing of every operand.
    ContractionMaps getContractionMaps();
    /// True when the result is the i32 accumulator.
    bool hasAccumulatorResult();
    /// True when the result is f32 (a per-group rhs, or a run-time lhs).
    bool hasFloatResult();
    /// True when the lhs is quantized at run time (`lhs_params`).
    bool hasDynamicLhs() { return getLhsScale() != nullptr; }
  }];
}

//===----------------------------------------------------------------------===//
// RequantizeOp
//===----------------------------------------------------------------------===//

def QLinalg_RequantizeOp : QLinalg_Op<"requantize", [Pure]> {
  let summary = "i32 accumulator (or a quantized tensor) to an 8-bit (or "
                "16-bit) quantized tensor";
  let description = [{
    `q = clamp(round(acc * M) + zo, qmin, qmax)` with `M = s_acc / s_out`, per
    channel when the accumulator type is per axis. The input may also be a
    quantized tensor of at most 16 bits, per tensor (a rescale, what a
    dequantize followed by a quantize to another type becomes): then `acc`
    is its storage minus its zero point and `s_acc` its scale. `multiplier` says how `M`
    is applied (`fixed_point`: TFLite's Q31 multiplier and shift; `float`: an
    f32 multiply, as ONNX) and `rounding` how ties are broken. Both are
    bit-exact and mirrored by the numpy reference.

    Example:

    ```mlir
    %q = qlinalg.requantize %acc multiplier(fixed_point)
           rounding(half_away_from_zero)
        : tensor<?x32x!quant.uniform<i32:f32:1, {...}>>
       -> tensor<?x32x!quant.uniform<i8:f32, 0.1:-7>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       QLinalg_MultiplierMode:$multiplier,
                       QLinalg_RoundingMode:$rounding);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    $input `multiplier` `(` $multiplier `)` `rounding` `(` $rounding `)`
    attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// AddOp / MulOp
//===----------------------------------------------------------------------===//

class QLinalg_ElementwiseBinaryOp<string mnemonic, string summaryText,
                                  string descriptionText>
    : QLinalg_Op<mnemonic, [Pure, SameOperandsAndResultShape]> {
  let summary = summaryText;
  let description = descriptionText # [{

    Operands and result are 8-bit tensors of one shape, each quantized per
    tensor with its own scale and zero point. `multiplier` and `rounding`
    name the arithmetic as on `qlinalg.requantize`; `clamp` (storage units,
    inside the result's storage range) is a fused activation.
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                       QLinalg_MultiplierMode:$multiplier,
                       QLinalg_RoundingMode:$rounding,
                       OptionalAttr<DenseI64ArrayAttr>:$clamp);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `multiplier` `(` $multiplier `)` `rounding` `(` $rounding `)`
    (`clamp` $clamp^)? attr-dict `:` type($lhs) `,` type($rhs) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def QLinalg_AddOp : QLinalg_ElementwiseBinaryOp<"add",
    "elementwise sum of two quantized tensors (a residual connection)", [{
    `y = clamp(round(sa/so * (a - za) + sb/so * (b - zb)) + zo, lo, hi)`,
    bit for bit as one of two references computes it:
    - `fixed_point`: TFLite's reference Add. Each input minus its zero point
      is shifted left by 20 bits, brought to twice the larger input scale by
      MultiplyByQuantizedMultiplier with the multiplier `s / (2 max(sa,
      sb))`, the two are summed in i32, and the sum is scaled to the output
      by `2 max(sa, sb) / (2^20 so)` (multipliers computed in double from
      the f32 scales), plus `zo`, clamped.
    - `float`: ONNX Runtime's QLinearAdd. `f32(a - za) * ma + f32(b - zb) *
      mb` in f32 with `ma = f32(sa) / f32(so)` (and `mb` likewise), each
      product and the sum rounded to f32, rounded to an integer, plus `zo`,
      clamped.

    Example:

    ```mlir
    %y = qlinalg.add %a, %b multiplier(fixed_point)
           rounding(half_away_from_zero)
        : tensor<?x64x!quant.uniform<i8:f32, 0.05:-3>>,
          tensor<?x64x!quant.uniform<i8:f32, 0.02:4>>
       -> tensor<?x64x!quant.uniform<i8:f32, 0.07:1>>
    ```
  }]>;

def QLinalg_MulOp : QLinalg_ElementwiseBinaryOp<"mul",
    "elementwise product of two quantized tensors", [{
    `acc = (a - za) * (b - zb)`, exact in i32, requantized from the scale
    `sa * sb` to the result as `qlinalg.requantize` does (TFLite's Mul in
    `fixed_point`, ONNX Runtime's QLinearMul in `float`), then clamped.

    Example:

    ```mlir
    %y = qlinalg.mul %a, %b multiplier(float) rounding(half_to_even)
        : tensor<8x!quant.uniform<i8:f32, 0.05:-3>>,
          tensor<8x!quant.uniform<i8:f32, 0.02:4>>
       -> tensor<8x!quant.uniform<i8:f32, 0.01:0>>
    ```
  }]>;

//===----------------------------------------------------------------------===//
// IntrinsicOp
//===----------------------------------------------------------------------===//

def QLinalg_IntrinsicOp : QLinalg_Op<"intrinsic", [Pure]> {
  let summary = "a side-effect-free LLVM intrinsic on vectors";
  let description = [{
    The ISA step of a packed kernel (`llvm.x86.avx512.vpdpbusd.512`, ...)
    while the module is still on tensors. `llvm.call_intrinsic` has unknown
    memory effects, which bufferization's deallocation refuses; this op is
    `Pure`, and `--qlinalg-to-llvm` rewrites it to `llvm.call_intrinsic`
    after bufferization. The intrinsic must read and write no memory.

    Example:

    ```mlir
    %acc1 = qlinalg.intrinsic "llvm.x86.avx512.vpdpbusd.512"(%acc, %a, %w)
        : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
    ```
  }];
  let arguments = (ins StrAttr:$intrin, Variadic<AnyVectorOfAnyRank>:$args);
  let results = (outs AnyVectorOfAnyRank:$result);
  let assemblyFormat = [{
    $intrin `(` $args `)` attr-dict `:` functional-type($args, $result)
  }];
}

#endif // QLINALG_DIALECT_QLINALG_IR_QLINALGOPS_TD
