/**
 * `ranas predict` with a model or run folder: the fp32 model on the host (tfjs), every exit computed, and
 * the answer chosen by the anytime policy. A model folder carries no latency profile, so the `deadline`
 * policy answers from the last exit and says the budget was not applied (a bundle applies it:
 * src/cli/predict-with-bundle.ts); `confidence` stops at the first exit whose softmax confidence reaches the threshold.
 */
import type { InferPolicy } from '../bundle-format/policy.ts';
import { CIFAR10_CLASSES } from '../data/cifar-checksums.ts';
import { resizeImage, type RgbImage } from '../data/image-file.ts';
import type { ImageDataset } from '../data/types.ts';
import { tf } from '../engine/tf.ts';
import { createProgram } from '../exec/program.ts';
import type { ModelGraph } from '../ir/types.ts';
import { predictExits } from './exit-predictions.ts';

/** One answer, in the fields a device answer has (exitIndex 0-based, as on the wire). */
export interface ModelAnswer {
  exitIndex: number;
  classIndex: number;
  label: string;
  confidence: number;
  topK: { classIndex: number; label: string; confidence: number }[];
  /** Why this exit: the policy's rule as applied here. */
  rule: string;
}

/** Confidence threshold of the `confidence` policy when none is given. */
export const DEFAULT_MODEL_THRESHOLD = 0.8;

/** Class names of a model: its meta's when saved, else CIFAR-10's for 10 classes, else class0..n-1. */
export function modelClassNames(graph: ModelGraph, classes: number): string[] {
  const saved: unknown = graph.meta.classNames;
  if (Array.isArray(saved) && saved.length === classes && saved.every((c) => typeof c === 'string')) return saved.map(String);
  if (classes === CIFAR10_CLASSES.length) return [...CIFAR10_CLASSES];
  return Array.from({ length: classes }, (_, i) => `class${i}`);
}

/** Answers for `images` (any size: resized to the model's input) with the policy. */
export async function predictWithModel(graph: ModelGraph, images: readonly RgbImage[], o: { policy: InferPolicy; threshold?: number; topK: number }): Promise<ModelAnswer[]> {
  const [height, width, channels] = graph.inputs[0].shape.length === 4 ? graph.inputs[0].shape.slice(1) : graph.inputs[0].shape;
  const size = height * width * channels;
  const pixels = new Uint8Array(images.length * size);
  images.forEach((img, i) => pixels.set(resizeImage(img, height, width).rgb, i * size));
  const program = createProgram(graph);
  try {
    const classes = tf.tidy(() => program.forward(tf.zeros([1, height, width, channels]), { training: false }).exits[0].shape[1] ?? 0);
    const ds: ImageDataset = { images: pixels, labels: new Int32Array(images.length), count: images.length, height, width, channels, classNames: modelClassNames(graph, classes), source: 'ranas predict' };
    const p = await predictExits(program, ds, 64);
    const names = ds.classNames;
    const threshold = o.threshold ?? DEFAULT_MODEL_THRESHOLD;
    return images.map((_, i) => {
      const exitProbs = p.probs.map((all) => all.subarray(i * p.classes, (i + 1) * p.classes));
      let k = exitProbs.length - 1;
      let rule = `${o.policy}: last exit (a model folder has no latency profile, the budget is not applied; use a bundle)`;
      if (o.policy === 'confidence') {
        const hit = exitProbs.findIndex((q) => Math.max(...q) >= threshold);
        k = hit >= 0 ? hit : exitProbs.length - 1;
        rule = hit >= 0 ? `confidence ≥ ${threshold} at exit ${hit + 1}` : `confidence: no exit reached ${threshold}, last exit`;
      }
      const ranked = [...exitProbs[k]].map((c, classIndex) => ({ classIndex, label: names[classIndex] ?? `class${classIndex}`, confidence: c })).sort((a, b) => b.confidence - a.confidence);
      return { exitIndex: k, classIndex: ranked[0].classIndex, label: ranked[0].label, confidence: ranked[0].confidence, topK: ranked.slice(0, o.topK), rule };
    });
  } finally {
    program.dispose();
  }
}
