import assert from 'node:assert/strict';
import test from 'node:test';
import { DTYPE_BYTES, INPUT_DTYPES, TENSOR_DTYPES, byteLength, inputDTypeOf } from './dtype.ts';
import { POLICY_NAMES, policyOf } from './policy.ts';

test('byteLength: element count × bytes of the dtype', () => {
  assert.equal(byteLength([1, 32, 32, 3], 'uint8'), 3072);
  assert.equal(byteLength([1, 32, 32, 3], 'float32'), 12288);
  assert.equal(byteLength([2, 5], 'int32'), 40);
});

test('every tensor dtype has a byte size; input dtypes are tensor dtypes, int32 is not an input', () => {
  assert.deepEqual([...TENSOR_DTYPES].sort(), Object.keys(DTYPE_BYTES).sort());
  for (const d of INPUT_DTYPES) assert.ok(TENSOR_DTYPES.includes(d));
  assert.equal(inputDTypeOf('int32'), undefined);
  assert.equal(inputDTypeOf('float64'), undefined);
  assert.equal(inputDTypeOf('int8'), 'int8');
});

test('policyOf: known names only, deadline first (the default)', () => {
  assert.equal(POLICY_NAMES[0], 'deadline');
  assert.equal(policyOf('confidence'), 'confidence');
  assert.equal(policyOf('fastest'), undefined);
});
