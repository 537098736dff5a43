"""bsparse's MLIR dialects, defined in Python with `torch_mlir.dialects.ext`.

- `bsparse.dialects.bsparse`: tensor-level ops on packed (compacted) weights.
- `bsparse.dialects.aie`: an AIE-like hardware dialect (device, tiles, buffers
  at memory levels, DMA, cores, kernel calls).
"""
