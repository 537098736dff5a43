"""Pipeline text parsing and pass-option validation."""

import re

import pytest

from bsparse.errors import OptionError
from bsparse.pipeline import Anchor, PassElement, build_pass_manager, parse_pipeline


def test_parse_nested_pipeline_with_options():
    root = parse_pipeline("builtin.module(bsparse-pack{block=4x2}, func.func(canonicalize{max-iterations=3}), cse)")
    assert root.name == "builtin.module"
    pack, nested, cse = root.elements
    assert pack == PassElement("bsparse-pack", {"block": "4x2"}, "block=4x2")
    assert isinstance(nested, Anchor) and nested.name == "func.func"
    assert nested.elements[0].options == {"max-iterations": "3"}
    assert cse.name == "cse"
    assert root.text() == "builtin.module(bsparse-pack{block=4x2},func.func(canonicalize{max-iterations=3}),cse)"


def test_bare_list_is_anchored_on_module():
    root = parse_pipeline("bsparse-pack,cse")
    assert root.name == "builtin.module" and [e.name for e in root.elements] == ["bsparse-pack", "cse"]


def test_quoted_and_braced_option_values():
    element = parse_pipeline('x{a="hello world" b={1,2} c}').elements[0]
    assert element.options == {"a": "hello world", "b": "{1,2}", "c": "true"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("builtin.module(cse", "expected ')'"),
        ("cse,", "expected a pass or op name"),
        ("cse{a=1", "unterminated option list"),
        ("cse)", "unexpected ')'"),
    ],
)
def test_malformed_pipeline_text(text, message):
    with pytest.raises(OptionError, match=re.escape(message)):
        parse_pipeline(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bsparse-pack{block=0x8}", "invalid value for option 'block' of pass 'bsparse-pack'"),
        ("bsparse-pack{sparsity=0.5}", "has no option 'sparsity'"),
        ("no-such-pass", "does not refer to a registered pass"),
        ("func.func(bsparse-pack)", "move it out of 'func.func"),
    ],
)
def test_invalid_pipelines(ctx, text, message):
    with pytest.raises(OptionError, match=message):
        build_pass_manager(text, ctx)


def test_mixed_pipeline_builds(ctx):
    _, passes = build_pass_manager("builtin.module(bsparse-pack{block=4x4},canonicalize,cse)", ctx)
    assert [p.NAME for p in passes] == ["bsparse-pack"] and passes[0].block.block == (4, 4)
