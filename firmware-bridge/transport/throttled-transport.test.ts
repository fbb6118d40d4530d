import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryTransportPair } from './memory-transport.ts';
import { ThrottledTransport } from './throttled-transport.ts';

/** Keeps the event loop busy for `ms`, as a loaded machine or a long synchronous step does. */
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* busy */ }
}

test('bytes cross a throttled line in the order written, even when the event loop lags behind the line', async () => {
  const [hostEnd, deviceEnd] = memoryTransportPair();
  const line = new ThrottledTransport(hostEnd, 921_600); // 92,160 B/s: 4 KiB take ~44 ms
  const received: Buffer[] = [];
  deviceEnd.on('data', (b) => received.push(Buffer.from(b)));
  // Two writes in one event-loop turn with a long synchronous step between them: timers armed by the second
  // write are computed against a loop clock that is 60 ms stale, so a timer per slice would deliver its first
  // slices before the last ones of the first write.
  const first = Buffer.alloc(4096, 0x11);
  const second = Buffer.alloc(4096, 0x22);
  void line.write(first);
  blockFor(60);
  void line.write(second);
  const total = first.length + second.length;
  const deadline = performance.now() + 5000;
  while (received.reduce((n, b) => n + b.length, 0) < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(Buffer.concat(received), Buffer.concat([first, second]));
  await line.close();
});
