/**
 * The acceptance figures of the native engine (issue 9) from one `bench/engine.ts` run: training at the
 * backend's default replica count ≥ 1,200 img/s, forward ≥ 3,500 img/s, and, when PyTorch was measured in
 * the same run, training ≥ 0.7× PyTorch CPU's. A check that could not be made says why (pass: null).
 */
import type { BackendFigures } from './engine-figures.ts';
import type { TorchBaseline } from './torch-baseline.ts';

/** Thresholds of the issue. */
export const ACCEPTANCE = { trainingImgPerSec: 1200, forwardImgPerSec: 3500, torchRatio: 0.7 } as const;

/** One acceptance check. */
export interface Check {
  check: string;
  measured: string;
  required: string;
  /** null: not measured (see `measured`). */
  pass: boolean | null;
}

/** Training figures of `f` at its default replica count. */
export function defaultTraining(f: Extract<BackendFigures, { available: true }>): number | undefined {
  return f.training.find((t) => t.replicas === f.defaultReplicas)?.imgPerSec;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** The checks, from every backend's figures and the PyTorch outcome of the same run. */
export function acceptanceChecks(figures: BackendFigures[], torch: TorchBaseline): Check[] {
  const native = figures.find((f) => f.backend === 'tensorflow');
  const names = ['native training img/s (default replicas)', 'native forward img/s', 'native training / PyTorch CPU training'];
  if (!native || !native.available) {
    const why = native ? `tensorflow not available: ${native.reason}` : 'tensorflow not measured';
    return names.map((check) => ({ check, measured: why, required: '', pass: null }));
  }
  const training = defaultTraining(native);
  const checks: Check[] = [
    training === undefined
      ? { check: names[0], measured: `${native.defaultReplicas} replica(s) not measured`, required: `≥ ${fmt(ACCEPTANCE.trainingImgPerSec)}`, pass: null }
      : { check: names[0], measured: `${fmt(training)} (${native.defaultReplicas} replica)`, required: `≥ ${fmt(ACCEPTANCE.trainingImgPerSec)}`, pass: training >= ACCEPTANCE.trainingImgPerSec },
    { check: names[1], measured: fmt(native.forward.imgPerSec), required: `≥ ${fmt(ACCEPTANCE.forwardImgPerSec)}`, pass: native.forward.imgPerSec >= ACCEPTANCE.forwardImgPerSec },
  ];
  if (torch.status !== 'measured' || training === undefined) {
    checks.push({ check: names[2], measured: torch.status === 'measured' ? 'native training not measured' : `PyTorch ${torch.status}: ${torch.reason}`, required: `≥ ${ACCEPTANCE.torchRatio}`, pass: null });
  } else {
    const ratio = training / torch.trainingImgPerSec;
    checks.push({ check: names[2], measured: `${ratio.toFixed(2)} (${fmt(training)} / ${fmt(torch.trainingImgPerSec)})`, required: `≥ ${ACCEPTANCE.torchRatio}`, pass: ratio >= ACCEPTANCE.torchRatio });
  }
  return checks;
}
