/**
 * Every kernel the engine registers, called directly through the engine on the fast backend, against the
 * stock cpu kernel on the same inputs (paddings tfjs passes: same, valid, a number; depthwise multiplier
 * 1 and 2; stride 1 and 2). Relative error ≤ 1e-4 of the output's max-abs value.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../tf.ts';
import { initEngine, type BackendName } from '../backend.ts';
import { mulberry32, randomFloats, randomInt } from '../seeded-random.ts';
import type { Pad } from './conv-attrs.ts';

// The registered kernels are the wasm engine's, whichever backend is active in this process.
const fast: BackendName = 'wasm';
before(async () => {
  await initEngine();
  await import('@tensorflow/tfjs-backend-cpu');
});

interface KernelCase {
  kernel: string;
  inputs: Record<string, { shape: number[]; values: Float32Array }>;
  attrs: tf.NamedAttrMap;
}

function outSize(size: number, k: number, s: number, pad: Pad): number {
  if (pad === 'same') return Math.ceil(size / s);
  if (pad === 'valid') return Math.ceil((size - k + 1) / s);
  if (typeof pad === 'number') return Math.floor((size + 2 * pad - k) / s) + 1;
  throw new Error('explicit padding not used here');
}

function cases(): KernelCase[] {
  const rand = mulberry32(7);
  const out: KernelCase[] = [];
  const pads: Pad[] = ['same', 'valid', 1];
  for (let i = 0; i < 24; i++) {
    const depthwise = i % 2 === 1;
    const k = [1, 3, 5][i % 3];
    const s = randomInt(rand, 1, 2);
    const pad = pads[Math.floor(i / 3) % 3];
    const n = randomInt(rand, 1, 3);
    const h = randomInt(rand, k + 1, k + 6);
    const w = randomInt(rand, k + 1, k + 6);
    const cin = randomInt(rand, 1, 17);
    const m = depthwise ? randomInt(rand, 1, 2) : randomInt(rand, 1, 17);
    const oh = outSize(h, k, s, pad);
    const ow = outSize(w, k, s, pad);
    const cout = depthwise ? cin * m : m;
    const t = (shape: number[]) => ({ shape, values: randomFloats(rand, shape.reduce((a, b) => a * b, 1)) });
    const base = depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
    const common = { strides: [s, s], pad, dilations: [1, 1], dataFormat: 'NHWC' };
    out.push({ kernel: `${base}BackpropInput`, inputs: { dy: t([n, oh, ow, cout]), filter: t([k, k, cin, m]) }, attrs: { ...common, inputShape: [n, h, w, cin] } });
    out.push({ kernel: `${base}BackpropFilter`, inputs: { x: t([n, h, w, cin]), dy: t([n, oh, ow, cout]) }, attrs: { ...common, filterShape: [k, k, cin, m] } });
  }
  return out;
}

async function runOn(backend: string, c: KernelCase): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const inputs: tf.NamedTensorMap = {};
    for (const [name, v] of Object.entries(c.inputs)) inputs[name] = tf.tensor(v.values, v.shape);
    const out = tf.engine().runKernel(c.kernel, inputs, c.attrs);
    if (Array.isArray(out)) throw new Error('one output expected');
    return out.dataSync() as Float32Array;
  });
}

describe('registered kernels vs stock cpu', () => {
  for (const c of cases()) {
    const shapes = Object.entries(c.inputs).map(([k, v]) => `${k}[${v.shape}]`).join(' ');
    it(`${c.kernel} ${shapes} s${JSON.stringify(c.attrs.strides)} pad ${JSON.stringify(c.attrs.pad)}`, async () => {
      const got = await runOn(fast, c);
      const want = await runOn('cpu', c);
      await tf.setBackend(fast);
      assert.equal(got.length, want.length);
      let err = 0;
      let scale = 1e-30;
      for (let i = 0; i < got.length; i++) {
        err = Math.max(err, Math.abs(got[i] - want[i]));
        scale = Math.max(scale, Math.abs(want[i]));
      }
      assert.ok(err / scale <= 1e-4, `relative error ${err / scale}`);
    });
  }
});
