import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { isRanasError } from '../errors.ts';

const sample = (): Checkpoint => ({
  step: 42,
  data: { epoch: 1, position: 64 },
  meta: { name: 't' },
  tensors: {
    variable: new Map([['a', Float32Array.from([1.5, -2, Math.PI])], ['b', new Float32Array(0)]]),
    buffer: new Map([['m', Float32Array.from([0.25])]]),
    velocity: new Map([['a', Float32Array.from([1e-8, 0, -7])]]),
  },
});

test('checkpoints round-trip bit-exactly and leave no temp files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-ck-'));
  try {
    const path = join(dir, 'checkpoint.bin');
    writeCheckpoint(path, sample());
    const back = readCheckpoint(path);
    assert.equal(back.step, 42);
    assert.deepEqual(back.data, { epoch: 1, position: 64 });
    assert.deepEqual([...(back.tensors.variable.get('a') ?? [])], [...Float32Array.from([1.5, -2, Math.PI])]);
    assert.equal(back.tensors.variable.get('b')?.length, 0);
    assert.deepEqual([...(back.tensors.velocity.get('a') ?? [])], [...Float32Array.from([1e-8, 0, -7])]);
    assert.deepEqual(readdirSync(dir), ['checkpoint.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corrupt checkpoints raise E_CHECKPOINT_CORRUPT naming the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-ck-'));
  try {
    const path = join(dir, 'checkpoint.bin');
    writeCheckpoint(path, sample());
    const good = readFileSync(path);
    const cases: [Buffer, RegExp][] = [
      [good.subarray(0, good.length - 4), /runs past the end/],
      [Buffer.concat([good, Buffer.from([0, 0, 0, 0])]), /trailing bytes/],
      [Buffer.from('XXXXXX' + good.subarray(6).toString('latin1'), 'latin1'), /bad magic/],
    ];
    for (const [bytes, why] of cases) {
      writeFileSync(path, bytes);
      assert.throws(() => readCheckpoint(path), (e: unknown) => isRanasError(e, 'E_CHECKPOINT_CORRUPT') && why.test(e.message));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
