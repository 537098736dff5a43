"""The gradual pruning schedule: Zhu & Gupta's cubic ramp from an initial to a final sparsity."""

from __future__ import annotations

from dataclasses import dataclass

from bsparse.errors import OptionError

__all__ = ["CubicSchedule", "check_fraction"]


def check_fraction(name: str, value: object) -> float:
    """`value` as a float in [0, 1), else an `OptionError` naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError(f"{name} must be a number in [0, 1), got {value!r}")
    if not 0.0 <= value < 1.0:
        raise OptionError(f"{name} must be in [0, 1), got {value!r} (1.0 would prune every weight)")
    return float(value)


def _check_count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise OptionError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


@dataclass(frozen=True)
class CubicSchedule:
    """Sparsity over training steps, as in Zhu & Gupta, "To prune, or not to prune" (2017).

    ``s(t) = final + (initial - final) * (1 - (t - begin) / steps) ** 3`` for
    ``begin <= t < begin + steps``, with ``t`` rounded down to a multiple of
    `frequency` after `begin`; 0 before `begin` (the weights stay dense) and
    `final` from ``begin + steps`` on. It prunes fast while the network has
    many redundant weights and slowly as it approaches the target.

    Attributes:
        final: The target sparsity, in [0, 1).
        steps: Training steps from `begin` to reaching `final` (>= 1).
        begin: The first step that prunes.
        frequency: Masks change every `frequency` steps.
        initial: Sparsity at `begin`, in [0, `final`].
    """

    final: float
    steps: int
    begin: int = 0
    frequency: int = 1
    initial: float = 0.0

    def __post_init__(self):
        check_fraction("sparsity", self.final)
        check_fraction("initial_sparsity", self.initial)
        _check_count("steps", self.steps, 1)
        _check_count("begin_step", self.begin, 0)
        _check_count("frequency", self.frequency, 1)
        if self.initial > self.final:
            raise OptionError(f"initial_sparsity {self.initial} is above the target sparsity {self.final}")

    @property
    def end(self) -> int:
        """The first step at the final sparsity."""
        return self.begin + self.steps

    def first_pruning_step(self) -> int | None:
        """The first step whose sparsity is above 0 (None if `final` is 0).

        The ramp never decreases, so that step's sparsity is the lowest
        nonzero sparsity the masks are ever set to.
        """
        if self.final == 0.0:
            return None
        if self.initial > 0.0:
            return self.begin
        return self.begin + min(self.frequency, self.steps)

    def sparsity_at(self, step: int) -> float:
        """The sparsity the masks have during training step `step` (counted from 0)."""
        if step < self.begin:
            return 0.0
        if step >= self.end:
            return self.final
        done = (step - self.begin) // self.frequency * self.frequency
        return self.final + (self.initial - self.final) * (1.0 - done / self.steps) ** 3
