import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel } from './encode-model.ts';
import { TfliteGraphBuilder } from './graph-builder.ts';
import { readTflite } from './read-tflite.ts';

/** How many times `pattern` occurs in `bytes`. */
function occurrences(bytes: Uint8Array, pattern: Uint8Array): number {
  let n = 0;
  outer: for (let i = 0; i + pattern.length <= bytes.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    n++;
  }
  return n;
}

const int32Bytes = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);

test('equal shapes, operator inputs and options tables are written once and read back for every tensor and operator', () => {
  const b = new TfliteGraphBuilder();
  const shape = [1, 7, 11, 13];
  const x = b.addActivation('x', shape, 'FLOAT32');
  const y = b.addActivation('y', shape, 'FLOAT32');
  const z = b.addActivation('z', shape, 'FLOAT32');
  b.addOperator('ADD', 1, [x, x], [y], { kind: 'AddOptions', activation: 'RELU' });
  b.addOperator('ADD', 1, [x, x], [z], { kind: 'AddOptions', activation: 'RELU' });
  const io = (i: number) => ({ name: ['x', 'y', 'z'][i], tensorIndex: i });
  const bytes = encodeModel(b.toSpec({ description: 'shared', subgraphName: 'main', inputs: [io(0)], outputs: [io(1), io(2)] }));
  const m = readTflite(bytes);
  assert.deepEqual(m.tensors.map((t) => t.shape), [shape, shape, shape]);
  assert.deepEqual(m.operators.map((o) => [o.inputs, o.outputs]), [[[x, x], [y]], [[x, x], [z]]]);
  // The length-prefixed shape vector [4 | 1, 7, 11, 13] and the inputs vector [2 | 0, 0] occur once.
  assert.equal(occurrences(bytes, int32Bytes([4, ...shape])), 1);
  assert.equal(occurrences(bytes, int32Bytes([2, x, x])), 1);
});

test('constants with equal bytes share one 16-byte aligned buffer; different bytes get their own', () => {
  const b = new TfliteGraphBuilder();
  const zeros = b.addConstant('zero_a', [5], 'INT32', new Int32Array(5));
  const zerosAgain = b.addConstant('zero_b', [5], 'INT32', new Int32Array(5));
  const other = b.addConstant('ones', [5], 'INT32', new Int32Array(5).fill(1));
  const out = b.addActivation('out', [1, 5], 'INT32');
  b.addOperator('ADD', 1, [zeros, other], [out], { kind: 'AddOptions', activation: 'NONE' });
  b.addOperator('ADD', 1, [zerosAgain, other], [out], { kind: 'AddOptions', activation: 'NONE' });
  const bytes = encodeModel(b.toSpec({ description: 'buffers', subgraphName: 'main', inputs: [], outputs: [{ name: 'out', tensorIndex: out }] }));
  const m = readTflite(bytes);
  assert.equal(m.tensors[zeros].buffer, m.tensors[zerosAgain].buffer);
  assert.notEqual(m.tensors[zeros].buffer, m.tensors[other].buffer);
  assert.equal(m.buffers.length, 3); // the empty sentinel, zeros, ones
  for (const buf of m.buffers.slice(1)) assert.equal(buf.offset % 16, 0);
});
