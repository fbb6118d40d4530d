import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeGraph } from './analysis.ts';
import { GraphBuilder } from './builder.ts';

// image 8×8×3 → conv3×3 (8) → bn → relu ─┬─ gap → dense 10            (exit 0)
//                                         └─ conv1×1 s2 (16) → gap → dense 10   (exit 1)
function twoExits() {
  const b = new GraphBuilder('two', 0);
  const x = b.input('image', [8, 8, 3]);
  const trunk = b.relu(b.bn(b.conv(x, 8, { kernel: 3 })));
  b.exit(b.dense(b.globalAvgPool(trunk), 10, 'head0'), 1);
  const deeper = b.conv(trunk, 16, { kernel: 1, stride: 2, name: 'down' });
  b.exit(b.dense(b.globalAvgPool(deeper), 10, 'head1'), 2);
  return b.build();
}

test('per-exit path, marginal and anytime MACs count the shared trunk once', () => {
  const cost = analyzeGraph(twoExits());
  const trunk = 9 * 3 * 8 * 64; // 13824
  const head0 = 8 * 10;
  const down = 8 * 16 * 16; // 1×1, 4×4 output
  const head1 = 16 * 10;
  assert.equal(cost.exits[0].pathMacs, trunk + head0);
  assert.equal(cost.exits[1].pathMacs, trunk + down + head1);
  assert.equal(cost.exits[1].marginalMacs, down + head1);
  assert.equal(cost.exits[1].anytimeMacs, trunk + head0 + down + head1);
  assert.equal(cost.totalMacs, trunk + head0 + down + head1);
  // Params: conv 216 + bn 16 + head0 90 | down 128 + head1 170.
  assert.equal(cost.exits[0].params, 216 + 16 + 90);
  assert.equal(cost.exits[1].params, 216 + 16 + 128 + 170);
  assert.equal(cost.exits[1].anytimeParams, cost.totalParams);
  assert.equal(cost.totalParams, 216 + 16 + 90 + 128 + 170);
  // MSDNet counter adds ReLU elements (8·8·8), dense biases and global pools (H·W·C).
  assert.equal(cost.exits[0].pathMsdnetOps, trunk + 512 + 512 + head0 + 10);
});

test('peak activation bytes follow the liveness schedule (batch 1, float32)', () => {
  const cost = analyzeGraph(twoExits());
  // Running conv: image (192) + conv out (512) live = 704 floats; bn: conv(512) + bn(512) = 1024 floats
  // (the image is freed after the conv); relu: bn + relu = 1024 floats. Peak 1024 floats = 4096 bytes.
  assert.equal(cost.exits[0].peakActivationBytes, 4096);
  assert.equal(cost.peakActivationBytes, 4096);
});

test('exit cumulativeMacs of built models are the anytime MACs (trunk + every head up to the exit)', async () => {
  const { buildPreset } = await import('../model/presets.ts');
  const g = buildPreset('tiny');
  const cost = analyzeGraph(g);
  assert.deepEqual(g.exits.map((e) => e.cumulativeMacs), cost.exits.map((e) => e.anytimeMacs));
  // Every exit after the first pays for the earlier heads too.
  assert.ok(cost.exits.every((e, i) => i === 0 || e.anytimeMacs > e.pathMacs));
});
