/**
 * MSDNet for CIFAR (Huang et al., ICLR 2018) in the IR, following the public reference
 * kalviny/MSDNet-PyTorch `models/msdnet.py` (facts re-implemented, not its code):
 * - First layer: ConvBasic 3×3 stride 1 (image → nChannels·grFactor[0]), then ConvBasic 3×3 stride 2 per coarser
 *   scale (→ nChannels·grFactor[s]).
 * - Blocks: steps = [base, step, step, ...] ("even") or [base, step·i + 1] ("lin_grow"); nIn starts at nChannels
 *   and grows by growthRate per layer (dense connectivity: every layer concatenates its input with new
 *   features). A layer with outScales = inScales: finest kept scale = concat(x, ConvBN(x)) (growthRate·grFactor
 *   new channels), every coarser scale = concat(x_s, ConvBN_down(x_{s-1}), ConvBN(x_s)) (half the new
 *   channels each). When a layer drops its finest scale (inScales > outScales, "prune max": scales drop
 *   every ceil(L/nScales) layers) every kept scale uses the down+normal form and a transition follows:
 *   ConvBasic 1×1 per scale to floor(reduction·nIn)·grFactor channels. ConvBN = [conv1×1 → bn → relu to
 *   min(nIn, bnFactor·nOut)] → conv3×3 → bn → relu.
 * - A classifier after every block on the coarsest scale: ConvBasic 3×3 s2 (→128) → ConvBasic 3×3 s2
 *   (→128) → average pool → linear (`heads.ts` `msdnet`).
 * Scales are 0-based here; node names `l<layer>/s<scale 1-based>/...`.
 */
import { RanasError } from '../errors.ts';
import { withExitMacs } from '../ir/analysis.ts';
import { GraphBuilder } from '../ir/builder.ts';
import type { ModelGraph } from '../ir/types.ts';
import { convBnRelu, msdConv } from '../ops/grid-ops.ts';
import { HEADS } from '../ops/heads.ts';

/** MSDNet hyper-parameters (names as the reference's arguments). */
export interface MsdNetConfig {
  nBlocks: number;
  base: number;
  step: number;
  stepmode: 'even' | 'lin_grow';
  nChannels: number;
  growthRate: number;
  grFactor: number[];
  bnFactor: number[];
  bottleneck: boolean;
  reduction: number;
  prune: 'max' | 'min';
  numClasses: number;
  inputShape: [number, number, number];
  /** Hidden channels of the classifier convs (reference: 128). */
  headChannels: number;
  seed: number;
}

/**
 * MSDNet's CIFAR-10 anytime network: 10 classifiers on every other layer. Source: the authors' Torch code,
 * gaohuang/MSDNet README "Training recipe" (`-dataset cifar10 -batchSize 64 -nEpochs 300 -nBlocks 10
 * -stepmode even -step 2 -base 4`) with its `opts.lua` defaults (growthRate 6, bottleneck true, reduction 0.5,
 * prune max; grFactor/bnFactor '1-2-4-4' truncated to nScales = 3 on CIFAR) and `models/msdnet.lua`
 * (nChannels 16 on CIFAR); the same network is kalviny/MSDNet-PyTorch `run_anytime_cifar.sh` (`--nBlocks 10
 * --stepmode even --step 2 --base 4 --nChannels 16`, args.py defaults growthRate 6, grFactor/bnFactor 1-2-4).
 * 22 layers, exits after layers 4, 6, ..., 22. Checked: built here it has 4,839,544 parameters, exactly the
 * count of kalviny/MSDNet-PyTorch `models/msdnet.py` built with these arguments (PyTorch `numel` sum) and the
 * "# of params: 4839544" of the authors' own training log of this network (`check_msdnet/log.txt`, commit 0b0c543).
 */
export const MSDNET_CIFAR10: MsdNetConfig = {
  nBlocks: 10,
  base: 4,
  step: 2,
  stepmode: 'even',
  nChannels: 16,
  growthRate: 6,
  grFactor: [1, 2, 4],
  bnFactor: [1, 2, 4],
  bottleneck: true,
  reduction: 0.5,
  prune: 'max',
  numClasses: 10,
  inputShape: [32, 32, 3],
  headChannels: 128,
  seed: 0,
};

/**
 * The 7-classifier anytime network kalviny/MSDNet-PyTorch's README gives as its CIFAR-100 example
 * ("Train an MSDNet (block=7) on CIFAR-100 for anytime prediction": `--nBlocks 7 --stepmode even --step 2
 * --base 4 --nChannels 16`), 100 classes. 16 layers, exits after layers 4, 6, ..., 16; 3,067,960 parameters,
 * equal to that code's count. (gaohuang/MSDNet's own 7-block recipe is a different network: `-nBlocks 7
 * -stepmode lin_grow -step 1 -base 1`, for budgeted batch on CIFAR-10.)
 */
export const MSDNET_CIFAR100_7: MsdNetConfig = { ...MSDNET_CIFAR10, nBlocks: 7, numClasses: 100 };

/** Layers per block. */
export function msdnetSteps(c: MsdNetConfig): number[] {
  return Array.from({ length: c.nBlocks }, (_, i) => (i === 0 ? c.base : c.stepmode === 'even' ? c.step : c.step * i + 1));
}

/** [inScales, outScales] of 1-based layer `n` of `total` (reference `_build_block`). */
export function msdnetLayerScales(c: MsdNetConfig, n: number, total: number): [number, number] {
  const S = c.grFactor.length;
  if (c.prune === 'min') return [Math.min(S, total - n + 2), Math.min(S, total - n + 1)];
  const interval = Math.ceil(total / S);
  return [S - Math.floor(Math.max(0, n - 2) / interval), S - Math.floor((n - 1) / interval)];
}

/** Builds MSDNet; exits carry their cumulative MACs. */
export function buildMsdNet(c: MsdNetConfig, name = 'msdnet'): ModelGraph {
  const S = c.grFactor.length;
  if (c.bnFactor.length !== S) throw new RanasError('E_MODEL_CONFIG', `bnFactor has ${c.bnFactor.length} entries; expected ${S} (one per grFactor scale)`);
  const b = new GraphBuilder(name, c.seed);
  const image = b.input('image', c.inputShape);
  const bw = (s: number) => (c.bottleneck ? c.bnFactor[s] : null);
  // states[s]: current tensor of scale s (undefined once dropped).
  const states: string[] = [];
  for (let s = 0; s < S; s++) {
    states[s] = b.scoped(`l0/s${s + 1}`, { layer: 0, scale: s + 1 }, () =>
      convBnRelu.expand(b, s === 0 ? image : states[s - 1], { cOut: c.nChannels * c.grFactor[s], stride: s === 0 ? 1 : 2, kernel: 3 }),
    );
  }
  const steps = msdnetSteps(c);
  const total = steps.reduce((a, x) => a + x, 0);
  let nIn = c.nChannels;
  let n = 0;
  for (const blockSteps of steps) {
    for (let i = 0; i < blockSteps; i++) {
      n++;
      const [inScales, outScales] = msdnetLayerScales(c, n, total);
      const offset = S - outScales;
      const discard = inScales - outScales;
      const next: string[] = [];
      for (let sc = offset; sc < S; sc++) {
        const nOut = c.growthRate * c.grFactor[sc];
        next[sc] = b.scoped(`l${n}/s${sc + 1}`, { layer: n, scale: sc + 1 }, () => {
          if (sc === offset && discard === 0) {
            const normal = b.scoped('normal', {}, () => msdConv.expand(b, states[sc], { cOut: nOut, stride: 1, bottleneckWidth: bw(sc) }));
            return b.concat([states[sc], normal]);
          }
          const down = b.scoped('down', {}, () => msdConv.expand(b, states[sc - 1], { cOut: Math.floor(nOut / 2), stride: 2, bottleneckWidth: bw(sc - 1) }));
          const normal = b.scoped('normal', {}, () => msdConv.expand(b, states[sc], { cOut: Math.floor(nOut / 2), stride: 1, bottleneckWidth: bw(sc) }));
          return b.concat([states[sc], down, normal]);
        });
      }
      states.length = 0;
      next.forEach((t, sc) => (states[sc] = t));
      nIn += c.growthRate;
      const transition = c.reduction > 0 && (c.prune === 'max' ? inScales > outScales : n === Math.floor(total / 3) || n === Math.floor((2 * total) / 3));
      if (transition) {
        const nOutT = Math.floor(c.reduction * nIn);
        for (let sc = offset; sc < S; sc++) {
          states[sc] = b.scoped(`l${n}/s${sc + 1}/transition`, { layer: n, scale: sc + 1 }, () =>
            convBnRelu.expand(b, states[sc], { cOut: nOutT * c.grFactor[sc], stride: 1, kernel: 1 }),
          );
        }
        nIn = nOutT;
      }
    }
    b.scoped(`l${n}/exit`, { layer: n, exit: n }, () => {
      const logits = HEADS.msdnet.expand(b, states[S - 1], { numClasses: c.numClasses, channels: c.headChannels });
      b.exit(logits, n);
    });
  }
  return withExitMacs(b.build({ kind: 'msdnet', config: c, inputShape: c.inputShape, numClasses: c.numClasses }));
}
