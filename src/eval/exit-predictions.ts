/**
 * Runs a program in eval mode (running batch-norm statistics, no augmentation) over a dataset in batches
 * and collects every exit's softmax probabilities.
 */
import { tf } from '../engine/tf.ts';
import { evalBatches, type Normalisation } from '../data/augment.ts';
import type { ImageDataset } from '../data/types.ts';
import type { Program } from '../exec/program.ts';
import { createTaskBar } from '../terminal/task-bar.ts';
import { topKAccuracy, type ExitProbabilities } from './exit-accuracy.ts';

/** Softmax outputs of every exit over `ds` (batched, eval mode). */
export async function predictExits(program: Program, ds: ImageDataset, batchSize = 200, norm: Partial<Normalisation> = {}): Promise<ExitProbabilities> {
  const exits = program.graph.exits.length;
  const classes = ds.classNames.length;
  const probs = Array.from({ length: exits }, () => new Float32Array(ds.count * classes));
  let offset = 0;
  const bar = createTaskBar('evaluating', ds.count);
  try {
    for (const batch of evalBatches(ds, batchSize, norm)) {
      bar.update(offset);
      const outs = tf.tidy(() => {
        const x = tf.tensor4d(batch.x, [batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3]]);
        return program.forward(x, { training: false }).exits.map((l) => tf.softmax(l));
      });
      for (const [k, t] of outs.entries()) probs[k].set(await t.data(), offset * classes);
      tf.dispose(outs);
      offset += batch.shape[0];
    }
  } finally {
    bar.stop();
  }
  return { probs, labels: Int32Array.from(ds.labels), classes };
}

/** Top-1 of every exit of `program` on `ds` (eval mode). */
export async function exitTop1(program: Program, ds: ImageDataset, batchSize = 200): Promise<number[]> {
  const p = await predictExits(program, ds, batchSize);
  return p.probs.map((probs) => topKAccuracy(probs, p.labels, p.classes, 1));
}
