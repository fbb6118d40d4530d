import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleFiles } from '../../converters/bundle/write-bundle.ts';
import { fakeBundleContents } from '../../device/testing/fake-bundle.ts';
import { isRanasError } from '../errors.ts';
import { allowedPrecisions, bundlePrecisions, inputOfForm, segmentForm } from './segment-variants.ts';

/** fp32 bundle with int8 forms; exit accuracies fp32 / int8 per segment. */
function manifest(fp32: number[], int8: (number | undefined)[], toleranceTop1?: number) {
  const c = fakeBundleContents({ segments: 2 });
  if (toleranceTop1 !== undefined) c.precisionChoice = { toleranceTop1 };
  c.segments = c.segments.map((s, k) => ({
    ...s,
    exit: { ...s.exit, accuracy: fp32[k] },
    variants: [{
      precision: 'int8', bytes: s.bytes.slice(1), accuracy: int8[k],
      inputs: s.inputs.map((t) => ({ ...t, dtype: 'int8', scale: 0.1, zeroPoint: -2 })), outputs: s.outputs,
    }],
  }));
  return bundleFiles(c).manifest;
}

test('a precision is allowed at a segment when its exit accuracy is within the tolerance of the best (0.5 points by default)', () => {
  const m = manifest([0.80, 0.90], [0.796, 0.89]);
  assert.deepEqual(allowedPrecisions(m, 0), ['fp32', 'int8']);
  assert.deepEqual(allowedPrecisions(m, 1), ['fp32']);
  assert.deepEqual(allowedPrecisions(manifest([0.80, 0.90], [0.796, 0.89], 0.02), 1), ['fp32', 'int8']);
  // A form more accurate than the manifest's own makes the own one the one that must keep up.
  assert.deepEqual(allowedPrecisions(manifest([0.80, 0.80], [0.82, 0.80]), 0), ['int8']);
});

test('without a measured accuracy for every form, only the manifest\'s precision is allowed', () => {
  assert.deepEqual(allowedPrecisions(manifest([0.8, 0.9], [undefined, 0.9]), 0), ['fp32']);
  assert.deepEqual(allowedPrecisions(manifest([0.8, 0.9], [undefined, 0.9]), 1), ['fp32', 'int8']);
});

test('forms, precisions and the input a chain starting with a form takes', () => {
  const m = manifest([0.8, 0.9], [0.8, 0.9]);
  assert.deepEqual(bundlePrecisions(m), ['fp32', 'int8']);
  assert.equal(segmentForm(m, 1, 'int8').file, 'segment-1.int8.tflite');
  assert.throws(() => segmentForm(bundleFiles(fakeBundleContents({ segments: 2 })).manifest, 0, 'int8'), (e) => isRanasError(e, 'E_BUNDLE_PRECISION') && /has no int8 form; it carries fp32/.test(e.message));
  const input = inputOfForm(m.input, segmentForm(m, 0, 'int8'));
  assert.deepEqual([input.dtype, input.scale, input.zeroPoint, input.shape], ['int8', 0.1, -2, m.input.shape]);
  assert.equal(inputOfForm(m.input, segmentForm(m, 0, 'fp32')), m.input);
});
