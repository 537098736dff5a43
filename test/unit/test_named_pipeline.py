"""bsparse-compile: expansion by stage, option forwarding and validation."""

from __future__ import annotations

import pytest

from bsparse.errors import OptionError
from bsparse.passes import PASSES
from bsparse.patterns import BlockPattern, parse_pattern
from bsparse.pipeline import NAMED_PIPELINES, build_pass_manager, expand_named_pipelines, parse_pipeline

COMPILE = NAMED_PIPELINES["bsparse-compile"]


def expanded(text: str) -> list[str]:
    return [element.text() for element in expand_named_pipelines(parse_pipeline(text).elements)]


@pytest.mark.parametrize(
    ("text", "passes"),
    [
        ("bsparse-compile{until=sparsify}",
         ["bsparse-sparsify{pattern=block:8x8 sparsity=0.5 scope=layer score=l2 keep-small=true}"]),
        ("bsparse-compile{until=pack pattern=block:4x2 sparsity=0.25 scope=global keep=conv1,fc keep-small=false}",
         ["bsparse-sparsify{pattern=block:4x2 sparsity=0.25 scope=global score=l2 keep=conv1,fc keep-small=false}",
          "bsparse-pack{block=4x2 strict=false}", "canonicalize", "cse"]),
        ("bsparse-compile{until=pack sparsity=none}", ["bsparse-pack{block=8x8 strict=false}", "canonicalize", "cse"]),
        ("cse,bsparse-compile{sparsity=none target=aie2-4x4 dtype=bf16},canonicalize",
         ["cse", "bsparse-pack{block=8x8 strict=false}", "canonicalize", "cse", "bsparse-partition{target=aie2-4x4 assign=any}",
          "bsparse-fuse-elementwise", "bsparse-to-aie{target=aie2-4x4 dtype=bf16 strict=false}", "canonicalize"]),
        ("bsparse-compile{sparsity=none until=partition assign=ranges}",
         ["bsparse-pack{block=8x8 strict=false}", "canonicalize", "cse", "bsparse-partition{target=aie2-ve2802 assign=ranges}"]),
        # a non-block pattern: sparsify to it, pack what its format holds in fewer values, the rest in 8x8 blocks
        ("bsparse-compile{pattern=nm:2:4 until=pack}",
         ["bsparse-sparsify{pattern=nm:2:4 sparsity=0.5 scope=layer score=l2 keep-small=true}",
          "bsparse-pack{block=8x8 pattern=nm:2:4 strict=false}", "canonicalize", "cse"]),
        ("bsparse-compile{pattern=nm sparsity=0.5 until=pack}",  # canonical: the defaults spelled out
         ["bsparse-sparsify{pattern=nm:2:4 sparsity=0.5 scope=layer score=l2 keep-small=true}",
          "bsparse-pack{block=8x8 pattern=nm:2:4 strict=false}", "canonicalize", "cse"]),
        ("bsparse-compile{pattern=nm:1:4 sparsity=0.75 keep=fc until=sparsify}",
         ["bsparse-sparsify{pattern=nm:1:4 sparsity=0.75 scope=layer score=l2 keep=fc keep-small=true}"]),
        ("bsparse-compile{pattern=unstructured sparsity=0.9 scope=global until=pack}",
         ["bsparse-sparsify{pattern=unstructured sparsity=0.9 scope=global score=l2 keep-small=true}",
          "bsparse-pack{block=8x8 pattern=unstructured strict=false}", "canonicalize", "cse"]),
        ("bsparse-compile{pattern=tw sparsity=0.5 until=pack}",
         ["bsparse-sparsify{pattern=tw:128 sparsity=0.5 scope=layer score=l2 keep-small=true}",
          "bsparse-pack{block=8x8 pattern=tw:128 strict=false}", "canonicalize", "cse"]),
        ("bsparse-compile{pattern=tvw:16 sparsity=0.75 until=pack}",
         ["bsparse-sparsify{pattern=tvw:16 sparsity=0.75 scope=layer score=l2 keep-small=true}",
          "bsparse-pack{block=8x8 pattern=tvw:16 strict=false}", "canonicalize", "cse"]),
        ("bsparse-compile{pattern=gs:4 sparsity=none until=partition target=aie2-2x2}",
         ["bsparse-pack{block=8x8 pattern=gs:4 strict=false}", "canonicalize", "cse",
          "bsparse-partition{target=aie2-2x2 assign=any}"]),
    ],
)
def test_expansion(text, passes):
    assert expanded(text) == passes


def test_stages_and_results_up_to_until():
    bound = COMPILE.bind({"until": "partition"})
    assert [(stage.name, stage.result) for stage, _ in bound.stages()] == [
        ("sparsify", "sparsified"), ("pack", "packed"), ("partition", "partitioned")]


def test_every_stage_pass_is_registered_or_upstream():
    for stage in COMPILE.stages:
        for step in stage.steps:
            assert step.upstream or step.name.startswith("bsparse-")


@pytest.mark.skipif("bsparse-to-aie" not in PASSES, reason="pass 'bsparse-to-aie' is not registered yet")
def test_default_builds_every_pass(ctx):
    _, passes = build_pass_manager("bsparse-compile{target=aie2-2x2}", ctx)
    assert [p.NAME for p in passes] == ["bsparse-sparsify", "bsparse-pack", "bsparse-partition", "bsparse-fuse-elementwise",
                                        "bsparse-to-aie"]
    assert passes[1].block.block == (8, 8)


def test_missing_pass_fails_only_when_reached(monkeypatch, ctx):
    monkeypatch.delitem(PASSES, "bsparse-partition", raising=False)
    build_pass_manager("bsparse-compile{until=pack}", ctx)
    with pytest.raises(OptionError, match=r"pass 'bsparse-partition' \(stage 'partition'\) is not available; "
                                          r"stop before it with until=pack"):
        build_pass_manager("bsparse-compile", ctx)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("block=8x8", "pipeline 'bsparse-compile' has no option 'block'"),
        ("sparsity=1", "invalid value for option 'sparsity' of pipeline 'bsparse-compile': 1 is not in [0, 1)"),
        ("pattern=block:8", "invalid value for option 'pattern' of pipeline 'bsparse-compile'"),
        ("target=nope", "unknown target 'nope'"),
        ("dtype=f64", "unknown data type 'f64'"),
        ("scope=row", "expected one of layer, global, got 'row'"),
        ("until=lower", "expected one of sparsify, pack, partition, aie, got 'lower'"),
        ("sparsity=none keep=fc", "keep= has no effect with sparsity=none"),
        ("pattern=tile:4", "invalid value for option 'pattern' of pipeline 'bsparse-compile': unknown sparsity pattern 'tile'"),
        ("pattern=nm:2:4 sparsity=0.75", "pipeline 'bsparse-compile': nm:2:4 has sparsity 0.5; use nm:1:4 for 0.75"),
        ("pattern=nm:2:4 scope=global", "pipeline 'bsparse-compile': nm:2:4 cannot prune with scope=global"),
        ("pattern=gs scope=global", "pipeline 'bsparse-compile': gs:8 cannot prune with scope=global"),
        ("pattern=tvw sparsity=0.25", "pipeline 'bsparse-compile': tvw needs sparsity >= 0.5"),
        ("pattern=unstructured:2", "unstructured pattern takes no parameters"),
    ],
)
def test_bad_options(ctx, options, message):
    with pytest.raises(OptionError) as info:
        build_pass_manager(f"bsparse-compile{{{options}}}", ctx)
    assert message in str(info.value)


@pytest.mark.parametrize("pattern", ["nm:2:4", "tvw:8", "gs"])
def test_pattern_checks_wait_for_a_sparsity(ctx, pattern):
    """With sparsity=none nothing is pruned: any pattern only chooses how the program's own zeros are packed."""
    _, passes = build_pass_manager(f"bsparse-compile{{pattern={pattern} sparsity=none scope=global until=pack}}", ctx)
    assert [p.NAME for p in passes] == ["bsparse-pack"]
    assert passes[0].pattern == parse_pattern(pattern) and passes[0].block.block == (8, 8)


def test_pack_gets_the_block_shape_of_a_block_pattern_and_no_sparse_pattern(ctx):
    _, passes = build_pass_manager("bsparse-compile{pattern=block:4x2 until=pack}", ctx)
    assert [p.NAME for p in passes] == ["bsparse-sparsify", "bsparse-pack"]
    assert passes[0].pattern == BlockPattern(4, 2)
    assert passes[1].block.block == (4, 2) and passes[1].pattern is None


# ----------------------------------------------------------------------------- options declared once


def _pass_options(step):
    return {field.name.replace("_", "-"): field for field in PASSES[step.name].options()}


def test_every_pipeline_option_is_a_pass_option_forwarded_with_its_parser():
    """Each bsparse-compile option (but until=) reaches a pass option of its name, parsed by that option's
    parser of one of them (sparsity= adds none) and, where one pass declares it alone, with its default and help."""
    forwarded = {}
    for stage in COMPILE.stages:
        for step in stage.steps:
            for name in step.forward:
                assert name in _pass_options(step), (step.name, name)
                forwarded.setdefault(name, []).append(_pass_options(step)[name])
    options = {option.name: option for option in COMPILE.options}
    assert set(forwarded) == set(options)
    for name, option in options.items():
        fields = forwarded[name]
        if name != "sparsity":
            assert any(option.parse is f.metadata["parse"] for f in fields), name
        if len(fields) == 1 and name != "sparsity":
            assert option.help == fields[0].metadata["help"], name
            assert option.default == fields[0].metadata["show"](fields[0].default), name
    assert options["target"].default == PASSES["bsparse-to-aie"]().target


@pytest.mark.parametrize(
    "text",
    ["bsparse-sparsify{pattern=tvw:16 sparsity=0.75 scope=layer score=l1 keep=a,b keep-small=false}",
     "bsparse-pack{block=4x2 strict=false}", "bsparse-pack{block=8x8 pattern=gs:4 strict=false}",
     "bsparse-partition{target=aie2-2x2 assign=ranges}", "bsparse-to-aie{target=aie1-vc1902 dtype=i16 strict=false}"],
)
def test_pass_text_reads_back_into_an_equal_pass(text):
    element = parse_pipeline(text).elements[0]
    built = PASSES[element.name].from_options(element.options)
    assert built.text() == text
    again = parse_pipeline(built.text()).elements[0]
    assert PASSES[again.name].from_options(again.options) == built


def test_pack_block_pattern_is_the_block_shape():
    pack = PASSES["bsparse-pack"]
    assert pack.from_options({"pattern": "block:4x2"}) == pack.from_options({"block": "4x2"})
    assert pack.from_options({"pattern": "block:4x2", "block": "4x2"}).text() == "bsparse-pack{block=4x2 strict=false}"
    with pytest.raises(OptionError, match=r"pass 'bsparse-pack': block=2x2 contradicts pattern=block:4x2"):
        pack.from_options({"pattern": "block:4x2", "block": "2x2"})


def test_command_line_arguments_are_the_pipeline_options():
    from bsparse.tools.cli import build_parser

    compile_parser = build_parser()._subparsers._group_actions[0].choices["compile"]
    flags = {flag for action in compile_parser._actions for flag in action.option_strings}
    for option in COMPILE.all_options():
        assert f"--{option.name}" in flags or f"--no-{option.name}" in flags, option.name
