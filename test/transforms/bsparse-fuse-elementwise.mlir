// Verifies that bsparse-fuse-elementwise merges a chain of elementwise linalg.generic
// ops into one (the producer's inputs read in place of its result, its payload then
// the consumer's). It leaves alone what would not compute each element once (a
// producer with a second use, a reduction consumer, a consumer reading the producer
// through a non-identity map) and an op a bsparse pass marked.
// RUN: bsparse-opt %s -p bsparse-fuse-elementwise --split-input-file | filecheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
// sigmoid(a) * tanh(b) + c: three generics become one on a, b, c (and a row vector).
// CHECK-LABEL: func.func @lstm_like_chain
// CHECK-SAME: (%[[A:.*]]: tensor<2x8xf32>, %[[B:.*]]: tensor<2x8xf32>, %[[C:.*]]: tensor<2x8xf32>, %[[V:.*]]: tensor<8xf32>)
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: ins(%[[A]], %[[V]], %[[B]], %[[C]] : tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>, tensor<2x8xf32>)
// CHECK: ^bb0(%[[EA:.*]]: f32, %[[EV:.*]]: f32, %[[EB:.*]]: f32, %[[EC:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[S:.*]] = arith.addf %[[EA]], %[[EV]]
// CHECK: math.exp
// CHECK: %[[T:.*]] = math.tanh %[[EB]]
// CHECK: %[[M:.*]] = arith.mulf %{{.*}}, %[[T]]
// CHECK: %[[Y:.*]] = arith.addf %[[M]], %[[EC]]
// CHECK: linalg.yield %[[Y]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @lstm_like_chain(%a: tensor<2x8xf32>, %b: tensor<2x8xf32>, %c: tensor<2x8xf32>, %v: tensor<8xf32>) -> tensor<2x8xf32> {
  %init = tensor.empty() : tensor<2x8xf32>
  %one = arith.constant 1.0 : f32
  %sig = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%a, %v : tensor<2x8xf32>, tensor<8xf32>) outs(%init : tensor<2x8xf32>) {
  ^bb0(%x: f32, %w: f32, %o: f32):
    %s = arith.addf %x, %w : f32
    %n = arith.negf %s : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %q = arith.divf %one, %d : f32
    linalg.yield %q : f32
  } -> tensor<2x8xf32>
  %prod = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%sig, %b : tensor<2x8xf32>, tensor<2x8xf32>) outs(%init : tensor<2x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %t = math.tanh %y : f32
    %m = arith.mulf %x, %t : f32
    linalg.yield %m : f32
  } -> tensor<2x8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%prod, %c : tensor<2x8xf32>, tensor<2x8xf32>) outs(%init : tensor<2x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.addf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  return %sum : tensor<2x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// The exp is also returned: computing it inside the product too would compute it twice.
// CHECK-LABEL: func.func @second_use
// CHECK-COUNT-2: linalg.generic
func.func @second_use(%a: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %init = tensor.empty() : tensor<2x8xf32>
  %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x8xf32>) outs(%init : tensor<2x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = math.exp %x : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%e, %a : tensor<2x8xf32>, tensor<2x8xf32>) outs(%init : tensor<2x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.mulf %x, %y : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  return %e, %m : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#rows = affine_map<(d0, d1) -> (d0)>
#t = affine_map<(d0, d1) -> (d1, d0)>
// A row sum of exp: the reduction is not fused into. A transposed read of the
// producer's result is not fused either.
// CHECK-LABEL: func.func @reduction_and_transpose
// CHECK-COUNT-4: linalg.generic
func.func @reduction_and_transpose(%a: tensor<8x8xf32>, %b: tensor<8x8xf32>) -> (tensor<8xf32>, tensor<8x8xf32>) {
  %init = tensor.empty() : tensor<8x8xf32>
  %zero = arith.constant 0.0 : f32
  %acc0 = tensor.empty() : tensor<8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%acc0 : tensor<8xf32>) -> tensor<8xf32>
  %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<8x8xf32>) outs(%init : tensor<8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = math.exp %x : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #rows], iterator_types = ["parallel", "reduction"]} ins(%e : tensor<8x8xf32>) outs(%acc : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.addf %x, %o : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<8x8xf32>) outs(%init : tensor<8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.negf %x : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  %tr = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]} ins(%n : tensor<8x8xf32>) outs(%init : tensor<8x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.mulf %x, %x : f32
    linalg.yield %r : f32
  } -> tensor<8x8xf32>
  return %s, %tr : tensor<8xf32>, tensor<8x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// A generic a bsparse pass said something of (here why it stays on the host) is left
// as it is, so what it says is not lost.
// CHECK-LABEL: func.func @marked
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-SAME: bsparse.host = "a reason"
func.func @marked(%a: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %init = tensor.empty() : tensor<2x8xf32>
  %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x8xf32>) outs(%init : tensor<2x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = math.exp %x : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"], bsparse.host = "a reason"} ins(%e : tensor<2x8xf32>) outs(%init : tensor<2x8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.mulf %x, %x : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  return %m : tensor<2x8xf32>
}
