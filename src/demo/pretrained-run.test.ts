// The demo's shipped-network run, through a real local agent on a pty pair: a shipped network whose images
// fit the demo's is flashed, verified and swept; one that does not fit, or a remote link, is reported as
// skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKeyPair } from '../../firmware-bridge/auth/signing-keys.ts';
import { haveSocat } from '../../firmware-bridge/test-support/pty-pair.ts';
import { makeTinyBundles, TINY_SIZE } from '../../device/testing/tiny-bundles.ts';
import { syntheticDataset } from '../data/synthetic.ts';
import type { PretrainedInfo } from '../pretrained-models.ts';
import { runPretrained } from './pretrained-run.ts';

test('shipped networks: flashed to their own local agent and swept when the images fit, skipped with a reason otherwise', { skip: !haveSocat() && 'socat is not installed (no pty pair)', timeout: 300_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ranas-demo-pretrained-'));
  const before = process.env.RANAS_PRETRAINED_DIR;
  try {
    const shipped = join(root, 'pretrained', 'tiny-net');
    mkdirSync(shipped, { recursive: true });
    await makeTinyBundles(shipped, ['onnx']);
    const info: PretrainedInfo = {
      name: 'tiny-net', label: 'fixture network', dataset: 'synthetic', params: 1, testImages: 8, bundles: ['onnx-int8'],
      exits: [1, 2].map((exit) => ({ exit, anytimeMacs: exit * 1e4, valTop1: 0.2, fp32Top1: 0.2, int8OnnxTop1: 0.2, int8TfliteTop1: null, p50Us: null, p99Us: null })),
      source: { study: 'test', network: 'fixture', commit: 'x', genotypeHash: null, epochs: 0, trainImages: 40, selection: 'test' },
      createdAt: new Date().toISOString(),
    };
    writeFileSync(join(shipped, 'pretrained.json'), JSON.stringify(info));
    process.env.RANAS_PRETRAINED_DIR = join(root, 'pretrained');
    const keyFile = join(root, 'device.key');
    writeFileSync(keyFile, 'ab'.repeat(32) + '\n');
    const signing = generateSigningKeyPair(join(root, 'signing'));
    const lines: string[] = [];
    const base = { runDir: root, keyFile, signing, bundle: 'onnx-int8', profileRuns: 5, budgetSteps: 2, policies: ['deadline' as const], maxSeconds: 60, say: (l: string) => lines.push(l) };

    // The demo's images: the shipped bundle's size and classes.
    const classNames: string[] = JSON.parse(readFileSync(join(shipped, 'onnx-int8', 'manifest.json'), 'utf8')).model.classNames;
    const fits = { ...syntheticDataset({ count: 6, classes: 5, height: TINY_SIZE, width: TINY_SIZE, channels: 3, seed: 2 }), classNames };
    const ran = await runPretrained({ ...base, images: fits, remote: false });
    assert.deepEqual(ran.skipped, []);
    assert.equal(ran.runs.length, 1);
    const run = ran.runs[0];
    assert.equal(run.info.name, 'tiny-net');
    assert.ok(run.device.flash.verified);
    assert.equal(run.device.profile.segments.length, 2);
    assert.ok(run.device.sweep.length >= 2, `${run.device.sweep.length} budgets`);
    assert.ok(run.device.sweep.every((s) => s.requests === 6));

    const other = { ...syntheticDataset({ count: 6, classes: 5, height: 12, width: 12, channels: 3, seed: 2 }), classNames };
    const skipped = await runPretrained({ ...base, images: other, remote: false });
    assert.deepEqual(skipped.runs, []);
    assert.match(skipped.skipped[0], /tiny-net: it takes 9x9x3 images; the demo's are 12x12x3/);
    const remote = await runPretrained({ ...base, images: fits, remote: true });
    assert.match(remote.skipped[0], /only to its local agent \(use ranas device flash pretrained:tiny-net\)/);
  } finally {
    if (before === undefined) delete process.env.RANAS_PRETRAINED_DIR;
    else process.env.RANAS_PRETRAINED_DIR = before;
    rmSync(root, { recursive: true, force: true });
  }
});
