/**
 * The shape of an op-table entry: parameters and MACs as pure functions of the shapes, and the expansion into
 * IR nodes. MACs follow `src/ir/analysis.ts` (conv / depthwise / dense multiply-accumulates only; pools,
 * batch-norm, ReLU, add, concat and the frozen factorized-reduce shift count 0), so an entry's `macs` equals
 * the analysed MACs of the nodes its `expand` emits — a test checks every entry that way.
 */
import type { GraphBuilder } from '../ir/builder.ts';

/** Stride of an op: 1 keeps the resolution, 2 halves it (`same` padding: out = ceil(in / 2)). */
export type Stride = 1 | 2;

/** Shapes an op's cost depends on: input channels, output channels, input height and width, stride. */
export interface OpShape {
  cIn: number;
  cOut: number;
  h: number;
  w: number;
  stride: Stride;
  /** Batch-norms with learnable gamma/beta (default true; DARTS search uses false). */
  affine?: boolean;
}

/** Arguments of an expansion; input channels, height and width come from the input tensor. */
export interface ExpandArgs {
  cOut: number;
  stride: Stride;
  /** Default true. */
  affine?: boolean;
}

/** One op-table entry. */
export interface OpSpec<A extends ExpandArgs = ExpandArgs> {
  /** Trainable parameters (batch-norm gamma/beta included when affine). */
  params(s: OpShape & Omit<A, keyof ExpandArgs>): number;
  /** Multiply-accumulates per image. */
  macs(s: OpShape & Omit<A, keyof ExpandArgs>): number;
  /** Emits the op's nodes reading `input`; returns the output tensor name. */
  expand(b: GraphBuilder, input: string, args: A): string;
}

/** Output length under `same` padding. */
export function outLength(inLength: number, stride: number): number {
  return Math.ceil(inLength / stride);
}

/** Output pixels (hout · wout) of a strided `same` op. */
export function outPixels(s: { h: number; w: number; stride: number }): number {
  return outLength(s.h, s.stride) * outLength(s.w, s.stride);
}

/** Trainable parameters of a batch-norm over `c` channels. */
export function bnParams(c: number, affine = true): number {
  return affine ? 2 * c : 0;
}
