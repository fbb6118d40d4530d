/**
 * `--data cifar10` / `--data cifar100`: the full official release, from the cache when it is there and
 * verified, else fetched into it — or an error naming the cache folder and every source tried. Never the
 * 1,000-image mini set (that is `--data mini`, asked for by name).
 */
import { RanasError, errorMessage } from '../errors.ts';
import { cacheState } from './cache-state.ts';
import { loadCifar10, loadCifar100 } from './cifar-loaders.ts';
import { ensureCifar10, ensureCifar100, type EnsureOptions, type EnsureResult } from './ensure-cifar.ts';
import type { TrainTest } from './types.ts';

/** The official releases. */
export type CifarName = 'cifar10' | 'cifar100';

const RELEASE: Record<CifarName, { label: string; ensure: (o: EnsureOptions) => Promise<EnsureResult>; load: (dir: string) => TrainTest }> = {
  cifar10: { label: 'CIFAR-10', ensure: ensureCifar10, load: loadCifar10 },
  cifar100: { label: 'CIFAR-100', ensure: ensureCifar100, load: loadCifar100 },
};

/** The release, and a note saying where it came from. */
export async function loadCifarStrict(name: CifarName, o: Pick<EnsureOptions, 'log' | 'progress'> & { dir?: string; fetch?: boolean } = {}): Promise<TrainTest & { note: string }> {
  const r = RELEASE[name];
  const state = (await cacheState({ dir: o.dir })).find((s) => s.dataset === name);
  if (state?.verified) return { ...r.load(state.folder), note: `${name}: ${r.label} cached and verified in ${state.folder}` };
  if (o.fetch === false) {
    throw new RanasError('E_DATA_UNAVAILABLE', `--data ${name}: ${r.label} is not cached and verified in ${state?.folder ?? 'the data cache'} and fetching is off; run \`ranas data fetch ${name}\`, or use --data mini (the shipped 1,000-image CIFAR-10 subset) or --data DIR`, { dataset: name });
  }
  try {
    const got = await r.ensure({ dir: o.dir, log: o.log, progress: o.progress });
    return { ...r.load(got.folder), note: `${name}: ${r.label} ${got.action} in ${got.folder} (${got.source})` };
  } catch (e) {
    throw new RanasError('E_DATA_UNAVAILABLE', `--data ${name}: ${r.label} is not cached in ${state?.folder ?? 'the data cache'} and could not be fetched: ${errorMessage(e)}. Use --data mini for the shipped 1,000-image CIFAR-10 subset, or --data DIR for a CIFAR binary folder or an image folder`, { dataset: name });
  }
}
