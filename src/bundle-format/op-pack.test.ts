import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../errors.ts';
import { doneBitmap, isDone, parseOpPackManifest, OP_PACK_FORMAT } from './op-pack.ts';

const tensor = { name: 'x', shape: [1, 4, 4, 8], dtype: 'int8', scale: 0.1, zeroPoint: 0 };
const op = (i: number) => ({ kind: 'op', key: `k${i}`, part: 'edge', file: `op${i}.onnx`, sha256: 'a'.repeat(64), inputs: [tensor], outputs: [tensor] });
const good = { format: OP_PACK_FORMAT, version: 1, name: 'latency-tiny-onnx', runtime: 'onnx', warmups: 1, runs: 5, bundleRuns: 5, items: [op(0), op(1), { kind: 'bundle', keys: ['c0', 'c1'], part: 'calibration', file: 'b.tar', sha256: 'b'.repeat(64) }] };

test('an op pack manifest parses; every refusal names the field and what was expected', () => {
  assert.equal(parseOpPackManifest(good).items.length, 3);
  const refused: [unknown, RegExp][] = [
    [{ ...good, format: 'ranas-bundle' }, /'format' is "ranas-bundle"; expected 'ranas-op-pack'/],
    [{ ...good, runtime: 'tensorrt' }, /'runtime'/],
    [{ ...good, items: [] }, /'items'.*1\.\.8192 items/],
    [{ ...good, items: [{ ...op(0), file: '../etc/passwd' }] }, /'items\[0\]\.file'/],
    [{ ...good, items: [{ ...op(0), file: 'op-pack.json' }] }, /other than op-pack.json/],
    [{ ...good, items: [op(0), { ...op(1), file: 'op0.onnx' }] }, /'items\[1\]\.file'.*no other item/],
    [{ ...good, items: [op(0), { ...op(1), key: 'k0' }] }, /'items\[1\]\.key'.*no other entry/],
    [{ ...good, items: [{ ...op(0), sha256: 'xyz' }] }, /'items\[0\]\.sha256'/],
    [{ ...good, items: [{ ...op(0), kind: 'script' }] }, /'items\[0\]\.kind'/],
    [{ ...good, runs: 0 }, /'runs'.*integer ≥ 1/],
  ];
  for (const [manifest, message] of refused) {
    assert.throws(() => parseOpPackManifest(manifest), (e) => isRanasError(e) && (e.code === 'E_OP_PACK' || e.code === 'E_MANIFEST_FIELD') && message.test(e.message), String(message));
  }
});

test('the done bitmap marks an item once every key of it is measured', () => {
  const m = parseOpPackManifest(good);
  const bits = doneBitmap(m.items, new Set(['k1', 'c0']));
  assert.deepEqual([0, 1, 2, 3, 100].map((i) => isDone(bits, i)), [false, true, false, false, false]);
  assert.deepEqual([0, 1, 2].map((i) => isDone(doneBitmap(m.items, new Set(['k0', 'k1', 'c0', 'c1'])), i)), [true, true, true]);
});
