"""Small helpers shared by the dialects' verifiers.

A verifier reports a problem with `fail(op, message)`, which emits a located
diagnostic and returns False, so verifiers read as guard clauses:

    if bad:
        return fail(self, "what is wrong")
"""

from __future__ import annotations

from collections.abc import Sequence

import torch_mlir.ir as ir


class Invalid(Exception):
    """Raised by attribute readers below; caught by `verified`."""


def fail(op, message: str) -> bool:
    """Emits `message` as an error at `op`'s location and returns False."""
    op.location.emit_error(f"'{op.operation.name}' op {message}")
    return False


def verified(check):
    """Decorates a `verify_invariants` body that may raise `Invalid`."""

    def verify_invariants(self) -> bool:
        try:
            return check(self)
        except Invalid as err:
            return fail(self, str(err))
        except Exception as err:  # malformed generic IR reaching an accessor
            detail = str(err).strip("'\"") or type(err).__name__
            return fail(self, f"is malformed: {detail}")

    verify_invariants.__doc__ = check.__doc__
    return verify_invariants


def i64_array(op, name: str, length: int | None = None, minimum: int | None = None) -> list[int]:
    """Reads attribute `name` of `op` as an ``array<i64: ...>``."""
    attr = op.attributes[name] if name in op.attributes else None
    if attr is None:
        raise Invalid(f"requires attribute '{name}'")
    if not isinstance(attr, ir.DenseI64ArrayAttr):
        raise Invalid(f"attribute '{name}' must be an array<i64: ...>, got {attr}")
    values = list(attr)
    if length is not None and len(values) != length:
        raise Invalid(f"attribute '{name}' must have {length} elements, got {len(values)}")
    if minimum is not None and any(v < minimum for v in values):
        raise Invalid(f"attribute '{name}' elements must be >= {minimum}, got {values}")
    return values


def string_attr(op, name: str, allowed: Sequence[str] | None = None) -> str:
    """Reads string attribute `name`, optionally checking it against `allowed`."""
    attr = op.attributes[name]
    value = ir.StringAttr(attr).value
    if allowed is not None and value not in allowed:
        choices = ", ".join(f"'{a}'" for a in allowed)
        raise Invalid(f"attribute '{name}' must be one of {choices}, got '{value}'")
    return value


def int_attr(op, name: str, minimum: int | None = None) -> int:
    """Reads integer attribute `name`, optionally checking a lower bound."""
    value = ir.IntegerAttr(op.attributes[name]).value
    if minimum is not None and value < minimum:
        raise Invalid(f"attribute '{name}' must be >= {minimum}, got {value}")
    return value


def static_shape(value: ir.Value, what: str, kind=ir.RankedTensorType) -> list[int]:
    """Returns the static shape of a ranked tensor (or memref) value."""
    ty = value.type
    if not isinstance(ty, kind):
        kind_name = "ranked tensor" if kind is ir.RankedTensorType else "memref"
        raise Invalid(f"{what} must be a {kind_name}, got {ty}")
    shaped = kind(ty)
    if not shaped.has_static_shape:
        raise Invalid(f"{what} must have a static shape, got {ty}")
    return list(shaped.shape)


def element_type(value: ir.Value) -> ir.Type:
    return ir.ShapedType(value.type).element_type


def direct_constructors(dialect) -> None:
    """Gives each op class of `dialect` (a ``torch_mlir.dialects.ext.Dialect``) a constructor that takes
    the same arguments as the one ``ext`` generates (its fields positionally or by name, then ``loc``
    and ``ip``) and builds the same op, without binding them through ``inspect.Signature`` on every call:
    bsparse-to-aie builds hundreds of thousands of ops for a large array."""
    from torch_mlir.dialects import ext

    for cls in dialect.operations:
        _direct_constructor(cls, ext)


def _direct_constructor(cls, ext) -> None:
    operands, attrs, results, regions = ext.partition_fields(cls._fields)
    fields = [f for f in cls._fields if not isinstance(f, ext.RegionDef)]
    positional = [f.name for f in fields if f.param_kind == ext.ParameterKind.POSITIONAL_OR_KEYWORD]
    required = set(positional) | {f.name for f in fields if f.param_kind == ext.ParameterKind.KEYWORD_ONLY_WITHOUT_DEFAULT}
    known = {f.name for f in fields}
    n_regions = len(regions) or None

    def __init__(self, *args, loc=None, ip=None, **kwargs):
        if len(args) > len(positional):
            raise TypeError(f"{cls.__name__}() takes {len(positional)} positional arguments but {len(args)} were given")
        values = dict(zip(positional, args))
        for name, value in kwargs.items():
            if name not in known:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument '{name}'")
            if name in values:
                raise TypeError(f"{cls.__name__}() got multiple values for argument '{name}'")
            values[name] = value
        if missing := sorted(required - values.keys()):
            raise TypeError(f"{cls.__name__}() missing required arguments: {', '.join(missing)}")
        super(ext.Operation, self).__init__(
            cls.OPERATION_NAME, cls._ODS_REGIONS, cls._ODS_OPERAND_SEGMENTS, cls._ODS_RESULT_SEGMENTS,
            attributes={a.name: a.process_attr(values.get(a.name)) for a in attrs},
            results=[r.process_type(values.get(r.name)) for r in results],
            operands=[values.get(o.name) for o in operands], successors=None, regions=n_regions, loc=loc, ip=ip)

    __init__.__signature__ = cls.__init__.__signature__
    __init__.__doc__ = cls.__init__.__doc__
    cls.__init__ = __init__
