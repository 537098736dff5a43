"""Helper of patterns.mlir: writes a random linalg program (a 3x3 conv then a matmul) and compares outputs.

    python patterns.py program OUT.mlir INPUT.npy     # the program and an input for it
    python patterns.py same A.npz B.npz                # result0 of both agree (rtol 1e-4)
"""

import sys

import numpy as np


def nested(array: np.ndarray) -> str:
    if array.ndim == 1:
        return "[" + ", ".join(f"{v:.6e}" for v in array) + "]"
    return "[" + ", ".join(nested(part) for part in array) + "]"


def dense(array: np.ndarray) -> str:
    return f"dense<{nested(array)}> : tensor<{'x'.join(map(str, array.shape))}xf32>"


def program(path: str, input_path: str) -> None:
    rng = np.random.default_rng(7)
    conv = rng.standard_normal((16, 12, 3, 3)).astype(np.float32)  # FCHW
    fc = rng.standard_normal((16 * 36, 20)).astype(np.float32)  # [K, N]
    np.save(input_path, rng.standard_normal((1, 12, 6, 6)).astype(np.float32))
    with open(path, "w") as f:
        f.write(f"""func.func @main(%x: tensor<1x12x6x6xf32>) -> tensor<1x20xf32> {{
  %w = arith.constant {dense(conv)}
  %zero = arith.constant 0.0 : f32
  %pad = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {{
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  }} : tensor<1x12x6x6xf32> to tensor<1x12x8x8xf32>
  %e = tensor.empty() : tensor<1x16x6x6xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  %y = linalg.conv_2d_nchw_fchw ins(%pad, %w : tensor<1x12x8x8xf32>, tensor<16x12x3x3xf32>) outs(%i : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  %flat = tensor.collapse_shape %y [[0], [1, 2, 3]] : tensor<1x16x6x6xf32> into tensor<1x576xf32>
  %v = arith.constant {dense(fc)}
  %e2 = tensor.empty() : tensor<1x20xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x20xf32>) -> tensor<1x20xf32>
  %z = linalg.matmul ins(%flat, %v : tensor<1x576xf32>, tensor<576x20xf32>) outs(%i2 : tensor<1x20xf32>) -> tensor<1x20xf32>
  return %z : tensor<1x20xf32>
}}
""")


def same(a: str, b: str) -> None:
    x, y = np.load(a)["result0"], np.load(b)["result0"]
    np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-4)
    print(f"same {x.shape} max abs diff {np.abs(x - y).max():.1e}")


if __name__ == "__main__":
    {"program": program, "same": same}[sys.argv[1]](*sys.argv[2:])
