import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError, type ErrorCode } from '../../src/errors.ts';
import { FsStore } from './fs-store.ts';
import { writeTar } from './read-tar.ts';
import { writeFakeBundle } from '../testing/fake-bundle.ts';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-store-'));
}

/** Packs a bundle folder into tar bytes (flat, regular files). */
function tarOf(dir: string): Uint8Array {
  return writeTar(fs.readdirSync(dir).sort().map((name) => ({ name, bytes: fs.readFileSync(path.join(dir, name)) })));
}

async function withStore(fn: (store: FsStore, dir: string) => Promise<void>): Promise<void> {
  const dir = tmp();
  try {
    await fn(await FsStore.open(path.join(dir, 'store')), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Installs bundle A, returns its id: the active bundle the refusal tests check stays active. */
async function installA(store: FsStore, dir: string): Promise<string> {
  writeFakeBundle(path.join(dir, 'a'), { seed: 1, name: 'a' });
  return (await store.install(path.join(dir, 'a'))).id;
}

async function refusedKeepsActive(store: FsStore, activeId: string, source: string, code: ErrorCode, pattern: RegExp): Promise<void> {
  await assert.rejects(store.install(source, { maxBytes: 10_000 }), (e) => isRanasError(e, code) && pattern.test(e.message));
  assert.equal((await store.current())?.id, activeId, 'the active bundle is untouched');
  const staging = fs.readdirSync(path.join(store.root, 'bundles')).filter((n) => n.startsWith('.'));
  assert.deepEqual(staging, [], 'no staging folder is left behind');
}

test('install from a folder and from a tar, swap the pointer, keep the previous for rollback', async () => {
  await withStore(async (store, dir) => {
    assert.equal(await store.current(), undefined);
    const a = await installA(store, dir);
    writeFakeBundle(path.join(dir, 'b'), { seed: 2, name: 'b' });
    fs.writeFileSync(path.join(dir, 'b.tar'), tarOf(path.join(dir, 'b')));
    const b = await store.install(path.join(dir, 'b.tar'));
    assert.equal((await store.current())?.manifest.model.name, 'b');
    assert.equal((await store.previous())?.id, a);
    assert.equal(fs.readlinkSync(path.join(store.root, 'current')), path.join('bundles', b.id));
    const bytes = await store.readFile(b, 'segment-1.tflite');
    assert.equal(bytes.length, 64);
    const back = await store.rollback();
    assert.equal(back.id, a);
    assert.equal((await store.current())?.id, a);
    assert.equal((await store.previous())?.id, b.id);
    // A third install drops the bundle neither pointer names.
    writeFakeBundle(path.join(dir, 'c'), { seed: 3, name: 'c' });
    await store.install(path.join(dir, 'c'));
    assert.deepEqual(fs.readdirSync(path.join(store.root, 'bundles')).sort(), [a, (await store.current())?.id].sort());
  });
});

test('the profile survives reopening the store', async () => {
  await withStore(async (store, dir) => {
    await installA(store, dir);
    const cur = await store.current();
    assert.ok(cur);
    await store.writeProfile(cur, { device: 'pi', measuredAt: 'now', segments: [{ p50Us: 10, p99Us: 12, runs: 50 }] });
    const again = await FsStore.open(store.root);
    const reopened = await again.current();
    assert.ok(reopened);
    assert.equal((await again.readProfile(reopened))?.segments[0].p99Us, 12);
  });
});

test('unknown manifest version is refused and the active bundle stays', async () => {
  await withStore(async (store, dir) => {
    const a = await installA(store, dir);
    const bad = path.join(dir, 'v2');
    writeFakeBundle(bad, { seed: 5 });
    const m = JSON.parse(fs.readFileSync(path.join(bad, 'manifest.json'), 'utf8'));
    m.version = 2;
    fs.writeFileSync(path.join(bad, 'manifest.json'), JSON.stringify(m));
    await refusedKeepsActive(store, a, bad, 'E_MANIFEST_VERSION', /version is 2.*reads version 1/);
  });
});

test('a missing file is refused', async () => {
  await withStore(async (store, dir) => {
    const a = await installA(store, dir);
    const bad = path.join(dir, 'missing');
    writeFakeBundle(bad, { seed: 6 });
    fs.rmSync(path.join(bad, 'segment-1.tflite'));
    await refusedKeepsActive(store, a, bad, 'E_BUNDLE_MISSING_FILE', /segment-1\.tflite/);
    fs.writeFileSync(path.join(dir, 'missing.tar'), tarOf(bad));
    await refusedKeepsActive(store, a, path.join(dir, 'missing.tar'), 'E_BUNDLE_MISSING_FILE', /segment-1\.tflite/);
  });
});

test('a checksum mismatch is refused, from a folder and from a tar', async () => {
  await withStore(async (store, dir) => {
    const a = await installA(store, dir);
    const bad = path.join(dir, 'flipped');
    writeFakeBundle(bad, { seed: 7 });
    const file = path.join(bad, 'segment-0.tflite');
    const bytes = fs.readFileSync(file);
    bytes[10] ^= 1;
    fs.writeFileSync(file, bytes);
    await refusedKeepsActive(store, a, bad, 'E_BUNDLE_CHECKSUM', /segment-0\.tflite.*sha256/);
    fs.writeFileSync(path.join(dir, 'flipped.tar'), tarOf(bad));
    await refusedKeepsActive(store, a, path.join(dir, 'flipped.tar'), 'E_BUNDLE_CHECKSUM', /segment-0\.tflite/);
  });
});

test('path traversal is refused: ../ and absolute names in the manifest and in the tar, symlinks in tars and folders', async () => {
  await withStore(async (store, dir) => {
    const a = await installA(store, dir);
    const src = path.join(dir, 'src');
    writeFakeBundle(src, { seed: 8 });
    const manifest = fs.readFileSync(path.join(src, 'manifest.json'));
    const seg0 = fs.readFileSync(path.join(src, 'segment-0.tflite'));
    const seg1 = fs.readFileSync(path.join(src, 'segment-1.tflite'));
    const cases: { name: string; entries: Parameters<typeof writeTar>[0]; pattern: RegExp }[] = [
      { name: 'dotdot', entries: [{ name: 'manifest.json', bytes: manifest }, { name: '../x', bytes: seg0 }], pattern: /'\.\.\/x'/ },
      { name: 'absolute', entries: [{ name: 'manifest.json', bytes: manifest }, { name: '/etc/x', bytes: seg0 }], pattern: /'\/etc\/x'/ },
      { name: 'symlink', entries: [{ name: 'manifest.json', bytes: manifest }, { name: 'segment-0.tflite', type: '2', linkName: '/etc/passwd' }, { name: 'segment-1.tflite', bytes: seg1 }], pattern: /symbolic link/ },
      { name: 'hardlink', entries: [{ name: 'manifest.json', bytes: manifest }, { name: 'segment-0.tflite', type: '1', linkName: '../../x' }], pattern: /hard link/ },
    ];
    for (const c of cases) {
      const file = path.join(dir, `${c.name}.tar`);
      fs.writeFileSync(file, writeTar(c.entries));
      await refusedKeepsActive(store, a, file, 'E_BUNDLE_UNSAFE_PATH', c.pattern);
    }
    assert.equal(fs.existsSync(path.join(store.root, 'x')), false);
    // A manifest naming a file outside the bundle.
    const m = JSON.parse(manifest.toString());
    m.segments[0].file = '../../outside.tflite';
    const evil = path.join(dir, 'evil');
    fs.mkdirSync(evil);
    fs.writeFileSync(path.join(evil, 'manifest.json'), JSON.stringify(m));
    await refusedKeepsActive(store, a, evil, 'E_BUNDLE_UNSAFE_PATH', /outside\.tflite/);
    // A symlink in a bundle folder.
    const linked = path.join(dir, 'linked');
    writeFakeBundle(linked, { seed: 9 });
    fs.rmSync(path.join(linked, 'segment-1.tflite'));
    fs.symlinkSync(path.join(src, 'segment-1.tflite'), path.join(linked, 'segment-1.tflite'));
    await refusedKeepsActive(store, a, linked, 'E_BUNDLE_UNSAFE_PATH', /not a regular file/);
  });
});

test('an oversize bundle is refused (folder and tar)', async () => {
  await withStore(async (store, dir) => {
    const a = await installA(store, dir);
    const big = path.join(dir, 'big');
    writeFakeBundle(big, { seed: 10, segmentBytes: 6000 });
    await refusedKeepsActive(store, a, big, 'E_BUNDLE_TOO_LARGE', /12000 bytes.*limit is 10000/);
    fs.writeFileSync(path.join(dir, 'big.tar'), tarOf(big));
    await refusedKeepsActive(store, a, path.join(dir, 'big.tar'), 'E_BUNDLE_TOO_LARGE', /limit is 10000/);
  });
});

test('a corrupt tar header is refused naming the byte offset', async () => {
  await withStore(async (store, dir) => {
    const a = await installA(store, dir);
    const src = path.join(dir, 'src');
    writeFakeBundle(src, { seed: 11 });
    const bytes = tarOf(src);
    const manifestBlocks = Math.ceil(fs.statSync(path.join(src, 'manifest.json')).size / 512);
    bytes[512 * (1 + manifestBlocks) + 5] ^= 0x40; // inside the second entry's header name
    fs.writeFileSync(path.join(dir, 'corrupt.tar'), bytes);
    await refusedKeepsActive(store, a, path.join(dir, 'corrupt.tar'), 'E_BUNDLE_TAR', /byte \d+/);
  });
});

test('a tar made by the bridge (tar package, portable) installs', async () => {
  await withStore(async (store, dir) => {
    const { loadBundleTar } = await import('../../firmware-bridge/client/bundle-tar.ts');
    writeFakeBundle(path.join(dir, 'b'), { seed: 12, name: 'bridge' });
    const packed = await loadBundleTar(path.join(dir, 'b'));
    fs.writeFileSync(path.join(dir, 'b.tar'), packed.bytes);
    const b = await store.install(path.join(dir, 'b.tar'));
    assert.equal(b.manifest.model.name, 'bridge');
  });
});

test("a refusal in the caller's last check (accept) leaves both pointers and no new bundle folder", async () => {
  await withStore(async (store, dir) => {
    const a = await installA(store, dir);
    writeFakeBundle(path.join(dir, 'b'), { seed: 2, name: 'b' });
    const b = await store.install(path.join(dir, 'b'));
    writeFakeBundle(path.join(dir, 'c'), { seed: 3, name: 'c' });
    let seen = '';
    await assert.rejects(store.install(path.join(dir, 'c'), { accept: async (bundle) => { seen = bundle.manifest.model.name; throw new Error('model refused'); } }), /model refused/);
    assert.equal(seen, 'c');
    assert.equal((await store.current())?.id, b.id);
    assert.equal((await store.previous())?.id, a);
    assert.deepEqual(fs.readdirSync(path.join(store.root, 'bundles')).sort(), [a, b.id].sort());
  });
});
