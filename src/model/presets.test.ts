import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../errors.ts';
import { analyzeGraph } from '../ir/analysis.ts';
import { validateGraph } from '../ir/validate.ts';
import { canonicalGenotype, genotypeHash, loadGenotype, parseGenotype } from './genotype.ts';
import { buildMsdNet, msdnetLayerScales, msdnetSteps, MSDNET_CIFAR10, MSDNET_CIFAR100_7 } from './msdnet.ts';
import { PRESET_NAMES, buildPreset, genotypePath } from './presets.ts';

test('paper-cifar has params within 10 % of msdnet-cifar10 (the 10-classifier MSDNet it is compared with)', () => {
  assert.equal(buildPreset('msdnet-cifar10').exits.length, 10);
  const msd = analyzeGraph(buildPreset('msdnet-cifar10')).totalParams;
  const ours = analyzeGraph(buildPreset('paper-cifar')).totalParams;
  assert.ok(Math.abs(ours - msd) / msd <= 0.1, `paper-cifar ${ours} vs msdnet-cifar10 ${msd}`);
});

test('every preset builds a valid graph with exits in increasing cost', () => {
  for (const name of PRESET_NAMES) {
    const g = buildPreset(name);
    validateGraph(g);
    assert.equal(g.meta.preset, name);
    assert.ok(g.exits.length >= 1);
    assert.ok(g.exits.every((e, i) => i === 0 || e.cumulativeMacs > g.exits[i - 1].cumulativeMacs), name);
  }
  assert.throws(() => buildPreset('huge'), (e: unknown) => isRanasError(e, 'E_PRESET') && /expected one of paper-cifar/.test(e.message));
});

test('MSDNet 7-classifier network: 16 layers in 7 blocks, layers 7 and 13 drop the finest scale and add transitions (prune max), exits at blocks', () => {
  assert.deepEqual(msdnetSteps(MSDNET_CIFAR100_7), [4, 2, 2, 2, 2, 2, 2]);
  assert.deepEqual(msdnetSteps(MSDNET_CIFAR10), [4, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
  // interval = ceil(16 / 3) = 6: layer 7 goes 3 → 2 scales, layer 13 goes 2 → 1.
  assert.deepEqual(msdnetLayerScales(MSDNET_CIFAR100_7, 7, 16), [3, 2]);
  assert.deepEqual(msdnetLayerScales(MSDNET_CIFAR100_7, 8, 16), [2, 2]);
  assert.deepEqual(msdnetLayerScales(MSDNET_CIFAR100_7, 13, 16), [2, 1]);
  const g = buildMsdNet({ ...MSDNET_CIFAR100_7, seed: 3 });
  const shapes = validateGraph(g);
  assert.deepEqual(g.exits.map((e) => e.layer), [4, 6, 8, 10, 12, 14, 16]);
  // Coarsest scale before exit 0: nIn = 16 + 4·6 = 40 channels × grFactor 4 at 8×8.
  assert.deepEqual(shapes.get('l4/s3/concat'), [8, 8, 160]);
  // Transitions after layers 7 and 13: nIn = 16 + 7·6 = 58 → floor(29) · grFactor.
  assert.deepEqual(shapes.get('l7/s2/transition/relu'), [16, 16, 58]);
  assert.deepEqual(shapes.get('l7/s3/transition/relu'), [8, 8, 116]);
  assert.equal(g.nodes.some((n) => n.name.startsWith('l8/s1/')), false);
  // First layer params by hand: 3→16 (432 + 32), 16→32 s2 (4608 + 64), 32→64 s2 (18432 + 128).
  const cost = analyzeGraph(g);
  const first = cost.nodes.filter((n) => n.name.startsWith('l0/')).reduce((s, n) => s + n.params, 0);
  assert.equal(first, 23696);
});

test('genotype JSON validation names the field; the hash is stable and content-based', () => {
  const v2 = loadGenotype(genotypePath('darts-v2'));
  assert.equal(v2.normal.length, 8);
  assert.deepEqual(v2.normal[7], ['dil_conv_3x3', 2]);
  assert.equal(genotypeHash(v2), genotypeHash(parseGenotype(JSON.parse(canonicalGenotype(v2)))));
  assert.notEqual(genotypeHash(v2), genotypeHash(loadGenotype(genotypePath('darts-v1'))));
  assert.match(genotypeHash(v2), /^[0-9a-f]{16}$/);
  const bad = (edit: (g: Record<string, unknown>) => void, pattern: RegExp) => {
    const g = JSON.parse(canonicalGenotype(v2));
    edit(g);
    assert.throws(() => parseGenotype(g, 'g.json'), (e: unknown) => isRanasError(e, 'E_GENOTYPE') && pattern.test(e.message));
  };
  bad((g) => ((g.normal as unknown[][])[3][0] = 'conv_7x7'), /g.json: field normal\[3\]\[0\] is string "conv_7x7"; expected one of "none"/);
  bad((g) => ((g.normal as unknown[][])[2][1] = 3), /field normal\[2\]\[1\] is number 3; expected an index < 3/);
  bad((g) => ((g.reduce as unknown[][])[0][0] = 'none'), /field reduce\[0\]\[0\] .*non-zero primitive/);
  bad((g) => (g.normalConcat = [2, 6]), /field normalConcat .*distinct node states in \[2, 5\]/);
  bad((g) => (g.reduce = (g.reduce as unknown[]).slice(0, 3)), /field reduce is an array of 3; expected a non-empty list with two edges per node/);
});

test('darts-cifar: one exit, reduction cells at cells 2 and 5 (8 layers) doubling C, factorized reduce after them', () => {
  const g = buildPreset('darts-cifar');
  const shapes = validateGraph(g);
  assert.equal(g.exits.length, 1);
  const reduceCells = [...new Set(g.nodes.filter((n) => n.tags?.cell === 'reduce').map((n) => n.name.split('/')[0]))];
  assert.deepEqual(reduceCells, ['c2', 'c5']);
  // C = 16 → 32 at c2 → 64 at c5; DARTS_V2 concatenates 4 nodes.
  assert.deepEqual(shapes.get('c1/out'), [32, 32, 64]);
  assert.deepEqual(shapes.get('c2/out'), [16, 16, 128]);
  assert.deepEqual(shapes.get('c7/out'), [8, 8, 256]);
  assert.ok(g.nodes.some((n) => n.name === 'c3/pre0/shift'));
});
