import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseStudyOptions } from './study.ts';

const raw = { replicas: '1', maxStages: '0' };

test('only the full plan ships into the checkout\'s models/pretrained; a smoke run keeps its model in its work folder', () => {
  assert.equal(parseStudyOptions({ ...raw, plan: 'full' }, []).pretrainedDir, undefined);
  const smoke = parseStudyOptions({ ...raw, plan: 'smoke', workDir: '/tmp/w' }, []);
  assert.equal(smoke.pretrainedDir, join('/tmp/w', 'pretrained'));
  assert.equal(parseStudyOptions({ ...raw, plan: 'smoke' }, []).pretrainedDir, join('runs/study-smoke', 'pretrained'));
});
