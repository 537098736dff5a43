"""prune and finalize: sparsity-pattern masks on a PyTorch model's Linear and Conv weights, and their removal.

Any registered pattern of `bsparse.patterns` (`bsparse.patterns.pattern_syntax`
lists them) prunes: the mask of each layer is
the pattern's own ``masks(...)`` of the layer weights, the masks
``bsparse-sparsify`` computes for the same weights and options.

Layers are named by their PyTorch module path (``fc1``, ``features.3``), the
names the compiler's reports and ``keep`` option use.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from bsparse.errors import BsparseError, OptionError
from bsparse.patterns import PATTERNS, BlockPattern, Pattern, parse_pattern
from bsparse.training.mask import PatternMask, weight_array
from bsparse.training.schedule import CubicSchedule, check_fraction

__all__ = ["LAYER_TYPES", "Pruning", "block_sparsity", "classifier_name", "finalize", "prunable_layers", "prune"]

LAYER_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
"""Layers whose weight is ``[out, in, *window]``: the compiler's logical layout (not ConvTranspose)."""

SCOPES = ("layer", "global")
SCORES = ("l2", "l1")
SCHEDULES = ("one-shot", "gradual")

Names = Sequence[str] | str | None


class Pruning:
    """The masks `prune` attached to a model and, for a gradual schedule, its step counter.

    With a gradual schedule this object is the model's forward pre-hook: each
    forward pass of the model in training mode is one step, and before it the
    masks are set to the schedule's sparsity for that step. Nothing needs to
    be called in the training loop; evaluation (``model.eval()``) does not
    count. With gradient accumulation over k batches, a step is a batch, so
    give `prune` k times the optimizer steps.

    Attributes:
        pattern: The sparsity pattern.
        layers: The pruned layers by name, in module order.
        scope: ``layer`` (each layer at the sparsity) or ``global`` (one ranking).
        score: ``l2`` or ``l1``: the score of a unit of several weights (a
            block, channel or K-vector); single weights score ``|w|``.
        schedule: The gradual schedule, None for one-shot.
        step: Training steps seen so far (gradual only).
        sparsity: The sparsity the masks were last set to.
    """

    def __init__(self, pattern: Pattern, layers: dict[str, nn.Module], scope: str, score: str,
                 schedule: CubicSchedule | None):
        self.pattern = pattern
        self.layers = layers
        self.scope = scope
        self.score = score
        self.schedule = schedule
        self.step = 0
        self.sparsity = 0.0

    def masks(self) -> dict[str, PatternMask]:
        """The mask of each pruned layer (empty after `finalize`)."""
        return {name: mask for name, layer in self.layers.items() if (mask := _pattern_mask(layer)) is not None}

    def set_sparsity(self, sparsity: float) -> None:
        """Sets the masks to the pattern's masks of the weights as they are now (masked ones read as 0).

        For block, unstructured and gs a masked weight scores 0, so a rising
        sparsity never brings one back. tw and tvw regroup the surviving
        channels into tiles at each update, so a weight masked before may
        come back in a new tile (with its raw parameter's value).

        Raises:
            OptionError: the pattern cannot take `sparsity` (`prune` checks
                every sparsity its schedule sets beforehand).
        """
        masks = self.masks()
        if sparsity == 0.0:  # dense, whatever the pattern (nm:N:M has no sparsity 0)
            kept = [np.ones(tuple(mask.mask.shape), dtype=bool) for mask in masks.values()]
        else:
            with torch.no_grad():
                weights = [weight_array(self.layers[name].weight) for name in masks]
            kept = self.pattern.masks(weights, sparsity, self.scope, self.score)
        for mask, keep in zip(masks.values(), kept):
            mask.set_mask(keep)
        self.sparsity = sparsity

    def __call__(self, module: nn.Module, args: tuple) -> None:
        if not module.training or self.schedule is None:
            return
        if (target := self.schedule.sparsity_at(self.step)) != self.sparsity:
            self.set_sparsity(target)
        self.step += 1

    def __repr__(self) -> str:
        how = "one-shot" if self.schedule is None else f"gradual to {self.schedule.final} over steps " \
              f"{self.schedule.begin}..{self.schedule.end}, step {self.step}"
        return f"<Pruning {self.pattern} {self.scope} sparsity={self.sparsity:.3f} ({how}) layers={list(self.layers)}>"


def prune(model: nn.Module, pattern: str | Pattern = "block:8x8", sparsity: float = 0.5, *,
          scope: str = "layer", score: str = "l2", layers: Names = None, keep: Names = None,
          schedule: str = "one-shot", steps: int | None = None, begin_step: int = 0, frequency: int = 1,
          initial_sparsity: float = 0.0) -> Pruning:
    """Attaches sparsity-pattern masks to the weights of `model`'s Linear and Conv layers.

    Each pruned weight becomes a `PatternMask` parametrization, so any
    optimizer and any ordinary training loop keep its pruned weights exactly
    zero. The mask is `pattern`'s ``masks(...)`` of the weights in PyTorch's
    layout ``[out, in, *window]``, which is the compiler's logical layout: the
    zeros are where ``bsparse-sparsify`` would put them and where
    ``bsparse-pack{pattern=...}`` (or ``bsparse.compile(..., pattern=...,
    sparsity=None)``) skips them. Call `finalize` after training.

    Args:
        model: The model, changed in place.
        pattern: A pattern string of a registered pattern
            (`bsparse.patterns.pattern_syntax`) or a pattern object.
        sparsity: Fraction to zero, in [0, 1): of blocks for a block pattern,
            else of weights; of each layer (``scope="layer"``) or of all
            pruned layers together (``"global"``). ``nm:N:M`` needs exactly
            ``1 - N/M`` (0.5 for 2:4), ``tvw`` at least 0.5; 0 masks nothing
            with any pattern.
        scope: ``layer`` or ``global`` (not for ``nm`` and ``gs``: their rules
            are per group and per bank).
        score: ``l2`` or ``l1`` norm, per element, of a unit of several
            weights (a block, or tw/tvw's channels and K-vectors).
        layers: Names of the layers to prune (a comma-separated string or a
            sequence). Default: every Linear and Conv layer the pattern fits
            (``pattern.fits``: e.g. that can hold one whole block), except `keep`.
        keep: Names of layers to keep dense. Default: the classifier (the last
            ``nn.Linear`` in module order); ``keep=()`` prunes it too.
        schedule: ``one-shot`` (masks set now) or ``gradual`` (Zhu & Gupta's
            cubic ramp; each forward pass in training mode is a step; the
            masks are recomputed with the pattern at each change of
            sparsity). A pattern with a fixed sparsity (``nm:N:M``) has
            nothing to ramp: it prunes one-shot only. With ``tvw`` every
            sparsity the ramp sets must be at least 0.5: give
            ``initial_sparsity >= 0.5``.
        steps: Gradual only: steps from `begin_step` until `sparsity` is reached.
        begin_step: Gradual only: the first step that prunes.
        frequency: Gradual only: masks change every `frequency` steps.
        initial_sparsity: Gradual only: the sparsity at `begin_step`.

    Returns:
        The `Pruning` (masks, schedule and step counter).

    Raises:
        OptionError: a sparsity outside [0, 1), an unknown pattern, scope,
            score or schedule, options the pattern cannot take (``nm:2:4``
            at 0.75, ``scope="global"`` with nm or gs, tvw below 0.5, nm with
            ``schedule="gradual"``), gradual options that are missing or out
            of range, an unknown layer name, a named layer the pattern does
            not fit, no layer left to prune, or a model already pruned.
    """
    sparsity = check_fraction("sparsity", sparsity)
    chosen = _pattern(pattern)
    _check_choice("scope", scope, SCOPES)
    _check_choice("score", score, SCORES)
    plan = _schedule(schedule, sparsity, steps, begin_step, frequency, initial_sparsity)
    _check_pattern(chosen, sparsity, scope, score, plan)
    if not isinstance(model, nn.Module):
        raise OptionError(f"prune expects a torch.nn.Module, got {type(model).__name__}")
    if already := [name for name, module in model.named_modules() if _pattern_mask(module) is not None]:
        raise OptionError(f"the model is already pruned (layer '{already[0]}' has a pruning mask); call finalize first")
    selected = _select(model, chosen, _names(layers), _names(keep))
    pruning = Pruning(chosen, selected, scope, score, plan)
    for layer in selected.values():
        parametrize.register_parametrization(layer, "weight", PatternMask(chosen, layer.weight.shape))
    if plan is None:
        pruning.set_sparsity(sparsity)
    else:
        model.register_forward_pre_hook(pruning)
    return pruning


def finalize(model: nn.Module) -> list[str]:
    """Removes the pruning masks (and a gradual schedule's hook) from `model`.

    Each pruned layer is left with a plain ``weight`` parameter (the same
    ``nn.Parameter`` object) holding the masked weight: pruned weights are
    exactly zero, so ``bsparse.compile(model, x, pattern=..., sparsity=None)``
    (with the pattern they were pruned to) skips them.
    Other parametrizations of a pruned weight are baked in too.

    Returns:
        The names of the layers whose masks were removed.

    Raises:
        BsparseError: the model has no pruning masks.
    """
    masked = [(name, module) for name, module in model.named_modules() if _pattern_mask(module) is not None]
    for _, module in masked:
        parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
    hooks = 0
    for module in model.modules():
        for key in [key for key, hook in module._forward_pre_hooks.items() if isinstance(hook, Pruning)]:
            del module._forward_pre_hooks[key]
            hooks += 1
    if not masked and not hooks:
        raise BsparseError("finalize: the model has no block masks or other pattern masks "
                           "(prune it first, or it was already finalized)")
    return [name for name, _ in masked]


def prunable_layers(model: nn.Module) -> dict[str, nn.Module]:
    """Every Linear and Conv layer of `model` by module path, in module order."""
    return {name: module for name, module in model.named_modules() if isinstance(module, LAYER_TYPES)}


def classifier_name(model: nn.Module) -> str | None:
    """The default classifier: the last ``nn.Linear`` in module order (None if there is none)."""
    linear = [name for name, module in prunable_layers(model).items() if isinstance(module, nn.Linear)]
    return linear[-1] if linear else None


def block_sparsity(model: nn.Module, pattern: str | BlockPattern = "block:8x8") -> dict[str, float]:
    """The fraction of all-zero blocks of each Linear and Conv weight, as the layer uses it (masked or not).

    Block patterns only: for the others count the zero weights.
    """
    block = _block_pattern(pattern)
    with torch.no_grad():
        nonzero = {name: block.block_mask(weight_array(layer.weight)) for name, layer in prunable_layers(model).items()}
    return {name: 1.0 - float(mask.mean()) for name, mask in nonzero.items()}


# ----------------------------------------------------------------------------- options


def _pattern_mask(module: nn.Module) -> PatternMask | None:
    if not parametrize.is_parametrized(module, "weight"):
        return None
    return next((p for p in module.parametrizations.weight if isinstance(p, PatternMask)), None)


def _pattern(pattern: str | Pattern) -> Pattern:
    if isinstance(pattern, tuple(PATTERNS.values())):
        return pattern
    if not isinstance(pattern, str):
        raise OptionError(f"pattern must be a pattern string such as 'block:8x8' or 'nm:2:4', or a pattern of "
                          f"bsparse.patterns, got {pattern!r}")
    return parse_pattern(pattern)


def _block_pattern(pattern: str | BlockPattern) -> BlockPattern:
    parsed = _pattern(pattern)
    if not isinstance(parsed, BlockPattern):
        raise OptionError(f"pattern '{pattern}' is not a block pattern: block_sparsity counts blocks (block:RxC)")
    return parsed


def _check_pattern(pattern: Pattern, sparsity: float, scope: str, score: str, plan: CubicSchedule | None) -> None:
    """Raises the pattern's `OptionError` for any sparsity it would be set to, before the model changes.

    ``masks`` of an empty list of weights checks the options and nothing else.
    """
    if plan is not None and pattern.fixed_sparsity is not None:
        raise OptionError(
            f"{pattern} has a fixed sparsity ({pattern.fixed_sparsity:g}): schedule='gradual' would ramp through "
            f"sparsities it cannot have; prune it with schedule='one-shot' and fine-tune"
        )
    if sparsity != 0.0:  # 0 is dense, whatever the pattern
        pattern.masks([], sparsity, scope, score)
    if plan is not None and (step := plan.first_pruning_step()) is not None:
        first = plan.sparsity_at(step)
        try:
            pattern.masks([], first, scope, score)
        except OptionError as err:
            raise OptionError(f"schedule='gradual' first sets sparsity {first:.4g} (step {step}), which {pattern} "
                              f"cannot take: {err.message}; raise initial_sparsity") from None


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise OptionError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


def _schedule(schedule: str, sparsity: float, steps: int | None, begin_step: int, frequency: int,
              initial_sparsity: float) -> CubicSchedule | None:
    _check_choice("schedule", schedule, SCHEDULES)
    if schedule == "gradual":
        if steps is None:
            raise OptionError("schedule='gradual' needs steps=N: the training steps (forward passes in training "
                              "mode) over which the sparsity rises to its target")
        return CubicSchedule(sparsity, steps, begin_step, frequency, initial_sparsity)
    given = {"steps": steps, "begin_step": begin_step or None, "frequency": None if frequency == 1 else frequency,
             "initial_sparsity": initial_sparsity or None}
    if unused := [name for name, value in given.items() if value is not None]:
        raise OptionError(f"{', '.join(unused)} only apply to schedule='gradual' (schedule is 'one-shot')")
    return None


def _names(names: Names) -> tuple[str, ...] | None:
    if names is None:
        return None
    if isinstance(names, str):
        return tuple(name.strip() for name in names.split(",") if name.strip())
    if not all(isinstance(name, str) for name in names):
        raise OptionError(f"layer names must be strings, got {list(names)!r}")
    return tuple(names)


def _shape(layer: nn.Module) -> str:
    return "x".join(map(str, layer.weight.shape))


def _select(model: nn.Module, pattern: Pattern, layers: tuple[str, ...] | None,
            keep: tuple[str, ...] | None) -> dict[str, nn.Module]:
    """The layers to prune, by name: `layers` or the default policy, less `keep`."""
    found = prunable_layers(model)
    for option, names in (("layers", layers), ("keep", keep)):
        if unknown := [name for name in names or () if name not in found]:
            raise OptionError(f"{option} names unknown layer(s) {', '.join(map(repr, unknown))} "
                              f"(Linear and Conv layers: {', '.join(found) or 'none'})")
    if both := sorted(set(layers or ()) & set(keep or ())):
        raise OptionError(f"layer(s) {', '.join(both)} are both in layers and in keep")
    if lazy := [name for name, layer in found.items() if isinstance(layer.weight, nn.parameter.UninitializedParameter)]:
        raise OptionError(f"layer '{lazy[0]}' is lazy and not initialised yet: run one forward pass before prune")
    if layers is not None:
        if small := [name for name in layers if not pattern.fits(found[name].weight.shape)]:
            raise OptionError(_misfit(pattern, small[0], found[small[0]]))
        return {name: layer for name, layer in found.items() if name in layers}
    dense = set(keep) if keep is not None else {classifier_name(model)}
    fits = {name: layer for name, layer in found.items() if pattern.fits(layer.weight.shape)}
    selected = {name: layer for name, layer in fits.items() if name not in dense}
    if not fits:
        shapes = ", ".join(f"{name} {_shape(layer)}" for name, layer in found.items()) or "none"
        what = (f"a {pattern.rows}x{pattern.cols} block is larger than every Linear and Conv layer"
                if isinstance(pattern, BlockPattern) else f"{pattern} fits no Linear or Conv layer")
        raise OptionError(f"no layer to prune: {what} (weights [out, in, *window]: {shapes})")
    if not selected:
        what = "can hold a block" if isinstance(pattern, BlockPattern) else f"{pattern} fits"
        raise OptionError(f"no layer to prune: every layer that {what} is kept dense "
                          f"({', '.join(fits)}); pass keep=() or layers=[...]")
    return selected


def _misfit(pattern: Pattern, name: str, layer: nn.Module) -> str:
    """Why `pattern` cannot prune `layer` (``not pattern.fits``)."""
    if isinstance(pattern, BlockPattern):
        return (f"a {pattern.rows}x{pattern.cols} block is larger than layer '{name}' (weight {_shape(layer)}, "
                f"[out, in, *window]): it cannot hold one whole block")
    k = int(np.prod(layer.weight.shape[1:]))
    return (f"{pattern} does not fit layer '{name}' (weight {_shape(layer)}, [out, in, *window]; K = in x window "
            f"= {k} per output channel is too short for the pattern)")
