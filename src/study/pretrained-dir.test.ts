import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { defaultPretrainedDir } from './run-study.ts';
import { STUDY_PLANS } from './study-plan.ts';

test('only the full plan ships into the checkout\'s models/pretrained; a smoke run keeps its model in its work folder', () => {
  assert.match(defaultPretrainedDir(STUDY_PLANS.full, '/tmp/w'), /models[/\\]pretrained$/);
  assert.equal(defaultPretrainedDir(STUDY_PLANS.smoke, '/tmp/w'), join('/tmp/w', 'pretrained'));
});
