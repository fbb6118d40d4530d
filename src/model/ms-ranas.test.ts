import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRanasError } from '../errors.ts';
import { analyzeGraph, ancestors } from '../ir/analysis.ts';
import { validateGraph } from '../ir/validate.ts';
import { PRIMITIVES, PRIMITIVE_NAMES, expandPrimitive } from '../ops/primitives.ts';
import { fullCellPlan, type CellEdge, type CellSpecs, type EdgeOp } from './cell.ts';
import { loadGenotype } from './genotype.ts';
import { buildMsRanas, buildMsRanasNetwork, type MsRanasConfig } from './ms-ranas.ts';
import { genotypePath } from './presets.ts';

const twoNode = loadGenotype(genotypePath('ms-ranas-default'));
const dartsV2 = loadGenotype(genotypePath('darts-v2'));

function config(over: Partial<MsRanasConfig>): MsRanasConfig {
  return {
    scales: 3, layers: 4, initChannels: 4, nodes: 2, reductionLayers: [3], exitLayers: [2, 3, 4], growth: [1, 2, 4],
    numClasses: 10, inputShape: [16, 16, 3], seed: 1, head: { kind: 'linear', channels: 0 }, bottleneckWidth: [1, 2, 4],
    ...over,
  };
}

const cases: [string, Partial<MsRanasConfig>, boolean][] = [
  ['1 scale, no reduction, 2 nodes', { scales: 1, reductionLayers: [] }, false],
  ['2 scales, reduction at 3, 2 nodes', { scales: 2 }, false],
  ['3 scales, reductions at 2 and 4, 2 nodes, msdnet heads', { reductionLayers: [2, 4], inputShape: [32, 32, 3], head: { kind: 'msdnet', channels: 8 } }, false],
  ['3 scales, reduction at 3, 4 nodes (DARTS_V2), no bottleneck', { nodes: 4, bottleneckWidth: null }, true],
];

for (const [name, over, four] of cases) {
  test(`builds a valid graph: ${name}`, () => {
    const c = config(over);
    const g = buildMsRanas(four ? dartsV2 : twoNode, c);
    const shapes = validateGraph(g);
    assert.equal(g.exits.length, c.exitLayers.length);
    const S = c.scales;
    const [H] = c.inputShape;
    const mult = (four ? dartsV2 : twoNode).normalConcat.length;
    for (let l = 2; l <= c.layers; l++) {
      const reductionsSoFar = c.reductionLayers.filter((r) => r <= l).length;
      for (let s = 1; s <= S; s++) {
        const out = shapes.get(`l${l}/s${s}/cell/out`);
        // Pruned: at layer L - k only scales ≥ S - k feed an exit (exits read the coarsest scale).
        const needed = s >= S - (c.layers - l);
        assert.equal(out !== undefined, needed, `l${l}/s${s} ${needed ? 'missing' : 'not pruned'}`);
        if (!needed) continue;
        const res = H / 2 ** (s - 1 + reductionsSoFar);
        assert.deepEqual(out, [res, res, mult * c.initChannels * c.growth[s - 1] * 2 ** reductionsSoFar], `l${l}/s${s}`);
      }
    }
    // Exits read the coarsest scale, never a finer one directly.
    for (const e of g.exits) {
      const head = g.nodes.filter((n) => n.name.startsWith(`l${e.layer}/exit/`));
      const external = head.flatMap((n) => n.inputs).filter((t) => !t.startsWith(`l${e.layer}/exit/`));
      assert.deepEqual([...new Set(external)], [`l${e.layer}/s${S}/cell/out`]);
    }
    assert.equal(typeof g.meta.genotypeHash, 'string');
  });
}

test('scale s > 1 is fed by concat(diagonal of scale s-1, horizontal of scale s); scale 1 by horizontal only', () => {
  const g = buildMsRanas(twoNode, config({}));
  const gridIn = g.nodes.find((n) => n.name === 'l2/s2/grid_in');
  assert.ok(gridIn);
  assert.deepEqual(gridIn.inputs, ['l2/s2/diagonal/relu_1', 'l2/s2/horizontal/relu_1']);
  assert.ok(ancestors(g, 'l2/s2/diagonal/relu_1').has('l1/s1/relu'));
  assert.equal(g.nodes.some((n) => n.name === 'l2/s1/grid_in'), false);
  // s0 of layer 4 (after the reduction at 3) is layer 2's state, reduced by factorized reduce.
  assert.ok(g.nodes.some((n) => n.name === 'l4/s3/cell/pre0/shift'));
  assert.ok(ancestors(g, 'l4/s3/cell/pre0/bn').has('l2/s3/cell/out'));
});

test('the edge-op callback sees every edge of the search topology with DARTS strides; a mixed op plugs in', () => {
  const seen: (CellEdge & { stride: number })[] = [];
  const candidates = PRIMITIVE_NAMES.filter((p) => !PRIMITIVES[p].isZero);
  const mixed = (kind: 'normal' | 'reduce'): EdgeOp => (b, input, stride, edge) => {
    seen.push({ ...edge, stride });
    const alpha = `alpha_${kind}`;
    const rows = fullCellPlan(2).nodes.flat().length;
    try {
      b.addWeight(alpha, [rows, PRIMITIVE_NAMES.length], new Float32Array(rows * PRIMITIVE_NAMES.length), true);
    } catch {
      // already added by an earlier edge
    }
    const row = edge.node === 0 ? edge.from : 2 + edge.from;
    const outs = candidates.map((p) => expandPrimitive(b, p, input, { cOut: b.channels(input), stride, poolBn: true, affine: false }, `n${edge.node}_e${edge.slot}_${p}`));
    return b.mixedOp(outs, { alpha, row, primitives: [...PRIMITIVE_NAMES] });
  };
  const cells: CellSpecs = { normal: { plan: fullCellPlan(2), edgeOp: mixed('normal'), affine: false }, reduce: { plan: fullCellPlan(2), edgeOp: mixed('reduce'), affine: false } };
  const c = config({ scales: 2 });
  const g = buildMsRanasNetwork(c, cells, 'supernet');
  validateGraph(g);
  // 3 cells (layers 2..4) × 2 scales × 5 edges (2 + 3) built; layer 4's scale 1 feeds no exit and is pruned.
  assert.equal(seen.length, 3 * 2 * 5);
  assert.equal(g.nodes.filter((n) => n.op === 'mixedOp').length, 25);
  assert.ok(g.weights.alpha_normal && g.weights.alpha_reduce);
  // Search cells: preprocessing batch-norms without gamma/beta (DARTS affine=False).
  const pre = g.nodes.find((n) => n.name === 'l2/s1/cell/pre1/bn');
  assert.ok(pre && pre.op === 'batchNorm' && pre.attrs.affine === false && pre.weights.gamma === undefined);
  const reduceEdges = seen.filter((e) => e.cell === 'reduce');
  assert.equal(reduceEdges.length, 10);
  assert.ok(reduceEdges.every((e) => e.stride === (e.from < 2 ? 2 : 1)));
  assert.ok(seen.filter((e) => e.cell === 'normal').every((e) => e.stride === 1));
});

test('config errors name the field', () => {
  assert.throws(() => buildMsRanas(twoNode, config({ nodes: 4 })), (e: unknown) => isRanasError(e, 'E_MODEL_CONFIG') && /config.nodes is 4 but the genotype has 2/.test(e.message));
  assert.throws(() => buildMsRanas(twoNode, config({ reductionLayers: [1] })), /reductionLayers is \[1\]; expected layers in 2..4/);
  assert.throws(() => buildMsRanas(twoNode, config({ inputShape: [12, 12, 3], reductionLayers: [2, 3] })), /divisible by 16/);
});

test('costs grow with depth and every exit is counted', () => {
  const cost = analyzeGraph(buildMsRanas(twoNode, config({})));
  assert.equal(cost.exits.length, 3);
  for (let i = 1; i < cost.exits.length; i++) {
    assert.ok(cost.exits[i].pathMacs > cost.exits[i - 1].pathMacs);
    assert.equal(cost.exits[i].anytimeMacs, cost.exits[i - 1].anytimeMacs + cost.exits[i].marginalMacs);
  }
});
