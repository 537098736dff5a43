"""The `bsparse` dialect: tensor-level ops on packed (compacted) weights.

A weight is always seen in its *logical* layout ``[out, in, *window]``:
``[N, K]`` for a matmul ``y = x @ W^T`` and ``[COUT, CIN/groups, KH, KW]`` for
a 2-D convolution. A block covers ``R`` output channels x ``C`` input channels
and the whole kernel window (8x8 by default, as in the Weight Block Sparsity
paper). Block rows are ``ceil(out / R)`` and block columns ``ceil(in / C)``:
edge blocks are stored padded with zeros, so every block shape tiles every
weight.

Format "bsr" (block compressed sparse row): only nonzero blocks are stored,
in block-row order; ``row_ptr[i]:row_ptr[i+1]`` are the stored blocks of block
row ``i`` and ``col_idx`` their block columns, strictly increasing per row.

Format "sparse" (the other patterns: unstructured, N:M, TW/TVW, GS): the
weight is seen as its GEMM view ``[out, K]`` and packed in the pattern's own
format (`bsparse.patterns.indexed`): a 1-D array of stored values and named
integer index arrays, whose widths are what an entry costs in memory.

Discardable attributes bsparse-pack sets on upstream ops: ``bsparse.unpacked``
(a string: why an op with a constant weight was left unpacked) and
``bsparse.phase`` (a unit attribute on each ``tensor.insert_slice`` that
interleaves an output phase of a transposed convolution into its result).
bsparse-to-aie sets ``bsparse.host`` (a string: why a structured op stays on
the host) and ``bsparse.on_chip`` (an ``array<i64>``: the results of an op
that stay in the memory tiles, `bsparse.residency`).

All ops print in MLIR's generic form.
"""

# No `from __future__ import annotations`: ext reads the field annotations as types.

from typing import Any

import numpy as np
import torch_mlir.ir as ir  # must be imported before torch_mlir.dialects.ext
from torch_mlir.dialects.ext import Dialect, Operand, Pure, Result

from bsparse import activations
from bsparse.dialects._verify import (
    Invalid,
    direct_constructors,
    element_type,
    i64_array,
    int_attr,
    static_shape,
    string_attr,
    verified,
)
from bsparse.irutil import dense_to_numpy

__all__ = [
    "ACTIVATIONS",
    "BSparse",
    "BsrType",
    "Conv2dOp",
    "HOST_ATTRIBUTE",
    "LAYOUTS",
    "MatmulOp",
    "PackedSparseOp",
    "PackedWeightOp",
    "PHASE_ATTRIBUTE",
    "SparseType",
    "UNPACKED_ATTRIBUTE",
    "UnpackOp",
    "packed_type",
    "block_grid",
]

ACTIVATIONS = tuple(activations.ACTIVATIONS)
"""Fused epilogue activations, applied after the bias (`bsparse.activations`)."""

LAYOUTS = ("nchw", "nhwc")
"""Activation layouts of `bsparse.conv2d` (the weight is always FCHW)."""

UNPACKED_ATTRIBUTE = "bsparse.unpacked"
"""A discardable string attribute bsparse-pack sets on an op with a constant weight it left
unpacked: why (the cost report's host ops list it)."""

HOST_ATTRIBUTE = "bsparse.host"
"""A discardable string attribute bsparse-to-aie sets on a structured op it could not put on the
array: why (the cost report's host ops list it)."""

PHASE_ATTRIBUTE = "bsparse.phase"
"""A discardable unit attribute bsparse-pack sets on each ``tensor.insert_slice`` that interleaves
an output phase of a transposed convolution (one bsparse.conv2d per phase) into its result: an
elementwise op of the result is applied to each phase instead, and folds into the phase's op."""


class BSparse(Dialect, name="bsparse"):
    """Tensor-level block-sparse compute on packed constant weights."""


class BsrType(BSparse.Type, name="bsr"):
    """A weight packed in block compressed sparse row form.

    Printed as ``!bsparse.bsr<array<i64: out, in, ...>, array<i64: R, C>, f32>``.
    """

    shape: Any
    """Logical dense weight shape ``[out, in, *window]`` (rank 2 or 4)."""
    block: Any
    """Block shape ``[R, C]`` over (out, in); a block spans the whole window."""
    element_type: Any
    """Element type of the stored values."""

    @classmethod
    def build(cls, shape, block, elt: ir.Type) -> "BsrType":
        """Returns the type for a weight of `shape` packed in `block` blocks."""
        return cls.get(
            ir.DenseI64ArrayAttr.get(list(shape)),
            ir.DenseI64ArrayAttr.get(list(block)),
            ir.TypeAttr.get(elt),
        )

    @property
    def weight_shape(self) -> list[int]:
        return list(ir.DenseI64ArrayAttr(self.shape))

    @property
    def block_shape(self) -> list[int]:
        return list(ir.DenseI64ArrayAttr(self.block))

    @property
    def value_type(self) -> ir.Type:
        return ir.TypeAttr(self.element_type).value


class SparseType(BSparse.Type, name="sparse"):
    """A weight packed in a non-block pattern's format (`bsparse.patterns.indexed`).

    Printed as ``!bsparse.sparse<array<i64: out, in, ...>, "nm:2:4", f32>``.
    """

    shape: Any
    """Logical dense weight shape ``[out, in, *window]`` (rank 2 or 4)."""
    pattern: Any
    """The canonical pattern string, which names the format (e.g. ``"nm:2:4"``)."""
    element_type: Any
    """Element type of the stored values."""

    @classmethod
    def build(cls, shape, pattern: str, elt: ir.Type) -> "SparseType":
        return cls.get(ir.DenseI64ArrayAttr.get(list(shape)), ir.StringAttr.get(pattern), ir.TypeAttr.get(elt))

    @property
    def weight_shape(self) -> list[int]:
        return list(ir.DenseI64ArrayAttr(self.shape))

    @property
    def pattern_name(self) -> str:
        return ir.StringAttr(self.pattern).value

    @property
    def value_type(self) -> ir.Type:
        return ir.TypeAttr(self.element_type).value


def block_grid(shape, block) -> tuple[int, int]:
    """Block rows and block columns of a weight: ``ceil(out/R), ceil(in/C)``."""
    return -(-shape[0] // block[0]), -(-shape[1] // block[1])


def _bsr_type(value: ir.Value, what: str) -> BsrType:
    """Checks that `value` is a well-formed `!bsparse.bsr` and returns it."""
    ty = value.type
    if not isinstance(ty, BsrType):
        raise Invalid(f"{what} must be a !bsparse.bsr packed weight, got {ty}")
    try:
        shape, block = ty.weight_shape, ty.block_shape
        _ = ty.value_type
    except (ValueError, TypeError) as err:
        raise Invalid(f"{what} has malformed type {ty}: {err}") from None
    if len(shape) not in (2, 4):
        raise Invalid(f"{what} weight shape must have rank 2 [out, in] or 4 [out, in, kh, kw], got {shape}")
    if any(d <= 0 for d in shape):
        raise Invalid(f"{what} weight shape must be positive, got {shape}")
    if len(block) != 2 or any(b <= 0 for b in block):
        raise Invalid(f"{what} block shape must be two positive sizes [R, C], got {block}")
    return ty


def _sparse_type(value: ir.Value, what: str) -> SparseType:
    """Checks that `value` is a well-formed `!bsparse.sparse` and returns it."""
    from bsparse.errors import OptionError
    from bsparse.patterns import format_for

    ty = value.type
    if not isinstance(ty, SparseType):
        raise Invalid(f"{what} must be a !bsparse.sparse packed weight, got {ty}")
    try:
        shape, pattern = ty.weight_shape, ty.pattern_name
        _ = ty.value_type
    except (ValueError, TypeError) as err:
        raise Invalid(f"{what} has malformed type {ty}: {err}") from None
    if len(shape) not in (2, 4) or any(d <= 0 for d in shape):
        raise Invalid(f"{what} weight shape must be positive, rank 2 [out, in] or 4 [out, in, kh, kw], got {shape}")
    try:
        encoding = format_for(pattern).ENCODING
    except OptionError as err:
        raise Invalid(f"{what} has no sparse format for pattern '{pattern}': {err}") from None
    if encoding != "indexed":
        raise Invalid(f"{what} has no sparse format for pattern '{pattern}': its weights are packed as "
                      f"{encoding} (a bsparse.packed_weight), not as values and index arrays")
    return ty


def packed_type(value: ir.Value, what: str) -> "BsrType | SparseType":
    """The `!bsparse.bsr` or `!bsparse.sparse` type of a packed weight `value`, checked."""
    if isinstance(value.type, SparseType):
        return _sparse_type(value, what)
    if isinstance(value.type, BsrType):
        return _bsr_type(value, what)
    raise Invalid(f"{what} must be a packed weight (!bsparse.bsr or !bsparse.sparse), got {value.type}")


class PackedWeightOp(BSparse.Operation, name="packed_weight", traits=[Pure]):
    """A constant weight packed as BSR: the stored blocks and their index.

    ``values`` is ``[nnzb, R, C, *window]``; ``row_ptr`` has ``ceil(out/R)+1``
    entries; ``col_idx`` has ``nnzb`` entries in ``[0, ceil(in/C))``. The parts
    of edge blocks that fall outside the weight must be zero.
    """

    values: Any
    """Stored blocks, dense elements ``[nnzb, R, C, *window]``."""
    row_ptr: Any
    """Dense i64 elements: offsets of each block row into ``values``."""
    col_idx: Any
    """Dense i64 elements: block column of each stored block."""
    result: Result[BsrType]

    @verified
    def verify_invariants(self) -> bool:
        """Checks the packed data against the result type."""
        ty = _bsr_type(self.result, "result")
        shape, block = ty.weight_shape, ty.block_shape
        rows, cols = block_grid(shape, block)
        values, row_ptr, col_idx = (self._array(n) for n in ("values", "row_ptr", "col_idx"))
        if ir.ShapedType(self.attributes["values"].type).element_type != ty.value_type:
            raise Invalid(f"values element type must match the result's {ty.value_type}")
        expected = [values.shape[0] if values.ndim else 0, *block, *shape[2:]]
        if list(values.shape) != expected:
            raise Invalid(
                f"values must have shape [nnzb, R, C, *window] = {expected} "
                f"for block {block[0]}x{block[1]} of weight {shape}, got {list(values.shape)}"
            )
        nnzb = values.shape[0]
        if row_ptr.ndim != 1 or row_ptr.shape[0] != rows + 1:
            raise Invalid(f"row_ptr must have ceil({shape[0]}/{block[0]})+1 = {rows + 1} entries, got {row_ptr.shape[0]}")
        if row_ptr[0] != 0 or row_ptr[-1] != nnzb or np.any(np.diff(row_ptr) < 0):
            raise Invalid(f"row_ptr must rise from 0 to the number of stored blocks ({nnzb})")
        if col_idx.ndim != 1 or col_idx.shape[0] != nnzb:
            raise Invalid(f"col_idx must have one entry per stored block ({nnzb}), got {col_idx.shape[0]}")
        if nnzb and (col_idx.min() < 0 or col_idx.max() >= cols):
            bad = int(col_idx[(col_idx < 0) | (col_idx >= cols)][0])
            raise Invalid(f"block column index {bad} is out of range [0, {cols})")
        steps = np.diff(col_idx)
        row_starts = row_ptr[1:-1]
        inside = np.ones(max(nnzb - 1, 0), dtype=bool)
        inside[row_starts[(row_starts > 0) & (row_starts < nnzb)] - 1] = False
        if np.any(steps[inside] <= 0):
            raise Invalid("block column indices must be strictly increasing within a block row")
        self._check_edge_padding(values, row_ptr, col_idx, shape, block)
        return True

    def _array(self, name: str) -> np.ndarray:
        try:
            return dense_to_numpy(self.attributes[name])
        except TypeError:
            raise Invalid(f"attribute '{name}' must be dense elements") from None

    @staticmethod
    def _check_edge_padding(values, row_ptr, col_idx, shape, block) -> None:
        row_tail = shape[0] % block[0]
        if row_tail and values[row_ptr[-2]:, row_tail:].any():
            raise Invalid(f"edge blocks of the last block row must be zero beyond row {shape[0]}")
        col_tail = shape[1] % block[1]
        last_col = block_grid(shape, block)[1] - 1
        if col_tail and values[col_idx == last_col][:, :, col_tail:].any():
            raise Invalid(f"edge blocks of the last block column must be zero beyond column {shape[1]}")


class PackedSparseOp(BSparse.Operation, name="packed_sparse", traits=[Pure]):
    """A constant weight packed in a non-block pattern's format: stored values and their index.

    ``values`` is 1-D; ``index`` maps each of the format's index array names
    to 1-D dense integers (`bsparse.patterns.indexed`, which checks them).
    """

    values: Any
    """Stored values, 1-D dense elements of the result's element type."""
    index: ir.DictAttr
    """The format's index arrays by name: 1-D dense integers."""
    result: Result[SparseType]

    @verified
    def verify_invariants(self) -> bool:
        """Checks the packed data against the result type and the format."""
        from bsparse.patterns import SparseData

        ty = _sparse_type(self.result, "result")
        if ir.ShapedType(self.attributes["values"].type).element_type != ty.value_type:
            raise Invalid(f"values element type must match the result's {ty.value_type}")
        try:
            values = dense_to_numpy(self.attributes["values"])
            index = {named.name: dense_to_numpy(named.attr) for named in ir.DictAttr(self.attributes["index"])}
        except TypeError:
            raise Invalid("values and every index array must be dense elements") from None
        try:
            SparseData(ty.pattern_name, tuple(ty.weight_shape), values, index).verify()
        except ValueError as err:
            raise Invalid(f"invalid {ty.pattern_name} weight: {err}") from None
        return True


class UnpackOp(BSparse.Operation, name="unpack", traits=[Pure]):
    """Expands a packed weight back to its dense logical tensor."""

    weight: Operand[BsrType | SparseType]
    result: Result[ir.RankedTensorType]

    @verified
    def verify_invariants(self) -> bool:
        """The result is the dense tensor of the packed weight's shape."""
        ty = packed_type(self.weight, "weight")
        if static_shape(self.result, "result") != ty.weight_shape:
            raise Invalid(f"result shape must be the weight shape {ty.weight_shape}")
        if element_type(self.result) != ty.value_type:
            raise Invalid(f"result element type must be {ty.value_type}")
        return True


def _check_epilogue(op, out_channels: int, elt: ir.Type) -> None:
    string_attr(op, "activation", ACTIVATIONS)
    if op.residual is not None and op.residual.type != op.result.type:
        raise Invalid(f"residual must have the result's type {op.result.type}, got {op.residual.type}")
    if op.bias is None:
        return
    if static_shape(op.bias, "bias") != [out_channels]:
        raise Invalid(f"bias must have shape [{out_channels}], got {static_shape(op.bias, 'bias')}")
    if element_type(op.bias) != elt:
        raise Invalid(f"bias element type must be {elt}")


class MatmulOp(BSparse.Operation, name="matmul", traits=[Pure]):
    """``result = act(input @ W^T + bias + residual)`` with W ``[N, K]`` packed.

    ``input`` is ``[..., K]`` (any leading batch dims); ``result`` is ``[..., N]``;
    the optional ``residual`` (a skip connection) has the result's type.
    """

    input: Operand[ir.RankedTensorType]
    weight: Operand[BsrType | SparseType]
    activation: ir.StringAttr
    """Epilogue after the bias: one of `ACTIVATIONS`."""
    result: Result[ir.RankedTensorType]
    bias: Operand[ir.RankedTensorType] | None = None
    """Optional ``[N]`` bias (declared last so it can default to None)."""
    residual: Operand[ir.RankedTensorType] | None = None
    """Optional tensor of the result's type added before the activation: a skip connection."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks the shapes of input, weight, bias and result agree."""
        ty = packed_type(self.weight, "weight")
        shape = ty.weight_shape
        if len(shape) != 2:
            raise Invalid(f"weight must be a rank-2 [N, K] packed weight, got shape {shape}")
        n, k = shape
        x = static_shape(self.input, "input")
        if not x or x[-1] != k:
            raise Invalid(f"input's last dimension must be K = {k}, got input shape {x}")
        if static_shape(self.result, "result") != [*x[:-1], n]:
            raise Invalid(f"result must have shape {[*x[:-1], n]}, got {static_shape(self.result, 'result')}")
        elt = ty.value_type
        for value, what in ((self.input, "input"), (self.result, "result")):
            if element_type(value) != elt:
                raise Invalid(f"{what} element type must be the weight's {elt}")
        _check_epilogue(self, n, elt)
        return True


def conv_output_size(size: int, kernel: int, stride: int, pad_lo: int, pad_hi: int, dilation: int) -> int:
    """Output extent of a convolution along one spatial dimension."""
    return (size + pad_lo + pad_hi - dilation * (kernel - 1) - 1) // stride + 1


class Conv2dOp(BSparse.Operation, name="conv2d", traits=[Pure]):
    """A 2-D convolution with a packed ``[COUT, CIN/groups, KH, KW]`` weight.

    ``result = act(conv(pad(input), W) + bias + residual)``; ``layout`` says
    whether input and result are NCHW or NHWC. ``padding`` is ``[top, left,
    bottom, right]`` (zero padding); the optional ``residual`` (a skip
    connection) has the result's type.
    """

    input: Operand[ir.RankedTensorType]
    weight: Operand[BsrType | SparseType]
    strides: Any
    """``array<i64: sh, sw>``, positive."""
    padding: Any
    """``array<i64: top, left, bottom, right>``, non-negative."""
    dilations: Any
    """``array<i64: dh, dw>``, positive."""
    groups: ir.IntegerAttr
    """Number of channel groups; CIN and COUT are multiples of it."""
    layout: ir.StringAttr
    """Activation layout: one of `LAYOUTS`."""
    activation: ir.StringAttr
    """Epilogue after the bias: one of `ACTIVATIONS`."""
    result: Result[ir.RankedTensorType]
    bias: Operand[ir.RankedTensorType] | None = None
    """Optional ``[COUT]`` bias (declared last so it can default to None)."""
    residual: Operand[ir.RankedTensorType] | None = None
    """Optional tensor of the result's type added before the activation: a skip connection."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks channels, groups, window and output size agree."""
        ty = packed_type(self.weight, "weight")
        shape = ty.weight_shape
        if len(shape) != 4:
            raise Invalid(f"weight must be a rank-4 [COUT, CIN/groups, KH, KW] packed weight, got shape {shape}")
        cout, cin_g, kh, kw = shape
        strides = i64_array(self, "strides", 2, minimum=1)
        padding = i64_array(self, "padding", 4, minimum=0)
        dilations = i64_array(self, "dilations", 2, minimum=1)
        groups = int_attr(self, "groups", minimum=1)
        layout = string_attr(self, "layout", LAYOUTS)
        x = static_shape(self.input, "input")
        if len(x) != 4:
            raise Invalid(f"input must be rank 4 ({layout}), got shape {x}")
        n, c, h, w = (x[0], x[3], x[1], x[2]) if layout == "nhwc" else x
        if c != cin_g * groups:
            raise Invalid(f"input has {c} channels but weight expects {cin_g} x {groups} groups = {cin_g * groups}")
        if cout % groups:
            raise Invalid(f"output channels {cout} are not divisible by groups = {groups}")
        oh = conv_output_size(h, kh, strides[0], padding[0], padding[2], dilations[0])
        ow = conv_output_size(w, kw, strides[1], padding[1], padding[3], dilations[1])
        if oh <= 0 or ow <= 0:
            raise Invalid(f"the {kh}x{kw} window does not fit the padded {h}x{w} input")
        expected = [n, oh, ow, cout] if layout == "nhwc" else [n, cout, oh, ow]
        if static_shape(self.result, "result") != expected:
            raise Invalid(f"result must have shape {expected}, got {static_shape(self.result, 'result')}")
        elt = ty.value_type
        for value, what in ((self.input, "input"), (self.result, "result")):
            if element_type(value) != elt:
                raise Invalid(f"{what} element type must be the weight's {elt}")
        _check_epilogue(self, cout, elt)
        return True


direct_constructors(BSparse)
