// Verifies that aie.device, tile, buffer, dma, core, matmul_bsr and conv2d_bsr round-trip through
// bsparse-opt in generic form, and that a second round trip prints identical text.
// RUN: BSPARSE_ROUNDTRIP
// RUN: bsparse-opt %s --split-input-file > %t.1 && bsparse-opt %t.1 --split-input-file > %t.2 && diff %t.1 %t.2

// aie2-4x4: row 0 shim, row 1 memory tiles, rows 2-5 compute tiles.
// CHECK-LABEL: func.func @device_tiles
// CHECK-NEXT: "aie.device"() ({
// CHECK-NEXT: "aie.tile"() {col = 0 : i64, row = 0 : i64} : () -> index
// CHECK-NEXT: "aie.tile"() {col = 1 : i64, row = 1 : i64} : () -> index
// CHECK-NEXT: "aie.tile"() {col = 3 : i64, row = 5 : i64} : () -> index
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-4x4"} : () -> ()
// CHECK-NEXT: return
func.func @device_tiles() {
  "aie.device"() ({
    %shim = "aie.tile"() {col = 0 : i64, row = 0 : i64} : () -> index
    %mem = "aie.tile"() {col = 1 : i64, row = 1 : i64} : () -> index
    %core = "aie.tile"() {col = 3 : i64, row = 5 : i64} : () -> index
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// CHECK-LABEL: func.func @buffers_at_each_level
// CHECK: %[[MEM:.*]] = "aie.tile"() {col = 2 : i64, row = 1 : i64} : () -> index
// CHECK-NEXT: %[[CORE:.*]] = "aie.tile"() {col = 2 : i64, row = 3 : i64} : () -> index
// CHECK-NEXT: "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<1024x1024xi8>
// CHECK-NEXT: "aie.buffer"(%[[MEM]]) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256x256xi8>
// CHECK-NEXT: "aie.buffer"(%[[CORE]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
func.func @buffers_at_each_level() {
  "aie.device"() ({
    %mem = "aie.tile"() {col = 2 : i64, row = 1 : i64} : () -> index
    %core = "aie.tile"() {col = 2 : i64, row = 3 : i64} : () -> index
    %l3 = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<1024x1024xi8>
    %l2 = "aie.buffer"(%mem) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256x256xi8>
    %l1 = "aie.buffer"(%core) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// Buffers that fill L1 (65536 bytes) and L2 (524288 bytes) exactly. Sizes are
// counted at the costed type's width (i8: 1 byte), not the memref's f32.
// CHECK-LABEL: func.func @buffers_at_capacity
// CHECK: "aie.buffer"(%{{.*}}) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<524288xi8>
// CHECK-NEXT: "aie.buffer"(%{{.*}}) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256x256xf32>
func.func @buffers_at_capacity() {
  "aie.device"() ({
    %mem = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
    %core = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
    %l2 = "aie.buffer"(%mem) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<524288xi8>
    %l1 = "aie.buffer"(%core) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256x256xf32>
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// Several L1 buffers on one compute tile, together exactly 65536 bytes at i16.
// CHECK-LABEL: func.func @l1_buffers_fill_tile
// CHECK-COUNT-2: "aie.buffer"(%{{.*}}) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<128x64xi16>
// CHECK: }) {dtype = "i16", target = "aie2-4x4"}
func.func @l1_buffers_fill_tile() {
  "aie.device"() ({
    %core = "aie.tile"() {col = 1 : i64, row = 4 : i64} : () -> index
    %a = "aie.buffer"(%core) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<128x64xi16>
    %b = "aie.buffer"(%core) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<128x64xi16>
  }) {target = "aie2-4x4", dtype = "i16"} : () -> ()
  return
}

// -----

// aie1-vc1902 has no memory tiles: row 1 is already a compute row; f32 is native.
// CHECK-LABEL: func.func @aie1_device
// CHECK: %[[CORE:.*]] = "aie.tile"() {col = 49 : i64, row = 1 : i64} : () -> index
// CHECK-NEXT: "aie.buffer"(%[[CORE]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8192xf32>
// CHECK: }) {dtype = "f32", target = "aie1-vc1902"} : () -> ()
func.func @aie1_device() {
  "aie.device"() ({
    %core = "aie.tile"() {col = 49 : i64, row = 1 : i64} : () -> index
    %l1 = "aie.buffer"(%core) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8192xf32>
  }) {target = "aie1-vc1902", dtype = "f32"} : () -> ()
  return
}

// -----

// DMA moves DDR -> memory tile -> compute tile, by boxes.
// CHECK-LABEL: func.func @dma_chain
// CHECK: %[[L3:.*]] = "aie.buffer"() {level = "L3"
// CHECK-NEXT: %[[L2:.*]] = "aie.buffer"(%{{.*}}) {level = "L2"
// CHECK-NEXT: %[[L1:.*]] = "aie.buffer"(%{{.*}}) {level = "L1"
// CHECK-NEXT: "aie.dma"(%[[L3]], %[[L2]]) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 128, 256>, src_offsets = array<i64: 128, 0>} : (memref<512x256xi8>, memref<128x256xi8>) -> ()
// CHECK-NEXT: "aie.dma"(%[[L2]], %[[L1]]) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 32, 256>, src_offsets = array<i64: 96, 0>} : (memref<128x256xi8>, memref<32x256xi8>) -> ()
func.func @dma_chain() {
  "aie.device"() ({
    %mem = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
    %core = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
    %l3 = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<512x256xi8>
    %l2 = "aie.buffer"(%mem) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<128x256xi8>
    %l1 = "aie.buffer"(%core) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x256xi8>
    "aie.dma"(%l3, %l2) {repeat = 1 : i64, src_offsets = array<i64: 128, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 128, 256>} : (memref<512x256xi8>, memref<128x256xi8>) -> ()
    "aie.dma"(%l2, %l1) {repeat = 1 : i64, src_offsets = array<i64: 96, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 256>} : (memref<128x256xi8>, memref<32x256xi8>) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// A function argument is host memory (L3) and may be a DMA endpoint.
// CHECK-LABEL: func.func @dma_from_argument
// CHECK-SAME: (%[[HOST:.*]]: memref<64x64xi8>)
// CHECK: "aie.dma"(%[[HOST]], %{{.*}}) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 64, 64>, src_offsets = array<i64: 0, 0>} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
func.func @dma_from_argument(%host: memref<64x64xi8>) {
  "aie.device"() ({
    %mem = "aie.tile"() {col = 3 : i64, row = 1 : i64} : () -> index
    %l2 = "aie.buffer"(%mem) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
    "aie.dma"(%host, %l2) {repeat = 1 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// Host memory defined outside the device (memref.alloc, bufferization.to_buffer,
// a function argument) is L3; repeat > 1 streams one box per tile of a loop.
// CHECK-LABEL: func.func @dma_streams_host_memory
// CHECK-SAME: (%[[ARG:.*]]: memref<256x64xi8>, %[[T:.*]]: tensor<128x32xi8>)
// CHECK-NEXT: %[[ALLOC:.*]] = memref.alloc() : memref<64x256xi8>
// CHECK-NEXT: %[[TB:.*]] = bufferization.to_buffer %[[T]] : tensor<128x32xi8> to memref<128x32xi8>
// CHECK-NEXT: "aie.device"() ({
// CHECK-NEXT: %[[MEM:.*]] = "aie.tile"() {col = 2 : i64, row = 1 : i64} : () -> index
// CHECK-NEXT: %[[A:.*]] = "aie.buffer"(%[[MEM]]) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
// CHECK-NEXT: %[[B:.*]] = "aie.buffer"(%[[MEM]]) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
// CHECK-NEXT: "aie.dma"(%[[ARG]], %[[A]]) {dst_offsets = array<i64: 0, 0>, repeat = 4 : i64, sizes = array<i64: 64, 64>, src_offsets = array<i64: 0, 0>} : (memref<256x64xi8>, memref<64x64xi8>) -> ()
// CHECK-NEXT: "aie.dma"(%[[A]], %[[ALLOC]]) {dst_offsets = array<i64: 0, 192>, repeat = 16 : i64, sizes = array<i64: 64, 64>, src_offsets = array<i64: 0, 0>} : (memref<64x64xi8>, memref<64x256xi8>) -> ()
// CHECK-NEXT: "aie.dma"(%[[TB]], %[[B]]) {dst_offsets = array<i64: 0, 0>, repeat = 2 : i64, sizes = array<i64: 32, 32>, src_offsets = array<i64: 96, 0>} : (memref<128x32xi8>, memref<32x32xi8>) -> ()
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-4x4"} : () -> ()
func.func @dma_streams_host_memory(%arg: memref<256x64xi8>, %t: tensor<128x32xi8>) {
  %alloc = memref.alloc() : memref<64x256xi8>
  %tb = bufferization.to_buffer %t : tensor<128x32xi8> to memref<128x32xi8>
  "aie.device"() ({
    %mem = "aie.tile"() {col = 2 : i64, row = 1 : i64} : () -> index
    %a = "aie.buffer"(%mem) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
    %b = "aie.buffer"(%mem) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
    "aie.dma"(%arg, %a) {repeat = 4 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>} : (memref<256x64xi8>, memref<64x64xi8>) -> ()
    "aie.dma"(%a, %alloc) {repeat = 16 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 192>, sizes = array<i64: 64, 64>} : (memref<64x64xi8>, memref<64x256xi8>) -> ()
    "aie.dma"(%tb, %b) {repeat = 2 : i64, src_offsets = array<i64: 96, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 32>} : (memref<128x32xi8>, memref<32x32xi8>) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// A core running aie.matmul_bsr over L1 buffers of its own tile, each of its own
// type: input, values [blocks, R, C], row_ptr, col_idx, output, then the optional
// bias (declared last, so it is the sixth operand in generic form).
// CHECK-LABEL: func.func @matmul_bsr_kernels
// CHECK: %[[T:.*]] = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
// CHECK-NEXT: %[[X:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
// CHECK-NEXT: %[[V:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
// CHECK-NEXT: %[[RP:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
// CHECK-NEXT: %[[CI:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[B:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16xi32>
// CHECK-NEXT: %[[Y:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
// CHECK-NEXT: "aie.core"(%[[T]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[X]], %[[V]], %[[RP]], %[[CI]], %[[Y]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
// CHECK-NEXT: "aie.matmul_bsr"(%[[X]], %[[V]], %[[RP]], %[[CI]], %[[Y]], %[[B]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>, params = {activation = "relu", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>, memref<16xi32>) -> ()
// CHECK-NEXT: }) : (index) -> ()
func.func @matmul_bsr_kernels() {
  "aie.device"() ({
    %t = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
    %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
    %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
    %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
    %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
    %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16xi32>
    %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
    "aie.core"(%t) ({
      "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
      "aie.matmul_bsr"(%x, %v, %rp, %ci, %y, %b) {params = {activation = "relu", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>, memref<16xi32>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// aie.conv2d_bsr takes rank-5 values [blocks, R, C, KH, KW]: here 4 blocks of
// 8x8 channels with a 3x3 window, for an NHWC 3x3 convolution (16 -> 16 channels).
// CHECK-LABEL: func.func @conv2d_bsr_kernels
// CHECK: %[[T:.*]] = "aie.tile"() {col = 3 : i64, row = 4 : i64} : () -> index
// CHECK-NEXT: %[[X:.*]] = "aie.buffer"(%[[T]]) {{.*}} -> memref<1x10x10x16xi8>
// CHECK-NEXT: %[[V:.*]] = "aie.buffer"(%[[T]]) {{.*}} -> memref<4x8x8x3x3xi8>
// CHECK-NEXT: %[[RP:.*]] = "aie.buffer"(%[[T]]) {{.*}} -> memref<3xi32>
// CHECK-NEXT: %[[CI:.*]] = "aie.buffer"(%[[T]]) {{.*}} -> memref<4xi32>
// CHECK-NEXT: %[[B:.*]] = "aie.buffer"(%[[T]]) {{.*}} -> memref<16xi32>
// CHECK-NEXT: %[[Y:.*]] = "aie.buffer"(%[[T]]) {{.*}} -> memref<1x8x8x16xi8>
// CHECK-NEXT: "aie.core"(%[[T]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"(%[[X]], %[[V]], %[[RP]], %[[CI]], %[[Y]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nhwc", output_tiles = 1 : i64, padding = array<i64: 0, 0, 0, 0>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x10x10x16xi8>, memref<4x8x8x3x3xi8>, memref<3xi32>, memref<4xi32>, memref<1x8x8x16xi8>) -> ()
// CHECK-NEXT: "aie.conv2d_bsr"(%[[X]], %[[V]], %[[RP]], %[[CI]], %[[Y]], %[[B]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>, params = {activation = "relu", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nhwc", output_tiles = 1 : i64, padding = array<i64: 0, 0, 0, 0>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x10x10x16xi8>, memref<4x8x8x3x3xi8>, memref<3xi32>, memref<4xi32>, memref<1x8x8x16xi8>, memref<16xi32>) -> ()
// CHECK-NEXT: }) : (index) -> ()
func.func @conv2d_bsr_kernels() {
  "aie.device"() ({
    %t = "aie.tile"() {col = 3 : i64, row = 4 : i64} : () -> index
    %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x10x10x16xi8>
    %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
    %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi32>
    %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi32>
    %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16xi32>
    %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x8x8x16xi8>
    "aie.core"(%t) ({
      "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nhwc", output_tiles = 1 : i64, padding = array<i64: 0, 0, 0, 0>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<1x10x10x16xi8>, memref<4x8x8x3x3xi8>, memref<3xi32>, memref<4xi32>, memref<1x8x8x16xi8>) -> ()
      "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y, %b) {params = {activation = "relu", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nhwc", output_tiles = 1 : i64, padding = array<i64: 0, 0, 0, 0>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>} : (memref<1x10x10x16xi8>, memref<4x8x8x3x3xi8>, memref<3xi32>, memref<4xi32>, memref<1x8x8x16xi8>, memref<16xi32>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// Two cores on a bf16-costed aie2-ve2802 (rows 1 and 2 are memory tiles, so
// compute tiles start at row 3), each running a kernel over its own L1 buffers.
// CHECK-LABEL: func.func @two_cores
// CHECK: %[[T0:.*]] = "aie.tile"() {col = 0 : i64, row = 3 : i64}
// CHECK-NEXT: %[[T1:.*]] = "aie.tile"() {col = 37 : i64, row = 10 : i64}
// CHECK-NEXT: %[[M:.*]] = "aie.tile"() {col = 5 : i64, row = 2 : i64}
// CHECK: %[[L2:.*]] = "aie.buffer"(%[[M]]) {level = "L2"
// CHECK-NEXT: "aie.dma"(%[[L2]], %{{.*}}) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 8, 32>, src_offsets = array<i64: 0, 0>} : (memref<8x32xbf16>, memref<8x32xbf16>) -> ()
// CHECK-NEXT: "aie.core"(%[[T0]]) ({
// CHECK-NEXT: "aie.matmul_bsr"({{.*}}) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<8x32xbf16>, memref<1x8x8xbf16>, memref<2xi64>, memref<1xi64>, memref<8x8xbf16>) -> ()
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: "aie.core"(%[[T1]]) ({
// CHECK-NEXT: "aie.conv2d_bsr"({{.*}}) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 8 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 0, 0, 0, 0>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x8x6x6xbf16>, memref<8x1x1x3x3xbf16>, memref<9xi64>, memref<8xi64>, memref<1x8x4x4xbf16>, memref<8xbf16>) -> ()
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: }) {dtype = "bf16", target = "aie2-ve2802"} : () -> ()
func.func @two_cores() {
  "aie.device"() ({
    %t0 = "aie.tile"() {col = 0 : i64, row = 3 : i64} : () -> index
    %t1 = "aie.tile"() {col = 37 : i64, row = 10 : i64} : () -> index
    %m = "aie.tile"() {col = 5 : i64, row = 2 : i64} : () -> index
    %x = "aie.buffer"(%t0) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8x32xbf16>
    %v = "aie.buffer"(%t0) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x8x8xbf16>
    %rp = "aie.buffer"(%t0) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
    %ci = "aie.buffer"(%t0) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1xi64>
    %y = "aie.buffer"(%t0) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8x8xbf16>
    %cx = "aie.buffer"(%t1) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x8x6x6xbf16>
    %cv = "aie.buffer"(%t1) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8x1x1x3x3xbf16>
    %crp = "aie.buffer"(%t1) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<9xi64>
    %cci = "aie.buffer"(%t1) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8xi64>
    %cy = "aie.buffer"(%t1) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x8x4x4xbf16>
    %cb = "aie.buffer"(%t1) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8xbf16>
    %l2 = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8x32xbf16>
    "aie.dma"(%l2, %x) {repeat = 1 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 8, 32>} : (memref<8x32xbf16>, memref<8x32xbf16>) -> ()
    "aie.core"(%t0) ({
      "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<8x32xbf16>, memref<1x8x8xbf16>, memref<2xi64>, memref<1xi64>, memref<8x8xbf16>) -> ()
    }) : (index) -> ()
    "aie.core"(%t1) ({
      "aie.conv2d_bsr"(%cx, %cv, %crp, %cci, %cy, %cb) {params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 8 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 0, 0, 0, 0>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>} : (memref<1x8x6x6xbf16>, memref<8x1x1x3x3xbf16>, memref<9xi64>, memref<8xi64>, memref<1x8x4x4xbf16>, memref<8xbf16>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-ve2802", dtype = "bf16"} : () -> ()
  return
}

// -----

// An empty core body and an empty device are valid (no terminator needed).
// CHECK-LABEL: func.func @empty_bodies
// CHECK-NEXT: "aie.device"() ({
// CHECK-NEXT: %[[T:.*]] = "aie.tile"()
// CHECK-NEXT: "aie.core"(%[[T]]) ({
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-2x2"} : () -> ()
// CHECK-NEXT: "aie.device"() ({
// CHECK-NEXT: }) {dtype = "i16", target = "aie2-8x8"} : () -> ()
func.func @empty_bodies() {
  "aie.device"() ({
    %t = "aie.tile"() {col = 1 : i64, row = 3 : i64} : () -> index
    "aie.core"(%t) ({
    }) : (index) -> ()
  }) {target = "aie2-2x2", dtype = "i8"} : () -> ()
  "aie.device"() ({
  }) {target = "aie2-8x8", dtype = "i16"} : () -> ()
  return
}

// -----

// A device at module level, as mlir-aie writes it.
// CHECK: module {
// CHECK-NEXT: "aie.device"() ({
// CHECK-NEXT: "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-phoenix"} : () -> ()
// CHECK-NEXT: }
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
}) {target = "aie2-phoenix", dtype = "i8"} : () -> ()
