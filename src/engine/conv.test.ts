/**
 * Gradients of conv2d / depthwiseConv2d (and so of every registered conv kernel, dilation through
 * spaceToBatchND) on the active fast backend, against (a) the stock cpu backend and (b) central finite
 * differences of a float64 direct convolution, over random shapes. Tolerance: relative error ≤ 1e-4 of
 * the gradient's max-abs value.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from './tf.ts';
import { relError } from './test-support.ts';
import { initEngine, type BackendName } from './backend.ts';
import { conv2d, depthwiseConv2d, type ConvOptions } from './conv.ts';
import { axisGeometry } from '../ir/padding.ts';
import { referenceConv } from './reference-conv.ts';
import { mulberry32, randomFloats, randomInt } from './seeded-random.ts';
import { isRanasError } from '../errors.ts';
import { rank4 } from './kernels/conv-attrs.ts';

const TOLERANCE = 1e-4;
const CASES = 24;
const FD_SAMPLES = 6;

interface Case {
  depthwise: boolean;
  o: ConvOptions;
  xShape: [number, number, number, number];
  wShape: [number, number, number, number];
  outShape: [number, number, number, number];
  x: Float32Array;
  w: Float32Array;
  r: Float32Array;
}

function makeCase(rand: () => number, i: number): Case {
  const depthwise = i % 2 === 1;
  const k = [1, 3, 5][randomInt(rand, 0, 2)];
  const dilation = k > 1 && rand() < 0.4 ? 2 : 1;
  const stride = dilation === 1 && rand() < 0.5 ? 2 : 1;
  const padding = rand() < 0.5 ? 'same' : 'valid';
  const effective = (k - 1) * dilation + 1;
  const h = randomInt(rand, Math.max(effective, 3), Math.max(effective, 3) + 5);
  const w = randomInt(rand, Math.max(effective, 3), Math.max(effective, 3) + 5);
  const n = randomInt(rand, 1, 4);
  const cin = randomInt(rand, 1, 17);
  const cout = depthwise ? 1 : randomInt(rand, 1, 17);
  const o: ConvOptions = { strides: [stride, stride], padding, dilation: [dilation, dilation] };
  const oh = axisGeometry(h, k, stride, dilation, padding).out;
  const ow = axisGeometry(w, k, stride, dilation, padding).out;
  const outShape: Case['outShape'] = [n, oh, ow, depthwise ? cin : cout];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const xShape: Case['xShape'] = [n, h, w, cin];
  const wShape: Case['wShape'] = [k, k, cin, cout];
  return { depthwise, o, xShape, wShape, outShape, x: randomFloats(rand, size(xShape)), w: randomFloats(rand, size(wShape)), r: randomFloats(rand, size(outShape)) };
}

function describeCase(c: Case): string {
  return `${c.depthwise ? 'depthwise' : 'conv2d'} x[${c.xShape}] w[${c.wShape}] s${c.o.strides[0]} d${c.o.dilation[0]} ${c.o.padding}`;
}

async function onBackend(backend: string, c: Case): Promise<{ y: Float32Array; dx: Float32Array; dw: Float32Array }> {
  await tf.setBackend(backend);
  const conv = c.depthwise ? depthwiseConv2d : conv2d;
  return tf.tidy(() => {
    const x = tf.tensor4d(c.x, c.xShape);
    const w = tf.tensor4d(c.w, c.wShape);
    const r = tf.tensor4d(c.r, c.outShape);
    const y = conv(x, w, c.o);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(rank4(a), rank4(b), c.o), r)))([x, w]);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}


/** Loss of the float64 reference: sum(conv(x, w) * r). */
function referenceLoss(c: Case, x: Float64Array, w: Float64Array): number {
  const y = referenceConv({ data: x, shape: c.xShape }, { data: w, shape: c.wShape }, { ...c.o, depthwise: c.depthwise });
  let s = 0;
  for (let i = 0; i < y.data.length; i++) s += y.data[i] * c.r[i];
  return s;
}

/** Central differences of the reference loss at `samples` random coordinates of x (which = 0) or w (1). */
function finiteDifferences(c: Case, which: 0 | 1, rand: () => number): { index: number; value: number }[] {
  const x = Float64Array.from(c.x);
  const w = Float64Array.from(c.w);
  const target = which === 0 ? x : w;
  const step = 1e-3;
  return Array.from({ length: FD_SAMPLES }, () => {
    const index = randomInt(rand, 0, target.length - 1);
    const keep = target[index];
    target[index] = keep + step;
    const plus = referenceLoss(c, x, w);
    target[index] = keep - step;
    const minus = referenceLoss(c, x, w);
    target[index] = keep;
    return { index, value: (plus - minus) / (2 * step) };
  });
}

/** The active engine, and wasm (the project's kernels) when another one is active. */
let backends: BackendName[] = ['wasm'];

before(async () => {
  const active = (await initEngine()).backend;
  backends = active === 'wasm' ? ['wasm'] : [active, 'wasm'];
  await import('@tensorflow/tfjs-backend-cpu');
});

describe('conv gradients on the active backend and on wasm', () => {
  const rand = mulberry32(20261128);
  const cases = Array.from({ length: CASES }, (_, i) => makeCase(rand, i));
  for (const c of cases) {
    it(describeCase(c), async () => {
      for (const fast of backends) await checkCase(c, fast);
    });
  }
});

async function checkCase(c: Case, fast: BackendName): Promise<void> {
  const got = await onBackend(fast, c);
  const stock = await onBackend('cpu', c);
  await tf.setBackend(backends[0]);
  // The float64 reference matches tf's forward pass (validates the finite-difference reference).
  const ref = referenceConv({ data: Float64Array.from(c.x), shape: c.xShape }, { data: Float64Array.from(c.w), shape: c.wShape }, { ...c.o, depthwise: c.depthwise });
  assert.deepEqual(ref.shape, c.outShape);
  assert.ok(relError(got.y, ref.data) <= 1e-5, `${fast}: forward vs float64 reference: ${relError(got.y, ref.data)}`);
  assert.ok(relError(got.dx, stock.dx) <= TOLERANCE, `${fast}: dx vs stock cpu: ${relError(got.dx, stock.dx)}`);
  assert.ok(relError(got.dw, stock.dw) <= TOLERANCE, `${fast}: dw vs stock cpu: ${relError(got.dw, stock.dw)}`);
  const fdRand = mulberry32(c.x.length * 31 + c.w.length);
  for (const [which, grad] of [[0, got.dx], [1, got.dw]] as const) {
    const scale = Math.max(maxAbs(grad), 1e-30);
    for (const { index, value } of finiteDifferences(c, which, fdRand)) {
      const err = Math.abs(grad[index] - value) / scale;
      assert.ok(err <= TOLERANCE, `${fast}: ${which === 0 ? 'dx' : 'dw'}[${index}] = ${grad[index]}, finite difference ${value}, rel ${err}`);
    }
  }
}

describe('conv options', () => {
  it('rejects dilation with stride > 1 (as TF does)', () => {
    const x = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    const w = tf.zeros([3, 3, 2, 1]) as tf.Tensor4D;
    assert.throws(() => conv2d(x, w, { strides: [2, 2], padding: 'same', dilation: [2, 2] }), (e: unknown) => isRanasError(e, 'E_CONV_DILATION_STRIDE'));
    tf.dispose([x, w]);
  });

  it('dilated same conv keeps odd and even sizes (TF semantics)', () => {
    for (const size of [7, 8, 9]) {
      const x = tf.ones([1, size, size + 1, 3]) as tf.Tensor4D;
      const w = tf.ones([3, 3, 3, 1]) as tf.Tensor4D;
      const y = depthwiseConv2d(x, w, { strides: [1, 1], padding: 'same', dilation: [2, 2] });
      assert.deepEqual(y.shape, [1, size, size + 1, 3]);
      // Centre pixel sees all 9 taps; the corner sees 4 (TF pads 2 on each side for a 5-wide effective kernel).
      const v = y.arraySync()[0];
      assert.equal(v[0][0][0], 4);
      assert.equal(v[Math.floor(size / 2)][Math.floor((size + 1) / 2)][0], 9);
      tf.dispose([x, w, y]);
    }
  });
});
