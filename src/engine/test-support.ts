/**
 * Shared pieces of the numeric tests: the error measures comparisons use (engine, search, converters), and the set-up of
 * the tests that need the native (tensorflow) engine.
 */
import { before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from './backend.ts';

/** max |got − want| / max |want| (lengths must agree). */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, 'compared arrays differ in length');
  let e = 0;
  let s = 1e-30;
  for (let i = 0; i < want.length; i++) {
    e = Math.max(e, Math.abs(got[i] - want[i]));
    s = Math.max(s, Math.abs(want[i]));
  }
  return e / s;
}

/** Relative L2 error ‖a − b‖ / ‖b‖ (lengths must agree); the absolute ‖a − b‖ when b is all zeros. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'compared arrays differ in length');
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/**
 * Registers a `before` hook that starts the tensorflow engine (running `setup` once it is up) and loads the
 * stock cpu backend for references. The returned check skips a test when tfjs-node does not load.
 */
export function useNativeEngine(setup?: () => void): (t: TestContext) => boolean {
  let native = false;
  before(async () => {
    native = (await initEngine('tensorflow')).backend === 'tensorflow';
    if (native) setup?.();
    await import('@tensorflow/tfjs-backend-cpu');
  });
  return (t) => {
    if (!native) t.skip('tfjs-node does not load (run `ranas setup native`)');
    return native;
  };
}
