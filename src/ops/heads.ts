/**
 * Classifier heads (exits), as op-table entries keyed by kind:
 * - `msdnet`: MSDNet's CIFAR classifier — ConvBasic 3×3 stride 2 (cIn→channels) → ConvBasic 3×3 stride 2
 *   (channels→channels) → average pool → linear (with bias). MSDNet pools with AvgPool2d(2) on the 2×2 map left
 *   from an 8×8 input; we use a global average pool, which is the same there and also works for other sizes.
 * - `linear`: global average pool → linear (DARTS's classifier; `channels` unused).
 * MACs count the convs and the linear weights (see `src/ir/analysis.ts`).
 */
import type { GraphBuilder } from '../ir/builder.ts';
import { convBnRelu } from './grid-ops.ts';
import { outLength } from './op-spec.ts';

/** Kinds of classifier head. */
export type HeadKind = 'msdnet' | 'linear';

/** Head configuration. */
export interface HeadConfig {
  kind: HeadKind;
  /** Hidden channels of the `msdnet` head (MSDNet uses 128). */
  channels: number;
}

/** Shapes a head's cost depends on. */
export interface HeadShape {
  cIn: number;
  h: number;
  w: number;
  numClasses: number;
  channels: number;
}

/** One head kind. */
export interface HeadSpec {
  params(s: HeadShape): number;
  macs(s: HeadShape): number;
  /** Emits the head reading `input`; returns the logits tensor ([numClasses]). */
  expand(b: GraphBuilder, input: string, a: { numClasses: number; channels: number }): string;
}

/** The head table. */
export const HEADS: Record<HeadKind, HeadSpec> = {
  msdnet: {
    params: (s) =>
      convBnRelu.params({ cIn: s.cIn, cOut: s.channels, h: s.h, w: s.w, stride: 2, kernel: 3 }) +
      convBnRelu.params({ cIn: s.channels, cOut: s.channels, h: 1, w: 1, stride: 2, kernel: 3 }) +
      s.channels * s.numClasses + s.numClasses,
    macs: (s) => {
      const h1 = outLength(s.h, 2);
      const w1 = outLength(s.w, 2);
      return (
        convBnRelu.macs({ cIn: s.cIn, cOut: s.channels, h: s.h, w: s.w, stride: 2, kernel: 3 }) +
        convBnRelu.macs({ cIn: s.channels, cOut: s.channels, h: h1, w: w1, stride: 2, kernel: 3 }) +
        s.channels * s.numClasses
      );
    },
    expand: (b, x, a) => {
      let t = convBnRelu.expand(b, x, { cOut: a.channels, stride: 2, kernel: 3 });
      t = convBnRelu.expand(b, t, { cOut: a.channels, stride: 2, kernel: 3 });
      return b.dense(b.globalAvgPool(t), a.numClasses, 'logits');
    },
  },
  linear: {
    params: (s) => s.cIn * s.numClasses + s.numClasses,
    macs: (s) => s.cIn * s.numClasses,
    expand: (b, x, a) => b.dense(b.globalAvgPool(x), a.numClasses, 'logits'),
  },
};
