/**
 * Set-up pieces without the 274 MB wheel: extraction from a small generated wheel (only the needed
 * members land, atomically; a wheel without the libraries is refused and leaves nothing behind), the
 * relative deps/ links (resolve, idempotent, no absolute paths), and a missing wheel reported as
 * E_NATIVE_WHEEL with the installed engine left as it was.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractWheel, isExtracted } from './wheel.ts';
import { layoutDeps } from './deps-layout.ts';
import { setupNative, summaryLine } from './setup-native.ts';
import { isRanasError } from '../../errors.ts';
import { findAddon } from './addon-build.ts';
import { nativePaths } from './native-paths.ts';

/** Writes a zip with the given members (Python's zipfile: python3 is a set-up prerequisite anyway). */
function makeWheel(path: string, members: Record<string, string>): void {
  const script = 'import sys, json, zipfile\nz = zipfile.ZipFile(sys.argv[1], "w")\nfor k, v in json.loads(sys.argv[2]).items(): z.writestr(k, v)\nz.close()';
  execFileSync('python3', ['-c', script, path, JSON.stringify(members)]);
}

const GOOD = {
  'tensorflow/include/tensorflow/c/c_api.h': '// c api\n',
  'tensorflow/include/tensorflow/c/eager/c_api.h': '// eager\n',
  'tensorflow/libtensorflow_cc.so.2': 'cc',
  'tensorflow/libtensorflow_framework.so.2': 'fw',
  'tensorflow/python/_pywrap_tensorflow_internal.so': 'not needed',
  'tensorflow_cpu-2.21.0.dist-info/METADATA': 'Name: tensorflow-cpu',
};

it('extracts only headers and the two libraries, atomically', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-wheel-'));
  try {
    const wheel = join(dir, 'tensorflow_cpu-2.21.0-cp311-none.whl');
    makeWheel(wheel, GOOD);
    const tfDir = join(dir, 'tf-2.21.0');
    await extractWheel(wheel, tfDir);
    assert.ok(isExtracted(tfDir));
    assert.equal(readFileSync(join(tfDir, 'lib', 'libtensorflow_cc.so.2'), 'utf8'), 'cc');
    assert.equal(readFileSync(join(tfDir, 'include', 'tensorflow', 'c', 'eager', 'c_api.h'), 'utf8'), '// eager\n');
    assert.deepEqual(readdirSync(tfDir).sort(), ['extracted.json', 'include', 'lib']);
    assert.deepEqual(readdirSync(dir).sort(), ['tensorflow_cpu-2.21.0-cp311-none.whl', 'tf-2.21.0']); // no partial folder left
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('refuses a wheel without the libraries and leaves no partial cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-wheel-'));
  try {
    const wheel = join(dir, 'bad.whl');
    makeWheel(wheel, { 'tensorflow/include/tensorflow/c/c_api.h': '// only headers\n' });
    const tfDir = join(dir, 'tf-2.21.0');
    await assert.rejects(extractWheel(wheel, tfDir), (e: unknown) => isRanasError(e, 'E_NATIVE_WHEEL') && /libtensorflow_cc\.so\.2/.test(e.message));
    assert.ok(!existsSync(tfDir));
    assert.deepEqual(readdirSync(dir), ['bad.whl']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('lays out deps/ with relative links that resolve, twice without change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ranas-deps-'));
  try {
    const tfDir = join(dir, 'cache', 'tf-2.21.0');
    mkdirSync(join(tfDir, 'lib'), { recursive: true });
    mkdirSync(join(tfDir, 'include', 'tensorflow'), { recursive: true });
    writeFileSync(join(tfDir, 'lib', 'libtensorflow_cc.so.2'), 'cc');
    writeFileSync(join(tfDir, 'lib', 'libtensorflow_framework.so.2'), 'fw');
    const pkg = join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
    mkdirSync(pkg, { recursive: true });
    for (let round = 0; round < 2; round++) {
      const deps = layoutDeps(pkg, tfDir);
      assert.equal(readFileSync(join(deps, 'lib', 'libtensorflow.so'), 'utf8'), 'cc');
      assert.equal(readFileSync(join(deps, 'lib', 'libtensorflow.so.2.9.1'), 'utf8'), 'cc');
      assert.equal(readFileSync(join(deps, 'lib', 'libtensorflow_framework.so'), 'utf8'), 'fw');
      assert.ok(existsSync(join(deps, 'include', 'tensorflow')));
      for (const name of readdirSync(join(deps, 'lib'))) assert.ok(!readlinkSync(join(deps, 'lib', name)).startsWith('/'), `${name} is relative`);
      assert.ok(!readlinkSync(join(deps, 'include')).startsWith('/'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a missing wheel is reported (E_NATIVE_WHEEL) and the installed addon is left as it was', async () => {
  const paths = nativePaths();
  const addonBefore = findAddon(paths.tfjsNodeDir);
  const report = await setupNative({ wheel: join(tmpdir(), 'ranas-no-such-dir', 'missing.whl'), force: true });
  assert.equal(report.ok, false);
  assert.equal(report.error?.code, 'E_NATIVE_WHEEL');
  assert.match(summaryLine(report), /^native engine not set up \(E_NATIVE_WHEEL\).*wasm engine stays active$/);
  assert.equal(findAddon(paths.tfjsNodeDir), addonBefore);
});
