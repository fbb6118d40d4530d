// Regression: TensorFlow 2.21's oneDNN filter gradient of strided 1×1 convs corrupted the heap and aborted
// the process (munmap_chunk(): invalid pointer) for the factorized reduce's shapes. The engine's conv2d
// runs them as subsample + stride-1 conv; this runs the shapes that crashed, in a child process (a crash
// would take the test runner down), on the active backend, and checks the values against tf.conv2d.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const child = `
const { initEngine } = await import(${JSON.stringify(new URL('./backend.ts', import.meta.url).href)});
const { tf } = await import(${JSON.stringify(new URL('./tf.ts', import.meta.url).href)});
const { conv2d } = await import(${JSON.stringify(new URL('./conv.ts', import.meta.url).href)});
const e = await initEngine();
let worst = 0;
for (const [n, h, c, co] of [[2, 16, 4, 2], [32, 32, 8, 4], [2, 15, 6, 3]]) {
  for (const padding of ['same', 'valid']) {
    const x = tf.randomNormal([n, h, h, c], 0, 1, 'float32', 1);
    const f = tf.randomNormal([1, 1, c, co], 0, 1, 'float32', 2);
    for (let i = 0; i < 3; i++) {
      const ours = tf.grad((w) => tf.sum(tf.square(conv2d(x, w, { strides: [2, 2], padding, dilation: [1, 1] }))))(f);
      const y = conv2d(x, f, { strides: [2, 2], padding, dilation: [1, 1] });
      const stock = tf.conv2d(x, f, 2, padding);
      worst = Math.max(worst, tf.max(tf.abs(tf.sub(y, stock))).dataSync()[0]);
      if (!ours.dataSync().every(Number.isFinite)) throw new Error('non-finite filter gradient');
      tf.dispose([ours, y, stock]);
    }
  }
}
console.log(JSON.stringify({ backend: e.backend, worst }));
`;

test('strided 1×1 conv gradients (the factorized reduce shapes that crashed oneDNN) run, and values match tf.conv2d', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8', env: { ...process.env, RANAS_QUIET: '1' } });
  assert.equal(r.status, 0, `child exited with ${r.status} (signal ${r.signal}): ${r.stderr.slice(-500)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const { worst } = JSON.parse(last) as { backend: string; worst: number };
  assert.ok(worst < 1e-4, `forward vs tf.conv2d: max |Δ| ${worst}`);
});
