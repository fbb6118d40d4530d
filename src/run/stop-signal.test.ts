import { test } from 'node:test';
import assert from 'node:assert/strict';
import { savedOnStop } from './stop-signal.ts';

test('savedOnStop writes the checkpoint and says stop only when a stop was requested', async () => {
  let saves = 0;
  const save = () => { saves += 1; };
  assert.equal(await savedOnStop(undefined, save), false, 'no stop function: the loop goes on');
  assert.equal(await savedOnStop(() => false, save), false, 'no stop requested: the loop goes on');
  assert.equal(saves, 0, 'nothing saved while the loop goes on');
  assert.equal(await savedOnStop(() => true, save), true, 'stop requested: the loop ends');
  assert.equal(saves, 1, 'one checkpoint written before the loop ends');
});

test('savedOnStop lets a pending event run before it reads the stop request', async () => {
  let requested = false;
  setImmediate(() => { requested = true; }); // a signal handler queued behind a synchronous step
  assert.equal(await savedOnStop(() => requested, () => undefined), true);
});
