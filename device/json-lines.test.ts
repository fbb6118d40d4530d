import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { bundleFiles } from '../converters/bundle/write-bundle.ts';
import { createAgent } from './agent.ts';
import { answerLine, parseInferLine, serveJsonLines } from './json-lines.ts';
import { fakeRuntime } from './runtimes/fake-runtime.ts';
import { FakeClock } from './scheduler/clock.ts';
import { FakeStore } from './store/fake-store.ts';
import { fakeBundleContents } from './testing/fake-bundle.ts';

async function fakeAgent() {
  const clock = new FakeClock();
  const { manifest, files } = bundleFiles(fakeBundleContents({ segments: 2, classes: 3 }));
  const agent = await createAgent({ bundleDir: '/x', store: new FakeStore().add('b', manifest, files), runtime: fakeRuntime({ clock, costsUs: [100, 200], logits: (k) => (k === 0 ? [0, 3, 0] : [0, 0, 3]) }), clock, profile: { warmups: 0, runs: 3 } });
  await agent.install('b');
  return agent;
}

test('parseInferLine: number arrays become bytes of the dtype; defaults uint8 / deadline / top-5', () => {
  const f = parseInferLine({ input: [1.5, -2], shape: [2], dtype: 'float32', budgetUs: 10 });
  assert.deepEqual(Array.from(new Float32Array(f.input.buffer, f.input.byteOffset, 2)), [1.5, -2]);
  const u = parseInferLine({ input: [255, 0], shape: [2], budgetUs: 1 });
  assert.deepEqual([u.dtype, u.policy, u.topK, [...u.input]], ['uint8', 'deadline', 5, [255, 0]]);
  assert.throws(() => parseInferLine({ input: [1], shape: [1], budgetUs: 'soon' }), /budgetUs/);
  assert.throws(() => parseInferLine({ input: [1], shape: [0], budgetUs: 1 }), /shape/);
  assert.throws(() => parseInferLine({ input: [1], shape: [1], budgetUs: 1, policy: 'fastest' }), /policy/);
});

test('parseInferLine refuses an input dtype the agent does not read (int32) and an unknown policy', () => {
  assert.throws(() => parseInferLine({ input: [1], shape: [1], dtype: 'int32', budgetUs: 10 }), /field 'dtype' is "int32"; expected one of uint8, int8, float32/);
  assert.throws(() => parseInferLine({ input: [1], shape: [1], budgetUs: 10, policy: 'fastest' }), /field 'policy' is "fastest"; expected one of deadline, confidence/);
});

test('answers keep ids and order; errors are answers with codes', async () => {
  const agent = await fakeAgent();
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (b: Buffer) => { text += b.toString(); });
  const served = serveJsonLines(agent, input, output);
  const img = Array.from({ length: 48 }, () => 9);
  input.write(JSON.stringify({ id: 'a', input: img, shape: [4, 4, 3], budgetUs: 150 }) + '\n');
  input.write('{"id":"b", broken\n\n');
  input.write(JSON.stringify({ id: 'c', input: img, shape: [4, 4, 3], budgetUs: 1e6 }) + '\n');
  input.write(JSON.stringify({ id: 'd', op: 'rollback' }) + '\n');
  input.end();
  await served;
  const answers = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(answers.map((a) => a.id), ['a', null, 'c', 'd']);
  assert.deepEqual([answers[0].result.exitIndex, answers[0].result.label], [0, 'c1']);
  assert.equal(answers[1].error.code, 'E_BAD_REQUEST');
  assert.deepEqual([answers[2].result.exitIndex, answers[2].result.label, answers[2].result.totalUs], [1, 'c2', 300]);
  assert.equal(answers[3].error.code, 'E_NO_ROLLBACK');
  assert.match(await answerLine(agent, '"just a string"'), /not a JSON object/);
});
