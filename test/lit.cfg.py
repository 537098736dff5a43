"""lit configuration for bsparse (self-contained: no lit.llvm)."""

import os
import shutil
import sys

import lit.formats

config.name = "bsparse"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".py"]
config.excludes = ["lit.cfg.py", "lit.local.cfg", "unit", "Output", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = lit_config.params.get("bsparse_build_dir") or os.path.join(config.test_source_root, "Output")

root = os.path.dirname(config.test_source_root)
python = sys.executable
bindir = os.path.dirname(python)


def tool(name):
    """A console script next to this Python, else on PATH."""
    candidate = os.path.join(bindir, name)
    if os.path.exists(candidate):
        return candidate
    found = shutil.which(name)
    if found is None:
        lit_config.fatal(f"cannot find '{name}'; install bsparse with its test extras (pip install -e '.[test]')")
    return found


config.environment["PYTHONPATH"] = os.pathsep.join(
    p for p in (os.path.join(root, "python"), os.environ.get("PYTHONPATH")) if p
)
config.environment["PATH"] = os.pathsep.join((bindir, os.environ.get("PATH", "")))
for var in ("HOME", "TMPDIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

import torch_mlir  # noqa: E402  (the wheel ships torch-mlir-opt)

torch_mlir_opt = os.path.join(list(torch_mlir.__path__)[0], "_mlir_libs", "torch-mlir-opt")

# Order matters: a substitution's output is seen by the ones after it.
config.substitutions.append(
    ("BSPARSE_ROUNDTRIP", "bsparse-opt %s --split-input-file | bsparse-opt --split-input-file | filecheck %s")
)
config.substitutions.append(("%python", python))
config.substitutions.append(("%dialects", os.path.join(root, "dialects")))
config.substitutions.append(("%torch-mlir-opt", torch_mlir_opt))
config.substitutions.append(("bsparse-opt", tool("bsparse-opt")))
config.substitutions.append(("filecheck", tool("filecheck")))

try:
    import torch  # noqa: F401

    config.available_features.add("torch")
except ImportError:
    pass
