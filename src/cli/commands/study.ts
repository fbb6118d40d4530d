/**
 * `ranas study` — runs or resumes the study of MS-RANAS against its baselines (src/study/): searches, the
 * networks of the comparison trained with one recipe at matched parameters, int8 export, latency on a local
 * agent, ablations, and results/study/README.md with tables and plots. Every stage resumes after a kill.
 */
import { Option, type Command } from 'commander';
import { RanasError } from '../../errors.ts';
import type { StudyOptions } from '../../study/run-study.ts';
import { STUDY_PLANS, type StudyPlan } from '../../study/study-plan.ts';
import { int } from '../run-options.ts';

/** Raw commander values. */
interface RawStudyOptions {
  plan: string;
  resultsDir?: string;
  workDir?: string;
  replicas: string;
  /** Old name of --replicas (hidden). */
  threads?: string;
  gitCommit?: boolean;
  skipDevice?: boolean;
  maxStages: string;
  reportOnly?: boolean;
}

/**
 * The README's "reproduce" line: how the study runs, not how its report was last rewritten, nor where this
 * machine keeps its checkpoints (`--report-only` and `--work-dir` are dropped).
 */
export function reproduceCommand(argv: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--report-only' || argv[i].startsWith('--work-dir=')) continue;
    if (argv[i] === '--work-dir') { i++; continue; }
    kept.push(argv[i]);
  }
  return ['ranas', 'study', ...kept].join(' ');
}

/** Parses commander's values into the typed options (exported for tests). */
export function parseStudyOptions(r: RawStudyOptions, argv: readonly string[]): StudyOptions {
  const plans: Record<string, StudyPlan | undefined> = STUDY_PLANS;
  const plan = Object.hasOwn(plans, r.plan) ? plans[r.plan] : undefined;
  if (!plan) throw new RanasError('E_CLI_ARG', `--plan is ${JSON.stringify(r.plan)}; expected one of ${Object.keys(STUDY_PLANS).join(', ')}`);
  const suffix = plan.name === 'full' ? '' : `-${plan.name}`;
  return {
    plan,
    resultsDir: r.resultsDir ?? `results/study${suffix}`,
    workDir: r.workDir ?? `runs/study${suffix}`,
    threads: r.threads !== undefined ? int('--threads', r.threads, 1) : int('--replicas', r.replicas, 1),
    gitCommit: r.gitCommit ?? false,
    skipDevice: r.skipDevice ?? false,
    maxStages: int('--max-stages', r.maxStages, 0),
    reportOnly: r.reportOnly ?? false,
    command: reproduceCommand(argv),
  };
}

/** Registers `ranas study`. */
export function registerStudy(program: Command): void {
  program
    .command('study')
    .description('run or resume the study: search, MS-RANAS vs MSDNet / single-scale / random / default genotypes at matched params, int8, latency, ablations → results/study/README.md')
    .option('--plan <name>', `study plan: ${Object.keys(STUDY_PLANS).join(' | ')} (smoke = the same pipeline at toy size)`, 'full')
    .option('--results-dir <dir>', 'committed outputs (default results/study, results/study-smoke for the smoke plan)')
    .option('--work-dir <dir>', 'checkpoints and bundles, not committed (default runs/study[-smoke])')
    .option('--replicas <n>', 'data-parallel training replicas (worker threads) for search and training', '1')
    .addOption(new Option('--threads <n>', 'old name of --replicas').hideHelp())
    .option('--git-commit', 'commit the results folder after every stage that ran (a new machine then loses at most the stage in flight)')
    .option('--skip-device', 'skip the local-agent latency stages')
    .option('--max-stages <n>', 'stop after running this many stages (0 = all); the next run resumes', '0')
    .option('--report-only', 'run no stage: rewrite README.md and the plots from the finished stages (after editing discussion.md)')
    .action(async (raw: RawStudyOptions) => {
      const o = parseStudyOptions(raw, process.argv.slice(3));
      const quiet = process.env.RANAS_QUIET === '1';
      const t0 = performance.now();
      const { runStudy } = await import('../../study/run-study.ts');
      const r = await runStudy(o, (line) => { if (!quiet) process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}\n`); });
      process.stdout.write(`stages run now: ${r.ran.length} (${r.ran.join(', ') || 'none'}); not finished: ${r.pending.length === 0 ? 'none' : r.pending.join(', ')}\nreport: ${r.readme}\n`);
    });
}
