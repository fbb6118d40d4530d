import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../ir/builder.ts';
import { analyzeGraph } from '../ir/analysis.ts';
import { PRIMITIVES, PRIMITIVE_NAMES, type PrimitiveName } from './primitives.ts';
import { convBnRelu, msdConv } from './grid-ops.ts';
import { factorizedReduce, reluConvBn } from './darts-blocks.ts';
import { HEADS } from './heads.ts';
import type { Stride } from './op-spec.ts';

/** Builds `expand` on an [h, w, c] input and returns analysed { macs, params } of what it emitted. */
function measure(h: number, w: number, c: number, expand: (b: GraphBuilder, x: string) => string): { macs: number; params: number } {
  const b = new GraphBuilder('t', 1);
  const x = b.input('x', [h, w, c]);
  const out = expand(b, x);
  // A dense exit so the graph has an output; subtract its cost.
  const logits = b.dense(b.globalAvgPool(out === x ? b.relu(x) : out), 1);
  b.exit(logits, 1);
  const cost = analyzeGraph(b.build());
  const cOut = b.channels(out === x ? x : out);
  return { macs: cost.totalMacs - cOut, params: cost.totalParams - cOut - 1 };
}

// Hand-computed for cIn = cOut = 16 on 8×8 (stride 1: 64 output pixels; stride 2: 16).
//   sep 3×3: (9·16 + 16·16 + 9·16 + 16·16)·64 = 800·64; params 144+256+32+144+256+32
//   sep 5×5: (25·16 + 256 + 25·16 + 256)·64 = 1312·64; params 400+256+32+400+256+32
//   dil 3×3: (144 + 256)·64; params 144+256+32;  dil 5×5: (400 + 256)·64; params 400+256+32
//   dil at stride 2: the depthwise runs at stride 1 (64 pixels), then subsampled: 3×3: 144·64 + 256·16
//   = 13312; 5×5: 400·64 + 256·16 = 29696
//   skip s2 = factorized reduce: 2 · (16·8)·16 pixels; params 2·16·8 + 2·16
const HAND: Record<PrimitiveName, Record<Stride, { macs: number; params: number }>> = {
  none: { 1: { macs: 0, params: 0 }, 2: { macs: 0, params: 0 } },
  max_pool_3x3: { 1: { macs: 0, params: 0 }, 2: { macs: 0, params: 0 } },
  avg_pool_3x3: { 1: { macs: 0, params: 0 }, 2: { macs: 0, params: 0 } },
  skip_connect: { 1: { macs: 0, params: 0 }, 2: { macs: 4096, params: 288 } },
  sep_conv_3x3: { 1: { macs: 51200, params: 864 }, 2: { macs: 12800, params: 864 } },
  sep_conv_5x5: { 1: { macs: 83968, params: 1376 }, 2: { macs: 20992, params: 1376 } },
  dil_conv_3x3: { 1: { macs: 25600, params: 432 }, 2: { macs: 13312, params: 432 } },
  dil_conv_5x5: { 1: { macs: 41984, params: 688 }, 2: { macs: 29696, params: 688 } },
};

for (const name of PRIMITIVE_NAMES) {
  for (const stride of [1, 2] as const) {
    test(`${name} stride ${stride}: MACs and params match hand values and the expanded IR`, () => {
      const shape = { cIn: 16, cOut: 16, h: 8, w: 8, stride };
      const spec = PRIMITIVES[name];
      assert.equal(spec.macs(shape), HAND[name][stride].macs);
      assert.equal(spec.params(shape), HAND[name][stride].params);
      if (spec.isZero) {
        assert.throws(() => spec.expand(new GraphBuilder('t', 0), 'x', { cOut: 16, stride }), /cannot be expanded/);
        return;
      }
      const got = measure(8, 8, 16, (b, x) => spec.expand(b, x, { cOut: 16, stride }));
      assert.deepEqual(got, HAND[name][stride]);
    });
  }
}

test('pool with poolBn adds a batch-norm (affine=false: no params) and keeps shape', () => {
  const b = new GraphBuilder('t', 0);
  const x = b.input('x', [8, 8, 4]);
  const y = PRIMITIVES.max_pool_3x3.expand(b, x, { cOut: 4, stride: 2, poolBn: true, affine: false });
  assert.deepEqual(b.shape(y), [4, 4, 4]);
  assert.equal(PRIMITIVES.max_pool_3x3.params({ cIn: 4, cOut: 4, h: 8, w: 8, stride: 2, poolBn: true, affine: false }), 0);
  assert.equal(b.build().nodes.at(-1)?.op, 'batchNorm');
});

test('factorized reduce equals DARTS: second branch reads x[2i+1, 2j+1] through a frozen one-hot shift', () => {
  const b = new GraphBuilder('t', 0);
  const x = b.input('x', [4, 4, 3]);
  factorizedReduce.expand(b, x, { cOut: 4, stride: 2 });
  const g = b.build();
  const shift = g.nodes.find((n) => n.op === 'depthwiseConv2d');
  assert.ok(shift && shift.op === 'depthwiseConv2d');
  assert.deepEqual(shift.attrs.kernel, [2, 2]);
  assert.equal(shift.attrs.padding, 'valid');
  const filter = g.weights[shift.weights.filter ?? ''];
  assert.equal(filter.trainable, false);
  // [2, 2, 3, 1]: only the bottom-right tap (kh=1, kw=1) is 1 for each channel.
  assert.deepEqual([...filter.data], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  assert.throws(() => factorizedReduce.expand(b, b.input('odd', [5, 5, 3]), { cOut: 4, stride: 2 }), /even H, W/);
});

test('grid pieces and heads: hand-computed MACs and params, equal to the expanded IR', () => {
  // MSDNet ConvBN with bottleneck: cIn 32 → inner min(32, 2·8) = 16 → cOut 8 on 8×8.
  const bottleneck = { cIn: 32, cOut: 8, h: 8, w: 8, stride: 1 as const, bottleneckWidth: 2 };
  assert.equal(msdConv.macs(bottleneck), 32 * 16 * 64 + 9 * 16 * 8 * 64);
  assert.equal(msdConv.params(bottleneck), 32 * 16 + 32 + 9 * 16 * 8 + 16);
  assert.deepEqual(measure(8, 8, 32, (b, x) => msdConv.expand(b, x, { cOut: 8, stride: 1, bottleneckWidth: 2 })), { macs: 106496, params: 1712 });
  // Diagonal (stride 2, no bottleneck): 9·32·8 · 16 pixels.
  assert.deepEqual(measure(8, 8, 32, (b, x) => msdConv.expand(b, x, { cOut: 8, stride: 2, bottleneckWidth: null })), { macs: 36864, params: 2320 });
  assert.equal(msdConv.macs({ cIn: 32, cOut: 8, h: 8, w: 8, stride: 2, bottleneckWidth: null }), 36864);
  // Vertical conv 3 → 16 on 32×32.
  assert.equal(convBnRelu.macs({ cIn: 3, cOut: 16, h: 32, w: 32, stride: 1, kernel: 3 }), 442368);
  assert.deepEqual(measure(32, 32, 3, (b, x) => convBnRelu.expand(b, x, { cOut: 16, stride: 1, kernel: 3 })), { macs: 442368, params: 464 });
  // Preprocess relu-conv1×1-bn 24 → 8 on 8×8.
  assert.deepEqual(measure(8, 8, 24, (b, x) => reluConvBn.expand(b, x, { cOut: 8, stride: 1, kernel: 1 })), { macs: 24 * 8 * 64, params: 24 * 8 + 16 });
  // MSDNet head: 64 → 32 (3×3 s2 on 8×8 → 4×4) → 32 (3×3 s2 → 2×2) → pool → dense 10.
  const head = { cIn: 64, h: 8, w: 8, numClasses: 10, channels: 32 };
  assert.equal(HEADS.msdnet.macs(head), 9 * 64 * 32 * 16 + 9 * 32 * 32 * 4 + 320);
  assert.equal(HEADS.msdnet.params(head), 18432 + 64 + 9216 + 64 + 330);
  assert.equal(HEADS.linear.macs(head), 640);
  assert.equal(HEADS.linear.params(head), 650);
  for (const kind of ['msdnet', 'linear'] as const) {
    const b = new GraphBuilder('t', 0);
    const logits = HEADS[kind].expand(b, b.input('x', [8, 8, 64]), { numClasses: 10, channels: 32 });
    b.exit(logits, 1);
    const cost = analyzeGraph(b.build());
    assert.equal(cost.totalMacs, HEADS[kind].macs(head), kind);
    assert.equal(cost.totalParams, HEADS[kind].params(head), kind);
  }
});
