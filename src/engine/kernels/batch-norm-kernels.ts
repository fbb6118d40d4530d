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

function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new RanasError('E_KERNEL_INPUT', `${kernel}: input ${name} is missing`);
  return t;
}

function channels(x: tf.TensorInfo): number {
  return x.shape[x.shape.length - 1];
}

/** [2, C]: per-channel mean and biased variance of x. */
const moments: tf.KernelFunc = ({ inputs, backend }) => {
  const x = input(inputs, 'x', CHANNEL_MOMENTS);
  const c = channels(x);
  return runJsKernel(backend, [x], [2, c], (out, [xv]) => {
    const rows = xv.length / c;
    const s = new Float64Array(c);
    const ss = new Float64Array(c);
    for (let r = 0, i = 0; r < rows; r++) {
      for (let k = 0; k < c; k++, i++) {
        const v = xv[i];
        s[k] += v;
        ss[k] += v * v;
      }
    }
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
    const rows = xv.length / c;
    const s = new Float64Array(c);
    const sx = new Float64Array(c);
    for (let r = 0, i = 0; r < rows; r++) {
      for (let k = 0; k < c; k++, i++) {
        const d = dyv[i];
        s[k] += d;
        sx[k] += d * (xv[i] - mv[k]);
      }
    }
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

/** Kernel configs of the batch-norm kernels for `backendName`. */
export function batchNormKernelConfigs(backendName: string): tf.KernelConfig[] {
  return [
    { kernelName: CHANNEL_MOMENTS, backendName, kernelFunc: moments },
    { kernelName: BN_GRAD_SUMS, backendName, kernelFunc: gradSums },
    { kernelName: BN_GRAD_INPUT, backendName, kernelFunc: gradInput },
  ];
}
