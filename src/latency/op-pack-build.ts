/**
 * Builds the op pack `ranas device profile-ops` flashes to a device (format: src/bundle-format/op-pack.ts):
 * the config's op models as files, each calibration network as a bundle tar, and op-pack.json listing them
 * in the order the device measures them. Packed as a deterministic flat tar (sorted, no mtimes).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import type { BundleRuntime } from '../bundle-format/manifest.ts';
import type { OpModel } from '../bundle-format/latency-table.ts';
import { OP_PACK_FORMAT, OP_PACK_MANIFEST, OP_PACK_VERSION, type OpPackItem, type OpPackManifest } from '../bundle-format/op-pack.ts';
import { sha256Hex } from '../bundle-format/sha256.ts';
import { loadBundleTar } from '../../firmware-bridge/client/bundle-tar.ts';

/** A built pack: its tar bytes, sha256, name and manifest. */
export interface BuiltOpPack {
  bytes: Buffer;
  sha256: string;
  name: string;
  manifest: OpPackManifest;
}

export interface OpPackContents {
  name: string;
  runtime: BundleRuntime;
  models: readonly OpModel[];
  /** Bundle folders to profile whole, with their entry keys (one per segment) and part. */
  bundles: readonly { dir: string; keys: string[]; part: string }[];
  warmups: number;
  runs: number;
  bundleRuns: number;
  /** Folder the pack's files are written to before packing (emptied first). */
  workDir: string;
}

const EXTENSION: Record<BundleRuntime, string> = { onnx: 'onnx', tflite: 'tflite' };

export async function buildOpPack(c: OpPackContents): Promise<BuiltOpPack> {
  fs.rmSync(c.workDir, { recursive: true, force: true });
  fs.mkdirSync(c.workDir, { recursive: true });
  const items: OpPackItem[] = [];
  c.models.forEach((m, i) => {
    const file = `op-${String(i).padStart(5, '0')}.${EXTENSION[c.runtime]}`;
    fs.writeFileSync(path.join(c.workDir, file), m.bytes);
    items.push({ kind: 'op', key: m.key, part: m.part, file, sha256: sha256Hex(m.bytes), inputs: m.inputs, outputs: m.outputs });
  });
  for (const [i, b] of c.bundles.entries()) {
    const file = `bundle-${String(i).padStart(3, '0')}.tar`;
    const { bytes, sha256 } = await loadBundleTar(b.dir);
    fs.writeFileSync(path.join(c.workDir, file), bytes);
    items.push({ kind: 'bundle', keys: b.keys, part: b.part, file, sha256 });
  }
  const manifest: OpPackManifest = { format: OP_PACK_FORMAT, version: OP_PACK_VERSION, name: c.name, runtime: c.runtime, warmups: c.warmups, runs: c.runs, bundleRuns: c.bundleRuns, items };
  fs.writeFileSync(path.join(c.workDir, OP_PACK_MANIFEST), JSON.stringify(manifest));
  const files = fs.readdirSync(c.workDir).sort();
  const parts: Buffer[] = [];
  for await (const part of tar.create({ cwd: c.workDir, portable: true, noMtime: true }, files)) parts.push(Buffer.from(part));
  const bytes = Buffer.concat(parts);
  return { bytes, sha256: sha256Hex(bytes), name: c.name, manifest };
}
