/**
 * The graph addon is compiled on demand into a checkout's cache, keyed by its source, and found there again;
 * a checkout without tfjs-node gets none (and no exception). Uses a scratch project that shares this
 * checkout's node_modules, so the real cache is never touched. Skipped when tfjs-node's deps/ is not laid out.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../package-root.ts';
import { ensureGraphAddon, findGraphAddon, tfjsNodeDeps } from './graph-addon-build.ts';
import { nativePaths } from './native-paths.ts';

function depsLaidOut(): boolean {
  try {
    return existsSync(join(tfjsNodeDeps(nativePaths().tfjsNodeDir), 'lib', 'libtensorflow_cc.so.2'));
  } catch {
    return false;
  }
}

it('ensureGraphAddon compiles the addon into a checkout that lacks it, once; findGraphAddon then finds it', async (t) => {
  if (!depsLaidOut()) return t.skip('tfjs-node deps/ is not laid out (run `ranas setup native`)');
  const root = mkdtempSync(join(tmpdir(), 'ranas-graph-addon-'));
  try {
    writeFileSync(join(root, 'package.json'), '{"name":"scratch","private":true}\n');
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'));
    assert.equal(findGraphAddon(root), undefined, 'a fresh checkout has no addon');
    const built = await ensureGraphAddon(root);
    assert.ok(built && existsSync(built), `built: ${built}`);
    assert.equal(findGraphAddon(root), built);
    assert.equal(await ensureGraphAddon(root), built, 'the second call finds the first build');
    assert.deepEqual(readdirSync(join(root, '.cache', 'native', 'graph-addon')).filter((f) => f.endsWith('.node')).length, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

it('without tfjs-node there is no addon and no exception', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-graph-addon-none-'));
  try {
    writeFileSync(join(root, 'package.json'), '{"name":"scratch","private":true}\n');
    assert.equal(await ensureGraphAddon(root), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
