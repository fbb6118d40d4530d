/**
 * `ranas search` — DARTS bilevel search of the cells of an MS-RANAS supernet (mixed op on every edge, shared
 * alphas, exits on every layer but the first). Writes `runs/<name>/` (config.json, log.jsonl with alpha
 * entropy per epoch, alphas.jsonl with alphas and genotype per epoch, checkpoint.bin, genotype.json for
 * `ranas train --genotype`). `--resume` continues a killed run exactly.
 */
import type { Command } from 'commander';
import { MS_RANAS_PRESETS, SEARCH_DEFAULTS, type SearchOptions } from '../../search/search-options.ts';
import { addRunOptions, int, nonNeg, parseRunOptions, parseScales, pos, type RawRunOptions } from '../run-options.ts';
import { addCutoutOption, parseCutout } from '../cutout-option.ts';
import { sayLine } from '../../terminal/status-line.ts';
import { printTable, type Row } from '../../text-table.ts';
import { parseExitTargetsMs } from '../../latency/parse-targets.ts';
import { RanasError } from '../../errors.ts';

/** Raw commander values. */
interface RawSearchOptions extends RawRunOptions {
  preset: string;
  nodes: string;
  scales?: string;
  layers?: string;
  initChannels?: string;
  searchExits: boolean;
  cutout: string | boolean;
  cutoutPx?: string;
  alphaLr: string;
  alphaWeightDecay: string;
  secondOrder?: boolean;
  warmupEpochs: string;
  maxSkip?: string;
  latencyTable?: string;
  /** `top` or `auc` (checked in the action). */
  select?: string;
  exitTargetsMs?: string;
}

/** Parses commander's values into the typed options (exported for tests). */
export function parseSearchOptions(r: RawSearchOptions): SearchOptions {
  return {
    ...parseRunOptions(r, (seed) => `search-${r.preset}-s${seed}`, 2, SEARCH_DEFAULTS),
    preset: r.preset,
    nodes: int('--nodes', r.nodes, 1),
    scales: r.scales === undefined ? undefined : parseScales(r.scales),
    layers: r.layers === undefined ? undefined : int('--layers', r.layers, 2),
    initChannels: r.initChannels === undefined ? undefined : int('--init-channels', r.initChannels, 2),
    searchExits: r.searchExits,
    cutout: parseCutout(r.cutout, r.cutoutPx),
    alphaLr: pos('--alpha-lr', r.alphaLr),
    alphaWeightDecay: nonNeg('--alpha-weight-decay', r.alphaWeightDecay),
    secondOrder: r.secondOrder ?? false,
    warmupEpochs: int('--warmup-epochs', r.warmupEpochs, 0),
    maxSkip: r.maxSkip === undefined ? undefined : int('--max-skip', r.maxSkip, 0),
    // The search itself uses the table only for exit targets; --select auc reads it on its own (its cost axis).
    latencyTable: r.exitTargetsMs === undefined && r.select === 'auc' ? undefined : r.latencyTable,
    exitTargetsMs: r.exitTargetsMs === undefined ? undefined : parseExitTargetsMs(r.exitTargetsMs),
  };
}

/** Registers `ranas search`. */
export function registerSearch(program: Command): void {
  const d = SEARCH_DEFAULTS;
  const cmd = program
    .command('search')
    .description('DARTS search of the MS-RANAS cells (bilevel: SGD on weights, Adam on alphas; first or second order); writes genotype.json')
    .option('--preset <name>', `MS-RANAS preset the supernet is derived from (${MS_RANAS_PRESETS.join(' | ')}; the others are MSDNet/DARTS networks without a searchable grid)`, d.preset)
    .option('--nodes <n>', 'intermediate nodes per cell', String(d.nodes))
    .option('--scales <n>', 'scales 1|2|3 (default: the preset\'s)')
    .option('--layers <n>', 'grid layers (default: the preset\'s)')
    .option('--init-channels <n>', 'C of scale 1 (default: the preset\'s)')
    .option('--search-exits', 'exits on every layer but the first during search (default)', true)
    .option('--no-search-exits', 'only the last layer\'s exit during search');
  addCutoutOption(cmd, d.cutout);
  addRunOptions(cmd, d, { weights: 'weight ', batchSize: 'images per step in each half', subset: 'search on a stratified subset of n training images (split 50/50)', seed: 'seed of split, data order, augmentation and init' })
    .option('--alpha-lr <x>', 'alpha Adam learning rate (betas 0.5/0.999)', String(d.alphaLr))
    .option('--alpha-weight-decay <x>', 'alpha Adam weight decay', String(d.alphaWeightDecay))
    .option('--second-order', 'unrolled hypergradient (finite-difference Hessian-vector product)')
    .option('--warmup-epochs <n>', 'weight-only epochs before alpha updates', String(d.warmupEpochs))
    .option('--max-skip <n>', 'cap skip_connect edges per cell in the derived genotype')
    .option('--latency-table <file>', 'latency table of the supernet config (ranas device profile-ops): for --exit-targets-ms, and the cost axis of --select auc (default there: anytime MACs)')
    .option('--exit-targets-ms <list>', 'per-exit latency targets, ms, one per exit or one for the last exit (needs --latency-table): a Lagrange multiplier per exit, dual ascent')
    .option('--select <how>', 'top: the top genotype of the final alphas; auc: it and its nearest alternatives, each trained briefly on the alpha half, the largest area under accuracy vs cost kept', 'top')
    .option('--select-candidates <n>', '--select auc: candidates (the top one and its nearest alternatives)', '4')
    .option('--select-epochs <n>', '--select auc: training epochs per candidate', '1')
    .action(async (raw: RawSearchOptions & { select: string; selectCandidates: string; selectEpochs: string }) => {
      const o = parseSearchOptions(raw);
      if (raw.select !== 'top' && raw.select !== 'auc') throw new RanasError('E_CLI_ARG', `--select is "${raw.select}"; expected top or auc`);
      const select = raw.select === 'auc' ? { candidates: int('--select-candidates', raw.selectCandidates, 1), epochs: int('--select-epochs', raw.selectEpochs, 1) } : null;
      const { runSearch } = await import('../../search/run-search.ts');
      const s = await runSearch(o, sayLine);
      const genotypeRows = (g: typeof s.genotype): Row[] => (['normal', 'reduce'] as const).flatMap((cell) => g[cell].map(([op, from], i) => ({ cell, node: Math.floor(i / 2), from, op })));
      const title = `${s.runDir}: ${s.loop.steps} steps (${s.loop.steps - s.loop.startStep} this run) in ${s.loop.seconds.toFixed(1)} s on ${s.engine.backend} x${o.threads}; ${s.halves[0]} + ${s.halves[1]} images; genotype → ${s.genotypePath}`;
      if (!select) {
        printTable(genotypeRows(s.genotype), { json: raw.json, title });
      } else {
        const { selectByArea } = await import('../../selection/select-auc.ts');
        const { MACS_AXIS, latencyAxis } = await import('../../selection/cost-axes.ts');
        const { loadGenotype } = await import('../../model/genotype.ts');
        const cost = raw.latencyTable ? latencyAxis(raw.latencyTable) : MACS_AXIS;
        const sel = await selectByArea({ runDir: s.runDir, ...select, batchSize: o.batchSize, lr: 0.05, cost, say: sayLine });
        const chosen = genotypeRows(loadGenotype(s.genotypePath));
        const candidates: Row[] = sel.candidates.map((c, k) => ({
          candidate: k, chosen: k === sel.chosen ? '★' : '', change: c.change, 'support drop': Math.round(c.supportDrop * 1000) / 1000, params: c.params,
          'top-1 % per exit': c.exits.map((e) => (100 * e.top1).toFixed(1)).join(' / '), cost: c.exits.map((e) => e.cost.toFixed(2)).join(' / '), area: Math.round(c.area * 10000) / 10000,
        }));
        if (raw.json) {
          // One JSON document: the chosen genotype and every candidate.
          process.stdout.write(JSON.stringify({ genotype: chosen, candidates }, null, 2) + '\n');
        } else {
          printTable(chosen, { title: `${title} (candidate ${sel.chosen} of --select auc; the top one in genotype-top.json)` });
          printTable(candidates, { title: `\n--select auc: ${sel.candidates.length} candidates, ${sel.epochs} epoch(s) on ${sel.trainImages} images, top-1 on ${sel.measureImages}; area over cost [${sel.range.map((x) => x.toFixed(2)).join(', ')}] of ${sel.axis}` });
        }
      }
      // Repeated after the table so it is the last thing a user reads.
      if (s.alphaWarning && !raw.json) process.stderr.write(s.alphaWarning + '\n');
    });
}
