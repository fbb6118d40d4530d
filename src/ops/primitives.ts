/**
 * The search space as data: the eight DARTS primitives (quark0/darts `PRIMITIVES` / `OPS`). Search (mixed op),
 * the final network, FLOP counting and reports all read this table; nothing parses meaning out of op names —
 * properties such as "parameter-free" are fields. Adding a primitive = adding one entry (and its name to
 * `PrimitiveName`); a missing entry fails to compile.
 *
 * Semantics (C → C, stride 1 or 2 as DARTS: stride 2 on the edges from the cell inputs of a reduction cell):
 * - none: zero. Kept for the search's softmax; never expanded (a mixed op leaves it out of its inputs).
 * - max_pool_3x3 / avg_pool_3x3: 3×3 pool, `same` padding (avg excludes padding, as DARTS's
 *   count_include_pad=False). Nothing follows in the final network; with `poolBn` (search mixed op only)
 *   a batch-norm follows, as DARTS's MixedOp adds `BatchNorm2d(C, affine=False)` after pools.
 * - skip_connect: identity at stride 1 (no node), factorized reduce at stride 2.
 * - sep_conv_3x3 / sep_conv_5x5, dil_conv_3x3 / dil_conv_5x5: see `darts-blocks.ts`.
 */
import { RanasError } from '../errors.ts';
import type { GraphBuilder } from '../ir/builder.ts';
import { dilConv, factorizedReduce, sepConv } from './darts-blocks.ts';
import { bnParams, type ExpandArgs, type OpShape, type OpSpec } from './op-spec.ts';

/** The DARTS primitives, in DARTS's order (the column order of alpha). */
export const PRIMITIVE_NAMES = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'] as const;

/** Name of a primitive. */
export type PrimitiveName = (typeof PRIMITIVE_NAMES)[number];

/** Expansion arguments of a primitive. */
export interface PrimitiveArgs extends ExpandArgs {
  /** Batch-norm after pools (search mixed op only; DARTS uses it with affine=false). Default false. */
  poolBn?: boolean;
}

/** One primitive: its cost and expansion plus the properties search and reports need. */
export interface PrimitiveSpec extends OpSpec<PrimitiveArgs> {
  /** True when the op has no trainable parameters at any stride (none, pools, skip at stride 1 — see `params`). */
  parameterFree: boolean;
  /** True for the zero op, which is never expanded and never chosen for a final genotype. */
  isZero: boolean;
}

function sameChannels(b: GraphBuilder, x: string, cOut: number, what: string): void {
  const c = b.channels(x);
  if (c !== cOut) throw new RanasError('E_OP_SHAPE', `${what} on ${x}: input has ${c} channels, cOut is ${cOut}; expected equal (the op does not change channels)`);
}

function pool(kind: 'max' | 'avg'): PrimitiveSpec {
  return {
    parameterFree: true,
    isZero: false,
    params: (s: OpShape & { poolBn?: boolean }) => (s.poolBn ? bnParams(s.cOut, s.affine) : 0),
    macs: () => 0,
    expand: (b, x, a) => {
      sameChannels(b, x, a.cOut, `${kind}_pool_3x3`);
      const p = kind === 'max' ? b.maxPool(x, 3, a.stride) : b.avgPool(x, 3, a.stride);
      return a.poolBn ? b.bn(p, { affine: a.affine }) : p;
    },
  };
}

function conv(block: OpSpec<ExpandArgs & { kernel: number }>, kernel: number): PrimitiveSpec {
  return {
    parameterFree: false,
    isZero: false,
    params: (s) => block.params({ ...s, kernel }),
    macs: (s) => block.macs({ ...s, kernel }),
    expand: (b, x, a) => block.expand(b, x, { ...a, kernel }),
  };
}

/** The op table. */
export const PRIMITIVES: Record<PrimitiveName, PrimitiveSpec> = {
  none: {
    parameterFree: true,
    isZero: true,
    params: () => 0,
    macs: () => 0,
    expand: (_b, x) => {
      throw new RanasError('E_OP_NONE', `primitive 'none' on ${x} cannot be expanded; expected the caller to leave zero edges out`);
    },
  },
  max_pool_3x3: pool('max'),
  avg_pool_3x3: pool('avg'),
  skip_connect: {
    parameterFree: true,
    isZero: false,
    params: (s) => (s.stride === 1 ? 0 : factorizedReduce.params(s)),
    macs: (s) => (s.stride === 1 ? 0 : factorizedReduce.macs(s)),
    expand: (b, x, a) => {
      if (a.stride === 2) return factorizedReduce.expand(b, x, a);
      sameChannels(b, x, a.cOut, 'skip_connect');
      return x;
    },
  },
  sep_conv_3x3: conv(sepConv, 3),
  sep_conv_5x5: conv(sepConv, 5),
  dil_conv_3x3: conv(dilConv, 3),
  dil_conv_5x5: conv(dilConv, 5),
};

/** True when `name` is a primitive of the table. */
export function isPrimitiveName(name: string): name is PrimitiveName {
  return (PRIMITIVE_NAMES as readonly string[]).includes(name);
}

/** Expands primitive `name` in `b` under a scope named after it (tags record the primitive). */
export function expandPrimitive(b: GraphBuilder, name: PrimitiveName, input: string, args: PrimitiveArgs, scope: string = name): string {
  return b.scoped(scope, { primitive: name }, () => PRIMITIVES[name].expand(b, input, args));
}
