"""The model zoo reproduces torchvision's architectures (parameter counts, state_dict keys) with seeded weights."""

from __future__ import annotations

import pytest
import torch

from bsparse import models

# torchvision's published counts; Inception-V3 without aux logits is 27,161,264
# minus InceptionAux (conv0 98,304 + bn 256, conv1 2,457,600 + bn 1,536, fc 769,000).
PARAMETER_COUNTS = {
    "resnet50": 25_557_032,
    "vgg16": 138_357_544,
    "inception_v3": 23_834_568,
    "mobilenet_v2": 3_504_872,
    "vit_b16": 86_567_656,
}

# state_dict entries: 53 convs + 53 BNs x 5 + fc x 2; 13 convs x 2 + 3 linears x 2; 94 convs + 94 BNs x 5 + fc x 2;
# MobileNetV2: (stem + 2 + 16 x 3 + last) = 52 convs + 52 BNs x 5 + classifier x 2.
# ViT-B/16: class token, patch conv x 2, position embedding, 12 layers x 12, final LayerNorm x 2, head x 2.
STATE_DICT_SIZES = {"resnet50": 320, "vgg16": 32, "inception_v3": 566, "mobilenet_v2": 314, "vit_b16": 152}

# A few torchvision state_dict keys and their shapes.
KEY_SHAPES = {
    "resnet50": {
        "conv1.weight": (64, 3, 7, 7),
        "layer1.0.downsample.0.weight": (256, 64, 1, 1),
        "layer2.0.conv2.weight": (128, 128, 3, 3),
        "layer3.5.bn3.running_var": (1024,),
        "layer4.2.conv3.weight": (2048, 512, 1, 1),
        "fc.weight": (1000, 2048),
    },
    "vgg16": {
        "features.0.weight": (64, 3, 3, 3),
        "features.28.weight": (512, 512, 3, 3),
        "classifier.0.weight": (4096, 25088),
        "classifier.6.bias": (1000,),
    },
    "inception_v3": {
        "Conv2d_1a_3x3.conv.weight": (32, 3, 3, 3),
        "Mixed_5b.branch1x1.conv.weight": (64, 192, 1, 1),
        "Mixed_6b.branch7x7_2.conv.weight": (128, 128, 1, 7),
        "Mixed_7c.branch3x3dbl_3b.conv.weight": (384, 384, 3, 1),
        "Mixed_7c.branch_pool.bn.running_mean": (192,),
        "fc.weight": (1000, 2048),
    },
    "mobilenet_v2": {
        "features.0.0.weight": (32, 3, 3, 3),
        "features.1.conv.0.0.weight": (32, 1, 3, 3),
        "features.1.conv.1.weight": (16, 32, 1, 1),
        "features.2.conv.0.0.weight": (96, 16, 1, 1),
        "features.17.conv.2.weight": (320, 960, 1, 1),
        "features.18.1.running_var": (1280,),
        "classifier.1.weight": (1000, 1280),
    },
    "vit_b16": {
        "conv_proj.weight": (768, 3, 16, 16),
        "class_token": (1, 1, 768),
        "encoder.pos_embedding": (1, 197, 768),
        "encoder.layers.encoder_layer_0.self_attention.in_proj_weight": (2304, 768),
        "encoder.layers.encoder_layer_11.mlp.3.weight": (768, 3072),
        "heads.head.weight": (1000, 768),
    },
}


@pytest.fixture(scope="module", params=sorted(PARAMETER_COUNTS))
def big(request: pytest.FixtureRequest) -> tuple[str, torch.nn.Module]:
    return request.param, models.get(request.param)


def test_parameter_count_matches_torchvision(big: tuple[str, torch.nn.Module]) -> None:
    name, model = big
    assert sum(p.numel() for p in model.parameters()) == PARAMETER_COUNTS[name]


def test_state_dict_keys_follow_torchvision(big: tuple[str, torch.nn.Module]) -> None:
    name, model = big
    state = model.state_dict()
    assert len(state) == STATE_DICT_SIZES[name]
    for key, shape in KEY_SHAPES[name].items():
        assert tuple(state[key].shape) == shape, key


def test_big_models_are_in_eval_mode_with_sane_outputs(big: tuple[str, torch.nn.Module]) -> None:
    name, model = big
    assert not model.training
    with torch.no_grad():
        y = model(models.example_input(name))
    assert y.shape == (1, 1000)
    assert torch.isfinite(y).all()
    assert 1e-3 < float(y.std()) < 1e3


def test_bert_base_follows_hugging_face() -> None:
    """BertModel(add_pooling_layer=False) of bert-base-uncased: 109,482,240 parameters less the pooler's
    768 x 768 + 768; 5 embedding entries and 16 per layer."""
    model = models.get("bert_base")
    assert sum(p.numel() for p in model.parameters()) == 109_482_240 - (768 * 768 + 768)
    state = model.state_dict()
    assert len(state) == 5 + 12 * 16
    for key, shape in {"embeddings.word_embeddings.weight": (30522, 768),
                       "encoder.layer.0.attention.self.query.weight": (768, 768),
                       "encoder.layer.5.intermediate.dense.weight": (3072, 768),
                       "encoder.layer.11.output.LayerNorm.bias": (768,)}.items():
        assert tuple(state[key].shape) == shape, key
    tokens = models.example_input("bert_base", batch=2)
    assert tokens.dtype == torch.int64 and tuple(tokens.shape) == (2, 128) and 0 <= int(tokens.min())
    assert int(tokens.max()) < 30522
    with torch.no_grad():
        y = models.get("bert_base", layers=1)(tokens)
    assert tuple(y.shape) == (2, 128, 768) and torch.isfinite(y).all()


def test_gpt2_small_follows_hugging_face() -> None:
    """GPT2Model of gpt2 (124,439,808 parameters): wte, wpe, 12 blocks of 12 entries, ln_f; Conv1D weights
    stored [in, out]."""
    model = models.get("gpt2_small")
    assert sum(p.numel() for p in model.parameters()) == 124_439_808
    state = model.state_dict()
    assert len(state) == 2 + 12 * 12 + 2
    for key, shape in {"wte.weight": (50257, 768), "wpe.weight": (1024, 768), "h.0.attn.c_attn.weight": (768, 2304),
                       "h.11.mlp.c_fc.weight": (768, 3072), "h.11.mlp.c_proj.bias": (768,), "ln_f.weight": (768,)}.items():
        assert tuple(state[key].shape) == shape, key
    tokens = models.example_input("gpt2_small")
    assert tokens.dtype == torch.int64 and int(tokens.max()) < 50257
    # causal: a later token does not change an earlier position's output
    small = models.get("gpt2_small", layers=1)
    changed = tokens.clone()
    changed[0, -1] = (changed[0, -1] + 1) % 50257
    with torch.no_grad():
        a, b = small(tokens), small(changed)
    assert torch.equal(a[:, :-1], b[:, :-1]) and not torch.equal(a[:, -1], b[:, -1])


def test_gnmt_like_unrolls_the_lstm_as_nn_lstm_computes_it() -> None:
    from bsparse.models.gnmt import lstm_layer

    model = models.get("gnmt_like", vocab=50, hidden=16, layers=2, source=5)
    x = torch.randn(7, 3, 16)
    single = torch.nn.LSTM(16, 16, 1)  # the encoder's first layer, run by PyTorch itself
    single.load_state_dict({k: v for k, v in model.encoder.state_dict().items() if k.endswith("_l0")})
    with torch.no_grad():
        want, _ = single(x)
        got = torch.stack(lstm_layer(model.encoder, 0, list(x.unbind(0)), torch.zeros(3, 16), torch.zeros(3, 16)))
        logits = model(torch.randint(0, 50, (2, 9)))
    assert torch.allclose(got, want, atol=1e-6)
    assert tuple(logits.shape) == (2, 4, 50)
    assert "decoder.weight_hh_l1" in model.state_dict() and tuple(models.example_input("gnmt_like").shape) == (1, 32)


def test_jasper_like_is_five_blocks_of_1d_convolutions_with_residuals() -> None:
    model = models.get("jasper_like", blocks=((32, 11), (48, 13)), repeat=3, frames=40)
    kernels = [m.kernel_size[0] for m in model.encoder.modules() if isinstance(m, torch.nn.Conv1d)]
    # the prologue (11), then per block 3 sub-block convs and the 1x1 residual projection
    assert kernels == [11, 11, 11, 11, 1, 13, 13, 13, 1]
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert bns and all(not torch.allclose(bn.running_var, torch.ones_like(bn.running_var)) for bn in bns)
    with torch.no_grad():
        y = model(torch.randn(2, 64, 40))
    assert tuple(y.shape) == (2, 29, 20) and torch.isfinite(y).all()
    assert tuple(models.example_input("jasper_like").shape) == (1, 64, 256)


def test_inception_aux_logits_add_torchvision_aux_parameters() -> None:
    model = models.inception_v3(aux_logits=True)
    assert sum(p.numel() for p in model.parameters()) == 27_161_264
    assert "AuxLogits.conv1.conv.weight" in model.state_dict()
    assert "AuxLogits.fc.weight" not in models.inception_v3().state_dict()


def test_batchnorm_state_is_not_trivial() -> None:
    bns = [m for m in models.get("tiny_cnn").modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns
    for bn in bns:
        assert not torch.allclose(bn.running_mean, torch.zeros_like(bn.running_mean))
        assert not torch.allclose(bn.running_var, torch.ones_like(bn.running_var))
        assert not torch.allclose(bn.weight, torch.ones_like(bn.weight))
        assert not torch.allclose(bn.bias, torch.zeros_like(bn.bias))


@pytest.mark.parametrize("name", ["tiny_mlp", "tiny_cnn"])
def test_seed_fixes_weights(name: str) -> None:
    a, b, c = models.get(name), models.get(name), models.get(name, seed=1)
    for key, value in a.state_dict().items():
        assert torch.equal(value, b.state_dict()[key]), key
    assert not torch.equal(a.state_dict()["fc.weight" if name == "tiny_cnn" else "fc1.weight"],
                           c.state_dict()["fc.weight" if name == "tiny_cnn" else "fc1.weight"])


def test_seeding_leaves_the_global_rng_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    models.get("tiny_cnn")
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("name, out", [("tiny_mlp", (2, 10)), ("tiny_cnn", (2, 10))])
def test_tiny_models_run_on_their_example_input(name: str, out: tuple[int, ...]) -> None:
    model = models.get(name)
    x = models.example_input(name, batch=2)
    assert tuple(x.shape) == (2, *models.INPUT_SHAPES[name])
    with torch.no_grad():
        assert tuple(model(x).shape) == out


def test_tiny_cnn_covers_stride_padding_and_groups() -> None:
    convs = [m for m in models.get("tiny_cnn").modules() if isinstance(m, torch.nn.Conv2d)]
    assert {c.stride for c in convs} >= {(1, 1), (2, 2)}
    assert {c.padding for c in convs} >= {(0, 0), (1, 1)}
    assert {c.groups for c in convs} >= {1, 4, 32}


def test_registry() -> None:
    assert models.names() == ["resnet50", "vgg16", "inception_v3", "mobilenet_v2", "bert_base", "vit_b16",
                              "gpt2_small", "jasper_like", "gnmt_like", "tiny_mlp", "tiny_cnn"]
    assert tuple(models.example_input("inception_v3").shape) == (1, 3, 299, 299)
    with pytest.raises(KeyError, match="unknown model 'resnet18'"):
        models.get("resnet18")
