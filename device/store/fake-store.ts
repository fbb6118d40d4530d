/**
 * An in-memory Store for agent tests: bundles are added as (manifest, files) pairs; `install(source)`
 * looks the source name up among them. Verification is the manifest parse only (the real checks are
 * FsStore's, tested there).
 */
import { RanasError } from '../../src/errors.ts';
import type { BundleManifest } from '../../src/bundle-format/manifest.ts';
import type { BundleProfile } from '../../src/bundle-format/manifest.ts';
import { sha256Hex } from '../../src/bundle-format/sha256.ts';
import type { InstallOptions, InstalledBundle, Store } from './store.ts';

export class FakeStore implements Store {
  private readonly sources = new Map<string, { manifest: BundleManifest; files: Map<string, Uint8Array> }>();
  private readonly profiles = new Map<string, BundleProfile>();
  private cur: InstalledBundle | undefined;
  private prev: InstalledBundle | undefined;
  /** Number of profile writes (tests check profiling happened once). */
  profileWrites = 0;

  /** Makes `source` installable. */
  add(source: string, manifest: BundleManifest, files: Map<string, Uint8Array>): this {
    this.sources.set(source, { manifest, files });
    return this;
  }

  async current(): Promise<InstalledBundle | undefined> {
    return this.cur;
  }

  async previous(): Promise<InstalledBundle | undefined> {
    return this.prev;
  }

  async install(source: string, opts: InstallOptions = {}): Promise<InstalledBundle> {
    const found = this.sources.get(source);
    if (!found) throw new RanasError('E_NOT_FOUND', `fake store has no bundle '${source}'`);
    const manifestSha256 = sha256Hex(Buffer.from(JSON.stringify(found.manifest)));
    const bundle = { id: manifestSha256.slice(0, 16), manifestSha256, manifest: found.manifest, sourceSha256: opts.sourceSha256 };
    await opts.accept?.(bundle);
    if (this.cur?.id !== bundle.id) this.prev = this.cur;
    this.cur = bundle;
    return bundle;
  }

  async rollback(): Promise<InstalledBundle> {
    if (!this.prev) throw new RanasError('E_NO_ROLLBACK', 'no previous bundle to roll back to');
    const target = this.prev;
    this.prev = this.cur;
    this.cur = target;
    return target;
  }

  async readFile(bundle: InstalledBundle, file: string): Promise<Uint8Array> {
    for (const s of this.sources.values()) {
      if (s.manifest === bundle.manifest) {
        const bytes = s.files.get(file);
        if (bytes) return bytes;
      }
    }
    throw new RanasError('E_BUNDLE_MISSING_FILE', `fake bundle ${bundle.id} has no file '${file}'`, { file });
  }

  async readProfile(bundle: InstalledBundle): Promise<BundleProfile | undefined> {
    return this.profiles.get(bundle.id) ?? bundle.manifest.profile;
  }

  async writeProfile(bundle: InstalledBundle, profile: BundleProfile): Promise<void> {
    this.profileWrites++;
    this.profiles.set(bundle.id, profile);
  }
}
