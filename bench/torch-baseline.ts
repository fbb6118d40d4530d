/**
 * PyTorch CPU on the reference net (`bench/torch-reference-net.py`), measured in the same run as the
 * engine's backends when `python3 -c "import torch"` works. Three outcomes, kept apart so a broken
 * measurement is never shown as "PyTorch absent": measured, absent (no Python or no torch), failed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The script that builds and times the PyTorch net. */
export const TORCH_SCRIPT = fileURLToPath(new URL('./torch-reference-net.py', import.meta.url));

/** What the PyTorch script reports. */
export interface TorchFigures {
  version: string;
  /** torch.get_num_threads() */
  threads: number;
  forwardImgPerSec: number;
  trainingImgPerSec: number;
}

/** Outcome of the PyTorch baseline. */
export type TorchBaseline = ({ status: 'measured' } & TorchFigures) | { status: 'absent' | 'failed'; reason: string };

/** Options of `torchBaseline`. */
export interface TorchBaselineOptions {
  /** Python executable (default `python3`). */
  python?: string;
  /** Time budget of each of forward and training, seconds. */
  seconds: number;
  batch: number;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

function positive(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${key} is ${JSON.stringify(v)}; expected a positive number`);
  return v;
}

/** Parses the script's JSON line; throws naming the field that is missing or wrong. */
export function parseTorchFigures(line: string): TorchFigures {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    throw new Error(`output ${JSON.stringify(line.slice(0, 120))} is not JSON; expected one JSON line`);
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error(`output is ${JSON.stringify(o)}; expected a JSON object`);
  const r: Record<string, unknown> = { ...o };
  if (typeof r.torch !== 'string') throw new Error(`torch is ${JSON.stringify(r.torch)}; expected the version string`);
  return { version: r.torch, threads: positive(r, 'threads'), forwardImgPerSec: positive(r, 'forwardImgPerSec'), trainingImgPerSec: positive(r, 'trainingImgPerSec') };
}

/** Runs the PyTorch baseline when torch imports; never throws. */
export function torchBaseline(o: TorchBaselineOptions): TorchBaseline {
  const python = o.python ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
  if (probe.error) return { status: 'absent', reason: `${python} -c "import torch" could not run: ${probe.error.message}` };
  if (probe.status !== 0) return { status: 'absent', reason: `${python} -c "import torch" failed: ${lastLine(probe.stderr) || `exit ${probe.status}`}` };
  const budgetMs = (o.seconds * 4 + 120) * 1000; // forward + training (+ warm-up) and torch's import
  const run = spawnSync(python, [TORCH_SCRIPT, '--seconds', String(o.seconds), '--batch', String(o.batch)], { encoding: 'utf8', timeout: budgetMs });
  if (run.error || run.status !== 0) {
    return { status: 'failed', reason: `${python} ${TORCH_SCRIPT} ${run.error ? run.error.message : `exited ${run.status}: ${lastLine(run.stderr)}`}` };
  }
  try {
    return { status: 'measured', ...parseTorchFigures(lastLine(run.stdout)) };
  } catch (e) {
    return { status: 'failed', reason: `${TORCH_SCRIPT}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
