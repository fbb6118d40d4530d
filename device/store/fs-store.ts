/**
 * The bundle store on disk:
 *   <root>/bundles/<id>/   manifest.json, model files, profile.json (the device's measured profile)
 *   <root>/current         symlink → bundles/<id>   (the active bundle)
 *   <root>/previous        symlink → bundles/<id>   (the rollback target)
 *   <root>/bundles/.staging-*   a bundle being installed (removed on failure and at open)
 * Install: copy/extract into a staging folder beside the bundles, verify it (verify-bundle.ts), rename it
 * to bundles/<id>, run the caller's last check (`accept`: the agent loads the models), then swap the pointers by renaming a fresh temp symlink over each (rename is atomic on
 * POSIX, so a crash leaves either the old or the new pointer, never none). Bundles that neither pointer
 * names are removed afterwards. The profile lives in profile.json beside the manifest so the manifest (and
 * its sha256, the bundle's identity) never changes on the device.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { RanasError } from '../../src/errors.ts';
import { parseProfile } from '../../src/bundle-format/parse-manifest.ts';
import { readTar } from './read-tar.ts';
import { manifestFiles, type BundleProfile } from '../../src/bundle-format/manifest.ts';
import { parseManifestBytes } from '../../src/bundle-format/parse-manifest.ts';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';
import { checkManifestFiles, verifyBundleDir } from './verify-bundle.ts';
import { DEFAULT_MAX_BUNDLE_BYTES, type InstallOptions, type InstalledBundle, type Store } from './store.ts';

type Pointer = 'current' | 'previous';

export class FsStore implements Store {
  private readonly bundlesDir: string;

  private constructor(readonly root: string) {
    this.bundlesDir = path.join(root, 'bundles');
  }

  /** Opens (creating) the store at `root` and removes staging folders a crash left behind. */
  static async open(root: string): Promise<FsStore> {
    const store = new FsStore(path.resolve(root));
    await fs.mkdir(store.bundlesDir, { recursive: true });
    for (const name of await fs.readdir(store.bundlesDir)) {
      if (name.startsWith('.staging-')) await fs.rm(path.join(store.bundlesDir, name), { recursive: true, force: true });
    }
    return store;
  }

  /** Folder of an installed bundle. */
  dirOf(bundle: InstalledBundle): string {
    return path.join(this.bundlesDir, bundle.id);
  }

  current(): Promise<InstalledBundle | undefined> {
    return this.pointed('current');
  }

  previous(): Promise<InstalledBundle | undefined> {
    return this.pointed('previous');
  }

  async install(source: string, opts: InstallOptions = {}): Promise<InstalledBundle> {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
    const st = await fs.stat(source).catch(() => undefined);
    if (!st) throw new RanasError('E_NOT_FOUND', `bundle '${source}' does not exist; expected a bundle folder or a .tar of one`, { file: source });
    const staging = path.join(this.bundlesDir, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(staging);
    try {
      if (st.isDirectory()) await stageFolder(source, staging, maxBytes);
      else {
        if (st.size > maxBytes + 64 * 1024) throw new RanasError('E_BUNDLE_TOO_LARGE', `bundle tar '${source}' has ${st.size} bytes; the limit is ${maxBytes}`, { sizeBytes: st.size, maxBytes });
        await stageTar(await fs.readFile(source), staging, maxBytes);
      }
      const { manifest, manifestSha256 } = await verifyBundleDir(staging, maxBytes);
      const bundle: InstalledBundle = { id: manifestSha256.slice(0, 16), manifestSha256, manifest, ...(opts.sourceSha256 ? { sourceSha256: opts.sourceSha256 } : {}) };
      const finalDir = this.dirOf(bundle);
      const active = await this.current();
      const reused = await exists(finalDir);
      if (reused) {
        await fs.rm(staging, { recursive: true, force: true });
        await verifyBundleDir(finalDir, maxBytes); // the same bundle again: reuse it if still intact
        if (opts.sourceSha256) await writeAtomic(path.join(finalDir, SOURCE_FILE), opts.sourceSha256);
      } else {
        if (opts.sourceSha256) await fs.writeFile(path.join(staging, SOURCE_FILE), opts.sourceSha256);
        await fs.rename(staging, finalDir);
      }
      if (opts.accept) {
        try {
          await opts.accept(bundle);
        } catch (e) {
          if (!reused) await fs.rm(finalDir, { recursive: true, force: true });
          throw e;
        }
      }
      if (active?.id !== bundle.id) {
        if (active) await this.point('previous', active.id);
        await this.point('current', bundle.id);
      }
      await this.collect();
      return bundle;
    } catch (e) {
      await fs.rm(staging, { recursive: true, force: true });
      throw e;
    }
  }

  async rollback(): Promise<InstalledBundle> {
    const prev = await this.previous();
    const cur = await this.current();
    if (!prev) throw new RanasError('E_NO_ROLLBACK', 'no previous bundle to roll back to; install one first');
    await this.point('current', prev.id);
    if (cur) await this.point('previous', cur.id);
    return prev;
  }

  async readFile(bundle: InstalledBundle, file: string): Promise<Uint8Array> {
    const entry = manifestFiles(bundle.manifest).find((f) => f.file === file);
    if (!entry) throw new RanasError('E_BUNDLE_MISSING_FILE', `bundle ${bundle.id} has no file '${file}' in its manifest`, { file });
    const bytes = await fs.readFile(path.join(this.dirOf(bundle), file));
    const sha = sha256Hex(bytes);
    if (sha !== entry.sha256) throw new RanasError('E_BUNDLE_CHECKSUM', `installed '${file}' of bundle ${bundle.id} has sha256 ${sha}; the manifest says ${entry.sha256}`, { file });
    return bytes;
  }

  async readProfile(bundle: InstalledBundle): Promise<BundleProfile | undefined> {
    const text = await fs.readFile(path.join(this.dirOf(bundle), 'profile.json'), 'utf8').catch(() => undefined);
    if (text === undefined) return bundle.manifest.profile;
    try {
      return parseProfile(JSON.parse(text), 'profile.json');
    } catch {
      return bundle.manifest.profile; // a damaged profile is re-measured, never fatal
    }
  }

  async writeProfile(bundle: InstalledBundle, profile: BundleProfile): Promise<void> {
    await writeAtomic(path.join(this.dirOf(bundle), 'profile.json'), JSON.stringify(profile, null, 2) + '\n');
  }

  private async pointed(pointer: Pointer): Promise<InstalledBundle | undefined> {
    const target = await fs.readlink(path.join(this.root, pointer)).catch(() => undefined);
    if (target === undefined) return undefined;
    const dir = path.resolve(this.root, target);
    const bytes = await fs.readFile(path.join(dir, 'manifest.json')).catch(() => undefined);
    if (!bytes) return undefined;
    const manifestSha256 = sha256Hex(bytes);
    const source = (await fs.readFile(path.join(dir, SOURCE_FILE), 'utf8').catch(() => '')).trim();
    return { id: path.basename(dir), manifestSha256, manifest: parseManifestBytes(bytes, `installed bundle '${dir}'`), ...(/^[0-9a-f]{64}$/.test(source) ? { sourceSha256: source } : {}) };
  }

  /** Points `pointer` at bundles/<id>: a temp symlink renamed over the old one. */
  private async point(pointer: Pointer, id: string): Promise<void> {
    const link = path.join(this.root, pointer);
    const tmp = `${link}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await fs.symlink(path.join('bundles', id), tmp);
    await fs.rename(tmp, link);
  }

  /** Removes bundles neither pointer names. */
  private async collect(): Promise<void> {
    const keep = new Set([(await this.current())?.id, (await this.previous())?.id]);
    for (const name of await fs.readdir(this.bundlesDir)) {
      if (!name.startsWith('.') && !keep.has(name)) await fs.rm(path.join(this.bundlesDir, name), { recursive: true, force: true });
    }
  }
}

/** File beside the manifest holding the sha256 of the tar the bundle came from. */
const SOURCE_FILE = 'source.sha256';

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

async function exists(p: string): Promise<boolean> {
  return (await fs.lstat(p).catch(() => undefined)) !== undefined;
}

/** Copies manifest.json and the files it names (regular files only) from a bundle folder. */
async function stageFolder(source: string, staging: string, maxBytes: number): Promise<void> {
  const where = `bundle '${source}'`;
  const manifestBytes = await fs.readFile(path.join(source, 'manifest.json')).catch(() => {
    throw new RanasError('E_BUNDLE_MISSING_FILE', `${where} has no manifest.json`, { file: 'manifest.json' });
  });
  const manifest = parseManifestBytes(manifestBytes, where);
  checkManifestFiles(manifest, maxBytes, where);
  await fs.writeFile(path.join(staging, 'manifest.json'), manifestBytes);
  for (const f of manifestFiles(manifest)) {
    const from = path.join(source, f.file);
    const st = await fs.lstat(from).catch(() => undefined);
    if (!st) throw new RanasError('E_BUNDLE_MISSING_FILE', `${where}: manifest names '${f.file}' but the folder has no such file`, { file: f.file });
    if (!st.isFile()) throw new RanasError('E_BUNDLE_UNSAFE_PATH', `${where}: '${f.file}' is not a regular file (symlinks and folders are refused)`, { file: f.file });
    if (st.size > maxBytes) throw new RanasError('E_BUNDLE_TOO_LARGE', `${where}: '${f.file}' has ${st.size} bytes; the limit is ${maxBytes}`, { file: f.file, maxBytes });
    await fs.copyFile(from, path.join(staging, f.file));
  }
}

/** Extracts the regular files of a bundle tar (read-tar.ts refuses anything unsafe first). */
async function stageTar(tar: Uint8Array, staging: string, maxBytes: number): Promise<void> {
  const files = readTar(tar, maxBytes);
  if (!files.some((f) => f.name === 'manifest.json')) throw new RanasError('E_BUNDLE_MISSING_FILE', 'bundle tar has no manifest.json', { file: 'manifest.json' });
  for (const f of files) await fs.writeFile(path.join(staging, f.name), f.bytes, { flag: 'wx' });
}
