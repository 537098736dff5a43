// Verifies the kernel contract (bsparse.dialects.kernel.KernelParams): every malformed field of an
// aie kernel's params (matmul_bsr, conv2d_bsr, matmul_sparse) is rejected by the kernel op's
// verifier with a located diagnostic that names the field.
// RUN: bsparse-opt %s --split-input-file --verify-diagnostics

// The params must be a dictionary.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params must be a dictionary}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = "none"} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A missing field is named.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params is missing 'weight_shape'}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// An unknown field is named.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params has unknown field(s) rows for a matmul kernel}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, rows = array<i64: 0, 16>, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Conv fields on a matmul kernel.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params has unknown field(s) groups for a matmul kernel}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, groups = 1 : i64, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Format fields on a BSR kernel.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params has unknown field(s) pattern for a matmul kernel}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, pattern = "nm:2:4", spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Weight_shape of another rank.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'weight_shape' must have 2 or 4 entries, got 3}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64, 3>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Weight_shape not positive.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'weight_shape' entries must be positive}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 0, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Weight_shape not an array.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'weight_shape' must be an array<i64>}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = 16 : i64}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// An unknown activation.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'activation' must be one of none, relu, relu6, sigmoid, tanh, silu, gelu, gelu_tanh, got 'softplus'}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "softplus", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Block_rows of odd length.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'block_rows' must be (first, end) pairs}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2, 4>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// An empty channel run.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'channels' runs must be non-empty and ascending}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 16, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Runs out of order.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'block_rows' runs must be non-empty and ascending}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 1, 2, 0, 1>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 8, 16, 0, 8>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Block_rows and channels with different runs.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'block_rows' and 'channels' must have one run each alike}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 8, 9, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Spatial reversed.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'spatial' must be (first, end) with first <= end}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 16, 0>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A conv split on a matmul.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'spatial_dim' must be one of rows, got 'width'}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "width", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Tile of zero.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'tile' entries must be positive}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 0, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A negative count.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'output_tiles' must be at least 0, got -1}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = -1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// No K chunk.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'k_chunks' must be at least 1, got 0}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 0 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// No channel group.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'channel_groups' must be at least 1, got 0}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 0 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Weight_chunks not an integer.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'weight_chunks' must be an integer}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = "one", weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Weight_resident not a boolean.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'weight_resident' must be a boolean}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = 1 : i64, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Calls a boolean.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'calls' must be an integer}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = true, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A conv kernel without its strides.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x10x10xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x8x8xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params is missing 'strides'}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 1, 1, 1, 1>, spatial = array<i64: 0, 8>, spatial_dim = "width", tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x16x10x10xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x16x8x8xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Padding of 2 entries.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x10x10xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x8x8xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'padding' must have 4 entries, got 2}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 1, 1>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x16x10x10xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x16x8x8xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Zero dilation.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x10x10xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x8x8xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'dilations' entries must be positive}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 0, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 1, 1, 1, 1>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x16x10x10xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x16x8x8xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Zero groups.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x10x10xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x8x8xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'groups' must be at least 1, got 0}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 0 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 1, 1, 1, 1>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x16x10x10xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x16x8x8xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// An unknown layout.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x10x10xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x8x8xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'layout' must be one of nchw, nhwc, got 'chwn'}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "chwn", output_tiles = 1 : i64, padding = array<i64: 1, 1, 1, 1>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x16x10x10xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x16x8x8xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A matmul split on a conv.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x10x10xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x8x8xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'spatial_dim' must be one of width, height, got 'rows'}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 1, 1, 1, 1>, spatial = array<i64: 0, 8>, spatial_dim = "rows", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x16x10x10xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x16x8x8xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A matmul weight shape on a conv.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x10x10xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x8x8xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'weight_shape' of a conv2d kernel must be [out, in, kh, kw]}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 1, 1, 1, 1>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16>}} : (memref<1x16x10x10xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x16x8x8xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// An indexed kernel without its pattern.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512xi8>
  %i = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params is missing 'pattern'}}
    "aie.matmul_sparse"(%x, %v, %i, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, index_layout = {mask = "u1:256"}, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", stored = 512 : i64, tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<512xi8>, memref<256xi8>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// An unknown pattern.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512xi8>
  %i = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'pattern': unknown sparsity pattern 'zz'}}
    "aie.matmul_sparse"(%x, %v, %i, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, index_layout = {mask = "u1:256"}, k_chunks = 1 : i64, output_tiles = 1 : i64, pattern = "zz:1", spatial = array<i64: 0, 16>, spatial_dim = "rows", stored = 512 : i64, tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<512xi8>, memref<256xi8>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A block pattern on an indexed kernel.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512xi8>
  %i = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'pattern' 'block:8x8' is not stored as values and index bytes}}
    "aie.matmul_sparse"(%x, %v, %i, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, index_layout = {mask = "u1:256"}, k_chunks = 1 : i64, output_tiles = 1 : i64, pattern = "block:8x8", spatial = array<i64: 0, 16>, spatial_dim = "rows", stored = 512 : i64, tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<512xi8>, memref<256xi8>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Stored negative.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512xi8>
  %i = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'stored' must be at least 0, got -4}}
    "aie.matmul_sparse"(%x, %v, %i, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, index_layout = {mask = "u1:256"}, k_chunks = 1 : i64, output_tiles = 1 : i64, pattern = "nm:2:4", spatial = array<i64: 0, 16>, spatial_dim = "rows", stored = -4 : i64, tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<512xi8>, memref<256xi8>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Index_layout not a dictionary.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512xi8>
  %i = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'index_layout' must be a dictionary}}
    "aie.matmul_sparse"(%x, %v, %i, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, index_layout = "u1:256", k_chunks = 1 : i64, output_tiles = 1 : i64, pattern = "nm:2:4", spatial = array<i64: 0, 16>, spatial_dim = "rows", stored = 512 : i64, tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<512xi8>, memref<256xi8>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A malformed index_layout entry.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512xi8>
  %i = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{params 'index_layout' entry 'mask' must be a string}}
    "aie.matmul_sparse"(%x, %v, %i, %y) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, index_layout = {mask = "bits:256"}, k_chunks = 1 : i64, output_tiles = 1 : i64, pattern = "nm:2:4", spatial = array<i64: 0, 16>, spatial_dim = "rows", stored = 512 : i64, tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<512xi8>, memref<256xi8>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()
