/**
 * The device agent as linux-arm64 code (device/testing/emulation/arm64-comparison.ts): the device package built
 * for linux-arm64 installed and run under qemu-aarch64 with Node 20 arm64, the linux-x64 one on the host,
 * both flashed with the int8 TFLite and int8 ONNX bundles over pty pairs and asked the same images with
 * every exit. 20 images here (a few minutes under emulation on a shared 2-core machine);
 * `npm run arm64-agent` runs the full 100 (and --fp32). Skipped, saying why, when the arm64 pieces are
 * missing (scripts/setup-arm64.sh installs them). The latency printed for arm64 is emulated.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arm64SkipReason, runArm64Comparison } from '../device/testing/emulation/arm64-comparison.ts';
import { median } from '../device/testing/emulation/compare-agents.ts';
import { haveSocat } from '../firmware-bridge/test-support/pty-pair.ts';

const skip = arm64SkipReason() ?? (haveSocat() ? undefined : 'socat not installed: no pseudo-terminal pair');

test('arm64 agent under qemu: installs from the tarball, reports arm64, answers every exit as the x86-64 agent does', { skip: skip ?? false, timeout: 1_500_000 }, async (t) => {
  const r = await runArm64Comparison({ count: 20, fp32: false, profileRuns: 5, say: (l) => t.diagnostic(l) });
  assert.equal(r.arm64.install.arch, 'arm64', 'node -p process.arch under qemu');
  assert.equal(r.x86.install.arch, 'x64');
  const arm = r.packages.find((p) => p.platform === 'linux-arm64');
  assert.ok(arm && r.arm64.install.installedBytes < 100e6, `the arm64 install is ${(r.arm64.install.installedBytes / 1e6).toFixed(1)} MB; expected well under the toolchain's 793 MB`);
  assert.deepEqual(r.comparisons.map((c) => c.bundle), ['tflite-int8', 'onnx-int8']);
  for (const c of r.comparisons) {
    assert.ok(c.exits.length >= 2, `${c.bundle}: several exits compared`);
    for (const e of c.exits) {
      assert.equal(e.images, 20);
      assert.equal(e.labelMismatches, 0, `${c.bundle} exit ${e.exitIndex + 1}: a label differs where the logits moved less than half its margin`);
      assert.ok(e.sameLabel >= c.rule.minSameLabel * e.images, `${c.bundle} exit ${e.exitIndex + 1}: same label on ${e.sameLabel} of ${e.images}`);
      assert.ok(e.maxLogitDiff <= c.rule.maxLogitDiff, `${c.bundle} exit ${e.exitIndex + 1}: max |Δlogit| ${e.maxLogitDiff} > ${c.rule.maxLogitDiff}`);
      assert.ok(e.maxConfidenceDiff <= c.rule.maxConfidenceDiff, `${c.bundle} exit ${e.exitIndex + 1}: max |Δconfidence| ${e.maxConfidenceDiff} > ${c.rule.maxConfidenceDiff}`);
    }
  }
  assert.equal(r.edgetpu.code, 'E_EDGETPU_UNAVAILABLE', '--edgetpu without libedgetpu refuses with a typed error');
  assert.notEqual(r.edgetpu.status, 0);
  for (const b of r.arm64.bundles) t.diagnostic(`EMULATED arm64 latency (qemu on x86-64, not a Pi figure): ${b.bundle.split('/').pop()} all exits p50 ${(median(b.totalUs) / 1000).toFixed(1)} ms`);
});
