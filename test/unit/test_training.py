"""bsparse.training: masks that hold through training, the cubic schedule, finalize, errors, the compiler hand-off."""

from __future__ import annotations

import copy
import math
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import bsparse  # noqa: E402
from bsparse.errors import BsparseError, OptionError  # noqa: E402
from bsparse.patterns import BlockPattern, TileWisePattern, parse_pattern  # noqa: E402
from bsparse.training import CubicSchedule, Pruning, block_sparsity, finalize, prune  # noqa: E402
from references import gemm_view, zero_blocks  # noqa: E402
from torch.nn.utils import parametrize  # noqa: E402


def mlp() -> nn.Module:
    """fc1 32x64 (4x8 blocks), fc2 24x32 (3x4), head 10x24 (the classifier)."""
    torch.manual_seed(0)
    return nn.Sequential(OrderedDict(
        fc1=nn.Linear(64, 32), relu1=nn.ReLU(), fc2=nn.Linear(32, 24), relu2=nn.ReLU(), head=nn.Linear(24, 10)))


def cnn() -> nn.Module:
    """conv1 has 1 input channel (cannot hold a block); conv3 is grouped; fc is the classifier. Input N x 1 x 4 x 4."""
    torch.manual_seed(0)
    return nn.Sequential(OrderedDict(
        conv1=nn.Conv2d(1, 16, 3, padding=1), relu1=nn.ReLU(), conv2=nn.Conv2d(16, 32, 3, padding=1),
        relu2=nn.ReLU(), conv3=nn.Conv2d(32, 32, 3, padding=1, groups=2), relu3=nn.ReLU(),
        flatten=nn.Flatten(), fc=nn.Linear(32 * 4 * 4, 10))).eval()


def train_steps(model, optimizer, steps, in_shape=(64,), seed=0):
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(steps):
        x = torch.randn(16, *in_shape, generator=generator)
        y = torch.randint(0, 10, (16,), generator=generator)
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


class HandWrittenSGD:
    """A user's own update rule, not a torch.optim optimizer."""

    def __init__(self, params, lr=0.05):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        for p in self.params:
            p -= self.lr * (p.grad + 0.1 * p)  # with weight decay, so masked raw entries move


# ----------------------------------------------------------------------------- one-shot masks


def test_one_shot_zeroes_the_blocks_the_compiler_policy_zeroes():
    model = mlp()
    dense = {name: getattr(model, name).weight.detach().numpy().copy() for name in ("fc1", "fc2")}
    pruning = prune(model, "block:8x8", 0.5)
    assert list(pruning.layers) == ["fc1", "fc2"]  # the classifier 'head' stays dense
    for name, weight in dense.items():
        expected = BlockPattern(8, 8).prune(weight, 0.5)
        assert np.array_equal(getattr(model, name).weight.detach().numpy(), expected)
    assert zero_blocks(model.fc1.weight) == (16, 32)
    assert zero_blocks(model.fc2.weight) == (6, 12)
    assert zero_blocks(model.head.weight)[0] == 0


@pytest.mark.parametrize("make_optimizer", [
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.1),
    lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.5),
    lambda p: torch.optim.Adam(p, lr=0.01),
    HandWrittenSGD,
], ids=["sgd-momentum-wd", "adamw", "adam", "hand-written"])
def test_masks_hold_through_optimizer_steps(make_optimizer):
    model = mlp()
    optimizer = make_optimizer(model.parameters())  # made before prune: the parameters stay the same objects
    prune(model, sparsity=0.75)
    masked = {name: ~getattr(model, name).parametrizations.weight[0].mask for name in ("fc1", "fc2")}
    before = model.fc1.weight.detach().clone()
    train_steps(model, optimizer, 25)
    for name, pruned in masked.items():
        weight = getattr(model, name).weight
        assert torch.count_nonzero(weight[pruned]) == 0  # exactly zero, not small
        assert getattr(model, name).parametrizations.weight[0].mask.equal(~pruned)
    assert zero_blocks(model.fc1.weight) == (24, 32) and zero_blocks(model.fc2.weight) == (9, 12)
    assert not torch.equal(model.fc1.weight[~masked["fc1"]], before[~masked["fc1"]])  # it did train


def test_masked_raw_parameter_may_move_but_the_used_weight_stays_zero():
    model = mlp()
    prune(model, sparsity=0.5)
    train_steps(model, torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=0.5), 5)
    pruned = ~model.fc1.parametrizations.weight[0].mask
    raw = model.fc1.parametrizations.weight.original
    assert torch.count_nonzero(raw[pruned]) > 0  # weight decay moved it, and it does not matter
    assert torch.count_nonzero(model.fc1.weight[pruned]) == 0


def test_global_scope_prunes_one_fraction_of_all_blocks():
    model = mlp()
    prune(model, sparsity=0.5, scope="global")
    zero = [zero_blocks(model.fc1.weight), zero_blocks(model.fc2.weight)]
    assert sum(z for z, _ in zero) == round(0.5 * (32 + 12))


# ----------------------------------------------------------------------------- which layers


@pytest.mark.parametrize(("options", "pruned"), [
    ({}, ["conv2", "conv3"]),  # conv1 cannot hold a block, fc is the classifier
    ({"keep": ()}, ["conv2", "conv3", "fc"]),
    ({"keep": ["conv2"]}, ["conv3", "fc"]),  # an explicit keep replaces the default
    ({"keep": "conv2, conv3"}, ["fc"]),
    ({"layers": ["fc"]}, ["fc"]),
    ({"layers": "conv3,conv2", "keep": ["fc"]}, ["conv2", "conv3"]),
])
def test_default_policy_and_names(options, pruned):
    model = cnn()
    assert list(prune(model, **options).layers) == pruned
    assert [n for n, m in model.named_modules() if parametrize.is_parametrized(m)] == pruned


# ----------------------------------------------------------------------------- the gradual schedule


def test_cubic_schedule_follows_zhu_and_gupta():
    schedule = CubicSchedule(final=0.8, steps=10, begin=5, frequency=2, initial=0.1)
    values = [schedule.sparsity_at(t) for t in range(20)]
    assert values[:5] == [0.0] * 5
    assert values[5] == values[6] == pytest.approx(0.1)
    assert values[9] == pytest.approx(0.8 + (0.1 - 0.8) * (1 - 4 / 10) ** 3)
    assert all(a <= b for a, b in zip(values, values[1:]))
    assert schedule.end == 15 and values[14] < 0.8 and values[15:] == [0.8] * 5


def test_gradual_pruning_reaches_its_target_in_an_ordinary_loop():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    pruning = prune(model, sparsity=0.75, schedule="gradual", steps=12, frequency=3)
    assert zero_blocks(model.fc1.weight)[0] == 0  # nothing is pruned before the first step
    seen = []
    for step in range(20):
        train_steps(model, optimizer, 1, seed=step)
        seen.append(zero_blocks(model.fc1.weight)[0])
        model.eval()
        with torch.no_grad():
            model(torch.randn(2, 64))  # evaluation is not a training step
    assert pruning.step == 20
    assert seen == sorted(seen) and len(set(seen[:12])) == 4  # rises every 3 steps, never drops
    assert seen[12:] == [24] * 8  # 75% of 32 blocks from step `end` on
    assert zero_blocks(model.fc2.weight)[0] == 9
    assert pruning.sparsity == 0.75


def test_gradual_pruning_survives_deepcopy_and_finalizes_each_copy():
    model = mlp()
    prune(model, sparsity=0.5, schedule="gradual", steps=4)
    twin = copy.deepcopy(model)
    train_steps(twin, torch.optim.SGD(twin.parameters(), lr=0.05), 6)
    assert zero_blocks(twin.fc1.weight)[0] == 16 and zero_blocks(model.fc1.weight)[0] == 0
    finalize(twin)
    assert not any(isinstance(h, Pruning) for m in twin.modules() for h in m._forward_pre_hooks.values())
    assert any(isinstance(h, Pruning) for h in model._forward_pre_hooks.values())


# ----------------------------------------------------------------------------- finalize


def test_finalize_leaves_plain_parameters_with_exact_zeros():
    model = mlp()
    keys = list(model.state_dict())
    weight = model.fc1.weight
    prune(model, sparsity=0.5, schedule="gradual", steps=3)
    train_steps(model, torch.optim.AdamW(model.parameters(), lr=0.01), 6)
    x = torch.randn(4, 64)
    model.eval()
    with torch.no_grad():
        expected = model(x)
    assert finalize(model) == ["fc1", "fc2"]
    assert not any(parametrize.is_parametrized(m) for m in model.modules())
    assert type(model.fc1) is nn.Linear and model.fc1.weight is weight
    assert sorted(model.state_dict()) == sorted(keys)
    assert not any(isinstance(h, Pruning) for m in model.modules() for h in m._forward_pre_hooks.values())
    assert zero_blocks(model.fc1.weight) == (16, 32) and zero_blocks(model.fc2.weight) == (6, 12)
    assert block_sparsity(model) == {"fc1": 0.5, "fc2": 0.5, "head": 0.0}
    with torch.no_grad():
        assert torch.equal(model(x), expected)
    with pytest.raises(BsparseError, match="no block masks"):
        finalize(model)
    prune(model, sparsity=0.75)  # a finalized model can be pruned again


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("options", "message"), [
    ({"sparsity": 1.0}, r"sparsity must be in \[0, 1\), got 1.0"),
    ({"sparsity": -0.1}, r"sparsity must be in \[0, 1\)"),
    ({"sparsity": "0.5"}, "sparsity must be a number"),
    ({"sparsity": True}, "sparsity must be a number"),
    ({"pattern": "tile:8"}, "unknown sparsity pattern 'tile'"),
    ({"pattern": "block:0x8"}, "block shape must be positive"),
    ({"layers": ["conv1"]}, r"a 8x8 block is larger than layer 'conv1' \(weight 16x1x3x3"),
    ({"pattern": "block:64x64"}, "no layer to prune: a 64x64 block is larger than every Linear and Conv layer"),
    ({"keep": ["conv2", "conv3", "fc"]}, "every layer that can hold a block is kept dense"),
    ({"keep": ["fc9"]}, r"keep names unknown layer\(s\) 'fc9' \(Linear and Conv layers: conv1, conv2, conv3, fc\)"),
    ({"layers": "conv2,relu1"}, r"layers names unknown layer\(s\) 'relu1'"),
    ({"layers": ["fc"], "keep": ["fc"]}, "both in layers and in keep"),
    ({"scope": "net"}, "scope must be one of layer, global"),
    ({"score": "max"}, "score must be one of l2, l1"),
    ({"schedule": "linear"}, "schedule must be one of one-shot, gradual"),
    ({"schedule": "gradual"}, "schedule='gradual' needs steps=N"),
    ({"schedule": "gradual", "steps": 0}, "steps must be an integer >= 1"),
    ({"schedule": "gradual", "steps": 5, "initial_sparsity": 0.6}, "initial_sparsity 0.6 is above the target"),
    ({"steps": 10}, "steps only apply to schedule='gradual'"),
    ({"pattern": "nm:2:4", "sparsity": 0.75}, "nm:2:4 has sparsity 0.5; use nm:1:4 for 0.75"),
    ({"pattern": "nm:2:4", "scope": "global"}, "nm:2:4 cannot prune with scope=global"),
    ({"pattern": "gs:8", "scope": "global"}, "gs:8 cannot prune with scope=global"),
    ({"pattern": "tvw:8", "sparsity": 0.25}, "tvw needs sparsity >= 0.5"),
    ({"pattern": "tvw:8", "sparsity": 0.75, "schedule": "gradual", "steps": 10},
     r"schedule='gradual' first sets sparsity 0.2032 \(step 1\), which tvw:8 cannot take: tvw needs sparsity >= 0.5"),
    ({"pattern": "nm:1:4", "sparsity": 0.75, "schedule": "gradual", "steps": 10}, "nm:1:4 has a fixed sparsity"),
    ({"pattern": "gs:16", "layers": ["conv1"]}, r"gs:16 does not fit layer 'conv1' \(weight 16x1x3x3"),
    ({"pattern": "nm:2:16", "sparsity": 0.875, "keep": ["conv2", "conv3", "fc"]}, "every layer that nm:2:16 fits is kept dense"),
    ({"pattern": 3}, "pattern must be a pattern string"),
])
def test_bad_arguments_raise_before_changing_the_model(options, message):
    model = cnn()
    with pytest.raises(OptionError, match=message):
        prune(model, **options)
    assert not any(parametrize.is_parametrized(m) for m in model.modules())
    assert not model._forward_pre_hooks


def test_pruning_twice_asks_for_finalize():
    model = mlp()
    prune(model)
    with pytest.raises(OptionError, match="already pruned .*call finalize first"):
        prune(model, sparsity=0.75)


# ----------------------------------------------------------------------------- the compiler hand-off


def test_compiler_skips_the_blocks_training_zeroed():
    model = cnn()
    prune(model, sparsity=0.5, keep=())
    finalize(model)
    zeros = block_sparsity(model)
    x = torch.randn(1, 1, 4, 4)
    program = bsparse.compile(model, x, sparsity=None, until="pack", progress=False)
    stored = {row.name: row.stored_blocks / row.total_blocks for row in program.packed_weights()}
    assert stored == {name: 1.0 - zeros[name] for name in ("conv1", "conv2", "conv3", "fc")}
    (out,), report = program.run(x)
    with torch.no_grad():
        np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-5, atol=1e-5)
    ratios = {layer.name: layer.macs / layer.macs_dense for layer in report.layers if layer.macs_dense}
    assert ratios["conv1"] == 1.0 and ratios["conv2"] == ratios["conv3"] == 0.5  # grouped conv3 included
    assert ratios["fc"] < 0.55  # 10 rows: the half-empty edge block row costs only its real rows
    assert report.macs < 0.6 * report.macs_dense


def test_digits_mlp_meets_the_acceptance_criterion():
    pytest.importorskip("sklearn", reason="the digits data ship with scikit-learn (pip install 'bsparse[train]')")
    from bsparse.training import digits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        data = digits.load_digits()
        base = digits.train(digits.make_model("mlp", 0), data, 30, seed=0)
        dense = digits.accuracy(digits.fine_tune(copy.deepcopy(base), data, 20, seed=1000), data)
        for sparsity, limit in ((0.5, 1.5), (0.75, 3.0)):
            model = digits.fine_tune(copy.deepcopy(base), data, 20, 1000, sparsity, "gradual")
            assert dense - digits.accuracy(model, data) <= limit
            assert block_sparsity(model) == {"fc1": sparsity, "fc2": sparsity, "fc3": 0.0}
        x = data.test_x[:1]
        _, report = bsparse.compile(model, x, sparsity=None, until="pack", progress=False).run(x)
        assert {layer.name: layer.macs / layer.macs_dense for layer in report.layers} == {
            "fc1": 0.25, "fc2": 0.25, "fc3": 1.0}
    finally:
        torch.set_num_threads(threads)


# ----------------------------------------------------------------------------- every other pattern
#
# The definitions are checked on the GEMM view [out, K] (K ordered (*window, in), built by loops) with
# explicit loops, independently of bsparse.patterns; TVW's TW step is TileWisePattern's (checked as TW).


def tw_structure(a: np.ndarray, sparsity: float, tile: int) -> None:
    """Whole zero channels, then whole zero K-vectors of tiles of `tile` surviving channels, as the even split."""
    share = 1 - math.sqrt(1 - sparsity)
    alive = a.any(axis=1)
    assert (~alive).sum() == round(share * len(a))
    channels = np.flatnonzero(alive)
    vectors = zero_vectors = 0
    for start in range(0, len(channels), tile):
        cells = a[channels[start:start + tile]] != 0
        columns = cells.any(axis=0)
        assert np.array_equal(cells, np.broadcast_to(columns, cells.shape))
        vectors, zero_vectors = vectors + len(columns), zero_vectors + int((~columns).sum())
    assert zero_vectors == round(share * vectors)


def satisfies(pattern: str, sparsity: float, weight, dense) -> None:
    """`weight` (pruned, maybe trained since) has exactly the structure `pattern` at `sparsity` defines."""
    a, d = gemm_view(weight), gemm_view(dense)
    name, _, params = pattern.partition(":")
    if name == "unstructured":
        assert (a == 0).sum() == round(sparsity * a.size)
    elif name == "nm":
        n, m = map(int, params.split(":"))
        for row in a:
            for start in range(0, len(row), m):
                assert np.count_nonzero(row[start:start + m]) == min(n, len(row[start:start + m]))
    elif name == "gs":
        banks = int(params)
        kept = round((1 - sparsity) * -(-a.shape[1] // banks))
        for row in a:
            assert [np.count_nonzero(row[b::banks]) for b in range(banks)] == [min(kept, len(row[b::banks])) for b in range(banks)]
    elif name == "tw":
        tw_structure(a, sparsity, int(params))
    elif name == "tvw":
        tile = int(params)
        t = gemm_view(TileWisePattern(tile).prune(dense if isinstance(dense, np.ndarray) else dense.numpy(), 2 * sparsity - 1))
        tw_structure(t, 2 * sparsity - 1, tile)
        assert not np.any(a[t == 0])
        channels = np.flatnonzero(t.any(axis=1))
        for start in range(0, len(channels), tile):
            rows = channels[start:start + tile]
            kept = np.flatnonzero(t[rows].any(axis=0))
            for row in rows:
                for g in range(0, len(kept), 4):
                    assert np.count_nonzero(a[row, kept[g:g + 4]]) == min(2, len(kept[g:g + 4]))
    else:
        raise AssertionError(pattern)
    assert d.shape == a.shape


PATTERN_CASES = [
    ("unstructured", 0.5), ("unstructured", 0.75), ("nm:2:4", 0.5), ("nm:1:4", 0.75), ("tw:8", 0.5), ("tw:8", 0.75),
    ("tvw:8", 0.5), ("tvw:8", 0.75), ("gs:8", 0.5), ("gs:8", 0.75),
]


@pytest.mark.parametrize(("pattern", "sparsity"), PATTERN_CASES)
def test_every_pattern_trains_finalizes_and_compiles_to_its_format(pattern, sparsity):
    model = mlp()
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.5)
    dense = {name: getattr(model, name).weight.detach().numpy().copy() for name in ("fc1", "fc2")}
    pruning = prune(model, pattern, sparsity)
    assert list(pruning.layers) == ["fc1", "fc2"] and pruning.sparsity == sparsity
    for name, weight in dense.items():
        np.testing.assert_array_equal(getattr(model, name).weight.detach().numpy(), parse_pattern(pattern).prune(weight, sparsity))
        satisfies(pattern, sparsity, getattr(model, name).weight, weight)
    masks = {name: getattr(model, name).parametrizations.weight[0].mask.clone() for name in dense}
    train_steps(model, optimizer, 5)
    for name, weight in dense.items():
        layer = getattr(model, name)
        assert layer.parametrizations.weight[0].mask.equal(masks[name])
        assert torch.count_nonzero(layer.weight[~masks[name]]) == 0  # exact zeros
        assert not np.allclose(layer.weight.detach().numpy()[masks[name].numpy()], weight[masks[name].numpy()])  # trained
        satisfies(pattern, sparsity, layer.weight, weight)
    assert finalize(model) == ["fc1", "fc2"]
    x = torch.randn(3, 64, generator=torch.Generator().manual_seed(1))
    program = bsparse.compile(model, x, pattern=pattern, sparsity=None, until="pack", progress=False)
    packed = program.stages["packed"]
    canonical = str(parse_pattern(pattern))
    assert packed.count('"bsparse.packed_sparse"') == 2 and packed.count(f'"{canonical}", f32>') >= 2  # fc1, fc2
    assert packed.count('"bsparse.packed_weight"') == 1  # the dense classifier: its format would store no fewer values
    (out,), report = program.run(x)
    model.eval()
    with torch.no_grad():
        np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-5, atol=1e-5)
    assert report.macs < report.macs_dense


def test_nm_groups_a_convs_input_channels_per_kernel_tap():
    """On a conv, N:M groups run along K = (tap, channel), channel fastest; the compiled conv matches."""
    model = cnn()
    dense = {name: getattr(model, name).weight.detach().numpy().copy() for name in ("conv2", "conv3")}
    prune(model, "nm:2:4", 0.5)
    for name, weight in dense.items():
        satisfies("nm:2:4", 0.5, getattr(model, name).weight, weight)
        a, d = gemm_view(getattr(model, name).weight), np.abs(gemm_view(weight))
        for row_a, row_d in zip(a, d):  # the two largest of each group survive
            for start in range(0, len(row_a), 4):
                kept = row_a[start:start + 4] != 0
                assert row_d[start:start + 4][~kept].max() <= row_d[start:start + 4][kept].min()
    finalize(model)
    x = torch.randn(1, 1, 4, 4)
    program = bsparse.compile(model, x, pattern="nm:2:4", sparsity=None, until="pack", progress=False)
    assert program.stages["packed"].count('"nm:2:4", f32>') >= 2
    (out,), _ = program.run(x)
    with torch.no_grad():
        np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-5, atol=1e-5)


def test_global_unstructured_ranks_all_layers_together():
    model = mlp()
    dense = np.concatenate([getattr(model, name).weight.detach().numpy().ravel() for name in ("fc1", "fc2")])
    prune(model, "unstructured", 0.6, scope="global")
    pruned = np.concatenate([getattr(model, name).weight.detach().numpy().ravel() for name in ("fc1", "fc2")])
    kept = pruned != 0
    assert (~kept).sum() == round(0.6 * pruned.size)
    assert np.abs(dense[~kept]).max() <= np.abs(dense[kept]).min()
    assert np.mean(model.fc1.weight.detach().numpy() == 0) != np.mean(model.fc2.weight.detach().numpy() == 0)


def test_gradual_unstructured_follows_the_cubic_ramp_and_never_brings_a_weight_back():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    prune(model, "unstructured", 0.75, schedule="gradual", steps=6, frequency=2)
    size = model.fc1.weight.numel()
    previous = torch.ones_like(model.fc1.weight, dtype=torch.bool)
    for step in range(9):
        train_steps(model, optimizer, 1, seed=step)
        done = min(step // 2 * 2, 6)  # Zhu & Gupta: s_t = s_f (1 - (1 - t / n)^3), t a multiple of the frequency
        expected = 0.75 * (1 - (1 - done / 6) ** 3)
        kept = model.fc1.weight != 0
        assert (~kept).sum() == round(expected * size)
        assert not torch.any(kept & ~previous)  # a masked weight stays masked
        previous = kept
    satisfies("unstructured", 0.75, model.fc2.weight, model.fc2.weight)


@pytest.mark.parametrize(("pattern", "options"), [
    ("gs:8", {}), ("tw:8", {}), ("tvw:8", {"initial_sparsity": 0.5}),
])
def test_gradual_non_block_patterns_end_at_their_definition(pattern, options):
    model = mlp()
    pruning = prune(model, pattern, 0.75, schedule="gradual", steps=4, **options)
    train_steps(model, torch.optim.SGD(model.parameters(), lr=0.05), 6)
    assert pruning.sparsity == 0.75
    for name in ("fc1", "fc2"):
        weight = getattr(model, name).weight
        if pattern.startswith("tvw"):  # TW at 2 * 0.75 - 1 = 0.5 zeroes whole channels, then 2:4 per tile
            np.testing.assert_array_equal(weight.detach().numpy() != 0, getattr(model, name).parametrizations.weight[0].mask)
            a = gemm_view(weight)
            alive = a.any(axis=1)
            assert (~alive).sum() == round((1 - math.sqrt(0.5)) * len(a))
            channels = np.flatnonzero(alive)
            for start in range(0, len(channels), 8):  # the channels of a tile share its kept K, so 2:4 leaves them equal counts
                assert len(set(np.count_nonzero(a[channels[start:start + 8]], axis=1))) == 1
            assert 0.65 <= np.mean(a == 0) <= 0.8  # about 0.75: a tile's last 2:4 group may be partial (keeps min(2, len))
        else:
            satisfies(pattern, 0.75, weight, weight)


def test_nm_is_one_shot_only():
    model = mlp()
    with pytest.raises(OptionError, match=r"nm:2:4 has a fixed sparsity \(0.5\): schedule='gradual'"):
        prune(model, "nm:2:4", 0.5, schedule="gradual", steps=10)
    assert not any(parametrize.is_parametrized(m) for m in model.modules())


def test_block_sparsity_counts_blocks_only():
    with pytest.raises(OptionError, match="not a block pattern"):
        block_sparsity(mlp(), "nm:2:4")


def test_pattern_mask_reports_kept_weights():
    model = mlp()
    prune(model, "nm:2:4", 0.5)
    assert "nm:2:4, kept 1024/2048 weights" in repr(model.fc1.parametrizations.weight[0])  # fc1 32x64, half kept
    model = mlp()
    prune(model, "block:8x8", 0.5)
    assert "block:8x8, kept 16/32 blocks" in repr(model.fc1.parametrizations.weight[0])  # 4 x 8 blocks


def test_sparsity_zero_masks_nothing_whatever_the_pattern():
    model = mlp()
    dense = model.fc1.weight.detach().clone()
    pruning = prune(model, "nm:2:4", 0.0)
    assert pruning.sparsity == 0.0 and bool(model.fc1.parametrizations.weight[0].mask.all())
    assert torch.equal(model.fc1.weight, dense)
