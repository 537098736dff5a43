"""Target data files: every target loads with sources, derived numbers match HARDWARE.md."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from bsparse import targets
from bsparse.targets import generate_seed_meshes
from bsparse.targets.target import param_fields

KB = 1024
GHZ = 1e9
TERA = 1e12
SEED_SIZES = range(2, 9)
SEED_CITATION = "Weight Block Sparsity, D'Alberto et al. 2024, authors' timing model, {i}x{i} mesh"
REFERENCE_TARGETS = ["aie1-vc1902", "aie2-phoenix", "aie2-ve2802"]
TARGET_DIR = Path(targets.__file__).parent


def _seed_names() -> list[str]:
    return [f"aie2-{i}x{i}" for i in SEED_SIZES]


# --- every target ------------------------------------------------------------------


def test_names_are_sorted_and_complete() -> None:
    assert targets.names() == sorted(REFERENCE_TARGETS + _seed_names())
    assert targets.DEFAULT_TARGET in targets.names()


@pytest.mark.parametrize("name", targets.names())
def test_target_loads_with_a_source_for_every_parameter(name: str) -> None:
    target = targets.get(name)
    assert target.name == name
    assert target.description.strip()
    keys = target.parameters().keys()
    assert keys == target.sources.keys()
    for key in keys:
        assert target.source(key).strip(), key
    assert set(target.assumptions()) <= set(keys)


@pytest.mark.parametrize("name", targets.names())
def test_describe_lists_every_parameter_with_value_and_source(name: str) -> None:
    target = targets.get(name)
    text = target.describe()
    for key in target.parameters():
        line = next(line for line in text.splitlines() if line.split()[:1] == [key])
        assert target.source(key) in line
        assert ("[assumption]" in line) == target.is_assumption(key)


@pytest.mark.parametrize("name", targets.names())
def test_l1_budget_fits_l1(name: str) -> None:
    target = targets.get(name)
    assert 0 < target.l1_budget_bytes <= target.l1_bytes


def test_get_caches_and_defaults() -> None:
    assert targets.get("aie2-4x4") is targets.get("aie2-4x4")
    assert targets.get() is targets.get(targets.DEFAULT_TARGET)


def test_unknown_target_lists_known_names() -> None:
    with pytest.raises(targets.UnknownTargetError) as info:
        targets.get("aie3-imaginary")
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "aie3-imaginary" in message
    for name in targets.names():
        assert name in message


def test_targets_are_frozen_and_hashable() -> None:
    target = targets.get("aie2-ve2802")
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.cols = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        target.macs_per_cycle["i8"] = 1  # type: ignore[index]
    assert hash(target) == hash(targets.load_file(TARGET_DIR / "aie2-ve2802.toml"))


def test_replace_revalidates() -> None:
    target = targets.get("aie2-ve2802")
    faster = dataclasses.replace(target, clock_hz=2 * GHZ)
    assert faster.peak_ops_per_s("i8") == pytest.approx(
        2 * GHZ / target.clock_hz * target.peak_ops_per_s("i8")
    )
    with pytest.raises(targets.InvalidTargetError, match="'cols'"):
        dataclasses.replace(target, cols=0)


# --- reference devices against HARDWARE.md's arithmetic ------------------------------


def test_ve2802_matches_published_figures() -> None:
    target = targets.get("aie2-ve2802")
    cols, compute_rows, memtile_rows = 38, 8, 2  # mlir-aie VE2802TargetModel
    assert target.num_cores == cols * compute_rows == 304
    assert target.num_memtiles == cols * memtile_rows == 76
    peak_i8 = 304 * 256 * 2 * 1.25 * GHZ  # AM020 256 int8 MACs, 1.25 GHz
    assert target.peak_ops_per_s("i8") == pytest.approx(peak_i8)
    assert target.peak_ops_per_s("i8") == pytest.approx(194.6 * TERA, rel=1e-3)
    assert target.peak_ops_per_s("bf16") == pytest.approx(97.3 * TERA, rel=1e-3)
    # GAMA: 165 TOPS int8 is "85% of peak".
    assert 165 * TERA / target.peak_ops_per_s("i8") == pytest.approx(0.85, abs=0.005)
    assert target.num_cores * target.l1_bytes == 304 * 64 * KB
    assert target.num_memtiles * target.l2_bytes == 76 * 512 * KB
    shim_read = target.shim_columns * target.shim_channels_in * target.shim_bytes_per_cycle
    assert shim_read * target.clock_hz == pytest.approx(120e9)  # 12 x 10 GB/s


def test_phoenix_is_the_exposed_16_core_npu1_array() -> None:
    target = targets.get("aie2-phoenix")
    assert (target.cols, target.core_rows, target.memtile_rows) == (4, 4, 1)
    assert target.num_cores == 16
    assert target.num_memtiles == 4
    assert target.peak_ops_per_s("i8") == pytest.approx(8.2 * TERA, rel=0.01)
    # Same AIE-ML tile as the VE2802.
    ve2802 = targets.get("aie2-ve2802")
    assert target.macs_per_cycle == ve2802.macs_per_cycle
    assert target.l1_bytes == ve2802.l1_bytes


def test_vc1902_matches_published_figures() -> None:
    target = targets.get("aie1-vc1902")
    assert target.family == "aie1"
    assert target.num_cores == 50 * 8 == 400
    assert target.num_memtiles == 0 and target.l2_bytes == 0
    # MaxEVA abstract: 128 TOPS int8, 8 TFLOPS fp32 at 1.25 GHz.
    assert target.peak_ops_per_s("i8") == pytest.approx(128 * TERA)
    assert target.peak_ops_per_s("f32") == pytest.approx(8 * TERA)
    assert target.num_cores * target.l1_bytes == 400 * 32 * KB


def test_fp32_is_emulated_on_aie_ml() -> None:
    target = targets.get("aie2-ve2802")
    assert "f32" not in target.macs_per_cycle
    with pytest.raises(targets.UnsupportedDtypeError, match="emulated"):
        target.macs_per_cycle_for("f32")
    assert target.macs_per_cycle_for("f32", allow_emulated=True) == 42 // 2  # AM020: 42 ops
    assert "EMULATION" in target.source("emulated_macs_per_cycle.f32")
    vc1902 = targets.get("aie1-vc1902")
    assert vc1902.macs_per_cycle_for("f32") == 8
    with pytest.raises(targets.UnsupportedDtypeError, match="bf16"):
        vc1902.macs_per_cycle_for("bf16", allow_emulated=True)


@pytest.mark.parametrize("name", REFERENCE_TARGETS)
def test_reference_devices_flag_unverified_values(name: str) -> None:
    target = targets.get(name)
    for key in (
        "ddr_read_bytes_per_s",
        "kernel_call_overhead_cycles",
        "block_index_overhead_cycles",
        "dma_setup_cycles",
        "l1_weight_bytes",
    ):
        assert target.is_assumption(key), key
        assert "no primary source" in target.source(key), key
    for key in ("cols", "clock_hz", "macs_per_cycle.i8", "l1_bytes"):
        assert not target.is_assumption(key), key
    assert target.ddr_transfers_overlap
    assert 0.5 <= target.kernel_efficiency < 1


def test_source_of_unknown_parameter_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="clock_hz"):
        targets.get("aie2-ve2802").source("clock_mhz")


# --- the seed paper's meshes -----------------------------------------------------


@pytest.mark.parametrize("i", SEED_SIZES)
def test_seed_mesh_has_the_papers_parameters(i: int) -> None:
    target = targets.get(f"aie2-{i}x{i}")
    assert target.num_cores == i * i
    assert target.num_memtiles == i
    assert target.clock_hz == 1 * GHZ
    assert target.macs_per_cycle_for("i8") == 256
    assert target.kernel_efficiency == 1.0
    assert target.l1_bytes == 64 * KB and target.l1_banks == 8
    assert (
        target.l1_misc_bytes,
        target.l1_input_bytes,
        target.l1_output_bytes,
        target.l1_weight_bytes,
    ) == (1 * KB, 8 * KB, 8 * KB, 16 * KB)
    assert target.l1_double_buffer
    assert target.l1_budget_bytes == (1 + 2 * 8 + 2 * 8 + 16) * KB
    assert target.l2_bytes == 512 * KB
    assert target.ddr_read_bytes_per_s == i * 2 * 4 * GHZ and target.ddr_write_bytes_per_s == i * 8 * GHZ
    assert target.shim_channels_in == 2 and target.shim_bytes_per_cycle * target.clock_hz == 4 * GHZ
    assert not target.ddr_transfers_overlap
    assert target.stream_bytes_per_cycle * target.clock_hz == 4 * GHZ
    overheads = (
        target.kernel_call_overhead_cycles,
        target.block_index_overhead_cycles,
        target.dma_setup_cycles,
    )
    assert overheads == (0, 0, 0)
    citation = SEED_CITATION.format(i=i)
    assert citation in target.description
    for key in (
        "cols",
        "clock_hz",
        "macs_per_cycle.i8",
        "kernel_efficiency",
        "l1_weight_bytes",
        "ddr_read_bytes_per_s",
        "ddr_transfers_overlap",
    ):
        assert target.source(key).startswith(citation), key
        assert not target.is_assumption(key), key


@pytest.mark.parametrize("i", SEED_SIZES)
def test_seed_mesh_files_match_the_template(i: int) -> None:
    path = TARGET_DIR / f"{generate_seed_meshes.mesh_name(i)}.toml"
    assert path.read_text(encoding="utf-8") == generate_seed_meshes.render(i)
    assert list(generate_seed_meshes.SEED_MESH_SIZES) == list(SEED_SIZES)


# --- validation of malformed files ------------------------------------------------


def _blocks(text: str) -> list[str]:
    return text.split("\n\n")


def _edit(tmp_path: Path, key: str, new_block: str | None, stem: str = "broken") -> Path:
    """Copies the VE2802 file with the [key] block replaced (or removed, if None)."""
    blocks = _blocks((TARGET_DIR / "aie2-ve2802.toml").read_text(encoding="utf-8"))
    heads = (f"[{key}]\n", f"{key} = ")
    index = next(n for n, block in enumerate(blocks) if block.startswith(heads))
    if new_block is None:
        del blocks[index]
    else:
        blocks[index] = new_block
    path = tmp_path / f"{stem}.toml"
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return path


def test_load_file_names_the_target_after_the_file(tmp_path: Path) -> None:
    path = _edit(tmp_path, "cols", '[cols]\nvalue = 38\nsource = "copy"', stem="my-array")
    target = targets.load_file(path)
    assert target.name == "my-array"
    assert target.source("cols") == "copy"
    # Equality compares values, not names' sources.
    assert dataclasses.replace(target, name="aie2-ve2802") == targets.get("aie2-ve2802")


@pytest.mark.parametrize(
    ("key", "block", "field", "message"),
    [
        ("clock_hz", None, "clock_hz", "missing"),
        ("cols", '[cols]\nvalue = 0\nsource = "x"', "cols", "must be positive"),
        ("cols", '[cols]\nvalue = -3\nsource = "x"', "cols", "must be positive"),
        ("cols", '[cols]\nvalue = "38"\nsource = "x"', "cols", "expected int"),
        ("cols", '[cols]\nvalue = 38.5\nsource = "x"', "cols", "expected int"),
        ("cols", "[cols]\nvalue = 38", "cols", "has no source"),
        ("cols", '[cols]\nvalue = 38\nsource = ""', "cols", "has no source"),
        ("cols", '[cols]\nsource = "x"', "cols", "has no value"),
        (
            "cols",
            '[cols]\nvalue = 38\nsource = "x"\nassumed = true',
            "cols",
            "unknown key 'assumed'",
        ),
        ("cols", '[cols]\nvalue = 38\nsource = "x"\nassumption = "yes"', "cols", "true or false"),
        ("cols", "cols = 38", "cols", "expected a [cols] table"),
        (
            "clock_hz",
            '[clock_hzz]\nvalue = 1e9\nsource = "x"',
            "clock_hzz",
            "did you mean 'clock_hz'",
        ),
        ("family", '[family]\nvalue = "aie3"\nsource = "x"', "family", "must be one of aie1, aie2"),
        (
            "kernel_efficiency",
            '[kernel_efficiency]\nvalue = 1.5\nsource = "x"',
            "kernel_efficiency",
            "must be in (0, 1]",
        ),
        (
            "l1_double_buffer",
            '[l1_double_buffer]\nvalue = 1\nsource = "x"',
            "l1_double_buffer",
            "expected bool",
        ),
        (
            "macs_per_cycle.i8",
            '[macs_per_cycle.i4]\nvalue = 512\nsource = "x"',
            "macs_per_cycle.i4",
            "unknown dtype 'i4'",
        ),
        (
            "macs_per_cycle.i8",
            '[macs_per_cycle.i8]\nvalue = 0\nsource = "x"',
            "macs_per_cycle.i8",
            "must be positive",
        ),
        (
            "emulated_macs_per_cycle.f32",
            '[emulated_macs_per_cycle.i8]\nvalue = 1\nsource = "x"',
            "emulated_macs_per_cycle.i8",
            "also native",
        ),
        ("memtile_rows", '[memtile_rows]\nvalue = 0\nsource = "x"', "l2_bytes", "must be 0"),
        (
            "shim_columns",
            '[shim_columns]\nvalue = 39\nsource = "x"',
            "shim_columns",
            "exceeds cols",
        ),
        (
            "l1_weight_bytes",
            '[l1_weight_bytes]\nvalue = 65536\nsource = "x"',
            "l1_bytes",
            "exceeds",
        ),
        ("description", "description = 3", "description", "non-empty string"),
    ],
)
def test_malformed_file_error_names_file_and_field(
    tmp_path: Path, key: str, block: str | None, field: str, message: str
) -> None:
    path = _edit(tmp_path, key, block)
    with pytest.raises(targets.TargetFileError) as info:
        targets.load_file(path)
    text = str(info.value)
    assert isinstance(info.value, ValueError)
    line = next((ln for ln in text.splitlines() if f"field '{field}'" in ln), None)
    assert line is not None, text
    assert line.startswith(str(path))
    assert message in line


def test_aie1_with_memtiles_is_rejected(tmp_path: Path) -> None:
    path = _edit(tmp_path, "family", '[family]\nvalue = "aie1"\nsource = "x"')
    with pytest.raises(targets.TargetFileError, match="field 'memtile_rows': AIE1"):
        targets.load_file(path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "garbled.toml"
    path.write_text("[cols\nvalue = 3\n", encoding="utf-8")
    with pytest.raises(targets.TargetFileError, match=r"garbled\.toml: invalid TOML"):
        targets.load_file(path)


def test_missing_file_is_a_target_file_error(tmp_path: Path) -> None:
    with pytest.raises(targets.TargetFileError, match="cannot read"):
        targets.load_file(tmp_path / "absent.toml")


def test_every_field_is_required(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text('description = "nothing else"\n', encoding="utf-8")
    with pytest.raises(targets.TargetFileError) as info:
        targets.load_file(path)
    for spec_field in param_fields():
        assert f"field '{spec_field.name}': missing" in str(info.value)


def test_float_fields_accept_integers(tmp_path: Path) -> None:
    path = _edit(tmp_path, "clock_hz", '[clock_hz]\nvalue = 1_000_000_000\nsource = "x"')
    target = targets.load_file(path)
    assert isinstance(target.clock_hz, float) and math.isclose(target.clock_hz, GHZ)
