/**
 * Stage `ship`: the study's best MS-RANAS network goes into models/pretrained/<name>/ — its IR, int8 ONNX and
 * TFLite bundles (re-exported from the committed weights with the export stage's settings, so a clone without
 * the work folder can ship too) and pretrained.json with its accuracy and latency per exit and where it came
 * from. "Best" is chosen on the validation split (top-1 at the last exit), never on the test set.
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportModel } from '../../converters/export.ts';
import { loadModel } from '../ir/serialize.ts';
import type { PretrainedExit, PretrainedInfo } from '../pretrained-models.ts';
import type { StudyData } from './study-data.ts';
import type { StudyPlan } from './study-plan.ts';
import { exitLatencyUs, type NetworkRow } from './study-report.ts';
import type { DeviceResult, ExportResult, TrainedNetwork } from './study-results.ts';

/** The bundles a shipped network carries. */
const SHIPPED_BUNDLES = ['onnx-int8', 'tflite-int8'] as const;

/** How the shipped network is chosen (written into pretrained.json). */
export const SHIP_SELECTION = 'highest validation top-1 at the last exit among the study\'s multi-scale MS-RANAS networks, the compared ones and the best of them trained longer (test set not used)';

/** A finished network of the study: trained and exported (measured on the device when that stage ran). */
export interface ShipCandidate {
  trained: TrainedNetwork;
  exported: ExportResult;
  device: DeviceResult | null;
}

/** The network to ship: MS-RANAS on the plan's grid, best validation top-1 at its last exit; null while any candidate is unfinished. */
export function networkToShip(plan: StudyPlan, rows: readonly NetworkRow[], needDevice: boolean): ShipCandidate | null {
  const candidates = rows.filter((r) => r.net.kind === 'ms-ranas' && r.net.scales === plan.grid.scales);
  const done = candidates.flatMap((r) => (r.trained && r.exported && (r.device || !needDevice) ? [{ trained: r.trained, exported: r.exported, device: r.device }] : []));
  if (done.length === 0 || done.length < candidates.length) return null;
  const last = (c: ShipCandidate) => c.trained.exits.at(-1)?.valTop1 ?? -1;
  return done.reduce((a, b) => (last(b) > last(a) ? b : a));
}

/** pretrained.json of a shipped network. */
export function pretrainedInfo(plan: StudyPlan, c: ShipCandidate, commit: string, bundles: string[]): PretrainedInfo {
  const t = c.trained;
  const lat = c.device ? exitLatencyUs(c.device) : [];
  const exits: PretrainedExit[] = t.exits.map((e, k) => ({
    exit: e.exit, anytimeMacs: e.anytimeMacs, valTop1: e.valTop1, fp32Top1: e.testTop1,
    int8OnnxTop1: c.exported.int8Onnx[k] ?? null, int8TfliteTop1: c.exported.int8Tflite[k] ?? null,
    p50Us: lat[k]?.p50Us ?? null, p99Us: lat[k]?.p99Us ?? null,
  }));
  return {
    name: plan.ship.name, label: `${t.label} (ranas study '${plan.name}', network ${t.name})`, dataset: plan.data,
    params: t.params, testImages: t.testImages, exits, bundles,
    source: { study: plan.name, network: t.name, commit, genotypeHash: t.genotypeHash, epochs: t.epochs.length, trainImages: t.trainImages, selection: SHIP_SELECTION },
    createdAt: new Date().toISOString(),
  };
}

function readme(info: PretrainedInfo): string {
  const pct = (v: number | null) => (v === null ? '–' : (100 * v).toFixed(2));
  const us = (v: number | null) => (v === null ? '–' : (v / 1000).toFixed(2));
  return [
    `# ${info.name}`, '',
    `${info.label}: ${info.params.toLocaleString('en-US')} parameters, trained ${info.source.epochs} epochs on ${info.source.trainImages.toLocaleString('en-US')} ${info.dataset} images (commit \`${info.source.commit}\`, genotype \`${info.source.genotypeHash ?? '-'}\`).`,
    `Chosen by ${info.source.selection}. Top-1 on the ${info.testImages.toLocaleString('en-US')} test images; latency to each exit on the study's local agent (onnx-int8, this 2-core x86 machine).`, '',
    '| exit | anytime MMACs | fp32 top-1 % | int8 ONNX top-1 % | int8 TFLite top-1 % | p50 ms | p99 ms |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...info.exits.map((e) => `| ${e.exit} | ${(e.anytimeMacs / 1e6).toFixed(2)} | ${pct(e.fp32Top1)} | ${pct(e.int8OnnxTop1)} | ${pct(e.int8TfliteTop1)} | ${us(e.p50Us)} | ${us(e.p99Us)} |`),
    '', 'Use: `ranas predict <images> --model pretrained:' + info.name + '`, `ranas device flash pretrained:' + info.name + ' --format onnx ...`; `ranas demo` flashes it beside its quick model.', '',
  ].join('\n');
}

/** Writes models/pretrained/<name>/ (replacing an older one in one rename); returns its folder. */
export async function shipStage(plan: StudyPlan, c: ShipCandidate, data: StudyData, pretrainedRoot: string, commit: string, say: (l: string) => void): Promise<{ dir: string; network: string }> {
  const t = c.trained;
  const dir = join(pretrainedRoot, plan.ship.name);
  const tmp = join(pretrainedRoot, `.${plan.ship.name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  say(`shipping ${t.name} as ${plan.ship.name} (${SHIP_SELECTION})`);
  await exportModel(loadModel(t.modelDir), {
    outDir: tmp, formats: ['onnx', 'tflite'], int8: true, calibImages: Math.min(plan.export.calibImages, data.train.count),
    target: 'generic', floatIo: false, evalImages: 0, data: { train: data.train, test: data.test, name: plan.data, source: data.note }, log: say,
  });
  for (const b of ['onnx-fp32', 'tflite-fp32']) rmSync(join(tmp, b), { recursive: true, force: true });
  rmSync(join(tmp, 'export-report.json'), { force: true });
  cpSync(t.modelDir, join(tmp, 'model'), { recursive: true });
  const info = pretrainedInfo(plan, c, commit, [...SHIPPED_BUNDLES]);
  writeFileSync(join(tmp, 'pretrained.json'), JSON.stringify(info, null, 2) + '\n');
  writeFileSync(join(tmp, 'README.md'), readme(info));
  mkdirSync(dirname(dir), { recursive: true });
  if (existsSync(dir)) rmSync(dir, { recursive: true });
  renameSync(tmp, dir);
  return { dir, network: t.name };
}
