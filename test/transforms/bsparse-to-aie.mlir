// Verifies that bsparse-to-aie turns each bsparse layer on a packed weight into host buffers
// plus an aie.device program: tiles, L2/L1 buffers, DMA streams and one kernel per core.
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-partition{target=aie2-2x2},bsparse-to-aie{target=aie2-2x2})' --split-input-file | filecheck %s
// Without a partition, or with one made for another target, the pass plans its own for the target:
// RUN: bsparse-opt %s -p 'bsparse-to-aie{target=aie2-2x2}' --split-input-file | filecheck %s
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-partition{target=aie2-4x4},bsparse-to-aie{target=aie2-2x2})' --split-input-file | filecheck %s
// The result parses back and prints the same:
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-partition{target=aie2-2x2},bsparse-to-aie{target=aie2-2x2})' --split-input-file | bsparse-opt --split-input-file | filecheck %s
// On AIE1 (no memory tiles) the cores' DMAs read and write host memory directly:
// RUN: bsparse-opt %s -p 'bsparse-to-aie{target=aie1-vc1902 dtype=i16}' --split-input-file | filecheck %s --check-prefix=AIE1
// The dtype is recorded on the device (bf16 is native on AIE2):
// RUN: bsparse-opt %s -p 'bsparse-to-aie{target=aie2-4x4 dtype=bf16}' --split-input-file | filecheck %s --check-prefix=BF16
//
// No torch-mlir-opt round trip here (unlike test/tools/irdl-aie.mlir): the host side uses the
// bufferization dialect, which the torch-mlir-opt of the wheel does not register.

// A rank-3 input of 2 x 4 = 8 rows is collapsed to [8, 16] for the device and its [8, 32]
// output expanded back. Dense [32, 16] weight in 8x8 blocks, loads [2, 2, 2, 2]: core row 0
// gets block rows [0, 2) (channels 0-15), row 1 gets [2, 4); columns get rows [0, 4) and [4, 8).
// Both shares hold the same values, so their constants are one (folded) constant each.
// Each core row's share is staged once in a memory tile (which one is the pass's choice) and
// streamed from there to that row's core in every column: core (1, 0) reads the weight staged
// for core (0, 0) and its input from memtile (1, 1).
// CHECK-LABEL: func.func @matmul_rank3
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x16xf32>)
// CHECK-NOT: "bsparse.matmul"
// CHECK-DAG: %[[CI:.*]] = arith.constant dense<[0, 1, 0, 1]> : tensor<4xi64>
// CHECK-DAG: %[[RP:.*]] = arith.constant dense<[0, 2, 4]> : tensor<3xi64>
// CHECK-DAG: %[[V:.*]] = arith.constant dense<1.000000e+00> : tensor<4x8x8xf32>
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x4x16xf32> into tensor<8x16xf32>
// CHECK-NEXT: %[[X3:.*]] = bufferization.to_buffer %[[FLAT]] read_only : tensor<8x16xf32> to memref<8x16xf32>
// CHECK-NEXT: %[[Y3:.*]] = memref.alloc() : memref<8x32xf32>
// CHECK-NEXT: %[[V0:.*]] = bufferization.to_buffer %[[V]] read_only : tensor<4x8x8xf32> to memref<4x8x8xf32>
// CHECK-NEXT: %[[RP0:.*]] = bufferization.to_buffer %[[RP]] read_only : tensor<3xi64> to memref<3xi64>
// CHECK-NEXT: %[[CI0:.*]] = bufferization.to_buffer %[[CI]] read_only : tensor<4xi64> to memref<4xi64>
// CHECK-NEXT: %[[V1:.*]] = bufferization.to_buffer %[[V]] read_only : tensor<4x8x8xf32> to memref<4x8x8xf32>
// CHECK-NEXT: %[[RP1:.*]] = bufferization.to_buffer %[[RP]] read_only
// CHECK-NEXT: %[[CI1:.*]] = bufferization.to_buffer %[[CI]] read_only
// CHECK-NEXT: "aie.device"() ({
// The device body comes in a fixed order: all tiles (by column, then row), all buffers, all
// DMAs (in program order), then the cores with their kernels.
// Memory tiles in row 1, cores in rows 2 and 3 of each column.
// CHECK-NEXT: %[[M0:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
// CHECK-NEXT: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
// CHECK-NEXT: %[[T01:.*]] = "aie.tile"() {col = 0 : i64, row = 3 : i64} : () -> index
// CHECK-NEXT: %[[M1:.*]] = "aie.tile"() {col = 1 : i64, row = 1 : i64} : () -> index
// CHECK-NEXT: %[[T10:.*]] = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
// CHECK-NEXT: %[[T11:.*]] = "aie.tile"() {col = 1 : i64, row = 3 : i64} : () -> index
// Per column: the L2 input slice and the L2 output slice.
// CHECK-NEXT: %[[X2A:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[Y2A:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x32xf32>
// CHECK-NEXT: %[[X2B:.*]] = "aie.buffer"(%[[M1]]) {level = "L2", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[Y2B:.*]] = "aie.buffer"(%[[M1]]) {level = "L2", {{.*}}} : (index) -> memref<4x32xf32>
// Per core row: its weight share (values, row_ptr, col_idx), staged once.
// CHECK-NEXT: %[[W2A:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<4x8x8xf32>
// CHECK-NEXT: %[[RP2A:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<3xi64>
// CHECK-NEXT: %[[CI2A:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<4xi64>
// CHECK-NEXT: %[[W2B:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<4x8x8xf32>
// CHECK-NEXT: %[[RP2B:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<3xi64>
// CHECK-NEXT: %[[CI2B:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<4xi64>
// Core (0, 0) on tile (0, 2): ping/pong input and output tiles, the weight, its index.
// CHECK-NEXT: %[[XA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[YA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[VA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<4x8x8xf32>
// CHECK-NEXT: %[[RPA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<3xi64>
// CHECK-NEXT: %[[CIA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<4xi64>
// The same for core (0, 1) on tile (0, 3), core (1, 0) on (1, 2) and core (1, 1) on (1, 3).
// CHECK-NEXT: %[[XB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[YB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[VB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<4x8x8xf32>
// CHECK-NEXT: %[[RPB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<3xi64>
// CHECK-NEXT: %[[CIB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<4xi64>
// CHECK-NEXT: %[[XC:.*]] = "aie.buffer"(%[[T10]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T10]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[YC:.*]] = "aie.buffer"(%[[T10]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T10]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[VC:.*]] = "aie.buffer"(%[[T10]]) {level = "L1", {{.*}}} : (index) -> memref<4x8x8xf32>
// CHECK-NEXT: %[[RPC:.*]] = "aie.buffer"(%[[T10]]) {level = "L1", {{.*}}} : (index) -> memref<3xi64>
// CHECK-NEXT: %[[CIC:.*]] = "aie.buffer"(%[[T10]]) {level = "L1", {{.*}}} : (index) -> memref<4xi64>
// CHECK-NEXT: %[[XD:.*]] = "aie.buffer"(%[[T11]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T11]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[YD:.*]] = "aie.buffer"(%[[T11]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T11]]) {level = "L1", {{.*}}} : (index) -> memref<4x16xf32>
// CHECK-NEXT: %[[VD:.*]] = "aie.buffer"(%[[T11]]) {level = "L1", {{.*}}} : (index) -> memref<4x8x8xf32>
// CHECK-NEXT: %[[RPD:.*]] = "aie.buffer"(%[[T11]]) {level = "L1", {{.*}}} : (index) -> memref<3xi64>
// CHECK-NEXT: %[[CID:.*]] = "aie.buffer"(%[[T11]]) {level = "L1", {{.*}}} : (index) -> memref<4xi64>
// The DMAs. Per column: the L2 input slice from the host, the L2 output slice back to it.
// CHECK-NEXT: "aie.dma"(%[[X3]], %[[X2A]]) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 4, 16>, src_offsets = array<i64: 0, 0>} : (memref<8x16xf32>, memref<4x16xf32>) -> ()
// CHECK-NEXT: "aie.dma"(%[[Y2A]], %[[Y3]]) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 4, 32>, src_offsets = array<i64: 0, 0>} : (memref<4x32xf32>, memref<8x32xf32>) -> ()
// CHECK-NEXT: "aie.dma"(%[[X3]], %[[X2B]])
// CHECK-NEXT: "aie.dma"(%[[Y2B]], %[[Y3]])
// Per core row: its share from the host.
// CHECK-NEXT: "aie.dma"(%[[V0]], %[[W2A]]) {dst_offsets = array<i64: 0, 0, 0>, repeat = 1 : i64, sizes = array<i64: 4, 8, 8>, src_offsets = array<i64: 0, 0, 0>}
// CHECK-NEXT: "aie.dma"(%[[RP0]], %[[RP2A]]) {{.*}}repeat = 1 : i64, sizes = array<i64: 3>
// CHECK-NEXT: "aie.dma"(%[[CI0]], %[[CI2A]]) {{.*}}repeat = 1 : i64, sizes = array<i64: 4>
// CHECK-NEXT: "aie.dma"(%[[V1]], %[[W2B]])
// CHECK-NEXT: "aie.dma"(%[[RP1]], %[[RP2B]])
// CHECK-NEXT: "aie.dma"(%[[CI1]], %[[CI2B]])
// Core by core: its input tile, its row's share, its output tile into the column's L2 output.
// CHECK-NEXT: "aie.dma"(%[[X2A]], %[[XA]]) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 4, 16>, src_offsets = array<i64: 0, 0>}
// CHECK-NEXT: "aie.dma"(%[[W2A]], %[[VA]]) {{.*}}repeat = 1 : i64
// CHECK-NEXT: "aie.dma"(%[[RP2A]], %[[RPA]])
// CHECK-NEXT: "aie.dma"(%[[CI2A]], %[[CIA]])
// CHECK-NEXT: "aie.dma"(%[[YA]], %[[Y2A]]) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 4, 16>, src_offsets = array<i64: 0, 0>}
// CHECK-NEXT: "aie.dma"(%[[X2A]], %[[XB]])
// CHECK-NEXT: "aie.dma"(%[[W2B]], %[[VB]])
// CHECK-NEXT: "aie.dma"(%[[RP2B]], %[[RPB]])
// CHECK-NEXT: "aie.dma"(%[[CI2B]], %[[CIB]])
// CHECK-NEXT: "aie.dma"(%[[YB]], %[[Y2A]])
// CHECK-NEXT: "aie.dma"(%[[X2B]], %[[XC]])
// CHECK-NEXT: "aie.dma"(%[[W2A]], %[[VC]])
// CHECK-NEXT: "aie.dma"(%[[RP2A]], %[[RPC]])
// CHECK-NEXT: "aie.dma"(%[[CI2A]], %[[CIC]])
// CHECK-NEXT: "aie.dma"(%[[YC]], %[[Y2B]])
// CHECK-NEXT: "aie.dma"(%[[X2B]], %[[XD]])
// CHECK-NEXT: "aie.dma"(%[[W2B]], %[[VD]])
// CHECK-NEXT: "aie.dma"(%[[RP2B]], %[[RPD]])
// CHECK-NEXT: "aie.dma"(%[[CI2B]], %[[CID]])
// CHECK-NEXT: "aie.dma"(%[[YD]], %[[Y2B]])
// The cores, each running one kernel on its own L1 buffers.
// CHECK-NEXT: "aie.core"(%[[T00]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[XA]], %[[VA]], %[[RPA]], %[[CIA]], %[[YA]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 4>, spatial_dim = "rows", tile = array<i64: 4, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 32, 16>}} : (memref<4x16xf32>, memref<4x8x8xf32>, memref<3xi64>, memref<4xi64>, memref<4x16xf32>) -> ()
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T01]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[XB]], %[[VB]], %[[RPB]], %[[CIB]], %[[YB]]) {{{.*}}block_rows = array<i64: 2, 4>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 16, 32>, {{.*}}spatial = array<i64: 0, 4>, spatial_dim = "rows"
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T10]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[XC]], %[[VC]], %[[RPC]], %[[CIC]], %[[YC]]) {{{.*}}block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, {{.*}}spatial = array<i64: 4, 8>, spatial_dim = "rows"
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T11]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[XD]], %[[VD]], %[[RPD]], %[[CID]], %[[YD]]) {{{.*}}block_rows = array<i64: 2, 4>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 16, 32>, {{.*}}spatial = array<i64: 4, 8>, spatial_dim = "rows"
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-2x2"} : () -> ()
// CHECK-NEXT: %[[T:.*]] = bufferization.to_tensor %[[Y3]] restrict : memref<8x32xf32> to tensor<8x32xf32>
// CHECK-NEXT: %[[Y:.*]] = tensor.expand_shape %[[T]] {{\[\[}}0, 1], [2]] output_shape [2, 4, 32] : tensor<8x32xf32> into tensor<2x4x32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x4x32xf32>
// BF16-LABEL: func.func @matmul_rank3
// BF16: }) {dtype = "bf16", target = "aie2-4x4"} : () -> ()
func.func @matmul_rank3(%x: tensor<2x4x16xf32>) -> tensor<2x4x32xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1, 0, 1, 0, 1]> : tensor<8xi64>, row_ptr = dense<[0, 2, 4, 6, 8]> : tensor<5xi64>, values = dense<1.0> : tensor<8x8x8xf32>} : () -> !bsparse.bsr<array<i64: 32, 16>, array<i64: 8, 8>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4x16xf32>, !bsparse.bsr<array<i64: 32, 16>, array<i64: 8, 8>, f32>) -> tensor<2x4x32xf32>
  return %y : tensor<2x4x32xf32>
}

// -----

// A 3x3 NCHW conv, padding 1, with a constant bias and relu; 6-wide output split 3 | 3 over
// the columns. The L2 input slice holds the padded window of 3 outputs: 8 rows x 5 columns.
// Each core row gets 8 channels of the bias; the kernel takes it as a sixth operand.
// CHECK-LABEL: func.func @conv_nchw_bias_relu
// CHECK-SAME: (%[[X:.*]]: tensor<1x16x6x6xf32>)
// CHECK-NOT: "bsparse.conv2d"
// CHECK-DAG: %[[BIAS:.*]] = arith.constant dense<5.000000e-01> : tensor<8xf32>
// CHECK: %[[X3:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<1x16x6x6xf32> to memref<1x16x6x6xf32>
// CHECK-NEXT: %[[Y3:.*]] = memref.alloc() : memref<1x16x6x6xf32>
// CHECK: %[[B0:.*]] = bufferization.to_buffer %[[BIAS]] read_only : tensor<8xf32> to memref<8xf32>
// CHECK: "aie.device"() ({
// CHECK-NEXT: %[[M0:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64}
// CHECK-NEXT: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64}
// CHECK-NEXT: %[[T01:.*]] = "aie.tile"() {col = 0 : i64, row = 3 : i64}
// CHECK-NEXT: %[[M1:.*]] = "aie.tile"() {col = 1 : i64, row = 1 : i64}
// CHECK-NEXT: %[[T10:.*]] = "aie.tile"() {col = 1 : i64, row = 2 : i64}
// CHECK-NEXT: %[[T11:.*]] = "aie.tile"() {col = 1 : i64, row = 3 : i64}
// CHECK-NEXT: %[[X2:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<1x16x8x5xf32>
// CHECK-NEXT: %[[Y2:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<1x16x6x3xf32>
// CHECK: %[[XA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x16x8x5xf32>
// CHECK-NEXT: "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x16x8x5xf32>
// CHECK-NEXT: %[[YA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x8x6x3xf32>
// CHECK-NEXT: "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x8x6x3xf32>
// CHECK-NEXT: %[[VA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<2x8x8x3x3xf32>
// CHECK-NEXT: %[[RPA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[CIA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[BA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<8xf32>
// CHECK: "aie.dma"(%[[X3]], %[[X2]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 1, 16, 6, 5>{{.*}}} : (memref<1x16x6x6xf32>, memref<1x16x8x5xf32>) -> ()
// CHECK-NEXT: "aie.dma"(%[[Y2]], %[[Y3]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 1, 16, 6, 3>
// CHECK: "aie.dma"(%[[X2]], %[[XA]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 1, 16, 8, 5>
// CHECK-NEXT: "aie.dma"(%{{.*}}, %[[VA]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 2, 8, 8, 3, 3>
// CHECK-NEXT: "aie.dma"(%{{.*}}, %[[RPA]])
// CHECK-NEXT: "aie.dma"(%{{.*}}, %[[CIA]])
// CHECK-NEXT: "aie.dma"(%[[B0]], %[[BA]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 8>
// CHECK-NEXT: "aie.dma"(%[[YA]], %[[Y2]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 1, 8, 6, 3>
// CHECK: "aie.core"(%[[T00]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"(%[[XA]], %[[VA]], %[[RPA]], %[[CIA]], %[[YA]], %[[BA]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>, params = {activation = "relu", block_rows = array<i64: 0, 1>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 8>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 1, 1, 1, 1>, spatial = array<i64: 0, 3>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 6, 3>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}}
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T01]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"({{.*}}) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>, params = {activation = "relu", block_rows = array<i64: 1, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 8, 16>, {{.*}}spatial = array<i64: 0, 3>, spatial_dim = "width"
// CHECK-SAME: (memref<1x16x8x5xf32>, memref<1x8x8x3x3xf32>, memref<2xi64>, memref<1xi64>, memref<1x8x6x3xf32>, memref<8xf32>) -> ()
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T10]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"({{.*}}) {{{.*}}channels = array<i64: 0, 8>, {{.*}}spatial = array<i64: 3, 6>, spatial_dim = "width"
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T11]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"({{.*}}) {{{.*}}channels = array<i64: 8, 16>, {{.*}}spatial = array<i64: 3, 6>, spatial_dim = "width"
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-2x2"} : () -> ()
// CHECK-NEXT: %[[Y:.*]] = bufferization.to_tensor %[[Y3]] restrict : memref<1x16x6x6xf32> to tensor<1x16x6x6xf32>
// CHECK-NEXT: return %[[Y]]
func.func @conv_nchw_bias_relu(%x: tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 1]> : tensor<3xi64>, row_ptr = dense<[0, 2, 3]> : tensor<3xi64>, values = dense<1.0> : tensor<3x8x8x3x3xf32>} : () -> !bsparse.bsr<array<i64: 16, 16, 3, 3>, array<i64: 8, 8>, f32>
  %b = arith.constant dense<0.5> : tensor<16xf32>
  %y = "bsparse.conv2d"(%x, %w, %b) {activation = "relu", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x6x6xf32>, !bsparse.bsr<array<i64: 16, 16, 3, 3>, array<i64: 8, 8>, f32>, tensor<16xf32>) -> tensor<1x16x6x6xf32>
  return %y : tensor<1x16x6x6xf32>
}

// -----

// An NHWC 1x1 conv whose output is 7 high and 1 wide: the height is split (4 | 3 rows) and
// boxes are [1, H, W, C]. One block row: one core per column, in core row 0.
// CHECK-LABEL: func.func @conv_nhwc_tall
// CHECK: "aie.device"() ({
// The tiles (all emitted first) are the two memory tiles and the two cores of row 2, none in row 3.
// CHECK-NEXT: %[[M0:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64}
// CHECK-NEXT: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64}
// CHECK-NEXT: %[[M1:.*]] = "aie.tile"() {col = 1 : i64, row = 1 : i64}
// CHECK-NEXT: %[[T10:.*]] = "aie.tile"() {col = 1 : i64, row = 2 : i64}
// CHECK-NEXT: %[[X2A:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<1x4x1x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<1x4x1x8xf32>
// CHECK-NEXT: "aie.buffer"(%[[M1]]) {level = "L2", {{.*}}} : (index) -> memref<1x3x1x16xf32>
// CHECK: "aie.dma"(%{{.*}}, %[[X2A]]) {{{.*}}sizes = array<i64: 1, 4, 1, 16>
// CHECK: "aie.core"(%[[T00]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"({{.*}}) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 1>, {{.*}}channels = array<i64: 0, 8>, {{.*}}layout = "nhwc", {{.*}}spatial = array<i64: 0, 4>, spatial_dim = "height", {{.*}}tile = array<i64: 1, 4>
// CHECK-SAME: (memref<1x4x1x16xf32>, memref<2x8x8x1x1xf32>, memref<2xi64>, memref<2xi64>, memref<1x4x1x8xf32>) -> ()
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T10]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"({{.*}}) {{{.*}}layout = "nhwc", {{.*}}spatial = array<i64: 4, 7>, spatial_dim = "height"
// CHECK-SAME: (memref<1x3x1x16xf32>, memref<2x8x8x1x1xf32>, memref<2xi64>, memref<2xi64>, memref<1x3x1x8xf32>) -> ()
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-2x2"}
func.func @conv_nhwc_tall(%x: tensor<1x7x1x16xf32>) -> tensor<1x7x1x8xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1]> : tensor<2xi64>, row_ptr = dense<[0, 2]> : tensor<2xi64>, values = dense<1.0> : tensor<2x8x8x1x1xf32>} : () -> !bsparse.bsr<array<i64: 8, 16, 1, 1>, array<i64: 8, 8>, f32>
  %y = "bsparse.conv2d"(%x, %w) {activation = "none", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nhwc", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x7x1x16xf32>, !bsparse.bsr<array<i64: 8, 16, 1, 1>, array<i64: 8, 8>, f32>) -> tensor<1x7x1x8xf32>
  return %y : tensor<1x7x1x8xf32>
}

// -----

// A grouped conv (2 groups of 4 channels), batch 2: each core row holds one group, so its L1
// input tile holds that group's 4 input channels of one image, streamed twice (once per image).
// CHECK-LABEL: func.func @conv_grouped
// CHECK: "aie.device"() ({
// CHECK-NEXT: %[[M0:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64}
// CHECK-NEXT: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64}
// CHECK-NEXT: %[[T01:.*]] = "aie.tile"() {col = 0 : i64, row = 3 : i64}
// CHECK: %[[X2:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<2x8x7x5xf32>
// CHECK-NEXT: %[[Y2:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<2x8x5x3xf32>
// CHECK: %[[XA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x4x7x5xf32>
// CHECK-NEXT: "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x4x7x5xf32>
// CHECK-NEXT: %[[YA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x4x5x3xf32>
// CHECK: "aie.dma"(%[[X2]], %[[XA]]) {{{.*}}repeat = 2 : i64, sizes = array<i64: 1, 4, 7, 5>
// CHECK: "aie.dma"(%[[YA]], %[[Y2]]) {{{.*}}repeat = 2 : i64, sizes = array<i64: 1, 4, 5, 3>
// CHECK: "aie.core"(%[[T00]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"({{.*}}) {{{.*}}block_rows = array<i64: 0, 1>, calls = 2 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 4>, {{.*}}groups = 2 : i64, {{.*}}output_tiles = 2 : i64, {{.*}}spatial = array<i64: 0, 3>, {{.*}}weight_shape = array<i64: 8, 4, 3, 3>
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T01]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"({{.*}}) {{{.*}}block_rows = array<i64: 1, 2>, calls = 2 : i64, channel_groups = 1 : i64, channels = array<i64: 4, 8>, {{.*}}groups = 2 : i64
// CHECK-SAME: (memref<1x4x7x5xf32>, memref<1x4x4x3x3xf32>, memref<2xi64>, memref<1xi64>, memref<1x4x5x3xf32>) -> ()
func.func @conv_grouped(%x: tensor<2x8x5x5xf32>) -> tensor<2x8x5x5xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 0]> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<1.0> : tensor<2x4x4x3x3xf32>} : () -> !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 4, 4>, f32>
  %y = "bsparse.conv2d"(%x, %w) {activation = "none", dilations = array<i64: 1, 1>, groups = 2 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<2x8x5x5xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 4, 4>, f32>) -> tensor<2x8x5x5xf32>
  return %y : tensor<2x8x5x5xf32>
}

// -----

// Block row 1 stores nothing, so core row 1's share is empty: it keeps one-block placeholder
// buffers, loads only its row_ptr [0, 0] (no values or col_idx transfer) and still writes
// its output channels 8-15.
// CHECK-LABEL: func.func @matmul_empty_share
// CHECK-DAG: %[[EMPTY:.*]] = arith.constant dense<0> : tensor<2xi64>
// CHECK: %[[RP1:.*]] = bufferization.to_buffer %[[EMPTY]] read_only : tensor<2xi64> to memref<2xi64>
// CHECK-NEXT: "aie.device"() ({
// CHECK-NEXT: %[[M0:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64}
// CHECK-NEXT: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64}
// CHECK-NEXT: %[[T01:.*]] = "aie.tile"() {col = 0 : i64, row = 3 : i64}
// CHECK: %[[X2A:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<1x16xf32>
// The shares' L2 buffers: core row 0's, then core row 1's placeholders.
// CHECK: %[[W2A:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<2x8x8xf32>
// CHECK-NEXT: %[[RP2A:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[CI2A:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[W2B:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<1x8x8xf32>
// CHECK-NEXT: %[[RP2B:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[CI2B:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<1xi64>
// Core (0, 1)'s L1 buffers, placeholders for the weight and col_idx included.
// CHECK: %[[XB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<1x16xf32>
// CHECK-NEXT: "aie.buffer"(%[[T01]])
// CHECK-NEXT: %[[YB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<1x8xf32>
// CHECK-NEXT: "aie.buffer"(%[[T01]])
// CHECK-NEXT: %[[VB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<1x8x8xf32>
// CHECK-NEXT: %[[RPB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[CIB:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<1xi64>
// From the host, core row 1's share gets only its row_ptr (core row 0's gets all three) ...
// CHECK: "aie.dma"(%{{.*}}, %[[W2A]])
// CHECK-NEXT: "aie.dma"(%{{.*}}, %[[RP2A]])
// CHECK-NEXT: "aie.dma"(%{{.*}}, %[[CI2A]])
// CHECK-NEXT: "aie.dma"(%[[RP1]], %[[RP2B]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 2>
// CHECK-NEXT: "aie.dma"(%[[X2A]], %{{.*}})
// ... and core (0, 1) reads only its input and that row_ptr and writes its output; no core
// reads the empty share's values or col_idx.
// CHECK-NOT: "aie.dma"(%[[W2B]],
// CHECK-NOT: "aie.dma"(%[[CI2B]],
// CHECK: "aie.dma"(%[[X2A]], %[[XB]])
// CHECK-NEXT: "aie.dma"(%[[RP2B]], %[[RPB]])
// CHECK-NEXT: "aie.dma"(%[[YB]], %{{.*}})
// CHECK-NOT: "aie.dma"(%[[W2B]],
// CHECK-NOT: "aie.dma"(%[[CI2B]],
// CHECK: "aie.core"(%[[T00]]) ({
// CHECK: "aie.core"(%[[T01]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[XB]], %[[VB]], %[[RPB]], %[[CIB]], %[[YB]]) {{{.*}}block_rows = array<i64: 1, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 8, 16>, {{.*}}weight_chunks = 0 : i64
// CHECK: }) {dtype = "i8", target = "aie2-2x2"}
// AIE1-LABEL: func.func @matmul_empty_share
// AIE1-SAME: (%[[X:.*]]: tensor<2x16xf32>)
// AIE1: %[[X3:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<2x16xf32> to memref<2x16xf32>
// AIE1-NEXT: %[[Y3:.*]] = memref.alloc() : memref<2x16xf32>
// AIE1-NEXT: %[[V0:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<2x8x8xf32> to memref<2x8x8xf32>
// AIE1-NOT: "L2"
// AIE1: "aie.device"() ({
// Two columns of two cores, in rows 1 and 2 (no memory tiles); all tiles come first.
// AIE1-NEXT: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64}
// AIE1-NEXT: %[[T01:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64}
// AIE1-NEXT: %[[T10:.*]] = "aie.tile"() {col = [[COL:[1-9][0-9]*]] : i64, row = 1 : i64}
// AIE1-NEXT: %[[T11:.*]] = "aie.tile"() {col = [[COL]] : i64, row = 2 : i64}
// AIE1-NEXT: %[[XA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x16xf32>
// AIE1-NEXT: "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x16xf32>
// AIE1-NEXT: %[[YA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x8xf32>
// AIE1-NEXT: "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x8xf32>
// AIE1-NEXT: %[[VA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<2x8x8xf32>
// AIE1-NOT: "L2"
// AIE1: "aie.dma"(%[[X3]], %[[XA]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 1, 16>
// AIE1-NEXT: "aie.dma"(%[[V0]], %[[VA]])
// AIE1: "aie.dma"(%[[YA]], %[[Y3]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 1, 8>
// AIE1: "aie.core"(%[[T00]]) ({
// AIE1-NEXT: "aie.matmul_bsr"(%[[XA]], %[[VA]], %{{.*}}, %{{.*}}, %[[YA]]) {{{.*}}channels = array<i64: 0, 8>, {{.*}}spatial = array<i64: 0, 1>
// AIE1-NEXT: }) : (index) -> ()
// AIE1-NEXT: "aie.core"(%[[T01]]) ({
// AIE1-NEXT: "aie.matmul_bsr"({{.*}}) {{{.*}}channels = array<i64: 8, 16>, {{.*}}spatial = array<i64: 0, 1>
// AIE1-NEXT: }) : (index) -> ()
// AIE1-NEXT: "aie.core"(%[[T10]]) ({
// AIE1-NEXT: "aie.matmul_bsr"({{.*}}) {{{.*}}spatial = array<i64: 1, 2>
// AIE1-NEXT: }) : (index) -> ()
// AIE1-NEXT: "aie.core"(%[[T11]]) ({
// AIE1-NEXT: "aie.matmul_bsr"({{.*}}) {{{.*}}spatial = array<i64: 1, 2>
// AIE1-NEXT: }) : (index) -> ()
// AIE1-NEXT: }) {dtype = "i16", target = "aie1-vc1902"} : () -> ()
func.func @matmul_empty_share(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1]> : tensor<2xi64>, row_ptr = dense<[0, 2, 2]> : tensor<3xi64>, values = dense<1.0> : tensor<2x8x8xf32>} : () -> !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x16xf32>, !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// A weight that is not a bsparse.packed_weight is left alone; a bias that is
// not a constant is lowered too: each core row reads its slice of the bias tensor.
// CHECK-LABEL: func.func @not_lowered
// CHECK: "bsparse.matmul"(%{{.*}}, %{{.*}}) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>}
// CHECK: tensor.extract_slice %{{.*}}[0] [8] [1] : tensor<16xf32> to tensor<8xf32>
// CHECK: tensor.extract_slice %{{.*}}[8] [8] [1] : tensor<16xf32> to tensor<8xf32>
// CHECK: "aie.device"
// CHECK-NOT: "bsparse.matmul"
// CHECK: return
func.func @not_lowered(%x: tensor<2x16xf32>, %v: !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>, %b: tensor<16xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>) {
  %y = "bsparse.matmul"(%x, %v) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x16xf32>, !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>) -> tensor<2x16xf32>
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1]> : tensor<4xi64>, row_ptr = dense<[0, 2, 4]> : tensor<3xi64>, values = dense<1.0> : tensor<4x8x8xf32>} : () -> !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>
  %z = "bsparse.matmul"(%x, %w, %b) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x16xf32>, !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>, tensor<16xf32>) -> tensor<2x16xf32>
  return %y, %z : tensor<2x16xf32>, tensor<2x16xf32>
}

// -----

// Each core row's 10 stored 64x64 blocks (40 KB at i8) exceed the 16 KB L1 weight buffer:
// the weight streams through L1 in 3 chunks of at most 4 blocks (4 x 4 KB), values and
// col_idx alike, and the kernel is called once per chunk.
// CHECK-LABEL: func.func @matmul_streamed_weight
// CHECK: %[[M0:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64}
// CHECK-NEXT: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64}
// CHECK: %[[X2:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<1x640xf32>
// CHECK: %[[W2:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<10x64x64xf32>
// CHECK: %[[CI2:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<10xi64>
// CHECK: %[[XA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<1x640xf32>
// CHECK: %[[VA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<4x64x64xf32>
// CHECK-NEXT: %[[RPA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[CIA:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<4xi64>
// CHECK: "aie.dma"(%[[X2]], %[[XA]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 1, 640>
// CHECK-NEXT: "aie.dma"(%[[W2]], %[[VA]]) {{{.*}}repeat = 3 : i64, sizes = array<i64: 4, 64, 64>
// CHECK-NEXT: "aie.dma"(%{{.*}}, %[[RPA]]) {{{.*}}repeat = 1 : i64, sizes = array<i64: 2>
// CHECK-NEXT: "aie.dma"(%[[CI2]], %[[CIA]]) {{{.*}}repeat = 3 : i64, sizes = array<i64: 4>
// CHECK: "aie.core"(%[[T00]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[XA]], %[[VA]], %[[RPA]], %[[CIA]], %{{.*}}) {{{.*}}block_rows = array<i64: 0, 1>, calls = 3 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 64>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 1>, spatial_dim = "rows", tile = array<i64: 1, 1>, weight_chunks = 3 : i64, weight_resident = false
func.func @matmul_streamed_weight(%x: tensor<2x640xf32>) -> tensor<2x128xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]> : tensor<20xi64>, row_ptr = dense<[0, 10, 20]> : tensor<3xi64>, values = dense<1.0> : tensor<20x64x64xf32>} : () -> !bsparse.bsr<array<i64: 128, 640>, array<i64: 64, 64>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x640xf32>, !bsparse.bsr<array<i64: 128, 640>, array<i64: 64, 64>, f32>) -> tensor<2x128xf32>
  return %y : tensor<2x128xf32>
}

// -----

// Interleaved block rows (bsparse-partition's row_order, here planned by the pass itself):
// loads [2, 2, 0, 0, 1, 1] over 2 core rows are {0, 2, 4} | {1, 3, 5}, 3 blocks each. Each
// share gathers its rows' blocks (row 0's two, row 2's none, row 4's one); the kernel's
// block_rows and channels list its contiguous runs as (first, end) pairs, and each run of
// output channels goes to the column's L2 output with its own DMA, from its place in L1.
// CHECK-LABEL: func.func @matmul_interleaved_rows
// CHECK-DAG: arith.constant dense<[0, 1, 0]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<[0, 1, 1]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<[0, 2, 2, 3]> : tensor<4xi64>
// CHECK: %[[M0:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64}
// CHECK-NEXT: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64}
// CHECK-NEXT: %[[T01:.*]] = "aie.tile"() {col = 0 : i64, row = 3 : i64}
// CHECK: %[[YL2:.*]] = "aie.buffer"(%[[M0]]) {level = "L2", {{.*}}} : (index) -> memref<2x48xf32>
// CHECK: %[[YL1:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<2x24xf32>
// CHECK: %[[YL1B:.*]] = "aie.buffer"(%[[T01]]) {level = "L1", {{.*}}} : (index) -> memref<2x24xf32>
// CHECK: "aie.dma"(%[[YL1]], %[[YL2]]) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 2, 8>, src_offsets = array<i64: 0, 0>}
// CHECK-NEXT: "aie.dma"(%[[YL1]], %[[YL2]]) {dst_offsets = array<i64: 0, 16>, repeat = 1 : i64, sizes = array<i64: 2, 8>, src_offsets = array<i64: 0, 8>}
// CHECK-NEXT: "aie.dma"(%[[YL1]], %[[YL2]]) {dst_offsets = array<i64: 0, 32>, repeat = 1 : i64, sizes = array<i64: 2, 8>, src_offsets = array<i64: 0, 16>}
// CHECK: "aie.dma"(%[[YL1B]], %[[YL2]]) {dst_offsets = array<i64: 0, 8>, repeat = 1 : i64, sizes = array<i64: 2, 8>, src_offsets = array<i64: 0, 0>}
// CHECK-NEXT: "aie.dma"(%[[YL1B]], %[[YL2]]) {dst_offsets = array<i64: 0, 24>, repeat = 1 : i64, sizes = array<i64: 2, 8>, src_offsets = array<i64: 0, 8>}
// CHECK-NEXT: "aie.dma"(%[[YL1B]], %[[YL2]]) {dst_offsets = array<i64: 0, 40>, repeat = 1 : i64, sizes = array<i64: 2, 8>, src_offsets = array<i64: 0, 16>}
// CHECK: "aie.core"(%[[T00]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%{{.*}}, %[[YL1]]) {{.*}}block_rows = array<i64: 0, 1, 2, 3, 4, 5>{{.*}}channels = array<i64: 0, 8, 16, 24, 32, 40>
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T01]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%{{.*}}, %[[YL1B]]) {{.*}}block_rows = array<i64: 1, 2, 3, 4, 5, 6>{{.*}}channels = array<i64: 8, 16, 24, 32, 40, 48>
func.func @matmul_interleaved_rows(%x: tensor<4x16xf32>) -> tensor<4x48xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1, 0, 1]> : tensor<6xi64>, row_ptr = dense<[0, 2, 4, 4, 4, 5, 6]> : tensor<7xi64>, values = dense<1.0> : tensor<6x8x8xf32>} : () -> !bsparse.bsr<array<i64: 48, 16>, array<i64: 8, 8>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<4x16xf32>, !bsparse.bsr<array<i64: 48, 16>, array<i64: 8, 8>, f32>) -> tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}
