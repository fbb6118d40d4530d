/**
 * The dependency order of `src/README.md`, enforced over the real import graph: production code imports only
 * downhill, and no folder-level cycle exists. The checker itself is tested on small made-up graphs first, so
 * a checker that accepted everything would fail here.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { readImportGraph, relativeImports } from './import-graph.ts';
import { KNOWN_UPWARD, LAYER_RANKS, findCycles, findViolations, unitOf } from './layer-order.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

test('relativeImports: static, type-only, re-export and dynamic imports, resolved against the file folder', () => {
  const text = [
    "import { a } from './a.ts';",
    "import type { B } from '../ir/types.ts';",
    "export { c } from '../../device/c.ts';",
    "const d = await import('./d.ts');",
    "import ts from 'typescript';",
  ].join('\n');
  assert.deepEqual(relativeImports('src/train/x.ts', text).sort(), [
    'device/c.ts',
    'src/ir/types.ts',
    'src/train/a.ts',
    'src/train/d.ts',
  ]);
});

test('unitOf: a src/ folder, a file directly in src/, or a top-level folder', () => {
  assert.equal(unitOf('src/train/sgd.ts'), 'src/train');
  assert.equal(unitOf('src/engine/kernels/conv.ts'), 'src/engine');
  assert.equal(unitOf('src/rng.ts'), 'src/rng');
  assert.equal(unitOf('src/rng.test.ts'), 'src/rng');
  assert.equal(unitOf('device/store/fs-store.ts'), 'device');
});

test('findViolations flags an upward import, an import between peers and an undeclared unit; not tests', () => {
  const v = findViolations([
    { from: 'src/ir/types.ts', to: 'src/cli/table.ts' }, // upward
    { from: 'src/train/a.ts', to: 'src/search/b.ts' }, // peers
    { from: 'src/nowhere/a.ts', to: 'src/ir/types.ts' }, // undeclared
    { from: 'firmware-bridge/x.ts', to: 'src/model/presets.ts' }, // device side pulling host code
    { from: 'src/train/a.ts', to: 'src/ir/types.ts' }, // downhill: fine
    { from: 'src/ir/types.test.ts', to: 'src/cli/table.ts' }, // test code: exempt
  ]);
  assert.deepEqual(
    v.map((x) => x.edge),
    ['src/ir -> src/cli', 'src/train -> src/search', 'src/nowhere -> src/ir', 'firmware-bridge -> src/model'],
  );
  assert.match(v[0].detail, /src\/ir\/types\.ts imports src\/cli\/table\.ts: src\/ir \(rank 3\) may import only lower ranks, found src\/cli \(rank 14\)/);
});

test('findCycles finds a three-folder cycle and ignores a chain', () => {
  const cycles = findCycles(
    [
      { from: 'a/x.ts', to: 'b/x.ts' },
      { from: 'b/x.ts', to: 'c/x.ts' },
      { from: 'c/x.ts', to: 'a/y.ts' },
      { from: 'c/x.ts', to: 'd/x.ts' },
    ],
    unitOf,
  );
  assert.deepEqual(cycles, [['a', 'b', 'c']]);
});

const edges = readImportGraph(repoRoot);

test('every unit in the import graph is declared in LAYER_RANKS', () => {
  const undeclared = [...new Set(edges.flatMap((e) => [unitOf(e.from), unitOf(e.to)]))].filter(
    (u) => LAYER_RANKS[u] === undefined && u !== 'scripts',
  );
  assert.deepEqual(undeclared, [], `declare these units in test/layer-order.ts and src/README.md`);
});

test('production code imports only downhill (src/README.md order)', () => {
  const violations = findViolations(edges).filter((v) => !KNOWN_UPWARD.includes(v.edge));
  assert.deepEqual(violations.map((v) => v.detail), []);
});

test('every known upward edge still exists (strike it from KNOWN_UPWARD once fixed)', () => {
  const present = new Set(findViolations(edges).map((v) => v.edge));
  assert.deepEqual(KNOWN_UPWARD.filter((e) => !present.has(e)), []);
});

test('no cycle between units over production imports', () => {
  const downhill = edges.filter((e) => !KNOWN_UPWARD.includes(`${unitOf(e.from)} -> ${unitOf(e.to)}`));
  assert.deepEqual(findCycles(downhill, unitOf), []);
});
