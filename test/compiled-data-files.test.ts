/**
 * The compiled JavaScript (dist/, what the bins and the installed package run) finds the data files shipped
 * beside the code exactly as the sources do: genotypes, reference curves, the package root.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { referenceCurveIds, REFERENCE_CURVES_DIR } from '../src/eval/reference-curves.ts';
import { PACKAGE_ROOT } from '../src/package-root.ts';

const DIST = fileURLToPath(new URL('../dist/src/', import.meta.url));

test('compiled modules find the reference curves and the package root the sources find', { skip: existsSync(DIST) ? false : 'dist/ not built (scripts/setup.sh builds it)' }, async () => {
  const curves: unknown = await import(new URL('../dist/src/eval/reference-curves.js', import.meta.url).href);
  const root: unknown = await import(new URL('../dist/src/package-root.js', import.meta.url).href);
  assert.ok(referenceCurveIds().length >= 2, `the sources find ${referenceCurveIds().join(', ')} in ${REFERENCE_CURVES_DIR}`);
  const ids = typeof curves === 'object' && curves !== null ? Reflect.get(curves, 'referenceCurveIds') : undefined;
  assert.equal(typeof ids, 'function');
  if (typeof ids === 'function') assert.deepEqual(Reflect.apply(ids, undefined, []), referenceCurveIds());
  assert.equal(typeof root === 'object' && root !== null ? Reflect.get(root, 'PACKAGE_ROOT') : undefined, PACKAGE_ROOT);
});
