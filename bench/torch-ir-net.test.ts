/**
 * The PyTorch interpreter of the IR (`torch-ir-net.py`) against the engine on the same graph and batch: exits,
 * loss and every gradient of one training forward (the numerics check of `train-presets.ts`). Runs when torch
 * imports in RANAS_TORCH_PYTHON (default python3); skipped otherwise. The hand-made tiny graph has a
 * conv-bn-relu stem, a strided dilated depthwise stage and a pooled mixed op, so 'same' padding, dilation,
 * avg-pool counting, batch-norm and softmax-weighted sums are all compared.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveModel } from '../src/ir/serialize.ts';
import { tinyGraph } from '../src/exec/tiny-graph.ts';

const python = process.env.RANAS_TORCH_PYTHON || 'python3';
const hasTorch = spawnSync(python, ['-c', 'import torch'], { timeout: 120_000 }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ranas-torch-ir-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('PyTorch rebuilt from the IR gives the engine\'s exits, loss and gradients (tiny graph with a mixed op)', { skip: hasTorch ? false : `torch does not import in ${python}` }, () => {
  const model = join(dir, 'model');
  saveModel(model, tinyGraph({ size: 8, withMixedOp: true }));
  const caseDir = join(dir, 'case');
  const ranas = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./train-presets-ranas.ts', import.meta.url)), 'case', model, caseDir, '6'], { encoding: 'utf8' });
  assert.equal(ranas.status, 0, ranas.stderr.slice(-1500));
  const check = spawnSync(python, [fileURLToPath(new URL('./torch-ir-net.py', import.meta.url)), 'check', model, caseDir], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr.slice(-1500));
  const out: unknown = JSON.parse(check.stdout.trim().split('\n').pop() ?? '');
  assert.ok(typeof out === 'object' && out !== null && 'exits' in out && 'loss' in out && 'gradients' in out && Array.isArray(out.gradients));
  assert.ok(Number(out.exits) < 1e-4, `exits differ: relative L2 ${String(out.exits)}`);
  assert.ok(Number(out.loss) < 1e-5, `loss differs: relative ${String(out.loss)}`);
  const grads = out.gradients.filter((g): g is { name: string; relL2: number; normShare: number } => typeof g === 'object' && g !== null);
  assert.ok(grads.some((g) => g.name.startsWith('alpha')), 'the alpha gradient was not compared');
  for (const g of grads.filter((x) => x.normShare > 1e-3)) assert.ok(g.relL2 < 1e-3, `gradient ${g.name}: relative L2 ${g.relL2}`);
});
