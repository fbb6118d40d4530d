import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleFiles } from '../../converters/bundle/write-bundle.ts';
import { isRanasError } from '../../src/errors.ts';
import { parseBundleManifest } from '../../src/bundle-format/parse-manifest.ts';
import { manifestFiles } from '../../src/bundle-format/manifest.ts';
import { fakeBundleContents } from '../testing/fake-bundle.ts';
import { FakeClock } from './clock.ts';
import { fakeRuntime } from '../runtimes/fake-runtime.ts';
import { wirePartChain } from './part-chain.ts';

const split = () => bundleFiles(fakeBundleContents({ segments: 3, split: true })).manifest;

test('a split manifest parses as written; every part file is listed once; an old manifest has no split', () => {
  const m = split();
  assert.deepEqual(parseBundleManifest(JSON.parse(JSON.stringify(m))), m);
  assert.deepEqual(manifestFiles(m).map((f) => f.file).filter((f) => /trunk|head/.test(f)), ['trunk-0.tflite', 'head-0.tflite', 'trunk-1.tflite', 'head-1.tflite', 'trunk-2.tflite', 'head-2.tflite']);
  assert.equal(parseBundleManifest(JSON.parse(JSON.stringify(bundleFiles(fakeBundleContents({ segments: 3 })).manifest))).split, undefined);
});

test('a head that does not give its exit\'s logits, or a split of the wrong length, is refused naming the field', () => {
  const m = JSON.parse(JSON.stringify(split()));
  m.split[1].head.outputs[0].name = 'exit2/logits';
  assert.throws(() => parseBundleManifest(m), (e) => isRanasError(e, 'E_MANIFEST_FIELD') && /split\[1\]\.head\.outputs/.test(e.message));
  const short = JSON.parse(JSON.stringify(split()));
  short.split.pop();
  assert.throws(() => parseBundleManifest(short), (e) => isRanasError(e, 'E_MANIFEST_FIELD') && /'split'/.test(e.message));
});

test('wiring: head k reads trunk k; a tensor whose quantisation differs across the cut is refused', async () => {
  const clock = new FakeClock();
  const runtime = fakeRuntime({ clock, costsUs: [0, 0, 0], logits: (k) => [k, 0, 0] });
  const load = async (m: ReturnType<typeof split>) => {
    const parts = m.split ?? [];
    return wirePartChain(m, await Promise.all(parts.map((p) => runtime.load(new Uint8Array(), p.trunk))), await Promise.all(parts.map((p) => runtime.load(new Uint8Array(), p.head))));
  };
  const chain = await load(split());
  chain.trunks[0].inputs[0].fill(1);
  chain.feedTrunk(0);
  await chain.trunks[0].run();
  chain.feedTrunk(1);
  await chain.trunks[1].run();
  chain.feedHead(1);
  // The fake trunk adds one to its input: trunk 1's output (3) reaches head 1, not trunk 0's (2).
  assert.equal(chain.heads[1].inputs[0][0], 3);
  const bad = split();
  bad.split?.[1].trunk.inputs.splice(0, 1, { name: 'state0', shape: [1, 2, 2, 4], dtype: 'int8', scale: 0.5, zeroPoint: 0 });
  await assert.rejects(load(bad), (e) => isRanasError(e, 'E_SEGMENT_WIRING') && /state0/.test(e.message));
});
