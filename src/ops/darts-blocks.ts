/**
 * The DARTS building blocks (quark0/darts `cnn/operations.py` semantics), each an `OpSpec`:
 * - `reluConvBn`: relu → conv k×k (stride) → bn (ReLUConvBN; 1×1 is the cell preprocessing).
 * - `sepConv`: relu → dw k×k (stride) → pw cIn→cIn → bn → relu → dw k×k → pw cIn→cOut → bn.
 * - `dilConv`: relu → dw k×k dilation 2 (stride) → pw cIn→cOut → bn.
 * - `factorizedReduce`: relu → concat(conv1×1 s2 (cIn→cOut/2) of x, conv1×1 (cIn→cOut/2) of shift(x)) → bn, where
 *   shift(x)[i, j] = x[2i+1, 2j+1] (DARTS: `conv_2(x[:, :, 1:, 1:])` with stride 2). The IR has no slice op, so
 *   the shift is a frozen one-hot 2×2 stride-2 depthwise conv (`GraphBuilder.shift`, 0 MACs) and the second 1×1
 *   conv runs at stride 1 on its output — the same arithmetic as DARTS. Needs even H, W and cOut.
 * Padding is TF `same` (DARTS pads symmetrically; output sizes agree, the alignment of strided windows differs
 * by one pixel, which does not matter for networks trained from scratch).
 */
import { RanasError } from '../errors.ts';
import type { GraphBuilder } from '../ir/builder.ts';
import { bnParams, outPixels, type ExpandArgs, type OpSpec } from './op-spec.ts';

/** Kernel size argument of the conv blocks. */
export interface KernelArgs extends ExpandArgs {
  kernel: number;
}

/** relu → conv k×k → bn. */
export const reluConvBn: OpSpec<KernelArgs> = {
  params: (s) => s.kernel * s.kernel * s.cIn * s.cOut + bnParams(s.cOut, s.affine),
  macs: (s) => s.kernel * s.kernel * s.cIn * s.cOut * outPixels(s),
  expand: (b, x, a) => {
    const r = b.relu(x);
    const c = b.conv(r, a.cOut, { kernel: a.kernel, stride: a.stride });
    return b.bn(c, { affine: a.affine });
  },
};

/** DARTS SepConv: the dw-pw-bn unit applied twice (stride on the first depthwise only). */
export const sepConv: OpSpec<KernelArgs> = {
  params: (s) => {
    const k2 = s.kernel * s.kernel;
    return k2 * s.cIn + s.cIn * s.cIn + bnParams(s.cIn, s.affine) + k2 * s.cIn + s.cIn * s.cOut + bnParams(s.cOut, s.affine);
  },
  macs: (s) => {
    const k2 = s.kernel * s.kernel;
    return outPixels(s) * (k2 * s.cIn + s.cIn * s.cIn + k2 * s.cIn + s.cIn * s.cOut);
  },
  expand: (b, x, a) => {
    const cIn = b.channels(x);
    let t = b.relu(x);
    t = b.depthwise(t, { kernel: a.kernel, stride: a.stride, name: 'dw1' });
    t = b.conv(t, cIn, { kernel: 1, name: 'pw1' });
    t = b.bn(t, { affine: a.affine });
    t = b.relu(t);
    t = b.depthwise(t, { kernel: a.kernel, name: 'dw2' });
    t = b.conv(t, a.cOut, { kernel: 1, name: 'pw2' });
    return b.bn(t, { affine: a.affine });
  },
};

/**
 * DARTS DilConv with dilation 2. At stride > 1 the dilated depthwise conv runs at stride 1 and a 1×1 `valid`
 * max-pool with the stride subsamples it (rows/cols 0, s, 2s, …). That is exactly PyTorch DARTS's strided
 * DilConv (symmetric padding d·(k−1)/2: output i reads around input s·i), whereas TF/TFLite have no agreed
 * meaning for dilation with stride (TF refuses it; TFLite 'same' would read one pixel later on even sizes).
 * So every consumer (engine, TFLite, ONNX) sees only stride-1 dilations. MACs count the depthwise conv at
 * the full input resolution, as computed.
 */
export const dilConv: OpSpec<KernelArgs> = {
  params: (s) => s.kernel * s.kernel * s.cIn + s.cIn * s.cOut + bnParams(s.cOut, s.affine),
  macs: (s) => outPixels({ ...s, stride: 1 }) * s.kernel * s.kernel * s.cIn + outPixels(s) * s.cIn * s.cOut,
  expand: (b, x, a) => {
    let t = b.relu(x);
    t = b.depthwise(t, { kernel: a.kernel, stride: 1, dilation: 2, name: 'dw' });
    if (a.stride > 1) t = b.maxPool(t, 1, a.stride, 'valid', 'subsample');
    t = b.conv(t, a.cOut, { kernel: 1, name: 'pw' });
    return b.bn(t, { affine: a.affine });
  },
};

function checkFactorizedReduce(b: GraphBuilder, x: string, cOut: number): void {
  const [h, w] = b.shape(x);
  if (h % 2 !== 0 || w % 2 !== 0 || cOut % 2 !== 0) {
    throw new RanasError('E_OP_SHAPE', `factorized reduce of ${x}: input ${h}x${w}, cOut ${cOut}; expected even H, W and cOut`);
  }
}

/** DARTS FactorizedReduce (always stride 2; `stride` is ignored). */
export const factorizedReduce: OpSpec = {
  params: (s) => 2 * s.cIn * (s.cOut / 2) + bnParams(s.cOut, s.affine),
  macs: (s) => 2 * s.cIn * (s.cOut / 2) * outPixels({ h: s.h, w: s.w, stride: 2 }),
  expand: (b, x, a) => {
    checkFactorizedReduce(b, x, a.cOut);
    const r = b.relu(x);
    const even = b.conv(r, a.cOut / 2, { kernel: 1, stride: 2, name: 'conv1' });
    const odd = b.conv(b.shift(r), a.cOut / 2, { kernel: 1, name: 'conv2' });
    return b.bn(b.concat([even, odd]), { affine: a.affine });
  },
};
