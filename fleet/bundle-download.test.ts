/**
 * Resumable bundle download against the real range server: an interrupted download resumes with a range
 * request from the bytes on disk, a wrong sha256 is refused and its file removed, ranges parse as RFC 9110 says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRanasError } from '../src/errors.ts';
import { downloadBundle } from './bundle-download.ts';
import { parseRange, startBundleServer } from './bundle-server.ts';

test('ranges: open, closed, suffix, unsatisfiable', () => {
  assert.deepEqual(parseRange('bytes=10-', 100), { start: 10, end: 99 });
  assert.deepEqual(parseRange('bytes=10-19', 100), { start: 10, end: 19 });
  assert.deepEqual(parseRange('bytes=90-200', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-30', 100), { start: 70, end: 99 });
  assert.equal(parseRange(undefined, 100), undefined);
  for (const bad of ['bytes=100-', 'bytes=5-2', 'items=1-2', 'bytes=-']) assert.equal(parseRange(bad, 100), 'invalid', bad);
});

test('an interrupted download resumes from the bytes on disk; the result matches; a wrong sha256 is refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-download-'));
  const bytes = randomBytes(300_000);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const server = await startBundleServer({ bytesPerSecond: 1_000_000 });
  try {
    server.add(sha256, bytes);
    const file = path.join(dir, 'b.tar');
    const controller = new AbortController();
    let seen = 0;
    const first = downloadBundle({ url: server.urlOf(sha256), file, sizeBytes: bytes.length, sha256, signal: controller.signal, progress: (n) => { seen = n; if (n > 100_000) controller.abort(); } });
    await assert.rejects(first);
    const partial = fs.statSync(`${file}.part`).size;
    assert.ok(partial > 0 && partial < bytes.length, `partial file has ${partial} bytes`);
    assert.ok(seen >= partial);
    const before = server.counters.rangeRequests;
    const report = await downloadBundle({ url: server.urlOf(sha256), file, sizeBytes: bytes.length, sha256 });
    assert.equal(report.resumedFromBytes, partial);
    assert.equal(server.counters.rangeRequests, before + 1, 'the resume was one range request');
    assert.deepEqual(fs.readFileSync(file), bytes);
    assert.equal(fs.existsSync(`${file}.part`), false);

    const wrong = path.join(dir, 'w.tar');
    await assert.rejects(downloadBundle({ url: server.urlOf(sha256), file: wrong, sizeBytes: bytes.length, sha256: 'f'.repeat(64) }), (e) => isRanasError(e, 'E_FLEET_CHECKSUM'));
    assert.equal(fs.existsSync(wrong) || fs.existsSync(`${wrong}.part`), false, 'nothing of a refused bundle stays');
    await assert.rejects(downloadBundle({ url: `${server.url}/bundles/${'0'.repeat(64)}.tar`, file: wrong, sizeBytes: 10, sha256, deadlineMs: 300 }), (e) => isRanasError(e, 'E_FLEET_DOWNLOAD'));
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
