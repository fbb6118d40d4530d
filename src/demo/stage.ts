/**
 * Demo stages with checkpoints: a stage that finished writes `stages/<name>.json` (the options it ran
 * with, its result, its seconds). A rerun skips a stage whose marker holds the same options and whose
 * result is still valid (its files exist), so a killed demo resumes rather than restarts; `--fresh` redoes
 * everything. Stages that are cheap or talk to a device (the sweep) always run.
 * A stage's cost survives interruptions: while it runs, the wall and CPU seconds spent so far (plus what earlier
 * interrupted runs of it with the same options spent) are written every minute to `stages/.<name>.spent.json`,
 * and the finished stage's marker holds the total.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../run-folder.ts';

/** One line of the stage-time table. */
export interface StageTime {
  stage: string;
  seconds: number;
  /**
   * CPU seconds (user + system) of this process during the stage, all threads: on a loaded machine the wall
   * time says little, this says what the stage costs (the agent child process is not counted).
   */
  cpuSeconds: number;
  /** `ran`, or `skipped` when the checkpoint was reused. */
  status: 'ran' | 'skipped';
}

/** Runs stages and records their times. */
export class StageRunner {
  readonly times: StageTime[] = [];

  /**
   * `roots`: folders whose paths inside a result are stored relative, as `<token>/rest` (e.g. `@results` for
   * results/study), so committed markers still point at their files in a clone at another path.
   */
  constructor(private readonly runDir: string, private readonly fresh: boolean, private readonly say: (line: string) => void, private readonly roots: Readonly<Record<string, string>> = {}) {
    mkdirSync(join(runDir, 'stages'), { recursive: true });
  }

  /** A stored result with every `<token>/…` path made absolute again. */
  private fromStored(v: unknown): unknown {
    if (typeof v === 'string') {
      for (const [token, root] of Object.entries(this.roots)) if (v === token || v.startsWith(`${token}/`)) return root + v.slice(token.length);
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => this.fromStored(x));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.fromStored(x)]));
    return v;
  }

  /** A result as stored: paths under a root as `<token>/…` (the longest root first). */
  private toStored(v: unknown): unknown {
    const roots = Object.entries(this.roots).sort((a, b) => b[1].length - a[1].length);
    return JSON.parse(JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x !== 'string') return x;
      const hit = roots.find(([, root]) => x === root || x.startsWith(`${root}/`));
      return hit ? hit[0] + x.slice(hit[1].length) : x;
    }));
  }

  /**
   * Runs `work` unless a marker with the same `key` exists and `valid(result)` holds.
   * `parse` checks the stored result's shape (it comes from disk).
   */
  async run<T>(stage: string, key: unknown, work: () => Promise<T>, check: { parse: (v: unknown) => T | null; valid: (r: T) => boolean }): Promise<T> {
    const marker = join(this.runDir, 'stages', `${stage}.json`);
    const stored = this.fresh ? null : this.stored(stage, key, check);
    if (stored !== null) {
      this.say(`[${stage}] reusing the result in ${marker} (--fresh to redo)`);
      this.times.push({ stage, seconds: 0, cpuSeconds: 0, status: 'skipped' });
      return stored;
    }
    const { result, time } = await this.timed(stage, work, JSON.stringify(key));
    writeJsonAtomic(marker, { key: JSON.stringify(key), result: this.toStored(result), seconds: time.seconds, cpuSeconds: time.cpuSeconds, finishedAt: new Date().toISOString() });
    return result;
  }

  /** The stage's stored result when its marker holds the same `key` and the result is still valid, else null. */
  stored<T>(stage: string, key: unknown, check: { parse: (v: unknown) => T | null; valid: (r: T) => boolean }): T | null {
    const marker = join(this.runDir, 'stages', `${stage}.json`);
    if (!existsSync(marker)) return null;
    const saved = parseMarker(readFileSync(marker, 'utf8'));
    const result = saved && saved.key === JSON.stringify(key) ? check.parse(this.fromStored(saved.result)) : null;
    return result !== null && check.valid(result) ? result : null;
  }

  /** Times a stage that always runs. */
  async always<T>(stage: string, work: () => Promise<T>): Promise<T> {
    return (await this.timed(stage, work)).result;
  }

  /** What earlier interrupted runs of `stage` with options `key` spent (zero without a ledger or for other options). */
  private spentBefore(ledger: string, key: string | undefined): { seconds: number; cpuSeconds: number } {
    const none = { seconds: 0, cpuSeconds: 0 };
    if (key === undefined || !existsSync(ledger)) return none;
    try {
      const v: unknown = JSON.parse(readFileSync(ledger, 'utf8'));
      const num = (k: string) => { const x: unknown = typeof v === 'object' && v !== null ? Reflect.get(v, k) : undefined; return typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : null; };
      const seconds = num('seconds');
      const cpuSeconds = num('cpuSeconds');
      const sameKey = typeof v === 'object' && v !== null && Reflect.get(v, 'key') === key;
      return sameKey && seconds !== null && cpuSeconds !== null ? { seconds, cpuSeconds } : none;
    } catch {
      return none;
    }
  }

  private async timed<T>(stage: string, work: () => Promise<T>, key?: string): Promise<{ result: T; time: StageTime }> {
    const ledger = join(this.runDir, 'stages', `.${stage}.spent.json`);
    const before = this.spentBefore(ledger, key);
    this.say(`[${stage}] running${before.seconds > 0 ? ` (${before.seconds.toFixed(0)} s, ${before.cpuSeconds.toFixed(0)} CPU s spent by earlier interrupted runs)` : ''}`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const spent = () => {
      const cpu = process.cpuUsage(cpu0);
      return { seconds: before.seconds + (performance.now() - t0) / 1000, cpuSeconds: before.cpuSeconds + (cpu.user + cpu.system) / 1e6 };
    };
    const tick = key === undefined ? null : setInterval(() => writeJsonAtomic(ledger, { key, ...spent() }), 60_000);
    tick?.unref();
    let result: T;
    try {
      result = await work();
    } finally {
      if (tick) clearInterval(tick);
      if (key !== undefined) writeJsonAtomic(ledger, { key, ...spent() });
    }
    const time: StageTime = { stage, ...spent(), status: 'ran' };
    rmSync(ledger, { force: true });
    this.times.push(time);
    this.say(`[${stage}] done in ${time.seconds.toFixed(1)} s (${time.cpuSeconds.toFixed(1)} CPU s${before.seconds > 0 ? ', earlier interrupted runs included' : ''})`);
    return { result, time };
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
