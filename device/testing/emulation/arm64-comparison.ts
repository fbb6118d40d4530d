/**
 * The whole arm64 check, shared by scripts/arm64-agent.ts (100 images) and test/arm64-agent.test.ts (a
 * shorter run): build the device package for linux-arm64 and linux-x64, export the tiny preset (random
 * weights, calibrated on the shipped CIFAR-10 mini set) as int8 TFLite and int8 ONNX bundles (and the fp32
 * ones when asked), install each package on its side — the arm64 one under qemu-aarch64 — start both
 * agents on pty pairs, flash every bundle to both, ask the same test images with every exit, and compare.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportModel } from '../../../converters/export.ts';
import { loadCifar10Mini } from '../../../src/data/cifar10-mini.ts';
import { buildPreset } from '../../../src/model/presets.ts';
import { RanasError } from '../../../src/errors.ts';
import { buildDevicePackage, type DevicePackage } from '../../package/build-device-package.ts';
import type { NodeSide } from './agent-on-pty.ts';
import { findArm64Toolchain, findNpmCli } from './arm64-toolchain.ts';
import { agentBin } from './pi-commands.ts';
import { agreementRule, compareAnswers, runSide, type ExitAgreement, type SideRun } from './compare-agents.ts';

/** Options of the check. */
export interface Arm64ComparisonOptions {
  /** Test images asked (the first `count` of the CIFAR-10 mini test split). */
  count: number;
  /** Also flash and compare the fp32 TFLite and ONNX bundles. */
  fp32: boolean;
  /** Profiler runs per segment of each agent (few: emulation is slow). */
  profileRuns: number;
  say: (line: string) => void;
  /** Keep the scratch folder (default: removed). */
  keep?: boolean;
}

/** One bundle's comparison. */
export interface BundleComparison {
  bundle: string;
  rule: ReturnType<typeof agreementRule>;
  exits: ExitAgreement[];
  ok: boolean;
}

/** Everything the check found. */
export interface Arm64Comparison {
  packages: DevicePackage[];
  x86: SideRun;
  arm64: SideRun;
  comparisons: BundleComparison[];
  /** The arm64 agent started with --edgetpu on the int8 TFLite bundle (no libedgetpu here): exit status and the error code it logged. */
  edgetpu: { status: number | null; code: string | undefined };
}

/** Why the check cannot run here, or undefined when it can. */
export function arm64SkipReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the check emulates arm64 on linux-x64; this is ${process.platform}-${process.arch}`;
  const t = findArm64Toolchain();
  if ('missing' in t) return `arm64 pieces missing (scripts/setup-arm64.sh installs them): ${t.missing.join('; ')}`;
  return undefined;
}

/** Starts the installed agent with --edgetpu on an int8 TFLite bundle and reads how it refused. */
function edgeTpuRefusal(side: NodeSide, prefix: string, bundle: string, store: string): { status: number | null; code: string | undefined } {
  const [bin, ...args] = [...side.nodeCommand, agentBin(prefix), '--bundle-dir', store, '--install', bundle, '--edgetpu', '--stdio'];
  const r = spawnSync(bin, args, { encoding: 'utf8', input: '', timeout: 300_000 });
  return { status: r.status, code: /E_EDGETPU_[A-Z_]+/.exec(`${r.stderr}${r.stdout}`)?.[0] };
}

/** Runs the check. Throws when a piece is missing (see arm64SkipReason). */
export async function runArm64Comparison(o: Arm64ComparisonOptions): Promise<Arm64Comparison> {
  const toolchain = findArm64Toolchain();
  const npmCli = findNpmCli();
  if ('missing' in toolchain || !npmCli) throw new RanasError('E_EMULATED_AGENT', arm64SkipReason() ?? 'npm-cli.js not found; expected npm beside node');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-arm64-'));
  try {
    o.say('building the device packages (linux-arm64, linux-x64) …');
    const packages = (['linux-arm64', 'linux-x64'] as const).map((p) => buildDevicePackage(p, path.join(work, 'packages')));
    for (const p of packages) o.say(`  ${path.basename(p.tarball)}: ${(p.tarballBytes / 1e6).toFixed(1)} MB packed, ${(p.stagedBytes / 1e6).toFixed(1)} MB unpacked`);

    o.say('exporting the tiny preset (random weights) as int8 TFLite and ONNX bundles …');
    const data = loadCifar10Mini();
    const bundleRoot = path.join(work, 'bundles');
    await exportModel(buildPreset('tiny'), {
      outDir: bundleRoot, formats: ['tflite', 'onnx'], int8: true, calibImages: 64, target: 'generic', floatIo: false, evalImages: 0,
      data: { train: data.train, test: data.test, name: 'cifar10-mini', source: data.test.source },
    });
    const bundles = ['tflite-int8', 'onnx-int8', ...(o.fp32 ? ['tflite-fp32', 'onnx-fp32'] : [])].map((b) => path.join(bundleRoot, b));
    const keyFile = path.join(work, 'device.key');
    fs.writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    const count = Math.min(o.count, data.test.count);
    const profileArgs = ['--warmups', '2', '--profile-runs', String(o.profileRuns)];
    const sides: { side: NodeSide; platform: DevicePackage['platform'] }[] = [
      { side: { label: 'x86-64', nodeCommand: [process.execPath], npmCli }, platform: 'linux-x64' },
      { side: { label: 'arm64 (qemu, emulated)', nodeCommand: toolchain.nodeCommand, npmCli }, platform: 'linux-arm64' },
    ];
    const runs: SideRun[] = [];
    for (const [i, { side, platform }] of sides.entries()) {
      const tarball = packages.find((p) => p.platform === platform)?.tarball ?? '';
      runs.push(await runSide({ side, tarball, bundles, images: data.test, count, keyFile, workDir: path.join(work, `side-${i}`), profileArgs, say: o.say }));
    }
    const comparisons = bundles.map((b, j) => {
      const rule = agreementRule(runs[0].bundles[j].precision);
      return { bundle: path.basename(b), rule, ...compareAnswers(runs[0].bundles[j].answers, runs[1].bundles[j].answers, rule) };
    });
    const edgetpu = edgeTpuRefusal(sides[1].side, path.join(work, 'side-1', 'prefix'), bundles[0], path.join(work, 'edgetpu-store'));
    o.say(`arm64 (qemu, emulated): --edgetpu without libedgetpu.so.1 → exit ${edgetpu.status}, ${edgetpu.code ?? 'no error code'}`);
    return { packages, x86: runs[0], arm64: runs[1], comparisons, edgetpu };
  } finally {
    if (!o.keep) fs.rmSync(work, { recursive: true, force: true });
    else o.say(`scratch folder kept: ${work}`);
  }
}
