/**
 * Where the agent keeps the op pack `profile-ops` measures (src/bundle-format/op-pack.ts): `<dir>/<sha256>.tar`
 * beside the bundle store, written durably (a restarted agent still has it, so a resumed profile-ops does not
 * flash it again), one pack at a time (staging a new one deletes the others). A pack is checked when staged —
 * tar rules of a bundle, its manifest, every item's file present with its sha256 — and read back on use.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { RanasError } from '../../src/errors.ts';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';
import { OP_PACK_MANIFEST, parseOpPackManifest, type OpPackManifest } from '../../src/bundle-format/op-pack.ts';
import { readTar } from '../store/tar-entries.ts';
import { writeFileDurable } from '../../firmware-bridge/durable/durable-file.ts';

/** Largest op pack kept, bytes (a tiny config's pack is ~2 MB: op models plus a dozen calibration bundles). */
export const MAX_OP_PACK_BYTES = 64 * 1024 * 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A pack read back: its manifest and its files by name. */
export interface OpPack {
  sha256: string;
  manifest: OpPackManifest;
  files: ReadonlyMap<string, Uint8Array>;
}

/** Parses and checks pack tar bytes; E_OP_PACK names what is wrong. */
export function readOpPack(bytes: Uint8Array, sha256: string): OpPack {
  let files;
  try {
    files = new Map(readTar(bytes, MAX_OP_PACK_BYTES).map((f) => [f.name, f.bytes]));
  } catch (e) {
    throw new RanasError('E_OP_PACK', `op pack ${sha256.slice(0, 12)}… is not a valid pack tar: ${e instanceof Error ? e.message : String(e)}`);
  }
  const json = files.get(OP_PACK_MANIFEST);
  if (!json) throw new RanasError('E_OP_PACK', `op pack ${sha256.slice(0, 12)}… has no ${OP_PACK_MANIFEST}; expected one beside its item files`);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(json).toString('utf8'));
  } catch (e) {
    throw new RanasError('E_OP_PACK', `${OP_PACK_MANIFEST} of op pack ${sha256.slice(0, 12)}… is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const manifest = parseOpPackManifest(decoded);
  manifest.items.forEach((it, i) => {
    const data = files.get(it.file);
    if (!data) throw new RanasError('E_OP_PACK', `op pack item ${i} names file '${it.file}', which the pack does not hold`);
    const digest = sha256Hex(data);
    if (digest !== it.sha256) throw new RanasError('E_OP_PACK', `op pack item ${i} file '${it.file}' has sha256 ${digest}; the manifest says ${it.sha256}`);
  });
  return { sha256, manifest, files };
}

export class OpPackStore {
  private cached: OpPack | undefined;

  constructor(readonly dir: string) {}

  /** Checks the pack at `stagedFile` and keeps it (durably) as the one pack; other packs are deleted. */
  async stage(stagedFile: string, expectedSha256: string): Promise<OpPack> {
    const bytes = await fs.readFile(stagedFile);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== expectedSha256) throw new RanasError('E_CHECKSUM', `staged op pack '${stagedFile}' has sha256 ${sha256}; expected ${expectedSha256}`);
    const pack = readOpPack(bytes, sha256);
    await fs.mkdir(this.dir, { recursive: true });
    await writeFileDurable(path.join(this.dir, `${sha256}.tar`), bytes);
    for (const name of await fs.readdir(this.dir)) {
      if (name !== `${sha256}.tar`) await fs.rm(path.join(this.dir, name), { force: true });
    }
    this.cached = pack;
    return pack;
  }

  /** The kept pack of `sha256`; E_NO_OP_PACK when there is none (flash it first). */
  async load(sha256: string): Promise<OpPack> {
    if (this.cached?.sha256 === sha256) return this.cached;
    if (!SHA256_HEX.test(sha256)) throw new RanasError('E_BAD_MESSAGE', `profileOps: pack sha256 must be 64 lowercase hex digits, got '${sha256.slice(0, 80)}'`);
    const bytes = await fs.readFile(path.join(this.dir, `${sha256}.tar`)).catch(() => undefined);
    if (!bytes) throw new RanasError('E_NO_OP_PACK', `this device keeps no op pack ${sha256.slice(0, 12)}…; expected it flashed first (kind op pack)`);
    const digest = sha256Hex(bytes);
    if (digest !== sha256) throw new RanasError('E_NO_OP_PACK', `the kept op pack ${sha256.slice(0, 12)}… reads back with sha256 ${digest.slice(0, 12)}… (damaged); flash it again`);
    this.cached = readOpPack(bytes, sha256);
    return this.cached;
  }
}
