/**
 * Engine throughput on the reference net (issues 2 and 9), every backend side by side, batch 64: forward
 * (inference) images/s and training images/s of `ranas train`'s own loop with 1 and 2 data-parallel
 * replicas, each backend in a process of its own; PyTorch CPU on the same net in the same run when
 * `python3 -c "import torch"` works; then the acceptance figures of the native engine. Images per
 * CPU-second (all threads of the process) are printed beside wall-clock images/s: on a shared machine the
 * latter measures the load, so the load average at the start and end of each backend is printed too.
 * The plain JS cpu backend trains at about 1 img/s (a minute or more per figure), so its training is
 * measured only with --cpu-training; its forward is always measured (--no-cpu skips it entirely).
 *   node --import tsx bench/engine.ts [--json] [--seconds S] [--no-cpu] [--cpu-training] [--backends tensorflow,wasm,cpu]
 *   node --import tsx bench/engine.ts --backend NAME [--seconds S] [--replicas 1,2]   (one backend, one JSON line)
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../src/engine/backend.ts';
import { printTable, type Row } from '../src/text-table.ts';
import { measureBackend, parseBackendFigures, type BackendFigures } from './engine-figures.ts';
import { torchBaseline, type TorchBaseline } from './torch-baseline.ts';
import { acceptanceChecks } from './engine-acceptance.ts';

const BATCH = 64;
const REPLICA_COUNTS = [1, 2];
const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const json = args.includes('--json');
const seconds = Number(option('--seconds') ?? '') || 4;

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

function backendName(s: string): BackendName {
  const b = BACKENDS.find((name) => name === s);
  if (!b) throw new Error(`backend '${s}' is unknown; expected one of ${BACKENDS.join(', ')}`);
  return b;
}

/** Runs this script for one backend in a child process and reads its JSON line. */
function measureInChild(backend: BackendName): BackendFigures {
  const script = fileURLToPath(import.meta.url);
  const replicas = backend === 'cpu' && !args.includes('--cpu-training') ? [] : REPLICA_COUNTS;
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--backend', backend, '--seconds', String(seconds), '--replicas', replicas.join(',')], {
    encoding: 'utf8', env: { ...process.env, RANAS_QUIET: '1', RANAS_BACKEND: '' }, maxBuffer: 64 << 20,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0) return { backend, available: false, reason: `measurement failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop() ?? ''}` };
  return parseBackendFigures(backend, last);
}

const perSec = (n: number | undefined) => (n === undefined ? null : Math.round(n));

function rows(figures: BackendFigures[], torch: TorchBaseline): Row[] {
  const out: Row[] = figures.map((f) => {
    if (!f.available) return { backend: f.backend, version: `not available: ${f.reason}`.slice(0, 90) };
    const t = (replicas: number) => f.training.find((x) => x.replicas === replicas);
    return {
      backend: f.backend, version: f.version, defaultReplicas: f.defaultReplicas,
      forwardImgPerSec: perSec(f.forward.imgPerSec),
      ...Object.fromEntries(REPLICA_COUNTS.map((n) => [`training${n}xImgPerSec`, perSec(t(n)?.imgPerSec)])),
      forwardImgPerCpuSec: perSec(f.forward.imgPerCpuSec),
      ...Object.fromEntries(REPLICA_COUNTS.map((n) => [`training${n}xImgPerCpuSec`, perSec(t(n)?.imgPerCpuSec)])),
      load: `${f.load[0]} → ${f.load[1]}`,
    };
  });
  if (torch.status === 'measured') {
    out.push({ backend: 'pytorch cpu', version: `${torch.version} (${torch.threads} threads)`, defaultReplicas: 1, forwardImgPerSec: perSec(torch.forwardImgPerSec), training1xImgPerSec: perSec(torch.trainingImgPerSec) });
  } else {
    out.push({ backend: 'pytorch cpu', version: `${torch.status}: ${torch.reason}`.slice(0, 90) });
  }
  return out;
}

const only = option('--backend');
if (only !== undefined) {
  const replicas = (option('--replicas') ?? REPLICA_COUNTS.join(',')).split(',').filter((r) => r !== '').map(Number);
  process.stdout.write(JSON.stringify(await measureBackend(backendName(only), seconds, replicas, BATCH)) + '\n');
  process.exit(0); // worker replicas and TensorFlow's thread pools are torn down with the process
}

const loadStart = loadavg()[0].toFixed(1);
const backends = (option('--backends')?.split(',') ?? [...BACKENDS]).map(backendName).filter((b) => b !== 'cpu' || !args.includes('--no-cpu'));
const figures = backends.map(measureInChild);
const torch = torchBaseline({ seconds, batch: BATCH });
const checks = acceptanceChecks(figures, torch);
const title = `reference net (32x32x3, stem 3→16, 4 dw-sep residual blocks, dense 10), batch ${BATCH}, ${seconds} s per figure; training = ranas train's loop; load average ${loadStart} → ${loadavg()[0].toFixed(1)}`;
if (json) {
  process.stdout.write(JSON.stringify({ figures, torch, acceptance: checks }, null, 2) + '\n');
} else {
  const columns = ['backend', 'version', 'defaultReplicas', 'forwardImgPerSec', ...REPLICA_COUNTS.map((n) => `training${n}xImgPerSec`), 'forwardImgPerCpuSec', ...REPLICA_COUNTS.map((n) => `training${n}xImgPerCpuSec`), 'load'];
  printTable(rows(figures, torch), { title, columns });
  if (figures.some((f) => f.backend === 'cpu' && f.available && f.training.length === 0)) {
    process.stdout.write('(cpu training not measured: about 1 img/s, a minute or more per figure; --cpu-training measures it)\n');
  }
  process.stdout.write('\nacceptance (issue 9):\n');
  printTable(checks.map((c) => ({ ...c, pass: c.pass === null ? 'not measured' : c.pass ? 'yes' : 'NO' })));
}
