/**
 * Training progress on stderr: epoch, step, loss per exit, img/s and ETA, through cli-progress. Silent
 * when RANAS_QUIET=1 or stderr is not a TTY (logs still go to log.jsonl).
 */
import cliProgress from 'cli-progress';

/** What the loop reports after each step. */
export interface ProgressInfo {
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  exitLosses: number[];
  imgPerSec: number;
}

/** A progress display. */
export interface Progress {
  update(info: ProgressInfo): void;
  stop(): void;
}

/** True when a progress bar should be drawn. */
export function progressEnabled(): boolean {
  return process.env.RANAS_QUIET !== '1' && process.stderr.isTTY === true;
}

/** A progress bar (or a no-op when disabled). `startStep` is where a resumed run begins. */
export function createProgress(totalSteps: number, startStep: number, enabled = progressEnabled()): Progress {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'epoch {epoch} [{bar}] step {value}/{total} | loss {losses} | {ips} img/s | ETA {eta_formatted}',
    barsize: 24,
    etaBuffer: 50,
    hideCursor: null,
  });
  bar.start(totalSteps, startStep, { epoch: '-', losses: '-', ips: '-' });
  return {
    update: (i) => bar.update(i.step, {
      epoch: `${i.epoch + 1}/${i.epochs}`,
      losses: i.exitLosses.map((l) => l.toFixed(3)).join(' '),
      ips: i.imgPerSec.toFixed(1),
    }),
    stop: () => bar.stop(),
  };
}
