"""The checked-in dialects/ files match what the Python definitions generate."""

from pathlib import Path

from bsparse.tools.gen_dialects import generate

DIALECTS = Path(__file__).resolve().parents[2] / "dialects"


def test_generated_dialect_files_are_current():
    stale = [name for name, text in generate().items() if (DIALECTS / name).read_text(encoding="utf-8") != text]
    assert not stale, f"stale: {stale}; run tools/gen-dialects"
