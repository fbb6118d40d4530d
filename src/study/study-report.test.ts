import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { publishedNote } from './study-report.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the report names the published curves it draws and says why the anytime plots have none', () => {
  const note = publishedNote(root, 'cifar10');
  assert.match(note, /^Hollow markers are published results at full scale, not runs of this study: MSDNet budgeted batch, CIFAR-10/);
  assert.match(note, /The anytime plots have none: no published cifar10 anytime numbers/);
  assert.match(publishedNote(root, 'synthetic'), /^No published synthetic curves are in models\/reference-curves\/\. The anytime plots have none/);
});
