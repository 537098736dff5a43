// Verifies that each aie verifier rule (device, tile, buffer, dma, core, matmul_bsr,
// conv2d_bsr)
// rejects malformed IR with a located, specific diagnostic.
// RUN: bsparse-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{unknown target 'aie9-1x1'; known targets: aie1-vc1902, aie2-2x2, aie2-3x3, aie2-4x4}}
"aie.device"() ({
}) {target = "aie9-1x1", dtype = "i8"} : () -> ()

// -----

// expected-error @+1 {{attribute 'dtype' must be one of 'i8', 'i16', 'bf16', 'f32', got 'f64'}}
"aie.device"() ({
}) {target = "aie2-4x4", dtype = "f64"} : () -> ()

// -----

// First-generation AIE has no bf16 at all, neither native nor emulated.
// expected-error @+1 {{target 'aie1-vc1902' has no native bf16 MACs}}
"aie.device"() ({
}) {target = "aie1-vc1902", dtype = "bf16"} : () -> ()

// -----

// Each buffer fits L1 but together they need 65536 + 1 bytes on tile(0, 2).
// expected-error @+1 {{buffers on tile(0, 2) need 65537 bytes of L1 but aie2-4x4 has 65536}}
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %a = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<65535xi8>
  %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// At i16 two 32768-element buffers need 131072 bytes on one tile.
// expected-error @+1 {{buffers on tile(3, 5) need 131072 bytes of L1 but aie2-4x4 has 65536}}
"aie.device"() ({
  %t = "aie.tile"() {col = 3 : i64, row = 5 : i64} : () -> index
  %a = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32768xf32>
  %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32768xf32>
}) {target = "aie2-4x4", dtype = "i16"} : () -> ()

// -----

// expected-error @+1 {{buffers on tile(1, 1) need 786432 bytes of L2 but aie2-4x4 has 524288}}
"aie.device"() ({
  %m = "aie.tile"() {col = 1 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512x512xi8>
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512x512xi8>
  %c = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<512x512xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  // expected-error @+1 {{tile(4, 2) is outside the 4x6 array of aie2-4x4}}
  %t = "aie.tile"() {col = 4 : i64, row = 2 : i64} : () -> index
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  // expected-error @+1 {{tile(0, 6) is outside the 4x6 array of aie2-4x4}}
  %t = "aie.tile"() {col = 0 : i64, row = 6 : i64} : () -> index
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  // expected-error @+1 {{tile(50, 0) is outside the 50x9 array of aie1-vc1902}}
  %t = "aie.tile"() {col = 50 : i64, row = 0 : i64} : () -> index
}) {target = "aie1-vc1902", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  // expected-error @+1 {{attribute 'col' must be >= 0, got -1}}
  %t = "aie.tile"() {col = -1 : i64, row = 2 : i64} : () -> index
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

func.func @tile_outside_device() {
  // expected-error @+1 {{must be nested in an 'aie.device'}}
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  return
}

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  // expected-error @+1 {{an L1 buffer must be on a core tile, but tile(0, 1) is a memtile tile}}
  %a = "aie.buffer"(%m) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %s = "aie.tile"() {col = 2 : i64, row = 0 : i64} : () -> index
  // expected-error @+1 {{an L1 buffer must be on a core tile, but tile(2, 0) is a shim tile}}
  %a = "aie.buffer"(%s) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %c = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  // expected-error @+1 {{an L2 buffer must be on a memtile tile, but tile(0, 2) is a core tile}}
  %a = "aie.buffer"(%c) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %c = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  // expected-error @+1 {{aie1-vc1902 has no memory tiles, so no L2 buffers}}
  %a = "aie.buffer"(%c) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xi8>
}) {target = "aie1-vc1902", dtype = "i8"} : () -> ()

// -----

// The device sums the buffers of each tile, those in core regions included,
// before the buffers verify themselves, so it reports an oversized buffer first.
// expected-error @+1 {{buffers on tile(0, 2) need 65540 bytes of L1 but aie2-4x4 has 65536}}
"aie.device"() ({
  %c = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  "aie.core"(%c) ({
    %a = "aie.buffer"(%c) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<65540xi8>
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Data sizes are counted at the costed width: 65536 elements fit L1 exactly at i8,
// but are 131072 bytes on this bf16-costed device (whatever the float memref type).
// expected-error @+1 {{buffers on tile(0, 2) need 131072 bytes of L1 but aie2-4x4 has 65536}}
"aie.device"() ({
  %c = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  "aie.core"(%c) ({
    %a = "aie.buffer"(%c) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<256x256xf32>
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "bf16"} : () -> ()

// -----

// One L2 buffer one byte over the memory tile's capacity.
// expected-error @+1 {{buffers on tile(0, 1) need 524289 bytes of L2 but aie2-4x4 has 524288}}
"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<524289xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %c = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  // expected-error @+1 {{an L3 (DDR) buffer takes no tile}}
  %a = "aie.buffer"(%c) {level = "L3", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  // expected-error @+1 {{an L1 buffer needs a tile}}
  %a = "aie.buffer"() {level = "L1", operandSegmentSizes = array<i32: 0>} : () -> memref<64xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  // expected-error @+1 {{attribute 'level' must be one of 'L3', 'L2', 'L1', got 'L0'}}
  %a = "aie.buffer"() {level = "L0", operandSegmentSizes = array<i32: 0>} : () -> memref<64xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  // expected-error @+1 {{result must have a static shape, got memref<?xi8>}}
  %a = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<?xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()


// -----

"aie.device"() ({
  %i = arith.constant 2 : index
  // expected-error @+1 {{tile operand must be the result of an 'aie.tile'}}
  "aie.core"(%i) ({
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

func.func @buffer_outside_device() {
  // expected-error @+1 {{must be nested in an 'aie.device'}}
  %a = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<64xi8>
  return
}

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<64x64xi8>
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
  // expected-error @+1 {{box at [0, 16] of size [32, 32] does not fit dst of shape [32, 32]}}
  "aie.dma"(%a, %b) {repeat = 1 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 16>, sizes = array<i64: 32, 32>} : (memref<64x64xi8>, memref<32x32xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<64x64xi8>
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
  // expected-error @+1 {{box at [48, 0] of size [32, 32] does not fit src of shape [64, 64]}}
  "aie.dma"(%a, %b) {repeat = 1 : i64, src_offsets = array<i64: 48, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 32>} : (memref<64x64xi8>, memref<32x32xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<4096xi8>
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
  // expected-error @+1 {{dst has rank 2 but sizes has 1 entries}}
  "aie.dma"(%a, %b) {repeat = 1 : i64, src_offsets = array<i64: 0>, dst_offsets = array<i64: 0>, sizes = array<i64: 1024>} : (memref<4096xi8>, memref<32x32xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<64x64xi8>
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
  // expected-error @+1 {{attribute 'src_offsets' must have 2 elements, got 1}}
  "aie.dma"(%a, %b) {repeat = 1 : i64, src_offsets = array<i64: 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 32>} : (memref<64x64xi8>, memref<32x32xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<64x64xi8>
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
  // expected-error @+1 {{attribute 'src_offsets' elements must be >= 0, got [-1, 0]}}
  "aie.dma"(%a, %b) {repeat = 1 : i64, src_offsets = array<i64: -1, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 32>} : (memref<64x64xi8>, memref<32x32xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<64x64xi8>
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
  // expected-error @+1 {{attribute 'sizes' elements must be >= 1, got [0, 32]}}
  "aie.dma"(%a, %b) {repeat = 1 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 0, 32>} : (memref<64x64xi8>, memref<32x32xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
  // expected-error @+1 {{source and destination must differ}}
  "aie.dma"(%b, %b) {repeat = 1 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 32>} : (memref<32x32xi8>, memref<32x32xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A memref.alloc is host memory only outside the device; inside it, it is no buffer.
"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = memref.alloc() : memref<32x32xi8>
  %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<32x32xi8>
  // expected-error @+1 {{DMA operands must be 'aie.buffer' results or host memory defined outside the device}}
  "aie.dma"(%a, %b) {repeat = 1 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 32>} : (memref<32x32xi8>, memref<32x32xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// The destination is a view of an aie.buffer, made inside the device by a non-buffer op.
func.func @dma_to_subview(%host: memref<64x64xi8>) {
  "aie.device"() ({
    %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
    %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
    %v = memref.subview %b[0, 0] [32, 32] [1, 1] : memref<64x64xi8> to memref<32x32xi8, strided<[64, 1]>>
    // expected-error @+1 {{DMA operands must be 'aie.buffer' results or host memory defined outside the device}}
    "aie.dma"(%host, %v) {repeat = 1 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 32, 32>} : (memref<64x64xi8>, memref<32x32xi8, strided<[64, 1]>>) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

func.func @dma_repeat_zero(%host: memref<64x64xi8>) {
  "aie.device"() ({
    %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
    %b = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
    // expected-error @+1 {{attribute 'repeat' must be >= 1, got 0}}
    "aie.dma"(%host, %b) {repeat = 0 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

func.func @dma_outside_device(%a: memref<8xi8>, %b: memref<8xi8>) {
  // expected-error @+1 {{must be nested in an 'aie.device'}}
  "aie.dma"(%a, %b) {repeat = 1 : i64, src_offsets = array<i64: 0>, dst_offsets = array<i64: 0>, sizes = array<i64: 8>} : (memref<8xi8>, memref<8xi8>) -> ()
  return
}

// -----

"aie.device"() ({
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  // expected-error @+1 {{tile(0, 1) is a memtile tile, not a compute tile}}
  "aie.core"(%m) ({
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %s = "aie.tile"() {col = 7 : i64, row = 0 : i64} : () -> index
  // expected-error @+1 {{tile(7, 0) is a shim tile, not a compute tile}}
  "aie.core"(%s) ({
  }) : (index) -> ()
}) {target = "aie1-vc1902", dtype = "i8"} : () -> ()

// -----

func.func @core_outside_device(%t: index) {
  // expected-error @+1 {{must be nested in an 'aie.device'}}
  "aie.core"(%t) ({
  }) : (index) -> ()
  return
}

// -----

"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  // expected-error @+1 {{must be nested directly in an 'aie.core'}}
  "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

func.func @conv2d_bsr_outside_device(%x: memref<1x10x10x16xi8>, %v: memref<4x8x8x3x3xi8>, %rp: memref<3xi64>, %ci: memref<4xi64>, %y: memref<1x8x8x16xi8>) {
  // expected-error @+1 {{must be nested directly in an 'aie.core'}}
  "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<1x10x10x16xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x8x8x16xi8>) -> ()
  return
}

// -----

// Directly: not in a region of an op inside the core.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    scf.execute_region {
      // expected-error @+1 {{must be nested directly in an 'aie.core'}}
      "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
      scf.yield
    }
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A kernel reads L1 only: host memory (a function argument) is no aie.buffer.
func.func @matmul_bsr_on_host_memory(%host: memref<16x64xi8>) {
  "aie.device"() ({
    %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
    %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
    %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
    %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
    %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
    %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
    "aie.core"(%t) ({
      // expected-error @+1 {{operand 'input' must be an 'aie.buffer'}}
      "aie.matmul_bsr"(%host, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x10x10x16xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x8x8x16xi8>
  "aie.core"(%t) ({
    %b = memref.alloc() : memref<16xi32>
    // expected-error @+1 {{operand 'bias' must be an 'aie.buffer'}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y, %b) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>} : (memref<1x10x10x16xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x8x8x16xi8>, memref<16xi32>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %u = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%u) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{operand 'col_idx' must be an L1 buffer of the core's tile(0, 2)}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// Weights must be copied to L1 first: a kernel cannot read a memory tile.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{operand 'values' must be an L1 buffer of the core's tile(0, 2)}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{operand 'output' must be an L1 buffer of the core's tile(0, 2)}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// An unpacked [rows, cols] weight is not BSR values.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{values must be [blocks, R, C] or [blocks, R, C, KH, KW], got shape [16, 64]}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<16x64xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// A dense OIHW kernel is not BSR values either.
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x10x10x16xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x8x8x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{values must be [blocks, R, C] or [blocks, R, C, KH, KW], got shape [4, 8, 3, 3]}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<1x10x10x16xi8>, memref<4x8x3x3xi8>, memref<3xi64>, memref<4xi64>, memref<1x8x8x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3x1xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{row_ptr must be a 1-D buffer}}
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3x1xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x10x10x16xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x8x8x3x3xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<i64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x8x8x16xi8>
  "aie.core"(%t) ({
    // expected-error @+1 {{col_idx must be a 1-D buffer}}
    "aie.conv2d_bsr"(%x, %v, %rp, %ci, %y) {params = {}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<1x10x10x16xi8>, memref<4x8x8x3x3xi8>, memref<3xi64>, memref<i64>, memref<1x8x8x16xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// An i8 buffer is a sparse format's index bytes: one byte per element whatever the costed type
// (65536 bytes fit exactly on this bf16-costed device; one more does not).
// expected-error @+1 {{buffers on tile(0, 2) need 65537 bytes of L1 but aie2-4x4 has 65536}}
"aie.device"() ({
  %c = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %a = "aie.buffer"(%c) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<65536xi8>
  %b = "aie.buffer"(%c) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1xi8>
}) {target = "aie2-4x4", dtype = "bf16"} : () -> ()
