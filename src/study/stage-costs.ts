/**
 * What each stage of the study cost: wall and CPU seconds from the stage markers under `<results>/stages/`
 * (committed, so the total spans sessions and machines), and for the stage in flight its time so far
 * (`.<stage>.spent.json`, kept across interruptions by `src/demo/stage.ts`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StageCost } from './study-report.ts';

/** Every stage's cost, by stage name; the stage in flight is named so. */
export function stageCosts(resultsDir: string): StageCost[] {
  const dir = join(resultsDir, 'stages');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => {
    const v: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const num = (k: string) => Number(typeof v === 'object' && v !== null ? Reflect.get(v, k) : NaN);
    const inFlight = /^\.(.+)\.spent\.json$/.exec(f);
    return { stage: inFlight ? `${inFlight[1]} (in flight: time so far)` : f.replace(/\.json$/, ''), seconds: num('seconds'), cpuSeconds: num('cpuSeconds'), inFlight: inFlight !== null };
  }).sort((a, b) => a.stage.localeCompare(b.stage));
}
