/**
 * Test-only builders of tiny IR graphs with seeded random weights, so the writer's tests read as a list
 * of ops. `Sketch` tracks each tensor's channel count to size the weights.
 */
import type { FusedActivation, IrNode, ModelGraph, Padding } from '../../../src/ir/types.ts';
import { mulberry32 } from '../../../src/rng.ts';

/** Seeded uniform [-1, 1) generator (mulberry32). */
export function seededUniform(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 2 - 1;
}

export interface ConvOpts {
  kernel?: [number, number];
  strides?: [number, number];
  dilation?: [number, number];
  padding?: Padding;
  activation?: FusedActivation;
  bias?: boolean;
}

/** Incremental builder of a one-input graph. */
export class Sketch {
  readonly graph: ModelGraph;
  private readonly channels = new Map<string, number>();
  private readonly rand: () => number;

  constructor(inputShape: number[], seed = 1, inputName = 'input') {
    this.rand = seededUniform(seed);
    this.graph = { formatVersion: 1, name: 'tiny', inputs: [{ name: inputName, shape: inputShape }], nodes: [], exits: [], weights: {}, meta: {} };
    this.channels.set(inputName, inputShape[inputShape.length - 1]);
  }

  /** Adds an extra graph input. */
  addInput(name: string, shape: number[]): string {
    this.graph.inputs.push({ name, shape });
    this.channels.set(name, shape[shape.length - 1]);
    return name;
  }

  private weight(name: string, shape: number[], scale = 0.5): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = this.rand() * scale;
    this.graph.weights[name] = { shape, data, trainable: true };
    return name;
  }

  private push(node: IrNode, channels: number): string {
    this.graph.nodes.push(node);
    this.channels.set(node.name, channels);
    return node.name;
  }

  conv(name: string, input: string, filters: number, o: ConvOpts = {}): string {
    const k = o.kernel ?? [3, 3];
    const cin = this.channels.get(input) ?? 0;
    const weights: { filter: string; bias?: string } = { filter: this.weight(`${name}/w`, [k[0], k[1], cin, filters]) };
    if (o.bias ?? true) weights.bias = this.weight(`${name}/b`, [filters], 0.2);
    return this.push({
      name, op: 'conv2d', inputs: [input], weights,
      attrs: { kernel: k, strides: o.strides ?? [1, 1], dilation: o.dilation ?? [1, 1], padding: o.padding ?? 'same', filters, activation: o.activation ?? 'none' },
    }, filters);
  }

  dw(name: string, input: string, o: ConvOpts = {}): string {
    const k = o.kernel ?? [3, 3];
    const c = this.channels.get(input) ?? 0;
    const weights: { filter: string; bias?: string } = { filter: this.weight(`${name}/w`, [k[0], k[1], c, 1]) };
    if (o.bias ?? true) weights.bias = this.weight(`${name}/b`, [c], 0.2);
    return this.push({
      name, op: 'depthwiseConv2d', inputs: [input], weights,
      attrs: { kernel: k, strides: o.strides ?? [1, 1], dilation: o.dilation ?? [1, 1], padding: o.padding ?? 'same', activation: o.activation ?? 'none' },
    }, c);
  }

  pool(name: string, op: 'maxPool' | 'avgPool', input: string, kernel: [number, number], strides: [number, number], padding: Padding): string {
    return this.push({ name, op, inputs: [input], weights: {}, attrs: { kernel, strides, padding } }, this.channels.get(input) ?? 0);
  }

  add(name: string, inputs: string[], activation: FusedActivation = 'none'): string {
    return this.push({ name, op: 'add', inputs, weights: {}, attrs: { activation } }, this.channels.get(inputs[0]) ?? 0);
  }

  concat(name: string, inputs: string[]): string {
    const c = inputs.reduce((n, i) => n + (this.channels.get(i) ?? 0), 0);
    return this.push({ name, op: 'concat', inputs, weights: {}, attrs: {} }, c);
  }

  relu(name: string, input: string): string {
    return this.push({ name, op: 'relu', inputs: [input], weights: {}, attrs: {} }, this.channels.get(input) ?? 0);
  }

  gap(name: string, input: string): string {
    return this.push({ name, op: 'globalAvgPool', inputs: [input], weights: {}, attrs: {} }, this.channels.get(input) ?? 0);
  }

  dense(name: string, input: string, units: number, cin: number, activation: FusedActivation = 'none'): string {
    const weights = { kernel: this.weight(`${name}/w`, [cin, units]), bias: this.weight(`${name}/b`, [units], 0.2) };
    return this.push({ name, op: 'dense', inputs: [input], weights, attrs: { units, activation } }, units);
  }

  /** Random input data for a shape. */
  data(shape: number[]): Float32Array {
    const n = shape.reduce((a, b) => a * b, 1);
    return Float32Array.from({ length: n }, () => this.rand());
  }
}
