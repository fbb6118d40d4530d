/**
 * A run killed outright (SIGKILL, power loss) has logged steps and epochs past its last checkpoint; the resumed
 * run logs them again from the checkpoint. On resume the lines past the checkpoint are dropped first, so
 * `log.jsonl` holds each step once and `alphas.jsonl` each epoch once, as an uninterrupted run's would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../run-folder.ts';
import { readCheckpoint } from './checkpoint.ts';

/** Keeps the lines of a JSON-lines file up to (not including) the first one `keep` refuses; returns how many were dropped. */
function keepPrefix(path: string, keep: (entry: unknown) => boolean): number {
  if (!existsSync(path)) return 0;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  let n = 0;
  for (; n < lines.length; n++) {
    let entry: unknown;
    try {
      entry = JSON.parse(lines[n]);
    } catch {
      if (n === lines.length - 1) break; // the last line, cut by the kill
      continue; // an unreadable line inside the log is left as it is
    }
    if (!keep(entry)) break;
  }
  if (n === lines.length) return 0;
  writeFileAtomic(path, lines.slice(0, n).map((l) => `${l}\n`).join(''));
  return lines.length - n;
}

const field = (e: unknown, k: string): unknown => (typeof e === 'object' && e !== null ? Reflect.get(e, k) : undefined);

/**
 * Drops the lines of `<runDir>/log.jsonl` from the first step past the checkpoint's step, and of
 * `<runDir>/alphas.jsonl` from the first epoch past the checkpoint's completed epochs. No checkpoint: nothing.
 */
export function trimLogsToCheckpoint(runDir: string): { droppedLogLines: number; droppedAlphaLines: number } {
  const ckPath = join(runDir, 'checkpoint.bin');
  if (!existsSync(ckPath)) return { droppedLogLines: 0, droppedAlphaLines: 0 };
  const ck = readCheckpoint(ckPath);
  const epochs = field(ck.meta, 'epoch');
  const droppedLogLines = keepPrefix(join(runDir, 'log.jsonl'), (e) => {
    const step = field(e, 'step');
    return !(field(e, 'type') === 'step' && typeof step === 'number' && step > ck.step);
  });
  const droppedAlphaLines = typeof epochs !== 'number' ? 0 : keepPrefix(join(runDir, 'alphas.jsonl'), (e) => {
    const epoch = field(e, 'epoch');
    return !(typeof epoch === 'number' && epoch > epochs);
  });
  return { droppedLogLines, droppedAlphaLines };
}
