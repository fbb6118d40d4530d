/**
 * `ranas doctor`'s checklist: every optional piece, whether it is here (✓ / ✗), what it is for, and the
 * command that installs it. One table of checks; each check is a small probe (a library, a program, a module).
 */
import { spawnSync } from 'node:child_process';
import { findEdgeTpuLibrary } from '../../device/runtimes/edgetpu.ts';
import type { DatasetCacheState } from '../data/cache-state.ts';
import type { EngineInfo } from '../engine/backend.ts';
import { findGraphAddon } from '../engine/native/graph-addon-build.ts';

/** The pieces checked. */
export type CheckName = 'native engine' | 'graph step' | 'CIFAR-10 cache' | 'socat' | 'onnx checker' | 'Arm NN' | 'qemu (arm64)' | 'Edge TPU runtime';

/** Outcome of one check. */
export interface CheckResult {
  check: CheckName;
  ok: boolean;
  /** What was found (version, path) or what is missing. */
  found: string;
  /** What needs it. */
  usedBy: string;
  /** How to get it; empty when ok. */
  fix: string;
}

/** What the probes may read that doctor already knows. */
export interface CheckContext {
  engine: EngineInfo;
  datasets: readonly DatasetCacheState[];
}

/** The graph addon built for this checkout, if any (never throws: tfjs-node may be absent). */
function builtGraphAddon(): string | undefined {
  try {
    return findGraphAddon();
  } catch {
    return undefined;
  }
}

const runs = (cmd: string, args: string[]): string | null => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? '' : null;
};

interface Check {
  usedBy: string;
  fix: string;
  probe: (c: CheckContext) => { ok: boolean; found: string };
}

/** Every check, in the order printed. */
export const CHECKS: Record<CheckName, Check> = {
  'native engine': {
    usedBy: 'fast training and evaluation (TensorFlow C library through tfjs-node)',
    fix: 'ranas setup native',
    probe: (c) => ({ ok: c.engine.backend === 'tensorflow', found: `${c.engine.backend} ${c.engine.version}: ${c.engine.reason}` }),
  },
  'graph step': {
    usedBy: 'training and search steps as one TensorFlow graph (about 2x the op-by-op step; else --executor eager)',
    fix: 'ranas setup native',
    probe: () => {
      const path = builtGraphAddon();
      return { ok: path !== undefined, found: path ?? 'the graph addon (ranas_graph.node) is not built' };
    },
  },
  'CIFAR-10 cache': {
    usedBy: 'train, search, eval and export on the real data (else the shipped mini set)',
    fix: 'ranas data fetch cifar10',
    probe: (c) => {
      const d = c.datasets.find((x) => x.dataset === 'cifar10');
      return { ok: d?.verified === true, found: d ? `${d.filesPresent}/${d.filesExpected} files, ${d.verified ? 'verified' : 'not verified'} in ${d.folder}` : 'not cached' };
    },
  },
  socat: {
    usedBy: 'the demo\'s local device over a pseudo-terminal, serial-link tests',
    fix: 'apt-get install socat',
    probe: () => {
      const r = spawnSync('socat', ['-V'], { encoding: 'utf8', timeout: 10_000 });
      const version = /socat version (\S+)/.exec(`${r.stdout ?? ''}`)?.[1];
      return { ok: r.status === 0, found: r.status === 0 ? `socat ${version ?? ''}`.trim() : 'not on PATH' };
    },
  },
  'onnx checker': {
    usedBy: 'tests check written ONNX files with onnx.checker (full_check)',
    fix: 'apt-get install python3-onnx',
    probe: () => { const v = runs('/usr/bin/python3', ['-c', 'import onnx; print(onnx.__version__)']); return { ok: v !== null, found: v === null ? 'python3 cannot import onnx' : `onnx ${v}` }; },
  },
  'Arm NN': {
    usedBy: 'tests cross-check written TFLite files in Arm NN (an independent reader)',
    fix: 'apt-get install python3-pyarmnn (Arm NN PPA / Debian)',
    probe: () => { const v = runs('/usr/bin/python3', ['-c', 'import pyarmnn; print(pyarmnn.ARMNN_VERSION)']); return { ok: v !== null, found: v === null ? 'python3 cannot import pyarmnn' : `pyarmnn ${v}` }; },
  },
  'qemu (arm64)': {
    usedBy: 'running the arm64 device agent on this host (Raspberry Pi build checks)',
    fix: 'apt-get install qemu-user-static',
    probe: () => {
      const v = runs('qemu-aarch64-static', ['--version']) ?? runs('qemu-aarch64', ['--version']);
      return { ok: v !== null, found: v ?? 'neither qemu-aarch64-static nor qemu-aarch64 on PATH' };
    },
  },
  'Edge TPU runtime': {
    usedBy: 'ranas-agent --edgetpu (int8 TFLite bundles on a Coral)',
    fix: 'apt-get install libedgetpu1-std (Coral apt repository)',
    probe: () => { const p = findEdgeTpuLibrary(); return { ok: p !== undefined, found: p ?? 'libedgetpu.so.1 not found' }; },
  },
};

/** Runs every check. */
export function runChecks(c: CheckContext): CheckResult[] {
  return (Object.keys(CHECKS) as CheckName[]).map((check) => {
    const { usedBy, fix, probe } = CHECKS[check];
    const r = probe(c);
    return { check, ok: r.ok, found: r.found, usedBy, fix: r.ok ? '' : fix };
  });
}

/** The checklist as text: "✓ name — found" or "✗ name — found\n    needed for …; fix: …". */
export function formatChecklist(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length));
  return results.map((r) => `${r.ok ? '✓' : '✗'} ${r.check.padEnd(width)}  ${r.found}${r.ok ? '' : `\n  ${' '.repeat(width)}  needed for ${r.usedBy}; fix: ${r.fix}`}`).join('\n');
}
