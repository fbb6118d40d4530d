/**
 * Power cut at every write step of a flash (MCUboot-simulator / wolfBoot power-fail style): the device side of
 * a flash runs as its own process (device/testing/power-cut-flash.ts: authorise, stage, commit, install,
 * activation, version record) and is killed with SIGKILL at its Nth write step, for every N of the flash, each
 * time on a fresh copy of a store whose active bundle is OLD. After each cut the store is opened again (what
 * the agent does at start) and must have OLD or NEW active, verifying file by file — never anything else; every
 * 10th cut the flash is then run again on the same store and must install NEW.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundleTar } from '../../firmware-bridge/client/bundle-tar.ts';
import { makeFlashKeys } from '../../firmware-bridge/test-support/flash-keys.ts';
import { writeFakeBundle } from '../testing/fake-bundle.ts';
import { FsStore } from './fs-store.ts';
import { verifyBundleDir } from './verify-bundle.ts';

const SCRIPT = fileURLToPath(new URL('../testing/power-cut-flash.ts', import.meta.url));
const CHUNK_BYTES = 2048;

function run(args: string[], crashAt: number): Promise<{ signal: NodeJS.Signals | null; code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, RANAS_CRASH_AT_WRITE: String(crashAt), RANAS_STAGING_FLUSH_BYTES: String(CHUNK_BYTES) };
    const p = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.once('error', reject);
    p.once('exit', (code, signal) => (code !== 0 && signal === null ? reject(new Error(`power-cut-flash exited ${code}: ${err}`)) : resolve({ code, signal, out })));
  });
}

test('SIGKILL at every write step of staging, commit, install and activation: OLD or NEW active and verifying, never anything else', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-power-cut-'));
  try {
    const base = path.join(work, 'base');
    const keys = makeFlashKeys(path.join(work, 'keys'), [base]);
    writeFakeBundle(path.join(work, 'old'), { segments: 2, segmentBytes: 4000, seed: 1, name: 'old' });
    writeFakeBundle(path.join(work, 'new'), { segments: 3, segmentBytes: 125_000, seed: 2, name: 'new' });
    const store = await FsStore.open(base);
    const oldId = (await store.install(path.join(work, 'old'))).id;
    const tar = await loadBundleTar(path.join(work, 'new'));
    fs.writeFileSync(path.join(work, 'new.tar'), tar.bytes);
    const args = (dir: string) => ['--store', dir, '--tar', path.join(work, 'new.tar'), '--link-key', keys.linkKeyFile, '--signing-key', keys.signingKeyFile, '--chunk', String(CHUNK_BYTES)];
    const fresh = (name: string) => {
      const dir = path.join(work, name);
      fs.cpSync(base, dir, { recursive: true, verbatimSymlinks: true });
      return dir;
    };

    const clean = await run(args(fresh('count')), 0);
    const steps = Number(/^steps (\d+)$/m.exec(clean.out)?.[1]);
    const newId = /^done (\S+)$/m.exec(clean.out)?.[1] ?? '';
    assert.ok(steps >= 200, `a flash has ${steps} write steps; expected at least 200 cut points`);
    assert.notEqual(newId, oldId);

    const outcomes = { old: 0, new: 0, resumed: 0 };
    const cut = async (n: number) => {
      const dir = fresh(`cut-${n}`);
      const r = await run(args(dir), n);
      assert.equal(r.signal, 'SIGKILL', `cut ${n} of ${steps}: the process was killed at its write step ${n}`);
      // Restart: open the store as the agent does, and check what is active.
      const reopened = await FsStore.open(dir);
      const active = await reopened.current();
      assert.ok(active && (active.id === oldId || active.id === newId), `cut ${n}: active bundle ${active?.id ?? 'none'}, expected ${oldId} (old) or ${newId} (new)`);
      await verifyBundleDir(reopened.dirOf(active), 1 << 26);
      for (const seg of active.manifest.segments) await reopened.readFile(active, seg.file);
      outcomes[active.id === oldId ? 'old' : 'new']++;
      if (n % 10 === 0 || n === steps) {
        const again = await run(args(dir), 0);
        assert.match(again.out, new RegExp(`^done ${newId}$`, 'm'), `cut ${n}: the flash run again on the same store installs NEW`);
        assert.equal((await (await FsStore.open(dir)).current())?.id, newId);
        outcomes.resumed++;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    };
    // Two cut points at a time (each is its own process).
    const queue = Array.from({ length: steps }, (_, i) => i + 1);
    await Promise.all([0, 1].map(async () => { for (let n = queue.shift(); n !== undefined; n = queue.shift()) await cut(n); }));
    console.log(`${steps} cut points: old active after ${outcomes.old}, new after ${outcomes.new}; ${outcomes.resumed} re-runs installed new`);
    assert.equal(outcomes.old + outcomes.new, steps);
    assert.ok(outcomes.old > 0 && outcomes.new > 0, 'cuts before the swap keep OLD, cuts after it have NEW');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
