import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestOfInferMsg } from './infer-input.ts';

test('float32 input bytes at an unaligned offset are copied, not misread', () => {
  const backing = Buffer.alloc(13);
  const input = backing.subarray(1, 13); // byteOffset 1
  input.set(new Uint8Array(Float32Array.from([1.5, -2, 3]).buffer));
  const r = requestOfInferMsg({ input, shape: [3], dtype: 'float32', budgetUs: 1, policy: 'deadline', topK: 0 });
  assert.ok(r.input instanceof Float32Array);
  assert.deepEqual(Array.from(r.input), [1.5, -2, 3]);
  assert.equal(r.topK, undefined);
});

test('uint8 and int8 inputs are views of the same bytes', () => {
  const input = Buffer.from([255, 1]);
  const u = requestOfInferMsg({ input, shape: [2], dtype: 'uint8', budgetUs: 1, policy: 'deadline', topK: 3 });
  const s = requestOfInferMsg({ input, shape: [2], dtype: 'int8', budgetUs: 1, policy: 'confidence', topK: 3 });
  assert.deepEqual([Array.from(u.input), Array.from(s.input), s.policy, s.topK], [[255, 1], [-1, 1], 'confidence', 3]);
});
