"""The digits experiment's pieces: scikit-learn's 8x8 digits, a small MLP and CNN, and a plain training loop.

The data ships with scikit-learn (``pip install bsparse[train]``); nothing is
downloaded. The loop is an ordinary PyTorch loop: pruning needs no call in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from bsparse.errors import BsparseError
from bsparse.training.prune import finalize, prune

__all__ = [
    "Digits", "DigitsCNN", "DigitsMLP", "accuracy", "fine_tune", "load_digits", "make_model", "steps_per_epoch",
    "train",
]


@dataclass(frozen=True)
class Digits:
    """The digits split: images ``[N, 1, 8, 8]`` scaled to [0, 1] and labels ``[N]``."""

    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor


def load_digits(test_fraction: float = 0.2, split_seed: int = 0) -> Digits:
    """scikit-learn's 1797 8x8 digits, split stratified (the same split for every training seed).

    Raises:
        BsparseError: scikit-learn is not installed.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise BsparseError("the digits data needs scikit-learn: pip install 'bsparse[train]'") from None
    data = sklearn_digits()
    x = torch.tensor(data.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(data.target, dtype=torch.int64)
    train_i, test_i = train_test_split(range(len(y)), test_size=test_fraction, random_state=split_seed,
                                       stratify=data.target)
    return Digits(x[train_i], y[train_i], x[test_i], y[test_i])


class DigitsMLP(nn.Module):
    """Flatten 64 -> Linear 256 -> ReLU -> Linear 256 -> ReLU -> Linear 10 (widths multiples of 8)."""

    def __init__(self, hidden: int = 256) -> None:
        super().__init__()
        self.fc1 = nn.Linear(64, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc3(torch.relu(self.fc2(x)))


class DigitsCNN(nn.Module):
    """Input N x 1 x 8 x 8 -> N x 10.

    conv1 1->16 3x3 (1 input channel cannot hold an 8-wide block: kept dense),
    conv2 16->32 3x3, pool -> 4x4, conv3 32->64 3x3, pool -> 2x2, fc 256->10;
    each conv pad 1, with BatchNorm and ReLU.
    """

    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.conv2, self.bn2 = nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.conv3, self.bn3 = nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(64 * 2 * 2, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.pool(torch.relu(self.bn2(self.conv2(x))))
        x = self.pool(torch.relu(self.bn3(self.conv3(x))))
        return self.fc(torch.flatten(x, 1))


MODELS = {"mlp": DigitsMLP, "cnn": DigitsCNN}


def make_model(name: str, seed: int) -> nn.Module:
    """A freshly initialised ``mlp`` or ``cnn``, seeded."""
    if name not in MODELS:
        raise BsparseError(f"unknown digits model '{name}' (known: {', '.join(MODELS)})")
    torch.manual_seed(seed)
    return MODELS[name]()


def train(model: nn.Module, data: Digits, epochs: int, seed: int, lr: float = 1e-3, weight_decay: float = 1e-4,
          batch_size: int = 64) -> nn.Module:
    """Trains `model` with AdamW and cross entropy on shuffled batches; returns it in eval mode."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(data.train_y), generator=generator)
        for batch in order.split(batch_size):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(data.train_x[batch]), data.train_y[batch])
            loss.backward()
            optimizer.step()
    return model.eval()


def steps_per_epoch(data: Digits, batch_size: int = 64) -> int:
    """Batches (training steps) in one epoch of `train`."""
    return -(-len(data.train_y) // batch_size)


def fine_tune(model: nn.Module, data: Digits, epochs: int, seed: int, sparsity: float | None = None,
              schedule: str = "one-shot", ramp: float = 2 / 3, lr: float = 5e-4,
              pattern: str = "block:8x8", keep: tuple[str, ...] | None = None) -> nn.Module:
    """Prunes a trained `model` to `pattern` (unless `sparsity` is None), fine-tunes it and finalizes it.

    ``one-shot`` masks the weights before the first epoch; ``gradual`` raises
    the sparsity along the cubic schedule over the first `ramp` of the epochs,
    changing the masks once an epoch, and trains the rest at the target.
    `keep`: layers kept dense (default: `prune`'s, the classifier).
    """
    if sparsity is not None:
        per_epoch = steps_per_epoch(data)
        gradual = {"steps": max(1, round(ramp * epochs)) * per_epoch, "frequency": per_epoch}
        prune(model, pattern, sparsity, schedule=schedule, keep=keep, **(gradual if schedule == "gradual" else {}))
    train(model, data, epochs, seed, lr=lr)
    if sparsity is not None:
        finalize(model)
    return model


@torch.no_grad()
def accuracy(model: nn.Module, data: Digits) -> float:
    """Test accuracy in percent (eval mode)."""
    model.eval()
    return 100.0 * float((model(data.test_x).argmax(1) == data.test_y).float().mean())
