"""bsparse's passes: one module each, and the registry `bsparse-opt` reads.

`PASSES` maps a pass's pipeline name to its class; it is the only place
pass names are looked up.
"""

from __future__ import annotations

from bsparse.passes.base import Pass
from bsparse.passes.fold import FoldConstantsPass
from bsparse.passes.fuse import FuseElementwisePass
from bsparse.passes.pack import PackPass
from bsparse.passes.partition import PartitionPass
from bsparse.passes.sparsify import SparsifyPass
from bsparse.passes.to_aie import ToAiePass

__all__ = ["PASSES", "Pass"]

PASSES: dict[str, type[Pass]] = {cls.NAME: cls for cls in (SparsifyPass, FoldConstantsPass, PackPass, PartitionPass,
                                                               FuseElementwisePass, ToAiePass)}
