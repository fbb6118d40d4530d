/** The model formats `ranas export` writes: a module of its own so the CLI can list them without loading the converters. */
import type { BundleRuntime } from '../src/bundle-format/manifest.ts';

/** Model formats `ranas export` writes. */
export type ExportFormat = BundleRuntime;
export const EXPORT_FORMATS: readonly ExportFormat[] = ['tflite', 'onnx'];
