/** `ranas device flash <bundle>`: signed (Ed25519), authenticated per link (HMAC over the device nonce), chunked, resumable. */
import { readSigningKey } from '../../../../firmware-bridge/auth/signing-keys.ts';
import { readKeyFile } from '../../../../firmware-bridge/client/bundle-tar.ts';
import { printTable } from '../../../text-table.ts';
import { progressBar } from './flash-progress.ts';
import { withClient, type DeviceCliOptions } from './link.ts';

export interface FlashCliOptions extends DeviceCliOptions {
  readonly bundle: string;
  readonly keyFile: string;
  /** Host's Ed25519 private key (`ranas keys generate`). */
  readonly signingKeyFile: string;
  readonly bundleVersion?: number;
  readonly allowDowngrade: boolean;
  readonly resume: boolean;
  readonly force: boolean;
  readonly chunkBytes: number;
  readonly window: number;
}

export async function runFlash(o: FlashCliOptions): Promise<void> {
  const keyBytes = readKeyFile(o.keyFile);
  const signingKey = readSigningKey(o.signingKeyFile);
  const bar = progressBar();
  const t0 = performance.now();
  const report = await withClient(o, async (c) => {
    try {
      return await c.flash(o.bundle, { keyBytes, signingKey, bundleVersion: o.bundleVersion, allowDowngrade: o.allowDowngrade, resume: o.resume, force: o.force, chunkBytes: o.chunkBytes, window: o.window, onProgress: (p) => bar.update(p) });
    } finally {
      bar.stop();
    }
  });
  const seconds = (performance.now() - t0) / 1000;
  printTable([{
    bundle: report.activeBundle?.name ?? '-',
    sha256: report.sha256.slice(0, 16),
    bytes: report.totalBytes,
    seconds,
    'KiB/s': report.alreadyActive ? null : report.totalBytes / 1024 / seconds,
    reconnects: report.reconnects,
    'last chunk, B': report.alreadyActive ? null : report.finalChunkBytes,
    status: report.alreadyActive ? 'already active' : 'installed',
  }], { json: o.json });
}
