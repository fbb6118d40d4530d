/**
 * `ranas model summary [genotype.json] [--preset NAME] [--json] [--save DIR]`: builds a network (a preset, or
 * the preset's architecture with another genotype) and prints per exit its cumulative MACs (ancestors of
 * the exit), marginal and anytime MACs (exits 0..k evaluated in turn), parameters and peak activation
 * memory (batch 1, float32), plus totals. MFLOPs here = millions of multiply-accumulates (see
 * src/ir/analysis.ts; `msdnetMOps` follows MSDNet's op counter).
 */
import type { Command } from 'commander';
import { RanasError } from '../../errors.ts';
import { analyzeGraph } from '../../ir/analysis.ts';
import { saveModel } from '../../ir/serialize.ts';
import { loadGenotype } from '../../model/genotype.ts';
import { PRESET_NAMES, buildPreset } from '../../model/presets.ts';
import { printTable, type Row } from '../../text-table.ts';
import type { RegisterCommand } from './index.ts';

/** Options of `ranas model summary`. */
export interface ModelSummaryOptions {
  genotype?: string;
  preset: string;
  json: boolean;
  save?: string;
  seed: number;
}

const mega = (x: number) => Math.round(x / 1e4) / 100;

/** Rows of the summary table: one per exit plus a total row. */
export function summaryRows(o: ModelSummaryOptions): { title: string; rows: Row[] } {
  if (!Number.isInteger(o.seed) || o.seed < 0) throw new RanasError('E_CLI_OPTION', `--seed is ${o.seed}; expected a non-negative integer`);
  const graph = buildPreset(o.preset, { genotype: o.genotype === undefined ? undefined : loadGenotype(o.genotype), seed: o.seed });
  if (o.save) saveModel(o.save, graph);
  const cost = analyzeGraph(graph);
  const rows: Row[] = cost.exits.map((e) => ({
    exit: e.index,
    layer: e.layer,
    cumulativeMFLOPs: mega(e.cumulativeMacs),
    marginalMFLOPs: mega(e.marginalMacs),
    anytimeMFLOPs: mega(e.anytimeMacs),
    msdnetMOps: mega(e.anytimeMsdnetOps),
    params: e.params,
    anytimeParams: e.anytimeParams,
    activationKB: Math.round(e.peakActivationBytes / 1024),
  }));
  rows.push({
    exit: 'total',
    layer: null,
    cumulativeMFLOPs: null,
    marginalMFLOPs: null,
    anytimeMFLOPs: mega(cost.totalMacs),
    msdnetMOps: mega(cost.totalMsdnetOps),
    params: cost.totalParams,
    anytimeParams: cost.totalParams,
    activationKB: Math.round(cost.peakActivationBytes / 1024),
  });
  const hash = typeof graph.meta.genotypeHash === 'string' ? `, genotype ${graph.meta.genotypeHash}` : '';
  return { title: `${graph.name}: ${graph.nodes.length} nodes, ${cost.totalParams} params, ${(cost.weightBytes / 1e6).toFixed(2)} MB weights${hash}`, rows };
}

export const registerModel: RegisterCommand = (program: Command) => {
  const model = program.command('model').description('build networks and inspect their costs');
  model
    .command('summary')
    .description('per-exit cumulative/marginal MACs (MFLOPs), params and activation memory of a preset or genotype')
    .argument('[genotype]', 'genotype JSON (replaces the preset genotype)')
    .option('--preset <name>', `preset: ${PRESET_NAMES.join(', ')}`, 'paper-cifar')
    .option('--seed <n>', 'weight-init seed', (v) => Number.parseInt(v, 10), 0)
    .option('--save <dir>', 'also write the IR (model.json + weights.bin) to this folder')
    .option('--json', 'print rows as JSON', false)
    .action((genotype: string | undefined, opts: { preset: string; seed: number; save?: string; json: boolean }) => {
      const o: ModelSummaryOptions = { genotype, preset: opts.preset, seed: opts.seed, save: opts.save, json: opts.json };
      const { title, rows } = summaryRows(o);
      printTable(rows, { json: o.json, title });
    });
};
