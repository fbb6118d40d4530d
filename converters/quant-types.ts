/**
 * Quantisation annotations over the IR, shared by the quantiser, the integer reference and the writers.
 * Scheme (TFLite's int8): activations per-tensor asymmetric int8, real = scale * (q - zeroPoint);
 * conv/depthwise weights per-channel symmetric int8 in [-127, 127] with zero point 0 (axis = output
 * channel: 3 for conv filters [kh,kw,cin,cout], 3 for depthwise [kh,kw,c,1] as per channel c, 1 for dense
 * kernels [cin,cout]); biases int32 with scale = s_in * s_w[channel] and zero point 0.
 */
import type { ModelGraph } from '../src/ir/types.ts';

/** Per-tensor affine quantisation of an activation. */
export interface TensorQuant {
  scale: number;
  /** In [-128, 127]. */
  zeroPoint: number;
}

/** A quantised weight (or bias): integer values in the weight's IR shape, and one scale per channel. */
export interface QuantizedWeight {
  values: Int8Array | Int32Array;
  /** One scale per channel along `axis` (length 1 for per-tensor). Zero point is always 0. */
  scales: Float32Array;
  axis: number;
}

/**
 * A graph ready for int8 export: batch-norm folded, ReLU fused, every tensor (graph inputs and node
 * outputs) carrying its quantisation, every weight quantised. `graph` keeps the float weights too, so the
 * same object feeds fp32 and QDQ writers.
 */
export interface QuantizedGraph {
  graph: ModelGraph;
  activations: Record<string, TensorQuant>;
  weights: Record<string, QuantizedWeight>;
}

/** A piece of the graph between two exits (see DESIGN "Anytime halting needs segments"). */
export interface Segment {
  /** 0-based; segment k ends in exit k. */
  index: number;
  /** Names of the nodes it computes, in topological order. */
  nodes: string[];
  /** Tensors it reads that are computed before it (the graph input for segment 0), in a fixed order. */
  inputs: string[];
  /** Tensors it hands on (live across the next cut) followed by its exit's logits, in a fixed order. */
  outputs: string[];
  /** Name of this segment's exit logits tensor (also the last of `outputs`). */
  exitTensor: string;
}
