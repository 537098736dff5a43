"""bsparse: weight block sparsity compiled for AI-Engine-like accelerators.

The public Python API; see README.md.
"""

from __future__ import annotations

__version__ = "0.1.0"
