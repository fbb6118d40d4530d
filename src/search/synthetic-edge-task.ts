/**
 * A synthetic search task that exactly one primitive can solve on its edge (for the search test).
 *
 * Images H×W×1 are black except two white pixels in one row. Class 1: the pixels are 7 columns apart;
 * class 0: 9 or more apart. Every pixel is ≥ 4 pixels from the border, so each op's response to one pixel is
 * the same wherever it sits. Graph: 1×1 conv stem (C channels) → one mixed op over every primitive →
 * relu → global max pool (a max-pool over the whole map, so a pair detector that fires at one position is not
 * diluted by the others) → dense → 2 logits.
 *
 * Why only sep_conv_5x5 solves it: after the global max (taken per channel over
 * positions), the classes differ only if some output position sees both pixels. Horizontal taps around an output position: sep_conv_5x5
 * (two stacked 5×5) covers offsets −4..4, so it sees pairs 7 apart; dil_conv_5x5 covers −4, −2, 0, 2, 4;
 * sep_conv_3x3 and dil_conv_3x3 −2..2; pools −1..1; skip 0. Even summed by the mixed op at one position, the
 * other ops cover {−4, −2, −1, 0, 1, 2, 4}, which holds no two offsets 7 apart; and pairs 9+ apart are seen by
 * nothing. So every op but sep_conv_5x5 gives both classes the same pooled features.
 */
import { GraphBuilder } from '../ir/builder.ts';
import type { ModelGraph } from '../ir/types.ts';
import { PRIMITIVE_NAMES, PRIMITIVES, expandPrimitive } from '../ops/primitives.ts';
import { Rng, mixSeed } from '../rng.ts';
import type { Batch, BatchSource } from '../run/batch-source.ts';

/** Size of the task's images. */
export const TASK_SHAPE = { height: 20, width: 20 } as const;
/** Column distance of the class-1 pair. */
export const PAIR_DISTANCE = 7;
const MARGIN = 4;

/** The one-edge search graph (alpha `alpha/normal`, one row). */
export function syntheticEdgeGraph(channels: number, seed: number): ModelGraph {
  const b = new GraphBuilder('synthetic-edge', seed);
  const x = b.input('image', [TASK_SHAPE.height, TASK_SHAPE.width, 1]);
  const stem = b.conv(x, channels, { kernel: 1, bias: true, name: 'stem' });
  const rng = new Rng(seed);
  b.addWeight('alpha/normal', [1, PRIMITIVE_NAMES.length], Float32Array.from(PRIMITIVE_NAMES, () => 1e-3 * rng.normal()), true);
  const outs = PRIMITIVE_NAMES.filter((p) => !PRIMITIVES[p].isZero).map((p) => expandPrimitive(b, p, stem, { cOut: channels, stride: 1, poolBn: true, affine: false }, `edge_${p}`));
  const mixed = b.mixedOp(outs, { alpha: 'alpha/normal', row: 0, primitives: [...PRIMITIVE_NAMES] });
  const pooled = b.maxPool(b.relu(mixed), TASK_SHAPE.height, TASK_SHAPE.height, 'valid', 'global_max');
  const logits = b.dense(b.globalAvgPool(pooled), 2, 'fc');
  b.exit(logits, 1);
  return b.build({ kind: 'synthetic-edge' });
}

/** One image of class `label`, drawn from `rng`. */
function drawImage(rng: Rng, label: number, into: Float32Array, offset: number): void {
  const { height, width } = TASK_SHAPE;
  const row = MARGIN + rng.int(height - 2 * MARGIN);
  const last = width - 1 - MARGIN;
  const distance = label === 1 ? PAIR_DISTANCE : 9 + rng.int(last - MARGIN - 9 + 1);
  const col = MARGIN + rng.int(last - distance - MARGIN + 1);
  into[offset + row * width + col] = 1;
  into[offset + row * width + col + distance] = 1;
}

/** An endless, resumable stream of balanced batches of the task. */
export function syntheticEdgeSource(batchSize: number, seed: number, batchesPerEpoch: number): BatchSource {
  let index = 0;
  const per = TASK_SHAPE.height * TASK_SHAPE.width;
  return {
    batchesPerEpoch,
    next(): Batch {
      const rng = new Rng(mixSeed(seed, index));
      const x = new Float32Array(batchSize * per);
      const labels = Int32Array.from({ length: batchSize }, (_, i) => i % 2);
      labels.forEach((l, i) => drawImage(rng, l, x, i * per));
      const b: Batch = { x, shape: [batchSize, TASK_SHAPE.height, TASK_SHAPE.width, 1], labels, epoch: Math.floor(index / batchesPerEpoch), index: index % batchesPerEpoch };
      index += 1;
      return b;
    },
    state: () => ({ index }),
    restore(s) {
      const i: unknown = typeof s === 'object' && s !== null ? Reflect.get(s, 'index') : undefined;
      index = typeof i === 'number' ? i : 0;
    },
  };
}
