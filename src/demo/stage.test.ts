import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { StageRunner } from './stage.ts';

const check = {
  parse: (v: unknown): { n: number } | null => (typeof v === 'object' && v !== null && typeof Reflect.get(v, 'n') === 'number' ? { n: Number(Reflect.get(v, 'n')) } : null),
  valid: (r: { n: number }) => r.n >= 0,
};

test('a stage reruns only when its options changed, its output is invalid or --fresh', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-stage-'));
  try {
    let calls = 0;
    const work = (n: number) => async () => { calls++; return { n }; };
    const first = new StageRunner(dir, false, () => undefined);
    assert.deepEqual(await first.run('s', { a: 1 }, work(1), check), { n: 1 });
    assert.equal(calls, 1);

    const again = new StageRunner(dir, false, () => undefined);
    assert.deepEqual(await again.run('s', { a: 1 }, work(2), check), { n: 1 }, 'same options: the stored result');
    assert.equal(calls, 1);
    assert.equal(again.times[0].status, 'skipped');

    assert.deepEqual(await again.run('s', { a: 2 }, work(3), check), { n: 3 }, 'other options: runs');
    assert.equal(calls, 2);

    assert.deepEqual(await new StageRunner(dir, true, () => undefined).run('s', { a: 2 }, work(4), check), { n: 4 }, '--fresh: runs');
    assert.equal(calls, 3);

    assert.deepEqual(await new StageRunner(dir, false, () => undefined).run('s', { a: 3 }, work(-1), check), { n: -1 });
    assert.deepEqual(await new StageRunner(dir, false, () => undefined).run('s', { a: 3 }, work(5), check), { n: 5 }, 'invalid stored output: runs');
    assert.equal(calls, 5);

    writeFileSync(join(dir, 'stages', 's.json'), '{ torn');
    assert.deepEqual(await new StageRunner(dir, false, () => undefined).run('s', { a: 3 }, work(6), check), { n: 6 }, 'corrupt marker: runs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
