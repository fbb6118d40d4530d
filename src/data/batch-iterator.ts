/**
 * Epoch-based batch iterator with exact save/restore for checkpoint resume. The shuffle order of epoch e
 * is a pure function of (seed, e), and augmentation draws from one `Rng` whose state is saved, so
 * `restore(state())` continues with bit-identical batches.
 */
import { RanasError } from '../errors.ts';
import { Rng, mixSeed, parseRngState, type RngState } from '../rng.ts';
import { augmentBatch, evalBatch, type AugmentOptions, type Batch } from './augment.ts';
import type { ImageDataset } from './types.ts';

/** Iterator settings. */
export interface BatchIteratorOptions {
  readonly batchSize: number;
  readonly seed: number;
  /** Augmentation settings, or `false` for plain normalised batches (default: CIFAR augmentation). */
  readonly augment?: AugmentOptions | false;
  /** Reshuffle every epoch (default true). */
  readonly shuffle?: boolean;
  /** Drop the last incomplete batch of an epoch (default true: every batch has `batchSize` images). */
  readonly dropLast?: boolean;
}

/** JSON-safe iterator state (what a checkpoint stores). */
export interface BatchIteratorState {
  readonly epoch: number;
  /** Position inside the epoch's order (images already served this epoch). */
  readonly position: number;
  readonly seed: number;
  readonly count: number;
  readonly rng: RngState;
}

/** A batch with where it sits in the schedule. */
export interface ScheduledBatch extends Batch {
  readonly epoch: number;
  /** Index of this batch inside its epoch. */
  readonly step: number;
}

/** Endless iterator over shuffled (and optionally augmented) batches of one dataset. */
export class BatchIterator {
  readonly batchSize: number;
  private readonly ds: ImageDataset;
  private readonly opts: BatchIteratorOptions;
  private epochValue = 0;
  private position = 0;
  private order: Int32Array;
  private rng: Rng;

  constructor(ds: ImageDataset, opts: BatchIteratorOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
      throw new RanasError('E_DATA_BATCH', `batchSize must be a positive integer, got ${opts.batchSize}`);
    }
    if ((opts.dropLast ?? true) && opts.batchSize > ds.count) {
      throw new RanasError('E_DATA_BATCH', `batchSize ${opts.batchSize} is larger than the dataset (${ds.count} images, ${ds.source}) with dropLast`);
    }
    this.ds = ds;
    this.opts = opts;
    this.batchSize = opts.batchSize;
    this.rng = new Rng(mixSeed(opts.seed, 0xa06));
    this.order = this.epochOrder(0);
  }

  /** Current epoch (0-based). */
  get epoch(): number {
    return this.epochValue;
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    const full = Math.floor(this.ds.count / this.batchSize);
    return (this.opts.dropLast ?? true) || this.ds.count % this.batchSize === 0 ? full : full + 1;
  }

  private epochOrder(epoch: number): Int32Array {
    if (this.opts.shuffle === false) return Int32Array.from({ length: this.ds.count }, (_, i) => i);
    return new Rng(mixSeed(this.opts.seed, 0x5f1, epoch)).permutation(this.ds.count);
  }

  private startEpoch(epoch: number): void {
    this.epochValue = epoch;
    this.position = 0;
    this.order = this.epochOrder(epoch);
  }

  /** The next batch; rolls over to the next epoch when this one is exhausted. */
  next(): ScheduledBatch {
    const dropLast = this.opts.dropLast ?? true;
    const remaining = this.ds.count - this.position;
    if (remaining <= 0 || (dropLast && remaining < this.batchSize)) this.startEpoch(this.epochValue + 1);
    const take = Math.min(this.batchSize, this.ds.count - this.position);
    const indices = this.order.subarray(this.position, this.position + take);
    const step = Math.floor(this.position / this.batchSize);
    const batch = this.opts.augment === false ? evalBatch(this.ds, indices) : augmentBatch(this.ds, indices, this.rng, this.opts.augment ?? {});
    const epoch = this.epochValue;
    this.position += take;
    return { ...batch, epoch, step };
  }

  /** The remaining batches of the current epoch (starts a new epoch if the current one is done). */
  *epochBatches(): Generator<ScheduledBatch> {
    const first = this.next();
    yield first;
    const dropLast = this.opts.dropLast ?? true;
    while (this.epochValue === first.epoch) {
      const remaining = this.ds.count - this.position;
      if (remaining <= 0 || (dropLast && remaining < this.batchSize)) return;
      yield this.next();
    }
  }

  /** Saves where the iterator is (JSON-safe). */
  state(): BatchIteratorState {
    return { epoch: this.epochValue, position: this.position, seed: this.opts.seed, count: this.ds.count, rng: this.rng.state() };
  }

  /** Restores a saved state (validated against this dataset and seed). */
  restore(state: unknown): void {
    const s = parseIteratorState(state);
    if (s.seed !== this.opts.seed || s.count !== this.ds.count) {
      throw new RanasError(
        'E_DATA_STATE',
        `iterator state is for seed ${s.seed} over ${s.count} images; this iterator has seed ${this.opts.seed} over ${this.ds.count} images (${this.ds.source})`,
      );
    }
    if (s.position > this.ds.count) throw new RanasError('E_DATA_STATE', `iterator state position ${s.position} exceeds the dataset size ${this.ds.count}`);
    this.startEpoch(s.epoch);
    this.position = s.position;
    this.rng = Rng.fromState(s.rng);
  }
}

function parseIteratorState(v: unknown): BatchIteratorState {
  if (typeof v !== 'object' || v === null) throw new RanasError('E_DATA_STATE', `iterator state must be an object, got ${v === null ? 'null' : typeof v}`);
  const num = (k: string): number => {
    const x: unknown = Reflect.get(v, k);
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw new RanasError('E_DATA_STATE', `iterator state field "${k}" must be a non-negative integer, got ${JSON.stringify(x)}`);
    return x;
  };
  return { epoch: num('epoch'), position: num('position'), seed: num('seed'), count: num('count'), rng: parseRngState(Reflect.get(v, 'rng')) };
}
