/** Writes a small fake bundle folder (manifest.json + segment files of pseudo-random bytes) for tests. */
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom } from '../transport/seeded-random.ts';

/** Release numbers of fake bundles made by this process: each new bundle is newer than the last. */
let lastVersion = 0;

export function makeFakeBundle(dir: string, { segments = 2, segmentBytes = 8192, seed = 1, bundleVersion = ++lastVersion } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  const random = seededRandom(seed);
  const files: string[] = [];
  for (let i = 0; i < segments; i++) {
    const bytes = Buffer.alloc(segmentBytes);
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    const file = `segment-${i}.tflite`;
    fs.writeFileSync(path.join(dir, file), bytes);
    files.push(file);
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ format: 'ranas-bundle', version: 1, bundleVersion, model: { name: `fake-${seed}` }, segments: files.map((file) => ({ file })) }));
  return dir;
}
