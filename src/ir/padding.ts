/**
 * TensorFlow padding geometry of one spatial axis, the one rule every shape inference, executor and lowering
 * uses. `same`: out = ceil(in / stride), total padding = max((out - 1) * stride + effectiveKernel - in, 0),
 * the smaller half before (top/left) and the extra cell after (bottom/right) — the split TFLite and
 * tfjs use. `valid`: out = floor((in - effectiveKernel) / stride) + 1, no padding. effectiveKernel =
 * (kernel - 1) * dilation + 1.
 */
import type { Padding } from './types.ts';

/** Output length and padding of one spatial axis. */
export interface AxisGeometry {
  out: number;
  /** Cells of padding before the first input cell (top or left). */
  padBefore: number;
  /** Cells of padding after the last input cell (bottom or right). */
  padAfter: number;
}

/** Kernel extent once dilated: (kernel - 1) * dilation + 1. */
export function effectiveKernel(kernel: number, dilation: number): number {
  return (kernel - 1) * dilation + 1;
}

/** One spatial axis under TF padding semantics (`valid` with an input shorter than the window gives out ≤ 0). */
export function axisGeometry(inLength: number, kernel: number, stride: number, dilation: number, padding: Padding): AxisGeometry {
  const effective = effectiveKernel(kernel, dilation);
  if (padding === 'valid') return { out: Math.floor((inLength - effective) / stride) + 1, padBefore: 0, padAfter: 0 };
  const out = Math.ceil(inLength / stride);
  const total = Math.max((out - 1) * stride + effective - inLength, 0);
  const padBefore = Math.floor(total / 2);
  return { out, padBefore, padAfter: total - padBefore };
}
