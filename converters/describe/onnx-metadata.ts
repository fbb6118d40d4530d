/**
 * The same facts as the TFLite Metadata, as ONNX `metadata_props` (string key → string value): labels (one a
 * line), normalisation (0..1 scale and 0..255 scale, JSON), the input, and every output's role (JSON).
 */
import { describeOutput, labelsText, pixelNormalisation, type ModelFacts } from './model-facts.ts';

/** Keys written (in this order). */
export const ONNX_METADATA_KEYS = ['model_name', 'model_description', 'model_version', 'labels', 'normalization', 'pixel_normalization', 'image_input', 'outputs'] as const;

/** metadata_props entries of one file holding `outputs` of the model. */
export function onnxMetadataProps(facts: ModelFacts, part: { inputs: readonly string[]; outputs: readonly string[]; imageInput: string }): { key: string; value: string }[] {
  const outputs = part.outputs.map((t) => ({ tensor: t, ...describeOutput(facts, t) }));
  const values: Record<(typeof ONNX_METADATA_KEYS)[number], string> = {
    model_name: facts.name,
    model_description: facts.description,
    model_version: facts.version,
    labels: labelsText(facts.classNames),
    normalization: JSON.stringify({ scale: '0..1', formula: '(pixel / 255 - mean) / std', mean: facts.normalisation.mean, std: facts.normalisation.std }),
    pixel_normalization: JSON.stringify({ scale: '0..255', formula: '(pixel - mean) / std', ...pixelNormalisation(facts) }),
    image_input: part.inputs.includes(part.imageInput) ? part.imageInput : '',
    outputs: JSON.stringify(outputs),
  };
  return ONNX_METADATA_KEYS.map((key) => ({ key, value: values[key] }));
}
