/**
 * The device agent as linux-arm64 code: builds the device package for linux-arm64 and linux-x64, installs
 * the arm64 one under qemu-aarch64 (Node 20 arm64, `node -p process.arch` → arm64) and the x86-64 one on
 * the host, flashes the tiny preset's int8 TFLite and int8 ONNX bundles (and fp32 with --fp32) to both
 * agents over pseudo-terminal pairs, asks the first N CIFAR-10 mini test images with every exit and
 * compares within the stated tolerance (compare-agents.ts: agreementRule). Prints the install size and
 * time, the agreement per exit and the agents' latency — the arm64 figures are emulated (qemu on this
 * x86-64 machine), never a Raspberry Pi's.
 *   node --import tsx scripts/arm64-agent.ts [--images 100] [--fp32] [--profile-runs 10] [--keep]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { printTable, type Row } from '../src/text-table.ts';
import { arm64SkipReason, runArm64Comparison } from '../device/testing/emulation/arm64-comparison.ts';
import { median } from '../device/testing/emulation/compare-agents.ts';

const { values } = parseArgs({ options: { images: { type: 'string', default: '100' }, fp32: { type: 'boolean', default: false }, 'profile-runs': { type: 'string', default: '10' }, keep: { type: 'boolean', default: false } } });
const skip = arm64SkipReason();
if (skip) {
  console.error(`arm64-agent: ${skip}`);
  process.exit(2);
}
const r = await runArm64Comparison({ count: Number(values.images), fp32: values.fp32, profileRuns: Number(values['profile-runs']), keep: values.keep, say: (l) => console.error(l) });

printTable(r.packages.map((p) => ({ package: p.platform, 'packed MB': p.tarballBytes / 1e6, 'unpacked MB': p.stagedBytes / 1e6 })), { title: 'device package (npm pack)' });
printTable([r.x86, r.arm64].map((s) => ({ side: s.side, 'node -p process.arch': s.install.arch, 'installed MB': s.install.installedBytes / 1e6, 'npm install s': s.install.seconds })), { title: '\ninstall (npm install --offline from the tarball)' });
const rows: Row[] = [];
for (const c of r.comparisons) {
  for (const e of c.exits) {
    rows.push({ bundle: c.bundle, exit: e.exitIndex + 1, images: e.images, 'same label': e.sameLabel, 'identical logits': e.identicalLogits, 'max |Δlogit|': e.maxLogitDiff, 'max |Δconf|': e.maxConfidenceDiff, allowed: `${c.rule.maxLogitDiff} / ${c.rule.maxConfidenceDiff} / ${100 * c.rule.minSameLabel}%`, ok: c.ok });
  }
}
printTable(rows, { title: '\narm64 (qemu) vs x86-64 agent, every exit (logits as the segment output them: int8 steps for int8 bundles)' });
const lat: Row[] = [];
for (const s of [r.x86, r.arm64]) {
  for (const b of s.bundles) {
    lat.push({ side: s.side, bundle: b.bundle.split('/').pop() ?? b.bundle, 'all exits p50 ms': median(b.totalUs) / 1000, ...Object.fromEntries(b.segmentUs.map((u, k) => [`seg${k} p50 ms`, median(u) / 1000])) });
  }
}
printTable(lat, { title: `\nagent latency with every exit run (arm64 = EMULATED under qemu-aarch64 on x86-64, not a Pi figure); load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}` });
process.exit(r.comparisons.every((c) => c.ok) ? 0 : 1);
