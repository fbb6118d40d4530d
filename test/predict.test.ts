// ranas predict on a PNG, a JPEG of another size and a folder (bundle answers through the device agent:
// resized input, policies and budgets as on the device); device infer accepts the same images over TCP;
// a file that is not an image and a missing file are typed errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { makeTinyBundles, TINY_SIZE } from '../device/testing/tiny-bundles.ts';
import { predict, type PredictOptions } from '../src/cli/commands/predict.ts';
import { readImageFile, resizeImage } from '../src/data/image-file.ts';
import { isRanasError } from '../src/errors.ts';

const bin = (name: string) => new URL(`../bin/${name}`, import.meta.url).pathname;
let dir = '';
let exportDir = '';
const images: Record<string, string> = {};

function rgba(w: number, h: number, seed: number): Buffer {
  const d = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    d[4 * i] = (i * 7 + seed) & 255; d[4 * i + 1] = (i * 13 + 2 * seed) & 255; d[4 * i + 2] = (i * 29) & 255; d[4 * i + 3] = 255;
  }
  return d;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-predict-test-'));
  exportDir = path.join(dir, 'export');
  await makeTinyBundles(exportDir, ['tflite']);
  const folder = path.join(dir, 'images');
  fs.mkdirSync(folder);
  const png = new PNG({ width: 128, height: 128 });
  png.data = rgba(128, 128, 1);
  images.png = path.join(folder, 'a-128x128.png');
  fs.writeFileSync(images.png, PNG.sync.write(png));
  images.jpeg = path.join(folder, 'b-50x40.jpg');
  fs.writeFileSync(images.jpeg, jpeg.encode({ data: rgba(50, 40, 5), width: 50, height: 40 }, 95).data);
  images.small = path.join(dir, `c-${TINY_SIZE}.png`);
  const small = new PNG({ width: TINY_SIZE, height: TINY_SIZE });
  small.data = Buffer.alloc(TINY_SIZE * TINY_SIZE * 4);
  const resized = resizeImage(readImageFile(images.png), TINY_SIZE, TINY_SIZE).rgb;
  for (let i = 0; i < TINY_SIZE * TINY_SIZE; i++) { small.data[4 * i] = resized[3 * i]; small.data[4 * i + 1] = resized[3 * i + 1]; small.data[4 * i + 2] = resized[3 * i + 2]; small.data[4 * i + 3] = 255; }
  fs.writeFileSync(images.small, PNG.sync.write(small));
  images.notImage = path.join(dir, 'text.png');
  fs.writeFileSync(images.notImage, 'not a png');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const options = (paths: string[], o: Partial<PredictOptions> = {}): PredictOptions => ({
  paths, model: exportDir, budgetUs: 1e9, policy: 'deadline', topK: 3, profileRuns: 5, json: true, ...o,
});

test('predict: a PNG, a JPEG of another size and a folder, from an export folder (tflite-int8 chosen)', async () => {
  const r = await predict(options([images.png, images.jpeg, images.small, path.dirname(images.png)]));
  assert.match(r.source, /tflite-int8/);
  assert.deepEqual(r.predictions.map((p) => path.basename(p.file)), ['a-128x128.png', 'b-50x40.jpg', `c-${TINY_SIZE}.png`, 'a-128x128.png', 'b-50x40.jpg'], 'files, then the folder\'s images sorted');
  const manifest = JSON.parse(fs.readFileSync(path.join(exportDir, 'tflite-int8', 'manifest.json'), 'utf8')) as { model: { classNames: string[] }; segments: unknown[] };
  for (const p of r.predictions) {
    assert.equal(p.exit, manifest.segments.length, 'an unlimited budget answers from the last exit (exits counted from 1)');
    assert.equal(p.label, manifest.model.classNames[p.classIndex]);
    assert.equal(p.topK.length, 3);
    assert.ok(p.topK[0].confidence >= p.topK[1].confidence && p.topK[1].confidence >= p.topK[2].confidence);
    assert.equal(p.met, true);
  }
  // The 128x128 PNG is resized to the bundle's 9x9 input: same answer as the image resized beforehand.
  assert.deepEqual(r.predictions[0].topK, r.predictions[2].topK);
  assert.notDeepEqual(r.predictions[0].topK, r.predictions[1].topK, 'the two images differ');
});

test('predict: budget 0 answers from exit 1 over budget, as the device does', async () => {
  const r = await predict(options([images.jpeg], { budgetUs: 0, model: path.join(exportDir, 'tflite-int8') }));
  assert.equal(r.predictions[0].exit, 1);
  assert.equal(r.predictions[0].met, false);
});

test('predict: a file that is not an image and a missing one are typed errors naming the file', async () => {
  await assert.rejects(predict(options([images.notImage])), (e) => isRanasError(e, 'E_NOT_AN_IMAGE') && e.message.includes('text.png'));
  await assert.rejects(predict(options([path.join(dir, 'nope.jpg')])), (e) => isRanasError(e, 'E_IMAGE_MISSING') && e.message.includes('nope.jpg'));
});

test('device infer: the PNG and the JPEG of other sizes over TCP, resized to --shape', async () => {
  const store = path.join(dir, 'store');
  const agent = spawn(process.execPath, [bin('ranas-agent.mjs'), '--bundle-dir', store, '--listen', '127.0.0.1:0', '--install', path.join(exportDir, 'tflite-int8'), '--warmups', '1', '--profile-runs', '5'], { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      agent.stdout.on('data', (b: Buffer) => { out += b.toString(); const m = /ready tcp (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
      agent.on('exit', (c) => reject(new Error(`agent exited ${c}`)));
    });
    const segments = (JSON.parse(fs.readFileSync(path.join(exportDir, 'tflite-int8', 'manifest.json'), 'utf8')) as { segments: unknown[] }).segments.length;
    for (const file of [images.png, images.jpeg]) {
      const r = spawnSync(process.execPath, [bin('ranas.mjs'), 'device', 'infer', '--host', `127.0.0.1:${port}`, '--input', file, '--shape', `1,${TINY_SIZE},${TINY_SIZE},3`, '--budget-us', '1000000000', '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const answer = JSON.parse(r.stdout) as { exitIndex: number; label: string; met: boolean };
      assert.equal(answer.met, true);
      assert.equal(answer.exitIndex, segments - 1, 'the last exit (0-based on the wire)');
    }
    const bad = spawnSync(process.execPath, [bin('ranas.mjs'), 'device', 'infer', '--host', `127.0.0.1:${port}`, '--input', path.join(dir, 'missing.png')], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /E_INPUT_MISSING.*missing\.png does not exist/);
  } finally {
    agent.stdin.end();
    agent.kill('SIGTERM');
  }
});
