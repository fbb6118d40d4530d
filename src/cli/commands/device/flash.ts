/** `ranas device flash <bundle>`: chunked, acknowledged, resumable, HMAC-authenticated. */
import { readKeyFile } from '../../../../firmware-bridge/client/bundle-tar.ts';
import { printTable } from '../../../text-table.ts';
import { progressBar } from './flash-progress.ts';
import { withClient, type DeviceCliOptions } from './link.ts';

export interface FlashCliOptions extends DeviceCliOptions {
  readonly bundle: string;
  readonly keyFile: string;
  readonly resume: boolean;
  readonly force: boolean;
  readonly chunkBytes: number;
  readonly window: number;
}

export async function runFlash(o: FlashCliOptions): Promise<void> {
  const keyBytes = readKeyFile(o.keyFile);
  const bar = progressBar();
  const t0 = performance.now();
  const report = await withClient(o, async (c) => {
    try {
      return await c.flash(o.bundle, { keyBytes, resume: o.resume, force: o.force, chunkBytes: o.chunkBytes, window: o.window, onProgress: (p) => bar.update(p) });
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
