/**
 * The demo's dataset policy: full CIFAR-10 when it is cached (or can be fetched), else the mini set shipped
 * in the repo — and say which one and why.
 */
import { errorMessage } from '../errors.ts';
import { cacheState } from './cache-state.ts';
import { loadCifar10 } from './cifar-loaders.ts';
import { loadCifar10Mini } from './cifar10-mini.ts';
import { ensureCifar10, type EnsureOptions } from './ensure-cifar.ts';
import type { TrainTest } from './types.ts';

/** Options for `loadCifar10OrMini`. */
export interface DatasetChoiceOptions extends Pick<EnsureOptions, 'log' | 'progress'> {
  /** Cache root (default: the data cache). */
  readonly dir?: string;
  /** Try to download CIFAR-10 when it is not cached (default true). */
  readonly fetch?: boolean;
  /** Skip CIFAR-10 entirely and use the mini set (default false). */
  readonly forceMini?: boolean;
  /** Mini-set folder override (tests). */
  readonly miniDir?: string;
}

/** The chosen dataset, which one, and why. */
export interface DatasetChoice extends TrainTest {
  readonly which: 'cifar10' | 'cifar10-mini';
  readonly reason: string;
}

/** Full CIFAR-10 if cached and verified (or fetchable), otherwise the shipped mini subset. */
export async function loadCifar10OrMini(opts: DatasetChoiceOptions = {}): Promise<DatasetChoice> {
  const mini = (reason: string): DatasetChoice => ({ ...loadCifar10Mini(opts.miniDir), which: 'cifar10-mini', reason });
  if (opts.forceMini) return mini('the mini set was requested');
  const state = (await cacheState({ dir: opts.dir })).find((s) => s.dataset === 'cifar10');
  if (state?.verified) return { ...loadCifar10(state.folder), which: 'cifar10', reason: `CIFAR-10 is cached and verified in ${state.folder}` };
  if (opts.fetch === false) return mini(`CIFAR-10 is not cached and verified in ${state?.folder ?? opts.dir} and fetching is off`);
  try {
    const r = await ensureCifar10({ dir: opts.dir, log: opts.log, progress: opts.progress });
    return { ...loadCifar10(r.folder), which: 'cifar10', reason: `CIFAR-10 ${r.action} in ${r.folder} (${r.source})` };
  } catch (e) {
    return mini(`CIFAR-10 is not cached and could not be fetched (${errorMessage(e)})`);
  }
}
