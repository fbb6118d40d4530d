/**
 * Per-exit top-1 of a model file in its real runtime: runs every image through the monolithic multi-exit
 * model and counts, for each exit, how often the argmax of its logits equals the label. int8 models are
 * fed the image quantised with the input's scale/zero point (argmax needs no dequantisation: scale > 0).
 */
import { createTaskBar } from '../../src/terminal/task-bar.ts';
import type { TensorQuant } from '../quant-types.ts';
import { quantizeTensor } from '../quantize/quant-params.ts';
import type { ModelSession } from './model-runtimes.ts';

/** Images to evaluate: normalised float NHWC, one Float32Array each. */
export interface LabelledImages {
  images: Float32Array[];
  labels: ArrayLike<number>;
}

/** Index of the largest value (first on ties). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/**
 * Top-1 (0..1) of each exit tensor over `data`. `inputQuant` set → int8 input.
 */
export async function exitAccuracies(
  session: ModelSession,
  input: string,
  exits: readonly string[],
  data: LabelledImages,
  inputQuant?: TensorQuant,
): Promise<number[]> {
  const correct = new Array<number>(exits.length).fill(0);
  const bar = createTaskBar('evaluating exits', data.images.length);
  try {
    for (let i = 0; i < data.images.length; i++) {
      bar.update(i);
      const x = data.images[i];
      const out = await session.run(new Map([[input, inputQuant ? quantizeTensor(x, inputQuant) : x]]));
      exits.forEach((t, k) => {
        const logits = out.get(t);
        if (logits && argmax(logits) === data.labels[i]) correct[k]++;
      });
    }
  } finally {
    bar.stop();
  }
  return correct.map((c) => (data.images.length ? c / data.images.length : 0));
}
