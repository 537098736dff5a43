"""Tensor literals as readable ``DenseElementsAttr`` constants, located at their ``state_dict`` key."""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Optional

import numpy as np
import torch

from torch_mlir import ir
from torch_mlir.extras.fx_importer import TORCH_DTYPE_TO_MLIR_TYPE, FxImporterHooks, GraphNodeImporter, InputInfo

from bsparse.names import layer_name, param_loc, param_name

# Torch dtypes numpy cannot hold are passed as raw bits of the same width.
_BIT_CARRIERS = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def tensor_to_dense_attr(tensor: torch.Tensor, context: ir.Context | None = None) -> ir.DenseElementsAttr:
    """The tensor's values as a ``DenseElementsAttr`` of torch-mlir's element type (no copy through Python lists).

    Raises:
        TypeError: the dtype has no MLIR element type or no fixed byte width.
    """
    element_type_fn = TORCH_DTYPE_TO_MLIR_TYPE.get(tensor.dtype)
    if element_type_fn is None or tensor.dtype.is_complex:
        raise TypeError(f"no dense MLIR encoding for tensor dtype {tensor.dtype}")
    data = tensor.detach().cpu().contiguous()
    if data.dtype == torch.bool:
        data = data.to(torch.uint8)  # MLIR reads i1 from one byte per element
    try:
        array = data.numpy()
    except TypeError:  # bfloat16, float8: keep the bits, let MLIR type them
        carrier = _BIT_CARRIERS.get(data.element_size())
        if carrier is None:
            raise TypeError(f"no dense MLIR encoding for tensor dtype {tensor.dtype}") from None
        array = data.view(carrier).numpy()
    with context or contextlib.nullcontext():
        return ir.DenseElementsAttr.get(
            np.ascontiguousarray(array), type=element_type_fn(), shape=list(tensor.shape)
        )


class DenseLiteralHooks(FxImporterHooks):
    """Inline every tensor literal as a ``DenseElementsAttr`` located at its ``state_dict`` key.

    The torch->linalg lowering re-creates constants at their consumer's
    location, so :meth:`restore_param_locations` puts the key back afterwards.
    """

    def __init__(
        self, tensors: dict[str, torch.Tensor] | None = None, on_literal: Callable[[], None] | None = None
    ) -> None:
        #: state_dict / constants key -> tensor: the literals that get a ``param:`` location.
        self.tensors = dict(tensors or {})
        self._keys = {id(tensor): key for key, tensor in self.tensors.items()}
        self._on_literal = on_literal
        # Keyed by id(); the tensor is kept alive beside its attribute so ids are not reused.
        self._attrs: dict[int, tuple[torch.Tensor, ir.DenseElementsAttr]] = {}

    def resolve_literal(self, gni: GraphNodeImporter, literal: Any, info: Optional[InputInfo]) -> Optional[ir.Value]:
        if not isinstance(literal, torch.Tensor):
            return None
        cached = self._attrs.get(id(literal))
        if cached is None:
            try:
                attr = tensor_to_dense_attr(literal)
            except TypeError:
                return None  # torch-mlir's default path; import_model rejects what it leaves behind
            self._attrs[id(literal)] = (literal, attr)
            if self._on_literal is not None:
                self._on_literal()
        else:
            attr = cached[1]
        vtensor_type = gni._cc.tensor_to_vtensor_type(literal)
        key = self._keys.get(id(literal))
        loc = param_loc(key, ir.Location.current) if key else ir.Location.current
        return ir.Operation.create(
            "torch.vtensor.literal", results=[vtensor_type], attributes={"value": attr}, loc=loc
        ).result

    def restore_param_locations(self, module: ir.Module) -> None:
        """Wrap each weight ``arith.constant``'s location in ``loc("param:<key>"(...))``.

        Constants are matched by attribute identity, or, when the lowering
        folded a reshape or cast into them (BatchNorm statistics become
        ``Cx1x1``, grouped-conv filters gain a group dimension, bool buffers
        come back from a ``ui8`` detour), by element count and values among
        the tensors of the constant's own layer. Splat constants (all
        elements equal) stay unnamed: their values do not say where they came from.
        """
        by_attr = {
            attr: self._keys[id(tensor)] for tensor, attr in self._attrs.values() if id(tensor) in self._keys
        }
        by_layer: dict[str, list[tuple[str, torch.Tensor]]] = {}
        for key, tensor in self.tensors.items():
            by_layer.setdefault(key.rpartition(".")[0], []).append((key, tensor))

        def visit(op: ir.Operation) -> ir.WalkResult:
            if op.name == "arith.constant":
                value = op.attributes["value"]
                if isinstance(value, ir.DenseElementsAttr):
                    key = by_attr.get(value) or _match_reshaped(value, by_layer.get(layer_name(op) or "", []))
                    if key is not None and param_name(op) is None:
                        op.location = param_loc(key, op.location)
            return ir.WalkResult.ADVANCE

        module.operation.walk(visit)


def is_dense_resource(attr: ir.Attribute) -> bool:
    """Whether ``attr`` is a ``dense_resource`` (the bindings do not downcast these, so cast to test)."""
    if type(attr) is not ir.Attribute:  # downcast to a concrete class: not a resource; skips a slow failed cast
        return False
    try:
        ir.DenseResourceElementsAttr(attr)
    except ValueError:
        return False
    return True


def _match_reshaped(value: ir.DenseElementsAttr, candidates: list[tuple[str, torch.Tensor]]) -> str | None:
    shape = ir.ShapedType(value.type)
    numel = int(np.prod(shape.shape)) if shape.rank else 1
    array: np.ndarray | None = None
    for key, tensor in candidates:
        if tensor.numel() != numel or value.is_splat:
            continue
        if array is None:
            array = np.array(value).reshape(-1)
        expected = tensor.detach().reshape(-1)
        if expected.dtype == torch.bool:
            expected = expected.to(torch.uint8)
        try:
            if np.array_equal(array, expected.numpy()):
                return key
        except TypeError:  # no numpy dtype (bfloat16): leave unnamed
            return None
    return None


__all__ = ["DenseLiteralHooks", "is_dense_resource", "tensor_to_dense_attr"]
