/**
 * The multi-scale grid's pieces (MSDNet semantics, kalviny/MSDNet-PyTorch `models/msdnet.py`), as op-table
 * entries with the same shape as the primitives:
 * - `convBnRelu` (MSDNet ConvBasic): conv k×k (stride, `same`) → bn → relu. The vertical layer uses it:
 *   3×3 stride 1 from the image for scale 1, 3×3 stride 2 from the scale above for each coarser scale.
 * - `msdConv` (MSDNet ConvBN): optional bottleneck conv1×1 cIn→min(cIn, bottleneckWidth·cOut) → bn → relu, then
 *   conv3×3 (stride) → bn → relu. `horizontal` = stride 1, `diagonal` = stride 2.
 * - `preprocess` (DARTS ReLUConvBN 1×1) and `factorizedReduce` (across a resolution change): in darts-blocks.ts.
 * - classifier heads, in `heads.ts`.
 */
import { bnParams, outPixels, type ExpandArgs, type OpSpec } from './op-spec.ts';
import { factorizedReduce, reluConvBn } from './darts-blocks.ts';

/** Arguments of `convBnRelu`. */
export interface ConvBnReluArgs extends ExpandArgs {
  kernel: number;
}

/** MSDNet ConvBasic: conv → bn → relu. */
export const convBnRelu: OpSpec<ConvBnReluArgs> = {
  params: (s) => s.kernel * s.kernel * s.cIn * s.cOut + bnParams(s.cOut, s.affine),
  macs: (s) => s.kernel * s.kernel * s.cIn * s.cOut * outPixels(s),
  expand: (b, x, a) => b.relu(b.bn(b.conv(x, a.cOut, { kernel: a.kernel, stride: a.stride }), { affine: a.affine })),
};

/** Arguments of `msdConv`. */
export interface MsdConvArgs extends ExpandArgs {
  /** MSDNet bnWidth (bottleneck width factor) or null for no bottleneck. */
  bottleneckWidth: number | null;
}

/** Inner (bottleneck) channels of an MSDNet ConvBN. */
export function bottleneckChannels(cIn: number, cOut: number, width: number | null): number {
  return width === null ? cIn : Math.min(cIn, width * cOut);
}

/** MSDNet ConvBN: [conv1×1 → bn → relu] → conv3×3 (stride) → bn → relu. */
export const msdConv: OpSpec<MsdConvArgs> = {
  params: (s) => {
    const inner = bottleneckChannels(s.cIn, s.cOut, s.bottleneckWidth);
    const bottleneck = s.bottleneckWidth === null ? 0 : s.cIn * inner + bnParams(inner, s.affine);
    return bottleneck + 9 * inner * s.cOut + bnParams(s.cOut, s.affine);
  },
  macs: (s) => {
    const inner = bottleneckChannels(s.cIn, s.cOut, s.bottleneckWidth);
    const bottleneck = s.bottleneckWidth === null ? 0 : s.cIn * inner * s.h * s.w;
    return bottleneck + 9 * inner * s.cOut * outPixels(s);
  },
  expand: (b, x, a) => {
    let t = x;
    if (a.bottleneckWidth !== null) {
      const inner = bottleneckChannels(b.channels(x), a.cOut, a.bottleneckWidth);
      t = b.relu(b.bn(b.conv(t, inner, { kernel: 1, name: 'bottleneck' }), { affine: a.affine }));
    }
    return b.relu(b.bn(b.conv(t, a.cOut, { kernel: 3, stride: a.stride }), { affine: a.affine }));
  },
};

/** Grid piece → its op spec (arguments differ per piece; see each entry). */
export const GRID_PIECES = {
  /** Vertical layer conv (3×3 ConvBasic; stride 1 from the image, 2 between scales). */
  vertical: convBnRelu,
  /** Same-scale conv of the previous state (MSDNet ConvBN, stride 1). */
  horizontal: msdConv,
  /** Finer-to-coarser conv of the previous state (MSDNet ConvBN, stride 2). */
  diagonal: msdConv,
  /** Cell input preprocessing at equal resolution: relu → conv1×1 → bn (`kernel: 1`). */
  preprocess: reluConvBn,
  /** Cell input preprocessing across a halving of resolution. */
  factorizedReduce,
};

/** Names of the grid pieces. */
export type GridPieceName = keyof typeof GRID_PIECES;
