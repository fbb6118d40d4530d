/**
 * The bundle store: where the agent keeps installed bundles, which one is active, and the one before it
 * (for rollback). `FsStore` (fs-store.ts) is the real one; `FakeStore` (fake-store.ts) keeps bundles in
 * memory for tests of the agent.
 */
import type { BundleManifest, BundleProfile } from '../../src/bundle-format/manifest.ts';

/** An installed bundle. */
export interface InstalledBundle {
  /** Content id: the first 16 hex digits of the sha256 of its manifest.json bytes. */
  id: string;
  /** sha256 (hex) of the manifest.json bytes (the manifest holds every file's sha256). */
  manifestSha256: string;
  manifest: BundleManifest;
  /** sha256 of the tar it was installed from, when the installer gave one (the bridge's flash sha256). */
  sourceSha256?: string;
}

/** Install limits. */
export interface InstallOptions {
  /** Largest bundle accepted (sum of its files), in bytes. Default `DEFAULT_MAX_BUNDLE_BYTES`. */
  maxBytes?: number;
  /** sha256 of the source tar (recorded with the bundle; reported as the active bundle's sha256). */
  sourceSha256?: string;
  /**
   * Last check before the swap, on the verified bundle in its final place (the agent loads its models
   * here). Throwing refuses the install: the pointers are not touched.
   */
  accept?: (bundle: InstalledBundle) => Promise<void>;
}

/** Default largest bundle: 256 MiB (a Pi 4 has 1-8 GiB; our int8 bundles are a few MB). */
export const DEFAULT_MAX_BUNDLE_BYTES = 256 * 1024 * 1024;

export interface Store {
  /** The active bundle, or undefined when none is installed. */
  current(): Promise<InstalledBundle | undefined>;
  /** The bundle active before the last install (the rollback target). */
  previous(): Promise<InstalledBundle | undefined>;
  /**
   * Installs a bundle folder or tar file: stages it beside the active one, verifies the manifest and every
   * file's sha256, then makes it active in one atomic step. On any error the active bundle is untouched.
   */
  install(source: string, opts?: InstallOptions): Promise<InstalledBundle>;
  /** Makes the previous bundle active again (and the current one the previous). */
  rollback(): Promise<InstalledBundle>;
  /** Bytes of one file of an installed bundle (checked against its manifest sha256). */
  readFile(bundle: InstalledBundle, file: string): Promise<Uint8Array>;
  /** The saved profile of a bundle, if any. */
  readProfile(bundle: InstalledBundle): Promise<BundleProfile | undefined>;
  /** Saves a bundle's profile (survives restarts). */
  writeProfile(bundle: InstalledBundle, profile: BundleProfile): Promise<void>;
}
