/**
 * `ranas demo` — the whole pipeline on this machine: CIFAR-10 (cache, fetch, or the shipped mini set), a
 * short search, training of the derived network, eval, int8 TFLite/ONNX export, then a local `ranas-agent`
 * on a real pseudo-terminal pair (or a real device with --port/--host): flash, budget sweep. Prints stage
 * times, the per-exit and per-budget tables; writes runs/<name>/report.json and report.html.
 */
import { Option, type Command } from 'commander';
import { parseDataChoice } from '../../run/run-options.ts';
import { DEFAULT_BAUD } from '../../../firmware-bridge/transport/default-baud.ts';
import { parseHostPort } from '../../../firmware-bridge/transport/tcp-transport.ts';
import { DEMO_DEFAULTS, DEMO_TOY, type DemoLink, type DemoOptions } from '../../demo/demo-options.ts';
import { budgetRows, exitRows, pretrainedExitRows, stageRows } from '../../demo/demo-report.ts';
import { policyOf } from '../../bundle-format/policy.ts';
import { RanasError } from '../../errors.ts';
import { printTable } from '../../text-table.ts';

/** Raw commander values. */
interface RawDemoOptions {
  name: string;
  runsDir: string;
  host?: string;
  port?: string;
  baud: string;
  keyFile?: string;
  toy?: boolean;
  offline?: boolean;
  data?: string;
  fresh?: boolean;
  budgets?: string;
  budgetSteps?: string;
  policies: string;
  searchSubset?: string;
  searchEpochs?: string;
  trainSubset?: string;
  trainEpochs?: string;
  evalImages?: string;
  deviceImages?: string;
  deviceSeconds?: string;
  replicas?: string;
  /** Old name of --replicas (hidden). */
  threads?: string;
  seed: string;
  json?: boolean;
}

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new RanasError('E_CLI_ARG', `${flag} is ${JSON.stringify(v)}; expected an integer ≥ ${min}`);
  return n;
}

/** Parses commander's values into the typed options (exported for tests). */
export function parseDemoOptions(r: RawDemoOptions): DemoOptions {
  if (r.host && r.port) throw new RanasError('E_CLI_ARG', 'give at most one of --host HOST:PORT or --port PATH (neither = a local agent on a pty pair)');
  const link: DemoLink = r.host ? { kind: 'tcp', ...parseHostPort(r.host) } : r.port ? { kind: 'serial', path: r.port, baudRate: int('--baud', r.baud, 50) } : { kind: 'local' };
  if (link.kind !== 'local' && !r.keyFile) {
    throw new RanasError('E_CLI_ARG', `--${link.kind === 'tcp' ? 'host' : 'port'} points at a real device, but no --key-file was given; expected the device's key file (the one its ranas-agent --key-file reads)`);
  }
  const base = r.toy ? { ...DEMO_DEFAULTS, ...DEMO_TOY } : DEMO_DEFAULTS;
  const pick = (flag: string, v: string | undefined, dflt: number, min: number) => (v === undefined ? dflt : int(flag, v, min));
  const policies = r.policies.split(',').map((p) => {
    const x = policyOf(p.trim());
    if (!x) throw new RanasError('E_CLI_ARG', `--policies has ${JSON.stringify(p)}; expected deadline and/or confidence`);
    return x;
  });
  return {
    name: r.name, runsDir: r.runsDir, link, data: r.data === undefined ? undefined : parseDataChoice(r.data), offline: r.offline ?? false, toy: r.toy ?? false, fresh: r.fresh ?? false,
    searchSubset: pick('--search-subset', r.searchSubset, base.searchSubset, 2),
    searchEpochs: pick('--search-epochs', r.searchEpochs, base.searchEpochs, 1),
    searchBatchSize: base.searchBatchSize,
    trainSubset: pick('--train-subset', r.trainSubset, base.trainSubset, 1),
    trainEpochs: pick('--train-epochs', r.trainEpochs, base.trainEpochs, 1),
    trainBatchSize: base.trainBatchSize,
    evalImages: pick('--eval-images', r.evalImages, base.evalImages, 1),
    calibImages: base.calibImages,
    deviceImages: pick('--device-images', r.deviceImages, base.deviceImages, 1),
    budgetsUs: r.budgets === undefined ? [] : r.budgets.split(',').map((b) => int('--budgets', b.trim(), 1)),
    budgetSteps: pick('--budget-steps', r.budgetSteps, base.budgetSteps, 2),
    policies,
    deviceSeconds: pick('--device-seconds', r.deviceSeconds, base.deviceSeconds, 1),
    profileRuns: base.profileRuns,
    threads: pick(r.threads !== undefined ? '--threads' : '--replicas', r.threads ?? r.replicas, base.threads, 0),
    seed: int('--seed', r.seed, 0),
    keyFile: r.keyFile,
  };
}

/** Registers `ranas demo`. */
export function registerDemo(program: Command): void {
  const d = DEMO_DEFAULTS;
  program
    .command('demo')
    .description('the whole pipeline: data, search, train, eval, int8 export, flash a device agent over a pty (or --port/--host), budget sweep, report.html')
    .option('--name <name>', 'run folder name under --runs-dir', d.name)
    .option('--runs-dir <dir>', 'where run folders go', d.runsDir)
    .option('--host <host:port>', 'a real device agent on TCP instead of the local one')
    .option('--port <path>', 'a real device agent on a serial port (e.g. /dev/ttyACM0) instead of the local one')
    .option('--baud <n>', 'serial line rate with --port', String(DEFAULT_BAUD))
    .option('--key-file <file>', 'device key (default: generated in the run folder; a real device needs its own)')
    .option('--toy', 'toy sizes (the test): mini set, a few images, one search step, a few train steps')
    .option('--data <src>', 'your data: DIR with one sub-folder per class of PNG/JPEG files (resized to 32x32), a CIFAR binary folder, cifar100, cifar10, mini (default: CIFAR-10 if cached or fetchable, else the mini set, saying which)')
    .option('--offline', 'never download CIFAR-10 (cache, else the shipped mini set)')
    .option('--fresh', 'redo every stage even when its checkpoint exists')
    .option('--budgets <list>', 'comma-separated budgets in µs (default: derived from the agent profile)')
    .option('--budget-steps <n>', `budgets in the derived sweep (default ${d.budgetSteps})`)
    .option('--policies <list>', 'anytime policies to sweep', 'deadline,confidence')
    .option('--search-subset <n>', `search images, split 50/50 weights/alphas (default ${d.searchSubset})`)
    .option('--search-epochs <n>', `search epochs (default ${d.searchEpochs})`)
    .option('--train-subset <n>', `training images (default ${d.trainSubset})`)
    .option('--train-epochs <n>', `training epochs (default ${d.trainEpochs})`)
    .option('--subset <n>', 'alias of --train-subset')
    .option('--eval-images <n>', `test images for fp32/int8 accuracy (default ${d.evalImages})`)
    .option('--device-images <n>', `test images per budget on the device (default ${d.deviceImages})`)
    .option('--device-seconds <n>', `time limit of the budget sweep, s (default ${d.deviceSeconds})`)
    .option('--replicas <n>', 'data-parallel training replicas (worker threads) for search and training (default: 1 on tfjs-node, else 2)')
    .addOption(new Option('--threads <n>', 'old name of --replicas').hideHelp())
    .option('--seed <n>', 'seed of every stage', String(d.seed))
    .option('--json', 'print report.json instead of tables')
    .action(async (raw: RawDemoOptions & { subset?: string }) => {
      const o = parseDemoOptions({ ...raw, trainSubset: raw.trainSubset ?? raw.subset });
      const quiet = process.env.RANAS_QUIET === '1';
      const t0 = performance.now();
      const { runDemo } = await import('../../demo/run-demo.ts');
      const r = await runDemo(o, (line) => { if (!quiet) process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`); });
      if (raw.json) { process.stdout.write(JSON.stringify(r.report, null, 2) + '\n'); return; }
      printTable(stageRows(r.report.stages), { title: `stage times (total ${r.report.totalSeconds.toFixed(1)} s)` });
      process.stdout.write('\n');
      printTable(exitRows(r.report), { title: `per exit (${r.report.data.which}, ${r.report.evalImages} test images; latency = agent profile on ${r.report.device.deviceName})` });
      process.stdout.write('\n');
      printTable(budgetRows(r.report.device.sweep), { title: `per budget (${r.report.device.sweep[0]?.requests ?? 0} test images each, over ${r.report.device.link})` });
      for (const run of r.report.pretrained?.runs ?? []) {
        process.stdout.write('\n');
        printTable(pretrainedExitRows(run), { title: `shipped network ${run.info.name}: ${run.info.label}; top-1 on ${run.info.testImages} test images as shipped, latency = agent profile on ${run.device.deviceName}` });
        process.stdout.write('\n');
        printTable(budgetRows(run.device.sweep), { title: `${run.info.name} per budget (the same ${run.device.sweep[0]?.requests ?? 0} test images each)` });
      }
      for (const why of r.report.pretrained?.skipped ?? []) process.stdout.write(`\nshipped network not run: ${why}\n`);
      process.stdout.write(`\nflash verified: ${r.report.device.flash.verified}; report: ${r.reportHtml}\n`);
    });
}
