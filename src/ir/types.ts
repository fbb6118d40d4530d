/**
 * The one network IR. The model builder emits it, the tfjs engine executes it (training and inference),
 * FLOP counting reads it, and every converter lowers it. Tensors are NHWC; shapes in the IR leave out the
 * batch dimension ([H, W, C] for feature maps, [C] for vectors). Every node has exactly one output tensor,
 * named after the node. Weights are named float32 arrays referenced by name from the nodes that use them.
 *
 * On disk: `model.json` (this `ModelGraph` minus weight data, plus a weight index) + `weights.bin`
 * (little-endian float32, concatenated in index order). See `serialize.ts`.
 */

/** Padding with TensorFlow semantics: `same` pads so out = ceil(in / stride), extra on the bottom/right. */
export type Padding = 'same' | 'valid';

/** Activation fused into a producer (conv, depthwise, dense, add) once converters fuse ReLU. */
export type FusedActivation = 'none' | 'relu';

/** Attributes of each op type. A missing op in any `Record<OpType, ...>` table fails to compile. */
export interface OpAttrs {
  /** 2-D convolution. Weights: `filter` [kh, kw, cin, cout], optional `bias` [cout]. */
  conv2d: {
    kernel: [number, number];
    strides: [number, number];
    dilation: [number, number];
    padding: Padding;
    filters: number;
    activation: FusedActivation;
  };
  /** Depthwise convolution (channel multiplier 1). Weights: `filter` [kh, kw, c, 1], optional `bias` [c]. */
  depthwiseConv2d: {
    kernel: [number, number];
    strides: [number, number];
    dilation: [number, number];
    padding: Padding;
    activation: FusedActivation;
  };
  /**
   * Batch normalisation over the channel axis. Weights: `gamma`, `beta` (trainable when `affine`),
   * `movingMean`, `movingVariance` (running statistics, updated in training with `momentum`:
   * running = momentum * running + (1 - momentum) * batch).
   */
  batchNorm: { epsilon: number; momentum: number; affine: boolean };
  relu: Record<string, never>;
  /**
   * Element-wise sum of all inputs (same shape). `dropPath` (cell sums only; one flag per input) marks the
   * inputs drop-path may zero per sample in training (cell edges that are not identity, as in DARTS);
   * inference and every exported model ignore it.
   */
  add: { activation: FusedActivation; dropPath?: boolean[] };
  /** Concatenation along the channel axis. */
  concat: Record<string, never>;
  maxPool: { kernel: [number, number]; strides: [number, number]; padding: Padding };
  /** Average pooling; with `same` padding the padded cells are not counted (TF and DARTS agree). */
  avgPool: { kernel: [number, number]; strides: [number, number]; padding: Padding };
  /** Mean over H and W: [H, W, C] → [C]. */
  globalAvgPool: Record<string, never>;
  /** Fully connected. Weights: `kernel` [cin, cout], optional `bias` [cout]. */
  dense: { units: number; activation: FusedActivation };
  /**
   * Search only (never exported): sum_k softmax(alpha[row])_k * input_k, where `alpha` names an
   * architecture parameter of shape [rows, K] and `primitives` the op of each input (K = inputs.length,
   * `none` inputs left out of `inputs` but kept in `primitives` so softmax is over all K primitives).
   */
  mixedOp: { alpha: string; row: number; primitives: string[] };
}

/** Every op type of the IR. */
export type OpType = keyof OpAttrs;

/** Role of each weight of an op type (the keys of `IrNode.weights`). */
export interface OpWeights {
  conv2d: 'filter' | 'bias';
  depthwiseConv2d: 'filter' | 'bias';
  batchNorm: 'gamma' | 'beta' | 'movingMean' | 'movingVariance';
  relu: never;
  add: never;
  concat: never;
  maxPool: never;
  avgPool: never;
  globalAvgPool: never;
  dense: 'kernel' | 'bias';
  mixedOp: never;
}

/** One node of a given op type. */
export interface IrNodeOf<T extends OpType> {
  /** Unique name; also the name of the node's single output tensor. */
  name: string;
  op: T;
  /** Names of input tensors (graph inputs or other nodes' names), in order. */
  inputs: string[];
  attrs: OpAttrs[T];
  /** Weight role → weight name in `ModelGraph.weights`. */
  weights: Partial<Record<OpWeights[T], string>>;
  /**
   * Optional provenance for reports and errors: which layer / scale / cell / op table entry built it,
   * e.g. `{ layer: 3, scale: 2, primitive: 'sep_conv_3x3' }`.
   */
  tags?: Record<string, string | number>;
}

/** Any IR node (a discriminated union on `op`). */
export type IrNode = { [T in OpType]: IrNodeOf<T> }[OpType];

/** A graph input. */
export interface GraphInput {
  name: string;
  /** Shape without batch, NHWC: [H, W, C]. */
  shape: number[];
}

/** An early-exit classifier output. */
export interface ExitSpec {
  /** 0-based exit index in order of increasing cost. */
  index: number;
  /** Name of the tensor holding this exit's logits ([numClasses]). */
  tensor: string;
  /** Grid layer (1-based) the classifier reads from. */
  layer: number;
  /**
   * Multiply-accumulates (per image) of answering at this exit: the trunk up to it plus every head up to it,
   * i.e. the sum over anytime segments 0..index (`analysis.ts` `anytimeMacs`).
   */
  cumulativeMacs: number;
}

/** Dense weight data, float32, row-major in the declared shape. */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
  /** False for running statistics (batch-norm moving mean/variance) and other buffers. */
  trainable: boolean;
}

/** A whole network. */
export interface ModelGraph {
  /** Format version of the serialized IR. */
  formatVersion: 1;
  name: string;
  inputs: GraphInput[];
  /** Nodes in a topological order (every input defined before use). */
  nodes: IrNode[];
  exits: ExitSpec[];
  weights: Record<string, WeightTensor>;
  /** Free-form metadata: genotype, preset, config, dataset, class names, normalisation. */
  meta: Record<string, unknown>;
}
