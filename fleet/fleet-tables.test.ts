import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profileRows, stateCounts, statusRows } from './fleet-tables.ts';
import type { DeviceView } from './fleet-view.ts';

const view = (device: string, segs: [number, number][], state?: 'succeeded' | 'failed'): DeviceView => ({
  device,
  presence: { online: true, at: 't' },
  info: { device, agentVersion: '0', runtimes: ['tflite'], simulated: false, bundle: { name: 'm', sha256: 'a'.repeat(64), version: 2 }, profile: { measuredAt: 't', segments: segs.map(([p50Us, p99Us]) => ({ p50Us, p99Us })) } },
  ...(state ? { status: { jobId: `j-${device}`, rolloutId: 'r1', action: 'install' as const, state, at: 't' } } : {}),
});

test('profile rows: cumulative per exit, fleet median and worst', () => {
  const rows = profileRows([view('a', [[100, 150], [200, 300]]), view('b', [[110, 400], [220, 330]]), view('c', [[90, 120], [180, 250]])]);
  assert.equal(rows.length, 5);
  assert.deepEqual([rows[0]['exit0 p50 µs'], rows[0]['exit1 p50 µs'], rows[0]['exit1 p99 µs']], [100, 300, 450]);
  const median = rows[3];
  assert.match(String(median.device), /median \(3 devices\)/);
  assert.deepEqual([median['exit0 p50 µs'], median['exit1 p50 µs'], median['exit1 p99 µs']], [100, 300, 450]);
  assert.deepEqual([rows[4]['exit0 p99 µs'], rows[4]['exit1 p99 µs']], [400, 730]);
});

test('status rows and counts filter by rollout', () => {
  const devices = [view('a', [], 'succeeded'), view('b', [], 'failed'), view('c', [])];
  assert.deepEqual(statusRows(devices, 'r1').map((r) => [r.device, r.state]), [['a', 'succeeded'], ['b', 'failed']]);
  assert.deepEqual(stateCounts(devices), { succeeded: 1, failed: 1, 'no job': 1 });
});
