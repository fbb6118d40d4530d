/**
 * Download progress on stderr (cli-progress): bytes done / total and ETA. Silent when RANAS_QUIET=1 or
 * stderr is not a TTY, so tests, CI logs and `--json` output stay clean.
 */
import cliProgress from 'cli-progress';

/** Something that can be told how many bytes have arrived. */
export interface ByteProgress {
  start(label: string, totalBytes: number | null): void;
  add(bytes: number): void;
  stop(): void;
}

/** True when a progress bar should be drawn. */
export function progressEnabled(env: NodeJS.ProcessEnv = process.env, stream: { readonly isTTY?: boolean } = process.stderr): boolean {
  return env.RANAS_QUIET !== '1' && stream.isTTY === true;
}

/** A progress reporter that prints nothing. */
export const silentProgress: ByteProgress = { start() {}, add() {}, stop() {} };

const MB = 1024 * 1024;

/** A cli-progress bar in MB with ETA (or the silent reporter when disabled). */
export function byteProgress(enabled = progressEnabled()): ByteProgress {
  if (!enabled) return silentProgress;
  let bar: cliProgress.SingleBar | null = null;
  let done = 0;
  return {
    start(label, totalBytes) {
      done = 0;
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label} [{bar}] {percentage}% | {doneMb}/{totalMb} MB | ETA {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      const total = totalBytes ?? 0;
      bar.start(total > 0 ? total : 1, 0, { doneMb: '0.0', totalMb: total > 0 ? (total / MB).toFixed(1) : '?' });
    },
    add(bytes) {
      done += bytes;
      bar?.update(done, { doneMb: (done / MB).toFixed(1) });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
