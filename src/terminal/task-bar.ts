/**
 * A progress bar with ETA for a counted job (evaluation, calibration, export evaluation): drawn on stderr
 * only when it is a terminal and RANAS_QUIET is not 1, and only once the job has run for `afterMs` (a job that
 * ends sooner shows nothing). Log lines go above it (status-line.ts).
 */
import cliProgress from 'cli-progress';
import { setLiveBar } from './status-line.ts';

/** A job's progress. */
export interface TaskBar {
  /** `done` items of the total so far. */
  update(done: number): void;
  stop(): void;
}

/** True when bars are drawn. */
export const barsEnabled = (): boolean => process.env.RANAS_QUIET !== '1' && process.stderr.isTTY === true;

/** A bar for `total` items named `label` (e.g. "evaluating tflite-int8"), shown after `afterMs` (default 2 s). */
export function createTaskBar(label: string, total: number, unit = 'images', afterMs = 2000): TaskBar {
  if (!barsEnabled() || total <= 0) return { update: () => {}, stop: () => {} };
  const t0 = performance.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    update: (done) => {
      if (bar === null) {
        if (performance.now() - t0 < afterMs || done >= total) return;
        bar = new cliProgress.SingleBar({
          stream: process.stderr,
          format: `${label} [{bar}] {value}/{total} ${unit} | ETA {eta_formatted}`,
          barsize: 24,
          etaBuffer: 30,
          hideCursor: null,
          forceRedraw: true,
        });
        bar.start(total, done);
        const b = bar;
        setLiveBar({ redraw: () => b.render() });
      }
      bar.update(done);
    },
    stop: () => {
      if (bar === null) return;
      setLiveBar(null);
      bar.stop();
    },
  };
}
