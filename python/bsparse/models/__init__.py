"""Model zoo: torchvision-faithful ResNet-50, VGG-16, Inception-V3, MobileNetV2, ViT-B/16, Hugging Face-faithful BERT-base and GPT-2 small, a Jasper-like 1-D convolution network, a GNMT-like LSTM translator and tiny test models with seeded weights.

Every constructor takes ``seed: int = 0`` and returns the model in eval mode.
BatchNorm layers get random affine parameters and running statistics
(calibrated on a random batch, then perturbed) so folded-BN bugs show.

>>> from bsparse import models
>>> m = models.get("resnet50")
>>> y = m(models.example_input("resnet50"))
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .bert import BertModel, bert_base
from .gnmt import GNMTLike, gnmt_like
from .gpt2 import GPT2Model, gpt2_small
from .inception import Inception3, inception_v3
from .jasper import JasperLike, jasper_like
from .mobilenet import MobileNetV2, mobilenet_v2
from .resnet import ResNet, resnet50
from .tiny import TINY_CNN_INPUT, TINY_MLP_INPUT, TinyCNN, TinyMLP, tiny_cnn, tiny_mlp
from .vgg import VGG, vgg16
from .vit import VisionTransformer, vit_b16

_CONSTRUCTORS: dict[str, Callable[..., nn.Module]] = {
    "resnet50": resnet50,
    "vgg16": vgg16,
    "inception_v3": inception_v3,
    "mobilenet_v2": mobilenet_v2,
    "bert_base": bert_base,
    "vit_b16": vit_b16,
    "gpt2_small": gpt2_small,
    "jasper_like": jasper_like,
    "gnmt_like": gnmt_like,
    "tiny_mlp": tiny_mlp,
    "tiny_cnn": tiny_cnn,
}

#: Vocabulary size of the models whose input is token ids.
VOCABULARIES: dict[str, int] = {"bert_base": 30522, "gpt2_small": 50257, "gnmt_like": 32000}

#: Per-sample input shape (without the batch dimension) of each model.
INPUT_SHAPES: dict[str, tuple[int, ...]] = {
    "resnet50": (3, 224, 224),
    "vgg16": (3, 224, 224),
    "inception_v3": (3, 299, 299),
    "mobilenet_v2": (3, 224, 224),
    "bert_base": (128,),
    "vit_b16": (3, 224, 224),
    "gpt2_small": (128,),
    "jasper_like": (64, 256),
    "gnmt_like": (32,),
    "tiny_mlp": TINY_MLP_INPUT,
    "tiny_cnn": TINY_CNN_INPUT,
}


def names() -> list[str]:
    """Names accepted by :func:`get` and :func:`example_input`."""
    return list(_CONSTRUCTORS)


def _check(name: str) -> None:
    if name not in _CONSTRUCTORS:
        raise KeyError(f"unknown model {name!r}; known models: {', '.join(names())}")


def get(name: str, seed: int = 0, **kwargs: object) -> nn.Module:
    """Build model ``name`` with seeded random weights, in eval mode.

    Raises:
        KeyError: ``name`` is not one of :func:`names`.
    """
    _check(name)
    return _CONSTRUCTORS[name](seed=seed, **kwargs)


def example_input(name: str, batch: int = 1, seed: int = 0) -> torch.Tensor:
    """A seeded input of the shape model ``name`` expects: N(0, 1) float32, or uniform int64 token ids for a
    model in `VOCABULARIES`."""
    _check(name)
    generator = torch.Generator().manual_seed(seed)
    if name in VOCABULARIES:
        return torch.randint(0, VOCABULARIES[name], (batch, *INPUT_SHAPES[name]), generator=generator)
    return torch.randn(batch, *INPUT_SHAPES[name], generator=generator)


__all__ = [
    "BertModel",
    "GNMTLike",
    "GPT2Model",
    "INPUT_SHAPES",
    "Inception3",
    "JasperLike",
    "MobileNetV2",
    "ResNet",
    "TinyCNN",
    "TinyMLP",
    "VGG",
    "VOCABULARIES",
    "VisionTransformer",
    "bert_base",
    "example_input",
    "get",
    "gnmt_like",
    "gpt2_small",
    "inception_v3",
    "jasper_like",
    "mobilenet_v2",
    "names",
    "resnet50",
    "tiny_cnn",
    "tiny_mlp",
    "vgg16",
    "vit_b16",
]
