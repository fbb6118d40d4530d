/**
 * Batch-norm statistics and gradient kernels (any backend; plain loops over backend memory, float64
 * accumulators). Shapes: x, dy [N,H,W,C] seen as M = N·H·W rows of C channels.
 */
import { tf } from '../tf.ts';
import { runJsKernel } from './heap-access.ts';
import { RanasError } from '../../errors.ts';

export const CHANNEL_MOMENTS = 'RanasChannelMoments';
export const BN_GRAD_SUMS = 'RanasBatchNormGradSums';
export const BN_GRAD_INPUT = 'RanasBatchNormGradInput';
export const BN_APPLY = 'RanasBatchNormApply';
/**
 * Fused training batch-norm, for backends with one native op for it (tensorflow): inputs {x, gamma, beta},
 * attribute epsilon; outputs [y, mean, biased variance]. `batchNormTraining` uses it when registered.
 */
export const BN_TRAINING = 'RanasBatchNormTraining';
/**
 * Its gradient: inputs {dy, x, gamma, mean, variance} (the forward's statistics), attribute epsilon;
 * outputs [dx, dGamma, dBeta].
 */
export const BN_TRAINING_GRAD = 'RanasBatchNormTrainingGrad';

function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new RanasError('E_KERNEL_INPUT', `${kernel}: input ${name} is missing`);
  return t;
}

function channels(x: tf.TensorInfo): number {
  return x.shape[x.shape.length - 1];
}

/** Calls `f(k, width)` for channel blocks [k, k + width) of width 4 (the last one narrower). */
function forChannelBlocks(c: number, f: (k: number, width: number) => void): void {
  for (let k = 0; k < c; k += 4) f(k, Math.min(4, c - k));
}

function store(into: Float64Array, k: number, width: number, v0: number, v1: number, v2: number, v3: number): void {
  into[k] = v0;
  if (width > 1) into[k + 1] = v1;
  if (width > 2) into[k + 2] = v2;
  if (width > 3) into[k + 3] = v3;
}

/** [2, C]: per-channel mean and biased variance of x. */
const moments: tf.KernelFunc = ({ inputs, backend }) => {
  const x = input(inputs, 'x', CHANNEL_MOMENTS);
  const c = channels(x);
  return runJsKernel(backend, [x], [2, c], (out, [xv]) => {
    const rows = xv.length / c;
    const s = new Float64Array(c);
    const ss = new Float64Array(c);
    forChannelBlocks(c, (k, width) => {
      // Up to four channels per pass, summed in registers (typed-array accumulators are ~2× slower).
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
      for (let i = k; i < xv.length; i += c) {
        const v0 = xv[i];
        a0 += v0;
        q0 += v0 * v0;
        if (width > 1) { const v1 = xv[i + 1]; a1 += v1; q1 += v1 * v1; }
        if (width > 2) { const v2 = xv[i + 2]; a2 += v2; q2 += v2 * v2; }
        if (width > 3) { const v3 = xv[i + 3]; a3 += v3; q3 += v3 * v3; }
      }
      store(s, k, width, a0, a1, a2, a3);
      store(ss, k, width, q0, q1, q2, q3);
    });
    for (let k = 0; k < c; k++) {
      const m = s[k] / rows;
      out[k] = m;
      out[c + k] = Math.max(ss[k] / rows - m * m, 0);
    }
  });
};

/** [2, C]: Σ dy and Σ dy·(x − mean) per channel. */
const gradSums: tf.KernelFunc = ({ inputs, backend }) => {
  const dy = input(inputs, 'dy', BN_GRAD_SUMS);
  const x = input(inputs, 'x', BN_GRAD_SUMS);
  const mean = input(inputs, 'mean', BN_GRAD_SUMS);
  const c = channels(x);
  return runJsKernel(backend, [dy, x, mean], [2, c], (out, [dyv, xv, mv]) => {
    const s = new Float64Array(c);
    const sx = new Float64Array(c);
    forChannelBlocks(c, (k, width) => {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
      const m0 = mv[k], m1 = mv[k + 1], m2 = mv[k + 2], m3 = mv[k + 3];
      for (let i = k; i < xv.length; i += c) {
        const d0 = dyv[i];
        a0 += d0;
        p0 += d0 * (xv[i] - m0);
        if (width > 1) { const d1 = dyv[i + 1]; a1 += d1; p1 += d1 * (xv[i + 1] - m1); }
        if (width > 2) { const d2 = dyv[i + 2]; a2 += d2; p2 += d2 * (xv[i + 2] - m2); }
        if (width > 3) { const d3 = dyv[i + 3]; a3 += d3; p3 += d3 * (xv[i + 3] - m3); }
      }
      store(s, k, width, a0, a1, a2, a3);
      store(sx, k, width, p0, p1, p2, p3);
    });
    for (let k = 0; k < c; k++) {
      out[k] = s[k];
      out[c + k] = sx[k];
    }
  });
};

/** dx = gamma·rstd·(dy − dBeta/M − (x − mean)·rstd·dGamma/M). */
const gradInput: tf.KernelFunc = ({ inputs, backend }) => {
  const names = ['dy', 'x', 'mean', 'rstd', 'gamma', 'dBeta', 'dGamma'];
  const infos = names.map((n) => input(inputs, n, BN_GRAD_INPUT));
  const x = infos[1];
  const c = channels(x);
  return runJsKernel(backend, infos, x.shape, (out, [dyv, xv, mv, rv, gv, dbv, dgv]) => {
    const rows = xv.length / c;
    const a = new Float32Array(c);
    const b = new Float32Array(c);
    const k0 = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      // dx = a·dy + b·x + k0, per channel.
      a[k] = gv[k] * rv[k];
      b[k] = -a[k] * rv[k] * dgv[k] / rows;
      k0[k] = -a[k] * dbv[k] / rows - b[k] * mv[k];
    }
    for (let r = 0, i = 0; r < rows; r++) {
      for (let k = 0; k < c; k++, i++) out[i] = a[k] * dyv[i] + b[k] * xv[i] + k0[k];
    }
  });
};

/** y = gamma·(x − mean)·rstd + beta with rstd = 1/√(variance + epsilon), as y = a·x + b per channel. */
const apply: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const infos = ['x', 'mean', 'variance', 'gamma', 'beta'].map((n) => input(inputs, n, BN_APPLY));
  const epsilon = attrs?.epsilon;
  if (typeof epsilon !== 'number') throw new RanasError('E_KERNEL_ATTR', `${BN_APPLY}: epsilon is ${String(epsilon)}; expected a number`);
  const x = infos[0];
  const c = channels(x);
  return runJsKernel(backend, infos, x.shape, (out, [xv, mv, vv, gv, bv]) => {
    const a = new Float32Array(c);
    const b = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      a[k] = gv[k] / Math.sqrt(vv[k] + epsilon);
      b[k] = bv[k] - a[k] * mv[k];
    }
    for (let i = 0; i < xv.length; ) {
      for (let k = 0; k < c; k++, i++) out[i] = a[k] * xv[i] + b[k];
    }
  });
};

/** Kernel configs of the batch-norm kernels for `backendName`. */
export function batchNormKernelConfigs(backendName: string): tf.KernelConfig[] {
  return [
    { kernelName: CHANNEL_MOMENTS, backendName, kernelFunc: moments },
    { kernelName: BN_GRAD_SUMS, backendName, kernelFunc: gradSums },
    { kernelName: BN_GRAD_INPUT, backendName, kernelFunc: gradInput },
    { kernelName: BN_APPLY, backendName, kernelFunc: apply },
  ];
}
