/**
 * GraphBuilder: the one way model builders emit IR. Each method adds one node (and its weights, initialised
 * deterministically from the builder seed and the weight's name), infers the output shape at once (a bad
 * shape fails where it is built, naming the node) and returns the output tensor name.
 *
 * Initialisation (as MSDNet's `_init_weights`): conv filters He-normal over fan-out, std = sqrt(2 / (kh·kw·cout));
 * depthwise filters std = sqrt(2 / (kh·kw)); dense kernels uniform ±1/sqrt(cin) (PyTorch's default), biases 0;
 * batch-norm gamma 1, beta 0, running mean 0, running variance 1. Every weight draws from its own stream,
 * `Rng(mixSeed(seed, fnv1a(name)))`, so adding a node never changes the initial values of the others.
 *
 * Names: `scoped('l3/s2', tags, fn)` prefixes every node built inside `fn` and adds `tags` to it; a
 * repeated name gets a `_1`, `_2`, ... suffix. Weights are named `<node>/<role>`.
 */
import { RanasError } from '../errors.ts';
import { Rng, mixSeed } from '../rng.ts';
import { ShapeRuleError, inferNodeShape } from './infer-shape.ts';
import type { ExitSpec, FusedActivation, IrNode, ModelGraph, OpAttrs, Padding, WeightTensor } from './types.ts';
import { shapeSize } from './validate.ts';

/** Batch-norm defaults: PyTorch's eps 1e-5 and momentum 0.1 (IR momentum = 1 − PyTorch momentum). */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.9;

/** Options of `conv` and `depthwise`. */
export interface ConvOptions {
  kernel: number;
  stride?: number;
  dilation?: number;
  padding?: Padding;
  bias?: boolean;
  activation?: FusedActivation;
  name?: string;
}

/** 32-bit FNV-1a hash of a string (weight-name → init stream id). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Builds one `ModelGraph`. */
export class GraphBuilder {
  private readonly nodes: IrNode[] = [];
  private readonly weights: Record<string, WeightTensor> = {};
  private readonly shapes = new Map<string, number[]>();
  private readonly exits: ExitSpec[] = [];
  private readonly inputs: { name: string; shape: number[] }[] = [];
  private readonly scopes: string[] = [];
  private readonly tagStack: Record<string, string | number>[] = [];

  constructor(
    readonly name: string,
    readonly seed: number,
  ) {}

  /** Declares a graph input [H, W, C]. */
  input(name: string, shape: number[]): string {
    if (this.shapes.has(name)) throw new RanasError('E_IR_BUILD', `tensor ${name} already exists; expected a new input name`);
    this.inputs.push({ name, shape: [...shape] });
    this.shapes.set(name, [...shape]);
    return name;
  }

  /** Shape of a tensor built so far. */
  shape(tensor: string): number[] {
    const s = this.shapes.get(tensor);
    if (!s) throw new RanasError('E_IR_BUILD', `unknown tensor ${tensor}; expected a graph input or a node built earlier`);
    return [...s];
  }

  /** Channels (last dimension) of a tensor. */
  channels(tensor: string): number {
    const s = this.shape(tensor);
    return s[s.length - 1];
  }

  /** Runs `fn` with node names prefixed by `scope` and `tags` added to every node. */
  scoped<T>(scope: string, tags: Record<string, string | number>, fn: () => T): T {
    this.scopes.push(scope);
    this.tagStack.push(tags);
    try {
      return fn();
    } finally {
      this.scopes.pop();
      this.tagStack.pop();
    }
  }

  /** Runs `fn` with `tags` added to every node it builds, names unchanged (a `scoped` without a scope). */
  tagged<T>(tags: Record<string, string | number>, fn: () => T): T {
    this.tagStack.push(tags);
    try {
      return fn();
    } finally {
      this.tagStack.pop();
    }
  }

  private uniqueName(local: string): string {
    const base = [...this.scopes, local].join('/');
    if (!this.shapes.has(base)) return base;
    for (let i = 1; ; i++) if (!this.shapes.has(`${base}_${i}`)) return `${base}_${i}`;
  }

  private tags(): Record<string, string | number> | undefined {
    if (this.tagStack.length === 0) return undefined;
    return Object.assign({}, ...this.tagStack);
  }

  /** True when a weight called `name` exists. */
  hasWeight(name: string): boolean {
    return name in this.weights;
  }

  /** Adds a named weight (e.g. architecture parameters) and returns its name. */
  addWeight(name: string, shape: number[], data: Float32Array, trainable: boolean): string {
    if (name in this.weights) throw new RanasError('E_IR_BUILD', `weight ${name} already exists`);
    if (data.length !== shapeSize(shape)) throw new RanasError('E_IR_BUILD', `weight ${name}: ${data.length} values for shape [${shape.join(', ')}]; expected ${shapeSize(shape)}`);
    this.weights[name] = { shape: [...shape], data, trainable };
    return name;
  }

  private normalWeight(name: string, shape: number[], std: number): string {
    const rng = new Rng(mixSeed(this.seed, fnv1a(name)));
    const data = new Float32Array(shapeSize(shape));
    for (let i = 0; i < data.length; i++) data[i] = rng.normal(0, std);
    return this.addWeight(name, shape, data, true);
  }

  private constWeight(name: string, shape: number[], value: number, trainable: boolean): string {
    return this.addWeight(name, shape, new Float32Array(shapeSize(shape)).fill(value), trainable);
  }

  /** Adds `node` (shape-checked) and returns its output tensor name. */
  private push(node: IrNode): string {
    const inputs = node.inputs.map((t) => this.shape(t));
    try {
      this.shapes.set(node.name, inferNodeShape(node, inputs));
    } catch (e) {
      if (e instanceof ShapeRuleError) throw new RanasError('E_IR_BUILD', `node ${node.name} (${node.op}): ${e.message}`, { node: node.name });
      throw e;
    }
    const tags = this.tags();
    this.nodes.push(tags ? { ...node, tags } : node);
    return node.name;
  }

  /** 2-D convolution, no bias by default (a batch-norm follows). */
  conv(input: string, filters: number, o: ConvOptions): string {
    const name = this.uniqueName(o.name ?? 'conv');
    const cin = this.channels(input);
    const k = o.kernel;
    const weights: { filter: string; bias?: string } = { filter: this.normalWeight(`${name}/filter`, [k, k, cin, filters], Math.sqrt(2 / (k * k * filters))) };
    if (o.bias) weights.bias = this.constWeight(`${name}/bias`, [filters], 0, true);
    const s = o.stride ?? 1;
    const d = o.dilation ?? 1;
    return this.push({
      name,
      op: 'conv2d',
      inputs: [input],
      attrs: { kernel: [k, k], strides: [s, s], dilation: [d, d], padding: o.padding ?? 'same', filters, activation: o.activation ?? 'none' },
      weights,
    });
  }

  /** Depthwise convolution (multiplier 1), no bias by default. */
  depthwise(input: string, o: ConvOptions): string {
    const name = this.uniqueName(o.name ?? 'dw');
    const c = this.channels(input);
    const k = o.kernel;
    const weights: { filter: string; bias?: string } = { filter: this.normalWeight(`${name}/filter`, [k, k, c, 1], Math.sqrt(2 / (k * k))) };
    if (o.bias) weights.bias = this.constWeight(`${name}/bias`, [c], 0, true);
    const s = o.stride ?? 1;
    const d = o.dilation ?? 1;
    return this.push({
      name,
      op: 'depthwiseConv2d',
      inputs: [input],
      attrs: { kernel: [k, k], strides: [s, s], dilation: [d, d], padding: o.padding ?? 'same', activation: o.activation ?? 'none' },
      weights,
    });
  }

  /**
   * The factorized-reduce shift: out[i, j, c] = x[2i + 1, 2j + 1, c] (DARTS's `x[:, :, 1:, 1:]` then stride 2),
   * as a 2×2 stride-2 `valid` depthwise conv whose filter is frozen (not trainable) to 1 at the bottom-right
   * tap and 0 elsewhere. Needs even H and W. Counts 0 MACs (see analysis.ts).
   */
  shift(input: string, name = 'shift'): string {
    const [h, w, c] = this.shape(input);
    if (h % 2 !== 0 || w % 2 !== 0) throw new RanasError('E_IR_BUILD', `shift of ${input}: input is ${h}x${w}; expected even H and W`);
    const node = this.uniqueName(name);
    const data = new Float32Array(4 * c);
    for (let ch = 0; ch < c; ch++) data[3 * c + ch] = 1; // [kh=1][kw=1][ch][0] in [2, 2, c, 1] row-major
    const filter = this.addWeight(`${node}/filter`, [2, 2, c, 1], data, false);
    return this.push({
      name: node,
      op: 'depthwiseConv2d',
      inputs: [input],
      attrs: { kernel: [2, 2], strides: [2, 2], dilation: [1, 1], padding: 'valid', activation: 'none' },
      weights: { filter },
    });
  }

  /** Batch normalisation (affine by default). */
  bn(input: string, o: { affine?: boolean; name?: string } = {}): string {
    const name = this.uniqueName(o.name ?? 'bn');
    const c = this.channels(input);
    const affine = o.affine ?? true;
    const weights: { gamma?: string; beta?: string; movingMean: string; movingVariance: string } = {
      movingMean: this.constWeight(`${name}/movingMean`, [c], 0, false),
      movingVariance: this.constWeight(`${name}/movingVariance`, [c], 1, false),
    };
    if (affine) {
      weights.gamma = this.constWeight(`${name}/gamma`, [c], 1, true);
      weights.beta = this.constWeight(`${name}/beta`, [c], 0, true);
    }
    return this.push({ name, op: 'batchNorm', inputs: [input], attrs: { epsilon: BN_EPSILON, momentum: BN_MOMENTUM, affine }, weights });
  }

  relu(input: string, name = 'relu'): string {
    return this.push({ name: this.uniqueName(name), op: 'relu', inputs: [input], attrs: {}, weights: {} });
  }

  /**
   * Element-wise sum; a single input is returned unchanged (no node). `dropPath` (one flag per input) marks
   * the inputs training may drop per sample (see `OpAttrs.add`).
   */
  add(inputs: string[], name = 'add', dropPath?: boolean[]): string {
    if (inputs.length === 1) return inputs[0];
    const attrs: OpAttrs['add'] = dropPath && dropPath.some((f) => f) ? { activation: 'none', dropPath } : { activation: 'none' };
    return this.push({ name: this.uniqueName(name), op: 'add', inputs, attrs, weights: {} });
  }

  /** Channel concatenation; a single input is returned unchanged (no node). */
  concat(inputs: string[], name = 'concat'): string {
    if (inputs.length === 1) return inputs[0];
    return this.push({ name: this.uniqueName(name), op: 'concat', inputs, attrs: {}, weights: {} });
  }

  maxPool(input: string, kernel: number, stride: number, padding: Padding = 'same', name = 'maxpool'): string {
    return this.push({ name: this.uniqueName(name), op: 'maxPool', inputs: [input], attrs: { kernel: [kernel, kernel], strides: [stride, stride], padding }, weights: {} });
  }

  avgPool(input: string, kernel: number, stride: number, padding: Padding = 'same', name = 'avgpool'): string {
    return this.push({ name: this.uniqueName(name), op: 'avgPool', inputs: [input], attrs: { kernel: [kernel, kernel], strides: [stride, stride], padding }, weights: {} });
  }

  globalAvgPool(input: string, name = 'gap'): string {
    return this.push({ name: this.uniqueName(name), op: 'globalAvgPool', inputs: [input], attrs: {}, weights: {} });
  }

  /** Fully connected layer with bias (0-initialised). */
  dense(input: string, units: number, name = 'dense'): string {
    const node = this.uniqueName(name);
    const [cin] = this.shape(input);
    const rng = new Rng(mixSeed(this.seed, fnv1a(`${node}/kernel`)));
    const bound = 1 / Math.sqrt(cin);
    const data = new Float32Array(cin * units);
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
    const kernel = this.addWeight(`${node}/kernel`, [cin, units], data, true);
    const bias = this.constWeight(`${node}/bias`, [units], 0, true);
    return this.push({ name: node, op: 'dense', inputs: [input], attrs: { units, activation: 'none' }, weights: { kernel, bias } });
  }

  /** Search-only mixed op over already-built candidate outputs (see `OpAttrs.mixedOp`). */
  mixedOp(inputs: string[], attrs: { alpha: string; row: number; primitives: string[] }, name = 'mixed'): string {
    return this.push({ name: this.uniqueName(name), op: 'mixedOp', inputs, attrs: { ...attrs, primitives: [...attrs.primitives] }, weights: {} });
  }

  /** Declares `tensor` an exit (classifier logits) read at grid `layer`; exits are indexed in call order. */
  exit(tensor: string, layer: number): void {
    this.exits.push({ index: this.exits.length, tensor, layer, cumulativeMacs: 0 });
  }

  /** The graph built so far (exit MACs are 0 until `withExitMacs` from analysis.ts fills them). */
  build(meta: Record<string, unknown> = {}): ModelGraph {
    return { formatVersion: 1, name: this.name, inputs: this.inputs.map((i) => ({ ...i })), nodes: [...this.nodes], exits: [...this.exits], weights: { ...this.weights }, meta };
  }
}
