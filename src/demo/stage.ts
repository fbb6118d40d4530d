/**
 * Demo stages with checkpoints: a stage that finished writes `stages/<name>.json` (the options it ran
 * with, its result, its seconds). A rerun skips a stage whose marker holds the same options and whose
 * result is still valid (its files exist), so a killed demo resumes rather than restarts; `--fresh` redoes
 * everything. Stages that are cheap or talk to a device (the sweep) always run.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../run-folder.ts';

/** One line of the stage-time table. */
export interface StageTime {
  stage: string;
  seconds: number;
  /** `ran`, or `skipped` when the checkpoint was reused. */
  status: 'ran' | 'skipped';
}

/** Runs stages and records their times. */
export class StageRunner {
  readonly times: StageTime[] = [];

  constructor(private readonly runDir: string, private readonly fresh: boolean, private readonly say: (line: string) => void) {
    mkdirSync(join(runDir, 'stages'), { recursive: true });
  }

  /**
   * Runs `work` unless a marker with the same `key` exists and `valid(result)` holds.
   * `parse` checks the stored result's shape (it comes from disk).
   */
  async run<T>(stage: string, key: unknown, work: () => Promise<T>, check: { parse: (v: unknown) => T | null; valid: (r: T) => boolean }): Promise<T> {
    const marker = join(this.runDir, 'stages', `${stage}.json`);
    const keyJson = JSON.stringify(key);
    if (!this.fresh && existsSync(marker)) {
      const saved = parseMarker(readFileSync(marker, 'utf8'));
      const result = saved && saved.key === keyJson ? check.parse(saved.result) : null;
      if (result !== null && check.valid(result)) {
        this.say(`[${stage}] reusing the result in ${marker} (--fresh to redo)`);
        this.times.push({ stage, seconds: 0, status: 'skipped' });
        return result;
      }
    }
    this.say(`[${stage}] running`);
    const t0 = performance.now();
    const result = await work();
    const seconds = (performance.now() - t0) / 1000;
    writeJsonAtomic(marker, { key: keyJson, result, seconds, finishedAt: new Date().toISOString() });
    this.times.push({ stage, seconds, status: 'ran' });
    this.say(`[${stage}] done in ${seconds.toFixed(1)} s`);
    return result;
  }

  /** Times a stage that always runs. */
  async always<T>(stage: string, work: () => Promise<T>): Promise<T> {
    this.say(`[${stage}] running`);
    const t0 = performance.now();
    const result = await work();
    const seconds = (performance.now() - t0) / 1000;
    this.times.push({ stage, seconds, status: 'ran' });
    this.say(`[${stage}] done in ${seconds.toFixed(1)} s`);
    return result;
  }
}

function parseMarker(text: string): { key: string; result: unknown } | null {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null) return null;
    const key: unknown = Reflect.get(v, 'key');
    return typeof key === 'string' ? { key, result: Reflect.get(v, 'result') } : null;
  } catch {
    return null;
  }
}
