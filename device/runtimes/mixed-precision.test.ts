// Precision chosen by measurement, on real runtimes: the int8 bundle exported with --precision-choice carries
// the fp32 segments; every mix of the two forms (2^n plans), wired with the chain's hand-off conversions, gives
// final logits as close to the all-fp32 path as the all-int8 path is (stated bound below) — a hand-off that
// copied int8 codes into a float input, or the reverse, would be off by orders of magnitude.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BundleManifest, BundlePrecision, BundleRuntime } from '../../src/bundle-format/manifest.ts';
import { parseBundleManifest } from '../../src/bundle-format/parse-manifest.ts';
import { inputOfForm, segmentForm } from '../../src/bundle-format/segment-variants.ts';
import { wireChain } from '../scheduler/chain.ts';
import { makePreprocessor } from '../scheduler/preprocess.ts';
import { makeTinyBundles, TINY_SIZE } from '../testing/tiny-bundles.ts';
import { onnxRuntime } from './onnx-runtime.ts';
import type { LoadedSegment, Runtime } from './runtime.ts';
import { tfliteRuntime } from './tflite-runtime.ts';

let dir = '';
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-mixed-'));
  // Tolerance 100 points: every form allowed (the fixture's random weights make accuracy meaningless here).
  await makeTinyBundles(path.join(dir, 'export'), ['tflite', 'onnx'], { precisionChoice: { toleranceTop1: 1 }, evalImages: 8 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const RUNTIMES: Record<BundleRuntime, () => Runtime> = { tflite: () => tfliteRuntime(), onnx: () => onnxRuntime() };
const image = Uint8Array.from({ length: TINY_SIZE * TINY_SIZE * 3 }, (_, i) => (i * 37 + 11) & 255);

/** Final-exit logits (real values) of the chain with segment k in `plan[k]`. */
async function finalLogits(m: BundleManifest, bundleDir: string, plan: BundlePrecision[]): Promise<number[]> {
  const forms = plan.map((p, k) => segmentForm(m, k, p));
  const segments: LoadedSegment[] = [];
  for (const f of forms) segments.push(await RUNTIMES[m.runtime]().load(fs.readFileSync(path.join(bundleDir, f.file)), f));
  const chain = wireChain(m, segments, forms);
  try {
    makePreprocessor(inputOfForm(m.input, forms[0])).write(image, [TINY_SIZE, TINY_SIZE, 3], segments[0].inputs[0]);
    for (let k = 0; k < segments.length; k++) {
      chain.feed(k);
      await segments[k].run();
    }
    const last = forms.length - 1;
    const t = forms[last].outputs[chain.logitsIndex[last]];
    const raw = segments[last].outputs[chain.logitsIndex[last]];
    return Array.from(raw, (v) => (t.dtype === 'int8' ? (t.scale ?? 1) * (v - (t.zeroPoint ?? 0)) : v));
  } finally {
    await chain.dispose();
  }
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

for (const runtime of ['tflite', 'onnx'] as const) {
  test(`${runtime}: the int8 bundle carries fp32 forms with their accuracies, and every mix of forms answers like the fp32 path`, async () => {
    const bundleDir = path.join(dir, 'export', `${runtime}-int8`);
    const m = parseBundleManifest(JSON.parse(fs.readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8')));
    assert.deepEqual(m.precisionChoice, { toleranceTop1: 1 });
    for (const s of m.segments) {
      assert.equal(s.variants?.length, 1);
      assert.equal(s.variants?.[0].precision, 'fp32');
      assert.ok(s.variants?.[0].inputs.every((t) => t.dtype === 'float32'));
      assert.ok(typeof s.variants?.[0].accuracy === 'number' && typeof s.exit.accuracy === 'number');
      assert.ok(fs.existsSync(path.join(bundleDir, s.variants?.[0].file ?? '')));
    }
    const n = m.segments.length;
    const plans: BundlePrecision[][] = Array.from({ length: 2 ** n }, (_, bits) => Array.from({ length: n }, (_, k) => ((bits >> k) & 1 ? 'fp32' : 'int8')));
    const fp32 = await finalLogits(m, bundleDir, plans[2 ** n - 1]);
    const int8 = await finalLogits(m, bundleDir, plans[0]);
    const int8Error = maxDiff(int8, fp32);
    const logits = m.segments[n - 1].outputs.find((t) => t.name === m.segments[n - 1].exit.logits);
    const step = logits?.scale ?? 0;
    assert.ok(step > 0);
    for (const plan of plans.slice(1, -1)) {
      const mixed = await finalLogits(m, bundleDir, plan);
      // Bound: a mixed path has a subset of the int8 path's rounding plus one hand-off quantisation.
      const err = maxDiff(mixed, fp32);
      assert.ok(err <= 2 * int8Error + 4 * step, `${plan.join('/')}: max |Δ| vs fp32 ${err.toFixed(4)}; int8 path ${int8Error.toFixed(4)}, logit step ${step.toFixed(4)}`);
    }
  });
}
