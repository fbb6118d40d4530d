import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('paths under a root are stored relative: a copy of the folder at another path reuses its results there', async () => {
  const base = mkdtempSync(join(tmpdir(), 'ranas-stage-roots-'));
  try {
    const first = join(base, 'clone-a', 'results');
    mkdirSync(join(first, 'networks'), { recursive: true });
    writeFileSync(join(first, 'networks', 'w.bin'), 'x');
    const fileCheck = {
      parse: (v: unknown): { file: string; other: string } | null => (typeof v === 'object' && v !== null ? { file: String(Reflect.get(v, 'file')), other: String(Reflect.get(v, 'other')) } : null),
      valid: (r: { file: string }) => existsSync(r.file),
    };
    const runner = new StageRunner(first, false, () => undefined, { '@results': first });
    await runner.run('t', { a: 1 }, async () => ({ file: join(first, 'networks', 'w.bin'), other: '/elsewhere/x' }), fileCheck);
    const stored = JSON.parse(readFileSync(join(first, 'stages', 't.json'), 'utf8'));
    assert.deepEqual(stored.result, { file: '@results/networks/w.bin', other: '/elsewhere/x' });

    const second = join(base, 'clone-b', 'results');
    cpSync(first, second, { recursive: true });
    rmSync(first, { recursive: true });
    let ran = false;
    const again = await new StageRunner(second, false, () => undefined, { '@results': second }).run('t', { a: 1 }, async () => { ran = true; return { file: '', other: '' }; }, fileCheck);
    assert.equal(ran, false, 'the moved result is found and reused');
    assert.deepEqual(again, { file: join(second, 'networks', 'w.bin'), other: '/elsewhere/x' });
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a stage interrupted and run again reports the seconds and CPU of every run with the same options', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-stage-spent-'));
  try {
    const busy = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end); };
    const interrupted = new StageRunner(dir, false, () => undefined);
    await assert.rejects(interrupted.run('s', { a: 1 }, async () => { busy(50); throw new Error('stopped'); }, check), /stopped/);
    const ledger = join(dir, 'stages', '.s.spent.json');
    const spent = JSON.parse(readFileSync(ledger, 'utf8')) as { key: string; seconds: number; cpuSeconds: number };
    assert.equal(spent.key, JSON.stringify({ a: 1 }));
    assert.ok(spent.seconds > 0 && spent.cpuSeconds >= 0, `the interrupted run left its cost: ${JSON.stringify(spent)}`);

    const said: string[] = [];
    const resumed = new StageRunner(dir, false, (l) => said.push(l));
    await resumed.run('s', { a: 1 }, async () => ({ n: 1 }), check);
    assert.ok(said.some((l) => l.includes('spent by earlier interrupted runs')), said.join('\n'));
    assert.ok(resumed.times[0].seconds >= spent.seconds && resumed.times[0].cpuSeconds >= spent.cpuSeconds, `the total holds both runs: ${JSON.stringify(resumed.times[0])} vs ${JSON.stringify(spent)}`);
    const marker = JSON.parse(readFileSync(join(dir, 'stages', 's.json'), 'utf8')) as { seconds: number };
    assert.equal(marker.seconds, resumed.times[0].seconds, 'the marker holds the total');
    assert.equal(existsSync(ledger), false, 'the ledger goes once the stage finished');

    // Other options: what the earlier run spent was for another stage; not carried over.
    const otherSaid: string[] = [];
    const other = new StageRunner(dir, false, (l) => otherSaid.push(l));
    await assert.rejects(other.run('t', { a: 1 }, async () => { throw new Error('stopped'); }, check));
    await other.run('t', { a: 2 }, async () => ({ n: 2 }), check);
    assert.ok(!otherSaid.some((l) => l.includes('spent by earlier')), otherSaid.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
