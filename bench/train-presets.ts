/**
 * Training speed on the networks ranas trains (issue 22): ranas's real training loop on tiny, small and
 * paper-cifar, and the search step on the tiny supernet, beside PyTorch eager on the same graphs rebuilt
 * from the IR (model.json + weights.bin) by `bench/torch-ir-net.py` — NCHW and channels_last. Each ranas
 * figure runs in a child process (`bench/train-presets-ranas.ts`), alternating with PyTorch's in the same
 * run; the 1-minute load average is printed beside every figure, and images per CPU-second beside images per
 * second (on a shared machine the latter measures the load). Then: numerics (exits, loss, gradients and
 * running statistics of one training step, ranas vs PyTorch) and a per-op-type profile of a tiny step.
 *
 * PyTorch is found through RANAS_TORCH_PYTHON (or --python; default python3); "absent" when `import torch`
 * fails there. Both sides run with MALLOC_MMAP_THRESHOLD_ as set in the environment (same for both).
 * --threads N pins both to N compute threads (torch.set_num_threads, TF_NUM_INTRAOP_THREADS); default each
 * library's own (2 on this machine). On a machine loaded well past its cores, PyTorch's OpenMP teams stall
 * (a 2-thread step took 30 s at load 20 here), so compare with --threads 1 there, and per CPU-second.
 * --no-cl skips the channels_last figure.
 *
 *   node --import tsx bench/train-presets.ts [--seconds 6] [--batch 64] [--presets tiny,small,paper-cifar]
 *        [--no-search] [--no-check] [--no-profile] [--profile-preset tiny] [--no-timing] [--no-cl] [--threads N] [--replicas N] [--python PATH] [--reps 1]
 *        [--executor auto|graph|eager] [--torch-compile]
 * RANAS_BACKEND=wasm runs ranas's side on the WebAssembly fallback (the backend column says which ran).
 * --torch-compile adds PyTorch's compiled step (torch.compile, channels_last; its compile time apart) per preset.
 * --executor: how ranas runs each step (`ranas train --executor`; default auto = the whole step as one TensorFlow
 * graph on the native engine with 1 replica). The per-op profile is always of the eager step (the graph's
 * kernels run inside one session call).
 * --replicas N runs ranas's training with N data-parallel replicas (`ranas train --replicas N`: worker threads,
 * the batch split between them, batch-norm statistics per shard); default 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, type Row } from '../src/text-table.ts';
import { saveModel } from '../src/ir/serialize.ts';
import { buildPreset, type PresetName } from '../src/model/presets.ts';
import { buildMsRanasSupernet } from '../src/model/supernet.ts';
import { searchSupernetConfig } from '../src/search/search-options.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(option('--seconds') ?? 6);
const batch = Number(option('--batch') ?? 64);
const reps = Number(option('--reps') ?? 1);
/** `ranas train --replicas N` on ranas's side (data-parallel worker threads, the batch split between them). */
const replicas = Number(option('--replicas') ?? 1);
const presets = (option('--presets') ?? 'tiny,small,paper-cifar').split(',').filter((p) => p !== '') as PresetName[];
/** The preset whose training step is profiled by op type (`--profile-preset`, default tiny). */
const profiled = option('--profile-preset') ?? 'tiny';
const python = option('--python') ?? process.env.RANAS_TORCH_PYTHON ?? 'python3';
const RANAS = fileURLToPath(new URL('./train-presets-ranas.ts', import.meta.url));
const TORCH = fileURLToPath(new URL('./torch-ir-net.py', import.meta.url));
const load = () => loadavg()[0].toFixed(1);
const threads = option('--threads');
const executor = option('--executor') ?? 'auto';
const threadArgs = threads ? ['--threads', threads] : [];
const threadEnv = threads ? { TF_NUM_INTRAOP_THREADS: threads, TF_NUM_INTEROP_THREADS: '1' } : {};

function jsonLine(stdout: string, what: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const o: unknown = JSON.parse(line);
    if (typeof o === 'object' && o !== null && !Array.isArray(o)) return { ...o };
  } catch { /* reported below */ }
  throw new Error(`${what}: last line ${JSON.stringify(line.slice(0, 200))} is not a JSON object`);
}

function ranas(...a: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', RANAS, ...a, '--executor', executor], { encoding: 'utf8', env: { ...process.env, ...threadEnv, RANAS_QUIET: '1' }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ranas ${a[0]} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return jsonLine(r.stdout, `ranas ${a[0]}`);
}

const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
const torchStatus = probe.status === 0 ? `torch ${probe.stdout.trim()} (${python})` : `absent (${python} -c "import torch": ${probe.error?.message ?? probe.stderr.trim().split('\n').pop()})`;
const torchPresent = probe.status === 0;

function torch(...a: string[]): Record<string, unknown> | string {
  if (!torchPresent) return 'absent';
  const r = spawnSync(python, [TORCH, ...a, ...threadArgs], { encoding: 'utf8', timeout: (seconds * 10 + 600) * 1000, maxBuffer: 64 << 20 });
  if (r.status !== 0) return `failed: ${(r.error?.message ?? r.stderr.trim().split('\n').pop() ?? '').slice(0, 160)}`;
  return jsonLine(r.stdout, 'torch');
}

const num = (o: Record<string, unknown> | string, k: string): number | null => (typeof o === 'object' && typeof o[k] === 'number' ? Number(o[k]) : null);
const r0 = (v: number | null) => (v === null ? null : Math.round(v));
const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.round((a / b) * 100) / 100);

const work = mkdtempSync(join(tmpdir(), 'ranas-train-presets-'));
console.log(`train-presets: batch ${batch}, ${seconds} s per figure, ${reps} rep(s), threads ${threads ?? 'library default'}, ranas replicas ${replicas}, executor ${executor}; PyTorch: ${torchStatus}; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
try {
  const dirs = new Map<string, string>();
  for (const p of presets) {
    const dir = join(work, p);
    saveModel(dir, buildPreset(p));
    dirs.set(p, dir);
  }
  const rows: Row[] = [];
  let tinyProfile: unknown;
  let tinyGraphProfile: unknown;
  for (let rep = 0; rep < (args.includes('--no-timing') ? 0 : reps); rep++) {
    for (const [p, dir] of dirs) {
      const lr = load();
      const ours = ranas('train', dir, String(batch), String(seconds), ...(p === profiled && rep === 0 ? ['--profile'] : []), '--replicas', String(replicas));
      if (p === profiled && rep === 0) {
        tinyProfile = ours.profile;
        tinyGraphProfile = ours.graphProfile;
      }
      const lt = load();
      const nchw = torch('time', dir, '--seconds', String(seconds), '--batch', String(batch));
      const lc = load();
      const cl = args.includes('--no-cl') ? 'skipped' : torch('time', dir, '--seconds', String(seconds), '--batch', String(batch), '--channels-last');
      const compiled = args.includes('--torch-compile') ? torch('time', dir, '--seconds', String(seconds), '--batch', String(batch), '--channels-last', '--compile') : 'skipped';
      const lcc = load();
      const ourIps = num(ours, 'trainingImgPerSec');
      rows.push({
        preset: p, rep: rep + 1, backend: String(ours.backend ?? ''), executor: String(ours.executor ?? ''),
        ranasImgPerSec: r0(ourIps), ranasImgPerCpuSec: r0(num(ours, 'trainingImgPerCpuSec')), ranasEagerKernels: num(ours, 'kernelsPerStep'), loadRanas: lr,
        torchImgPerSec: r0(num(nchw, 'trainingImgPerSec')), torchImgPerCpuSec: r0(num(nchw, 'trainingImgPerCpuSec')), torchOps: num(nchw, 'kernelsPerStep'), loadTorch: lt,
        torchClImgPerSec: r0(num(cl, 'trainingImgPerSec')), loadTorchCl: lc,
        ...(compiled === 'skipped' ? {} : {
          torchCompiledClImgPerSec: r0(num(compiled, 'trainingImgPerSec')), compileSeconds: r0(num(compiled, 'compileSeconds')), loadTorchCompiled: lcc,
          ratioCompiled: ratio(ourIps, num(compiled, 'trainingImgPerSec')),
        }),
        ratio: ratio(ourIps, num(nchw, 'trainingImgPerSec')), ratioCl: ratio(ourIps, num(cl, 'trainingImgPerSec')),
        ratioPerCpuSec: ratio(num(ours, 'trainingImgPerCpuSec'), num(nchw, 'trainingImgPerCpuSec')),
        ...(typeof nchw === 'string' ? { torch: nchw } : {}),
      });
    }
  }
  if (rows.length > 0) console.log('\ntraining step (ranas train loop vs PyTorch eager, same IR; ratio = ranas / PyTorch NCHW img/s, ratioCl vs channels_last):');
  if (rows.length > 0) console.log(formatTable(rows));

  if (!args.includes('--no-search') && !args.includes('--no-timing')) {
    const dir = join(work, 'tiny-supernet');
    saveModel(dir, buildMsRanasSupernet(searchSupernetConfig({ preset: 'tiny', nodes: 2, searchExits: true, seed: 0 })));
    const sb = 32;
    const srows: Row[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const ls = load();
      const s = ranas('search', dir, String(sb), '4', '--replicas', String(replicas));
      const lt = load();
      const t = torch('time', dir, '--seconds', String(seconds), '--batch', String(sb), '--weights-only');
      srows.push({
        rep: rep + 1, executor: String(s.executor ?? ''), weightStepImgPerSec: r0(num(s, 'weightImgPerSec')), alphaStepImgPerSec: r0(num(s, 'alphaImgPerSec')),
        eagerWeightKernels: num(s, 'weightKernelsPerStep'), eagerAlphaKernels: num(s, 'alphaKernelsPerStep'), loadRanas: ls,
        torchWeightStepImgPerSec: r0(num(t, 'trainingImgPerSec')), loadTorch: lt,
        ratioWeightStep: ratio(num(s, 'weightImgPerSec'), num(t, 'trainingImgPerSec')),
        // issue 22's baseline (before this work): weight step 37 img/s, alpha step 58 img/s
        vsBaselineWeight: ratio(num(s, 'weightImgPerSec'), 37), vsBaselineAlpha: ratio(num(s, 'alphaImgPerSec'), 58),
      });
    }
    console.log(`\nsearch step, tiny supernet, batch ${sb} (search loop: one alpha + one weight step; PyTorch: weight step only):`);
    console.log(formatTable(srows));
  }

  if (!args.includes('--no-check')) {
    const crows: Row[] = [];
    for (const [p, dir] of dirs) {
      const caseDir = join(work, `${p}-case`);
      const ranasCase = ranas('case', dir, caseDir, '16');
      const c = torch('check', dir, caseDir);
      if (typeof c === 'string') {
        crows.push({ preset: p, torch: c });
        continue;
      }
      const grads = Array.isArray(c.gradients) ? c.gradients.filter((g): g is Record<string, unknown> => typeof g === 'object' && g !== null) : [];
      const worst = grads[0] ?? {};
      const big = grads.filter((g) => Number(g.normShare) > 1e-3);
      crows.push({
        preset: p, executor: String(ranasCase.executor ?? ''), exitsRelL2: num(c, 'exits'), lossRel: num(c, 'loss'), runningStatsRelMax: num(c, 'running'),
        worstGradRelL2: Number(worst.relL2 ?? NaN), worstGrad: String(worst.name ?? ''),
        worstGradNormOverMedian: Number(worst.norm ?? NaN) / (num(c, 'medianGradNorm') ?? NaN),
        worstGradRelL2AmongNormShareOver1e3: Math.max(0, ...big.map((g) => Number(g.relL2))),
        // same significant gradients against a float64 run: float32 conditioning shows as both being off alike
        worstRanasVsF64: Math.max(0, ...big.map((g) => Number(g.ranasVs64))), worstTorchVsF64: Math.max(0, ...big.map((g) => Number(g.torchVs64))),
        gradsOver1e3RelL2: grads.filter((g) => Number(g.relL2) > 1e-3).length, grads: grads.length,
      });
    }
    console.log('\nnumerics, one training step at batch 16 (relative L2 error ranas vs PyTorch; normShare = |grad| / |all grads|; runningStatsRelMax = max |diff| / max(|value|, 0.01)):');
    console.log(formatTable(crows, [...new Set(crows.flatMap((r) => Object.keys(r)))]));
  }

  if (!args.includes('--no-profile') && tinyProfile && typeof tinyProfile === 'object') {
    const prof = tinyProfile as { wallMs: number; kernels: number; identity: number; byKernel: Record<string, { ms: number; calls: number }> };
    // 'forward' is the custom-gradient wrapper of the batch-norm: its time is its nested kernels' again
    const total = Object.entries(prof.byKernel).filter(([k]) => k !== 'forward').reduce((s, [, e]) => s + e.ms, 0);
    const prow = Object.entries(prof.byKernel).sort((a, b) => b[1].ms - a[1].ms).slice(0, 18)
      .map(([kernel, e]) => ({ kernel, calls: e.calls, ms: Math.round(e.ms * 10) / 10, msPerCall: Math.round((e.ms / e.calls) * 100) / 100, share: `${((100 * e.ms) / prof.wallMs).toFixed(1)} %` }));
    console.log(`\nprofile of one ${profiled} eager training step (forward + gradients, batch ${batch}; load ${load()}): wall ${prof.wallMs.toFixed(0)} ms, ${prof.kernels} kernel calls + ${prof.identity} Identity;`
      + ` kernels ${total.toFixed(0)} ms (without the batch-norm wrapper 'forward'), outside kernels (JS, tape, bookkeeping) ≈ ${Math.max(0, prof.wallMs - total).toFixed(0)} ms (on a loaded machine kernel times include time descheduled)`);
    console.log(formatTable(prow));
  }
  const graphProfile = tinyGraphProfile as { wallMs: number; tracedSpanMs: number; nodes: number; byType: Record<string, { ms: number; calls: number }> } | undefined;
  if (!args.includes('--no-profile') && graphProfile && typeof graphProfile === 'object') {
    const total = Object.values(graphProfile.byType).reduce((s, e) => s + e.ms, 0);
    const grows = Object.entries(graphProfile.byType).sort((a, b) => b[1].ms - a[1].ms).slice(0, 18)
      .map(([type, e]) => ({ type, nodes: e.calls, ms: Math.round(e.ms * 10) / 10, msPerNode: Math.round((e.ms / e.calls) * 100) / 100, shareOfOpTime: `${((100 * e.ms) / total).toFixed(1)} %` }));
    console.log(`\nprofile of one ${profiled} graph training step (TensorFlow's step stats, batch ${batch}; load ${load()}): wall ${graphProfile.wallMs.toFixed(0)} ms untraced, ${graphProfile.tracedSpanMs.toFixed(0)} ms traced span, ${graphProfile.nodes} nodes;`
      + ` op time ${total.toFixed(0)} ms summed over nodes (inter-op threads overlap, so the sum can exceed the span)`);
    console.log(formatTable(grows));
  }
  console.log(`\nload average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
