// Issue 14 point 5: CIFAR-100 (generated files in the official binary format) and a generated image folder,
// each through search → train → export → device infer, with the data's class names in the bundle and in the
// device's answers. Short forms: tiny grids (3 layers, C = 4), one epoch, a few hundred images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { createAgent } from '../device/agent.ts';
import { ranasStdout } from '../src/cli/testing/capture-stdout.ts';
import { encodeCifarBatch, type CifarBatch } from '../src/data/cifar-format.ts';
import { Rng } from '../src/rng.ts';


/** `perClass` images of each of `classes` classes: a class-specific mean colour plus noise, HWC 32×32×3. */
function cifarLike(classes: number, perClass: number, seed: number): CifarBatch {
  const rng = new Rng(seed);
  const count = classes * perClass;
  const images = new Uint8Array(count * 3072);
  const labels = new Int32Array(count);
  const coarse = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % classes;
    labels[i] = c;
    coarse[i] = c % 20;
    const base = [(c * 37) % 256, (c * 91) % 256, (c * 53) % 256];
    for (let p = 0; p < 1024; p++) for (let ch = 0; ch < 3; ch++) images[i * 3072 + p * 3 + ch] = Math.max(0, Math.min(255, base[ch] + Math.round((rng.nextFloat() - 0.5) * 60)));
  }
  return { images, labels, coarseLabels: coarse, count };
}

/** search → train → export → device: returns the manifest's class names and one answer's label. */
async function pipeline(root: string, data: string): Promise<{ trainRows: Record<string, unknown>[]; classNames: string[]; label: string; topLabels: string[]; shape: number[]; image: Uint8Array }> {
  const grid = ['--preset', 'tiny', '--layers', '3', '--init-channels', '4', '--data', data, '--runs-dir', root, '--seed', '1'];
  await ranasStdout(['search', ...grid, '--epochs', '1', '--subset', '200', '--batch-size', '24', '--name', 's', '--json']);
  const genotype = join(root, 's', 'genotype.json');
  const trainOut = await ranasStdout(['train', ...grid, '--genotype', genotype, '--epochs', '1', '--subset', '200', '--batch-size', '24', '--name', 't', '--json']);
  const trainRows: unknown = JSON.parse(trainOut);
  assert.ok(Array.isArray(trainRows));
  await ranasStdout(['export', join(root, 't', 'model'), '-o', join(root, 'bundle'), '--int8', '--calib', '16', '--eval', '0', '--format', 'tflite', '--json']);
  const bundleDir = join(root, 'bundle', 'tflite-int8');
  const manifest: unknown = JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8'));
  const classNames: unknown = Reflect.get(Reflect.get(Object(manifest), 'model'), 'classNames');
  assert.ok(Array.isArray(classNames) && classNames.every((c) => typeof c === 'string'));
  const agent = await createAgent({ bundleDir: join(root, 'store'), profile: { warmups: 1, runs: 3 } });
  try {
    await agent.install(bundleDir);
    const image = Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7) & 255);
    const answer = await agent.run({ input: image, shape: [32, 32, 3], budgetUs: 1e12, policy: 'deadline', topK: 5 });
    return { trainRows, classNames: classNames.map(String), label: answer.label, topLabels: answer.topK.map((t) => t.label), shape: [32, 32, 3], image };
  } finally {
    await agent.close();
  }
}

test('CIFAR-100 binary files (generated, official format): search → train (top-5 reported) → int8 export → device answers with fine class names', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-c100-'));
  try {
    const dir = join(root, 'cifar-100-binary');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train.bin'), encodeCifarBatch(cifarLike(100, 3, 1), 'cifar100'));
    writeFileSync(join(dir, 'test.bin'), encodeCifarBatch(cifarLike(100, 1, 2), 'cifar100'));
    const fine = Array.from({ length: 100 }, (_, i) => `fine_${String(i).padStart(2, '0')}`);
    writeFileSync(join(dir, 'fine_label_names.txt'), fine.join('\n') + '\n');
    writeFileSync(join(dir, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `coarse_${i}`).join('\n') + '\n');
    const r = await pipeline(join(root, 'runs'), root);
    assert.ok(r.trainRows.length >= 1 && r.trainRows.every((row) => typeof row.top5 === 'number'), 'top-5 per exit with 100 classes');
    assert.deepEqual(r.classNames, fine);
    assert.ok(fine.includes(r.label));
    assert.equal(r.topLabels.length, 5);
    assert.ok(r.topLabels.every((l) => fine.includes(l)));
    const config: unknown = JSON.parse(readFileSync(join(root, 'runs', 't', 'config.json'), 'utf8'));
    assert.equal(Reflect.get(Reflect.get(Object(config), 'options'), 'numClasses'), 100);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an image folder (class sub-folders of PNGs of other sizes): search → train → int8 export → device answers with the folder names', async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-folder-'));
  try {
    const data = join(root, 'flowers');
    const classes = ['daisy', 'rose', 'tulip'];
    const rng = new Rng(3);
    classes.forEach((cls, c) => {
      mkdirSync(join(data, cls), { recursive: true });
      for (let k = 0; k < 40; k++) {
        const png = new PNG({ width: 40, height: 30 });
        for (let p = 0; p < 40 * 30; p++) {
          png.data[4 * p] = c === 0 ? 230 : 30 + Math.floor(rng.nextFloat() * 40);
          png.data[4 * p + 1] = c === 1 ? 230 : 30 + Math.floor(rng.nextFloat() * 40);
          png.data[4 * p + 2] = c === 2 ? 230 : 30 + Math.floor(rng.nextFloat() * 40);
          png.data[4 * p + 3] = 255;
        }
        writeFileSync(join(data, cls, `${k}.png`), PNG.sync.write(png));
      }
    });
    const r = await pipeline(join(root, 'runs'), data);
    assert.deepEqual(r.classNames, classes);
    assert.ok(classes.includes(r.label), `answer label ${r.label}`);
    assert.deepEqual([...r.topLabels].sort(), classes);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
