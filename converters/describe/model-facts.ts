/**
 * What an exported model file says about itself, the same facts in both formats: TFLite Metadata
 * (tflite-metadata.ts) and ONNX metadata_props (onnx-metadata.ts). A file read without its bundle manifest
 * still names its classes, its input normalisation and which output is which exit.
 */

/** Facts shared by every file of one export. */
export interface ModelFacts {
  name: string;
  description: string;
  /** Producer version (package version + git commit). */
  version: string;
  classNames: readonly string[];
  /** Per-channel mean and std on the 0..1 pixel scale: x = (pixel / 255 - mean) / std. */
  normalisation: { mean: readonly number[]; std: readonly number[] };
  /** Exits by logits tensor name: 1-based number (as people count) and cumulative MACs per image. */
  exits: ReadonlyMap<string, { exit: number; cumulativeMacs: number }>;
}

/** File name of the labels (one class name a line, in class-index order). */
export const LABELS_FILE = 'labels.txt';

/** labels.txt contents. */
export function labelsText(classNames: readonly string[]): string {
  return classNames.join('\n') + '\n';
}

/** What one output of a part is: an exit's logits or features carried to the next segment. */
export function describeOutput(facts: ModelFacts, tensor: string): { name: string; description: string; exit?: number } {
  const e = facts.exits.get(tensor);
  if (e) return { name: `exit${e.exit}_logits`, description: `logits of exit ${e.exit} of ${facts.exits.size} (softmax gives class probabilities; labels in ${LABELS_FILE}); ${(e.cumulativeMacs / 1e6).toFixed(2)} M multiply-adds from the input`, exit: e.exit };
  return { name: tensor, description: 'features carried to the next segment (input of the next exit segment)' };
}

/** Normalisation on the 0..255 pixel scale, as TFLite NormalizationOptions reads it: (pixel - mean) / std. */
export function pixelNormalisation(facts: ModelFacts): { mean: number[]; std: number[] } {
  return { mean: facts.normalisation.mean.map((m) => m * 255), std: facts.normalisation.std.map((s) => s * 255) };
}
