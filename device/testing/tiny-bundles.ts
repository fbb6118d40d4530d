/**
 * Real tiny bundles for runtime tests: the converters' hand-made two-exit fixture graph (9×9×3 input,
 * random weights) exported through the whole pipeline (fold → fuse → calibrate → quantise → cut →
 * write) as TFLite and ONNX, fp32 and int8.
 */
import { exportModel, type ExportOptions, type ExportReport } from '../../converters/export.ts';
import { fixtureGraph } from '../../converters/onnx/fixture-graph.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';

export const TINY_SIZE = 9;

/** Exports the fixture into `<outDir>/{tflite,onnx}-{fp32,int8}/` (`extra.splitHeads`: with trunk and head files). */
export function makeTinyBundles(outDir: string, formats: ('tflite' | 'onnx')[] = ['tflite', 'onnx'], extra: Partial<Pick<ExportOptions, 'precisionChoice' | 'evalImages' | 'splitHeads'>> = {}): Promise<ExportReport> {
  const data = {
    train: syntheticDataset({ count: 40, classes: 5, height: TINY_SIZE, width: TINY_SIZE, channels: 3, seed: 1 }),
    test: syntheticDataset({ count: 8, classes: 5, height: TINY_SIZE, width: TINY_SIZE, channels: 3, seed: 2 }),
    name: 'synthetic',
    source: 'synthetic test data',
  };
  return exportModel(fixtureGraph(), { outDir, formats, int8: true, calibImages: 32, target: 'generic', floatIo: false, evalImages: 0, data, ...extra });
}
