/**
 * Seeded splits. Both are stratified by class so small subsets stay class-balanced, and both keep the
 * chosen images in their original order (the batch iterator shuffles per epoch anyway).
 */
import { RanasError } from '../errors.ts';
import { Rng } from '../rng.ts';
import { selectImages, type ImageDataset } from './types.ts';

function indicesByClass(ds: ImageDataset, rng: Rng): number[][] {
  const byClass: number[][] = ds.classNames.map(() => []);
  for (let i = 0; i < ds.count; i++) byClass[ds.labels[i]].push(i);
  for (const list of byClass) rng.shuffle(list);
  return byClass;
}

/**
 * Splits `ds` into train/val with `valFraction` of every class in val (DARTS search: 0.5).
 * Same seed → same split.
 */
export function splitTrainVal(ds: ImageDataset, valFraction: number, seed: number): { train: ImageDataset; val: ImageDataset } {
  if (!(valFraction > 0 && valFraction < 1)) {
    throw new RanasError('E_DATA_SPLIT', `valFraction must be in (0, 1), got ${valFraction}`);
  }
  const rng = new Rng(seed);
  const train: number[] = [];
  const val: number[] = [];
  for (const list of indicesByClass(ds, rng)) {
    const nVal = Math.round(list.length * valFraction);
    val.push(...list.slice(0, nVal));
    train.push(...list.slice(nVal));
  }
  const asc = (a: number, b: number) => a - b;
  return {
    train: selectImages(ds, train.sort(asc), `${ds.source} [train ${1 - valFraction} split, seed ${seed}]`),
    val: selectImages(ds, val.sort(asc), `${ds.source} [val ${valFraction} split, seed ${seed}]`),
  };
}

/**
 * A stratified random subset of exactly `n` images: each class gets its share of `n` in proportion to its
 * size (largest remainders break ties). `n ≥ count` returns all images.
 */
export function subset(ds: ImageDataset, n: number, seed: number): ImageDataset {
  if (!Number.isInteger(n) || n < 1) throw new RanasError('E_DATA_SPLIT', `subset size must be a positive integer, got ${n}`);
  if (n >= ds.count) return ds;
  const rng = new Rng(seed);
  const byClass = indicesByClass(ds, rng);
  const exact = byClass.map((l) => (l.length * n) / ds.count);
  const take = exact.map(Math.floor);
  let left = n - take.reduce((s, t) => s + t, 0);
  const order = exact.map((e, c) => [e - Math.floor(e), c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, c] of order) {
    if (left === 0) break;
    if (take[c] < byClass[c].length) {
      take[c]++;
      left--;
    }
  }
  const chosen = byClass.flatMap((l, c) => l.slice(0, take[c])).sort((a, b) => a - b);
  return selectImages(ds, chosen, `${ds.source} [subset ${n}, seed ${seed}]`);
}
