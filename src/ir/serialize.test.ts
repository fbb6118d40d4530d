import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRanasError } from '../errors.ts';
import { GraphBuilder } from './builder.ts';
import { loadModel, saveModel } from './serialize.ts';
import type { ModelGraph } from './types.ts';

function graph(): ModelGraph {
  const b = new GraphBuilder('ser', 42);
  const x = b.input('image', [8, 8, 3]);
  const t = b.scoped('l1', { layer: 1 }, () => b.relu(b.bn(b.conv(x, 4, { kernel: 3 }))));
  const s = b.shift(t);
  b.exit(b.dense(b.globalAvgPool(b.concat([b.maxPool(t, 2, 2), s])), 10, 'logits'), 1);
  const g = b.build({ note: 'test' });
  // Awkward values must survive bit-exactly: -0, NaN with a payload, subnormal, infinity.
  const words = new Uint32Array(g.weights['l1/conv/filter'].data.buffer);
  words[0] = 0x80000000;
  words[1] = 0x7fc01234;
  words[2] = 0x00000001;
  words[3] = 0x7f800000;
  return g;
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-ser-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('save → load round-trips the graph and every weight bit-exactly', () => {
  withDir((dir) => {
    const g = graph();
    saveModel(dir, g);
    const back = loadModel(dir);
    assert.deepEqual({ ...back, weights: {} }, { ...g, weights: {} });
    assert.deepEqual(Object.keys(back.weights), Object.keys(g.weights));
    for (const [name, w] of Object.entries(g.weights)) {
      const a = new Uint32Array(w.data.buffer, w.data.byteOffset, w.data.length);
      const b = new Uint32Array(back.weights[name].data.buffer);
      assert.deepEqual(b, a, name);
      assert.equal(back.weights[name].trainable, w.trainable);
    }
    const doc = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.equal(doc.weights[0].byteOffset, 0);
    assert.equal(doc.weights[1].byteOffset, doc.weights[0].byteLength);
  });
});

function corruptJson(dir: string, edit: (doc: Record<string, unknown> & { nodes: Record<string, unknown>[]; weights: Record<string, unknown>[] }) => void): void {
  const path = join(dir, 'model.json');
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  edit(doc);
  writeFileSync(path, JSON.stringify(doc));
}

test('a corrupt model.json gives a typed error naming the field path', () => {
  withDir((dir) => {
    saveModel(dir, graph());
    corruptJson(dir, (doc) => {
      (doc.nodes[0].attrs as Record<string, unknown>).kernel = [3, 'x'];
    });
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_MODEL_JSON') && /field nodes\[0\]\.attrs\.kernel\[1\] is string "x"; expected an integer ≥ 1/.test(e.message));
    saveModel(dir, graph());
    corruptJson(dir, (doc) => {
      doc.nodes[2].op = 'conv3d';
    });
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_MODEL_JSON') && /field nodes\[2\]\.op .*expected one of "conv2d"/.test(e.message));
    writeFileSync(join(dir, 'model.json'), '{"format": "ranas-ir",');
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_MODEL_JSON') && /not valid JSON/.test(e.message));
  });
});

test('weights.bin too short or too long, or an index entry out of range, names the weight and byte offset', () => {
  withDir((dir) => {
    saveModel(dir, graph());
    const bin = readFileSync(join(dir, 'weights.bin'));
    writeFileSync(join(dir, 'weights.bin'), bin.subarray(0, bin.length - 8));
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_MODEL_WEIGHTS') && /holds \d+ bytes; .* declares weightsByteLength/.test(e.message));
    // Too short but with a consistent declared length: the last weight runs past the end.
    saveModel(dir, graph());
    corruptJson(dir, (doc) => {
      doc.weightsByteLength = bin.length - 8;
    });
    writeFileSync(join(dir, 'weights.bin'), bin.subarray(0, bin.length - 8));
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_MODEL_WEIGHTS') && /weight 'logits\/bias' .* spans bytes \d+\.\.\d+ but the file ends at byte \d+/.test(e.message));
    // Too long: extra bytes after the last weight.
    saveModel(dir, graph());
    corruptJson(dir, (doc) => {
      doc.weightsByteLength = bin.length + 4;
    });
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat([bin, Buffer.alloc(4)]));
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_MODEL_WEIGHTS') && new RegExp(`4 unexpected bytes after the last weight, from byte offset ${bin.length}`).test(e.message));
    // An index entry pointing elsewhere.
    saveModel(dir, graph());
    corruptJson(dir, (doc) => {
      doc.weights[1].byteOffset = 999999;
    });
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_MODEL_WEIGHTS') && /weight '.*' \(weights\[1\]\) starts at byte offset 999999; expected \d+/.test(e.message));
  });
});

test('a flipped byte in weights.bin is caught by the checksum; a wrong shape in the index by validation', () => {
  withDir((dir) => {
    saveModel(dir, graph());
    const bin = readFileSync(join(dir, 'weights.bin'));
    bin[100] ^= 0xff;
    writeFileSync(join(dir, 'weights.bin'), bin);
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_MODEL_WEIGHTS') && /sha256/.test(e.message));
    saveModel(dir, graph());
    corruptJson(dir, (doc) => {
      doc.weights[0].shape = [3, 3, 4, 3];
    });
    assert.throws(() => loadModel(dir), (e: unknown) => isRanasError(e, 'E_IR_INVALID') && /node l1\/conv \(conv2d\): weight 'filter'/.test(e.message));
  });
});
