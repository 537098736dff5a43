// Verifies that aie.device, tile, buffer, dma, core and kernel round-trip through
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
// CHECK-NEXT: "aie.dma"(%[[L3]], %[[L2]]) {dst_offsets = array<i64: 0, 0>, sizes = array<i64: 128, 256>, src_offsets = array<i64: 128, 0>} : (memref<512x256xi8>, memref<128x256xi8>) -> ()
// CHECK-NEXT: "aie.dma"(%[[L2]], %[[L1]]) {dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 256>, src_offsets = array<i64: 96, 0>} : (memref<128x256xi8>, memref<32x256xi8>) -> ()
func.func @dma_chain() {
  "aie.device"() ({
    %mem = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
    %core = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
    %l3 = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<512x256xi8>
    %l2 = "aie.buffer"(%mem) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<128x256xi8>
    %l1 = "aie.buffer"(%core) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x256xi8>
    "aie.dma"(%l3, %l2) {src_offsets = array<i64: 128, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 128, 256>} : (memref<512x256xi8>, memref<128x256xi8>) -> ()
    "aie.dma"(%l2, %l1) {src_offsets = array<i64: 96, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 256>} : (memref<128x256xi8>, memref<32x256xi8>) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// A function argument is host memory (L3) and may be a DMA endpoint.
// CHECK-LABEL: func.func @dma_from_argument
// CHECK-SAME: (%[[HOST:.*]]: memref<64x64xi8>)
// CHECK: "aie.dma"(%[[HOST]], %{{.*}}) {dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>, src_offsets = array<i64: 0, 0>} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
func.func @dma_from_argument(%host: memref<64x64xi8>) {
  "aie.device"() ({
    %mem = "aie.tile"() {col = 3 : i64, row = 1 : i64} : () -> index
    %l2 = "aie.buffer"(%mem) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
    "aie.dma"(%host, %l2) {src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// A core calling each kernel once, over L1 buffers of its own tile. (The buffers
// share one type: see kernel-mixed-buffers.mlir for kernels over differing types.)
// CHECK-LABEL: func.func @core_kernels
// CHECK: %[[T:.*]] = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
// CHECK-COUNT-6: "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
// CHECK-NEXT: "aie.core"(%[[T]]) ({
// CHECK-NEXT: "aie.kernel"({{.*}}) {kernel = "matmul_bsr", operandSegmentSizes = array<i32: 5>, params = {activation = "relu", block = array<i64: 8, 8>}} : (memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>) -> ()
// CHECK-NEXT: "aie.kernel"({{.*}}) {kernel = "matmul_bsr", operandSegmentSizes = array<i32: 6>, params = {}} : (memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>) -> ()
// CHECK-NEXT: "aie.kernel"({{.*}}) {kernel = "conv2d_bsr", operandSegmentSizes = array<i32: 5>, params = {groups = 1 : i64, layout = "nhwc"}} : (memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>) -> ()
// CHECK-NEXT: "aie.kernel"({{.*}}) {kernel = "add", operandSegmentSizes = array<i32: 3>, params = {}} : (memref<256xi8>, memref<256xi8>, memref<256xi8>) -> ()
// CHECK-NEXT: "aie.kernel"({{.*}}) {kernel = "relu", operandSegmentSizes = array<i32: 2>, params = {}} : (memref<256xi8>, memref<256xi8>) -> ()
// CHECK-NEXT: "aie.kernel"({{.*}}) {kernel = "copy", operandSegmentSizes = array<i32: 2>, params = {}} : (memref<256xi8>, memref<256xi8>) -> ()
// CHECK-NEXT: }) : (index) -> ()
func.func @core_kernels() {
  "aie.device"() ({
    %t = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
    %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
    %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
    %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
    %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
    %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
    %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256xi8>
    "aie.core"(%t) ({
      "aie.kernel"(%x, %v, %rp, %ci, %y) {kernel = "matmul_bsr", params = {activation = "relu", block = array<i64: 8, 8>}, operandSegmentSizes = array<i32: 5>} : (memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>) -> ()
      "aie.kernel"(%x, %v, %rp, %ci, %b, %y) {kernel = "matmul_bsr", params = {}, operandSegmentSizes = array<i32: 6>} : (memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>) -> ()
      "aie.kernel"(%x, %v, %rp, %ci, %y) {kernel = "conv2d_bsr", params = {layout = "nhwc", groups = 1 : i64}, operandSegmentSizes = array<i32: 5>} : (memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>, memref<256xi8>) -> ()
      "aie.kernel"(%x, %y, %b) {kernel = "add", params = {}, operandSegmentSizes = array<i32: 3>} : (memref<256xi8>, memref<256xi8>, memref<256xi8>) -> ()
      "aie.kernel"(%b, %y) {kernel = "relu", params = {}, operandSegmentSizes = array<i32: 2>} : (memref<256xi8>, memref<256xi8>) -> ()
      "aie.kernel"(%y, %x) {kernel = "copy", params = {}, operandSegmentSizes = array<i32: 2>} : (memref<256xi8>, memref<256xi8>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// Two cores on a bf16-costed aie2-ve2802 (rows 1 and 2 are memory tiles, so
// compute tiles start at row 3), each calling a kernel over its own L1 buffers.
// CHECK-LABEL: func.func @two_cores
// CHECK: %[[T0:.*]] = "aie.tile"() {col = 0 : i64, row = 3 : i64}
// CHECK-NEXT: %[[T1:.*]] = "aie.tile"() {col = 37 : i64, row = 10 : i64}
// CHECK-NEXT: %[[M:.*]] = "aie.tile"() {col = 5 : i64, row = 2 : i64}
// CHECK: "aie.buffer"(%[[M]]) {level = "L2"
// CHECK: "aie.core"(%[[T0]]) ({
// CHECK-NEXT: "aie.kernel"(%{{.*}}, %{{.*}}) {kernel = "relu"
// CHECK: "aie.core"(%[[T1]]) ({
// CHECK-NEXT: "aie.kernel"(%{{.*}}, %{{.*}}) {kernel = "copy"
// CHECK: }) {dtype = "bf16", target = "aie2-ve2802"} : () -> ()
func.func @two_cores() {
  "aie.device"() ({
    %t0 = "aie.tile"() {col = 0 : i64, row = 3 : i64} : () -> index
    %t1 = "aie.tile"() {col = 37 : i64, row = 10 : i64} : () -> index
    %m = "aie.tile"() {col = 5 : i64, row = 2 : i64} : () -> index
    %x = "aie.buffer"(%t0) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8x8xbf16>
    %y = "aie.buffer"(%t0) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8x8xbf16>
    %a = "aie.buffer"(%t1) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xbf16>
    %b = "aie.buffer"(%t1) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xbf16>
    %l2 = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<8x8xbf16>
    "aie.dma"(%l2, %x) {src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 8, 8>} : (memref<8x8xbf16>, memref<8x8xbf16>) -> ()
    "aie.core"(%t0) ({
      "aie.kernel"(%x, %y) {kernel = "relu", params = {}, operandSegmentSizes = array<i32: 2>} : (memref<8x8xbf16>, memref<8x8xbf16>) -> ()
    }) : (index) -> ()
    "aie.core"(%t1) ({
      "aie.kernel"(%a, %b) {kernel = "copy", params = {}, operandSegmentSizes = array<i32: 2>} : (memref<64xbf16>, memref<64xbf16>) -> ()
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
