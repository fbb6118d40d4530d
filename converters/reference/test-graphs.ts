/**
 * Hand-built small graphs for the converters' tests: a tiny builder with seeded random weights, and a
 * multi-scale, multi-exit graph shaped like MS-RANAS (strided "diagonal" convs, concat + batch-norm as in
 * DARTS's factorized reduce, relu-conv-bn preprocessing, depthwise with dilation, pools, exits).
 */
import type { IrNode, ModelGraph, Padding, WeightTensor } from '../../src/ir/types.ts';

/** A seeded uniform generator in [0, 1) (xorshift32). */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/** A random NHWC image of the given shape in [-1, 1). */
export function randomImage(shape: number[], seed: number): Float32Array {
  const u = seededUniform(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * u() - 1);
}

interface ConvOpts {
  filters: number;
  kernel?: number;
  stride?: number;
  dilation?: number;
  padding?: Padding;
  bias?: boolean;
}

/** Builds a graph node by node; every weight is random (seeded). */
export class GraphBuilder {
  readonly nodes: IrNode[] = [];
  readonly weights: Record<string, WeightTensor> = {};
  readonly exits: ModelGraph['exits'] = [];
  private readonly channels = new Map<string, number>();
  private readonly rand: () => number;

  constructor(private readonly inputName: string, private readonly inputShape: number[], seed = 1) {
    this.rand = seededUniform(seed);
    this.channels.set(inputName, inputShape[inputShape.length - 1]);
  }

  private w(name: string, shape: number[], scale: number, offset = 0): string {
    const n = shape.reduce((a, b) => a * b, 1);
    this.weights[name] = { shape, trainable: true, data: Float32Array.from({ length: n }, () => offset + scale * (2 * this.rand() - 1)) };
    return name;
  }

  private add_(node: IrNode, channels: number): string {
    this.nodes.push(node);
    this.channels.set(node.name, channels);
    return node.name;
  }

  ch(tensor: string): number {
    return this.channels.get(tensor) as number;
  }

  conv(name: string, input: string, o: ConvOpts): string {
    const k = o.kernel ?? 3;
    const cin = this.ch(input);
    const weights: { filter: string; bias?: string } = { filter: this.w(`${name}/filter`, [k, k, cin, o.filters], Math.sqrt(3 / (k * k * cin))) };
    if (o.bias) weights.bias = this.w(`${name}/bias`, [o.filters], 0.1);
    return this.add_({
      name, op: 'conv2d', inputs: [input], weights,
      attrs: { kernel: [k, k], strides: [o.stride ?? 1, o.stride ?? 1], dilation: [o.dilation ?? 1, o.dilation ?? 1], padding: o.padding ?? 'same', filters: o.filters, activation: 'none' },
    }, o.filters);
  }

  dw(name: string, input: string, o: Omit<ConvOpts, 'filters'>): string {
    const k = o.kernel ?? 3;
    const c = this.ch(input);
    const weights: { filter: string; bias?: string } = { filter: this.w(`${name}/filter`, [k, k, c, 1], Math.sqrt(3 / (k * k))) };
    if (o.bias) weights.bias = this.w(`${name}/bias`, [c], 0.1);
    return this.add_({
      name, op: 'depthwiseConv2d', inputs: [input], weights,
      attrs: { kernel: [k, k], strides: [o.stride ?? 1, o.stride ?? 1], dilation: [o.dilation ?? 1, o.dilation ?? 1], padding: o.padding ?? 'same', activation: 'none' },
    }, c);
  }

  /** Batch-norm with non-trivial running statistics and affine parameters. */
  bn(name: string, input: string): string {
    const c = this.ch(input);
    return this.add_({
      name, op: 'batchNorm', inputs: [input], attrs: { epsilon: 1e-5, momentum: 0.9, affine: true },
      weights: {
        gamma: this.w(`${name}/gamma`, [c], 0.5, 1),
        beta: this.w(`${name}/beta`, [c], 0.3),
        movingMean: this.w(`${name}/movingMean`, [c], 0.3),
        movingVariance: this.w(`${name}/movingVariance`, [c], 0.4, 0.8),
      },
    }, c);
  }

  relu(name: string, input: string): string {
    return this.add_({ name, op: 'relu', inputs: [input], attrs: {}, weights: {} }, this.ch(input));
  }

  sum(name: string, inputs: string[]): string {
    return this.add_({ name, op: 'add', inputs, attrs: { activation: 'none' }, weights: {} }, this.ch(inputs[0]));
  }

  concat(name: string, inputs: string[]): string {
    return this.add_({ name, op: 'concat', inputs, attrs: {}, weights: {} }, inputs.reduce((s, t) => s + this.ch(t), 0));
  }

  pool(name: string, op: 'maxPool' | 'avgPool', input: string, kernel = 3, stride = 1, padding: Padding = 'same'): string {
    return this.add_({ name, op, inputs: [input], attrs: { kernel: [kernel, kernel], strides: [stride, stride], padding }, weights: {} }, this.ch(input));
  }

  gap(name: string, input: string): string {
    return this.add_({ name, op: 'globalAvgPool', inputs: [input], attrs: {}, weights: {} }, this.ch(input));
  }

  dense(name: string, input: string, units: number, bias = true): string {
    const cin = this.ch(input);
    const weights: { kernel: string; bias?: string } = { kernel: this.w(`${name}/kernel`, [cin, units], Math.sqrt(3 / cin)) };
    if (bias) weights.bias = this.w(`${name}/bias`, [units], 0.1);
    return this.add_({ name, op: 'dense', inputs: [input], attrs: { units, activation: 'none' }, weights }, units);
  }

  exit(tensor: string, layer: number): void {
    this.exits.push({ index: this.exits.length, tensor, layer, cumulativeMacs: 0 });
  }

  build(name = 'test'): ModelGraph {
    return {
      formatVersion: 1, name, inputs: [{ name: this.inputName, shape: [...this.inputShape] }],
      nodes: this.nodes, exits: this.exits, weights: this.weights, meta: {},
    };
  }
}

/**
 * A two-scale, three-exit graph (8×8 and 4×4) with every exported op: conv-bn-relu stem, strided diagonal
 * conv concatenated with a horizontal conv then one batch-norm (factorized-reduce style), relu-conv-bn
 * preprocessing, dilated depthwise (sep/dil conv), max/avg pools, cell sum and concat, GAP + dense exits.
 */
export function multiExitGraph(seed = 1, size = 8): ModelGraph {
  const b = new GraphBuilder('image', [size, size, 3], seed);
  // layer 1: stem at scale 1, strided conv to scale 2
  const s1 = b.relu('l1/s1/relu', b.bn('l1/s1/bn', b.conv('l1/s1/conv', 'image', { filters: 4 })));
  const s2 = b.relu('l1/s2/relu', b.bn('l1/s2/bn', b.conv('l1/s2/conv', s1, { filters: 6, stride: 2 })));
  // exit 0 on scale 2
  b.exit(b.dense('exit0/fc', b.gap('exit0/gap', s2), 5), 1);
  // layer 2, scale 1: horizontal conv + cell (max pool edge + sep conv edge, sum)
  const h1 = b.bn('l2/s1/h/bn', b.conv('l2/s1/h/conv', b.relu('l2/s1/h/relu', s1), { filters: 4, kernel: 1 }));
  const e1 = b.pool('l2/s1/cell/max', 'maxPool', h1);
  const e2 = b.bn('l2/s1/cell/sep/bn', b.conv('l2/s1/cell/sep/pw', b.dw('l2/s1/cell/sep/dw', b.relu('l2/s1/cell/sep/relu', h1), { kernel: 3 }), { filters: 4, kernel: 1 }));
  const n1 = b.sum('l2/s1/cell/n1', [e1, e2]);
  const c1 = b.concat('l2/s1/cell/out', [n1, h1]);
  // layer 2, scale 2: concat(diagonal strided conv of scale 1, horizontal conv of scale 2) → one BN
  const diag = b.conv('l2/s2/diag', b.relu('l2/s2/diag/relu', s1), { filters: 3, kernel: 1, stride: 2 });
  const hor = b.conv('l2/s2/hor', b.relu('l2/s2/hor/relu', s2), { filters: 3, kernel: 1 });
  const fr = b.bn('l2/s2/fr/bn', b.concat('l2/s2/fr/cat', [diag, hor]));
  const e3 = b.pool('l2/s2/cell/avg', 'avgPool', fr);
  const e4 = b.bn('l2/s2/cell/dil/bn', b.conv('l2/s2/cell/dil/pw', b.dw('l2/s2/cell/dil/dw', b.relu('l2/s2/cell/dil/relu', fr), { kernel: 3, dilation: 2 }), { filters: 6, kernel: 1 }));
  const n2 = b.sum('l2/s2/cell/n1', [e3, e4]);
  const c2 = b.concat('l2/s2/cell/out', [n2, fr]);
  b.exit(b.dense('exit1/fc', b.gap('exit1/gap', c2), 5), 2);
  // layer 3, scale 2 only: diagonal from c1, horizontal from c2
  const d3 = b.conv('l3/s2/diag', b.relu('l3/s2/diag/relu', c1), { filters: 4, kernel: 3, stride: 2 });
  const h3 = b.conv('l3/s2/hor', b.relu('l3/s2/hor/relu', c2), { filters: 4, kernel: 1 });
  const s3 = b.relu('l3/s2/relu', b.bn('l3/s2/bn', b.concat('l3/s2/cat', [d3, h3])));
  b.exit(b.dense('exit2/fc', b.gap('exit2/gap', s3), 5), 3);
  return b.build('multi-exit');
}
