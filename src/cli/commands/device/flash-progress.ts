/** The flash progress bar on stderr (bytes/s, reconnects, ETA). */
import { SingleBar } from 'cli-progress';
import type { FlashProgress } from '../../../../firmware-bridge/client/device-client.ts';

/** A progress bar with bytes/s on stderr, or nothing when quiet or not a terminal. */
export function progressBar(): { update(p: FlashProgress): void; stop(): void } {
  if (process.env.RANAS_QUIET === '1' || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'flash [{bar}] {percentage}% | {value}/{total} bytes | {rate} | reconnects {reconnects} | eta {eta}s',
    hideCursor: true,
  });
  const t0 = performance.now();
  let startBytes = -1;
  let started = false;
  return {
    update(p) {
      if (!started) { bar.start(p.totalBytes, p.ackedBytes, { rate: '-', reconnects: 0 }); started = true; }
      if (startBytes < 0) startBytes = p.ackedBytes;
      const seconds = (performance.now() - t0) / 1000;
      const rate = seconds > 0 ? `${((p.ackedBytes - startBytes) / seconds / 1024).toFixed(1)} KiB/s` : '-';
      bar.update(p.ackedBytes, { rate, reconnects: p.reconnects });
    },
    stop: () => { if (started) bar.stop(); },
  };
}
